/* shadow.h - lguest's shadow page tables: what the CPU really walks while the Guest runs. */
#ifndef LGSIM_SHADOW_H
#define LGSIM_SHADOW_H
#include <stddef.h>
#include <stdint.h>
#include "mmu/phys.h"

/*
 * The Guest writes its own page tables in guest-physical memory; the CPU never sees them.
 * The Host builds shadow tables in host memory on demand, translating guest-physical frames to
 * host-physical ones and refusing anything outside guest RAM or at/above the Switcher
 * (Linux 4.4 drivers/lguest/page_tables.c).  Until the Guest's first
 * LHCALL_NEW_PGTABLE the Host pretends the Guest has an identity map ("linear mode").
 *
 * Like 4.4, the Host keeps a small cache of shadow directories, one per Guest directory it has
 * seen recently (a Guest uses one per process), so a context switch back to a known process
 * keeps its shadow.  Kernel mappings (at and above kernel_address) are the same in every
 * process, so they survive a switch; user mappings of a reused slot are thrown away.
 *
 * The rule that makes host-side edits safe: the CPU caches translations, but the Switcher
 * loads CR3 (EBX = root) on every entry to the Guest and Unicorn drops its whole TLB on a CR3
 * write.  Every edit made here between two runs is therefore seen by the next run; nothing in
 * this file edits a shadow while the Guest is running.
 */
#define SHADOW_PGDIRS 4            /* 4.4's lg->pgdirs[] */
#define SHADOW_HOST_CPU 0          /* lgsim's one host CPU, for last_host_cpu */
#define SHADOW_SWITCHER_PAGES 3    /* text, then this CPU's regs page and state page */

struct shadow_pgdir {
    uint32_t gpgdir;               /* guest-physical address of the Guest directory shadowed */
    uint32_t pgdir;                /* host-physical shadow directory page; 0: a blank slot */
    int switcher_mapped;           /* the Switcher text page and its PTE page are in place */
    int last_host_cpu;             /* host CPU whose regs/state pages it maps; -1: unknown */
};

struct shadow {
    struct phys *phys;
    uint32_t pool_next, pool_end;   /* host-physical pages for shadow tables */
    uint32_t free_list;             /* freed pages, linked through their first word */
    uint32_t pages_in_use;          /* pool pages handed out and not yet freed */

    struct shadow_pgdir pgdirs[SHADOW_PGDIRS];
    unsigned cur;                   /* index of the current slot (cpu->cpu_pgd) */
    uint32_t root;                  /* pgdirs[cur].pgdir: the CR3 the Switcher loads */
    int linear;                     /* no NEW_PGTABLE yet: fake an identity map */
    uint32_t rng;                   /* state of the victim picker, see shadow_new_pgtable() */

    uint32_t kernel_address;        /* lguest_data.kernel_address: user/kernel split */
    uint32_t esp1, stack_pages;     /* the Guest kernel stack to keep pinned (SET_STACK) */

    uint32_t guest_base;            /* host-physical address of guest-physical 0 */
    uint32_t pfn_limit;             /* first guest page number that is not RAM */
    uint32_t device_limit;          /* end of the I/O window, in pages */
    uint32_t switcher_addr;
    uint32_t sw_text, sw_regs, sw_state;   /* host-physical Switcher pages for the Guest */
    uint64_t n_filled;
    uint32_t bad_entry;             /* the entry behind the last "bad page ... entry" kill
                                     * (4.4's message names none; lgsim's death report does) */
    /* Told of every shadow PTE written for a Guest address (traces); may be NULL. */
    void (*pte_written)(void *ctx, unsigned slot, uint32_t vaddr, uint32_t spte, int cause);
    void *ctx;
};

enum shadow_cause { SHADOW_BY_DEMAND, SHADOW_BY_SET_PTE };

enum demand_result {
    DEMAND_FIXED,     /* shadow entry built: the Guest retries without ever seeing the fault */
    DEMAND_REFLECT,   /* a real fault: the Guest's own handler must see it */
    DEMAND_IO,        /* the Guest touched its device window: the launcher emulates it */
    DEMAND_KILL,      /* the Guest broke the rules; *why says how */
};

/*
 * Functions that can kill the Guest return 0, or -1 with 4.4's reason in why[whylen].
 */
int shadow_init(struct shadow *s, struct phys *phys, uint32_t pool, uint32_t pool_end,
                uint32_t guest_base, uint32_t mem_bytes, uint32_t device_limit,
                uint32_t switcher_addr);
/* init_guest_pagetable(): a first slot, linear mode, the Switcher's page table allocated. */
int shadow_init_guest(struct shadow *s, char *why, size_t whylen);

/* The page-fault round trip: build the shadow entry for vaddr, or say why not (4.4
 * page_tables.c demand_page()). */
enum demand_result shadow_demand_page(struct shadow *s, uint32_t vaddr, uint32_t errcode,
                                      uint32_t *io_addr, char *why, size_t whylen);

/* SET_STACK's second half: remember the stack and pin it (4.4 interrupts_and_traps.c
 * guest_set_stack(), pin_stack_pages()). */
int shadow_set_stack(struct shadow *s, uint32_t esp1, uint32_t pages, char *why, size_t whylen);
/* pin_stack_pages(): every stack page present and writable in the current shadow. */
int shadow_pin_stack(struct shadow *s, char *why, size_t whylen);

/* The page-table hypercalls (4.4 page_tables.c guest_new_pagetable(), guest_pagetable_clear_all(),
 * guest_pagetable_flush_user(), guest_set_pte(), guest_set_pgd()). */
int shadow_new_pgtable(struct shadow *s, uint32_t gpgdir, char *why, size_t whylen); /* 4 */
void shadow_flush_user(struct shadow *s);                               /* FLUSH_TLB(0) */
int shadow_clear_all(struct shadow *s, char *why, size_t whylen);       /* FLUSH_TLB(!=0) */
int shadow_set_pte(struct shadow *s, uint32_t gpgdir, uint32_t vaddr, uint32_t gpte,
                   char *why, size_t whylen);                            /* 14 */
int shadow_set_pgd(struct shadow *s, uint32_t gpgdir, uint32_t index,
                   char *why, size_t whylen);                            /* 15 */

/* map_switcher_in_guest(): just before each run, this CPU's regs and state pages go into the
 * current slot (only when the slot last ran elsewhere or was disturbed). */
void shadow_map_switcher_in_guest(struct shadow *s);

/* Marks (phys_mark) every frame the shadows map writable now: what the CPU may store into
 * from here on without the Host making another entry. */
void shadow_mark_writable(struct shadow *s);

/* Guest-virtual to guest-physical through the Guest's own tables (identity in linear mode). */
int shadow_guest_pa(struct shadow *s, uint32_t vaddr, uint32_t *gpa);
/* Host pointer to guest-physical [gpa, gpa+len) if it is all RAM (lguest_address_ok). */
uint8_t *shadow_guest_ptr(struct shadow *s, uint32_t gpa, uint32_t len);
#endif
