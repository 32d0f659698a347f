/* phys.c - emulated physical memory regions. */
#include "mmu/phys.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int overlaps(const struct phys_region *r, uint32_t base, uint32_t size) {
    uint64_t a0 = r->base, a1 = (uint64_t)r->base + r->size;
    uint64_t b0 = base, b1 = (uint64_t)base + size;
    return a0 < b1 && b0 < a1;
}

int phys_add(struct phys *p, const char *name, uint32_t base, uint32_t size,
             char *err, size_t errlen) {
    if (p->n == PHYS_MAX_REGIONS) {
        snprintf(err, errlen, "too many physical memory regions");
        return -1;
    }
    if ((base | size) & 0xFFF || size == 0 || (uint64_t)base + size > 0x100000000ull) {
        snprintf(err, errlen, "%s: region 0x%x+0x%x is not page aligned inside 4 GiB",
                 name, base, size);
        return -1;
    }
    for (int i = 0; i < p->n; i++)
        if (overlaps(&p->r[i], base, size)) {
            snprintf(err, errlen, "%s overlaps %s in physical memory", name, p->r[i].name);
            return -1;
        }
    uint8_t *mem = calloc(1, size), *changed = malloc(size >> 12);
    if (!mem || !changed) {
        free(mem);
        free(changed);
        snprintf(err, errlen, "%s: cannot allocate %u MiB", name, size >> 20);
        return -1;
    }
    memset(changed, 0, size >> 12);   /* as phys_forget_changes() left it: all zeros */
    p->r[p->n++] = (struct phys_region){ name, base, size, mem, changed };
    return 0;
}

void phys_free(struct phys *p) {
    for (int i = 0; i < p->n; i++) {
        free(p->r[i].mem);
        free(p->r[i].changed);
    }
    p->n = 0;
}

static const struct phys_region *region_of(const struct phys *p, uint32_t pa, uint32_t len) {
    for (int i = 0; i < p->n; i++) {
        const struct phys_region *r = &p->r[i];
        if (pa >= r->base && (uint64_t)pa + len <= (uint64_t)r->base + r->size)
            return r;
    }
    return NULL;
}

/* The pages of [pa, pa+len) inside r (at least the one pa is in). */
static void mark_in(const struct phys_region *r, uint32_t pa, uint32_t len) {
    uint32_t first = (pa - r->base) >> 12;
    uint64_t end = ((uint64_t)pa - r->base + (len ? len : 1) + 0xFFF) >> 12;
    memset(r->changed + first, 1, (size_t)(end - first));
}

uint8_t *phys_ptr(const struct phys *p, uint32_t pa, uint32_t len) {
    const struct phys_region *r = region_of(p, pa, len);
    if (!r) return NULL;
    mark_in(r, pa, len);
    return r->mem + (pa - r->base);
}

const uint8_t *phys_ptr_quiet(const struct phys *p, uint32_t pa, uint32_t len) {
    const struct phys_region *r = region_of(p, pa, len);
    return r ? r->mem + (pa - r->base) : NULL;
}

void phys_mark(const struct phys *p, uint32_t pa, uint32_t len) {
    for (int i = 0; i < p->n; i++) {
        const struct phys_region *r = &p->r[i];
        uint64_t lo = pa > r->base ? pa : r->base, end = (uint64_t)pa + (len ? len : 1);
        if (end > (uint64_t)r->base + r->size) end = (uint64_t)r->base + r->size;
        if (lo < end) mark_in(r, (uint32_t)lo, (uint32_t)(end - lo));
    }
}

void phys_mark_all(const struct phys *p) {
    for (int i = 0; i < p->n; i++) memset(p->r[i].changed, 1, p->r[i].size >> 12);
}

void phys_forget_changes(const struct phys *p) {
    for (int i = 0; i < p->n; i++) memset(p->r[i].changed, 0, p->r[i].size >> 12);
}

int phys_read32(const struct phys *p, uint32_t pa, uint32_t *val) {
    const uint8_t *b = phys_ptr_quiet(p, pa, 4);
    if (!b) return -1;
    *val = le32(b);
    return 0;
}

int phys_write32(const struct phys *p, uint32_t pa, uint32_t val) {
    uint8_t *b = phys_ptr(p, pa, 4);
    if (!b) return -1;
    put_le32(b, val);
    return 0;
}
