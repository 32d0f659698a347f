/* pagetables.c - the page-table hypercalls: mmu/shadow.c does the work, a refusal kills. */
#include "sim/pagetables.h"
#include "sim/lguest.h"

/* ABI §6.1's table: which page-table call does what (the rules are in mmu/shadow.c). */
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
    default:
        /* LHCALL_SET_PMD exists only in a PAE Host; a non-PAE 4.4 Host has no case for it
         * and kills the Guest as for any unknown number. */
        kill_guest(m, "Bad hypercall %li\n", (long)a[0]);
    }
    if (rc)
        kill_guest(m, "%s", why);
}

void pagetables_guest_init(struct machine *m) {
    char why[160];
    /* Only now is kernel_address known to be below the Switcher: flushing "user" entries
     * counts up to it. */
    m->shadow.kernel_address = m->kernel_address;
    if (shadow_clear_all(&m->shadow, why, sizeof(why)))
        kill_guest(m, "%s", why);
}

void pagetables_set_stack(struct machine *m) {
    char why[160];
    if (shadow_set_stack(&m->shadow, m->esp1, m->stack_pages, why, sizeof(why)))
        kill_guest(m, "%s", why);
}
