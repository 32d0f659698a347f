/* net.h - the virtio network device of 4.4's --tunnet: queues rx and tx, frames to a backend. */
#ifndef LGSIM_VIRTIO_NET_H
#define LGSIM_VIRTIO_NET_H
#include "virtio/netdev.h"
#include "virtio/virtio.h"

#define NET_RXQ_MAX 256      /* frames waiting for the Guest's buffers; more are dropped */

struct virtio_net {
    struct virtio_dev dev;
    struct netdev *nd;
    /* Frames from the backend, in order, not yet given to the Guest. */
    struct net_frame { uint8_t *data; uint32_t len; } rxq[NET_RXQ_MAX];
    unsigned rx_first, rx_count;
    uint8_t *txbuf;          /* one frame from the Guest, gathered (NET_FRAME_MAX bytes) */
    uint64_t tx_frames, rx_frames, rx_dropped, tx_dropped;
    /* held: the machine has gone back in time and is behind where the run had been
     * (sim/launcher/refeed.c): the Guest's frames are not sent again, the backend's wait in
     * rxq, and the frames given are those the run gave, from refeed (virtio_net_give). */
    int held;
    void (*refeed)(void *ctx, struct virtio_net *n);
    void *refeed_ctx;
};

/* The next PCI device: 4.4's features (MAC only when mac is not NULL) and config.  The
 * backend's frames for the Guest come into the device's queue from now on. */
int virtio_net_init(struct virtio_net *n, struct pci_bus *bus, struct netdev *nd,
                    const uint8_t *mac);
/* One frame into the Guest's next rx chain, as a frame from the backend goes: 1 given, 0 the
 * chain was too short for it (used empty, the frame still to give), -1 no chain. */
int virtio_net_give(struct virtio_net *n, const uint8_t *frame, uint32_t len);
/* Give the Guest the queued frames its rx buffers can take; 1 if it got any. */
int virtio_net_deliver(struct virtio_net *n);
/* Frames are queued for the Guest (it may have no buffer for them yet). */
int virtio_net_pending(const struct virtio_net *n);
void virtio_net_close(struct virtio_net *n);
#endif
