/* kernel.h - the teaching guest's memory layout, trap frame and the functions files share. */
#ifndef GUEST_KERNEL_H
#define GUEST_KERNEL_H
#include "lguest.h"

/* Virtual memory, as on 32-bit Linux: the kernel lives at PAGE_OFFSET + physical address. */
#define PAGE_SIZE        4096
#define PAGE_MASK        0xFFFFF000
#define PAGE_OFFSET      0xC0000000
#define KERNEL_MAP_SIZE  0x01000000   /* the first 16 MiB of RAM are mapped and used */
#define BOOT_PT_COUNT    (KERNEL_MAP_SIZE >> 22)   /* page tables for that: 4 MiB each */
#define KSTACK_SIZE      8192          /* per-process kernel stack: two pages */

/* User address space: programs at 0x08048000, a heap, and a stack growing down from 3 GiB. */
#define USER_TEXT        0x08048000
#define USER_HEAP        0x10000000
#define USER_HEAP_END    0x10100000
#define USER_STACK_TOP   0xC0000000
#define USER_STACK_END   0xBFF00000   /* the lowest address the stack may grow to */

/* Page-table entry bits (non-PAE, 4 KiB pages). */
#define PTE_P   0x001   /* present */
#define PTE_RW  0x002   /* writable */
#define PTE_US  0x004   /* user (ring 3) may use it */
#define PTE_A   0x020   /* accessed */
#define PTE_D   0x040   /* dirty */
#define PDE_KERNEL (PTE_P | PTE_RW | PTE_A)            /* directory entry, kernel only */
#define PDE_USER   (PTE_P | PTE_RW | PTE_US | PTE_A)   /* directory entry, user pages below */

#ifndef __ASSEMBLER__
#include <stdint.h>

#define __pa(v) ((uint32_t)(v) - PAGE_OFFSET)        /* kernel virtual -> physical */
#define __va(p) ((void *)((uint32_t)(p) + PAGE_OFFSET))

/* What head.S saves on every trap, interrupt and system call, lowest address first. */
struct trap_frame {
    uint32_t edi, esi, ebp, esp_unused, ebx, edx, ecx, eax;   /* pushal */
    uint32_t es, ds;
    uint32_t vector, error;        /* pushed by the stub, or the error code by the CPU/Host */
    uint32_t eip, cs, eflags;      /* the iret frame */
    uint32_t user_esp, user_ss;    /* only when the trap came from ring 3 */
};
static inline int from_user(const struct trap_frame *f) { return (f->cs & 3) == 3; }

/* head.S */
void enter_frame(struct trap_frame *f) __attribute__((noreturn));
extern uint32_t swapper_pg_dir[1024];

/* lguest.c: thin wrappers, one per hypercall, and the virtual interrupt flag. */
void irq_disable(void);
void irq_enable(void);
void load_gdt(void);
void set_idt_gate(uint32_t vector, void (*handler)(void), int trap_gate, int dpl);
void set_stack(uint32_t esp);
void new_pgtable(uint32_t pgdir_pa);
void set_pte(uint32_t pgdir_pa, uint32_t vaddr, uint32_t pte);
void set_pgd(uint32_t pgdir_pa, uint32_t index);
void set_clockevent(uint32_t delta_ns);
void halt(void);
void power_off(void) __attribute__((noreturn));
void panic(const char *why) __attribute__((noreturn));

/* console.c */
int console_init(void);
void console_write(const char *s, uint32_t len);
void printk(const char *fmt, ...);

/* mm.c */
void mm_init(uint32_t ram_bytes);
void *alloc_pages(uint32_t n);
uint32_t *pgdir_new(void);
void map_page(uint32_t *pgdir, uint32_t vaddr, uint32_t pa, uint32_t flags);
void do_page_fault(struct trap_frame *f);

/* trap.c */
void trap_init(void);

/* proc.c */
struct proc {
    int pid;
    const char *name;
    enum { UNUSED, RUNNABLE, SLEEPING, WAITING, EXITED } state;
    uint32_t *pgdir;             /* its page directory (kernel virtual address) */
    uint8_t *kstack;             /* its kernel stack, KSTACK_SIZE bytes */
    struct trap_frame *frame;    /* its ring-3 registers, always at the top of kstack */
    uint32_t wake_tick;          /* SLEEPING: until this tick */
    int waiting_for;             /* WAITING: until this pid has exited */
};
extern struct proc *current;
void proc_create(const char *name, void (*entry)(void));
void sched_start(void) __attribute__((noreturn));
struct trap_frame *schedule(struct trap_frame *f);
int need_resched(void);
void timer_interrupt(void);
void proc_yield(void);
void proc_sleep(uint32_t ticks);
int proc_wait(int pid);
uint32_t proc_ticks(void);
void proc_exit(int code);
#endif
#endif
