/* rng.c - virtio-rng: every input buffer filled from a deterministic generator, not /dev/urandom. */
#include "virtio/rng.h"
#include <stddef.h>

#define VIRTIO_ID_RNG 4

/*
 * 4.4's rng_input() reads /dev/urandom.  lgsim's runs must repeat exactly, so the bytes come
 * from splitmix64 (Steele, Lea and Flood's generator, the one java.util.SplittableRandom uses)
 * seeded with RNG_SEED: each 64-bit output gives 8 bytes, least significant first, and the
 * stream runs on across buffers.  The Guest's entropy is therefore public: fine for a
 * simulator, never for anything secret.
 */
static uint64_t splitmix64(uint64_t *s) {
    uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

/* Whole 64-bit words only: a byte count that is not a multiple of 8 drops the rest of the
 * last word, so the stream depends only on the sequence of buffer lengths. */
void rng_fill(uint64_t *state, uint8_t *buf, uint32_t len) {
    for (uint32_t i = 0; i < len; i += 8) {
        uint64_t v = splitmix64(state);
        for (uint32_t j = 0; j < 8 && i + j < len; j++) buf[i + j] = (uint8_t)(v >> (8 * j));
    }
}

static void rng_input(struct virtqueue *vq) {
    struct virtio_rng *r = vq->dev->owner;
    unsigned out, in;
    int head;
    while ((head = vq_pop(vq, &out, &in)) >= 0) {
        if (out) {
            bad_driver_vq(vq, "Output buffers in rng?");
            return;
        }
        uint32_t total = 0;
        for (unsigned i = 0; i < in; i++) {
            rng_fill(&r->state, vq->bufs[i].base, vq->bufs[i].len);
            vq_wrote(vq, vq->bufs[i].base, vq->bufs[i].len);
            total += vq->bufs[i].len;
        }
        vq_push(vq, (unsigned)head, total);
    }
}

int virtio_rng_init(struct virtio_rng *r, struct pci_bus *bus) {
    if (virtio_dev_init(&r->dev, bus, "rng", VIRTIO_ID_RNG, NULL, 0)) return -1;
    r->dev.owner = r;
    r->state = RNG_SEED;
    virtio_add_queue(&r->dev, "input", rng_input);
    return 0;
}
