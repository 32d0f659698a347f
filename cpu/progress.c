/* progress.c - every run ends: a retranslation storm is stopped by count, a frozen clock by the wall. */
#include "cpu/private.h"
#include "cpu/watchdog.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * lgsim's clock is charged when a block starts, so code that keeps Unicorn busy without
 * starting blocks would stop time, and with it --max-time and every timer.  Two guards:
 *
 * 1. Deterministic: Unicorn translating the same code over and over (a store into the block
 *    being run drops it, and each retry translates it again).  sites.c's edge hook sees every
 *    translation; one of an address translated before (a direct-mapped table of recent block
 *    addresses, cleared at every flush) is a retranslation, counted against the virtual
 *    clock: more than CPU_RETRANSLATION_LIMIT in one window of CPU_TRANSLATION_WINDOW_NS stops
 *    the run as CPU_STOP_NO_PROGRESS, naming the address.  Ordinary code translates a block
 *    once and then runs it; a loop that rewrites itself retranslates every ten nanoseconds or
 *    so.  Same inputs, same count, same stop.  An address's first retranslation is not
 *    counted: code is also translated again once when Unicorn empties a full translation
 *    buffer in the middle of a run (cpu.c, which nobody is told of) or when sites.c drops a
 *    block to hook it; a storm translates the same block again and again.  Between runs a
 *    buffer that has taken CPU_FLUSH_AFTER translations is emptied while nothing runs, so
 *    that ordinary code seldom fills it in the middle of one.
 *
 * 2. A safety net on the wall clock: a thread looks every second at the virtual time the CPU
 *    noted at its last block start; if it stood
 *    still for stall_limit_s seconds while the engine ran, the engine is stopped from that
 *    thread (CPU_STOP_STALLED).  That depends on the machine, so it says so; a debugger's pause
 *    does not count (the engine is not running then).
 *
 * Self-modifying code that does make progress is slow in Unicorn 2.1.1 (every store into a
 * page holding translated code takes its slow path) but moves the clock: --max-time bounds it.
 */

#define CPU_TRANSLATION_WINDOW_NS 100000u   /* 100 us of virtual time */
#define CPU_RETRANSLATION_LIMIT 1000u
#define CPU_FLUSH_AFTER 50000u               /* translations; the buffer holds about 87,000 */
#define RECENT_SLOTS 4096u                   /* a power of two */
#define AGAIN 1u                             /* recent_pc: translated again since first seen */

void cpu_progress_translated(struct cpu *c, uint32_t pc) {
    if (c->now_ns - c->tr_window_start >= CPU_TRANSLATION_WINDOW_NS) {
        c->tr_window_start = c->now_ns;
        c->tr_window_n = 0;
    }
    uint64_t *slot = &c->recent_pc[(pc * 2654435761u) >> 20 & (RECENT_SLOTS - 1)];
    uint64_t seen = ((uint64_t)pc + 1) << 1;   /* +1: an empty slot is 0 */
    if ((*slot & ~(uint64_t)AGAIN) != seen) {
        *slot = seen;
        return;
    }
    if (!(*slot & AGAIN)) {   /* the first time again: perhaps a flush's (see above) */
        *slot |= AGAIN;
        return;
    }
    if (++c->tr_window_n <= CPU_RETRANSLATION_LIMIT || c->stopping)
        return;
    char msg[176];
    snprintf(msg, sizeof(msg), "the guest makes no progress: its code was translated again %u "
             "times within %u us of virtual time (code rewriting itself), the last at 0x%08x",
             CPU_RETRANSLATION_LIMIT + 1, CPU_TRANSLATION_WINDOW_NS / 1000, pc);
    cpu_request_stop(c, CPU_STOP_NO_PROGRESS, msg);
}

/* Every translation was dropped: nothing translated from now on is a retranslation. */
void cpu_progress_flushed(struct cpu *c) {
    memset(c->recent_pc, 0, RECENT_SLOTS * sizeof(c->recent_pc[0]));
    c->tr_at_flush = c->n_translations;
}

/* Between runs: empty a translation buffer that may be close to full (see above). */
void cpu_progress_between_runs(struct cpu *c) {
    if (c->n_translations - c->tr_at_flush < CPU_FLUSH_AFTER)
        return;
    uc_ctl_flush_tb(c->uc);
    cpu_progress_flushed(c);
    c->n_buffer_flushes++;
}

/* On the watchdog's thread: only atomics and uc_emu_stop() (which only sets flags). */
static void tick(void *ctx) {
    struct cpu *c = ctx;
    if (!atomic_load(&c->in_engine)) {
        c->still_s = 0;
        return;
    }
    uint64_t seen = atomic_load(&c->clock_seen);
    if (seen != c->last_seen) {
        c->last_seen = seen;
        c->still_s = 0;
        return;
    }
    if (++c->still_s >= c->stall_limit_s && !atomic_exchange(&c->stalled, 1))
        uc_emu_stop(c->uc);
}

int cpu_progress_open(struct cpu *c) {
    c->recent_pc = calloc(RECENT_SLOTS, sizeof(c->recent_pc[0]));
    if (!c->recent_pc) return -1;
    c->stall_limit_s = 5;
    c->watchdog = watchdog_start(tick, c, 1000);
    return 0;
}

void cpu_progress_close(struct cpu *c) {
    watchdog_stop(c->watchdog);
    c->watchdog = NULL;
    free(c->recent_pc);
    c->recent_pc = NULL;
}

/* After the engine returned: did the safety net stop it? */
int cpu_progress_stalled(struct cpu *c) {
    if (!atomic_exchange(&c->stalled, 0))
        return 0;
    c->stopping = 1;
    c->stop = CPU_STOP_STALLED;
    snprintf(c->stop_msg, sizeof(c->stop_msg), "the virtual clock stood still at %llu ns for "
             "%u s of wall-clock time, at eip 0x%08x (stopped by the wall-clock safety net; "
             "this stop depends on the machine)", (unsigned long long)c->now_ns,
             c->stall_limit_s, cpu_get(c, UC_X86_REG_EIP));
    return 1;
}
