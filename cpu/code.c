/* code.c - any write into memory holding translated code drops those translations. */
#include "cpu/private.h"
#include <stdlib.h>
#include <string.h>

/*
 * A store by the program into code it has run is seen by Unicorn (its translations of that page
 * are dropped; on_store_nothing() below says on what condition), but a write by the host is not:
 * Unicorn 2.1.1 keeps running the old translation after a write through the host pointer, and even
 * after uc_mem_write.  On an i386 the Host's writes (the frames lg.ko pushes, lguest_data) are
 * ordinary stores and the Guest sees them at once.  So every page a translation was made from is
 * marked here (the edge hook in sites.c reports each new block), and a host write that touches a
 * marked page drops that page's translations.  Unicorn drops translations only by linear address in
 * the current address space, so the drop is made with paging off, where a linear address is its
 * physical one (the same care as cpu_hooks_del() in hooks.c).  The mark is cleared then: the page
 * has no translations left.
 *
 * The Launcher's devices report what they wrote the same way (lguest_wrote() at the door); writes
 * that come through neither (a debugger's, a restored machine) are announced with
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

/*
 * A store by the program into code must drop that code's translations every time.  Unicorn
 * 2.1.1 checks a store against the translations of its page only while the soft TLB entry it
 * goes through is marked clean, and marks the entry written after the first store, whether the
 * page still holds translated code or not (QEMU does that only once no code is left there).
 * The next store into the page through that entry, until a TLB flush or a new translation in
 * the page, is not checked: Linux's apply_paravirt() patches one site and then the next in the
 * same page with text_poke_early(), and the old translation of the second site ran on for
 * hundreds of ms, until something emptied Unicorn's translations (a restored machine, a
 * debugger's hook); from there the interrupted run's blocks, so its clock, differed.  Unicorn
 * leaves entries clean while any memory-write hook exists, so one is kept, on linear address 0
 * only, where it does nothing: every store is checked, at the price of Unicorn's slow path for
 * loads and stores.
 */
static void on_store_nothing(uc_engine *uc, uc_mem_type type, uint64_t addr, int size,
                             int64_t value, void *user) {
    (void)uc; (void)type; (void)addr; (void)size; (void)value; (void)user;
}

int cpu_code_open(struct cpu *c) {
    c->code_pages = calloc(PAGES / 8, 1);
    if (!c->code_pages) return -1;
    uc_hook h;
    return uc_hook_add(c->uc, &h, UC_HOOK_MEM_WRITE, (void *)on_store_nothing, c, 0, 0) ==
           UC_ERR_OK ? 0 : -1;
}

void cpu_code_close(struct cpu *c) {
    free(c->code_pages);
    c->code_pages = NULL;
}
