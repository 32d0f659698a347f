/* views.c - memory as gdb reads it: through the current address space or another one. */
#include "debug/control.h"
#include "sim/host/lg.h"
#include "sim/host/layout.h"
#include <stdio.h>
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

/* Where one page-bounded piece [addr, addr+len) of view v lies in host-physical memory. */
static int piece_pa(struct control *k, enum view v, uint32_t addr, uint32_t *pa) {
    if (v == VIEW_PHYSICAL) {
        *pa = addr;
        return 0;
    }
    if (v == VIEW_GUEST) {
        uint32_t pde, pte, gpa;
        if (guest_walk(k, addr, &pde, &pte, &gpa) || gpa >= k->lg->mem) return -1;
        *pa = GUEST_PHYS_BASE + gpa;
        return 0;
    }
    struct paging pg;
    struct walk w;
    paging_for(k, v, &pg);
    if (!(pg.cr0 & CR0_PG)) {
        *pa = addr;
        return 0;
    }
    if (walk(&k->lg->phys, &pg, addr, 0, &w)) return -1;
    *pa = w.pa;
    return 0;
}

static uint8_t *piece(struct control *k, enum view v, uint32_t addr, uint32_t len,
                      uint32_t *pa) {
    return piece_pa(k, v, addr, pa) ? NULL : phys_ptr(&k->lg->phys, *pa, len);
}

static int in_guest_memory(struct control *k, uint32_t pa, uint32_t len) {
    return pa >= GUEST_PHYS_BASE && pa - GUEST_PHYS_BASE < k->lg->mem &&
           len <= k->lg->mem - (pa - GUEST_PHYS_BASE);
}

/* Each page-bounded piece of [addr, addr+len): check (write < 0), read (0) or write (1). */
static int copy(struct control *k, enum view v, uint32_t addr, uint8_t *buf, uint32_t len,
                int write) {
    while (len) {
        uint32_t n = 0x1000 - (addr & 0xFFF), pa;
        if (n > len) n = len;
        uint8_t *p = piece(k, v, addr, n, &pa);
        if (!p) return -1;
        if (write < 0 && !in_guest_memory(k, pa, n) && !k->host_writes) {
            fprintf(stderr, "lgsim: gdb: refused a write to host memory at %#x (%s view "
                    "%#x), outside the guest's; 'monitor host-writes on' allows it\n", pa,
                    view_name(v), addr);
            return -1;
        }
        if (write > 0 && !in_guest_memory(k, pa, n) && host_guard_debugger_wrote(k->lg, pa, n))
            return -1;
        if (write > 0) memcpy(p, buf, n);
        else if (!write) memcpy(buf, p, n);
        addr += n;
        buf += n;
        len -= n;
    }
    return 0;
}

int view_read(struct control *k, enum view v, uint32_t addr, void *buf, uint32_t len) {
    return copy(k, v, addr, buf, len, 0);
}

/* Only guest memory, unless the user said otherwise: a write into the host's tables, code or
 * the Switcher would change what the containment check guards.  All of it is checked before
 * any of it is written.  A write may change code the CPU has translated, or page tables it
 * has cached. */
int view_write(struct control *k, enum view v, uint32_t addr, const void *buf, uint32_t len) {
    if (copy(k, v, addr, (uint8_t *)buf, len, -1)) return -1;
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

const char *walk_missing(uint32_t la, uint32_t pde, char *buf, size_t len) {
    if (!(pde & PTE_P)) snprintf(buf, len, "directory entry %u", la >> 22);
    else snprintf(buf, len, "table entry %u", (la >> 12) & 0x3FF);
    return buf;
}

/* Is view v, now, the shadow the CPU walks in the Guest? */
static int view_is_shadow(struct control *k, enum view v) {
    struct paging pg;
    cpu_paging(k->c, &pg);
    return v == VIEW_SHADOW ||
           (v == VIEW_CURRENT && (pg.cr0 & CR0_PG) && pg.cr3 == k->lg->shadow.root);
}

/* gdb only says "Cannot access memory": before the Guest touches a page the shadow has no
 * entry for it (4.4 page_tables.c demand_page() fills it at the fault), which is the common
 * surprise, so that case is named; an address nobody maps needs no words. */
void view_tell_unreadable(struct control *k, enum view v, uint32_t addr) {
    uint32_t pde, pte, pa, root, gpa;
    char level[32];
    if (k->unreadable_told || !view_is_shadow(k, v) || guest_walk(k, addr, &pde, &pte, &gpa) ||
        gpa >= k->lg->mem || !shadow_walk(k, addr, &pde, &pte, &pa, &root))
        return;
    k->unreadable_told = 1;
    fprintf(stderr, "lgsim: gdb: %#x cannot be read in the %s view: the shadow has no entry for "
            "it yet (its %s is not present; the host fills it at the guest's first access, "
            "demand_page()); the guest's own table maps it to guest-physical %#x: 'monitor "
            "view guest' reads it there, 'monitor walk %#x' shows both walks\n", addr,
            view_name(v), walk_missing(addr, pde, level, sizeof(level)), gpa, addr);
}
