/* page_tables.c - the page-table hypercalls: mmu/shadow.c does the work, a refusal kills. */
#include "sim/host/page_tables.h"
#include "abi/lguest.h"

static void record_flush(struct lguest *lg, uint32_t what, uint32_t gpgdir) {
    REC(lg->rec, lg->cpu.now_ns, TK_FLUSH, what, gpgdir, lg->shadow.cur);
}

/* The shadow tells traces of every entry it writes. */
static void pte_written(void *ctx, unsigned slot, uint32_t vaddr, uint32_t spte, int cause) {
    struct lguest *lg = ctx;
    REC(lg->rec, lg->cpu.now_ns, TK_SPTE, vaddr, spte, slot,
        cause == SHADOW_BY_DEMAND ? SPTE_DEMAND : SPTE_SET_PTE);
}

void pagetables_trace(struct lguest *lg) {
    if (!lg->rec->w) return;
    lg->shadow.pte_written = pte_written;
    lg->shadow.ctx = lg;
}

/* @tour Host 120: The page-table hypercalls
 * mmu/shadow.c does the work; a refusal (an entry inside the Switcher, an index out of range)
 * kills the Guest.
 */
/* The page-table cases of 4.4 hypercalls.c do_hcall(): which call does what (the rules are in
 * mmu/shadow.c, 4.4 page_tables.c).
 * do_hcall() sends only these four numbers here. */
void do_pagetable_hcall(struct lguest *lg, const uint32_t a[5]) {
    struct shadow *s = &lg->shadow;
    char why[160] = "";
    int rc = 0;
    switch (a[0]) {
    case LHCALL_NEW_PGTABLE:   /* the Guest loaded CR3 */
        rc = shadow_new_pgtable(s, a[1], why, sizeof(why));
        record_flush(lg, FLUSH_NEW_PGTABLE, a[1]);
        break;
    case LHCALL_FLUSH_TLB:     /* 0: user mappings only; else everything */
        if (a[1])
            rc = shadow_clear_all(s, why, sizeof(why));
        else
            shadow_flush_user(s);
        record_flush(lg, a[1] ? FLUSH_ALL : FLUSH_USER, s->pgdirs[s->cur].gpgdir);
        break;
    case LHCALL_SET_PTE:       /* directory, address, new PTE */
        rc = shadow_set_pte(s, a[1], a[2], a[3], why, sizeof(why));
        break;
    case LHCALL_SET_PGD:       /* directory, index */
        rc = shadow_set_pgd(s, a[1], a[2], why, sizeof(why));
        record_flush(lg, FLUSH_SET_PGD, a[1]);
        break;
    }
    if (rc)
        kill_guest(lg, "%s", why);
}

void pagetables_guest_init(struct lguest *lg) {
    char why[160];
    /* initialize() has put the Guest's kernel_address (checked to be below the Switcher)
     * in lg->shadow: flushing "user" entries counts up to it. */
    if (shadow_clear_all(&lg->shadow, why, sizeof(why)))
        kill_guest(lg, "%s", why);
    record_flush(lg, FLUSH_ALL, 0);
}

void pagetables_set_stack(struct lguest *lg, uint32_t esp1, uint32_t pages) {
    char why[160];
    if (shadow_set_stack(&lg->shadow, esp1, pages, why, sizeof(why)))
        kill_guest(lg, "%s", why);
}
