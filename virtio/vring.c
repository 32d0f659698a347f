/* vring.c - the virtio 1.0 split ring, read and written in guest-physical memory with checks. */
#include "virtio/virtio.h"
#include "mmu/phys.h"
#include "traces/format.h"
#include <stdlib.h>
#include <string.h>

/*
 * Linux 4.4 tools/lguest/lguest.c wait_for_vq_desc(), add_used() and trigger_irq().  The ring's
 * three parts are checked against guest RAM once, when the Guest enables the queue (4.4's
 * check_virtqueue), and every buffer a descriptor names is checked before it is touched
 * (check_pointer).  A Guest that breaks a rule is stopped with 4.4's words; nothing it writes
 * into its rings can make lgsim read or write outside guest RAM.
 */
#define DESC_F_NEXT     1
#define DESC_F_WRITE    2
#define DESC_F_INDIRECT 4
#define AVAIL_F_NO_INTERRUPT 1

static uint8_t *ram(struct virtqueue *vq, uint32_t gpa) { return vq->dev->env->ram + gpa; }

/* check_pointer(): [addr, addr+len) must lie in guest RAM. */
static uint8_t *check_pointer(struct virtqueue *vq, uint64_t addr, uint32_t len) {
    if (addr + len > vq->dev->env->ram_size) {
        bad_driver(vq->dev, "Invalid address %#llx", (unsigned long long)addr);
        return NULL;
    }
    return ram(vq, (uint32_t)addr);
}

int vq_check(struct virtqueue *vq) {
    const uint8_t *c = vq->cfg;
    if (le32(c + VM_QUEUE_DESC_HI) || le32(c + VM_QUEUE_AVAIL_HI) || le32(c + VM_QUEUE_USED_HI)) {
        bad_driver_vq(vq, "invalid 64-bit queue address");
        return -1;
    }
    vq->desc = le32(c + VM_QUEUE_DESC);
    vq->avail = le32(c + VM_QUEUE_AVAIL);
    vq->used = le32(c + VM_QUEUE_USED);
    if (vq->desc % 16 || vq->avail % 2 || vq->used % 4) {
        bad_driver_vq(vq, "invalid alignment in queue addresses");
        return -1;
    }
    vq->num = le16(c + VM_QUEUE_SIZE);
    if (vq->num == 0) {   /* 4.4 would divide by zero later */
        bad_driver_vq(vq, "invalid queue size 0");
        return -1;
    }
    if (!check_pointer(vq, vq->desc, 16u * vq->num) ||
        !check_pointer(vq, vq->avail, 4 + 2u * vq->num) ||
        !check_pointer(vq, vq->used, 4 + 8u * vq->num))
        return -1;
    if (le16(ram(vq, vq->used)) != 0) {
        bad_driver_vq(vq, "invalid initial used.flags %#x", le16(ram(vq, vq->used)));
        return -1;
    }
    if (vq_make_room(vq)) {
        dev_fatal(vq->dev->env, "%s vq %s: out of memory", vq->dev->name, vq->name);
        return -1;
    }
    return 0;
}

int vq_make_room(struct virtqueue *vq) {
    free(vq->bufs);
    vq->bufs = vq->num ? calloc(vq->num, sizeof(*vq->bufs)) : NULL;
    return vq->num && !vq->bufs ? -1 : 0;
}

static uint16_t avail_idx(struct virtqueue *vq) { return le16(ram(vq, vq->avail + 2)); }
static uint16_t avail_flags(struct virtqueue *vq) { return le16(ram(vq, vq->avail)); }

int vq_has_buf(struct virtqueue *vq) {
    return vq->started && !vq->dev->env->failed && vq->last_avail != avail_idx(vq);
}

void vq_trigger(struct virtqueue *vq) {
    struct virtio_dev *d = vq->dev;
    if (!vq->pending_used || d->env->failed) return;
    vq->pending_used = 0;
    uint16_t flags = avail_flags(vq);
    if (flags > 1) {
        bad_driver_vq(vq, "avail->flags = %u\n", flags);
        return;
    }
    if (flags & AVAIL_F_NO_INTERRUPT) return;
    d->mmio[VM_ISR] = 1;
    unsigned irq = d->pci.cfg[0x3C];
    dev_note(d->env, LN_DEVICE_IRQ, irq, (uint32_t)(vq - d->vq), 1);
    if (d->env->interrupt) d->env->interrupt(d->env->ctx, irq);
}

/* One descriptor into the chain: outs before ins, no more than the table holds. */
static int take_desc(struct virtqueue *vq, const uint8_t *desc, unsigned max, unsigned *out,
                     unsigned *in) {
    uint64_t addr = (uint64_t)le32(desc) | (uint64_t)le32(desc + 4) << 32;
    uint32_t len = le32(desc + 8);
    uint16_t flags = le16(desc + 12);
    uint8_t *p = check_pointer(vq, addr, len);
    if (!p) return -1;
    if (*out + *in >= max) {   /* more descriptors than the table holds: a loop */
        bad_driver_vq(vq, "Looped descriptor");
        return -1;
    }
    vq->bufs[*out + *in] = (struct vq_buf){ p, len };
    if (flags & DESC_F_WRITE) {
        (*in)++;
    } else {
        if (*in) {
            bad_driver_vq(vq, "Descriptor has out after in");
            return -1;
        }
        (*out)++;
    }
    return 0;
}

/* A descriptor with VRING_DESC_F_INDIRECT names a table of descriptors that the chain goes on
 * in (4.4 offers RING_INDIRECT_DESC on net only): 4.4's checks, in its order.  Returns the
 * table (checked to lie in guest RAM) and its entries in *max, or NULL: killed. */
static const uint8_t *indirect_table(struct virtqueue *vq, const uint8_t *desc, int nested,
                                     unsigned *max) {
    uint16_t flags = le16(desc + 12);
    uint32_t len = le32(desc + 8);
    uint64_t addr = (uint64_t)le32(desc) | (uint64_t)le32(desc + 4) << 32;
    if (!(vq->dev->accepted & 1ull << VIRTIO_F_RING_INDIRECT_DESC))
        bad_driver_vq(vq, "vq indirect not negotiated");
    else if (nested)
        bad_driver_vq(vq, "Indirect within indirect");
    else if (flags & DESC_F_NEXT)
        bad_driver_vq(vq, "indirect and next together");
    else if (len % 16)
        bad_driver_vq(vq, "Invalid size for indirect table");
    if (vq->dev->env->failed) return NULL;
    const uint8_t *table = check_pointer(vq, addr, len);
    *max = len / 16;
    if (table && *max > vq->num) {
        bad_driver_vq(vq, "indirect has too many entries");
        return NULL;
    }
    if (table && *max == 0) {   /* 4.4 reads entry 0 past the table, then finds a loop */
        bad_driver_vq(vq, "Looped descriptor");
        return NULL;
    }
    return table;
}

/* The chain from head, in the ring's table or (once) in an indirect one; "next" must stay
 * inside the table it is in. */
static int walk_chain(struct virtqueue *vq, unsigned head, unsigned *out, unsigned *in) {
    const uint8_t *table = ram(vq, vq->desc);
    unsigned i = head, max = vq->num;
    int nested = 0;
    for (;;) {
        const uint8_t *desc = table + 16 * i;
        if (le16(desc + 12) & DESC_F_INDIRECT) {
            if (!(table = indirect_table(vq, desc, nested, &max))) return -1;
            nested = 1;
            i = 0;
            desc = table;
        }
        if (take_desc(vq, desc, max, out, in)) return -1;
        if (!(le16(desc + 12) & DESC_F_NEXT)) return 0;
        i = le16(desc + 14);
        if (i >= max) {
            bad_driver(vq->dev, "Desc next is %u", i);
            return -1;
        }
    }
}

int vq_pop(struct virtqueue *vq, unsigned *out, unsigned *in) {
    if (vq->dev->env->failed || !vq->started) return -1;
    uint16_t idx = avail_idx(vq);
    if (vq->last_avail == idx) {   /* 4.4 would go to sleep now: the Guest hears of the used */
        vq_trigger(vq);
        return -1;
    }
    if ((uint16_t)(idx - vq->last_avail) > vq->num) {
        bad_driver_vq(vq, "Guest moved used index from %u to %u", vq->last_avail, idx);
        return -1;
    }
    unsigned head = le16(ram(vq, vq->avail + 4 + 2 * (vq->last_avail % vq->num)));
    vq->last_avail++;
    if (head >= vq->num) {
        bad_driver_vq(vq, "Guest says index %u is available", head);
        return -1;
    }
    *out = *in = 0;
    return walk_chain(vq, head, out, in) ? -1 : (int)head;
}

void vq_push(struct virtqueue *vq, unsigned head, uint32_t len) {
    if (vq->dev->env->failed) return;
    uint8_t *idx = ram(vq, vq->used + 2);
    uint16_t at = le16(idx);
    uint8_t *elem = ram(vq, vq->used + 4 + 8 * (at % vq->num));
    put_le32(elem, head);
    put_le32(elem + 4, len);
    put_le16(idx, (uint16_t)(at + 1));
    vq_wrote(vq, elem, 8);
    vq_wrote(vq, idx, 2);
    vq->pending_used++;
    dev_note(vq->dev->env, LN_USED, vq->dev->pci.cfg[0x3C], head, len);
}

void vq_wrote_by(struct virtqueue *vq, const uint8_t *at, uint32_t len, const char *writer) {
    dev_wrote(vq->dev->env, at, len, vq->dev->name, writer);
}

int vq_consume(struct virtqueue *vq, struct vq_buf *bufs, unsigned n, void *dest, uint32_t len) {
    uint8_t *to = dest;
    for (unsigned i = 0; i < n && len; i++) {
        uint32_t take = bufs[i].len < len ? bufs[i].len : len;
        if (to) {
            memcpy(to, bufs[i].base, take);
            to += take;
        }
        bufs[i].base += take;
        bufs[i].len -= take;
        len -= take;
    }
    if (len) {
        bad_driver(vq->dev, "iovec too short!");
        return -1;
    }
    return 0;
}

int vq_bufs_empty(const struct vq_buf *bufs, unsigned n) {
    for (unsigned i = 0; i < n; i++)
        if (bufs[i].len) return 0;
    return 1;
}
