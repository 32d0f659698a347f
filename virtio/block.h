/* block.h - the virtio block device (--block=FILE): one request queue backed by a file. */
#ifndef LGSIM_VIRTIO_BLOCK_H
#define LGSIM_VIRTIO_BLOCK_H
#include <stddef.h>
#include "virtio/virtio.h"
#include "virtio/cow.h"
#include "virtio/disk.h"

struct virtio_block {
    struct virtio_dev dev;
    struct disk *disk;
    uint64_t len;               /* the file's size when opened: 4.4 never grows it */
    int readonly;               /* offered as VIRTIO_BLK_F_RO (4.4 would refuse the file) */
    int cowed;                  /* the file is a base under cow's overlay (never written) */
    struct cow cow;
};

/* Open path (read-only if asked to, or if it cannot be written) and put the device in the
 * next PCI slot; -1 with the reason. */
int virtio_block_init(struct virtio_block *b, struct pci_bus *bus, const char *path,
                      int readonly, char *err, size_t errlen);
/* The same on a copy-on-write disk: path is the base (opened read-only, never written), the
 * writes go to the overlay at overlay_path, or (NULL) to an anonymous one that is gone at the
 * end (--block=FILE,snapshot).  virtio/OVERLAY.md has the overlay's format. */
int virtio_block_init_cow(struct virtio_block *b, struct pci_bus *bus, const char *path,
                          const char *overlay_path, char *err, size_t errlen);
/* A restart keeps an anonymous overlay (lgsim's run goes on): the device gives up its cow
 * (*out; the device's file is then not closed with it) and a new device takes it over. */
void virtio_block_keep_cow(struct virtio_block *b, struct cow *out);
int virtio_block_init_kept(struct virtio_block *b, struct pci_bus *bus, struct cow *kept,
                           char *err, size_t errlen);
/* Sync and close the file (every exit path comes here). */
void virtio_block_close(struct virtio_block *b);
#endif
