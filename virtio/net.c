/* net.c - virtio-net as 4.4's launcher offers it; the frames go to and come from a backend. */
#include "virtio/net.h"
#include "mmu/phys.h"
#include "traces/format.h"
#include <stdlib.h>
#include <string.h>

#define VIRTIO_ID_NET           1
#define VIRTIO_NET_F_CSUM       0
#define VIRTIO_NET_F_GUEST_CSUM 1
#define VIRTIO_NET_F_MAC        5
#define VIRTIO_NET_F_GUEST_TSO4 7
#define VIRTIO_NET_F_GUEST_TSO6 8
#define VIRTIO_NET_F_GUEST_ECN  9
#define VIRTIO_NET_F_HOST_TSO4  11
#define VIRTIO_NET_F_HOST_TSO6  12
#define VIRTIO_NET_F_HOST_ECN   13
#define NET_CFG_LEN             10   /* mac, status, max_virtqueue_pairs (4.4's struct) */

/*
 * Linux 4.4 tools/lguest/lguest.c net_output(), net_input() and setup_tun_net().  tx: every
 * buffer of a chain, header first, goes to the backend as one frame (4.4 writev()s them to
 * the TAP device), then the chain is used with length 0.  rx: 4.4 readv()s a frame into each
 * chain the Guest offers.  lgsim has no threads, so frames from the backend wait in rxq and go
 * into the Guest's buffers only at fixed points of its run: after each tx (what the backend
 * answered at once), when the Guest adds rx buffers, and when the machine delivers them while
 * the Guest is halted.  Each frame given is shown to the trace (env->given).
 */

static void queue_frame(void *ctx, const uint8_t *frame, uint32_t len) {
    struct virtio_net *n = ctx;
    uint8_t *copy = len >= NET_HDR_LEN && len <= NET_FRAME_MAX ? malloc(len) : NULL;
    if (!copy || n->rx_count == NET_RXQ_MAX) {   /* a full NIC drops what comes */
        free(copy);
        n->rx_dropped++;
        return;
    }
    memcpy(copy, frame, len);
    n->rxq[(n->rx_first + n->rx_count++) % NET_RXQ_MAX] = (struct net_frame){ copy, len };
}

static void drop_first(struct virtio_net *n) {
    free(n->rxq[n->rx_first].data);
    n->rx_first = (n->rx_first + 1) % NET_RXQ_MAX;
    n->rx_count--;
}

/* One frame into one chain.  A chain too short for even the header is what 4.4's readv fails
 * on ("Failed to read from tun"): used with length 0 (4.4: -1) and the frame stays.  A frame
 * longer than the chain is cut, as readv would. */
int virtio_net_give(struct virtio_net *n, const uint8_t *frame, uint32_t len) {
    struct virtqueue *vq = &n->dev.vq[0];
    unsigned out, in;
    int head = vq_pop(vq, &out, &in);
    if (head < 0) return -1;
    if (out) {
        bad_driver_vq(vq, "Output buffers in net input queue?");
        return -1;
    }
    uint32_t room = 0, done = 0;
    for (unsigned i = 0; i < in; i++) room += vq->bufs[i].len;
    if (room < NET_HDR_LEN) {
        vq_push(vq, (unsigned)head, 0);
        return 0;
    }
    for (unsigned i = 0; i < in && done < len; i++) {
        uint32_t take = vq->bufs[i].len < len - done ? vq->bufs[i].len : len - done;
        memcpy(vq->bufs[i].base, frame + done, take);
        vq_wrote(vq, vq->bufs[i].base, take);
        done += take;
    }
    dev_given(n->dev.env, n->dev.pci.cfg[0x3C], frame, done);
    vq_push(vq, (unsigned)head, done);
    n->rx_frames++;
    return 1;
}

static int rx_one(struct virtio_net *n) {
    const struct net_frame *f = &n->rxq[n->rx_first];
    int given = virtio_net_give(n, f->data, f->len);
    if (given > 0) drop_first(n);
    return given < 0 ? -1 : 0;
}

int virtio_net_deliver(struct virtio_net *n) {
    struct virtqueue *vq = &n->dev.vq[0];
    uint64_t before = n->rx_frames;
    if (n->held) {   /* gone back in time: the frames the run gave here, from the log */
        if (n->refeed) n->refeed(n->refeed_ctx, n);
        vq_trigger(vq);
        return n->rx_frames != before;
    }
    if (n->nd->ops->pull) n->nd->ops->pull(n->nd);
    while (n->rx_count && vq_has_buf(vq))
        if (rx_one(n)) break;
    vq_trigger(vq);
    return n->rx_frames != before;
}

int virtio_net_pending(const struct virtio_net *n) { return n->rx_count != 0; }

/* The Guest added rx buffers: frames already waiting go in now. */
static void net_input(struct virtqueue *vq) { virtio_net_deliver(vq->dev->owner); }

static void net_output(struct virtqueue *vq) {
    struct virtio_net *n = vq->dev->owner;
    unsigned out, in;
    int head;
    while ((head = vq_pop(vq, &out, &in)) >= 0) {
        if (in) {
            bad_driver_vq(vq, "Input buffers in net output queue?");
            return;
        }
        uint64_t len = 0;
        for (unsigned i = 0; i < out; i++) len += vq->bufs[i].len;
        if (len <= NET_FRAME_MAX) vq_consume(vq, vq->bufs, out, n->txbuf, (uint32_t)len);
        /* 4.4's TAP refuses a frame shorter than its header or longer than it takes ("Write to
         * tun failed"); the chain is used all the same. */
        if (len >= NET_HDR_LEN && len <= NET_FRAME_MAX) {
            n->tx_frames++;
            dev_note(n->dev.env, LN_NET_TX, n->dev.pci.cfg[0x3C], (uint32_t)len, 0);
            if (!n->held) n->nd->ops->send(n->nd, n->txbuf, (uint32_t)len);   /* sent once */
        } else {
            n->tx_dropped++;
        }
        vq_push(vq, (unsigned)head, 0);
    }
    virtio_net_deliver(n);   /* what the backend answered at once */
}

int virtio_net_init(struct virtio_net *n, struct pci_bus *bus, struct netdev *nd,
                    const uint8_t *mac) {
    static const uint8_t features[] = {
        VIRTIO_NET_F_CSUM, VIRTIO_NET_F_GUEST_CSUM, VIRTIO_NET_F_GUEST_TSO4,
        VIRTIO_NET_F_GUEST_TSO6, VIRTIO_NET_F_GUEST_ECN, VIRTIO_NET_F_HOST_TSO4,
        VIRTIO_NET_F_HOST_TSO6, VIRTIO_NET_F_HOST_ECN, VIRTIO_F_RING_INDIRECT_DESC };
    /* 4.4 leaves status and pairs uninitialized; without STATUS and MQ no Guest reads them. */
    uint8_t cfg[NET_CFG_LEN] = { 0 };
    if (mac) memcpy(cfg, mac, 6);
    memset(n, 0, sizeof(*n));
    if (virtio_dev_init(&n->dev, bus, "net", VIRTIO_ID_NET, cfg, sizeof(cfg))) return -1;
    n->txbuf = malloc(NET_FRAME_MAX);
    if (!n->txbuf) return -1;
    n->dev.owner = n;
    n->nd = nd;
    nd->receive = queue_frame;
    nd->ctx = n;
    virtio_add_queue(&n->dev, "rx", net_input);
    virtio_add_queue(&n->dev, "tx", net_output);
    if (mac) virtio_add_feature(&n->dev, VIRTIO_NET_F_MAC);
    for (size_t i = 0; i < sizeof(features); i++) virtio_add_feature(&n->dev, features[i]);
    return 0;
}

void virtio_net_close(struct virtio_net *n) {
    while (n->rx_count) drop_first(n);
    if (n->nd) n->nd->ops->close(n->nd);
    n->nd = NULL;
    free(n->txbuf);
    n->txbuf = NULL;
    virtio_free(&n->dev);
}
