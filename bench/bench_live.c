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
 * Runs lgsim as a child, on the hello guest's 100000 page-fault round trips (bench=pf), on
 * the teaching guest and, when LGSIM_LINUX_44_1 and LGSIM_LINUX_44_INITRD name them, on a
 * Linux 4.4.1 boot to its shell and poweroff: without the window; under it (--ui, headless,
 * a script that turns on the window's frames, 30 a second, and runs to the end: what a
 * learner's open window costs while the guest runs); and under it without frames (what
 * recording for the window costs).  Reports the guest's speed under the window as a ratio
 * of its speed without, the frames per second lgsim says it drew while the machine ran, and
 * what a frame costs in CPU time.  Speed is given by the CPU time the child used (user +
 * system, all its threads: steady on a shared machine) and by wall time (what a learner
 * waits; frames are paced by the wall clock, so on a loaded machine they take a bigger share
 * of the CPU).  Each figure is the median of RUNS runs, the three kinds of run interleaved.
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

static double median(double *v) {
    qsort(v, RUNS, sizeof(double), cmp_double);
    return v[RUNS / 2];
}

/* The frames and frame rate lgsim printed into the file err. */
static void frames_in(const char *err, double *frames, double *fps) {
    FILE *f = fopen(err, "r");
    char line[512];
    *frames = *fps = -1;
    while (f && fgets(line, sizeof(line), f)) {
        const char *p = strstr(line, "of it running the guest): ");
        if (!p || !strstr(line, "lgsim: ui: ")) continue;
        *frames = atof(strstr(line, "lgsim: ui: ") + strlen("lgsim: ui: "));
        *fps = atof(p + strlen("of it running the guest): "));
    }
    if (f) fclose(f);
}

/* A script: the console input typed (one line, or none), then frames or not, then run. */
static void write_script(const char *path, const char *typed, int frames) {
    FILE *f = fopen(path, "w");
    if (!f) {
        perror(path);
        exit(1);
    }
    if (typed) fprintf(f, "key Tab\ntype %s\nkey Return\nkey Escape\n", typed);
    fprintf(f, "%sdo run\n", frames ? "do frames\n" : "");
    fclose(f);
}

struct guest {
    const char *name, *args;
    const char *typed;           /* a line for its console (piped in without the window) */
};

static void measure(const char *dir, const struct guest *gu) {
    char cmd[4096], with[600], without[600], err[600], input[600];
    snprintf(with, sizeof(with), "%s/bench_live_frames.script", dir);
    snprintf(without, sizeof(without), "%s/bench_live_noframes.script", dir);
    snprintf(err, sizeof(err), "%s/bench_live.err", dir);
    snprintf(input, sizeof(input), "%s/bench_live.input", dir);
    write_script(with, gu->typed, 1);
    write_script(without, gu->typed, 0);
    FILE *in = fopen(input, "w");
    if (!in) { perror(input); exit(1); }
    if (gu->typed) fprintf(in, "%s\n", gu->typed);
    fclose(in);
    double wall[3][RUNS], cpu[3][RUNS], frames[RUNS], fps[RUNS];
    for (int i = 0; i < RUNS; i++) {
        snprintf(cmd, sizeof(cmd), "%s %s <%s >/dev/null 2>/dev/null", LGSIM_EXE, gu->args, input);
        wall[0][i] = timed(cmd, &cpu[0][i]);
        snprintf(cmd, sizeof(cmd), "%s --ui --ui-script=%s %s >/dev/null 2>%s", LGSIM_EXE, with,
                 gu->args, err);
        wall[1][i] = timed(cmd, &cpu[1][i]);
        frames_in(err, &frames[i], &fps[i]);
        snprintf(cmd, sizeof(cmd), "%s --ui --ui-script=%s %s >/dev/null 2>/dev/null",
                 LGSIM_EXE, without, gu->args);
        wall[2][i] = timed(cmd, &cpu[2][i]);
        if (wall[0][i] < 0 || wall[1][i] < 0 || wall[2][i] < 0 || frames[i] <= 0) exit(1);
        /* what frames cost: the run with them less the run without, per frame */
        frames[i] = (cpu[1][i] - cpu[2][i]) / frames[i];
    }
    double p = median(wall[0]), u = median(wall[1]), pc = median(cpu[0]), uc = median(cpu[1]);
    double nc = median(cpu[2]), per_frame = median(frames);
    printf("%s:\n  CPU %.3f s without the window, %.3f s under it: the guest runs at %.2fx "
           "its speed (target >= 0.8x)\n  wall %.3f s and %.3f s: %.2fx; %.1f frames per "
           "second while it ran (target >= 30)\n  recording for the window alone (no frames): "
           "%.2fx; a frame costs %.1f ms of CPU\n", gu->name, pc, uc, pc / uc, p, u, p / u,
           median(fps), pc / nc, per_frame * 1e3);
}

int main(int argc, char **argv) {
    const char *dir = argc > 1 ? argv[1] : ".";
    const char *linux = getenv("LGSIM_LINUX_44_1"), *initrd = getenv("LGSIM_LINUX_44_INITRD");
    char linux_args[2048];
    printf("(wall figures suffer from other work on the machine; the CPU ratio does less)\n");
    measure(dir, &(struct guest){ "hello guest, 100000 page-fault round trips",
                                  "64 " HELLO_ELF " bench=pf", NULL });
    measure(dir, &(struct guest){ "teaching guest (boot to power-off)", "", NULL });
    if (!linux || !*linux || !initrd || !*initrd) {
        printf("SKIPPED: Linux 4.4.1 boot (set LGSIM_LINUX_44_1 and LGSIM_LINUX_44_INITRD)\n");
        return 0;
    }
    snprintf(linux_args, sizeof(linux_args), "64m %s --initrd=%s console=hvc0", linux, initrd);
    measure(dir, &(struct guest){ "Linux 4.4.1 boot to its shell, then poweroff -f",
                                  linux_args, "poweroff -f" });
    return 0;
}
