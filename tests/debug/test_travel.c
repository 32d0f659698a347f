/* test_travel.c - going back to an exact instruction: the machine backwards is the one forwards. */
#include "tests/check.h"
#include "debug/control.h"
#include "sim/host/layout.h"
#include "sim/host/lg.h"
#include "sim/launcher/launcher.h"
#include <stdlib.h>

/*
 * The teaching guest runs forward under the machine control, stopping every so many
 * instructions (control_run_for: the distances are known exactly); at each stop the machine's
 * hash (registers, all memory).  Stops come close together inside the Switcher and while a
 * page-fault round trip is open, far apart elsewhere.  Then, from the last stop, the control
 * goes back to the stops, latest first and then in a scrambled order, each time by the
 * number of instructions between: the hash must be the one met going forwards.  Last the
 * guest runs to its end from an early stop, and its trace is the straight run's, byte for byte.
 */

extern const uint8_t lgsim_demo_guest[];
extern const size_t lgsim_demo_guest_len;

#define POINTS 64
#define FAR 20011         /* instructions between two stops in plain guest or host code */
#define NEAR 7            /* ... inside the Switcher or an open page-fault round trip, */
#define NEAR_MAX 6        /* up to this many stops in a row */

static char straight[4096], travelled[4096];
static struct launcher L;
static struct control K;
static struct control_checkpoints cps;

static uint64_t pos[POINTS], hash[POINTS];
static int in_switcher[POINTS], in_round_trip[POINTS], n_points;
static enum { FORWARD, BACK, SCRAMBLED, ON_AGAIN, TO_END } phase;
static int k_back, target, same, tries, near_run, started, n_checkpoints, k_open;
static int windowed;   /* arrivals counted from a little before the place, not a checkpoint */
static uint64_t here;

static int cp_count(void *l) { return tt_count(l); }
static int cp_first(void *l) { return tt_first_usable(l); }
static uint64_t cp_time(void *l, int i) { return tt_time(l, i); }
static int cp_restore(void *l, int i, char *err, size_t n) { return tt_restore(l, i, err, n); }

static void travel(void *ctx, struct launcher *l) {
    if (control_travel_between(&K)) {
        fprintf(stderr, "  travel: %s\n", K.tr.why);
        launcher_quit(l, "travel failed");
    }
}

static void start(const char *trace) {
    struct launcher_options o = {
        .mem_mb = 16, .kernel = lgsim_demo_guest, .kernel_len = lgsim_demo_guest_len,
        .kernel_path = "(built-in demo guest)", .cmdline = "", .console = tmpfile(),
        .max_ns = 10000000000ull, .trace_path = trace, .options_text = "travel test",
        .checkpoint_ns = 200000,   /* several checkpoints among the stops */
    };
    char err[300] = "";
    CHECK_EQ(launcher_init(&L, &o, err, sizeof(err)), 0);
    if (err[0]) fprintf(stderr, "  (%s)\n", err);
}

static int finish(void) {
    char err[300] = "";
    int code = launcher_run(&L);
    if (k_open) control_close(&K);   /* before the Host goes */
    k_open = 0;
    CHECK_EQ(launcher_close_trace(&L, err, sizeof(err)), 0);
    fclose(L.opt.console);
    launcher_free(&L);
    return code;
}

static void note_point(void) {
    uint32_t eip = cpu_get(K.c, CPU_REG_EIP);
    int i = n_points++;
    pos[i] = here;
    hash[i] = lguest_machine_hash(L.lg);
    in_switcher[i] = eip >= SWITCHER_ADDR && eip < SWITCHER_ADDR + 0x1000;
    in_round_trip[i] = L.rec.rt_state != RT_IDLE;
}

/* Back to stop i, or on to it when it is later. */
static void go_back_to(int i) {
    target = i;
    tries++;
    if (pos[i] > here) control_run_for(&K, pos[i] - here);
    else CHECK_EQ(control_back(&K, here - pos[i]), 1);
    here = pos[i];
}

/* The next stop of the scrambled order (latest first was done before). */
static int scrambled(int k) { return (k * 37 + 11) % n_points; }

static void arrived(void) {
    CHECK(K.stopped == CS_TRAVEL || K.stopped == CS_BUDGET);
    int ok = lguest_machine_hash(L.lg) == hash[target];
    same += ok;
    windowed += K.tr.here_base != 0;
    if (!ok)
        fprintf(stderr, "  stop %d (%llu instructions in%s%s) differs: reached from checkpoint "
                "%d, %llu after it\n", target, (unsigned long long)pos[target],
                in_switcher[target] ? ", Switcher" : "",
                in_round_trip[target] ? ", round trip" : "", K.tr.here_cp,
                (unsigned long long)K.tr.here_n);
}

static void paused(void *ctx) {
    switch (phase) {
    case FORWARD: {
        if (!started) {   /* a stop before a block: the first stop is after an instruction */
            started = 1;
            control_run_for(&K, FAR);
            here = FAR;
            return;
        }
        note_point();
        int i = n_points - 1;
        if (n_points == POINTS) {
            phase = BACK;
            k_back = POINTS - 2;
            go_back_to(k_back);
            return;
        }
        int near = (in_switcher[i] || in_round_trip[i]) && near_run < NEAR_MAX;
        near_run = near ? near_run + 1 : 0;
        uint64_t n = near ? NEAR : FAR + (uint64_t)(i % 5) * 1000;
        control_run_for(&K, n);
        here += n;
        return;
    }
    case BACK:
        arrived();
        if (--k_back >= 0) { go_back_to(k_back); return; }
        phase = SCRAMBLED;
        k_back = 0;
        go_back_to(scrambled(0));
        return;
    case SCRAMBLED:
        arrived();
        if (++k_back < 24) { go_back_to(scrambled(k_back)); return; }
        phase = ON_AGAIN;   /* forward again from a stop: the next stop's machine */
        go_back_to(10);
        return;
    case ON_AGAIN:
        if (K.stopped == CS_TRAVEL) {
            arrived();
            control_run_for(&K, pos[11] - pos[10]);
            return;
        }
        tries++;
        same += lguest_machine_hash(L.lg) == hash[11];
        phase = TO_END;
        n_checkpoints = tt_count(&L);
        control_continue(&K);
        return;
    case TO_END:
        return;
    }
}

static void forward_and_back(void) {
    start(travelled);
    cps = (struct control_checkpoints){ &L, cp_count, cp_first, cp_time, cp_restore };
    control_open(&K, L.lg, NULL, &(struct control_client){ paused, NULL, NULL });
    k_open = 1;
    K.cps = &cps;
    K.attached = 1;
    L.travel = travel;
    control_pause_soon(&K);   /* the first block pauses: the first stop */
    CHECK_EQ(finish(), 0);    /* the demo powers off */
    int sw = 0, rt = 0;
    for (int i = 0; i < n_points; i++) sw += in_switcher[i], rt += in_round_trip[i];
    printf("travel: %d stops over %llu instructions, %d in the Switcher, %d in a page-fault "
           "round trip; %d checkpoints; %llu passes ran %llu instructions\n", n_points,
           (unsigned long long)pos[n_points - 1], sw, rt, n_checkpoints,
           (unsigned long long)K.tr.n_passes, (unsigned long long)K.tr.n_insns);
    CHECK(n_checkpoints >= 3);
    CHECK_EQ(n_points, POINTS);
    CHECK(sw >= 5);
    CHECK(rt >= 5);
    CHECK_EQ(phase, TO_END);
    CHECK_EQ(same, tries);
    /* the stops 7 instructions apart (Switcher, round trips) are gone back to that way */
    printf("travel: %d arrivals counted from a window before the place\n", windowed);
    CHECK(windowed >= 20);
    CHECK(tries > POINTS);
}

/* Gone back and forth, the run ends with the straight run's trace. */
static void trace_unchanged(void) {
    start(straight);
    CHECK_EQ(finish(), 0);
    size_t a = 0, b = 0;
    uint8_t *x = launcher_read_file(straight, &a, NULL, 0),
            *y = launcher_read_file(travelled, &b, NULL, 0);
    CHECK(x && y && a == b && !memcmp(x, y, a));
    free(x);
    free(y);
}

int main(int argc, char **argv) {
    const char *dir = argc > 1 ? argv[1] : ".";
    snprintf(straight, sizeof(straight), "%s/travel_straight.trc", dir);
    snprintf(travelled, sizeof(travelled), "%s/travel_travelled.trc", dir);
    RUN(forward_and_back);
    RUN(trace_unchanged);
    return check_report("travel");
}
