/* block.c - virtio block requests on a file: read, write, flush, as the 4.4 launcher serves them. */
#include "virtio/block.h"
#include "mmu/phys.h"
#include "traces/format.h"
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define VIRTIO_ID_BLOCK       2
#define VIRTIO_BLK_F_SEG_MAX  2
#define VIRTIO_BLK_F_RO       5
#define VIRTIO_BLK_T_OUT      1
#define VIRTIO_BLK_T_FLUSH    4
#define VIRTIO_BLK_S_OK       0
#define VIRTIO_BLK_S_IOERR    1
#define BLK_CFG_LEN           36   /* struct virtio_blk_config */

/*
 * Linux 4.4 tools/lguest/lguest.c blk_request().  A request is a 16-byte header (type,
 * ioprio, sector) in the out buffers, data, and a status byte: the last byte of the last
 * non-empty in buffer.  Only the OUT and FLUSH bits of the type are looked at; anything else,
 * GET_ID included, is served as a read at the header's sector (for GET_ID, sector 0: the Guest
 * gets the disk's first 20 bytes as its serial number).  Differences, all on purpose:
 *   - a write that would run past the end of the file stops the Guest *before* writing (4.4
 *     writes, truncates the file back, then exits: the in-range part was already changed);
 *   - a read-only file is offered with VIRTIO_BLK_F_RO and writes fail with IOERR (4.4 cannot
 *     open it at all);
 *   - writes go straight to the file (pwrite), so they outlive lgsim however it stops; a flush
 *     is an fdatasync before the Guest hears that it completed;
 *   - on a copy-on-write disk (lgsim's --block=FILE,overlay=... or ,snapshot; 4.4 has none)
 *     the same goes for the overlay, and the file is only read (cow.c).
 */

static int64_t store_read(struct virtio_block *b, void *buf, uint32_t len, uint64_t at) {
    return b->cowed ? cow_pread(&b->cow, buf, len, at) : disk_pread(b->disk, buf, len, at);
}
static int64_t store_write(struct virtio_block *b, const void *buf, uint32_t len, uint64_t at) {
    return b->cowed ? cow_pwrite(&b->cow, buf, len, at) : disk_pwrite(b->disk, buf, len, at);
}
static int store_sync(struct virtio_block *b) {
    return b->cowed ? cow_sync(&b->cow) : disk_sync(b->disk);
}

static uint8_t *status_byte(struct virtqueue *vq, unsigned out, unsigned in) {
    for (unsigned i = out + in; i-- > out;) {
        if (vq->bufs[i].len) {
            vq->bufs[i].len--;
            return vq->bufs[i].base + vq->bufs[i].len;
        }
    }
    return NULL;
}

static uint8_t blk_write(struct virtio_block *b, struct virtqueue *vq, unsigned out,
                         uint64_t off) {
    uint64_t total = 0;
    for (unsigned i = 0; i < out; i++) total += vq->bufs[i].len;
    if (total && off + total > b->len) {
        bad_driver_vq(vq, "Write past end %llu+%llu", (unsigned long long)off,
                      (unsigned long long)total);
        return VIRTIO_BLK_S_IOERR;
    }
    if (b->readonly) return VIRTIO_BLK_S_IOERR;
    for (unsigned i = 0; i < out; i++) {
        if (store_write(b, vq->bufs[i].base, vq->bufs[i].len, off) < 0)
            return VIRTIO_BLK_S_IOERR;
        off += vq->bufs[i].len;
    }
    return VIRTIO_BLK_S_OK;
}

/* Reads stop at the end of the file: past it, nothing is read and the status is still OK. */
static uint8_t blk_read(struct virtio_block *b, struct virtqueue *vq, unsigned out, unsigned in,
                        uint64_t off, uint32_t *got) {
    *got = 0;
    for (unsigned i = out; i < out + in; i++) {
        int64_t n = store_read(b, vq->bufs[i].base, vq->bufs[i].len, off + *got);
        /* a failed read may have stored part of the buffer: all of it is reported */
        vq_wrote(vq, vq->bufs[i].base, n < 0 ? vq->bufs[i].len : (uint32_t)n);
        if (n < 0) {
            *got = 0;
            return VIRTIO_BLK_S_IOERR;
        }
        *got += (uint32_t)n;
        if (n < vq->bufs[i].len) break;
    }
    return VIRTIO_BLK_S_OK;
}

static void blk_one(struct virtio_block *b, struct virtqueue *vq, unsigned head, unsigned out,
                    unsigned in) {
    uint8_t hdr[16];
    if (vq_consume(vq, vq->bufs, out, hdr, sizeof(hdr))) return;
    uint8_t *status = status_byte(vq, out, in);
    if (!status) {
        bad_driver_vq(vq, "Bad virtblk cmd with no room for status");
        return;
    }
    uint32_t type = le32(hdr), wlen = 1, got = 0;
    uint64_t sector = (uint64_t)le32(hdr + 8) | (uint64_t)le32(hdr + 12) << 32;
    if (sector > (uint64_t)INT64_MAX / 512) {   /* 4.4's lseek64 fails: err(1, ...) */
        dev_fatal(b->dev.env, "Bad seek to sector %llu: Invalid argument",
                  (unsigned long long)sector);
        return;
    }
    uint64_t off = sector * 512;
    if (type & VIRTIO_BLK_T_OUT) {
        *status = blk_write(b, vq, out, off);
    } else if (type & VIRTIO_BLK_T_FLUSH) {
        *status = store_sync(b) == 0 ? VIRTIO_BLK_S_OK : VIRTIO_BLK_S_IOERR;
    } else {
        *status = blk_read(b, vq, out, in, off, &got);
        wlen += got;
    }
    if (vq->dev->env->failed) return;
    vq_wrote(vq, status, 1);
    dev_note(b->dev.env, LN_BLOCK, (uint32_t)sector, type & VIRTIO_BLK_T_OUT ? 0 : got,
             type << 8 | *status);
    vq_push(vq, head, wlen);
}

static void blk_request(struct virtqueue *vq) {
    struct virtio_block *b = vq->dev->owner;
    unsigned out, in;
    int head;
    while ((head = vq_pop(vq, &out, &in)) >= 0 && !vq->dev->env->failed)
        blk_one(b, vq, (unsigned)head, out, in);
}

static int add_device(struct virtio_block *b, struct pci_bus *bus, struct disk *disk,
                      uint64_t len, int ro, char *err, size_t errlen) {
    uint8_t cfg[BLK_CFG_LEN] = { 0 };
    put_le32(cfg, (uint32_t)(len / 512));            /* capacity in sectors (u64) */
    put_le32(cfg + 4, (uint32_t)((len / 512) >> 32));
    put_le32(cfg + 12, VIRTQUEUE_NUM - 2);           /* seg_max: two go to header and status */
    if (virtio_dev_init(&b->dev, bus, "block", VIRTIO_ID_BLOCK, cfg, sizeof(cfg))) {
        snprintf(err, errlen, "too many PCI devices");
        return -1;
    }
    b->dev.owner = b;
    b->disk = disk;
    b->len = len;
    b->readonly = ro;
    virtio_add_queue(&b->dev, "request", blk_request);
    virtio_add_feature(&b->dev, VIRTIO_BLK_F_SEG_MAX);
    if (ro) virtio_add_feature(&b->dev, VIRTIO_BLK_F_RO);
    return 0;
}

int virtio_block_init(struct virtio_block *b, struct pci_bus *bus, const char *path,
                      int readonly, char *err, size_t errlen) {
    int ro = readonly;
    uint64_t len;
    b->cowed = 0;
    struct disk *disk = disk_open(path, &ro, &len, err, errlen);
    if (!disk) return -1;
    if (add_device(b, bus, disk, len, ro, err, errlen)) {
        disk_close(disk);
        return -1;
    }
    return 0;
}

int virtio_block_init_cow(struct virtio_block *b, struct pci_bus *bus, const char *path,
                          const char *overlay_path, char *err, size_t errlen) {
    int ro = 1;
    uint64_t len;
    char why[300];
    struct disk *base = disk_open(path, &ro, &len, err, errlen);
    if (!base) return -1;
    if (cow_open(&b->cow, base, len, overlay_path, why, sizeof(why))) {   /* closes base */
        snprintf(err, errlen, "%s", why);
        return -1;
    }
    b->cowed = 1;
    if (add_device(b, bus, NULL, len, 0, err, errlen)) {
        cow_close(&b->cow);
        b->cowed = 0;
        return -1;
    }
    return 0;
}

void virtio_block_keep_cow(struct virtio_block *b, struct cow *out) {
    *out = b->cow;
    b->cowed = 0;
}

int virtio_block_init_kept(struct virtio_block *b, struct pci_bus *bus, struct cow *kept,
                           char *err, size_t errlen) {
    b->cow = *kept;
    b->cowed = 1;
    if (add_device(b, bus, NULL, kept->size, 0, err, errlen)) {
        cow_close(&b->cow);
        b->cowed = 0;
        return -1;
    }
    return 0;
}

void virtio_block_close(struct virtio_block *b) {
    if (b->cowed) cow_close(&b->cow);   /* an anonymous overlay goes with it */
    b->cowed = 0;
    disk_close(b->disk);
    b->disk = NULL;
    virtio_free(&b->dev);
}
