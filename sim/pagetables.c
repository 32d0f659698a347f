/* pagetables.c - the page-table hypercalls: mmu/shadow.c does the work, a refusal kills. */
#include "sim/pagetables.h"
#include "sim/lguest.h"

/* ABI §6.1's table: which page-table call does what (the rules are in mmu/shadow.c).
 * do_hcall() sends only these four numbers here. */
void do_pagetable_hcall(struct machine *m, const uint32_t a[5]) {
    struct shadow *s = &m->shadow;
    char why[160] = "";
    int rc = 0;
    switch (a[0]) {
    case LHCALL_NEW_PGTABLE:   /* the Guest loaded CR3 */
        rc = shadow_new_pgtable(s, a[1], why, sizeof(why));
        break;
    case LHCALL_FLUSH_TLB:     /* 0: user mappings only; else everything */
        if (a[1])
            rc = shadow_clear_all(s, why, sizeof(why));
        else
            shadow_flush_user(s);
        break;
    case LHCALL_SET_PTE:       /* directory, address, new PTE */
        rc = shadow_set_pte(s, a[1], a[2], a[3], why, sizeof(why));
        break;
    case LHCALL_SET_PGD:       /* directory, index */
        rc = shadow_set_pgd(s, a[1], a[2], why, sizeof(why));
        break;
    }
    if (rc)
        kill_guest(m, "%s", why);
}

void pagetables_guest_init(struct machine *m) {
    char why[160];
    /* initialize() has put the Guest's kernel_address (checked to be below the Switcher)
     * in m->shadow: flushing "user" entries counts up to it. */
    if (shadow_clear_all(&m->shadow, why, sizeof(why)))
        kill_guest(m, "%s", why);
}

void pagetables_set_stack(struct machine *m, uint32_t esp1, uint32_t pages) {
    char why[160];
    if (shadow_set_stack(&m->shadow, esp1, pages, why, sizeof(why)))
        kill_guest(m, "%s", why);
}
