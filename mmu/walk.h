/* walk.h - the i386 non-PAE two-level page walker (4 KiB pages and 4 MiB PSE pages). */
#ifndef LGSIM_WALK_H
#define LGSIM_WALK_H
#include <stdint.h>
#include "mmu/phys.h"

/* Page-table entry bits (non-PAE). */
#define PTE_P   0x001u
#define PTE_RW  0x002u
#define PTE_US  0x004u
#define PTE_PWT 0x008u
#define PTE_PCD 0x010u
#define PTE_A   0x020u
#define PTE_D   0x040u
#define PTE_PS  0x080u   /* in a PDE: 4 MiB page (needs CR4.PSE) */
#define PTE_G   0x100u

/* #PF error-code bits. */
#define PF_P 1u   /* 1: protection violation, 0: not present */
#define PF_W 2u   /* the access was a write */
#define PF_U 4u   /* the access came from CPL 3 */

#define CR0_PE 0x00000001u
#define CR0_TS 0x00000008u
#define CR0_WP 0x00010000u
#define CR0_PG 0x80000000u
#define CR4_TSD 0x00000004u
#define CR4_DE  0x00000008u
#define CR4_PSE 0x00000010u
#define CR4_OSFXSR     0x00000200u
#define CR4_OSXMMEXCPT 0x00000400u

/* The paging state a walk needs: what CR0, CR3 and CR4 hold. */
struct paging {
    uint32_t cr0, cr3, cr4;
};

enum walk_flags {
    WALK_WRITE = 1,   /* a write access */
    WALK_USER = 2,    /* a CPL 3 access (ring 1 and 2 are supervisor) */
    WALK_SET_AD = 4,  /* set accessed/dirty bits as the hardware would */
};

struct walk {
    uint32_t pa;            /* physical address (valid when the walk succeeded) */
    uint32_t pde, pte;      /* entries as read (pte = pde for a 4 MiB page) */
    uint32_t pde_pa, pte_pa;
    int large;              /* translated by a 4 MiB page */
    uint32_t pf_error;      /* #PF error code when the walk failed */
    int bus_error;          /* a table lies outside emulated RAM */
};

/* Translate linear address la; 0 on success, -1 on a page fault (w->pf_error) or bus error. */
int walk(const struct phys *p, const struct paging *pg, uint32_t la, int flags, struct walk *w);

/* Copy between a linear range and a host buffer, page by page, as a supervisor access. */
int walk_read(const struct phys *p, const struct paging *pg, uint32_t la, void *buf, uint32_t len,
              int flags, uint32_t *fault_la, struct walk *w);
int walk_write(const struct phys *p, const struct paging *pg, uint32_t la, const void *buf,
               uint32_t len, int flags, uint32_t *fault_la, struct walk *w);
#endif
