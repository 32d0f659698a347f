/* trap.c - the IDT, and what each trap does: faults, the timer interrupt, system calls. */
#include "kernel.h"
#include "syscall.h"

/* The entry stubs in head.S. */
void exc_divide_error(void), exc_debug(void), exc_int3(void), exc_overflow(void);
void exc_bounds(void), exc_invalid_op(void), exc_no_fpu(void), exc_coproc_overrun(void);
void exc_invalid_tss(void), exc_no_segment(void), exc_stack_fault(void);
void exc_general_prot(void), exc_page_fault(void), exc_fpu_error(void), exc_alignment(void);
void exc_machine_check(void), exc_simd_error(void), irq_timer(void), syscall_entry(void);

static void (*const exceptions[20])(void) = {
    exc_divide_error, exc_debug, 0 /* NMI: the Host's */, exc_int3, exc_overflow, exc_bounds,
    exc_invalid_op, exc_no_fpu, 0 /* double fault: the Host's */, exc_coproc_overrun,
    exc_invalid_tss, exc_no_segment, exc_stack_fault, exc_general_prot, exc_page_fault,
    0 /* reserved */, exc_fpu_error, exc_alignment, exc_machine_check, exc_simd_error,
};

void trap_init(void) {
    /* CPU exceptions: interrupt gates, so each handler starts with interrupts off. */
    for (uint32_t v = 0; v < 20; v++)
        if (exceptions[v]) set_idt_gate(v, exceptions[v], 0, 0);
    /* IRQ 0, the timer, on vector 0x20: an interrupt gate too. */
    set_idt_gate(TIMER_VECTOR, irq_timer, 0, 0);
    /* System calls: a trap gate with DPL 3.  The Host copies such a gate for 0x80 straight
     * into the real IDT, so "int $0x80" in ring 3 enters our handler with no Host exit. */
    set_idt_gate(SYSCALL_VECTOR, syscall_entry, 1, 3);
}

/* write(fd, buf, len): copy from the process first, then print with interrupts on (the
 * console is slow: eight Host exits per character). */
static uint32_t sys_write(uint32_t buf, uint32_t len) {
    char kbuf[128];
    if (len > sizeof(kbuf) || buf >= PAGE_OFFSET || PAGE_OFFSET - buf < len)
        return (uint32_t)-14;   /* -EFAULT */
    for (uint32_t i = 0; i < len; i++) kbuf[i] = ((const char *)buf)[i];
    irq_enable();
    console_write(kbuf, len);
    irq_disable();
    return len;
}

static void do_syscall(struct trap_frame *f) {
    switch (f->eax) {
    case SYS_write: f->eax = sys_write(f->ecx, f->edx); break;
    case SYS_yield:   proc_yield(); f->eax = 0; break;
    case SYS_sleep:   proc_sleep(f->ebx); f->eax = 0; break;
    case SYS_times:   f->eax = proc_ticks(); break;
    case SYS_waitpid: f->eax = (uint32_t)proc_wait((int)f->ebx); break;
    case SYS_exit:    proc_exit((int)f->ebx); break;
    default:          f->eax = (uint32_t)-38;   /* -ENOSYS */
    }
}

static void bad_trap(struct trap_frame *f) {
    printk("trap %u (error %x) at eip 0x%x, cs %x\n", f->vector, f->error, f->eip, f->cs);
    if (!from_user(f)) panic("unexpected trap in the kernel");
    proc_exit(-1);
}

/* @tour Guest 40: trap_dispatch()
 * Vector 14 goes to do_page_fault() in mm.c.  (The same dispatcher takes the timer's IRQ and
 * int $0x80, which the Host let the CPU deliver straight into this kernel without a world
 * switch.)
 */
/* Called by head.S for every trap; returns the frame to resume (see trap_common). */
struct trap_frame *trap_dispatch(struct trap_frame *f);
struct trap_frame *trap_dispatch(struct trap_frame *f) {
    /* Interrupt gates arrive with irq_enabled already 0 (the Host cleared it); the system-call
     * trap gate does not, and this kernel runs with interrupts off except where it says so. */
    irq_disable();
    switch (f->vector) {
    case 14:             do_page_fault(f); break;
    case TIMER_VECTOR:   timer_interrupt(); break;
    case SYSCALL_VECTOR: do_syscall(f); break;
    default:             bad_trap(f);
    }
    /* Like Linux, switch processes only on the way back to ring 3; a trap that interrupted
     * the kernel itself (a tick during sys_write, during halt) always returns to it. */
    if (from_user(f) && need_resched())
        return schedule(f);
    return f;
}
