/* switches.c - the world switches as traces see them: both directions, and the Switcher's share. */
#include "sim/host/lg.h"
#include "sim/host/layout.h"
#include "switcher-model/lguest_pages.h"

/* --- the Switcher's footprint (--trace-switches) --- */

static void finish_switch_record(struct lguest *lg, struct rec_switch *r) {
    r->switcher_insns = (uint32_t)lg->switch_insns_now;
    r->now_ns = lg->cpu.now_ns;
    r->first_sym = switcher_symbolize(&lg->sw, r->first_insn, &r->first_off);
    r->last_sym = switcher_symbolize(&lg->sw, r->last_insn, &r->last_off);
    if (!r->first_sym) r->first_sym = "?";
    if (!r->last_sym) r->last_sym = "?";
    rec_switch(lg->rec, r);
    lg->switch_insns_now = 0;
}

static void on_switcher_insn(void *ctx, uint32_t addr, uint32_t size) {
    struct lguest *lg = ctx;
    struct rec_switch *r = lg->entering.to_guest ? &lg->entering : &lg->leaving;
    if (lg->switch_insns_now++ == 0) r->first_insn = addr;
    r->last_insn = addr;
    lg->count.n_switch_insns++;
}

/* With --trace-switches every Switcher instruction is counted. */
void switches_hook(struct lguest *lg) {
    if (lg->count_switcher_insns)
        cpu_hook_code(&lg->cpu, &lg->h_switcher, SWITCHER_ADDR, SWITCHER_ADDR + 0xFFF,
                      on_switcher_insn, lg);
}

/* --- both directions into the binary trace --- */

/* The host -> guest record waits until the Guest has left the Switcher: its length is only
 * known then.  Whatever is recorded next during the run (a retry, the trap) writes it first. */
void record_entering(struct lguest *lg) {
    if (!lg->entering_unrecorded) return;
    lg->entering_unrecorded = 0;
    const struct shadow *s = &lg->shadow;
    REC(lg->rec, lg->run_start_ns, TK_TO_GUEST, lg->entering.eip, lg->entering.cs,
        lg->entering.cs & 3, s->linear ? 0 : s->pgdirs[s->cur].gpgdir, s->root,
        (uint32_t)(lg->cpu.mark_end_ns - lg->run_start_ns));
}

static void record_leaving(struct lguest *lg) {
    const struct shadow *s = &lg->shadow;
    const struct rec_switch *l = &lg->leaving;
    REC(lg->rec, lg->trap_ns, TK_TO_HOST, l->vector, l->errcode, l->eip, l->cs, l->cs & 3,
        s->linear ? 0 : s->pgdirs[s->cur].gpgdir, s->root,
        (uint32_t)(lg->cpu.mark_end_ns - lg->trap_ns), l->vector == 14 ? lg->cr2 : 0,
        reg_get(lg, LGUEST_REGS_esp));
}

/* A run is about to start: what the host -> guest switch will be recorded as, and where an
 * open page-fault round trip's retry would be. */
void switch_entering(struct lguest *lg) {
    struct cpu *c = &lg->cpu;
    uint32_t gcs = reg_get(lg, LGUEST_REGS_cs);
    lg->entering = (struct rec_switch){ .to_guest = 1, .eip = reg_get(lg, LGUEST_REGS_eip),
                                        .cs = gcs, .cpl_before = 0,
                                        .cpl_after = (int)(gcs & 3) };
    lg->switch_insns_now = 0;
    lg->run_start_ns = c->now_ns;
    lg->entering_unrecorded = lg->rec->w != NULL;
    lg->trapped = 0;
    int64_t watch = rec_retry_watch(lg->rec);
    c->watch_addr = watch < 0 ? UINT64_MAX : (uint64_t)watch;
}

/* The run has ended back in the host: both switches go into the trace. */
void switch_left(struct lguest *lg) {
    if (lg->entering.to_guest) {   /* the Guest never ran (e.g. a fault in the Switcher's pops) */
        finish_switch_record(lg, &lg->entering);
        lg->entering.to_guest = 0;
    }
    lg->leaving.vector = reg_get(lg, LGUEST_REGS_trapnum);
    lg->leaving.errcode = reg_get(lg, LGUEST_REGS_errcode);
    lg->leaving.eip = reg_get(lg, LGUEST_REGS_eip);
    lg->leaving.cs = reg_get(lg, LGUEST_REGS_cs);
    lg->leaving.cpl_after = cpu_cpl(&lg->cpu);
    finish_switch_record(lg, &lg->leaving);
    record_entering(lg);
    if (lg->trapped) record_leaving(lg);
}

/* @tour Host 150: The trace sees the retry
 * A trace follows the round trip from the fault to here: the CPU reports reaching the
 * faulting instruction again, in the same address space, and the recorder closes the round
 * trip at the next exit (Mastery 40).
 */
/* The CPU reached the instruction of an open page-fault round trip, in the same address
 * space: the Guest is retrying it. */
void on_watched(void *ctx, uint32_t eip, uint64_t now) {
    struct lguest *lg = ctx;
    if (cpu_get(&lg->cpu, CPU_REG_CR3) != lg->rec->rt_shadow) return;
    lg->cpu.watch_addr = UINT64_MAX;
    record_entering(lg);
    REC(lg->rec, now, TK_RETRY, eip);
}

/* A delivery from the Guest into a Switcher stub starts a guest->host switch. */
void on_delivered(void *ctx, const struct cpu_delivery *d) {
    struct lguest *lg = ctx;
    if (lg->delivery_watcher) lg->delivery_watcher(lg->delivery_watcher_ctx, d);
    int into_switcher = d->to_eip >= SWITCHER_ADDR && d->to_eip < SWITCHER_ADDR + 0x1000;
    if (!into_switcher || d->from_cpl == 0)
        return;
    record_entering(lg);
    lg->trap_ns = lg->cpu.now_ns;
    lg->trapped = 1;
    if (lg->entering.to_guest) {
        finish_switch_record(lg, &lg->entering);
        lg->entering.to_guest = 0;
    }
    lg->leaving = (struct rec_switch){ .to_guest = 0, .cpl_before = (int)d->from_cpl };
}
