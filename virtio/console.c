/* console.c - the virtio console device: stdout for output buffers and emerg_wr, input on demand. */
#include "virtio/console.h"
#include <string.h>

#define VIRTIO_ID_CONSOLE            3
#define VIRTIO_CONSOLE_F_EMERG_WRITE 2
#define CONSOLE_CFG_LEN              12   /* cols, rows, max_nr_ports, emerg_wr */

/* 4.4's console_output(): every output buffer goes out whole, then is used with length 0. */
static void console_output(struct virtqueue *vq) {
    struct virtio_console *c = vq->dev->owner;
    unsigned out, in;
    int head;
    while ((head = vq_pop(vq, &out, &in)) >= 0) {
        if (in) {
            bad_driver_vq(vq, "Input buffers in console output queue?");
            return;
        }
        for (unsigned i = 0; i < out; i++)
            if (vq->bufs[i].len) c->out(c->ctx, vq->bufs[i].base, vq->bufs[i].len);
        vq_push(vq, (unsigned)head, 0);
    }
}

/* @tour Drivers 30: emerg_wr
 * A byte written to the console's emerg_wr goes straight to stdout (and into the trace, line
 * by line).  A real Linux Guest's virtio console driver later uses the queues instead:
 * output buffers in console_output(), input as the README's rule says.
 */
static void emerg_wr(struct virtio_dev *d, uint8_t ch) {
    struct virtio_console *c = d->owner;
    c->out(c->ctx, &ch, 1);
}

int virtio_console_init(struct virtio_console *c, struct pci_bus *bus,
                        void (*out)(void *ctx, const uint8_t *bytes, uint32_t n), void *ctx) {
    uint8_t cfg[CONSOLE_CFG_LEN] = { 0 };   /* no size, no multiport: all zero */
    if (virtio_dev_init(&c->dev, bus, "console", VIRTIO_ID_CONSOLE, cfg, sizeof(cfg)))
        return -1;
    c->dev.owner = c;
    c->dev.emerg_wr = emerg_wr;
    c->out = out;
    c->ctx = ctx;
    /* Input comes when the machine has some (console_input), not when the Guest kicks. */
    virtio_add_queue(&c->dev, "input", NULL);
    virtio_add_queue(&c->dev, "output", console_output);
    virtio_add_feature(&c->dev, VIRTIO_CONSOLE_F_EMERG_WRITE);
    return 0;
}

int console_wants_input(struct virtio_console *c) { return vq_has_buf(&c->dev.vq[0]); }

int console_input(struct virtio_console *c, const uint8_t *bytes, uint32_t n) {
    struct virtqueue *vq = &c->dev.vq[0];
    unsigned out, in;
    if (!vq_has_buf(vq)) return -1;
    int head = vq_pop(vq, &out, &in);
    if (head < 0) return -1;
    if (out) {
        bad_driver_vq(vq, "Output buffers in console in queue?");
        return -1;
    }
    uint32_t done = 0;
    for (unsigned i = 0; i < in && done < n; i++) {
        uint32_t take = vq->bufs[i].len < n - done ? vq->bufs[i].len : n - done;
        memcpy(vq->bufs[i].base, bytes + done, take);
        vq_wrote(vq, vq->bufs[i].base, take);
        done += take;
    }
    vq_push(vq, (unsigned)head, done);
    vq_trigger(vq);
    return (int)done;
}
