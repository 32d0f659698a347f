/* state.c - a device's state as bytes, for checkpoints and saved machines. */
#include "virtio/state.h"
#include "mmu/phys.h"
#include <stdlib.h>
#include <string.h>

/* Little-endian fields one after another (the bytes may go into a file). */
struct cursor { uint8_t *p; const uint8_t *q; };
static void put(struct cursor *c, const void *v, size_t n) { memcpy(c->p, v, n); c->p += n; }
static void get(struct cursor *c, void *v, size_t n) { memcpy(v, c->q, n); c->q += n; }
static void put32(struct cursor *c, uint32_t v) { put_le32(c->p, v); c->p += 4; }
static uint32_t get32(struct cursor *c) { uint32_t v = le32(c->q); c->q += 4; return v; }
static void put64(struct cursor *c, uint64_t v) { put32(c, (uint32_t)v); put32(c, (uint32_t)(v >> 32)); }
static uint64_t get64(struct cursor *c) { uint64_t lo = get32(c); return lo | (uint64_t)get32(c) << 32; }
static void put16(struct cursor *c, uint16_t v) { put_le16(c->p, v); c->p += 2; }
static uint16_t get16(struct cursor *c) { uint16_t v = le16(c->q); c->q += 2; return v; }

void virtio_state_save(const struct virtio_dev *d, uint8_t out[VIRTIO_STATE_SIZE]) {
    struct cursor c = { out, NULL };
    put(&c, d->pci.cfg, PCI_CFG_SIZE);
    put(&c, d->mmio, sizeof(d->mmio));
    put64(&c, d->features);
    put64(&c, d->accepted);
    put32(&c, (uint32_t)d->wrote_features_ok);
    for (int i = 0; i < VIRTIO_QUEUES_MAX; i++) {
        const struct virtqueue *vq = &d->vq[i];
        put(&c, vq->cfg, VM_COMMON_END);
        put16(&c, vq->num);
        put32(&c, vq->desc);
        put32(&c, vq->avail);
        put32(&c, vq->used);
        put16(&c, vq->last_avail);
        put32(&c, vq->pending_used);
        put32(&c, (uint32_t)vq->started);
    }
}

void virtio_state_restore(struct virtio_dev *d, const uint8_t in[VIRTIO_STATE_SIZE]) {
    struct cursor c = { NULL, in };
    get(&c, d->pci.cfg, PCI_CFG_SIZE);
    get(&c, d->mmio, sizeof(d->mmio));
    d->features = get64(&c);
    d->accepted = get64(&c);
    d->wrote_features_ok = (int)get32(&c);
    for (int i = 0; i < VIRTIO_QUEUES_MAX; i++) {
        struct virtqueue *vq = &d->vq[i];
        get(&c, vq->cfg, VM_COMMON_END);
        vq->num = get16(&c);
        vq->desc = get32(&c);
        vq->avail = get32(&c);
        vq->used = get32(&c);
        vq->last_avail = get16(&c);
        vq->pending_used = get32(&c);
        vq->started = (int)get32(&c);
        vq_make_room(vq);   /* room for one chain, as vq_check() makes it */
    }
}
