/* mm.c - memory: a page allocator, page directories, and the demand-zero page-fault handler. */
#include "kernel.h"

extern char _end[];   /* kernel.lds: the end of the kernel image (virtual) */

static uint32_t next_free;    /* physical address of the next free page */
static uint32_t free_limit;   /* end of the memory we may hand out */

/* The boot map covers KERNEL_MAP_SIZE twice (head.S); keep the PAGE_OFFSET half only. */
void mm_init(uint32_t ram_bytes) {
    next_free = (__pa(_end) + PAGE_SIZE - 1) & PAGE_MASK;
    free_limit = ram_bytes < KERNEL_MAP_SIZE ? ram_bytes : KERNEL_MAP_SIZE;
    for (uint32_t i = 0; i < BOOT_PT_COUNT; i++) {
        swapper_pg_dir[i] = 0;                    /* change the entry in memory ... */
        set_pgd(__pa(swapper_pg_dir), i);         /* ... then tell the Host */
    }
    printk("mm: %u MiB mapped at 0x%x; free pages 0x%x-0x%x\n", KERNEL_MAP_SIZE >> 20,
           PAGE_OFFSET, next_free, free_limit);
}

/* n zeroed, physically contiguous pages; never freed (processes are few and short). */
void *alloc_pages(uint32_t n) {
    if (free_limit - next_free < n * PAGE_SIZE)
        panic("out of memory");
    uint32_t *p = __va(next_free);
    next_free += n * PAGE_SIZE;
    for (uint32_t i = 0; i < n * PAGE_SIZE / 4; i++) p[i] = 0;
    return p;
}

/* A new address space: an empty user half and the kernel half shared with swapper_pg_dir.
 * Copying the kernel's entries is a plain memory copy, no hypercall: the Host reads our
 * directory when it needs it, just as the CPU would. */
uint32_t *pgdir_new(void) {
    uint32_t *pgdir = alloc_pages(1);
    for (uint32_t i = PAGE_OFFSET >> 22; i < 1024; i++)
        pgdir[i] = swapper_pg_dir[i];
    return pgdir;
}

/* Map one page at vaddr in pgdir.  Our tables are the truth; but the Host may hold a shadow
 * copy of what was there, so every change is followed by SET_PGD or SET_PTE. */
void map_page(uint32_t *pgdir, uint32_t vaddr, uint32_t pa, uint32_t flags) {
    uint32_t index = vaddr >> 22;
    if (!(pgdir[index] & PTE_P)) {                /* no page table here yet: add one */
        pgdir[index] = __pa(alloc_pages(1)) | PDE_USER;
        set_pgd(__pa(pgdir), index);
    }
    uint32_t *table = __va(pgdir[index] & PAGE_MASK);
    uint32_t *pte = &table[(vaddr >> 12) & 1023];
    *pte = pa | flags;
    set_pte(__pa(pgdir), vaddr, *pte);
}

/* Where a process may touch memory it never asked for: its heap and its stack. */
static int demand_zero_area(uint32_t addr) {
    return (addr >= USER_HEAP && addr < USER_HEAP_END) ||
           (addr >= USER_STACK_END && addr < USER_STACK_TOP);
}

/* @tour Guest 50: do_page_fault()
 * The address comes from lguest_data.cr2, where the Host wrote it.  0x10000000 is in the
 * heap, so the kernel takes a zeroed page and maps it with map_page(): the process has no page
 * table for that 4 MiB yet, so map_page() adds one and tells the Host (LHCALL_SET_PGD), then
 * writes the PTE and tells the Host again (LHCALL_SET_PTE).  The Guest's tables are the truth;
 * the hypercalls only let the Host drop or update its shadow copy.  Then printk() says what
 * happened, through port I/O the Launcher emulates (Drivers 10, Launcher 50).
 */
/*
 * #PF, the Guest half of the round trip.  A process touched a page nobody mapped; the CPU
 * faulted into the Host, the Host found no present entry in our page table for the address,
 * wrote it into lguest_data.cr2 (we have no CR2 of our own), and sent the fault here through
 * our IDT.  We give the process a zeroed page, write the PTE and tell the Host (SET_PTE); the
 * return through lguest_iret re-runs the faulting instruction, which now succeeds.
 * The PTE already has Accessed and Dirty set, as Linux does for a write fault, so the Host
 * installs its shadow entry right at SET_PTE and the retry runs without leaving the Guest.
 * (Unless the Host has no shadow page table for that 4 MiB yet, as for a page table we just
 * added: then the retry faults once more and the Host's demand_page fixes it silently.)
 */
void do_page_fault(struct trap_frame *f) {
    uint32_t addr = lguest_data.cr2;
    int not_present = !(f->error & 1), write = (f->error & 2) != 0;
    if (not_present && current && demand_zero_area(addr)) {
        uint32_t page = __pa(alloc_pages(1));
        map_page(current->pgdir, addr & PAGE_MASK, page, PTE_P | PTE_RW | PTE_US | PTE_A | PTE_D);
        printk("pf: pid %d %s 0x%x at eip 0x%x: zeroed page 0x%x mapped at 0x%x\n",
               current->pid, write ? "wrote" : "read", addr, f->eip, page, addr & PAGE_MASK);
        return;
    }
    if (!from_user(f)) {
        printk("pf: kernel fault at 0x%x, eip 0x%x, error %x\n", addr, f->eip, f->error);
        panic("kernel page fault");
    }
    printk("pf: pid %d: segmentation fault at 0x%x, eip 0x%x\n", current->pid, addr, f->eip);
    proc_exit(-1);
}
