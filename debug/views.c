/* views.c - memory as gdb reads it: through the current address space or another one. */
#include "debug/control.h"
#include "sim/host/lg.h"
#include "sim/host/layout.h"
#include <string.h>

/*
 * current   the CPU's own CR3: the host, the Switcher, the guest kernel or guest user, as now
 * physical  host-physical addresses (guest-physical p is GUEST_PHYS_BASE + p)
 * host      the host's page tables, whatever runs now
 * shadow    the Guest's current shadow page table, the one the CPU walks in the Guest
 * guest     the Guest's own page table (guest-physical frames), as the Guest believes it
 * Debugger accesses are supervisor accesses that set no accessed or dirty bits.
 */
const char *view_name(enum view v) {
    static const char *names[] = { "current", "physical", "host", "shadow", "guest" };
    return names[v];
}

static uint8_t *guest_phys(struct control *k, uint32_t gpa, uint32_t len) {
    if (gpa >= k->lg->mem || len > k->lg->mem - gpa) return NULL;
    return phys_ptr(&k->lg->phys, GUEST_PHYS_BASE + gpa, len);
}

/* The Guest's own two-level walk (guest-physical tables); before its first page table the
 * Host treats it as identity-mapped, and so does this. */
int guest_walk(struct control *k, uint32_t la, uint32_t *pde, uint32_t *pte, uint32_t *gpa) {
    const struct shadow *s = &k->lg->shadow;
    *pde = *pte = 0;
    if (s->linear) {
        *gpa = la;
        return 0;
    }
    uint8_t *dir = guest_phys(k, s->pgdirs[s->cur].gpgdir + (la >> 22) * 4, 4);
    if (!dir) return -1;
    *pde = le32(dir);
    if (!(*pde & PTE_P)) return -1;
    if (*pde & PTE_PS) {
        *pte = *pde;
        *gpa = (*pde & 0xFFC00000u) | (la & 0x3FFFFFu);
        return 0;
    }
    uint8_t *tab = guest_phys(k, (*pde & ~0xFFFu) + ((la >> 12) & 0x3FF) * 4, 4);
    if (!tab) return -1;
    *pte = le32(tab);
    if (!(*pte & PTE_P)) return -1;
    *gpa = (*pte & ~0xFFFu) | (la & 0xFFF);
    return 0;
}

static int paging_for(struct control *k, enum view v, struct paging *pg) {
    cpu_paging(k->c, pg);
    if (v == VIEW_HOST) {
        pg->cr3 = HOST_PGDIR;
        pg->cr4 |= CR4_PSE;
    } else if (v == VIEW_SHADOW) {
        pg->cr3 = k->lg->shadow.root;
    }
    return 0;
}

/* One page-bounded piece: the host pointer behind [addr, addr+len) in view v. */
static uint8_t *piece(struct control *k, enum view v, uint32_t addr, uint32_t len) {
    if (v == VIEW_PHYSICAL) return phys_ptr(&k->lg->phys, addr, len);
    if (v == VIEW_GUEST) {
        uint32_t pde, pte, gpa;
        return guest_walk(k, addr, &pde, &pte, &gpa) ? NULL : guest_phys(k, gpa, len);
    }
    struct paging pg;
    struct walk w;
    paging_for(k, v, &pg);
    if (!(pg.cr0 & CR0_PG)) return phys_ptr(&k->lg->phys, addr, len);
    if (walk(&k->lg->phys, &pg, addr, 0, &w)) return NULL;
    return phys_ptr(&k->lg->phys, w.pa, len);
}

static int copy(struct control *k, enum view v, uint32_t addr, uint8_t *buf, uint32_t len,
                  int write) {
    while (len) {
        uint32_t n = 0x1000 - (addr & 0xFFF);
        if (n > len) n = len;
        uint8_t *p = piece(k, v, addr, n);
        if (!p) return -1;
        if (write) memcpy(p, buf, n);
        else memcpy(buf, p, n);
        addr += n;
        buf += n;
        len -= n;
    }
    return 0;
}

int view_read(struct control *k, enum view v, uint32_t addr, void *buf, uint32_t len) {
    return copy(k, v, addr, buf, len, 0);
}

/* A write may change code the CPU has translated, or page tables it has cached. */
int view_write(struct control *k, enum view v, uint32_t addr, const void *buf, uint32_t len) {
    int r = copy(k, v, addr, (uint8_t *)buf, len, 1);
    cpu_code_changed(k->c);
    cpu_flush_tlb(k->c);
    return r;
}

int shadow_walk(struct control *k, uint32_t la, uint32_t *pde, uint32_t *pte, uint32_t *pa,
                uint32_t *root) {
    struct paging pg = { CR0_PG | CR0_PE, k->lg->shadow.root, 0 };
    struct walk w;
    int r = walk(&k->lg->phys, &pg, la, 0, &w);
    *pde = w.pde;
    *pte = w.pte;
    *pa = r ? 0 : w.pa;
    *root = pg.cr3;
    return r ? -1 : 0;
}
