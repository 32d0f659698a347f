/* walk.c - the non-PAE page walker, with the permission rules of Intel SDM vol. 3 §4.6. */
#include "mmu/walk.h"
#include <string.h>

/* Does the combined entry permit this access?  Ring 1 and 2 count as supervisor. */
static int access_allowed(uint32_t pde, uint32_t pte, const struct paging *pg, int flags) {
    uint32_t both = pde & pte;
    if ((flags & WALK_USER) && !(both & PTE_US))
        return 0;
    if (flags & WALK_WRITE) {
        if (flags & WALK_USER)
            return (both & PTE_RW) != 0;
        if (pg->cr0 & CR0_WP)
            return (both & PTE_RW) != 0;
    }
    return 1;
}

static uint32_t pf_code(int flags, int present) {
    return (present ? PF_P : 0) | ((flags & WALK_WRITE) ? PF_W : 0) |
           ((flags & WALK_USER) ? PF_U : 0);
}

/* The CPU sets A on every entry it uses, and D on the final one for a write. */
static void set_ad(const struct phys *p, uint32_t pa, uint32_t *entry, uint32_t bits) {
    if ((*entry & bits) != bits) {
        *entry |= bits;
        phys_write32(p, pa, *entry);
    }
}

static int fail(struct walk *w, uint32_t code) {
    w->pf_error = code;
    return -1;
}

int walk(const struct phys *p, const struct paging *pg, uint32_t la, int flags, struct walk *w) {
    memset(w, 0, sizeof(*w));
    if (!(pg->cr0 & CR0_PG)) {
        w->pa = la;
        return 0;
    }
    w->pde_pa = (pg->cr3 & ~0xFFFu) + (la >> 22) * 4;
    if (phys_read32(p, w->pde_pa, &w->pde) < 0) {
        w->bus_error = 1;
        return -1;
    }
    if (!(w->pde & PTE_P))
        return fail(w, pf_code(flags, 0));

    if ((w->pde & PTE_PS) && (pg->cr4 & CR4_PSE)) {
        w->large = 1;
        w->pte = w->pde;
        w->pte_pa = w->pde_pa;
        if (!access_allowed(w->pde, w->pde, pg, flags))
            return fail(w, pf_code(flags, 1));
        if (flags & WALK_SET_AD)
            set_ad(p, w->pde_pa, &w->pde, PTE_A | ((flags & WALK_WRITE) ? PTE_D : 0));
        w->pte = w->pde;
        w->pa = (w->pde & 0xFFC00000u) | (la & 0x3FFFFFu);
        return 0;
    }

    /* Like the hardware (and QEMU), the directory entry is marked accessed before the table
     * entry is even looked at. */
    if (flags & WALK_SET_AD)
        set_ad(p, w->pde_pa, &w->pde, PTE_A);
    w->pte_pa = (w->pde & ~0xFFFu) + ((la >> 12) & 0x3FF) * 4;
    if (phys_read32(p, w->pte_pa, &w->pte) < 0) {
        w->bus_error = 1;
        return -1;
    }
    if (!(w->pte & PTE_P))
        return fail(w, pf_code(flags, 0));
    if (!access_allowed(w->pde, w->pte, pg, flags))
        return fail(w, pf_code(flags, 1));
    if (flags & WALK_SET_AD)
        set_ad(p, w->pte_pa, &w->pte, PTE_A | ((flags & WALK_WRITE) ? PTE_D : 0));
    w->pa = (w->pte & ~0xFFFu) | (la & 0xFFF);
    return 0;
}

/* Visit [la, la+len) page by page; copy() moves one chunk to or from physical memory. */
static int walk_range(const struct phys *p, const struct paging *pg, uint32_t la, uint8_t *buf,
                      uint32_t len, int flags, int to_phys, uint32_t *fault_la, struct walk *w) {
    while (len) {
        uint32_t chunk = 0x1000 - (la & 0xFFF);
        if (chunk > len) chunk = len;
        if (walk(p, pg, la, flags, w) < 0) {
            if (fault_la) *fault_la = la;
            return -1;
        }
        uint8_t *host = phys_ptr(p, w->pa, chunk);
        if (!host) {
            w->bus_error = 1;
            if (fault_la) *fault_la = la;
            return -1;
        }
        if (to_phys) memcpy(host, buf, chunk);
        else memcpy(buf, host, chunk);
        la += chunk;
        buf += chunk;
        len -= chunk;
    }
    return 0;
}

int walk_read(const struct phys *p, const struct paging *pg, uint32_t la, void *buf, uint32_t len,
              int flags, uint32_t *fault_la, struct walk *w) {
    return walk_range(p, pg, la, buf, len, flags & ~WALK_WRITE, 0, fault_la, w);
}

int walk_write(const struct phys *p, const struct paging *pg, uint32_t la, const void *buf,
               uint32_t len, int flags, uint32_t *fault_la, struct walk *w) {
    return walk_range(p, pg, la, (uint8_t *)buf, len, flags | WALK_WRITE, 1, fault_la, w);
}
