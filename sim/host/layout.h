/* layout.h - where everything lives in lgsim's emulated physical and host-virtual memory. */
#ifndef LGSIM_LAYOUT_H
#define LGSIM_LAYOUT_H
#include "abi/lguest.h"

/* @tour Preparation 20: Where everything lives
 * One emulated physical memory holds both worlds.  Host RAM starts at 0: the host's GDT, IDT,
 * TSS and page tables, the little ring-0 routine that plays the host kernel, the Switcher's
 * pages and a pool for shadow page tables.  Guest RAM starts at GUEST_PHYS_BASE, so
 * guest-physical p is host-physical GUEST_PHYS_BASE + p: lguest's "guest_base".  The Switcher
 * is mapped at SWITCHER_ADDR (0xFFC00000) in the host's address space and in every shadow
 * page table the Guest runs on.
 */
/*
 * Host RAM (physical 0, identity-mapped in the host's page tables with 4 MiB pages):
 *   the host's GDT, IDT and TSS, its page directory, the ring-0 host routine and its stack,
 *   the Switcher pages, and a pool of pages for shadow page tables.
 * Guest RAM (physical GUEST_PHYS_BASE): guest-physical p is host-physical GUEST_PHYS_BASE + p,
 *   the block the launcher also sees (lguest's "guest_base").
 * The Switcher appears at SWITCHER_ADDR in the host's address space and in every shadow.
 */
#define HOST_RAM_BASE        0x00000000u
#define HOST_RAM_SIZE        0x01000000u          /* 16 MiB */
#define HOST_GDT             0x00001000u
#define HOST_IDT             0x00002000u
#define HOST_TSS             0x00003000u
#define HOST_PGDIR           0x00004000u
#define HOST_SWITCHER_PT     0x00005000u
#define HOST_CODE            0x00010000u          /* host.S is linked here */
#define HOST_STACK_TOP       0x00080000u
#define HOST_STACK_BOTTOM    0x0007C000u          /* 16 KiB: the host routine and its IRQs */
#define SWITCHER_TEXT_PHYS   0x00100000u
#define SWITCHER_REGS_PHYS   0x00101000u          /* the host's own lguest_pages page 0 */
#define SWITCHER_STATE_PHYS  0x00102000u          /* lguest_pages page 1: shared */
#define GUEST_REGS_PHYS      0x00103000u          /* the Guest's regs page (cpu->regs_page) */
#define SHADOW_POOL          0x00200000u
#define SHADOW_POOL_END      HOST_RAM_SIZE

/* GUEST_PHYS_BASE and GUEST_MEM_MAX_MB: abi/lguest.h (traces need the first too). */

/* lgsim chooses the classic address; lguest_data.reserve_mem tells the Guest. */
#define SWITCHER_ADDR        0xFFC00000u
#define SWITCHER_PAGES_ADDR  (SWITCHER_ADDR + 0x1000u)   /* CPU 0's struct lguest_pages */
/* Past the Switcher's three pages no shadow ever maps anything: where a null FS/GS points. */
#define NULL_SEG_POISON      (SWITCHER_ADDR + 0x3000u)

/* The host's timer interrupt (HOST_TIMER_VECTOR: abi/lguest.h) ticks at this period. */
#define HOST_TIMER_PERIOD_NS 4000000ull               /* HZ = 250 */
#endif
