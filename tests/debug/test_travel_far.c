/* test_travel_far.c - going back over many checkpoints runs each stretch between them once. */
#include "tests/check.h"
#include "debug/control.h"
#include "sim/host/lg.h"
#include "sim/launcher/launcher.h"
#include <stdlib.h>

/*
 * The teaching guest runs NEAR instructions under the machine control (the machine's hash
 * there), then on to FAR, with a checkpoint every CP_NS of virtual time: many of them lie
 * between.  Going back FAR - NEAR instructions measures from the last checkpoint, then each
 * stretch before it from its own checkpoint to the next one's turn, then arrives: one pass per
 * checkpoint crossed and two more, and the instructions they run are the run up to FAR and the
 * way from the arrival's checkpoint to NEAR, not a run to FAR from every checkpoint.  The
 * machine there is the one met going forwards.  Then the same back to a page fault met before
 * several checkpoints: as many passes.
 */

extern const uint8_t lgsim_demo_guest[];
extern const size_t lgsim_demo_guest_len;

#define NEAR 20011
#define FAR 250007
#define CP_NS 50000
#define PF_BACK 8   /* page faults back from FAR: the 8th last is several checkpoints back */

static struct launcher L;
static struct control K;
static struct control_checkpoints cps;
static enum { START, AT_NEAR, AT_FAR, BACK_NEAR, BACK_PF, DONE } phase;
static uint64_t near_hash, passes0, insns0, passes, insns, ev_passes;
static int cp_far, cp_far_near, cp_arrived, cp_pf, same, ev_ok, ev_asked;

static int cp_count(void *l) { return tt_count(l); }
static int cp_first(void *l) { return tt_first_usable(l); }
static uint64_t cp_time(void *l, int i) { return tt_time(l, i); }
static int cp_restore(void *l, int i, char *err, size_t n) { return tt_restore(l, i, err, n); }

static void travel(void *ctx, struct launcher *l) {
    (void)ctx;
    if (control_travel_between(&K)) {
        fprintf(stderr, "  travel: %s\n", K.tr.why);
        launcher_quit(l, "travel failed");
    }
}

/* The checkpoint the CPU's clock is at or after: where a measure from here begins. */
static int checkpoint_now(void) {
    int j = -1;
    for (int i = 0; i < tt_count(&L); i++)
        if (tt_time(&L, i) < K.c->now_ns) j = i;
    return j;
}

static void paused(void *ctx) {
    (void)ctx;
    switch (phase) {
    case START:   /* a stop before a block: the first counted stop is after an instruction */
        phase = AT_NEAR;
        control_run_for(&K, NEAR);
        return;
    case AT_NEAR:
        near_hash = lguest_machine_hash(L.lg);
        phase = AT_FAR;
        control_run_for(&K, FAR - NEAR);
        return;
    case AT_FAR:
        cp_far_near = checkpoint_now();
        passes0 = K.tr.n_passes;
        insns0 = K.tr.n_insns;
        phase = BACK_NEAR;
        CHECK_EQ(control_back(&K, FAR - NEAR), 1);
        return;
    case BACK_NEAR:
        CHECK_EQ(K.stopped, CS_TRAVEL);
        same = lguest_machine_hash(L.lg) == near_hash;
        cp_arrived = K.tr.here_cp;
        passes = K.tr.n_passes - passes0;
        insns = K.tr.n_insns - insns0;
        control_run_for(&K, FAR - NEAR);   /* on to FAR again, where is not counted */
        phase = BACK_PF;
        return;
    case BACK_PF:
        if (!ev_asked) {
            ev_asked = 1;
            cp_far = checkpoint_now();
            passes0 = K.tr.n_passes;
            CHECK_EQ(control_back_to_event(&K, UNTIL_PF, ~0u, PF_BACK), 1);
            return;
        }
        ev_ok = K.stopped == CS_TRAVEL;
        cp_pf = K.tr.here_cp;
        ev_passes = K.tr.n_passes - passes0;
        phase = DONE;
        control_continue(&K);
        return;
    case DONE:
        return;
    }
}

static void far_back(void) {
    struct launcher_options o = {
        .mem_mb = 16, .kernel = lgsim_demo_guest, .kernel_len = lgsim_demo_guest_len,
        .kernel_path = "(built-in demo guest)", .cmdline = "", .console = tmpfile(),
        .max_ns = 10000000000ull, .options_text = "travel far test", .checkpoint_ns = CP_NS,
    };
    char err[300] = "";
    CHECK_EQ(launcher_init(&L, &o, err, sizeof(err)), 0);
    cps = (struct control_checkpoints){ &L, cp_count, cp_first, cp_time, cp_restore };
    control_open(&K, L.lg, NULL, &(struct control_client){ paused, NULL, NULL });
    K.cps = &cps;
    K.attached = 1;
    L.travel = travel;
    control_pause_soon(&K);
    CHECK_EQ(launcher_run(&L), 0);   /* the demo powers off */
    control_close(&K);
    fclose(L.opt.console);
    launcher_free(&L);
    int crossed = cp_far_near - cp_arrived, crossed_pf = cp_far - cp_pf;
    printf("travel far: back %d instructions over %d checkpoints: %llu passes ran %llu "
           "instructions; back %d page faults over %d checkpoints: %llu passes\n", FAR - NEAR,
           crossed, (unsigned long long)passes, (unsigned long long)insns, PF_BACK, crossed_pf,
           (unsigned long long)ev_passes);
    CHECK(crossed >= 8);
    CHECK_EQ(same, 1);
    CHECK_EQ(passes, (uint64_t)crossed + 2);   /* a measure per stretch, and the arrival */
    /* each stretch once: the run to FAR, and from the arrival's checkpoint to NEAR again
     * (a pass that stops at an instruction has counted it begun) */
    CHECK(insns <= FAR + NEAR + passes);
    CHECK_EQ(phase, DONE);
    CHECK_EQ(ev_ok, 1);
    CHECK(crossed_pf >= 2);
    CHECK_EQ(ev_passes, (uint64_t)crossed_pf + 2);
}

int main(void) {
    RUN(far_back);
    return check_report("travel_far");
}
