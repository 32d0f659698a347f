/* snapshot.c - the CPU's whole state as bytes, for checkpoints and saved machines. */
#include "cpu/private.h"
#include <stddef.h>
#include <stdio.h>
#include <string.h>

/*
 * A saved CPU is Unicorn's CPU state (the data of a uc_context: QEMU's CPUX86State up to its
 * per-process part: registers, segment caches, control registers, x87/SSE, hflags) followed by
 * cpu/'s own state (the virtual clock, interrupts waiting, the marked range, the null-segment
 * guard).  The hooks, the debugger's pause and Unicorn's caches are not state of the machine:
 * a restore keeps the hooks, flushes the TLB and drops translated code, so what runs next is
 * translated from the restored memory.  The uc_context's own header (its size, mode and
 * Unicorn's bookkeeping) is this process's and stays as uc_context_alloc() made it.
 */
struct cpu_own {
    uint64_t now_ns, deadline, budget_end, tsc_per_ns_num, tsc_per_ns_den;
    uint32_t irq_pending[8];
    uint32_t mark_lo, mark_size;
    uint64_t mark_end_ns, watch_addr;
    int in_mark;
    uint32_t null_seg_poison;
    unsigned guard_pending;
    uint32_t last_until;
    int cr4_tsd;
    uint32_t cr2;
    uint64_t n_deliveries, n_blocks, n_io_gp, n_rdtsc, n_cpuid;
};

#define OWN(c, o, dir) do { \
    dir(now_ns); dir(deadline); dir(budget_end); dir(tsc_per_ns_num); dir(tsc_per_ns_den); \
    memcpy(dir##_ARR(irq_pending)); dir(mark_lo); dir(mark_size); dir(mark_end_ns); \
    dir(watch_addr); dir(in_mark); dir(null_seg_poison); dir(guard_pending); \
    dir(last_until); dir(cr4_tsd); dir(cr2); dir(n_deliveries); dir(n_blocks); dir(n_io_gp); \
    dir(n_rdtsc); dir(n_cpuid); } while (0)
#define TO_OWN(f) (o)->f = (c)->f
#define TO_OWN_ARR(f) (o)->f, (c)->f, sizeof((o)->f)
#define FROM_OWN(f) (c)->f = (o)->f
#define FROM_OWN_ARR(f) (c)->f, (o)->f, sizeof((c)->f)

static size_t ctx_data_off(const struct cpu *c) {
    size_t data;
    memcpy(&data, c->ctx, sizeof(data));   /* uc_context starts with its data's size */
    return c->lay.ctx_size - data;
}

size_t cpu_state_size(const struct cpu *c) {
    return c->lay.ctx_size - ctx_data_off(c) + sizeof(struct cpu_own);
}

void cpu_state_save(struct cpu *c, uint8_t *out) {
    size_t off = ctx_data_off(c), n = c->lay.ctx_size - off;
    uc_context_save(c->uc, c->ctx);
    c->ctx_fresh = 1;
    memcpy(out, (uint8_t *)c->ctx + off, n);
    struct cpu_own own, *o = &own;
    memset(o, 0, sizeof(*o));
    OWN(c, o, TO_OWN);
    memcpy(out + n, o, sizeof(*o));
}

/*
 * The machine's state and nothing else, for comparing two machines: cpu_state_save()'s bytes
 * with cpu/'s statistics (blocks, deliveries... counted) left out, and the flags as the program
 * sees them.  QEMU keeps the arithmetic flags lazily, as the last operation's operands, and
 * which operation that is depends on where the translated block around it began: the same
 * EFLAGS reached through other blocks (a debugger's stop splits them) is other bytes.  Writing
 * EFLAGS back puts them in one form; nothing the program can see changes.
 */
void cpu_state_save_machine(struct cpu *c, uint8_t *out) {
    cpu_set(c, UC_X86_REG_EFLAGS, cpu_get(c, UC_X86_REG_EFLAGS));
    cpu_state_save(c, out);
    size_t own = c->lay.ctx_size - ctx_data_off(c), from = offsetof(struct cpu_own, n_deliveries);
    memset(out + own + from, 0, sizeof(struct cpu_own) - from);   /* the counts, last in it */
}

void cpu_state_restore(struct cpu *c, const uint8_t *in) {
    size_t off = ctx_data_off(c), n = c->lay.ctx_size - off;
    uc_context_save(c->uc, c->ctx);   /* this process's header, then the saved data */
    memcpy((uint8_t *)c->ctx + off, in, n);
    uc_context_restore(c->uc, c->ctx);
    c->ctx_fresh = 1;
    struct cpu_own own, *o = &own;
    memcpy(o, in + n, sizeof(*o));
    OWN(c, o, FROM_OWN);
    c->stopping = 0;
    c->io_denied = 0;
    cpu_recheck(c);
    cpu_flush_tlb(c);
    cpu_code_changed(c);
    /* cpu_code_changed() also tells the retranslation guard (progress.c) that everything is
     * translated afresh; its window is not machine state and starts again here. */
    c->tr_window_start = c->now_ns;
    c->tr_window_n = 0;
}

/* Which Unicorn, and how big its state: a saved CPU is only for the same. */
void cpu_engine_id(const struct cpu *c, char *out, size_t len) {
    unsigned major = 0, minor = 0;
    unsigned v = uc_version(&major, &minor);
    snprintf(out, len, "unicorn %u.%u (%#x), context %zu", major, minor, v, c->lay.ctx_size);
}
