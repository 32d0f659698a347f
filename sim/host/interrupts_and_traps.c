/* interrupts.c - the Guest's IDT, traps and virtual interrupts (4.4 interrupts_and_traps.c). */
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

void load_guest_idt_entry(struct machine *m, uint32_t num, uint32_t lo, uint32_t hi) {
    /* NMI, double fault, spurious and the hypercall vector stay the Host's, silently. */
    if (num == 2 || num == 8 || num == 15 || num == LGUEST_TRAP_ENTRY)
        return;
    m->changed_idt = 1;
    if (num >= IDT_ENTRIES) {
        kill_guest(m, "Setting idt entry %u", num);
        return;
    }
    uint32_t e[2] = { lo, hi };
    if (!idt_present(e)) {
        m->idt[num][0] = m->idt[num][1] = 0;
        return;
    }
    if (idt_type(e) != 0xE && idt_type(e) != 0xF) {
        kill_guest(m, "bad IDT type %i", idt_type(e));
        return;
    }
    /* Whatever selector the Guest asked for, its handlers run in its ring-1 code segment. */
    m->idt[num][0] = ((uint32_t)GUEST_KERNEL_CS << 16) | (lo & 0xFFFF);
    m->idt[num][1] = hi & 0xFFFFEF00;
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
void copy_traps(struct machine *m, uint8_t *idt) {
    for (unsigned i = 0; i < IDT_ENTRIES; i++) {
        if (!direct_trap(i)) {
            default_idt_entry(idt + i * 8, i, m->sw.idt_stubs[i], NULL);
        } else if (idt_type(m->idt[i]) == 0xF && idt_present(m->idt[i])) {
            put_le32(idt + i * 8, m->idt[i][0]);   /* straight to the Guest, in ring 1 */
            put_le32(idt + i * 8 + 4, m->idt[i][1]);
        } else {
            default_idt_entry(idt + i * 8, i, m->sw.idt_stubs[i], m->idt[i]);
        }
    }
}

/* --- building a frame on the Guest's stack --- */

static int has_err(unsigned trap) {
    return trap == 8 || (trap >= 10 && trap <= 14) || trap == 17;
}

/* Push onto the Guest's stack, through guest-physical memory, as 4.4's push_guest_stack. */
static void push_guest_stack(struct machine *m, uint32_t *gstack, uint32_t val) {
    *gstack -= 4;
    uint8_t v[4];
    put_le32(v, val);
    lguest_write(m, *gstack, v, 4);
}

/* push_guest_interrupt_stack(): the frame an i386 pushes for an interrupt into ring 1. */
static void push_guest_interrupt_stack(struct machine *m, int err) {
    uint32_t ss, virtstack, gstack, origstack = reg_get(m, LGUEST_REGS_esp);
    int from_user = (reg_get(m, LGUEST_REGS_ss) & 3) != GUEST_PL;
    if (from_user) {
        virtstack = m->shadow.esp1;           /* the kernel stack SET_STACK told us about */
        ss = m->ss1;
    } else {
        virtstack = origstack;
        ss = reg_get(m, LGUEST_REGS_ss);
    }
    /* Like 4.4, translate the stack top once and assume the frame is physically contiguous. */
    if (shadow_guest_pa(&m->shadow, virtstack, &gstack)) {
        kill_guest(m, "Bad address %#x", virtstack);
        return;
    }
    uint32_t start = gstack;
    if (from_user) {
        push_guest_stack(m, &gstack, reg_get(m, LGUEST_REGS_ss));
        push_guest_stack(m, &gstack, origstack);
    }
    /* The Guest's virtual interrupt flag goes into the EFLAGS it will see. */
    uint32_t irq_enabled = 0, eflags = reg_get(m, LGUEST_REGS_eflags);
    lguest_data_get(m, LGD_irq_enabled, &irq_enabled);
    eflags = (eflags & ~EFLAGS_IF) | (irq_enabled & EFLAGS_IF);
    push_guest_stack(m, &gstack, eflags);
    push_guest_stack(m, &gstack, reg_get(m, LGUEST_REGS_cs));
    push_guest_stack(m, &gstack, reg_get(m, LGUEST_REGS_eip));
    if (err) push_guest_stack(m, &gstack, reg_get(m, LGUEST_REGS_errcode));
    reg_set(m, LGUEST_REGS_ss, ss);
    reg_set(m, LGUEST_REGS_esp, virtstack + (gstack - start));
    /* 4.4's guest_run_interrupt() then checks "if ((ss & 3) != 1) ss = esp1": it can never fire
     * because ss was just set to a ring-1 selector, so it is left out. */
}

/* guest_run_interrupt(): point the Guest at its handler, as the CPU would on a gate. */
static void guest_run_interrupt(struct machine *m, const uint32_t e[2]) {
    reg_set(m, LGUEST_REGS_cs, GUEST_KERNEL_CS);
    reg_set(m, LGUEST_REGS_eip, (e[0] & 0xFFFF) | (e[1] & 0xFFFF0000u));
    reg_set(m, LGUEST_REGS_eflags, reg_get(m, LGUEST_REGS_eflags) &
            ~(EFLAGS_TF | EFLAGS_VM | EFLAGS_RF | EFLAGS_NT));
    if (idt_type(e) == 0xE)   /* an interrupt gate disables (virtual) interrupts */
        lguest_data_put(m, LGD_irq_enabled, 0);
}

/* deliver_trap(): 0 when the Guest has a handler for num, -1 when it cannot be delivered. */
int deliver_trap(struct machine *m, unsigned num) {
    if (num >= IDT_ENTRIES || !idt_present(m->idt[num]))
        return -1;
    uint32_t eip = reg_get(m, LGUEST_REGS_eip), cs = reg_get(m, LGUEST_REGS_cs);
    push_guest_interrupt_stack(m, has_err(num));
    guest_run_interrupt(m, m->idt[num]);
    m->n_traps_reflected++;
    REC(&m->rec, m->cpu.now_ns, TK_REFLECT, num, has_err(num) ? reg_get(m, LGUEST_REGS_errcode) : 0,
        eip, cs, reg_get(m, LGUEST_REGS_eip), reg_get(m, LGUEST_REGS_esp));
    return 0;
}

/* --- virtual interrupts --- */

/* lguest_data.time: deterministic, counted from the day lguest was merged (2.6.23). */
void write_timestamp(struct machine *m) {
    const uint32_t epoch = 1191888000u;   /* 2007-10-09 00:00:00 UTC */
    uint64_t ns = m->cpu.now_ns;
    lguest_data_put(m, LGD_time, epoch + (uint32_t)(ns / 1000000000u));
    lguest_data_put(m, LGD_time + 4, (uint32_t)(ns % 1000000000u));
}

/* set_interrupt(): IRQ irq is now pending for the Guest (the timer, later the devices). */
void set_interrupt(struct machine *m, unsigned irq) {
    if (irq >= LGUEST_IRQS) return;
    m->irqs_pending |= 1u << irq;
    m->irqs_masked_noted &= ~(1u << irq);
    /* Raised by a timer in the middle of a run, the Guest is where the CPU is. */
    REC(&m->rec, m->cpu.now_ns, TK_IRQ, irq, IRQ_RAISED,
        m->running ? m->cpu.cur_block : reg_get(m, LGUEST_REGS_eip));
}

/* Traces say once per raise that the Guest's blocked_interrupts holds an IRQ back. */
static void note_masked(struct machine *m, uint32_t masked) {
    masked &= ~m->irqs_masked_noted;
    m->irqs_masked_noted |= masked;
    for (unsigned irq = 0; masked; irq++, masked >>= 1)
        if (masked & 1)
            REC(&m->rec, m->cpu.now_ns, TK_IRQ, irq, IRQ_MASKED, reg_get(m, LGUEST_REGS_eip));
}

/* interrupt_pending(): the lowest IRQ that is pending and not masked by the Guest, or
 * LGUEST_IRQS when there is none.  Nothing is pending before LHCALL_LGUEST_INIT. */
unsigned interrupt_pending(struct machine *m) {
    uint32_t blocked;
    if (!m->initialized || lguest_data_get(m, LGD_blocked_interrupts, &blocked))
        return LGUEST_IRQS;
    uint32_t ready = m->irqs_pending & ~blocked;
    if (m->irqs_pending & blocked) note_masked(m, m->irqs_pending & blocked);
    return ready ? (unsigned)__builtin_ctz(ready) : LGUEST_IRQS;
}

/*
 * The Guest was about to execute the iret in its lguest_iret: that instruction would pop the
 * frame and restore EFLAGS, and then we would push the same frame again.  So do both at once:
 * take EFLAGS from the frame and leave the frame where it is for the handler to return through.
 */
static void restore_eflags(struct machine *m) {
    uint32_t pa, eflags = 0;
    uint8_t b[4];
    if (shadow_guest_pa(&m->shadow, reg_get(m, LGUEST_REGS_esp) + 8, &pa) == 0 &&
        lguest_read(m, pa, b, 4) == 0)
        eflags = le32(b);
    reg_set(m, LGUEST_REGS_eflags, eflags & ~(EFLAGS_TF | EFLAGS_VM | EFLAGS_RF | EFLAGS_NT));
}

/* try_deliver_interrupt(): on every pass of the run loop, before the Guest runs again. */
void try_deliver_interrupt(struct machine *m, unsigned irq) {
    uint32_t irq_enabled = 0, eip = reg_get(m, LGUEST_REGS_eip);
    if (m->halted) {
        /* A halted Guest asked for "sti; hlt": waking it supplies the sti. */
        lguest_data_put(m, LGD_irq_enabled, EFLAGS_IF);
        m->halted = 0;
        REC(&m->rec, m->cpu.now_ns, TK_IRQ, irq, IRQ_WOKE, eip);
    } else if (lguest_data_get(m, LGD_irq_enabled, &irq_enabled) == 0 && !irq_enabled) {
        /* Interrupts are off: tell the Guest to ask again (LHCALL_SEND_INTERRUPTS) when it
         * turns them back on. */
        lguest_data_put(m, LGD_irq_pending, EFLAGS_IF);
        m->n_irqs_deferred++;
        REC(&m->rec, m->cpu.now_ns, TK_IRQ, irq, IRQ_DEFERRED, eip);
        return;
    }
    const uint32_t *e = m->idt[FIRST_EXTERNAL_VECTOR + irq];
    if (idt_present(e)) {
        m->irqs_pending &= ~(1u << irq);
        if (reg_get(m, LGUEST_REGS_eip) == m->noirq_iret)
            restore_eflags(m);
        else
            push_guest_interrupt_stack(m, 0);   /* virtual interrupts push no error code */
        guest_run_interrupt(m, e);
        m->n_irqs_delivered++;
        REC(&m->rec, m->cpu.now_ns, TK_IRQ, irq, IRQ_DELIVERED, eip);
    }
    /* Every delivery attempt refreshes the Guest's clock, as 4.4 does. */
    write_timestamp(m);
    /* 4.4 clears irq_pending only when nothing more is pending, but its test uses
     * find_next_bit(), which returns LGUEST_IRQS (non-zero) when nothing is found: the field
     * is never cleared.  Reproduced: the Guest then makes a harmless extra SEND_INTERRUPTS. */
}

/* --- the Guest's one-shot timer (LHCALL_SET_CLOCKEVENT) on the virtual clock --- */

void guest_set_clockevent(struct machine *m, uint32_t delta_ns) {
    m->clockevent_ns = delta_ns ? m->cpu.now_ns + delta_ns : 0;   /* 0 cancels */
    machine_arm_timers(m);
}
