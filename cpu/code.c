/* code.c - host writes to memory holding translated code drop those translations, as a store would. */
#include "cpu/private.h"
#include <stdlib.h>
#include <string.h>

/*
 * A store by the program into code it has run is seen by Unicorn (its translations of that
 * page are dropped), but a write by the host is not: Unicorn 2.1.1 keeps running the old
 * translation after a write through the host pointer, and even after uc_mem_write.  On an
 * i386 the Host's writes (the frames lg.ko pushes, lguest_data) are ordinary stores and the
 * Guest sees them at once.  So every page a translation was made from is marked here (the
 * edge hook in sites.c reports each new block), and a host write that touches a marked page
 * drops that page's translations.  Unicorn drops translations only by linear address in the
 * current address space, so the drop is made with paging off, where a linear address is its
 * physical one (the same care as cpu_hooks_del() in hooks.c).  The mark is cleared then: the
 * page has no translations left.
 *
 * The Launcher's devices report what they wrote the same way (lguest_wrote() at the door);
 * writes that come through neither (a debugger's, a restored machine) are announced with
 * cpu_code_changed(), which drops every translation.
 */

#define PAGES (1u << 20)   /* 4 GiB of physical address space in 4 KiB pages */

static int is_marked(const struct cpu *c, uint32_t page) {
    return (c->code_pages[page >> 3] >> (page & 7)) & 1;
}

/* A block was translated from linear [pc, pc + size): mark its physical pages. */
void cpu_code_translated(struct cpu *c, uint32_t pc, uint32_t size) {
    struct paging pg;
    struct walk w;
    cpu_paging(c, &pg);
    uint32_t last = pc + (size ? size - 1 : 0);
    for (uint32_t la = pc & ~0xFFFu;; la += 0x1000) {
        uint32_t pa = la;
        if (pg.cr0 & CR0_PG) {
            if (walk(c->phys, &pg, la, 0, &w) == 0) pa = w.pa;
            else pa = UINT32_MAX;
        }
        if (pa != UINT32_MAX)
            c->code_pages[pa >> 15] |= (uint8_t)(1u << (pa >> 12 & 7));
        if (la >= (last & ~0xFFFu)) break;
    }
}

/* Drop the translations of physical page 'page', with paging off so that Unicorn's lookup of
 * the address finds that page and takes no fault. */
static void drop_page(struct cpu *c, uint32_t page) {
    uc_context_save(c->uc, c->ctx);
    uint32_t cr0 = cpu_get(c, UC_X86_REG_CR0) & ~CR0_PG;
    uc_reg_write(c->uc, UC_X86_REG_CR0, &cr0);
    uint64_t pa = (uint64_t)page << 12;
    uc_ctl_remove_cache(c->uc, pa, pa + 0x1000);
    uc_context_restore(c->uc, c->ctx);
    c->ctx_fresh = 1;
    uc_ctl_flush_tlb(c->uc);
    c->code_pages[page >> 3] &= (uint8_t)~(1u << (page & 7));
    c->n_code_drops++;
}

void cpu_host_wrote(struct cpu *c, const void *host, uint32_t len) {
    if (!len || !c->code_pages) return;
    const uint8_t *p = host;
    for (int i = 0; i < c->phys->n; i++) {
        const struct phys_region *r = &c->phys->r[i];
        if (p < r->mem || p >= r->mem + r->size) continue;
        uint32_t pa = r->base + (uint32_t)(p - r->mem);
        uint32_t end = pa + (len - 1 < r->size - (uint32_t)(p - r->mem) ? len - 1 :
                             r->size - (uint32_t)(p - r->mem) - 1);
        for (uint32_t page = pa >> 12; page <= end >> 12; page++)
            if (is_marked(c, page)) drop_page(c, page);
        return;
    }
}

int cpu_code_open(struct cpu *c) {
    c->code_pages = calloc(PAGES / 8, 1);
    return c->code_pages ? 0 : -1;
}

void cpu_code_close(struct cpu *c) {
    free(c->code_pages);
    c->code_pages = NULL;
}
