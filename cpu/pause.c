/* pause.c - a debugger stops the CPU between instructions without changing what it computes. */
#include "cpu/private.h"

/*
 * The virtual clock is charged a whole translated block at a time, when the block starts, and
 * only block starts are points where timers fire and interrupts are taken.  A debugger stops
 * the CPU in one of two ways:
 *
 *   - before an instruction (a breakpoint, a single step): a code hook calls cpu_pause_now().
 *     The block around it has been charged in full already.  When the run resumes there,
 *     Unicorn starts a new block at that instruction; that block is the tail of one already
 *     paid for, so it is neither charged again nor a point where anything is checked.
 *   - before a block (the debugger wants attention: Ctrl-C, a new connection): the block hook
 *     sees 'attention' and stops before charging anything; the run resumes at the same block,
 *     which then runs exactly as it would have.  When that block is itself a resumed tail
 *     (attention came while the CPU was resuming from a stop of the first kind), it keeps
 *     what was paid: otherwise the tail would be charged a second time.
 *
 * Blocks end where the code says (a jump, a system instruction) or after a length limit counted
 * from where they start.  A resumed tail may therefore run past the end of the block it came
 * from when that block was cut by the limit; the extra bytes are charged, and counted in
 * n_regrown: a run where that happens may have checked its timers at other points.
 */

static void stop_before(struct cpu *c, uint32_t eip, uint32_t paid_end) {
    c->pause.pending = 1;
    c->pause.at = eip;
    c->pause.paid_end = paid_end;
    uc_emu_stop(c->uc);
}

void cpu_pause_now(struct cpu *c, uint32_t eip) {
    stop_before(c, eip, c->pause.block_end);
}

/* Another thread cannot stop Unicorn where we want it, so it only raises a flag that the next
 * block start sees.  next_check = 0 sends that block down the slow path; the store may race
 * with the CPU thread's own update of next_check, which then sees the flag at its next check
 * (the host timer makes one at least every few milliseconds of virtual time). */
void cpu_pause_attention(struct cpu *c) {
    atomic_store(&c->pause.attention, 1);
    __atomic_store_n(&c->next_check, 0, __ATOMIC_RELAXED);
}

/* A debugger going back runs to a place without a hook on every instruction: the CPU stops
 * before the block that reaches a time, and the counting starts there. */
static int time_reached(struct cpu *c, uint32_t size) {
    struct cpu_pause *p = &c->pause;
    if (!p->before_ns || p->resuming || c->now_ns + size < p->before_ns) return 0;
    p->before_ns = 0;
    return 1;
}

void cpu_pause_before(struct cpu *c, uint64_t ns) {
    c->pause.before_ns = ns;
    cpu_recheck(c);
}

/* A block is starting (the slow path of on_block): 1 when it must not be charged. */
int cpu_pause_block(struct cpu *c, uint32_t addr, uint32_t size) {
    struct cpu_pause *p = &c->pause;
    if (time_reached(c, size) || atomic_exchange(&p->attention, 0)) {
        /* A resumed tail stopped again before it ran (Ctrl-C that came while the CPU was
         * resuming) is still paid for: when it starts again it must not be charged. */
        uint32_t paid_end = p->resuming && addr == p->at ? p->paid_end : addr;
        c->n_blocks--;                      /* it will start again after the pause */
        p->resuming = 0;
        cpu_set(c, UC_X86_REG_EIP, addr);   /* Unicorn then leaves the block unrun */
        stop_before(c, addr, paid_end);
        return 1;
    }
    if (p->resuming) {
        p->resuming = 0;
        if (addr == p->at) {
            uint32_t end = addr + size;
            if (end > p->paid_end) {
                c->now_ns += end - p->paid_end;
                p->n_regrown++;
                p->paid_end = end;
            }
            p->block_end = p->paid_end;
            return 1;
        }
    }
    p->block_end = addr + size;
    return 0;
}

/* cpu_run was stopped for a pause: let the debugger have the CPU, then resume where it left
 * EIP (the debugger may have moved it; then nothing was paid at the new place). */
uc_err cpu_pause_serve(struct cpu *c, uint32_t until) {
    struct cpu_pause *p = &c->pause;
    p->pending = 0;
    p->n_pauses++;
    if (p->paused) p->paused(p->ctx);
    if (c->stopping) return UC_ERR_OK;   /* the debugger ended the run (time travel, a kill) */
    uint32_t eip = cpu_get(c, UC_X86_REG_EIP);
    p->resuming = eip == p->at && p->paid_end > p->at;
    cpu_recheck(c);
    atomic_store(&c->clock_seen, c->now_ns);
    atomic_store(&c->in_engine, 1);
    return uc_emu_start(c->uc, eip, until, 0, 0);
}
