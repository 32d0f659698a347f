/* rng.h - the virtio entropy device (--rng), filled from a fixed-seed generator. */
#ifndef LGSIM_VIRTIO_RNG_H
#define LGSIM_VIRTIO_RNG_H
#include "virtio/virtio.h"

/* The stream every run gets: splitmix64 from this seed ("lguest44"). */
#define RNG_SEED 0x6c67756573743434ull

struct virtio_rng {
    struct virtio_dev dev;
    uint64_t state;
};

int virtio_rng_init(struct virtio_rng *r, struct pci_bus *bus);
/* The next bytes of the stream (what the Guest's next buffer would get). */
void rng_fill(uint64_t *state, uint8_t *buf, uint32_t len);
#endif
