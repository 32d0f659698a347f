/* cow.h - a copy-on-write disk: reads fall through to a base file, writes go to an overlay. */
#ifndef LGSIM_VIRTIO_COW_H
#define LGSIM_VIRTIO_COW_H
#include <stddef.h>
#include <stdint.h>
#include "virtio/disk.h"

/*
 * The overlay file (all integers little-endian; its layout is in virtio/OVERLAY.md):
 *   header  4096 bytes: "LGSIMCOW", u32 version 1, u32 block size 4096, u64 base size,
 *           u64 base hash (FNV-1a 64 of the base's contents), u64 blocks, u64 map offset,
 *           u64 data offset, u64 FNV-1a 64 of the 56 bytes before it; zeros to 4096
 *   map     u64 per block of the base: 0, the base has it; else where its copy is in here
 *   data    4096-byte copies of blocks, in the order they were first written
 * A write to a block not yet copied puts the whole block in first, then its map entry: a
 * write that has reached the OS (every one, once its request completes) outlives a SIGKILL,
 * and a flush makes it outlive a power cut too.
 */
#define COW_MAGIC       "LGSIMCOW"
#define COW_VERSION     1
#define COW_BLOCK       4096u
#define COW_HEADER      4096u

struct cow {
    struct disk *base, *ov;
    uint64_t size;            /* the base's size: the disk the Guest sees is this long */
    uint64_t hash;            /* the base's FNV-1a 64 */
    uint64_t blocks;          /* ceil(size / COW_BLOCK) */
    uint64_t map_off, data_off, data_end;
    uint64_t *map;            /* the map, as in the file */
    uint64_t n_copied;        /* blocks in the overlay */
};

/* FNV-1a 64 of a whole file through d (the trace header hashes inputs the same way). */
int cow_hash_disk(struct disk *d, uint64_t size, uint64_t *hash);

/* The base (opened read-only: it is never written) and an overlay: at overlay_path, made
 * when the file is absent or empty, or (NULL) an anonymous one that vanishes at close.  An
 * overlay made for another base, or damaged, is refused with the byte offset.  0, or -1 with
 * the reason (the base is then closed too). */
int cow_open(struct cow *c, struct disk *base, uint64_t base_size, const char *overlay_path,
             char *err, size_t errlen);
/* As disk_pread/disk_pwrite on the disk the Guest sees (reads short at its end, no write
 * past it); -1 for an I/O error. */
int64_t cow_pread(struct cow *c, void *buf, uint32_t len, uint64_t at);
int64_t cow_pwrite(struct cow *c, const void *buf, uint32_t len, uint64_t at);
int cow_sync(struct cow *c);
void cow_close(struct cow *c);

/* What the overlay holds now and where its file ends, to be put back later (a checkpoint):
 * blocks copied since are dropped from the map, the file cut back, and block contents that
 * were rewritten meanwhile restored from 'saved' (the copies as they were; NULL: none). */
struct cow_state { uint64_t data_end; uint64_t *map; uint8_t *data; };
int cow_save_state(struct cow *c, struct cow_state *s);
int cow_restore_state(struct cow *c, const struct cow_state *s);
void cow_free_state(struct cow_state *s);

/* lgsim disk commit: every block of the overlay written into its base, then the overlay
 * emptied (for the base as it now is).  How many blocks, or -1 with the reason. */
int64_t cow_commit(const char *overlay_path, const char *base_path, char *err, size_t errlen);
/* lgsim disk info: the overlay's header and how many blocks it holds; -1 with the reason. */
int cow_info(const char *overlay_path, char *out, size_t outlen, char *err, size_t errlen);
#endif
