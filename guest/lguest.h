/* lguest.h - the Linux 4.4 lguest ABI as a guest kernel sees it: hypercalls and lguest_data. */
#ifndef GUEST_LGUEST_H
#define GUEST_LGUEST_H

/* A hypercall is "int $0x1f" from ring 1: EAX = call number, EBX, ECX, EDX = arguments. */
#define LGUEST_TRAP_ENTRY       0x1F
#define LHCALL_LGUEST_INIT      1
#define LHCALL_SHUTDOWN         2
#define LHCALL_NEW_PGTABLE      4
#define LHCALL_LOAD_IDT_ENTRY   6
#define LHCALL_SET_STACK        7
#define LHCALL_SET_CLOCKEVENT   9
#define LHCALL_HALT             10
#define LHCALL_SET_PTE          14
#define LHCALL_SET_PGD          15
#define LHCALL_LOAD_GDT_ENTRY   18
#define LHCALL_SEND_INTERRUPTS  19
#define LGUEST_SHUTDOWN_POWEROFF 1

/* Selectors = GDT index * 8 + RPL.  Our kernel runs in ring 1, user processes in ring 3. */
#define KERNEL_CS 0x61   /* entry 12 */
#define KERNEL_DS 0x69   /* entry 13 */
#define USER_CS   0x73   /* entry 14 */
#define USER_DS   0x7B   /* entry 15 */

#define SYSCALL_VECTOR  0x80
#define TIMER_VECTOR    0x20   /* IRQ n arrives on vector 0x20 + n; IRQ 0 is the timer */
#define X86_EFLAGS_IF   0x200
#define LGUEST_DATA_irq_enabled 0   /* offset, for head.S */

#ifndef __ASSEMBLER__
#include <stdint.h>

/*
 * struct lguest_data (Linux 4.4 include/linux/lguest.h): the page the Guest and the Host share.
 * The Guest tells the Host its physical address once, with LHCALL_LGUEST_INIT.
 */
struct lguest_data {
    uint32_t irq_enabled;          /* our interrupt flag: 0 or X86_EFLAGS_IF (we write it) */
    uint32_t blocked_interrupts;   /* bit n set = IRQ n masked (we write it) */
    uint32_t cr2;                  /* address of the last page fault (the Host writes it) */
    uint32_t time[2];              /* wall clock, refreshed by the Host */
    uint32_t irq_pending;          /* the Host: "an interrupt waits; call me when you enable" */
    uint8_t hcall_status[64];      /* asynchronous hypercall ring: 0xFF = slot free */
    uint32_t hcalls[64][5];
    uint32_t reserve_mem;          /* the Host keeps this much at the top of the address space */
    uint32_t tsc_khz;
    uint32_t noirq_iret;           /* where the Host must not inject an interrupt (head.S) */
    uint32_t kernel_address;       /* our PAGE_OFFSET: below it, user mappings */
    uint32_t syscall_vec;          /* the vector the Host lets us take directly: 0x80 */
};
_Static_assert(__builtin_offsetof(struct lguest_data, syscall_vec) == 0x568, "lguest_data");

/* The Host reads and writes this behind the compiler's back: every access is volatile. */
extern volatile struct lguest_data lguest_data;

/* @tour Guest 70: int $0x1f
 * Every hypercall is this one instruction.  The Host made vector 0x1f callable from ring 1
 * (and from nowhere else); the CPU leaves the Guest through the Switcher with EAX..EDX saved
 * in the regs page, the Host does the call (Host 90 to Host 120) and resumes the Guest right
 * after the int: a trap's saved EIP is already past it.  No hypercall returns a value in 4.4.
 */
static inline void hcall(uint32_t call, uint32_t arg1, uint32_t arg2, uint32_t arg3) {
    __asm__ volatile("int $0x1f" : "+a"(call) : "b"(arg1), "c"(arg2), "d"(arg3) : "memory");
}
#endif
#endif
