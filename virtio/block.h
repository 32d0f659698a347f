/* block.h - the virtio block device (--block=FILE): one request queue backed by a file. */
#ifndef LGSIM_VIRTIO_BLOCK_H
#define LGSIM_VIRTIO_BLOCK_H
#include <stddef.h>
#include "virtio/virtio.h"
#include "virtio/disk.h"

struct virtio_block {
    struct virtio_dev dev;
    struct disk *disk;
    uint64_t len;               /* the file's size when opened: 4.4 never grows it */
    int readonly;               /* offered as VIRTIO_BLK_F_RO (4.4 would refuse the file) */
};

/* Open path (read-only if asked to, or if it cannot be written) and put the device in the
 * next PCI slot; -1 with the reason. */
int virtio_block_init(struct virtio_block *b, struct pci_bus *bus, const char *path,
                      int readonly, char *err, size_t errlen);
/* Sync and close the file (every exit path comes here). */
void virtio_block_close(struct virtio_block *b);
#endif
