/* shadow.c - shadow page tables by Linux 4.4's rules (non-PAE): demand paging, stack pinning,
 * the Switcher's mapping, the cache of four shadow directories and the page-table hypercalls. */
#include "mmu/shadow.h"
#include "mmu/walk.h"
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define PAGE_TABLE_FLAGS 0x067u   /* _PAGE_TABLE: P|RW|US|A|D */
#define FLAGS_MASK       0xFFFu
#define FRAME_MASK       0xFFFFF000u
#define PTRS_PER_PGD     1024u
#define PAGE             0x1000u
/* The Guest sees the Switcher through supervisor-only entries: its text read-only (4.4's
 * PAGE_KERNEL_RX), its own regs page writable, the shared state page (IDT, GDT, TSS)
 * read-only.  4.4 drops the global bit from the per-CPU pair; lgsim never sets it. */
#define SWITCHER_TEXT_FLAGS  (PTE_P | PTE_A | PTE_D)
#define SWITCHER_REGS_FLAGS  (PTE_P | PTE_RW | PTE_A | PTE_D)
#define SWITCHER_STATE_FLAGS (PTE_P | PTE_A | PTE_D)
#define RNG_SEED 0x6C677331u      /* "lgs1"; any non-zero value would do */

/* Record why the Guest must die (4.4's kill_guest() text); always returns -1. */
static int fail(char *why, size_t whylen, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, whylen, fmt, ap);
    va_end(ap);
    return -1;
}

/* --- the pool of host pages that shadow tables are made of --- */

static uint32_t alloc_page(struct shadow *s) {
    uint32_t pa;
    if (s->free_list) {
        pa = s->free_list;
        phys_read32(s->phys, pa, &s->free_list);
    } else if (s->pool_next < s->pool_end) {
        pa = s->pool_next;
        s->pool_next += PAGE;
    } else {
        return 0;
    }
    memset(phys_ptr(s->phys, pa, PAGE), 0, PAGE);
    s->pages_in_use++;
    return pa;
}

static void free_page(struct shadow *s, uint32_t pa) {
    phys_write32(s->phys, pa, s->free_list);
    s->free_list = pa;
    s->pages_in_use--;
}

/* Host-side access to a shadow entry (always inside host RAM). */
static uint32_t entry_get(struct shadow *s, uint32_t pa) {
    uint32_t v = 0;
    phys_read32(s->phys, pa, &v);
    return v;
}

static void entry_set(struct shadow *s, uint32_t pa, uint32_t v) {
    phys_write32(s->phys, pa, v);
}

/* With CR0.WP set (build.c start_host_cpu()) the CPU stores into a frame only through an
 * entry that maps it present and writable: such a frame counts as changed (phys.h) from the
 * moment the entry is made; shadow_mark_writable() carries the ones still mapped over into the
 * next interval. */
static void mark_if_writable(struct shadow *s, uint32_t v) {
    if ((v & (PTE_P | PTE_RW)) == (PTE_P | PTE_RW))
        phys_mark(s->phys, v & FRAME_MASK, PAGE);
}

/* A shadow PTE for a Guest address: written, and reported to whoever watches. */
static void pte_set(struct shadow *s, unsigned slot, uint32_t vaddr, uint32_t pa, uint32_t v,
                    int cause) {
    entry_set(s, pa, v);
    mark_if_writable(s, v);
    if (s->pte_written) s->pte_written(s->ctx, slot, vaddr, v, cause);
}

/* --- the Guest's memory, bounds-checked like lgread()/lgwrite() --- */

uint8_t *shadow_guest_ptr(struct shadow *s, uint32_t gpa, uint32_t len) {
    if ((uint64_t)gpa + len > (uint64_t)s->pfn_limit << 12)
        return NULL;
    return phys_ptr(s->phys, s->guest_base + gpa, len);
}

static int guest_read32(struct shadow *s, uint32_t gpa, uint32_t *v) {
    uint8_t *p = shadow_guest_ptr(s, gpa, 4);
    if (!p) return -1;
    *v = le32(p);
    return 0;
}

/* --- finding shadow entries --- */

static uint32_t spgd_addr(struct shadow *s, unsigned slot, uint32_t vaddr) {
    return s->pgdirs[slot].pgdir + (vaddr >> 22) * 4;
}

/*
 * find_spte(): the host-physical address of the shadow PTE for vaddr in one slot.  A missing
 * PTE page is allocated only when asked, and its PGD entry takes pgd_flags (4.4 copies the
 * Guest's PGD flags).  0 when absent, or when the pool is empty.
 */
static uint32_t find_spte(struct shadow *s, unsigned slot, uint32_t vaddr, int allocate,
                          uint32_t pgd_flags) {
    uint32_t spgd_pa = spgd_addr(s, slot, vaddr), spgd = entry_get(s, spgd_pa);
    if (!(spgd & PTE_P)) {
        uint32_t page = allocate ? alloc_page(s) : 0;
        if (!page) return 0;
        spgd = page | (pgd_flags & FLAGS_MASK);
        entry_set(s, spgd_pa, spgd);
    }
    return (spgd & FRAME_MASK) + ((vaddr >> 12) & 0x3FF) * 4;
}

/* A shadow PTE for a checked Guest PTE: the host frame behind the Guest's page, the Guest's
 * flags minus Global (4.4 told the Guest it has PGE only to learn which flushes are kernel
 * ones; the shadow never uses it). */
static uint32_t gpte_to_spte(struct shadow *s, uint32_t gpte) {
    return (s->guest_base + (gpte & FRAME_MASK)) | (gpte & FLAGS_MASK & ~PTE_G);
}

/* A page between the end of RAM and device_limit is the launcher's device window. */
static int gpte_in_iomem(struct shadow *s, uint32_t gpte) {
    uint32_t pfn = gpte >> 12;
    return !(gpte & PTE_PS) && pfn >= s->pfn_limit && pfn < s->device_limit;
}

/* check_gpte(): no 4 MiB pages, and nothing beyond guest RAM (e.g. the launcher itself). */
static int bad_gpte(struct shadow *s, uint32_t gpte) {
    return (gpte & PTE_PS) || (gpte >> 12) >= s->pfn_limit;
}

/* check_gpgd(): only _PAGE_TABLE's flags, and the PTE page must be guest RAM. */
static int bad_gpgd(struct shadow *s, uint32_t gpgd) {
    return (gpgd & FLAGS_MASK & ~PAGE_TABLE_FLAGS) || (gpgd >> 12) >= s->pfn_limit;
}

/* --- (i) the page-fault round trip: demand_page() --- */

/* The Guest's PGD entry for vaddr; linear mode fakes one (_PAGE_TABLE, frame 0).
 * DEMAND_FIXED here means "usable, go on"; anything else is demand_page's answer. */
static enum demand_result read_gpgd(struct shadow *s, uint32_t vaddr, uint32_t *gpgd,
                                    char *why, size_t whylen) {
    if (s->linear) {
        *gpgd = PAGE_TABLE_FLAGS;
        return DEMAND_FIXED;
    }
    uint32_t at = s->pgdirs[s->cur].gpgdir + (vaddr >> 22) * 4;
    if (guest_read32(s, at, gpgd)) {
        fail(why, whylen, "bad read address %#x len 4", at);
        return DEMAND_KILL;
    }
    if (!(*gpgd & PTE_P))
        return DEMAND_REFLECT;
    if (bad_gpgd(s, *gpgd)) {
        s->bad_entry = *gpgd;
        fail(why, whylen, "bad page directory entry");
        return DEMAND_KILL;
    }
    return DEMAND_FIXED;
}

/* The Guest's PTE for vaddr (its PTE page is guest RAM: read_gpgd checked); linear mode maps
 * every page to itself, writable. */
static uint32_t read_gpte(struct shadow *s, uint32_t vaddr, uint32_t gpte_gpa) {
    uint32_t gpte = 0;
    if (s->linear)
        return (vaddr & FRAME_MASK) | PTE_RW | PTE_P;
    guest_read32(s, gpte_gpa, &gpte);
    return gpte;
}

/* @tour Host 70: demand_page()
 * The Host walks the Guest's own page tables for the faulting address.  Not present, or not
 * allowed (a write to a read-only page, user access to a kernel page): the Guest must see the
 * fault.  Present: the Host builds the shadow entry from it, host frame for guest frame, and
 * the Guest never knows; for a read it leaves the page read-only, so the first write faults
 * again and the Host can set Dirty.
 */
/* Linux 4.4 page_tables.c demand_page(), step by step. */
enum demand_result shadow_demand_page(struct shadow *s, uint32_t vaddr, uint32_t errcode,
                                      uint32_t *io_addr, char *why, size_t whylen) {
    int write = (errcode & PF_W) != 0, user = (errcode & PF_U) != 0;
    uint32_t gpgd, gpte, gpte_gpa;
    enum demand_result r;

    *io_addr = 0;
    if (vaddr >= s->switcher_addr)        /* the Switcher is never demand-paged */
        return DEMAND_REFLECT;
    if ((r = read_gpgd(s, vaddr, &gpgd, why, whylen)) != DEMAND_FIXED)
        return r;
    gpte_gpa = (gpgd & FRAME_MASK) + ((vaddr >> 12) & 0x3FF) * 4;
    gpte = read_gpte(s, vaddr, gpte_gpa);
    /* The Guest's own tables forbid it: its page-fault handler must see the fault. */
    if (!(gpte & PTE_P) || (write && !(gpte & PTE_RW)) || (user && !(gpte & PTE_US)))
        return DEMAND_REFLECT;
    if (gpte_in_iomem(s, gpte)) {         /* MMIO: the launcher emulates the instruction */
        *io_addr = (gpte & FRAME_MASK) | (vaddr & 0xFFF);
        return DEMAND_IO;
    }
    if (bad_gpte(s, gpte)) {
        s->bad_entry = gpte;
        fail(why, whylen, "bad page table entry");
        return DEMAND_KILL;
    }
    /* What the CPU would have done to the Guest's PTE: Accessed, and Dirty for a write. */
    gpte |= PTE_A | (write ? PTE_D : 0);
    uint32_t spte = find_spte(s, s->cur, vaddr, 1, gpgd);
    if (!spte) {
        fail(why, whylen, "out of memory allocating pte page");
        return DEMAND_KILL;
    }
    /* The old shadow entry is simply overwritten: 4.4 drops a page reference here, lgsim
     * holds none.  A clean page is mapped read-only even if the Guest allows writes, so the
     * first write faults again and the Host can set Dirty; a page already dirty (now or
     * before) keeps the Guest's RW. */
    pte_set(s, s->cur, vaddr, spte, gpte_to_spte(s, (gpte & PTE_D) ? gpte : gpte & ~PTE_RW),
            SHADOW_BY_DEMAND);
    if (!s->linear) {
        uint8_t *p = shadow_guest_ptr(s, gpte_gpa, 4);
        if (p) put_le32(p, gpte);
    }
    s->n_filled++;
    return DEMAND_FIXED;
}

/* --- (ii) the Guest kernel stack is always mapped: pin_stack_pages() --- */

/* page_writable(): present and writable in the current shadow already? */
static int page_writable(struct shadow *s, uint32_t vaddr) {
    if (vaddr >= s->switcher_addr)
        return 0;
    uint32_t spte = find_spte(s, s->cur, vaddr, 0, 0);
    return spte && (entry_get(s, spte) & (PTE_P | PTE_RW)) == (PTE_P | PTE_RW);
}

/* pin_page(): else fault it in as a write.  A reason demand_page gave wins, because 4.4's
 * kill_guest() keeps the first reason it is given. */
static int pin_page(struct shadow *s, uint32_t vaddr, char *why, size_t whylen) {
    uint32_t io;
    if (page_writable(s, vaddr))
        return 0;
    switch (shadow_demand_page(s, vaddr, PF_W, &io, why, whylen)) {
    case DEMAND_FIXED: return 0;
    case DEMAND_KILL:  return -1;
    default:           return fail(why, whylen, "bad stack page %#x", vaddr);
    }
}

/* The CPU pushes a direct trap's frame (int $0x80) straight onto esp1, with no Host in
 * between to fix a fault, so those pages must already be in the shadow.  The stack grows
 * down from esp1: page i holds esp1 - 1 - i * 4096. */
int shadow_pin_stack(struct shadow *s, char *why, size_t whylen) {
    for (uint32_t i = 0; i < s->stack_pages; i++)
        if (pin_page(s, s->esp1 - 1 - i * PAGE, why, whylen))
            return -1;
    return 0;
}

int shadow_set_stack(struct shadow *s, uint32_t esp1, uint32_t pages, char *why,
                     size_t whylen) {
    s->esp1 = esp1;
    s->stack_pages = pages;
    return shadow_pin_stack(s, why, whylen);
}

/* --- the Switcher in every shadow --- */

/* allocate_switcher_mapping(): the Switcher's PTE page (PGD entry 1023, _PAGE_TABLE) and its
 * text page.  4.4 does this in the current slot only; SET_PGD calls it for the slot it
 * changed (see shadow_set_pgd). */
static int allocate_switcher_mapping(struct shadow *s, unsigned slot) {
    for (uint32_t i = 0; i < SHADOW_SWITCHER_PAGES; i++) {
        uint32_t pte = find_spte(s, slot, s->switcher_addr + i * PAGE, 1, PAGE_TABLE_FLAGS);
        if (!pte) return -1;
        if (i == 0 && !(entry_get(s, pte) & PTE_P))
            entry_set(s, pte, s->sw_text | SWITCHER_TEXT_FLAGS);
    }
    s->pgdirs[slot].switcher_mapped = 1;
    return 0;
}

/* The per-CPU pair lives right after the text page; lgsim has one host CPU, so "remove the
 * other CPUs' pairs" is clearing these two entries. */
static void remove_switcher_percpu_map(struct shadow *s, uint32_t text_pte) {
    entry_set(s, text_pte + 4, 0);
    entry_set(s, text_pte + 8, 0);
}

void shadow_map_switcher_in_guest(struct shadow *s) {
    struct shadow_pgdir *p = &s->pgdirs[s->cur];
    if (p->last_host_cpu == SHADOW_HOST_CPU)
        return;                           /* still in place since the last run */
    uint32_t text_pte = find_spte(s, s->cur, s->switcher_addr, 0, 0);
    if (!text_pte)
        return;                           /* cannot happen: the current slot is mapped */
    remove_switcher_percpu_map(s, text_pte);
    /* The Switcher saves Guest registers into the page after its text; making that the
     * Guest's own regs page means the Host never copies registers. */
    entry_set(s, text_pte + 4, s->sw_regs | SWITCHER_REGS_FLAGS);
    entry_set(s, text_pte + 8, s->sw_state | SWITCHER_STATE_FLAGS);
    p->last_host_cpu = SHADOW_HOST_CPU;
}

/* --- throwing shadows away --- */

/* release_pgd(): free the PTE page under one shadow PGD entry, and clear the entry. */
static void release_pgd(struct shadow *s, uint32_t spgd_pa) {
    uint32_t spgd = entry_get(s, spgd_pa);
    if (spgd & PTE_P) {
        free_page(s, spgd & FRAME_MASK);
        entry_set(s, spgd_pa, 0);
    }
}

/* flush_user_mappings(): every PGD entry below kernel_address. */
static void flush_user_mappings(struct shadow *s, unsigned slot) {
    for (uint32_t i = 0; i < (s->kernel_address >> 22); i++)
        release_pgd(s, s->pgdirs[slot].pgdir + i * 4);
}

/* release_all_pagetables(): every PGD entry of every slot, the Switcher's included; the
 * directory pages themselves stay with their slots. */
static void release_all_pagetables(struct shadow *s) {
    for (unsigned slot = 0; slot < SHADOW_PGDIRS; slot++) {
        struct shadow_pgdir *p = &s->pgdirs[slot];
        if (!p->pgdir) continue;
        for (uint32_t i = 0; i < PTRS_PER_PGD; i++)
            release_pgd(s, p->pgdir + i * 4);
        p->switcher_mapped = 0;
        p->last_host_cpu = -1;
    }
}

/* --- the cache of shadow directories --- */

static void make_current(struct shadow *s, unsigned slot) {
    s->cur = slot;
    s->root = s->pgdirs[slot].pgdir;   /* what run_guest_once hands the Switcher as CR3 */
}

/* find_pgdir(): the slot shadowing this Guest directory, or SHADOW_PGDIRS. */
static unsigned find_pgdir(struct shadow *s, uint32_t gpgdir) {
    unsigned i;
    for (i = 0; i < SHADOW_PGDIRS; i++)
        if (s->pgdirs[i].pgdir && s->pgdirs[i].gpgdir == gpgdir)
            break;
    return i;
}

/*
 * 4.4's new_pgdir() throws out a slot chosen with the kernel's random numbers (prandom_u32()
 * in the page_tables.c we read) rather than the least recently used one.  lgsim must give the
 * same run for the same inputs, so it draws from a xorshift32 generator with a fixed seed:
 * the victims look just as arbitrary, but the same Guest evicts the same slots every run.
 */
static unsigned pick_victim(struct shadow *s) {
    uint32_t x = s->rng;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    s->rng = x;
    return (unsigned)(((uint64_t)x * SHADOW_PGDIRS) >> 32);   /* the top bits: the best mixed */
}

/* new_pgdir(): reuse or fill a slot for gpgdir; *blank says it has no kernel mappings yet. */
static unsigned new_pgdir(struct shadow *s, uint32_t gpgdir, int *blank) {
    unsigned next = pick_victim(s);
    struct shadow_pgdir *p = &s->pgdirs[next];
    if (!p->pgdir) {
        p->pgdir = alloc_page(s);
        if (p->pgdir) *blank = 1;
        else next = s->cur;      /* out of pages: 4.4 keeps using the current slot */
    }
    p = &s->pgdirs[next];
    p->gpgdir = gpgdir;
    flush_user_mappings(s, next);   /* another process's user half: gone */
    p->last_host_cpu = -1;          /* has not run anywhere yet */
    return next;
}

/* The Switcher must be in the current slot before the Guest can run again. */
static int ensure_switcher(struct shadow *s, int dead, char *why, size_t whylen) {
    if (!s->pgdirs[s->cur].switcher_mapped && allocate_switcher_mapping(s, s->cur) && !dead)
        return fail(why, whylen, "Cannot populate switcher mapping");
    return dead;
}

/* LHCALL_NEW_PGTABLE: the Guest loaded CR3 (a context switch). */
int shadow_new_pgtable(struct shadow *s, uint32_t gpgdir, char *why, size_t whylen) {
    unsigned slot;
    int blank = 0, dead = 0;
    if (s->linear) {
        /* The first real page table: the identity-map shadows were make-believe. */
        release_all_pagetables(s);
        s->linear = 0;
        slot = SHADOW_PGDIRS;
    } else {
        slot = find_pgdir(s, gpgdir);
    }
    if (slot == SHADOW_PGDIRS)
        slot = new_pgdir(s, gpgdir, &blank);
    make_current(s, slot);
    if (blank)
        dead = shadow_pin_stack(s, why, whylen);
    return ensure_switcher(s, dead, why, whylen);
}

/* LHCALL_FLUSH_TLB(0): the user half of the current address space changed. */
void shadow_flush_user(struct shadow *s) {
    flush_user_mappings(s, s->cur);
}

/* guest_pagetable_clear_all(): FLUSH_TLB(!=0), a kernel mapping changed, and LGUEST_INIT.
 * Kernel mappings are in every slot, so every slot loses everything. */
int shadow_clear_all(struct shadow *s, char *why, size_t whylen) {
    release_all_pagetables(s);
    int dead = shadow_pin_stack(s, why, whylen);
    return ensure_switcher(s, dead, why, whylen);
}

/* One slot's part of SET_PTE; nothing to do when the slot has no PTE page for vaddr. */
static int set_pte_in_slot(struct shadow *s, unsigned slot, uint32_t vaddr, uint32_t gpte,
                           char *why, size_t whylen) {
    uint32_t spte = find_spte(s, slot, vaddr, 0, 0);
    if (!spte)
        return 0;
    if (!(gpte & (PTE_A | PTE_D)) || gpte_in_iomem(s, gpte)) {
        pte_set(s, slot, vaddr, spte, 0, SHADOW_BY_SET_PTE);   /* demand_page builds it later */
        return 0;
    }
    if (bad_gpte(s, gpte)) {
        /* 4.4 leaves the released entry's old value here; lgsim clears it, so a dead
         * Guest's shadow never maps what the Guest just took away. */
        pte_set(s, slot, vaddr, spte, 0, SHADOW_BY_SET_PTE);
        s->bad_entry = gpte;
        return fail(why, whylen, "bad page table entry");
    }
    /* Linux sets Accessed (and Dirty for a write) itself, so the entry can go in now.  As in
     * 4.4's gpte_to_spte(), the Guest's own flags are used as they are: an accessed but clean
     * writable page is mapped writable here (unlike demand_page), so its Dirty bit is never
     * set by the Host. */
    pte_set(s, slot, vaddr, spte, gpte_to_spte(s, gpte), SHADOW_BY_SET_PTE);
    return 0;
}

/* LHCALL_SET_PTE: the Guest changed the PTE for vaddr in directory gpgdir. */
/* @tour Host 130: SET_PTE
 * 4.4's guest_set_pte(): if the shadow has a page table for the address, its entry is
 * dropped or, when the new PTE is already Accessed, installed at once.  Ours has none (no
 * page of that 4 MiB was ever shadowed, and the SET_PGD just before would have dropped it),
 * so SET_PTE changes nothing here.
 */
int shadow_set_pte(struct shadow *s, uint32_t gpgdir, uint32_t vaddr, uint32_t gpte,
                   char *why, size_t whylen) {
    if (vaddr >= s->switcher_addr)
        return fail(why, whylen, "attempt to set pte into Switcher pages");
    if (vaddr >= s->kernel_address) {
        /* Kernel mappings are shared by every address space: change every slot. */
        for (unsigned slot = 0; slot < SHADOW_PGDIRS; slot++)
            if (s->pgdirs[slot].pgdir && set_pte_in_slot(s, slot, vaddr, gpte, why, whylen))
                return -1;
        return 0;
    }
    unsigned slot = find_pgdir(s, gpgdir);
    if (slot == SHADOW_PGDIRS)
        return 0;                           /* not shadowed: nothing is stale */
    return set_pte_in_slot(s, slot, vaddr, gpte, why, whylen);
}

/* LHCALL_SET_PGD: the Guest changed PGD entry 'index' of directory gpgdir. */
int shadow_set_pgd(struct shadow *s, uint32_t gpgdir, uint32_t index, char *why,
                   size_t whylen) {
    /* 4.4's guest_set_pgd() checks "index > PTRS_PER_PGD", so 1024 itself passes. */
    if (index > PTRS_PER_PGD)
        return fail(why, whylen, "Attempt to set pgd %u/%u", index, PTRS_PER_PGD);
    unsigned slot = find_pgdir(s, gpgdir);
    if (slot == SHADOW_PGDIRS)
        return 0;
    /* Index 1024 would make 4.4 release the word just past the directory page; lgsim has no
     * entry there, so it releases nothing and only does the rest. */
    if (index < PTRS_PER_PGD)
        release_pgd(s, s->pgdirs[slot].pgdir + index * 4);
    /* Index 1023 is the Switcher's own PTE page: put it back.  4.4 remaps in the current
     * slot, which would leave a non-current slot without its Switcher (and its next
     * map_switcher_in_guest without a PTE page); lgsim remaps the slot it just changed. */
    if (allocate_switcher_mapping(s, slot))
        return fail(why, whylen, "Cannot populate switcher mapping");
    s->pgdirs[slot].last_host_cpu = -1;    /* the regs/state pair goes back before the run */
    return 0;
}

/* --- set-up --- */

int shadow_init(struct shadow *s, struct phys *phys, uint32_t pool, uint32_t pool_end,
                uint32_t guest_base, uint32_t mem_bytes, uint32_t device_limit,
                uint32_t switcher_addr) {
    memset(s, 0, sizeof(*s));
    s->phys = phys;
    s->pool_next = pool;
    s->pool_end = pool_end;
    s->guest_base = guest_base;
    s->pfn_limit = mem_bytes >> 12;
    s->device_limit = device_limit;
    s->switcher_addr = switcher_addr;
    s->rng = RNG_SEED;
    for (unsigned i = 0; i < SHADOW_PGDIRS; i++)
        s->pgdirs[i].last_host_cpu = -1;
    return 0;
}

/* init_guest_pagetable(): run in linear mode until the Guest's first NEW_PGTABLE. */
int shadow_init_guest(struct shadow *s, char *why, size_t whylen) {
    int blank = 0;
    unsigned slot = new_pgdir(s, 0, &blank);
    if (!blank)
        return fail(why, whylen, "out of shadow page-table memory");
    make_current(s, slot);
    s->linear = 1;
    if (allocate_switcher_mapping(s, slot))
        return fail(why, whylen, "Cannot populate switcher mapping");
    return 0;
}

/* --- what the CPU may store into --- */

/* Every frame a present, writable entry of any slot maps (the Switcher's regs page too). */
void shadow_mark_writable(struct shadow *s) {
    for (unsigned slot = 0; slot < SHADOW_PGDIRS; slot++) {
        if (!s->pgdirs[slot].pgdir) continue;
        const uint8_t *pgd = phys_ptr_quiet(s->phys, s->pgdirs[slot].pgdir, PAGE);
        for (uint32_t i = 0; pgd && i < PTRS_PER_PGD; i++) {
            uint32_t spgd = le32(pgd + i * 4);
            if (!(spgd & PTE_P)) continue;
            const uint8_t *pt = phys_ptr_quiet(s->phys, spgd & FRAME_MASK, PAGE);
            for (uint32_t j = 0; pt && j < 1024; j++)
                mark_if_writable(s, le32(pt + j * 4));
        }
    }
}

/* --- the Guest's own view --- */

int shadow_guest_pa(struct shadow *s, uint32_t vaddr, uint32_t *gpa) {
    uint32_t gpgd, gpte;
    if (s->linear) {
        *gpa = vaddr;
        return 0;
    }
    if (guest_read32(s, s->pgdirs[s->cur].gpgdir + (vaddr >> 22) * 4, &gpgd) ||
        !(gpgd & PTE_P) ||
        guest_read32(s, (gpgd & FRAME_MASK) + ((vaddr >> 12) & 0x3FF) * 4, &gpte) ||
        !(gpte & PTE_P))
        return -1;
    *gpa = (gpte & FRAME_MASK) | (vaddr & 0xFFF);
    return 0;
}
