/* virtio.c - a virtio-pci device's BAR0: features, status, queue set-up, notify and ISR. */
#include "virtio/virtio.h"
#include "mmu/phys.h"
#include "traces/format.h"
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * Linux 4.4 tools/lguest/lguest.c emulate_mmio_write()/emulate_mmio_read(), rule for rule:
 * the launcher checks the driver against the virtio 1.0 spec and exits ("bad driver") at the
 * first thing a driver must not do, instead of ignoring it as real hardware would.
 */

void bad_driver(struct virtio_dev *d, const char *fmt, ...) {
    char msg[240];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    dev_fatal(d->env, "%s: bad driver: %s", d->name, msg);
}

void bad_driver_vq(struct virtqueue *vq, const char *fmt, ...) {
    char msg[240];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    dev_fatal(vq->dev->env, "%s vq %s: bad driver: %s", vq->dev->name, vq->name, msg);
}

static uint8_t status(const struct virtio_dev *d) { return d->mmio[VM_DEVICE_STATUS]; }
int virtio_driver_ok(const struct virtio_dev *d) { return status(d) & VIRTIO_S_DRIVER_OK; }
static uint16_t mmio16(const struct virtio_dev *d, uint32_t off) { return le16(d->mmio + off); }
static uint32_t mmio32(const struct virtio_dev *d, uint32_t off) { return le32(d->mmio + off); }

static struct virtqueue *vq_by_num(struct virtio_dev *d, uint32_t n) {
    return n < (uint32_t)d->nvq ? &d->vq[n] : NULL;
}

/* --- writes --- */

/* The "natural width" rule (virtio 1.0 4.1.3.1), then the bytes go into BAR0. */
static void write_through(struct virtio_dev *d, uint32_t off, uint32_t val, uint32_t mask) {
    uint32_t want = off == VM_DEVICE_STATUS ? 0xFF :
                    (off >= VM_QUEUE_SELECT && off < VM_QUEUE_DESC) || off == VM_NOTIFY ?
                    0xFFFF : 0xFFFFFFFFu;
    if (mask != want) {
        bad_driver(d, "non-%d-bit write to offset %u (%#x)", want == 0xFF ? 8 :
                   want == 0xFFFF ? 16 : 32, off, dev_eip(d->env));
        return;
    }
    for (uint32_t i = 0; i < 4 && (mask >> (8 * i)) & 0xFF; i++)
        d->mmio[off + i] = (uint8_t)(val >> (8 * i));
}

/* Feature registers: only between DRIVER and FEATURES_OK. */
static void feature_write(struct virtio_dev *d, uint32_t off, uint32_t val, uint32_t mask) {
    if (!(status(d) & VIRTIO_S_DRIVER))
        bad_driver(d, "feature write before VIRTIO_CONFIG_S_DRIVER");
    else if (status(d) & VIRTIO_S_FEATURES_OK)
        bad_driver(d, "feature write after VIRTIO_CONFIG_S_FEATURES_OK");
    else
        write_through(d, off, val, mask);
}

static void accept_features(struct virtio_dev *d, uint32_t val) {
    if (mmio32(d, VM_GUEST_FEATURE_SELECT) == 0)
        d->accepted = (d->accepted & ~0xFFFFFFFFull) | val;
    else
        d->accepted = (d->accepted & 0xFFFFFFFFull) | (uint64_t)val << 32;
}

static void start_queues(struct virtio_dev *d) {
    for (int i = 0; i < d->nvq && !d->env->failed; i++) {
        struct virtqueue *vq = &d->vq[i];
        if (!le16(vq->cfg + VM_QUEUE_ENABLE)) continue;
        vq->started = 1;
        if (vq->service) vq->service(vq);   /* buffers may already be waiting */
    }
}

/* device_status: reset with 0; otherwise one new bit at a time, in the spec's order. */
static void status_write(struct virtio_dev *d, uint32_t val, uint32_t mask) {
    uint8_t old = status(d), prev = 0;
    if (val == 0) {
        virtio_reset(d);
        write_through(d, VM_DEVICE_STATUS, val, mask);
        return;
    }
    if (old & ~val) {
        bad_driver(d, "unset of device status bit %#x -> %#x", old, val);
        return;
    }
    switch (val & ~old) {
    case VIRTIO_S_DRIVER_OK:   prev |= VIRTIO_S_FEATURES_OK;   /* fall through */
    case VIRTIO_S_FEATURES_OK: prev |= VIRTIO_S_DRIVER;        /* fall through */
    case VIRTIO_S_DRIVER:      prev |= VIRTIO_S_ACKNOWLEDGE;   /* fall through */
    case VIRTIO_S_ACKNOWLEDGE: break;
    default:
        bad_driver(d, "unknown device status bit %#x -> %#x", old, val);
        return;
    }
    if (old != prev) {
        bad_driver(d, "unexpected status transition %#x -> %#x", old, val);
        return;
    }
    if ((val & ~old) == VIRTIO_S_FEATURES_OK)
        d->wrote_features_ok = 1;
    else if ((val & ~old) == VIRTIO_S_DRIVER_OK && d->wrote_features_ok) {
        bad_driver(d, "did not re-read FEATURES_OK");
        return;
    }
    write_through(d, VM_DEVICE_STATUS, val, mask);
    if ((val & ~old) == VIRTIO_S_DRIVER_OK && !d->env->failed)
        start_queues(d);
}

/* queue_select: 4.4 swaps the per-queue half of the common config in and out. */
static void queue_select(struct virtio_dev *d, uint32_t val, uint32_t mask) {
    struct virtqueue *vq = vq_by_num(d, val);
    if (!vq) {
        put_le16(d->mmio + VM_QUEUE_SIZE, 0);   /* "no such queue" */
    } else {
        struct virtqueue *cur = vq_by_num(d, mmio16(d, VM_QUEUE_SELECT));
        if (mmio16(d, VM_QUEUE_SIZE) && cur)   /* (4.4 would crash on a missing one) */
            memcpy(cur->cfg, d->mmio, VM_COMMON_END);
        memcpy(d->mmio + VM_QUEUE_SIZE, vq->cfg + VM_QUEUE_SIZE, VM_COMMON_END - VM_QUEUE_SIZE);
    }
    write_through(d, VM_QUEUE_SELECT, val, mask);
}

static void queue_enable(struct virtio_dev *d, uint32_t val, uint32_t mask) {
    struct virtqueue *vq = vq_by_num(d, mmio16(d, VM_QUEUE_SELECT));
    if (val != 1)
        bad_driver(d, "setting queue_enable to %u", val);
    else if (status(d) & VIRTIO_S_DRIVER_OK)
        bad_driver(d, "enabling vq after DRIVER_OK");
    else if (!vq)   /* 4.4 would crash here */
        bad_driver(d, "enabling missing vq %u", mmio16(d, VM_QUEUE_SELECT));
    if (d->env->failed) return;
    put_le16(d->mmio + VM_QUEUE_ENABLE, (uint16_t)val);
    memcpy(vq->cfg, d->mmio, VM_COMMON_END);
    if (vq_check(vq) == 0)
        write_through(d, VM_QUEUE_ENABLE, val, mask);
}

static void queue_address(struct virtio_dev *d, uint32_t off, uint32_t val, uint32_t mask) {
    if (mmio16(d, VM_QUEUE_ENABLE))
        bad_driver(d, "changing queue on live device");
    else if (!(status(d) & VIRTIO_S_FEATURES_OK))
        bad_driver(d, "setting up vq before FEATURES_OK");
    else if (d->wrote_features_ok)
        bad_driver(d, "didn't re-read FEATURES_OK before setup");
    else
        write_through(d, off, val, mask);
}

static void notify(struct virtio_dev *d, uint32_t val, uint32_t mask) {
    struct virtqueue *vq = vq_by_num(d, val);
    if (!vq) {
        bad_driver(d, "Invalid vq notification on %u", val);
        return;
    }
    write_through(d, VM_NOTIFY, val, mask);
    dev_note(d->env, LN_NOTIFY, d->pci.cfg[0x3C], val, vq->started);
    /* A queue whose service thread 4.4 has not started yet just misses the kick. */
    if (vq->started && vq->service && !d->env->failed)
        vq->service(vq);
}

static void queue_write(struct virtio_dev *d, uint32_t off, uint32_t val, uint32_t mask) {
    switch (off) {
    case VM_QUEUE_SELECT: queue_select(d, val, mask); return;
    case VM_QUEUE_SIZE:
        if (val & (val - 1))
            bad_driver(d, "invalid queue size %u", val);
        else if (mmio16(d, VM_QUEUE_ENABLE))
            bad_driver(d, "changing queue size on live device");
        else
            write_through(d, off, val, mask);
        return;
    case VM_QUEUE_MSIX: bad_driver(d, "attempt to set MSIX vector to %u", val); return;
    case VM_QUEUE_ENABLE: queue_enable(d, val, mask); return;
    case VM_QUEUE_NOTIFY_OFF: bad_driver(d, "attempt to write to queue_notify_off"); return;
    default: queue_address(d, off, val, mask); return;
    }
}

static void bar_write(struct pci_device *p, uint32_t off, uint32_t val, uint32_t mask) {
    struct virtio_dev *d = p->owner;
    if (d->env->failed) return;
    switch (off) {
    case VM_DEVICE_FEATURE_SELECT:
        put_le32(d->mmio + VM_DEVICE_FEATURE, val == 0 ? (uint32_t)d->features :
                 val == 1 ? (uint32_t)(d->features >> 32) : 0);
        feature_write(d, off, val, mask);
        return;
    case VM_GUEST_FEATURE_SELECT:
        if (val > 1) bad_driver(d, "Unexpected driver select %u", val);
        else feature_write(d, off, val, mask);
        return;
    case VM_GUEST_FEATURE:
        accept_features(d, val);
        if (d->accepted & ~d->features)
            bad_driver(d, "over-accepted features %#llx of %#llx",
                       (unsigned long long)d->accepted, (unsigned long long)d->features);
        else
            feature_write(d, off, val, mask);
        return;
    case VM_DEVICE_STATUS: status_write(d, val, mask); return;
    case VM_QUEUE_SELECT: case VM_QUEUE_SIZE: case VM_QUEUE_MSIX: case VM_QUEUE_ENABLE:
    case VM_QUEUE_NOTIFY_OFF: case VM_QUEUE_DESC: case VM_QUEUE_DESC_HI: case VM_QUEUE_AVAIL:
    case VM_QUEUE_AVAIL_HI: case VM_QUEUE_USED: case VM_QUEUE_USED_HI:
        queue_write(d, off, val, mask);
        return;
    case VM_NOTIFY: notify(d, val, mask); return;
    case VM_ISR: bad_driver(d, "Unexpected write to isr"); return;
    case VM_DEVICE_CONFIG + 8:   /* the console's emerg_wr, allowed at any time */
        if (d->emerg_wr) {
            d->emerg_wr(d, (uint8_t)val);
            write_through(d, off, val, mask);
            return;
        }
        break;
    }
    bad_driver(d, "Unexpected write to offset %u", off);
}

/* --- reads --- */

static uint32_t read_through(struct virtio_dev *d, uint32_t off, uint32_t mask, uint32_t want) {
    uint32_t v = 0;
    if (mask != want) {
        bad_driver(d, "non-%d-bit read to offset %u (%#x)", want == 0xFF ? 8 :
                   want == 0xFFFF ? 16 : 32, off, dev_eip(d->env));
        return 0;
    }
    for (uint32_t i = 0; i < 4 && (mask >> (8 * i)) & 0xFF; i++)
        v |= (uint32_t)d->mmio[off + i] << (8 * i);
    return v;
}

static uint32_t isr_read(struct virtio_dev *d, uint32_t mask) {
    if (mask != 0xFF) {
        bad_driver(d, "non-8-bit read from offset %u (%#x)", VM_ISR, dev_eip(d->env));
        return 0;
    }
    uint8_t isr = d->mmio[VM_ISR];
    d->mmio[VM_ISR] = 0;   /* reading clears it */
    return isr;
}

/* Everything else: the queue registers and the device config, at any natural width. */
static uint32_t other_read(struct virtio_dev *d, uint32_t off, uint32_t mask) {
    if (off > d->mmio_size - 4) {
        bad_driver(d, "read past end (%#x)", dev_eip(d->env));
        return 0;
    }
    if (!(status(d) & VIRTIO_S_DRIVER)) {
        bad_driver(d, "config read before VIRTIO_CONFIG_S_DRIVER");
        return 0;
    }
    return read_through(d, off, mask, mask);
}

static uint32_t bar_read(struct pci_device *p, uint32_t off, uint32_t mask) {
    struct virtio_dev *d = p->owner;
    if (d->env->failed) return 0;
    switch (off) {
    case VM_DEVICE_FEATURE_SELECT: case VM_DEVICE_FEATURE:
    case VM_GUEST_FEATURE_SELECT: case VM_GUEST_FEATURE:
        if (!(status(d) & VIRTIO_S_DRIVER)) {
            bad_driver(d, "feature read before VIRTIO_CONFIG_S_DRIVER");
            return 0;
        }
        return read_through(d, off, mask, 0xFFFFFFFFu);
    case VM_MSIX_CONFIG: bad_driver(d, "read of msix_config"); return 0;
    case VM_NUM_QUEUES: return read_through(d, off, mask, 0xFFFF);
    case VM_DEVICE_STATUS:
        d->wrote_features_ok = 0;   /* they read it back: FEATURES_OK stands */
        return read_through(d, off, mask, 0xFF);
    case VM_CONFIG_GENERATION: return read_through(d, off, mask, 0xFF);   /* always 0 */
    case VM_NOTIFY:
        if (!(status(d) & VIRTIO_S_DRIVER_OK)) {
            bad_driver(d, "notify before VIRTIO_CONFIG_S_DRIVER_OK");
            return 0;
        }
        return read_through(d, off, mask, 0xFFFF);
    case VM_ISR: return isr_read(d, mask);
    case VM_PADDING: bad_driver(d, "read from padding (%#x)", dev_eip(d->env)); return 0;
    default: return other_read(d, off, mask);
    }
}

/* --- set-up --- */

int virtio_dev_init(struct virtio_dev *d, struct pci_bus *bus, const char *name, int virtio_id,
                    const void *dev_cfg, uint32_t dev_cfg_len) {
    memset(d, 0, sizeof(*d));
    if (dev_cfg_len > VIRTIO_DEV_CFG_MAX) return -1;
    d->name = name;
    d->env = bus->env;
    d->mmio_size = VM_DEVICE_CONFIG + dev_cfg_len;
    if (dev_cfg_len) memcpy(d->mmio + VM_DEVICE_CONFIG, dev_cfg, dev_cfg_len);
    d->features = 1ull << VIRTIO_F_VERSION_1;
    d->pci.bar_read = bar_read;
    d->pci.bar_write = bar_write;
    d->pci.owner = d;
    return pci_add_virtio(bus, &d->pci, name, virtio_id, d->mmio_size, dev_cfg_len) < 0 ? -1 : 0;
}

static void reset_queue_config(struct virtqueue *vq) {
    put_le16(vq->cfg + VM_QUEUE_SIZE, VIRTQUEUE_NUM);
    put_le16(vq->cfg + VM_QUEUE_ENABLE, 0);
}

void virtio_add_queue(struct virtio_dev *d, const char *name, void (*service)(struct virtqueue *)) {
    struct virtqueue *vq = &d->vq[d->nvq++];
    memset(vq, 0, sizeof(*vq));
    vq->name = name;
    vq->dev = d;
    vq->service = service;
    reset_queue_config(vq);
    put_le16(d->mmio + VM_NUM_QUEUES, (uint16_t)d->nvq);
}

void virtio_add_feature(struct virtio_dev *d, unsigned bit) { d->features |= 1ull << bit; }

/* 4.4's reset_device(): accepted features and queue state go; the rest of BAR0 stays. */
void virtio_reset(struct virtio_dev *d) {
    d->accepted = 0;
    put_le16(d->mmio + VM_QUEUE_ENABLE, 0);
    for (int i = 0; i < d->nvq; i++) {
        struct virtqueue *vq = &d->vq[i];
        vq->last_avail = 0;
        vq->pending_used = 0;
        vq->started = 0;
        reset_queue_config(vq);
    }
    d->wrote_features_ok = 0;
}

void virtio_free(struct virtio_dev *d) {
    for (int i = 0; i < d->nvq; i++) {
        free(d->vq[i].bufs);
        d->vq[i].bufs = NULL;
    }
}
