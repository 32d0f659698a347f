/* shadow.c - building shadow page tables on demand, by Linux 4.4's rules (non-PAE). */
#include "mmu/shadow.h"
#include "mmu/walk.h"
#include <stdio.h>
#include <string.h>

#define PAGE_TABLE_FLAGS 0x067u   /* _PAGE_TABLE: P|RW|US|A|D */

static uint32_t alloc_page(struct shadow *s) {
    uint32_t pa;
    if (s->free_list) {
        pa = s->free_list;
        phys_read32(s->phys, pa, &s->free_list);
    } else if (s->pool_next < s->pool_end) {
        pa = s->pool_next;
        s->pool_next += 0x1000;
    } else {
        return 0;
    }
    memset(phys_ptr(s->phys, pa, 0x1000), 0, 0x1000);
    return pa;
}

static void free_page(struct shadow *s, uint32_t pa) {
    phys_write32(s->phys, pa, s->free_list);
    s->free_list = pa;
}

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
    return 0;
}

/* Free the page tables under every PGD entry and the directory itself. */
static void release_all(struct shadow *s) {
    if (!s->root) return;
    for (uint32_t i = 0; i < 1024; i++) {
        uint32_t pde;
        phys_read32(s->phys, s->root + i * 4, &pde);
        if (pde & PTE_P) free_page(s, pde & ~0xFFFu);
    }
    free_page(s, s->root);
    s->root = 0;
}

int shadow_reset(struct shadow *s, int linear, uint32_t gpgdir) {
    release_all(s);
    s->root = alloc_page(s);
    s->linear = linear;
    s->gpgdir = gpgdir;
    return s->root ? shadow_map_switcher(s) : -1;
}

/* The shadow PTE page for vaddr, allocated with the given PGD flags if missing. */
static uint32_t shadow_pte_pa(struct shadow *s, uint32_t vaddr, uint32_t pgd_flags) {
    uint32_t pde_pa = s->root + (vaddr >> 22) * 4, pde;
    phys_read32(s->phys, pde_pa, &pde);
    if (!(pde & PTE_P)) {
        uint32_t page = alloc_page(s);
        if (!page) return 0;
        pde = page | (pgd_flags & 0xFFF);
        phys_write32(s->phys, pde_pa, pde);
    }
    return (pde & ~0xFFFu) + ((vaddr >> 12) & 0x3FF) * 4;
}

int shadow_map_switcher(struct shadow *s) {
    uint32_t pt = shadow_pte_pa(s, s->switcher_addr, PAGE_TABLE_FLAGS);
    if (!pt) return -1;
    /* text: read-only, supervisor; the Guest's own regs page: writable; the shared state
     * page: read-only, so the Guest can read but never change its IDT, GDT or TSS. */
    phys_write32(s->phys, pt, s->sw_text | PTE_P | PTE_A | PTE_D);
    phys_write32(s->phys, pt + 4, s->sw_regs | PTE_P | PTE_RW | PTE_A | PTE_D);
    phys_write32(s->phys, pt + 8, s->sw_state | PTE_P | PTE_A | PTE_D);
    return 0;
}

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

/* The Guest's PGD and PTE for vaddr; linear mode fakes both. */
static int guest_entries(struct shadow *s, uint32_t vaddr, uint32_t *gpgd, uint32_t *gpte,
                         uint32_t *gpte_gpa) {
    if (s->linear) {
        *gpgd = PAGE_TABLE_FLAGS;
        *gpte = (vaddr & ~0xFFFu) | PTE_RW | PTE_P;
        *gpte_gpa = 0;
        return 0;
    }
    if (guest_read32(s, s->gpgdir + (vaddr >> 22) * 4, gpgd)) return -1;
    if (!(*gpgd & PTE_P)) { *gpte = 0; return 0; }
    *gpte_gpa = (*gpgd & ~0xFFFu) + ((vaddr >> 12) & 0x3FF) * 4;
    return guest_read32(s, *gpte_gpa, gpte);
}

int shadow_guest_pa(struct shadow *s, uint32_t vaddr, uint32_t *gpa) {
    uint32_t gpgd, gpte, gpte_gpa;
    if (guest_entries(s, vaddr, &gpgd, &gpte, &gpte_gpa) || !(gpgd & PTE_P) || !(gpte & PTE_P))
        return -1;
    *gpa = (gpte & ~0xFFFu) | (vaddr & 0xFFF);
    return 0;
}

static enum demand_result kill(char *why, size_t len, const char *msg, uint32_t val) {
    snprintf(why, len, msg, val);
    return DEMAND_KILL;
}

/* Linux 4.4 demand_page(), step by step (ABI §7.2). */
enum demand_result shadow_demand_page(struct shadow *s, uint32_t vaddr, uint32_t errcode,
                                      uint32_t *io_addr, char *why, size_t whylen) {
    uint32_t gpgd, gpte, gpte_gpa;
    int write = (errcode & PF_W) != 0, user = (errcode & PF_U) != 0;
    if (vaddr >= s->switcher_addr)
        return DEMAND_REFLECT;
    if (guest_entries(s, vaddr, &gpgd, &gpte, &gpte_gpa))
        return kill(why, whylen, "bad page directory at %#x", s->gpgdir);
    if (!(gpgd & PTE_P))
        return DEMAND_REFLECT;
    if ((gpgd & ~PAGE_TABLE_FLAGS & 0xFFF) || (gpgd >> 12) >= s->pfn_limit)
        return kill(why, whylen, "bad page directory entry %#x", gpgd);
    if (!(gpte & PTE_P) || (write && !(gpte & PTE_RW)) || (user && !(gpte & PTE_US)))
        return DEMAND_REFLECT;
    uint32_t pfn = gpte >> 12;
    if (pfn >= s->pfn_limit && pfn < s->device_limit && !(gpte & PTE_PS)) {
        *io_addr = (pfn << 12) | (vaddr & 0xFFF);
        return DEMAND_IO;
    }
    if ((gpte & PTE_PS) || pfn >= s->pfn_limit)
        return kill(why, whylen, "bad page table entry %#x", gpte);
    gpte |= PTE_A | (write ? PTE_D : 0);
    uint32_t spte_pa = shadow_pte_pa(s, vaddr, gpgd);
    if (!spte_pa)
        return kill(why, whylen, "out of shadow page-table memory at %#x", vaddr);
    /* A read fault maps the page read-only even if the Guest allows writes, so the first
     * write faults again and the Host can set the Guest's dirty bit. */
    uint32_t flags = gpte & 0xFFF & ~PTE_G;
    if (!write) flags &= ~PTE_RW;
    phys_write32(s->phys, spte_pa, (s->guest_base + (pfn << 12)) | flags);
    if (!s->linear) {
        uint8_t *p = shadow_guest_ptr(s, gpte_gpa, 4);
        if (p) put_le32(p, gpte);
    }
    s->n_filled++;
    return DEMAND_FIXED;
}
