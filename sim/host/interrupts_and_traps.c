/* interrupts_and_traps.c - the Guest's IDT, reflected traps, virtual interrupts and timers. */
#include "sim/host/lg.h"
#include "sim/host/layout.h"
#include "abi/lguest.h"
#include "switcher-model/lguest_pages.h"
#include <string.h>

/*
 * The Guest kernel runs in ring 1 with the real EFLAGS.IF always on: it cannot turn interrupts
 * off, since cli/sti/popf are privileged or ignored there.  Instead it keeps a *virtual* IF in
 * lguest_data.irq_enabled, and the Host looks at it before it hands the Guest an interrupt.
 * Interrupts for the Guest are never real interrupts: the Host builds the frame on the Guest's
 * stack in memory and points the Guest's registers at its handler, as the CPU would have done.
 */

static int idt_present(const uint32_t e[2]) { return (e[1] & 0x8000) != 0; }
static int idt_type(const uint32_t e[2]) { return (int)(e[1] >> 8) & 0xF; }

/* --- the Guest's IDT, as LHCALL_LOAD_IDT_ENTRY gives it --- */

void load_guest_idt_entry(struct lguest *lg, uint32_t num, uint32_t lo, uint32_t hi) {
    /* NMI, double fault, spurious and the hypercall vector stay the Host's, silently. */
    if (num == 2 || num == 8 || num == 15 || num == LGUEST_TRAP_ENTRY)
        return;
    lg->changed_idt = 1;
    if (num >= IDT_ENTRIES) {
        kill_guest(lg, "Setting idt entry %u", num);
        return;
    }
    uint32_t e[2] = { lo, hi };
    if (!idt_present(e)) {
        lg->idt[num][0] = lg->idt[num][1] = 0;
        return;
    }
    if (idt_type(e) != 0xE && idt_type(e) != 0xF) {
        kill_guest(lg, "bad IDT type %i", idt_type(e));
        return;
    }
    /* Whatever selector the Guest asked for, its handlers run in its ring-1 code segment. */
    lg->idt[num][0] = ((uint32_t)GUEST_KERNEL_CS << 16) | (lo & 0xFFFF);
    lg->idt[num][1] = hi & 0xFFFFEF00;
}

/* Traps the Guest may take without a world switch: never 7 (FPU), 13 (I/O emulation), 14
 * (shadow paging) or the hypercall vector, and only exceptions and the system-call vector. */
static int direct_trap(unsigned num) {
    if (num >= FIRST_EXTERNAL_VECTOR && num != SYSCALL_VECTOR)
        return 0;
    return num != 7 && num != 13 && num != 14 && num != LGUEST_TRAP_ENTRY;
}

static void default_idt_entry(uint8_t *at, unsigned vec, uint32_t stub, const uint32_t *guest) {
    uint32_t flags = 0x8E00;   /* present, DPL 0, 32-bit interrupt gate */
    if (vec == LGUEST_TRAP_ENTRY)
        flags |= GUEST_PL << 13;            /* the Guest kernel may make hypercalls */
    else if (guest)
        flags |= guest[1] & 0x6000;         /* keep the Guest's DPL, e.g. int3 from user */
    put_le32(at, ((uint32_t)LGUEST_CS << 16) | (stub & 0xFFFF));
    put_le32(at + 4, (stub & 0xFFFF0000u) | flags);
}

/* copy_traps(): the real IDT the CPU uses while the Guest runs, in the Switcher's state page. */
void copy_traps(struct lguest *lg, uint8_t *idt) {
    for (unsigned i = 0; i < IDT_ENTRIES; i++) {
        if (!direct_trap(i)) {
            default_idt_entry(idt + i * 8, i, lg->sw.idt_stubs[i], NULL);
        } else if (idt_type(lg->idt[i]) == 0xF && idt_present(lg->idt[i])) {
            put_le32(idt + i * 8, lg->idt[i][0]);   /* straight to the Guest, in ring 1 */
            put_le32(idt + i * 8 + 4, lg->idt[i][1]);
        } else {
            default_idt_entry(idt + i * 8, i, lg->sw.idt_stubs[i], lg->idt[i]);
        }
    }
}

/* --- building a frame on the Guest's stack --- */

static int has_err(unsigned trap) {
    return trap == 8 || (trap >= 10 && trap <= 14) || trap == 17;
}

/* @tour Host 80: Reflecting the fault
 * deliver_trap() builds the frame the CPU would have pushed for a fault into ring 1: the
 * fault came from ring 3, so the frame goes on the kernel stack the Guest named with
 * LHCALL_SET_STACK (user SS and ESP, EFLAGS with the virtual IF, CS, EIP, the error code), all
 * written through guest-physical memory.
 */
/* Push onto the Guest's stack, through guest-physical memory, as 4.4's push_guest_stack. */
static void push_guest_stack(struct lguest *lg, uint32_t *gstack, uint32_t val) {
    *gstack -= 4;
    uint8_t v[4];
    put_le32(v, val);
    lguest_write(lg, *gstack, v, 4);
}

/* push_guest_interrupt_stack(): the frame an i386 pushes for an interrupt into ring 1. */
static void push_guest_interrupt_stack(struct lguest *lg, int err) {
    uint32_t ss, virtstack, gstack, origstack = reg_get(lg, LGUEST_REGS_esp);
    int from_user = (reg_get(lg, LGUEST_REGS_ss) & 3) != GUEST_PL;
    if (from_user) {
        virtstack = lg->shadow.esp1;           /* the kernel stack SET_STACK told us about */
        ss = lg->ss1;
    } else {
        virtstack = origstack;
        ss = reg_get(lg, LGUEST_REGS_ss);
    }
    /* Like 4.4, translate the stack top once and assume the frame is physically contiguous. */
    if (shadow_guest_pa(&lg->shadow, virtstack, &gstack)) {
        kill_guest(lg, "Bad address %#x", virtstack);
        return;
    }
    uint32_t start = gstack;
    if (from_user) {
        push_guest_stack(lg, &gstack, reg_get(lg, LGUEST_REGS_ss));
        push_guest_stack(lg, &gstack, origstack);
    }
    /* The Guest's virtual interrupt flag goes into the EFLAGS it will see. */
    uint32_t irq_enabled = 0, eflags = reg_get(lg, LGUEST_REGS_eflags);
    lguest_data_get(lg, LGD_irq_enabled, &irq_enabled);
    eflags = (eflags & ~EFLAGS_IF) | (irq_enabled & EFLAGS_IF);
    push_guest_stack(lg, &gstack, eflags);
    push_guest_stack(lg, &gstack, reg_get(lg, LGUEST_REGS_cs));
    push_guest_stack(lg, &gstack, reg_get(lg, LGUEST_REGS_eip));
    if (err) push_guest_stack(lg, &gstack, reg_get(lg, LGUEST_REGS_errcode));
    reg_set(lg, LGUEST_REGS_ss, ss);
    reg_set(lg, LGUEST_REGS_esp, virtstack + (gstack - start));
    /* 4.4's guest_run_interrupt() then checks "if ((ss & 3) != 1) ss = esp1": it can never fire
     * because ss was just set to a ring-1 selector, so it is left out. */
}

/* @tour Host 85: Into the Guest's handler
 * Then the registers point at the Guest's IDT entry 14, in its ring-1 code segment; an
 * interrupt gate clears the virtual IF.  The next trip enters the Guest there (Guest 30).
 */
/* guest_run_interrupt(): point the Guest at its handler, as the CPU would on a gate. */
static void guest_run_interrupt(struct lguest *lg, const uint32_t e[2]) {
    reg_set(lg, LGUEST_REGS_cs, GUEST_KERNEL_CS);
    reg_set(lg, LGUEST_REGS_eip, (e[0] & 0xFFFF) | (e[1] & 0xFFFF0000u));
    reg_set(lg, LGUEST_REGS_eflags, reg_get(lg, LGUEST_REGS_eflags) &
            ~(EFLAGS_TF | EFLAGS_VM | EFLAGS_RF | EFLAGS_NT));
    if (idt_type(e) == 0xE)   /* an interrupt gate disables (virtual) interrupts */
        lguest_data_put(lg, LGD_irq_enabled, 0);
}

/* deliver_trap(): 0 when the Guest has a handler for num, -1 when it cannot be delivered. */
int deliver_trap(struct lguest *lg, unsigned num) {
    if (num >= IDT_ENTRIES || !idt_present(lg->idt[num]))
        return -1;
    uint32_t eip = reg_get(lg, LGUEST_REGS_eip), cs = reg_get(lg, LGUEST_REGS_cs);
    push_guest_interrupt_stack(lg, has_err(num));
    guest_run_interrupt(lg, lg->idt[num]);
    lg->count.n_traps_reflected++;
    REC(lg->rec, lg->cpu.now_ns, TK_REFLECT, num,
        has_err(num) ? reg_get(lg, LGUEST_REGS_errcode) : 0, eip, cs, reg_get(lg, LGUEST_REGS_eip),
        reg_get(lg, LGUEST_REGS_esp));
    return 0;
}

/* --- virtual interrupts --- */

/* lguest_data.time: deterministic, counted from the day lguest was merged (2.6.23). */
void write_timestamp(struct lguest *lg) {
    const uint32_t epoch = 1191888000u;   /* 2007-10-09 00:00:00 UTC */
    uint64_t ns = lg->cpu.now_ns;
    lguest_data_put(lg, LGD_time, epoch + (uint32_t)(ns / 1000000000u));
    lguest_data_put(lg, LGD_time + 4, (uint32_t)(ns % 1000000000u));
}

/* set_interrupt(): IRQ irq is now pending for the Guest (the timer, later the devices). */
void set_interrupt(struct lguest *lg, unsigned irq) {
    if (irq >= LGUEST_IRQS) return;
    lg->irqs_pending |= 1u << irq;
    lg->irqs_masked_noted &= ~(1u << irq);
    /* Raised by a timer in the middle of a run, the Guest is where the CPU is. */
    REC(lg->rec, lg->cpu.now_ns, TK_IRQ, irq, IRQ_RAISED,
        lg->running ? lg->cpu.cur_block : reg_get(lg, LGUEST_REGS_eip));
}

/* Traces say once per raise that the Guest's blocked_interrupts holds an IRQ back. */
static void note_masked(struct lguest *lg, uint32_t masked) {
    masked &= ~lg->irqs_masked_noted;
    lg->irqs_masked_noted |= masked;
    for (unsigned irq = 0; masked; irq++, masked >>= 1)
        if (masked & 1)
            REC(lg->rec, lg->cpu.now_ns, TK_IRQ, irq, IRQ_MASKED, reg_get(lg, LGUEST_REGS_eip));
}

/* interrupt_pending(): the lowest IRQ that is pending and not masked by the Guest, or
 * LGUEST_IRQS when there is none.  Nothing is pending before LHCALL_LGUEST_INIT. */
unsigned interrupt_pending(struct lguest *lg) {
    uint32_t blocked;
    if (!lg->initialized || lguest_data_get(lg, LGD_blocked_interrupts, &blocked))
        return LGUEST_IRQS;
    uint32_t ready = lg->irqs_pending & ~blocked;
    if (lg->irqs_pending & blocked) note_masked(lg, lg->irqs_pending & blocked);
    return ready ? (unsigned)__builtin_ctz(ready) : LGUEST_IRQS;
}

/*
 * The Guest was about to execute the iret in its lguest_iret: that instruction would pop the
 * frame and restore EFLAGS, and then we would push the same frame again.  So do both at once:
 * take EFLAGS from the frame and leave the frame where it is for the handler to return through.
 *
 * 4.4's restore_eflags() clears only TF, VM, RF and NT of the word it reads, and the
 * Switcher's iret at CPL 0 then loads the rest: a Guest that builds its own frame at
 * lguest_noirq_iret would get IOPL 3 (port I/O on the Host) or the real IF off (no Host
 * interrupts).  The iret being emulated runs at CPL 1, where IOPL never changes and IF only
 * when CPL <= IOPL (SDM vol. 2 IRET), so both keep what the Guest trapped out with.
 */
static void restore_eflags(struct lguest *lg) {
    uint32_t pa, eflags = 0;
    uint8_t b[4];
    if (shadow_guest_pa(&lg->shadow, reg_get(lg, LGUEST_REGS_esp) + 8, &pa) == 0 &&
        lguest_read(lg, pa, b, 4) == 0)
        eflags = le32(b);
    const uint32_t kept = EFLAGS_IOPL | EFLAGS_IF;
    eflags = (eflags & ~kept) | (reg_get(lg, LGUEST_REGS_eflags) & kept);
    reg_set(lg, LGUEST_REGS_eflags, eflags & ~(EFLAGS_TF | EFLAGS_VM | EFLAGS_RF | EFLAGS_NT));
}

/* try_deliver_interrupt(): on every pass of the run loop, before the Guest runs again. */
void try_deliver_interrupt(struct lguest *lg, unsigned irq) {
    uint32_t irq_enabled = 0, eip = reg_get(lg, LGUEST_REGS_eip);
    if (lg->halted) {
        /* A halted Guest asked for "sti; hlt": waking it supplies the sti. */
        lguest_data_put(lg, LGD_irq_enabled, EFLAGS_IF);
        lg->halted = 0;
        REC(lg->rec, lg->cpu.now_ns, TK_IRQ, irq, IRQ_WOKE, eip);
    } else if (lguest_data_get(lg, LGD_irq_enabled, &irq_enabled) == 0 && !irq_enabled) {
        /* Interrupts are off: tell the Guest to ask again (LHCALL_SEND_INTERRUPTS) when it
         * turns them back on. */
        lguest_data_put(lg, LGD_irq_pending, EFLAGS_IF);
        lg->count.n_irqs_deferred++;
        REC(lg->rec, lg->cpu.now_ns, TK_IRQ, irq, IRQ_DEFERRED, eip);
        return;
    }
    const uint32_t *e = lg->idt[FIRST_EXTERNAL_VECTOR + irq];
    if (idt_present(e)) {
        lg->irqs_pending &= ~(1u << irq);
        if (reg_get(lg, LGUEST_REGS_eip) == lg->noirq_iret)
            restore_eflags(lg);
        else
            push_guest_interrupt_stack(lg, 0);   /* virtual interrupts push no error code */
        guest_run_interrupt(lg, e);
        lg->count.n_irqs_delivered++;
        REC(lg->rec, lg->cpu.now_ns, TK_IRQ, irq, IRQ_DELIVERED, eip);
    }
    /* Every delivery attempt refreshes the Guest's clock, as 4.4 does. */
    write_timestamp(lg);
    /* 4.4 clears irq_pending only when nothing more is pending, but its test uses
     * find_next_bit(), which returns LGUEST_IRQS (non-zero) when nothing is found: the field
     * is never cleared.  Reproduced: the Guest then makes a harmless extra SEND_INTERRUPTS. */
}

/* --- timers on the virtual clock: the Guest's clockevent and the host's own tick --- */

/* The CPU calls back at the earlier of the host's next tick and the Guest's clockevent. */
void arm_timers(struct lguest *lg) {
    uint64_t next = lg->next_tick_ns;
    if (lg->clockevent_ns && lg->clockevent_ns < next) next = lg->clockevent_ns;
    cpu_set_deadline(&lg->cpu, next);
}

/* LHCALL_SET_CLOCKEVENT: a one-shot timer delta_ns from now (4.4 guest_set_clockevent()). */
void guest_set_clockevent(struct lguest *lg, uint32_t delta_ns) {
    lg->clockevent_ns = delta_ns ? lg->cpu.now_ns + delta_ns : 0;   /* 0 cancels */
    arm_timers(lg);
}

/* Whatever is due at 'now': the Guest's clockevent raises its IRQ 0 (4.4's hrtimer callback,
 * clockdev_fn(), does set_interrupt(cpu, 0)); a tick that passed is not repeated.  Returns
 * whether anything fired. */
int fire_timers(struct lguest *lg, uint64_t now) {
    int fired = 0;
    if (lg->clockevent_ns && now >= lg->clockevent_ns) {
        lg->clockevent_ns = 0;
        set_interrupt(lg, 0);
        fired = 1;
    }
    if (now >= lg->next_tick_ns) {
        lg->next_tick_ns += HOST_TIMER_PERIOD_NS *
                            ((now - lg->next_tick_ns) / HOST_TIMER_PERIOD_NS + 1);
        fired = 1;
    }
    arm_timers(lg);
    return fired;
}

/* A timer expired while the CPU runs: on a real host both come in as the local APIC timer
 * interrupt, which takes the Guest out through the Switcher (deliver_to_host). */
void on_deadline(void *ctx, uint64_t now) {
    struct lguest *lg = ctx;
    record_entering(lg);   /* a timer during a run comes after the switch that started it */
    if (fire_timers(lg, now))
        cpu_raise_irq(&lg->cpu, HOST_TIMER_VECTOR);
}
