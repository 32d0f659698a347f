/* lguest.c - talking to the Host: lguest_data, the virtual interrupt flag, one wrapper per call. */
#include "kernel.h"

extern char lguest_noirq_iret[];

#define FREE8 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF

/* Filled in before the first instruction runs: the Host reads it at LHCALL_LGUEST_INIT. */
volatile struct lguest_data lguest_data = {
    .irq_enabled = 0,              /* the kernel starts with interrupts (virtually) off */
    .blocked_interrupts = 1,       /* IRQ 0, the timer, stays masked until we unmask it */
    .hcall_status = { FREE8, FREE8, FREE8, FREE8, FREE8, FREE8, FREE8, FREE8 },
    .noirq_iret = (uint32_t)lguest_noirq_iret,
    .kernel_address = PAGE_OFFSET,
    .syscall_vec = SYSCALL_VECTOR,
};

/*
 * The virtual interrupt flag.  cli and sti would #GP in ring 1, and the real IF stays on, so
 * "interrupts off" is a plain store the Host reads before it delivers anything.  If it had an
 * interrupt for us meanwhile it set irq_pending: after enabling, ask it to deliver now.
 */
void irq_disable(void) { lguest_data.irq_enabled = 0; }

void irq_enable(void) {
    lguest_data.irq_enabled = X86_EFLAGS_IF;
    if (lguest_data.irq_pending)
        hcall(LHCALL_SEND_INTERRUPTS, 0, 0, 0);
}

/* A flat 4 GiB code or data segment.  Linux asks for DPL 0 for its kernel segments; the Host
 * quietly makes that DPL 1, since the kernel runs in ring 1.  User segments keep DPL 3. */
static void load_flat_segment(uint32_t index, int code, int dpl) {
    uint32_t type = code ? 0xA : 0x2;   /* execute/read or read/write */
    uint32_t hi = 0x00CF0000 | 0x8000 /* present */ | (uint32_t)dpl << 13 | 0x1000 | type << 8;
    hcall(LHCALL_LOAD_GDT_ENTRY, index, 0x0000FFFF, hi);
}

void load_gdt(void) {
    load_flat_segment(KERNEL_CS >> 3, 1, 0);
    load_flat_segment(KERNEL_DS >> 3, 0, 0);
    load_flat_segment(USER_CS >> 3, 1, 3);
    load_flat_segment(USER_DS >> 3, 0, 3);
}

/* An IDT gate, sent as the two halves of the 8-byte descriptor.  An interrupt gate (type 0xE)
 * makes the Host clear irq_enabled on entry; a trap gate (0xF) leaves it alone.  DPL 3 lets
 * ring 3 reach the gate with "int". */
void set_idt_gate(uint32_t vector, void (*handler)(void), int trap_gate, int dpl) {
    uint32_t h = (uint32_t)handler;
    uint32_t type = trap_gate ? 0xF : 0xE;
    hcall(LHCALL_LOAD_IDT_ENTRY, vector, (uint32_t)KERNEL_CS << 16 | (h & 0xFFFF),
          (h & 0xFFFF0000) | 0x8000 | (uint32_t)dpl << 13 | type << 8);
}

/* Where the CPU (for int $0x80) and the Host (for everything else) push a frame when a trap
 * comes from ring 3: the top of the running process's kernel stack. */
void set_stack(uint32_t esp) { hcall(LHCALL_SET_STACK, KERNEL_DS, esp, KSTACK_SIZE / PAGE_SIZE); }

/* Our "write CR3": run on the page directory at this physical address. */
void new_pgtable(uint32_t pgdir_pa) { hcall(LHCALL_NEW_PGTABLE, pgdir_pa, 0, 0); }

/* @tour Guest 60: The hypercall
 * set_pte() is LHCALL_SET_PTE(page directory, address, new PTE): the hypercall of our trip.
 */
/* After changing a PTE in memory, tell the Host, which may have a shadow copy of the old one. */
void set_pte(uint32_t pgdir_pa, uint32_t vaddr, uint32_t pte) {
    hcall(LHCALL_SET_PTE, pgdir_pa, vaddr, pte);
}

/* The same for a page-directory entry. */
void set_pgd(uint32_t pgdir_pa, uint32_t index) { hcall(LHCALL_SET_PGD, pgdir_pa, index, 0); }

/* One-shot timer: IRQ 0 in delta_ns nanoseconds of (virtual) time. */
void set_clockevent(uint32_t delta_ns) { hcall(LHCALL_SET_CLOCKEVENT, delta_ns, 0, 0); }

/* Sleep until an interrupt.  Called with interrupts off, so none can slip in between our
 * decision to sleep and the sleep itself; the Host turns them on when it wakes us. */
void halt(void) { hcall(LHCALL_HALT, 0, 0, 0); }

static void shutdown(const char *msg) __attribute__((noreturn));
static void shutdown(const char *msg) {
    hcall(LHCALL_SHUTDOWN, __pa(msg), LGUEST_SHUTDOWN_POWEROFF, 0);
    for (;;) ;   /* the Host never runs us again */
}

/* "Power down" is the message Linux sends; lgsim exits 0 for it. */
void power_off(void) { shutdown("Power down"); }

void panic(const char *why) {
    printk("kernel panic: %s\n", why);
    shutdown(why);
}
