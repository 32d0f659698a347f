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
 * (Linux 4.4 drivers/lguest/page_tables.c).  Until the Guest's first LHCALL_NEW_PGTABLE the
 * Host pretends the Guest has an identity map ("linear mode").
 */
struct shadow {
    struct phys *phys;
    uint32_t pool_next, pool_end;   /* host-physical pages for shadow tables */
    uint32_t free_list;             /* freed pages, linked through their first word */
    uint32_t root;                  /* host-physical address of the current shadow directory */
    uint32_t gpgdir;                /* guest-physical address of the Guest's directory */
    int linear;
    uint32_t guest_base;            /* host-physical address of guest-physical 0 */
    uint32_t pfn_limit;             /* first guest page number that is not RAM */
    uint32_t device_limit;          /* end of the I/O window, in pages */
    uint32_t switcher_addr;
    uint32_t sw_text, sw_regs, sw_state;   /* host-physical Switcher pages for the Guest */
    uint64_t n_filled;
};

enum demand_result {
    DEMAND_FIXED,     /* shadow entry built: the Guest retries without ever seeing the fault */
    DEMAND_REFLECT,   /* a real fault: the Guest's own handler must see it */
    DEMAND_IO,        /* the Guest touched its device window: the launcher emulates it */
    DEMAND_KILL,      /* the Guest broke the rules; *why says how */
};

int shadow_init(struct shadow *s, struct phys *phys, uint32_t pool, uint32_t pool_end,
                uint32_t guest_base, uint32_t mem_bytes, uint32_t device_limit,
                uint32_t switcher_addr);
/* Forget every shadow and start again with an empty directory (keeps the Switcher mapped). */
int shadow_reset(struct shadow *s, int linear, uint32_t gpgdir);
/* Map the Switcher's three pages at switcher_addr in the current shadow (ABI §1.4). */
int shadow_map_switcher(struct shadow *s);
enum demand_result shadow_demand_page(struct shadow *s, uint32_t vaddr, uint32_t errcode,
                                      uint32_t *io_addr, char *why, size_t whylen);
/* Guest-virtual to guest-physical through the Guest's own tables (identity in linear mode). */
int shadow_guest_pa(struct shadow *s, uint32_t vaddr, uint32_t *gpa);
/* Host pointer to guest-physical [gpa, gpa+len) if it is all RAM (lguest_address_ok). */
uint8_t *shadow_guest_ptr(struct shadow *s, uint32_t gpa, uint32_t len);
#endif
