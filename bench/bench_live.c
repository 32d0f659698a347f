/* bench_live.c - what lgsim --ui costs a running guest, and how many frames the window draws. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/*
 * usage: lgsim-bench-live [DIR]
 * Runs lgsim as a child, on the hello guest's 100000 page-fault round trips (bench=pf) and on
 * the teaching guest: without the window, then under it (--ui, headless, a script that turns
 * on the window's 16 ms frames and runs to the end: what a learner's open window costs while
 * the guest runs).  Reports the guest's speed under the window as a ratio of its speed
 * without, and the frames per second lgsim says it drew while the machine ran.  Speed is
 * given twice: by the CPU time the child used (user + system, all its threads: what the guest
 * costs, steady on a shared machine) and by wall time (what a learner waits, which other
 * work on the machine also changes).  Each figure is the median of RUNS runs.
 */
#define RUNS 3

static double now_s(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static double cpu_of_children(void) {
    struct rusage ru;
    getrusage(RUSAGE_CHILDREN, &ru);
    return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec * 1e-6 +
           (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec * 1e-6;
}

/* Run a command line through the shell; wall seconds (*cpu: its CPU seconds), -1 when it
 * failed. */
static double timed(const char *cmd, double *cpu) {
    double c0 = cpu_of_children(), t0 = now_s();
    int rc = system(cmd);
    double t = now_s() - t0;
    *cpu = cpu_of_children() - c0;
    if (rc == -1 || !WIFEXITED(rc) || WEXITSTATUS(rc) != 0) {
        fprintf(stderr, "lgsim-bench-live: failed: %s\n", cmd);
        return -1;
    }
    return t;
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* The frame rate lgsim printed into the file err. */
static double fps_in(const char *err) {
    FILE *f = fopen(err, "r");
    char line[512];
    double fps = -1;
    while (f && fgets(line, sizeof(line), f)) {
        const char *p = strstr(line, "of it running the guest): ");
        if (p) fps = atof(p + strlen("of it running the guest): "));
    }
    if (f) fclose(f);
    return fps;
}

static void measure(const char *dir, const char *name, const char *guest) {
    char cmd[2048], script[600], err[600];
    snprintf(script, sizeof(script), "%s/bench_live.script", dir);
    snprintf(err, sizeof(err), "%s/bench_live.err", dir);
    FILE *f = fopen(script, "w");
    if (!f) { perror(script); exit(1); }
    fprintf(f, "do frames\ndo run\n");
    fclose(f);
    double plain[RUNS], ui[RUNS], fps[RUNS], plain_cpu[RUNS], ui_cpu[RUNS];
    for (int i = 0; i < RUNS; i++) {
        snprintf(cmd, sizeof(cmd), "%s %s >/dev/null 2>/dev/null", LGSIM_EXE, guest);
        plain[i] = timed(cmd, &plain_cpu[i]);
        snprintf(cmd, sizeof(cmd), "%s --ui --ui-script=%s %s >/dev/null 2>%s", LGSIM_EXE,
                 script, guest, err);
        ui[i] = timed(cmd, &ui_cpu[i]);
        fps[i] = fps_in(err);
        if (plain[i] < 0 || ui[i] < 0) exit(1);
    }
    qsort(plain, RUNS, sizeof(double), cmp_double);
    qsort(ui, RUNS, sizeof(double), cmp_double);
    qsort(plain_cpu, RUNS, sizeof(double), cmp_double);
    qsort(ui_cpu, RUNS, sizeof(double), cmp_double);
    qsort(fps, RUNS, sizeof(double), cmp_double);
    double p = plain[RUNS / 2], u = ui[RUNS / 2], pc = plain_cpu[RUNS / 2], uc = ui_cpu[RUNS / 2];
    printf("%s:\n  CPU %.3f s without the window, %.3f s under it: the guest runs at %.2fx "
           "its speed (target >= 0.8x)\n  wall %.3f s and %.3f s: %.2fx; %.1f frames per "
           "second while it ran (target >= 30)\n", name, pc, uc, pc / uc, p, u, p / u,
           fps[RUNS / 2]);
}

int main(int argc, char **argv) {
    const char *dir = argc > 1 ? argv[1] : ".";
    printf("(wall figures suffer from other work on the machine; the CPU ratio does less)\n");
    measure(dir, "hello guest, 100000 page-fault round trips", "64 " HELLO_ELF " bench=pf");
    measure(dir, "teaching guest (boot to power-off)", "");
    return 0;
}
