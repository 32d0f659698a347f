/* travel.c - going back to an exact instruction: a checkpoint put back, and the run forward again. */
#include "debug/control.h"
#include "sim/host/lg.h"
#include <stdio.h>
#include <string.h>

/*
 * lgsim is deterministic, so a place in the run is named by a checkpoint (taken at a turn of
 * the Launcher) and the number of instructions the CPU began after it.  Nothing counts while
 * the machine runs forward: going back from where the CPU stands takes two passes, each from
 * a checkpoint put back in place, with the every-instruction hook counting.
 *
 *   - measure: run to where the CPU stood, which is known by the virtual clock and the next
 *     instruction.  The clock is charged a whole block at its start and every block costs at
 *     least a nanosecond, so within one reading of the clock the instructions run are those of
 *     one straight block, each at its own address: the pair names one instruction of the run.
 *     The count there is where the CPU stood.  Breakpoints met on the way are noted, for a
 *     reverse continue.  When the place wanted lies before this checkpoint (not enough
 *     instructions, events, no breakpoint met), a pass is made from the one before, which
 *     ends at the Launcher's turn where the later one was taken: it counts that stretch only,
 *     so going back over many checkpoints runs each stretch once.
 *   - arrive: put the checkpoint back again and stop before the instruction wanted.  The place
 *     is then known, so going back again from it needs only this pass.
 *
 * Counting is what costs (a hook on every instruction): going back a few instructions counts
 * only from a little before here.  Both passes run without the hook until the CPU stops before
 * the first block that puts the clock at base_ns or past it (cpu/pause.c, before_ns), which
 * is the same block in every pass, and count from there; a place is then that block and the
 * instructions after it.  Fewer instructions than wanted since base_ns (the CPU halted in
 * that time): the pass is made again counting from the checkpoint.
 *
 * Console input given to the Guest since a checkpoint is given again on the way forward, at
 * the same points (sim/launcher/refeed.c); the first checkpoint that can be put back is the
 * one after the last restart.
 *
 * A pass begins in the middle of a run of the CPU (wherever the client paused it): the Host
 * ends that run at once (lguest_unwind()), and the Launcher, between two runs, puts the
 * checkpoint in place and calls control_travel_between().
 */

/* The latest checkpoint before the place noted (note_here).  One taken at the same reading
 * of the clock may come after an exact place (the block ran on to the Launcher's turn), never
 * after a place before an uncharged block (the block is charged before any turn). */
static int first(struct control *k) { return k->cps->first(k->cps->ctx); }

static int latest_before(struct control *k) {
    int j = -1, n = k->cps->count(k->cps->ctx);
    for (int i = first(k); i < n; i++) {
        uint64_t t = k->cps->time(k->cps->ctx, i);
        if (t < k->tr.now_ns || (!k->tr.exact && t == k->tr.now_ns)) j = i;
    }
    return j;
}

/* Where the CPU stands now, as a measure pass finds it again. */
static void note_here(struct control *k) {
    struct cpu *c = k->c;
    k->tr.now_ns = c->now_ns;
    k->tr.eip = cpu_get(c, CPU_REG_EIP);
    /* paused before a block's first instruction and before charging it (Ctrl-C, a new
     * debugger): the next instruction comes at a later reading of the clock */
    k->tr.exact = !(c->pause.at == k->tr.eip && c->pause.paid_end <= c->pause.at);
}

static void quiet(struct control *k) {
    k->stepping = k->step_irq = 0;
    k->budget = 0;
    k->until = UNTIL_NONE;
    k->until_hit = k->watch_hit = 0;
}

static void go(struct control *k, enum travel_phase phase, int from, uint64_t base_ns) {
    k->tr.phase = phase;
    k->tr.from = from;
    k->tr.base_ns = base_ns;
    k->tr.seg_end = -1;
    k->tr.done = 0;
    k->tr.restore_due = 1;
    lguest_unwind(k->lg);
}

/* The first pass from here: measure, or arrive straight away when here is known. */
static int no_checkpoints(struct control *k) {
    if (k->cps && k->cps->count(k->cps->ctx) > 0) return 0;
    snprintf(k->tr.why, sizeof(k->tr.why), "no checkpoints to go back to (run with "
             "--checkpoints=MS)");
    return 1;
}

/* Where counting starts when going back a few instructions: this much virtual time before
 * here holds some thousands of instructions (a nanosecond is a byte of code), unless the CPU
 * halted in it; then the pass counts again from the checkpoint. */
#define TRAVEL_WINDOW_NS 16384u
#define TRAVEL_WINDOW_INSNS 256u

/* The window and the checkpoint to run into it from (*from: the latest before it, which may
 * be earlier than the latest before here); 0: count from *from itself. */
static uint64_t window_base(struct control *k, int *from, uint64_t back) {
    uint64_t now = k->tr.now_ns;
    if (back > TRAVEL_WINDOW_INSNS || now <= TRAVEL_WINDOW_NS) return 0;
    uint64_t base = now - TRAVEL_WINDOW_NS;
    while (*from > first(k) && k->cps->time(k->cps->ctx, *from) >= base) --*from;
    return base > k->cps->time(k->cps->ctx, *from) ? base : 0;
}

/* Here is known as a count from the checkpoint, but a long one: measuring from a window and
 * arriving costs two short passes where arriving costs one long one. */
static int window_pays(struct control *k, uint64_t back) {
    return !k->tr.here_base && back <= TRAVEL_WINDOW_INSNS && k->tr.here_n > 2 * TRAVEL_WINDOW_NS;
}

static int begin(struct control *k, uint64_t back, int to_hit) {
    if (no_checkpoints(k)) return -1;
    quiet(k);
    k->tr.back = back;
    k->tr.to_hit = to_hit;
    k->tr.arrive_info[0] = 0;
    k->tr.arrive_note[0] = 0;
    k->tr.arrive_stop = CS_TRAVEL;
    if (!to_hit && k->tr.here_known && k->tr.here_n >= back && !window_pays(k, back)) {
        k->tr.target = k->tr.here_n - back;
        go(k, TR_ARRIVE, k->tr.here_cp, k->tr.here_base);
        return 1;
    }
    note_here(k);
    int j = k->tr.here_known ? k->tr.here_cp : latest_before(k);
    if (j < 0) return 0;   /* nothing ran since the first usable checkpoint: the start */
    uint64_t base = to_hit ? 0 : window_base(k, &j, back);
    go(k, TR_MEASURE, j, base);
    return 1;
}

int control_back(struct control *k, uint64_t n) { return begin(k, n, 0); }
int control_reverse_continue(struct control *k) { return begin(k, 0, 1); }

int control_back_to_event(struct control *k, enum until ev, uint32_t nr, uint64_t n) {
    if (n < 1 || n > CONTROL_BACK_EVENTS || ev == UNTIL_NONE || ev == UNTIL_RT_END) {
        snprintf(k->tr.why, sizeof(k->tr.why), "back to an event: a world switch, page fault "
                 "or hypercall, 1 to %d of them", CONTROL_BACK_EVENTS);
        return -1;
    }
    k->tr.ev = ev;
    k->tr.ev_nr = nr;
    k->tr.ev_want = n;
    return begin(k, 0, TRAVEL_TO_EVENT);
}

int control_to_turn(struct control *k) {
    if (no_checkpoints(k)) return -1;
    quiet(k);
    note_here(k);
    k->tr.phase = TR_TURN;
    k->tr.done = 0;
    lguest_want_turn(k->lg);
    return 1;
}

int control_return_here(struct control *k) {
    struct control_travel *t = &k->tr;
    t->back = 0;
    t->to_hit = 0;
    t->arrive_info[0] = 0;
    t->arrive_note[0] = 0;
    t->arrive_stop = CS_TRAVEL;
    t->done = 0;
    t->restore_due = 1;
    if (t->here_known) {
        t->phase = TR_ARRIVE;
        t->from = t->here_cp;
        t->base_ns = t->here_base;
        t->target = t->here_n;
        return 0;
    }
    t->phase = TR_MEASURE;
    t->base_ns = 0;
    t->seg_end = -1;
    t->from = latest_before(k);
    if (t->from >= 0) return 0;
    t->phase = TR_IDLE;
    snprintf(t->why, sizeof(t->why), "no checkpoint before here to come back from");
    return -1;
}

static void after_measure(struct control *k);

/* A pass over the stretch before a later checkpoint is at that checkpoint's turn: it was
 * taken at the first turn from its time on, and the run from the one before passes the
 * same turns. */
static int stretch_ended(const struct control *k) {
    const struct control_travel *t = &k->tr;
    return t->phase == TR_MEASURE && !t->done && !t->restore_due && t->seg_end >= 0 &&
           k->c->now_ns >= k->cps->time(k->cps->ctx, t->seg_end);
}

int control_travel_between(struct control *k) {
    if (stretch_ended(k)) {   /* the next pass, or the arrival (its restore comes next) */
        after_measure(k);
        return 0;
    }
    if (k->tr.phase == TR_IDLE || !k->tr.restore_due) return 0;
    k->tr.restore_due = 0;
    if (k->cps->restore(k->cps->ctx, k->tr.from, k->tr.why, sizeof(k->tr.why))) {
        k->tr.phase = TR_IDLE;
        return -1;
    }
    k->tr.n = 0;
    k->tr.pass_deliveries = k->n_deliveries;
    k->tr.have_hit = k->tr.seen_guest = 0;
    k->tr.ev_seen = 0;
    k->tr.ev_due = 0;
    k->tr.n_passes++;
    k->watch_hit = k->host_watch_hit = 0;
    k->tr.fast = k->tr.base_ns != 0;
    points_arm(k);   /* no hook on every instruction while fast */
    k->c->pause.on = !k->tr.fast;   /* the pass stops in the middle of a block */
    cpu_pause_before(k->c, k->tr.base_ns);   /* while fast, blocks go by as undebugged */
    return 0;
}

static void pass_done(struct control *k, uint32_t eip) {
    k->tr.done = 1;
    cpu_pause_now(k->c, eip);
}

static void note_hit(struct control *k, uint64_t n, enum control_stop kind, const char *note) {
    static const char *names[] = { "", "watch", "rwatch", "awatch" };
    k->tr.have_hit = 1;
    k->tr.hit_n = n;
    k->tr.hit_kind = kind;
    k->tr.hit_info[0] = 0;
    if (kind == CS_WATCH)
        snprintf(k->tr.hit_info, sizeof(k->tr.hit_info), "%s:%x;", names[k->watch.kind],
                 k->watch_at);
    snprintf(k->tr.hit_note, sizeof(k->tr.hit_note), "%s", note);
}

/* A watched address was touched.  By the instruction the CPU is in (on_mem): going back stops
 * before it, where the old value is still there, as gdb wants a watchpoint going backwards.
 * By the Host between two runs (points_host_wrote, host_note says it): going back stops
 * before the Guest's last instruction (the one that left for the Host), where the Guest's
 * address space shows the old value; the host routine's has no Guest address in it. */
void travel_watch_hit(struct control *k, const struct point *p, const char *host_note) {
    struct control_travel *t = &k->tr;
    if (t->phase != TR_MEASURE || t->to_hit != 1 || t->done) return;
    if (host_note ? !t->seen_guest : t->n == 0) return;
    k->watch = *p;
    k->watch_at = p->addr;
    note_hit(k, host_note ? t->last_guest_n : t->n - 1, CS_WATCH, host_note ? host_note : "");
}

/* Going back to an event: the instruction about to run is the event's (as "until" would stop
 * there going forwards): where it is, and the ev_want-th last one so far is the one to go to. */
static void event_met(struct control *k, uint32_t eip) {
    struct control_travel *t = &k->tr;
    int due = t->ev_due;
    t->ev_due = 0;
    if (!control_event_here(k, t->ev, eip, due)) return;
    t->ev_at[t->ev_seen % CONTROL_BACK_EVENTS] = t->n;
    t->ev_seen++;
    if (t->ev_seen >= t->ev_want)
        note_hit(k, t->ev_at[(t->ev_seen - t->ev_want) % CONTROL_BACK_EVENTS], CS_TRAVEL, "");
}

static void measure_insn(struct control *k, uint32_t eip) {
    struct control_travel *t = &k->tr;
    uint64_t now = k->c->now_ns;
    if (t->exact ? now == t->now_ns && eip == t->eip : now > t->now_ns) {
        pass_done(k, eip);
        return;
    }
    if (now > t->now_ns) {
        snprintf(t->why, sizeof(t->why), "the run from the checkpoint did not pass %#x at "
                 "%llu ns again", t->eip, (unsigned long long)t->now_ns);
        t->done = -1;
        cpu_pause_now(k->c, eip);
        return;
    }
    if (t->to_hit == TRAVEL_TO_EVENT) event_met(k, eip);
    else if (t->to_hit && points_is_breakpoint(k, eip)) note_hit(k, t->n, CS_BREAKPOINT, "");
    if (t->to_hit == 1 && k->n_pt && cpu_cpl(k->c) != 0) {   /* for the Host's writes */
        t->last_guest_n = t->n;
        t->seen_guest = 1;
    }
    t->n++;
}

void travel_insn(struct control *k, uint32_t eip) {
    struct control_travel *t = &k->tr;
    if (t->done || t->fast) return;   /* stopped already (the CPU is on its way out), or a
                                       * breakpoint's hook before counting begins */
    if (!(++t->n_insns % CONTROL_GOING_EVERY) && k->going) k->going(k->client.ctx);
    if (t->phase == TR_TURN) return;   /* on to the turn: nothing stops it */
    if (t->phase == TR_MEASURE) {
        measure_insn(k, eip);
        return;
    }
    k->watch_hit = k->host_watch_hit = 0;
    if (t->n == t->target) pass_done(k, eip);
    else t->n++;
}

/* The stretch before this pass's checkpoint is measured next: what this pass found is
 * taken off what is still to find there. */
static void measure_before(struct control *k) {
    struct control_travel *t = &k->tr;
    int end = t->from;
    t->back -= t->to_hit ? 0 : t->n;
    if (t->to_hit == TRAVEL_TO_EVENT) t->ev_want -= t->ev_seen;
    go(k, TR_MEASURE, t->from - 1, 0);
    t->seg_end = end;
}

/* A measure pass found the count here (or at the end of its stretch): where to arrive, or
 * the checkpoint to measure from. */
static void after_measure(struct control *k) {
    struct control_travel *t = &k->tr;
    uint64_t here = t->n;
    if (t->to_hit ? t->have_hit : here >= t->back) {
        t->target = t->to_hit ? t->hit_n : here - t->back;
        t->arrive_note[0] = 0;
        if (t->to_hit) {
            t->arrive_stop = t->hit_kind;
            snprintf(t->arrive_info, sizeof(t->arrive_info), "%s", t->hit_info);
            snprintf(t->arrive_note, sizeof(t->arrive_note), "%s", t->hit_note);
        }
        go(k, TR_ARRIVE, t->from, t->base_ns);
    } else if (t->base_ns) {   /* fewer instructions since base_ns: count from the checkpoint */
        go(k, TR_MEASURE, t->from, 0);
    } else if (t->from > first(k)) {
        measure_before(k);
    } else {   /* the place is before the first checkpoint: its start is as far as it goes */
        t->target = 0;
        snprintf(t->arrive_info, sizeof(t->arrive_info), "replaylog:begin;");
        go(k, TR_ARRIVE, t->from, 0);
    }
}

int travel_paused(struct control *k) {
    struct control_travel *t = &k->tr;
    if (t->fast && !t->done && !k->c->pause.before_ns) {   /* at base_ns: counting begins */
        t->fast = 0;
        points_arm(k);
        k->c->pause.on = 1;
        return 0;
    }
    if (!t->done || t->phase == TR_TURN) return 0;   /* attention (Ctrl-C) in the middle of a pass: it goes on */
    t->fast = 0;
    cpu_pause_before(k->c, 0);
    if (t->done < 0) {
        t->phase = TR_IDLE;
        t->here_known = 0;
        k->stopped = CS_TRAVEL;
        k->stop_sig = 5;
        k->stop_info[0] = k->stop_note[0] = 0;
        fprintf(stderr, "lgsim: going back failed: %s\n", t->why);
        return 1;
    }
    if (t->phase == TR_MEASURE) {
        after_measure(k);
        return 0;
    }
    t->phase = TR_IDLE;
    t->here_known = 1;
    t->here_cp = t->from;
    t->here_n = t->target;
    t->here_base = t->base_ns;
    k->stopped = t->arrive_stop;
    k->stop_sig = 5;
    snprintf(k->stop_info, sizeof(k->stop_info), "%s", t->arrive_info);
    snprintf(k->stop_note, sizeof(k->stop_note), "%s", t->arrive_note);
    return 1;
}
