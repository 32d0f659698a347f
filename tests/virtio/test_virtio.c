/* test_virtio.c - the PCI bus, BAR0 rules, rings and the console on fake guest RAM. */
#include "tests/check.h"
#include "tests/virtio/harness.h"
#include "virtio/console.h"

static struct fake F;
static struct virtio_console con;
static struct ring rings[2];

/* A new machine with only the console (the last one's queue memory freed). */
static void fresh(void) {
    virtio_free(&con.dev);
    fake_init(&F);
    CHECK_EQ(virtio_console_init(&con, &F.bus, fake_out, &F), 0);
}

static void console_up(void) {
    fresh();
    ring_place(&rings[0], 0x10000, 8);
    ring_place(&rings[1], 0x20000, 8);
    driver_up(&con.dev, rings, 1ull << VIRTIO_F_VERSION_1);
    CHECK_STR_CONTAINS(F.why[0] ? F.why : "ok", "ok");
}

/* --- PCI configuration mechanism #1 --- */

static uint32_t cfg_in(unsigned slot, unsigned reg, int size) {
    pci_port_out(&F.bus, 0xCF8, 4, 0x80000000u | slot << 11 | (reg & 0xFC));
    return pci_port_in(&F.bus, (uint16_t)(0xCFC + (reg & 3)), size);
}
static int cfg_out(unsigned slot, unsigned reg, int size, uint32_t v) {
    pci_port_out(&F.bus, 0xCF8, 4, 0x80000000u | slot << 11 | (reg & 0xFC));
    return pci_port_out(&F.bus, (uint16_t)(0xCFC + (reg & 3)), size, v);
}

static void pci_config_space(void) {
    console_up();
    CHECK_EQ(cfg_in(1, 0, 4), 0x10431AF4);
    CHECK_EQ(cfg_in(1, 0x0A, 2), 0x0700);             /* class 07, subclass 00 */
    CHECK_EQ(cfg_in(1, 0x3C, 1), 1);                  /* IRQ line 1 */
    CHECK_EQ(cfg_in(0, 0x0B, 1), 0x06);               /* the host bridge: class only */
    CHECK_EQ(cfg_in(0, 0, 4), 0);
    CHECK_EQ(cfg_in(5, 0, 4), 0xFFFFFFFF);            /* no device in slot 5 */
    CHECK_EQ(cfg_in(1, 0, 2), 0x1AF4);
    /* 4.4's capability chain: common, notify, ISR, the window, then the device config. */
    unsigned want[] = { 0x40, 0x50, 0x64, 0x84, 0x74 }, types[] = { 1, 2, 3, 5, 4 }, n = 0;
    for (unsigned cap = cfg_in(1, 0x34, 1); cap && n < 6; cap = cfg_in(1, cap + 1, 1), n++) {
        CHECK_EQ(cap, want[n]);
        CHECK_EQ(cfg_in(1, cap + 3, 1), types[n]);
    }
    CHECK_EQ(n, 5);
    CHECK_EQ(cfg_in(1, 0x74 + 12, 4), 12);            /* console config: 12 bytes at 60 */
    /* BAR0 sizing: all ones reads back -(128), the console's 72 bytes rounded up. */
    CHECK_EQ(cfg_in(1, 0x10, 4), MMIO_BASE);
    CHECK_EQ(cfg_out(1, 0x10, 4, 0xFFFFFFFF), 0);
    CHECK_EQ(cfg_in(1, 0x10, 4), 0xFFFFFF80);
    CHECK_EQ(cfg_out(1, 0x10, 4, MMIO_BASE), 0);
    CHECK_EQ(cfg_out(1, 0x0C, 4, 0x12345678), 0);     /* only cache line and latency change */
    CHECK_EQ(cfg_in(1, 0x0C, 4), 0x00005678);
    CHECK_EQ(cfg_out(1, 0x00, 4, 0), -1);             /* vendor id: refused */
    CHECK_EQ(cfg_out(1, 0x04, 2, 7), 0);              /* command: 16-bit writes ignored */
    CHECK_EQ(cfg_out(1, 0x04, 4, 7), -1);
    CHECK_EQ(cfg_in(1, 0x04, 2), 0);
    /* The early console: bar 0, length 4, offset 68 (emerg_wr), then the character. */
    CHECK_EQ(cfg_out(1, 0x84 + 4, 1, 0), 0);
    CHECK_EQ(cfg_out(1, 0x84 + 12, 4, 4), 0);
    CHECK_EQ(cfg_out(1, 0x84 + 8, 4, 68), 0);
    CHECK_EQ(cfg_out(1, 0x94, 4, 'Z'), 0);
    CHECK_EQ(F.out_len, 1);
    CHECK_EQ(F.out[0], 'Z');
    CHECK_EQ(cfg_out(1, 0x84 + 8, 4, 70), 0);         /* misaligned for length 4 */
    CHECK_EQ(cfg_out(1, 0x94, 4, 'Y'), -1);
    CHECK_EQ(F.out_len, 1);
    /* A read through the window is a BAR0 read: the status the driver set. */
    CHECK_EQ(cfg_out(1, 0x84 + 12, 4, 1), 0);
    CHECK_EQ(cfg_out(1, 0x84 + 8, 4, VM_DEVICE_STATUS), 0);
    CHECK_EQ(cfg_in(1, 0x94, 4), 0x0F);
}

/* --- BAR0's rules: 4.4 stops a driver at the first thing it must not do --- */

static void bad(void (*setup)(struct virtio_dev *), const char *why) {
    fresh();
    setup(&con.dev);
    CHECK_STR_CONTAINS(F.why, why);
    unsigned irqs = F.irqs;
    bw(&con.dev, VM_DEVICE_STATUS, 0, W8);   /* after a fatal error nothing more happens */
    CHECK_EQ(F.irqs, irqs);
}
static void two_bits(struct virtio_dev *d) { bw(d, VM_DEVICE_STATUS, 3 | 8, W8); }
static void skip_status(struct virtio_dev *d) { bw(d, VM_DEVICE_STATUS, 2, W8); }
static void status_16(struct virtio_dev *d) { bw(d, VM_DEVICE_STATUS, 1, W16); }
static void feature_early(struct virtio_dev *d) { (void)br(d, VM_DEVICE_FEATURE, W32); }
static void over_accept(struct virtio_dev *d) {
    bw(d, VM_DEVICE_STATUS, 1, W8);
    bw(d, VM_DEVICE_STATUS, 3, W8);
    bw(d, VM_GUEST_FEATURE, 1u << 5, W32);
}
static void no_reread(struct virtio_dev *d) {
    bw(d, VM_DEVICE_STATUS, 1, W8);
    bw(d, VM_DEVICE_STATUS, 3, W8);
    bw(d, VM_DEVICE_STATUS, 0xB, W8);
    bw(d, VM_QUEUE_DESC, 0x10000, W32);
}
static void notify_read(struct virtio_dev *d) { (void)br(d, VM_NOTIFY, W16); }
static void msix(struct virtio_dev *d) { (void)br(d, VM_MSIX_CONFIG, W16); }
static void clear_bit(struct virtio_dev *d) {
    bw(d, VM_DEVICE_STATUS, 1, W8);
    bw(d, VM_DEVICE_STATUS, 3, W8);
    bw(d, VM_DEVICE_STATUS, 1, W8);
}
static void cfg_write(struct virtio_dev *d) { bw(d, VM_DEVICE_CONFIG, 1, W16); }

static void bar0_rules(void) {
    bad(two_bits, "console: bad driver: unknown device status bit 0 -> 0xb");
    bad(skip_status, "console: bad driver: unexpected status transition 0 -> 0x2");
    bad(status_16, "console: bad driver: non-8-bit write to offset 20");
    bad(feature_early, "console: bad driver: feature read before VIRTIO_CONFIG_S_DRIVER");
    bad(over_accept, "console: bad driver: over-accepted features 0x20 of 0x100000004");
    bad(no_reread, "console: bad driver: didn't re-read FEATURES_OK before setup");
    bad(notify_read, "console: bad driver: notify before VIRTIO_CONFIG_S_DRIVER_OK");
    bad(msix, "console: bad driver: read of msix_config");
    bad(clear_bit, "console: bad driver: unset of device status bit 0x3 -> 0x1");
    bad(cfg_write, "console: bad driver: Unexpected write to offset 60");
}

static void features_and_queues(void) {
    console_up();
    struct virtio_dev *d = &con.dev;
    bw(d, VM_DEVICE_FEATURE_SELECT, 0, W32);   /* (after FEATURES_OK: not allowed) */
    CHECK_STR_CONTAINS(F.why, "feature write after VIRTIO_CONFIG_S_FEATURES_OK");
    fresh();
    bw(d, VM_DEVICE_STATUS, 1, W8);
    bw(d, VM_DEVICE_STATUS, 3, W8);
    bw(d, VM_DEVICE_FEATURE_SELECT, 0, W32);
    CHECK_EQ(br(d, VM_DEVICE_FEATURE, W32), 1u << 2);   /* EMERG_WRITE */
    bw(d, VM_DEVICE_FEATURE_SELECT, 1, W32);
    CHECK_EQ(br(d, VM_DEVICE_FEATURE, W32), 1);         /* VERSION_1 */
    CHECK_EQ(br(d, VM_NUM_QUEUES, W16), 2);
    bw(d, VM_QUEUE_SELECT, 1, W16);
    CHECK_EQ(br(d, VM_QUEUE_SIZE, W16), 256);
    bw(d, VM_QUEUE_SELECT, 7, W16);
    CHECK_EQ(br(d, VM_QUEUE_SIZE, W16), 0);             /* no such queue */
    CHECK_EQ(br(d, VM_CONFIG_GENERATION, W8), 0);
    CHECK_EQ(F.why[0], 0);
    /* Reset: status 0, and the driver may start over. */
    bw(d, VM_DEVICE_STATUS, 0, W8);
    CHECK_EQ(br(d, VM_DEVICE_STATUS, W8), 0);
    ring_place(&rings[0], 0x10000, 8);
    ring_place(&rings[1], 0x20000, 8);
    driver_up(d, rings, 1ull << 32);
    CHECK_EQ(F.why[0], 0);
}

/* --- the console --- */

static void console_output(void) {
    console_up();
    memcpy(gp(&F, 0x30000), "hello, ", 7);
    memcpy(gp(&F, 0x30100), "world\n", 6);
    struct seg s[] = { { 0x30000, 7, 0 }, { 0x30100, 6, 0 } };
    unsigned head = chain(&F, &rings[1], s, 2);
    kick(&con.dev, 1);
    CHECK_EQ(F.out_len, 13);
    CHECK(!memcmp(F.out, "hello, world\n", 13));
    CHECK_EQ(used_idx(&F, &rings[1]), 1);
    CHECK_EQ(used_id(&F, &rings[1], 0), head);
    CHECK_EQ(used_len(&F, &rings[1], 0), 0);
    CHECK_EQ(F.irqs, 1);
    CHECK_EQ(F.last_irq, 1);
    CHECK_EQ(br(&con.dev, VM_ISR, W8), 1);
    CHECK_EQ(br(&con.dev, VM_ISR, W8), 0);             /* reading clears it */
    /* With VRING_AVAIL_F_NO_INTERRUPT the buffer is used but no IRQ comes. */
    put_le16(gp(&F, rings[1].avail), 1);
    chain(&F, &rings[1], s, 1);
    kick(&con.dev, 1);
    CHECK_EQ(used_idx(&F, &rings[1]), 2);
    CHECK_EQ(F.irqs, 1);
    CHECK_EQ(F.why[0], 0);
}

static void console_in(void) {
    console_up();
    CHECK(!console_wants_input(&con));
    CHECK_EQ(console_input(&con, (const uint8_t *)"x", 1), -1);   /* no buffer yet */
    struct seg s[] = { { 0x40000, 4, 1 }, { 0x40010, 8, 1 } };
    unsigned head = chain(&F, &rings[0], s, 2);
    kick(&con.dev, 0);
    CHECK_EQ(F.irqs, 0);                                /* nothing until there is input */
    CHECK(console_wants_input(&con));
    CHECK_EQ(console_input(&con, (const uint8_t *)"echo hi\n", 8), 8);
    CHECK(!memcmp(gp(&F, 0x40000), "echo", 4));
    CHECK(!memcmp(gp(&F, 0x40010), " hi\n", 4));
    CHECK_EQ(used_idx(&F, &rings[0]), 1);
    CHECK_EQ(used_id(&F, &rings[0], 0), head);
    CHECK_EQ(used_len(&F, &rings[0], 0), 8);
    /* reported as written, by whom: the bytes stored in each buffer (4 of the second's 8),
     * the used entry and the used index */
    CHECK_EQ(F.n_wrote, 4);
    CHECK_EQ(F.wrote_gpa[0], 0x40000);
    CHECK_EQ(F.wrote_len[0], 4);
    CHECK_EQ(F.wrote_gpa[1], 0x40010);
    CHECK_EQ(F.wrote_len[1], 4);
    CHECK_EQ(F.wrote_gpa[2], rings[0].used + 4);
    CHECK_EQ(F.wrote_len[2], 8);
    CHECK_EQ(F.wrote_gpa[3], rings[0].used + 2);
    CHECK_EQ(F.wrote_len[3], 2);
    CHECK(!strcmp(F.wrote_dev[0], "console") && !strcmp(F.wrote_fn[0], "console_input"));
    CHECK(!strcmp(F.wrote_dev[1], "console") && !strcmp(F.wrote_fn[1], "console_input"));
    CHECK(!strcmp(F.wrote_dev[3], "console") && !strcmp(F.wrote_fn[3], "vq_push"));
    CHECK_EQ(F.irqs, 1);
    CHECK_EQ(F.last_irq, 1);
    CHECK(!console_wants_input(&con));
    /* More than a buffer holds: the rest waits for the next one. */
    chain(&F, &rings[0], (struct seg[]){ { 0x40100, 3, 1 } }, 1);
    CHECK_EQ(console_input(&con, (const uint8_t *)"abcdef", 6), 3);
    /* An output buffer in the input queue is the driver's mistake. */
    chain(&F, &rings[0], (struct seg[]){ { 0x40200, 3, 0 } }, 1);
    CHECK_EQ(console_input(&con, (const uint8_t *)"z", 1), -1);
    CHECK_STR_CONTAINS(F.why, "console vq input: bad driver: Output buffers in console in queue?");
}

/* --- hostile rings: stopped with 4.4's words, never a crash --- */

static void hostile(const char *why, void (*mess)(void)) {
    console_up();
    mess();
    kick(&con.dev, 1);
    CHECK_STR_CONTAINS(F.why, why);
}
static void loop2(void) {
    put_desc(&F, &rings[1], 0, 0x30000, 4, 1, 1);
    put_desc(&F, &rings[1], 1, 0x30000, 4, 1, 0);
    offer(&F, &rings[1], 0);
}
static void self_loop(void) {
    put_desc(&F, &rings[1], 3, 0x30000, 1, 1, 3);
    offer(&F, &rings[1], 3);
}
static void next_out(void) {
    put_desc(&F, &rings[1], 0, 0x30000, 4, 1, 200);
    offer(&F, &rings[1], 0);
}
static void addr_out(void) {
    put_desc(&F, &rings[1], 0, RAM_SIZE - 2, 4, 0, 0);
    offer(&F, &rings[1], 0);
}
static void addr_wrap(void) {
    put_desc(&F, &rings[1], 0, 0xFFFFFFF0u, 0x20, 0, 0);
    offer(&F, &rings[1], 0);
}
static void addr_high(void) {
    put_desc(&F, &rings[1], 0, 0x30000, 4, 0, 0);
    put_le32(gp(&F, rings[1].desc + 4), 1);
    offer(&F, &rings[1], 0);
}
static void head_out(void) { offer(&F, &rings[1], 9); }
static void idx_jump(void) { put_le16(gp(&F, rings[1].avail + 2), 100); }
static void indirect(void) {
    put_desc(&F, &rings[1], 0, 0x30000, 32, 4, 0);
    offer(&F, &rings[1], 0);
}
static void out_after_in(void) {
    put_desc(&F, &rings[1], 0, 0x30000, 4, 1 | 2, 1);
    put_desc(&F, &rings[1], 1, 0x30000, 4, 0, 0);
    offer(&F, &rings[1], 0);
}
static void avail_flags(void) {
    put_le16(gp(&F, rings[1].avail), 2);
    chain(&F, &rings[1], (struct seg[]){ { 0x30000, 1, 0 } }, 1);
}
static void in_in_output(void) {
    chain(&F, &rings[1], (struct seg[]){ { 0x30000, 1, 1 } }, 1);
}

static void hostile_rings(void) {
    hostile("console vq output: bad driver: Looped descriptor", loop2);
    hostile("console vq output: bad driver: Looped descriptor", self_loop);
    hostile("console: bad driver: Desc next is 200", next_out);
    hostile("console: bad driver: Invalid address 0xffffe", addr_out);
    hostile("console: bad driver: Invalid address 0xfffffff0", addr_wrap);
    hostile("console: bad driver: Invalid address 0x100030000", addr_high);
    hostile("console vq output: bad driver: Guest says index 9 is available", head_out);
    hostile("console vq output: bad driver: Guest moved used index from 0 to 100", idx_jump);
    hostile("console vq output: bad driver: vq indirect not negotiated", indirect);
    hostile("console vq output: bad driver: Descriptor has out after in", out_after_in);
    hostile("console vq output: bad driver: avail->flags = 2", avail_flags);
    hostile("console vq output: bad driver: Input buffers in console output queue?",
            in_in_output);
}

/* Rings the Guest places badly are refused when it enables them. */
static void enable_fails(uint32_t desc, uint32_t avail, uint32_t used, uint16_t num,
                         uint16_t used_flags, const char *why) {
    fresh();
    struct ring r[2];
    ring_place(&r[0], 0x10000, 8);
    ring_place(&r[1], 0x20000, 8);
    r[0].desc = desc;
    r[0].avail = avail;
    r[0].used = used;
    r[0].num = num;
    if (used < RAM_SIZE) put_le16(gp(&F, used), used_flags);
    driver_up(&con.dev, r, 1ull << 32);
    CHECK_STR_CONTAINS(F.why, why);
}

static void bad_queue_setup(void) {
    enable_fails(0x10008, 0x11000, 0x12000, 8, 0, "invalid alignment in queue addresses");
    enable_fails(0x10000, 0x11001, 0x12000, 8, 0, "invalid alignment in queue addresses");
    enable_fails(RAM_SIZE - 64, 0x11000, 0x12000, 8, 0, "Invalid address");
    enable_fails(0x10000, 0x11000, RAM_SIZE - 16, 8, 0, "Invalid address");
    enable_fails(0x10000, 0x11000, 0x12000, 8, 1, "invalid initial used.flags 0x1");
    enable_fails(0x10000, 0x11000, 0x12000, 0, 0, "invalid queue size 0");
    enable_fails(0x10000, 0x11000, 0x12000, 6, 0, "console: bad driver: invalid queue size 6");
}

/* Random rings and descriptors: whatever they say, lgsim reads and writes only guest RAM and
 * either serves the chain or stops the Guest. */
static void random_rings(void) {
    uint64_t s = 12345;
    unsigned served = 0, stopped = 0;
    for (int iter = 0; iter < 3000; iter++) {
        console_up();
        uint8_t *ring = gp(&F, rings[1].desc);
        for (unsigned i = 0; i < 8 * 16; i++) {
            s = s * 6364136223846793005ull + 1442695040888963407ull;
            ring[i] = (uint8_t)(s >> 56);
        }
        for (unsigned i = 0; i < 8; i++) {   /* keep most addresses plausible */
            s = s * 6364136223846793005ull + 1442695040888963407ull;
            if (s >> 63) put_le32(ring + 16 * i, (uint32_t)(s >> 20) % RAM_SIZE);
            if ((s >> 62) & 1) put_le32(ring + 16 * i + 4, 0);
            if ((s >> 61) & 1) put_le32(ring + 16 * i + 8, (uint32_t)(s >> 40) % 64);
        }
        put_le16(gp(&F, rings[1].avail + 4), (uint16_t)(s >> 8) % 10);
        put_le16(gp(&F, rings[1].avail + 2), (uint16_t)(s >> 24) % 3 ? 1 : (uint16_t)(s >> 32));
        kick(&con.dev, 1);
        if (F.why[0]) stopped++;
        else served++;
    }
    CHECK(served > 0);
    CHECK(stopped > 0);
}

int main(void) {
    RUN(pci_config_space);
    RUN(bar0_rules);
    RUN(features_and_queues);
    RUN(console_output);
    RUN(console_in);
    RUN(hostile_rings);
    RUN(bad_queue_setup);
    RUN(random_rings);
    virtio_free(&con.dev);
    return check_report("virtio");
}
