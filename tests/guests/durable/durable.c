/* durable.c - a test guest that writes blocks through virtio-blk and flushes each, saying so. */
#include "tests/guests/lib/guest.h"

/*
 * For each block k of the disk: write sector k with pattern(k), flush, and only when the
 * device has said both completed, print "durable k".  A test kills lgsim at some of those
 * lines (tests/sim/launcher/kill_safety.py): every block printed durable before the kill must
 * be in the image afterwards, and no block may hold anything but zeros or its pattern.
 *
 * With "code-from-disk" on its command line it checks instead that code the device reads over
 * code the Guest has run is the code that runs next: it runs a page holding "mov $1, %eax;
 * ret", writes "mov $2, %eax; ret" to sector 0, reads sector 0 into that page and runs it
 * again, and prints both results (tests/sim/launcher: "ran 1, then 2").
 *
 * The driver is the smallest virtio 1.0 PCI one: all of BAR0 through the PCI configuration
 * window capability (port I/O, like the early console), one queue of 16 descriptors, polled.
 */

struct lguest_data lguest_data = {
    .blocked_interrupts = 1,
    .hcall_status = { [0 ... 63] = 0xFF },
    .kernel_address = 0xC0000000,
    .syscall_vec = 0x80,
};
__asm__(".bss\n.align 16\n.space 8192\n.globl stack_top\nstack_top:\n.text");

#define QSIZE 16
#define SECTOR 512
#define DURABLE_MAGIC 0x41525544u    /* "DURA" */

/* The split ring (virtio 1.0 2.4), guest-physical = linear here: no page tables of our own. */
struct desc { uint32_t addr_lo, addr_hi, len; uint16_t flags, next; };
static struct desc ring_desc[QSIZE] __attribute__((aligned(16)));
static volatile struct { uint16_t flags, idx, ring[QSIZE], used_event; } ring_avail
    __attribute__((aligned(2)));
static volatile struct { uint16_t flags, idx; struct { uint32_t id, len; } ring[QSIZE];
                         uint16_t avail_event; } ring_used __attribute__((aligned(4)));

static struct { uint32_t type, ioprio, sector_lo, sector_hi; } req_hdr;
static uint8_t block[SECTOR];
static volatile uint8_t req_status;
static uint32_t slot, window;
static uint16_t next_avail;

static void shutdown(const char *msg) {
    hcall(LHCALL_SHUTDOWN, (uint32_t)msg, LGUEST_SHUTDOWN_POWEROFF, 0, 0);
}

static uint32_t conf_addr(uint32_t reg) { return 0x80000000u | (slot << 11) | (reg & 0xFC); }
static uint32_t conf_read32(uint32_t reg) {
    outl(conf_addr(reg), 0xCF8);
    return inl(0xCFC);
}
static uint8_t conf_read8(uint32_t reg) { return (uint8_t)(conf_read32(reg) >> (8 * (reg & 3))); }
static void conf_write8(uint32_t reg, uint8_t v) {
    outl(conf_addr(reg), 0xCF8);
    outb(v, 0xCFC + (reg & 3));
}
static void conf_write32(uint32_t reg, uint32_t v) {
    outl(conf_addr(reg), 0xCF8);
    outl(v, 0xCFC);
}

/* BAR0 through the window: BAR 0, the field's width, its offset, then the data. */
static void bar_write(uint32_t off, uint32_t width, uint32_t v) {
    conf_write8(window + 4, 0);
    conf_write32(window + 12, width);
    conf_write32(window + 8, off);
    conf_write32(window + 16, v);
}
static uint32_t bar_read(uint32_t off, uint32_t width) {
    conf_write8(window + 4, 0);
    conf_write32(window + 12, width);
    conf_write32(window + 8, off);
    uint32_t v = conf_read32(window + 16);
    return width == 4 ? v : v & ((1u << (8 * width)) - 1);
}

static int find_block_device(void) {
    for (slot = 2; slot < 32; slot++) {
        if (conf_read32(0) != 0x10421AF4) continue;   /* virtio 1.0 block */
        for (uint32_t cap = conf_read8(0x34); cap; cap = conf_read8(cap + 1))
            if (conf_read8(cap + 3) == 5) window = cap;
        return window ? 0 : -1;
    }
    return -1;
}

/* virtio 1.0 3.1.1: reset, ACKNOWLEDGE, DRIVER, features, FEATURES_OK, the queue, DRIVER_OK. */
static int device_init(void) {
    bar_write(20, 1, 0);
    bar_write(20, 1, 1);
    bar_write(20, 1, 1 | 2);
    bar_write(8, 4, 0);
    bar_write(12, 4, 0);
    bar_write(8, 4, 1);
    bar_write(12, 4, 1);                       /* VIRTIO_F_VERSION_1 */
    bar_write(20, 1, 1 | 2 | 8);
    if (!(bar_read(20, 1) & 8)) return -1;
    bar_write(22, 2, 0);
    bar_write(24, 2, QSIZE);
    bar_write(32, 4, (uint32_t)ring_desc);
    bar_write(36, 4, 0);
    bar_write(40, 4, (uint32_t)&ring_avail);
    bar_write(44, 4, 0);
    bar_write(48, 4, (uint32_t)&ring_used);
    bar_write(52, 4, 0);
    bar_write(28, 2, 1);
    bar_write(20, 1, 1 | 2 | 8 | 4);
    return bar_read(20, 1) == 15 ? 0 : -1;
}

static void put_desc(int i, const volatile void *p, uint32_t len, uint16_t flags) {
    ring_desc[i] = (struct desc){ (uint32_t)p, 0, len, flags, (uint16_t)(i + 1) };
}

/* One request: the header, the sector at data unless NULL (read into for VIRTIO_BLK_T_IN,
 * 0, written from for VIRTIO_BLK_T_OUT, 1), the status; 0 when the device said OK. */
static int request(uint32_t type, uint32_t sector, volatile void *data) {
    req_hdr.type = type;
    req_hdr.sector_lo = sector;
    req_status = 0xFF;
    int n = 0;
    put_desc(n++, &req_hdr, sizeof(req_hdr), 1);
    if (data) put_desc(n++, data, SECTOR, type == 0 ? 1 | 2 : 1);
    put_desc(n++, &req_status, 1, 2);                       /* device-writable, last */
    ring_avail.ring[next_avail % QSIZE] = 0;
    __asm__ volatile("" ::: "memory");
    ring_avail.idx = ++next_avail;
    __asm__ volatile("" ::: "memory");
    bar_write(56, 2, 0);                                    /* notify queue 0 */
    while (ring_used.idx != next_avail) {}
    return req_status == 0 ? 0 : -1;
}

static uint8_t pattern(uint32_t k, uint32_t i) { return (uint8_t)(k * 131 + i * 7 + 0x5A); }

/* A page of its own for code: the device reads into it, nothing else is stored there. */
static volatile uint8_t code_page[4096] __attribute__((aligned(4096)));

static uint32_t run_code_page(void) { return ((uint32_t (*)(void))(uintptr_t)code_page)(); }

static void put_code(volatile uint8_t *at, uint8_t value) {   /* mov $value, %eax; ret */
    static const uint8_t insn[6] = { 0xB8, 0, 0, 0, 0, 0xC3 };
    for (int i = 0; i < 6; i++) at[i] = insn[i];
    at[1] = value;
}

static void code_from_disk(void) {
    put_code(code_page, 1);
    uint32_t first = run_code_page();
    for (uint32_t i = 0; i < SECTOR; i++) block[i] = 0;
    put_code(block, 2);
    if (request(1, 0, block) < 0) shutdown("durable guest: a write failed");
    if (request(0, 0, code_page) < 0) shutdown("durable guest: a read failed");
    uint32_t second = run_code_page();
    gprintf("code from the disk: ran %u, then %u\n", first, second);
    shutdown("durable guest: code read from the disk run");
}

void guest_main(const uint8_t *boot_params);
void guest_main(const uint8_t *boot_params) {
    const char *cmd = (const char *)*(const uint32_t *)(boot_params + 0x228);
    extern char lguest_noirq_iret[];
    lguest_data.noirq_iret = (uint32_t)lguest_noirq_iret;
    hcall(LHCALL_LGUEST_INIT, (uint32_t)&lguest_data, 0, 0, 0);
    if (console_probe() < 0) shutdown("no early console");
    if (find_block_device() < 0) shutdown("durable guest: no virtio block device");
    if (device_init() < 0) shutdown("durable guest: the block device refused set-up");
    if (streq(cmd, "code-from-disk")) code_from_disk();
    uint32_t sectors = bar_read(60, 4);                     /* capacity, low half */
    gprintf("durable guest: %u sectors\n", sectors);
    for (uint32_t k = 0; k < sectors; k++) {
        for (uint32_t i = 0; i < SECTOR; i++) block[i] = pattern(k, i);
        *(uint32_t *)block = DURABLE_MAGIC;
        *(uint32_t *)(block + 4) = k;
        if (request(1, k, block) < 0) shutdown("durable guest: a write failed");
        if (request(4, 0, NULL) < 0) shutdown("durable guest: a flush failed");
        gprintf("durable %u\n", k);
    }
    shutdown("durable guest: every block written and flushed");
}
