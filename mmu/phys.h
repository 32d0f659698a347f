/* phys.h - emulated physical memory: named RAM regions the CPU, host model and launcher share. */
#ifndef LGSIM_PHYS_H
#define LGSIM_PHYS_H
#include <stddef.h>
#include <stdint.h>

#define PHYS_MAX_REGIONS 4

struct phys_region {
    const char *name;
    uint32_t base, size;   /* page aligned */
    uint8_t *mem;          /* host buffer backing [base, base+size) */
    uint8_t *changed;      /* one byte a page: non-zero when the page may have been written
                            * since phys_forget_changes() (see below) */
};

struct phys {
    struct phys_region r[PHYS_MAX_REGIONS];
    int n;
};

/* Add a zero-filled region; fails (with a message) on overlap, misalignment or no memory. */
int phys_add(struct phys *p, const char *name, uint32_t base, uint32_t size,
             char *err, size_t errlen);
void phys_free(struct phys *p);

/* Host pointer to [pa, pa+len) if it lies inside one region, else NULL.  Whoever holds it
 * may write there, so those pages count as changed. */
uint8_t *phys_ptr(const struct phys *p, uint32_t pa, uint32_t len);

/*
 * Which pages may have changed since the region was made (all zeros) or since
 * phys_forget_changes(): every page a phys_ptr() or phys_write32() reached, and what
 * phys_mark() names.  Stores that come through none of these
 * (the CPU's own, through the page tables it walks) are the caller's to mark; a checkpoint
 * compares only the pages marked since the last one (sim/host/snapshot.c).
 */
/* phys_ptr() for reading: the pages do not count as changed. */
const uint8_t *phys_ptr_quiet(const struct phys *p, uint32_t pa, uint32_t len);
void phys_mark(const struct phys *p, uint32_t pa, uint32_t len);
void phys_mark_all(const struct phys *p);
void phys_forget_changes(const struct phys *p);

/* 32-bit little-endian accessors; they return -1 when pa is not backed by RAM. */
int phys_read32(const struct phys *p, uint32_t pa, uint32_t *val);
int phys_write32(const struct phys *p, uint32_t pa, uint32_t val);

static inline uint32_t le32(const uint8_t *b) {
    return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
}
static inline void put_le32(uint8_t *b, uint32_t v) {
    b[0] = (uint8_t)v; b[1] = (uint8_t)(v >> 8); b[2] = (uint8_t)(v >> 16); b[3] = (uint8_t)(v >> 24);
}
static inline uint16_t le16(const uint8_t *b) { return (uint16_t)(b[0] | b[1] << 8); }
static inline void put_le16(uint8_t *b, uint16_t v) { b[0] = (uint8_t)v; b[1] = (uint8_t)(v >> 8); }
#endif
