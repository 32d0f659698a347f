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
    uint8_t *mem = calloc(1, size);
    if (!mem) {
        snprintf(err, errlen, "%s: cannot allocate %u MiB", name, size >> 20);
        return -1;
    }
    p->r[p->n++] = (struct phys_region){ name, base, size, mem };
    return 0;
}

void phys_free(struct phys *p) {
    for (int i = 0; i < p->n; i++) free(p->r[i].mem);
    p->n = 0;
}

uint8_t *phys_ptr(const struct phys *p, uint32_t pa, uint32_t len) {
    for (int i = 0; i < p->n; i++) {
        const struct phys_region *r = &p->r[i];
        if (pa >= r->base && (uint64_t)pa + len <= (uint64_t)r->base + r->size)
            return r->mem + (pa - r->base);
    }
    return NULL;
}

int phys_read32(const struct phys *p, uint32_t pa, uint32_t *val) {
    const uint8_t *b = phys_ptr(p, pa, 4);
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
