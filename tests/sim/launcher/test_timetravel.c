/* test_timetravel.c - checkpoints and going back: the same machine both ways, the same trace. */
#include "tests/check.h"
#include "sim/launcher/launcher.h"
#include "tests/sim/launcher/same_file.h"
#include <stdlib.h>

extern const uint8_t lgsim_demo_guest[];
extern const size_t lgsim_demo_guest_len;

static char dir[3000], straight[4096], travelled[4096];
static struct launcher L;

static void start(struct launcher *l, const char *trace, uint64_t checkpoint_ns) {
    struct launcher_options o = {
        .mem_mb = 64, .kernel = lgsim_demo_guest, .kernel_len = lgsim_demo_guest_len,
        .kernel_path = "(built-in demo guest)", .cmdline = "", .console = tmpfile(),
        .max_ns = 10000000000ull, .trace_path = trace, .options_text = "time travel test",
        .checkpoint_ns = checkpoint_ns,
    };
    char err[300] = "";
    CHECK_EQ(launcher_init(l, &o, err, sizeof(err)), 0);
    if (err[0]) fprintf(stderr, "  (%s)\n", err);
}

static void finish(struct launcher *l) {
    char err[300] = "";
    CHECK_EQ(launcher_run(l), 0);                 /* the demo powers off */
    CHECK_EQ(launcher_close_trace(l, err, sizeof(err)), 0);
    fclose(l->opt.console);
    launcher_free(l);
}

#define POINTS 12
static uint64_t at[POINTS], hash[POINTS];
static int in_round_trip[POINTS];

/* Forward through the demo (100 ms of virtual time), stopping at 12 points: the machine's
 * hash there (registers, all memory) and whether a page-fault round trip was open. */
static void forward_with_checkpoints(void) {
    start(&L, travelled, 5000000);                /* a checkpoint every 5 ms */
    for (int i = 0; i < POINTS; i++) {
        uint64_t want = 500000 + (uint64_t)i * 8100000 + (uint64_t)(i % 3) * 777777;
        CHECK_EQ(launcher_run_until(&L, want), 1);
        at[i] = lguest_time(L.lg);
        CHECK(at[i] >= want);
        hash[i] = tt_state_hash(&L);
        in_round_trip[i] = L.rec.rt_state != RT_IDLE;
    }
    struct tt_stats st = tt_stats(&L);
    printf("time travel: %u checkpoints, %llu bytes kept of %llu per whole state\n", st.n,
           (unsigned long long)st.bytes, (unsigned long long)st.host_bytes);
    CHECK(st.n >= 8);   /* one per 5 ms up to ~90 ms, less the halts the clock jumps over */
    CHECK(st.bytes < (uint64_t)st.n * st.host_bytes / 4);   /* changed pages only */
}

/* Back to every point, latest first and then in a scrambled order: each time the machine
 * is the one that was there going forwards. */
static void backwards_is_forwards(void) {
    char err[300] = "";
    int same = 0, tries = 0;
    for (int i = POINTS - 1; i >= 0; i--, tries++) {
        CHECK_EQ(tt_back(&L, at[i], err, sizeof(err)), 0);
        CHECK_EQ(lguest_time(L.lg), at[i]);
        same += tt_state_hash(&L) == hash[i];
    }
    for (int k = 0; k < POINTS; k++, tries++) {
        int i = (k * 5 + 3) % POINTS;   /* back, and on to later points too */
        CHECK_EQ(tt_back(&L, at[i], err, sizeof(err)), 0);
        same += tt_state_hash(&L) == hash[i] && lguest_time(L.lg) == at[i];
    }
    CHECK_EQ(same, tries);
    int open = 0;
    for (int i = 0; i < POINTS; i++) open += in_round_trip[i];
    printf("time travel: %d points, %d of them inside a page-fault round trip\n", POINTS, open);
    CHECK_EQ(tt_back(&L, 0, err, sizeof(err)), 0);   /* the first checkpoint: the start */
    CHECK_EQ(lguest_time(L.lg), 0);
}

/* After all that going back and forth, the run ends with the straight run's trace. */
static void trace_unchanged(void) {
    char err[300] = "";
    CHECK_EQ(tt_back(&L, at[3], err, sizeof(err)), 0);   /* end from an early point */
    finish(&L);
    start(&L, straight, 0);
    finish(&L);
    check_same_file(straight, travelled);
}

int main(int argc, char **argv) {
    snprintf(dir, sizeof(dir), "%s", argc > 1 ? argv[1] : ".");
    snprintf(straight, sizeof(straight), "%s/tt_straight.trc", dir);
    snprintf(travelled, sizeof(travelled), "%s/tt_travelled.trc", dir);
    RUN(forward_with_checkpoints);
    RUN(backwards_is_forwards);
    RUN(trace_unchanged);
    return check_report("time travel");
}
