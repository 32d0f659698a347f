/* console.h - the virtio console: port 0 only, input queue 0 and output queue 1 (4.4's). */
#ifndef LGSIM_VIRTIO_CONSOLE_H
#define LGSIM_VIRTIO_CONSOLE_H
#include "virtio/virtio.h"

struct virtio_console {
    struct virtio_dev dev;
    /* Where the Guest's output goes (stdout in lgsim): output buffers and emerg_wr alike. */
    void (*out)(void *ctx, const uint8_t *bytes, uint32_t n);
    void *ctx;
};

/* Always the first device: slot 1, IRQ 1.  Returns -1 when the bus is full. */
int virtio_console_init(struct virtio_console *c, struct pci_bus *bus,
                        void (*out)(void *ctx, const uint8_t *bytes, uint32_t n), void *ctx);
/* Whether the Guest has an input buffer waiting for bytes. */
int console_wants_input(struct virtio_console *c);
/* Put up to n bytes into the next input buffer and interrupt the Guest; the bytes taken, or
 * -1 when there is no buffer (or the Guest was stopped). */
int console_input(struct virtio_console *c, const uint8_t *bytes, uint32_t n);
#endif
