/* harness.h - a fake machine for device tests: guest RAM in a buffer, a driver, rings by hand. */
#ifndef LGSIM_TEST_VIRTIO_HARNESS_H
#define LGSIM_TEST_VIRTIO_HARNESS_H
#include <stdlib.h>
#include <string.h>
#include "mmu/phys.h"
#include "virtio/virtio.h"

#define RAM_SIZE  (1u << 20)
#define MMIO_BASE (RAM_SIZE + 256 * 4096)

/* What the devices did to the "machine". */
struct fake {
    struct dev_env env;
    struct pci_bus bus;
    unsigned irqs, last_irq;
    char why[300];           /* the fatal error, "" when none */
    uint8_t out[8192];       /* console output */
    uint32_t out_len;
    uint32_t wrote_gpa[8], wrote_len[8];   /* the first writes the devices reported, */
    const char *wrote_dev[8], *wrote_fn[8];   /* by which device, in which function */
    unsigned n_wrote;
};

static inline void fake_irq(void *ctx, unsigned irq) {
    struct fake *f = ctx;
    f->irqs++;
    f->last_irq = irq;
}
static inline void fake_fatal(void *ctx, const char *why) {
    struct fake *f = ctx;
    snprintf(f->why, sizeof(f->why), "%s", why);
}
static inline void fake_out(void *ctx, const uint8_t *b, uint32_t n) {
    struct fake *f = ctx;
    for (uint32_t i = 0; i < n && f->out_len < sizeof(f->out); i++) f->out[f->out_len++] = b[i];
}

static inline void fake_wrote(void *ctx, uint32_t gpa, uint32_t len, const char *device,
                              const char *writer) {
    struct fake *f = ctx;
    if (f->n_wrote < 8) {
        f->wrote_gpa[f->n_wrote] = gpa;
        f->wrote_len[f->n_wrote] = len;
        f->wrote_dev[f->n_wrote] = device;
        f->wrote_fn[f->n_wrote] = writer;
    }
    f->n_wrote++;
}

static inline void fake_init(struct fake *f) {
    static uint8_t *ram;
    if (!ram) ram = malloc(RAM_SIZE);
    memset(ram, 0, RAM_SIZE);
    memset(f, 0, sizeof(*f));
    f->env = (struct dev_env){ .ram = ram, .ram_size = RAM_SIZE, .ctx = f,
                               .interrupt = fake_irq, .fatal = fake_fatal,
                               .wrote = fake_wrote };
    pci_bus_init(&f->bus, &f->env, MMIO_BASE);
}
static inline uint8_t *gp(struct fake *f, uint32_t gpa) { return f->env.ram + gpa; }

/* --- BAR0, as the Guest's MMIO or config window would reach it --- */
static inline void bw(struct virtio_dev *d, uint32_t off, uint32_t v, uint32_t mask) {
    d->pci.bar_write(&d->pci, off, v, mask);
}
static inline uint32_t br(struct virtio_dev *d, uint32_t off, uint32_t mask) {
    return d->pci.bar_read(&d->pci, off, mask);
}
#define W8 0xFFu
#define W16 0xFFFFu
#define W32 0xFFFFFFFFu

/* A split ring in fake RAM: descriptors, avail and used, 4 KiB apart. */
struct ring {
    uint32_t desc, avail, used;
    uint16_t num, next_desc, avail_idx, used_seen;
};

static inline void ring_place(struct ring *r, uint32_t at, uint16_t num) {
    memset(r, 0, sizeof(*r));
    r->desc = at;
    r->avail = at + 0x1000;
    r->used = at + 0x2000;
    r->num = num;
}

/* Linux's probe, as far as lgsim checks it: status bits in order, features, queues, DRIVER_OK. */
static inline void driver_up(struct virtio_dev *d, struct ring *rings, uint64_t features) {
    bw(d, VM_DEVICE_STATUS, VIRTIO_S_ACKNOWLEDGE, W8);
    bw(d, VM_DEVICE_STATUS, VIRTIO_S_ACKNOWLEDGE | VIRTIO_S_DRIVER, W8);
    bw(d, VM_DEVICE_FEATURE_SELECT, 1, W32);
    (void)br(d, VM_DEVICE_FEATURE, W32);
    bw(d, VM_GUEST_FEATURE_SELECT, 0, W32);
    bw(d, VM_GUEST_FEATURE, (uint32_t)features, W32);
    bw(d, VM_GUEST_FEATURE_SELECT, 1, W32);
    bw(d, VM_GUEST_FEATURE, (uint32_t)(features >> 32), W32);
    bw(d, VM_DEVICE_STATUS, 0x0B, W8);
    (void)br(d, VM_DEVICE_STATUS, W8);
    for (int q = 0; q < d->nvq; q++) {
        bw(d, VM_QUEUE_SELECT, (uint32_t)q, W16);
        bw(d, VM_QUEUE_SIZE, rings[q].num, W16);
        bw(d, VM_QUEUE_DESC, rings[q].desc, W32);
        bw(d, VM_QUEUE_AVAIL, rings[q].avail, W32);
        bw(d, VM_QUEUE_USED, rings[q].used, W32);
        bw(d, VM_QUEUE_ENABLE, 1, W16);
    }
    bw(d, VM_DEVICE_STATUS, 0x0F, W8);
}

static inline void put_desc(struct fake *f, struct ring *r, unsigned i, uint32_t addr, uint32_t len,
                     uint16_t flags, uint16_t next) {
    uint8_t *p = gp(f, r->desc + 16 * i);
    put_le32(p, addr);
    put_le32(p + 4, 0);
    put_le32(p + 8, len);
    put_le16(p + 12, flags);
    put_le16(p + 14, next);
}

/* Offer the chain starting at descriptor head. */
static inline void offer(struct fake *f, struct ring *r, unsigned head) {
    put_le16(gp(f, r->avail + 4 + 2 * (r->avail_idx % r->num)), (uint16_t)head);
    put_le16(gp(f, r->avail + 2), ++r->avail_idx);
}

/* Buffers (addr, len, write?) as one chain in fresh descriptors, offered; returns its head. */
struct seg { uint32_t addr, len; int write; };
static inline unsigned chain(struct fake *f, struct ring *r, const struct seg *s, unsigned n) {
    unsigned head = r->next_desc;
    for (unsigned i = 0; i < n; i++) {
        unsigned at = (r->next_desc + i) % r->num;
        put_desc(f, r, at, s[i].addr, s[i].len, (uint16_t)((i + 1 < n ? 1 : 0) | (s[i].write ? 2 : 0)),
                 (uint16_t)((at + 1) % r->num));
    }
    r->next_desc = (uint16_t)((r->next_desc + n) % r->num);
    offer(f, r, head);
    return head;
}

static inline uint16_t used_idx(struct fake *f, struct ring *r) { return le16(gp(f, r->used + 2)); }
static inline uint32_t used_id(struct fake *f, struct ring *r, unsigned k) {
    return le32(gp(f, r->used + 4 + 8 * (k % r->num)));
}
static inline uint32_t used_len(struct fake *f, struct ring *r, unsigned k) {
    return le32(gp(f, r->used + 8 + 8 * (k % r->num)));
}
static inline void kick(struct virtio_dev *d, unsigned q) { bw(d, VM_NOTIFY, q, W16); }
#endif
