/* bench_timetravel.c - what time travel costs: checkpoints, going back, saving and restoring. */
#define _POSIX_C_SOURCE 200809L
#include "debug/control.h"
#include "sim/launcher/launcher.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

extern const uint8_t lgsim_demo_guest[];
extern const size_t lgsim_demo_guest_len;

static double now_s(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static struct launcher L;

static void start(uint64_t checkpoint_ns) {
    char err[300];
    struct launcher_options o = { .mem_mb = 64, .kernel = lgsim_demo_guest,
                                  .kernel_len = lgsim_demo_guest_len, .cmdline = "",
                                  .kernel_path = "(built-in demo guest)",
                                  .max_ns = 10000000000ull, .checkpoint_ns = checkpoint_ns,
                                  .console = fopen("/dev/null", "w") };
    if (launcher_init(&L, &o, err, sizeof(err))) { fprintf(stderr, "%s\n", err); exit(1); }
}

static void stop(void) {
    fclose(L.opt.console);
    launcher_free(&L);
}

/* The teaching guest start to end: wall seconds (and the checkpoints' figures). */
static double whole_run(uint64_t checkpoint_ns, struct tt_stats *st) {
    start(checkpoint_ns);
    double t = now_s();
    launcher_run(&L);
    t = now_s() - t;
    if (st) *st = tt_stats(&L);
    stop();
    return t;
}

/* Checkpoints on and off, interleaved so noise hits both alike. */
static void forward_slowdown(uint64_t every_ms, int pairs) {
    double off[32], on[32];
    struct tt_stats st = { 0 };
    for (int i = 0; i < pairs; i++) {
        off[i] = whole_run(0, NULL);
        on[i] = whole_run(every_ms * 1000000ull, &st);
    }
    qsort(off, (size_t)pairs, sizeof(double), cmp_double);
    qsort(on, (size_t)pairs, sizeof(double), cmp_double);
    printf("teaching guest (100 ms virtual), --checkpoints=%llu, %d interleaved runs: without "
           "min %.3f s, with min %.3f s: forward slowdown %+.1f%% (min), %+.1f%% (median)\n",
           (unsigned long long)every_ms, pairs, off[0], on[0], (on[0] / off[0] - 1) * 100,
           (on[pairs / 2] / off[pairs / 2] - 1) * 100);
    printf("  %u checkpoints of a %.1f MiB state: %.1f ms each on average, %.1f ms the slowest; "
           "memory kept %.2f MiB in all, the first %.2f MiB, %.3f MiB per checkpoint after "
           "it\n", st.n, st.host_bytes / 1048576.0, st.ns_taking / 1e6 / st.n,
           st.max_ns_taking / 1e6, st.bytes / 1048576.0, st.first_bytes / 1048576.0,
           st.n > 1 ? (st.bytes - st.first_bytes) / 1048576.0 / (st.n - 1) : 0.0);
}

/* Going back: from the end of the run to points spread over it. */
static void going_back(void) {
    char err[300];
    start(10000000);
    launcher_run_until(&L, 99000000);
    double worst = 0, sum = 0;
    int n = 0;
    for (int64_t t = 95000000; t >= 5000000; t -= 10000000, n++) {
        launcher_run_until(&L, 99000000);
        double t0 = now_s();
        if (tt_back(&L, (uint64_t)t, err, sizeof(err))) { fprintf(stderr, "%s\n", err); exit(1); }
        double d = now_s() - t0;
        sum += d;
        if (d > worst) worst = d;
    }
    printf("going back from 99 ms to a point 5 ms past a checkpoint (--checkpoints=10), %d "
           "times: %.1f ms on average, %.1f ms the slowest\n", n, sum / n * 1e3, worst * 1e3);
    stop();
}

/* reverse-stepi as gdb makes it (debug/travel.c): from a stop anywhere in the run, one
 * instruction back (a pass measuring where the CPU is, one arriving), then one more (the place
 * is known: one pass). */
static struct control K;
static int back_state;
static double back_t0, back_first[16], back_again[16];
static int n_backs;

static int cp_count(void *l) { return tt_count(l); }
static int cp_first(void *l) { return tt_first_usable(l); }
static uint64_t cp_time(void *l, int i) { return tt_time(l, i); }
static int cp_restore(void *l, int i, char *err, size_t n) { return tt_restore(l, i, err, n); }

static void travel(void *ctx, struct launcher *l) {
    if (control_travel_between(&K)) { fprintf(stderr, "%s\n", K.tr.why); exit(1); }
}

static void back_paused(void *ctx) {
    double t = now_s();
    if (back_state == 1) back_first[n_backs] = t - back_t0;
    if (back_state == 2) back_again[n_backs++] = t - back_t0;
    if (back_state == 2) {
        back_state = 0;
        control_continue(&K);
        return;
    }
    back_state++;
    back_t0 = now_s();
    if (control_back(&K, 1) != 1) { fprintf(stderr, "cannot go back: %s\n", K.tr.why); exit(1); }
}

static void reverse_stepi(void) {
    struct control_checkpoints cps = { &L, cp_count, cp_first, cp_time, cp_restore };
    start(10000000);
    control_open(&K, L.lg, NULL, &(struct control_client){ back_paused, NULL, NULL });
    K.cps = &cps;
    K.attached = 1;
    L.travel = travel;
    for (uint64_t t = 3000000; t < 95000000 && n_backs < 16; t += 6100000) {
        launcher_run_until(&L, t);
        control_pause_soon(&K);   /* the next block stops: a place in the middle of a run */
        launcher_run_until(&L, t + 100000);
    }
    qsort(back_first, (size_t)n_backs, sizeof(double), cmp_double);
    qsort(back_again, (size_t)n_backs, sizeof(double), cmp_double);
    printf("reverse-stepi (--checkpoints=10), %d places from 3 to 95 ms: the first %.1f ms "
           "median, %.1f ms the slowest; the next one %.1f ms median, %.1f ms the slowest\n",
           n_backs, back_first[n_backs / 2] * 1e3, back_first[n_backs - 1] * 1e3,
           back_again[n_backs / 2] * 1e3, back_again[n_backs - 1] * 1e3);
    control_close(&K);
    stop();
}

/* A saved file at 50 ms and a restore from it (reading, checking, building the machine). */
static void save_and_restore(void) {
    char err[400], path[] = "/tmp/lgsim-bench-XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0) exit(1);
    close(fd);
    start(0);
    launcher_run_until(&L, 50000000);
    double t0 = now_s();
    if (machine_file_write(&L, path, err, sizeof(err))) { fprintf(stderr, "%s\n", err); exit(1); }
    double saving = now_s() - t0;
    stop();
    t0 = now_s();
    struct saved_machine m;
    if (machine_file_read(path, &m, err, sizeof(err))) { fprintf(stderr, "%s\n", err); exit(1); }
    start(0);
    if (machine_file_matches(&L, &m, err, sizeof(err)) ||
        machine_restore(&L, m.state, m.state_len, 1, err, sizeof(err))) {
        fprintf(stderr, "%s\n", err);
        exit(1);
    }
    double restoring = now_s() - t0;
    FILE *f = fopen(path, "rb");
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    fclose(f);
    double run_rest = now_s();
    launcher_run(&L);
    run_rest = now_s() - run_rest;
    printf("saved machine at 50 ms: %.1f KiB on disk for %.1f MiB of state; saving %.0f ms, "
           "restoring (read, check, set up, load) %.0f ms; the other 50 ms of the run then "
           "took %.0f ms\n", size / 1024.0, m.state_len / 1048576.0, saving * 1e3,
           restoring * 1e3, run_rest * 1e3);
    machine_file_free(&m);
    stop();
    unlink(path);
}

int main(void) {
    forward_slowdown(10, 3);
    forward_slowdown(50, 3);
    going_back();
    reverse_stepi();
    save_and_restore();
    return 0;
}
