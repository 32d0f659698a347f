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

/* Wall time, and this process's CPU time: on a shared machine the second is the steadier
 * figure (other processes' turns on the cores are not in it), so both are printed. */
static double clock_s(clockid_t id) {
    struct timespec t;
    clock_gettime(id, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}
static double now_s(void) { return clock_s(CLOCK_MONOTONIC); }
static double cpu_s(void) { return clock_s(CLOCK_PROCESS_CPUTIME_ID); }

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median(double *v, int n) {
    qsort(v, (size_t)n, sizeof(double), cmp_double);
    return n ? v[n / 2] : 0;
}


/* The guest a figure is for: the teaching guest to its end, or a Linux 4.4 boot (kernel and
 * initramfs named as the tests name them) to end_ns, the shell waiting for input by then. */
struct guest {
    const char *name;
    const uint8_t *kernel, *initrd;
    size_t kernel_len, initrd_len;
    const char *cmdline;
    uint64_t end_ns;          /* --max-time */
    uint64_t len_ns;          /* how long it runs (the places to go back from are in it) */
};
static struct guest G;

static struct launcher L;

static void start(uint64_t checkpoint_ns) {
    char err[300];
    struct launcher_options o = { .mem_mb = 64, .kernel = G.kernel, .kernel_len = G.kernel_len,
                                  .cmdline = G.cmdline, .kernel_path = G.name,
                                  .initrd = G.initrd, .initrd_len = G.initrd_len,
                                  .initrd_path = G.initrd ? "initrd" : NULL,
                                  .max_ns = G.end_ns, .checkpoint_ns = checkpoint_ns,
                                  .console = fopen("/dev/null", "w") };
    if (launcher_init(&L, &o, err, sizeof(err))) { fprintf(stderr, "%s\n", err); exit(1); }
}

static uint64_t lguest_time_of_last_run;

static void stop(void) {
    lguest_time_of_last_run = lguest_time(L.lg);
    fclose(L.opt.console);
    launcher_free(&L);
}

/* The guest start to end: CPU seconds (wall in *wall; the checkpoints' figures in *st). */
static double whole_run(uint64_t checkpoint_ns, double *wall, struct tt_stats *st) {
    start(checkpoint_ns);
    double t = now_s(), c = cpu_s();
    launcher_run(&L);
    c = cpu_s() - c;
    *wall = now_s() - t;
    if (st) *st = tt_stats(&L);
    stop();
    return c;
}

/* Checkpoints on and off, interleaved so noise hits both alike. */
static void forward_slowdown(uint64_t every_ms, int pairs) {
    double off[32], on[32], off_wall[32], on_wall[32];
    struct tt_stats st = { 0 };
    for (int i = 0; i < pairs; i++) {
        off[i] = whole_run(0, &off_wall[i], NULL);
        on[i] = whole_run(every_ms * 1000000ull, &on_wall[i], &st);
    }
    double c0 = median(off, pairs), c1 = median(on, pairs);
    double w0 = median(off_wall, pairs), w1 = median(on_wall, pairs);
    printf("%s (%.0f ms virtual), --checkpoints=%llu, %d interleaved runs, medians: without "
           "%.3f s CPU (%.3f s wall), with %.3f s CPU (%.3f s wall): forward slowdown %+.1f%% "
           "CPU (%+.1f%% wall)\n", G.name, lguest_time_of_last_run / 1e6,
           (unsigned long long)every_ms, pairs, c0, w0, c1, w1, (c1 / c0 - 1) * 100,
           (w1 / w0 - 1) * 100);
    printf("  %u checkpoints of a %.1f MiB state: %.2f ms wall each on average, %.1f ms the "
           "slowest; memory kept %.2f MiB in all, the first %.2f MiB, %.3f MiB per checkpoint "
           "after it\n", st.n, st.host_bytes / 1048576.0, st.ns_taking / 1e6 / st.n,
           st.max_ns_taking / 1e6, st.bytes / 1048576.0, st.first_bytes / 1048576.0,
           st.n > 1 ? (st.bytes - st.first_bytes) / 1048576.0 / (st.n - 1) : 0.0);
}

/* Going back: from near the end of the run to points spread over it, each 5 ms past a
 * checkpoint. */
static void going_back_from(uint64_t end_ns) {
    char err[300];
    uint64_t end = end_ns / 1000000 * 1000000 - 1000000;
    double wall[64], cpu[64];
    int n = 0;
    start(10000000);
    for (int64_t t = (int64_t)end - 4000000; t >= 5000000 && n < 64; t -= 10000000, n++) {
        launcher_run_until(&L, end);
        double w = now_s(), c = cpu_s();
        if (tt_back(&L, (uint64_t)t, err, sizeof(err))) { fprintf(stderr, "%s\n", err); exit(1); }
        wall[n] = now_s() - w;
        cpu[n] = cpu_s() - c;
    }
    stop();
    printf("  going back from %.0f ms to a time 5 ms past a checkpoint (--checkpoints=10), %d "
           "times: %.1f ms CPU median (%.1f ms wall)\n", end / 1e6, n, median(cpu, n) * 1e3,
           median(wall, n) * 1e3);
}

/* reverse-stepi as gdb makes it (debug/travel.c): from a stop anywhere in the run, one
 * instruction back (a pass measuring where the CPU is, one arriving), then one more (the place
 * is known: one pass). */
#define PLACES 16
static struct control K;
static int back_state;
static double back_t0, back_c0, at_ms[PLACES], first_w[PLACES], first_c[PLACES],
    next_w[PLACES], next_c[PLACES];
static int n_backs;

static int cp_count(void *l) { return tt_count(l); }
static int cp_first(void *l) { return tt_first_usable(l); }
static uint64_t cp_time(void *l, int i) { return tt_time(l, i); }
static int cp_restore(void *l, int i, char *err, size_t n) { return tt_restore(l, i, err, n); }

static void travel(void *ctx, struct launcher *l) {
    if (control_travel_between(&K)) { fprintf(stderr, "%s\n", K.tr.why); exit(1); }
}

static void back_paused(void *ctx) {
    double w = now_s() - back_t0, c = cpu_s() - back_c0;
    if (back_state == 0) at_ms[n_backs] = lguest_time(L.lg) / 1e6;
    if (back_state == 1) {
        first_w[n_backs] = w;
        first_c[n_backs] = c;
    }
    if (back_state == 2) {
        next_w[n_backs] = w;
        next_c[n_backs++] = c;
        back_state = 0;
        control_continue(&K);
        return;
    }
    back_state++;
    back_t0 = now_s();
    back_c0 = cpu_s();
    if (control_back(&K, 1) != 1) { fprintf(stderr, "cannot go back: %s\n", K.tr.why); exit(1); }
}

static void reverse_stepi(int each) {
    struct control_checkpoints cps = { &L, cp_count, cp_first, cp_time, cp_restore };
    start(10000000);
    control_open(&K, L.lg, NULL, &(struct control_client){ back_paused, NULL, NULL });
    K.cps = &cps;
    K.attached = 1;
    L.travel = travel;
    n_backs = 0;
    uint64_t step = (G.len_ns - 5000000) / PLACES;
    for (uint64_t t = 3000000; t + 200000 < G.len_ns && n_backs < PLACES; t += step) {
        launcher_run_until(&L, t);
        control_pause_soon(&K);   /* the next block stops: a place in the middle of a run */
        launcher_run_until(&L, t + 100000);
    }
    for (int i = 0; each && i < n_backs; i++)
        printf("    at %7.3f ms: the first %6.1f ms CPU (%6.1f wall), the next %6.1f ms CPU "
               "(%6.1f wall)\n", at_ms[i], first_c[i] * 1e3, first_w[i] * 1e3, next_c[i] * 1e3,
               next_w[i] * 1e3);
    double worst = 0;
    for (int i = 0; i < n_backs; i++) worst = first_c[i] > worst ? first_c[i] : worst;
    printf("  reverse-stepi (--checkpoints=10), %d places over the run, medians: the first "
           "%.1f ms CPU (%.1f ms wall), slowest %.1f ms CPU; the next one %.1f ms CPU (%.1f ms "
           "wall)\n", n_backs, median(first_c, n_backs) * 1e3, median(first_w, n_backs) * 1e3,
           worst * 1e3, median(next_c, n_backs) * 1e3, median(next_w, n_backs) * 1e3);
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
    printf("  saved machine at 50 ms: %.1f KiB on disk for %.1f MiB of state; saving %.0f ms, "
           "restoring (read, check, set up, load) %.0f ms; the other 50 ms of the run then "
           "took %.0f ms\n", size / 1024.0, m.state_len / 1048576.0, saving * 1e3,
           restoring * 1e3, run_rest * 1e3);
    machine_file_free(&m);
    stop();
    unlink(path);
}

/* The whole file, or the run ends with the reader's one line. */
static uint8_t *slurp(const char *path, size_t *len) {
    char err[300];
    uint8_t *p = launcher_read_file(path, len, err, sizeof(err));
    if (!p) { fprintf(stderr, "bench: %s\n", err); exit(1); }
    return p;
}

int main(void) {
    G = (struct guest){ "teaching guest", lgsim_demo_guest, NULL, lgsim_demo_guest_len, 0, "",
                        10000000000ull, 100000000ull };
    forward_slowdown(10, 3);
    forward_slowdown(50, 3);
    going_back_from(100000000);
    reverse_stepi(0);
    save_and_restore();
    const char *kernel = getenv("LGSIM_LINUX_44_1"), *initrd = getenv("LGSIM_LINUX_44_INITRD");
    if (!kernel || !*kernel || !initrd || !*initrd) {
        printf("SKIPPED: a Linux 4.4 boot (LGSIM_LINUX_44_1 and LGSIM_LINUX_44_INITRD name "
               "none)\n");
        return 0;
    }
    /* To the initramfs's shell, waiting for input (no input given: all of it can be gone
     * back over) */
    G = (struct guest){ "Linux 4.4.1 boot", NULL, NULL, 0, 0, "console=hvc0", 400000000ull,
                        380000000ull };
    G.kernel = slurp(kernel, &G.kernel_len);
    G.initrd = slurp(initrd, &G.initrd_len);
    forward_slowdown(10, 3);
    going_back_from(G.len_ns);
    reverse_stepi(1);
    return 0;
}
