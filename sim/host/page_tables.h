/* page_tables.h - the Host's page-table hypercalls, on top of mmu/shadow.c (4.4 page_tables.c). */
#ifndef LGSIM_PAGETABLES_H
#define LGSIM_PAGETABLES_H
#include <stdint.h>
#include "sim/host/lg.h"

/* LHCALL_NEW_PGTABLE, FLUSH_TLB, SET_PTE and SET_PGD. */
void do_pagetable_hcall(struct lguest *lg, const uint32_t a[5]);
/* LGUEST_INIT step 10: drop every shadow, re-pin the stack, re-map the Switcher. */
void pagetables_guest_init(struct lguest *lg);
/* SET_STACK's last step: remember the stack and keep its pages pinned from now on. */
void pagetables_set_stack(struct lguest *lg, uint32_t esp1, uint32_t pages);
/* With a trace open: every shadow PTE written goes into it. */
void pagetables_trace(struct lguest *lg);
#endif
