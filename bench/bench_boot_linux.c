/* bench_boot_linux.c - a Linux 4.4 boot to the initramfs's shell and poweroff: time, exits, where. */
#define _GNU_SOURCE
#include "sim/launcher/launcher.h"
#include "abi/lguest.h"
#include "bench/profile.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

extern const uint8_t lgsim_demo_guest[];
extern const size_t lgsim_demo_guest_len;

/* The write-up's run: the initramfs's /init says this first, then a shell reads stdin. */
#define FIRST_LINE "lgsim-initramfs: /init started"
static const char shell_input[] = "echo hi from the shell\npoweroff -f\n";
static const char cmdline[] = "console=hvc0";
#define HYPERCALL_VECTOR 0x1F   /* 4.4 LGUEST_TRAP_ENTRY: the Guest's int $0x1f */

static double now_s(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

/* The process's CPU time: on a loaded machine the steadier measure (wall time is mostly
 * waiting for a core), so the ratios below are of CPU time, wall time beside them. */
static double cpu_s(void) {
    struct timespec t;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

/* The whole file, or the run ends with the reader's one line. */
static uint8_t *slurp(const char *path, size_t *len) {
    char err[300];
    uint8_t *p = launcher_read_file(path, len, err, sizeof(err));
    if (!p) { fprintf(stderr, "bench: %s\n", err); exit(1); }
    return p;
}

/* --- the console: thrown away, but watched for the initramfs's first line --- */

struct watch { double t0, first_line; char tail[128]; size_t n; };

static ssize_t watch_write(void *ctx, const char *buf, size_t len) {
    struct watch *w = ctx;
    for (size_t i = 0; i < len && w->first_line == 0; i++) {
        if (w->n == sizeof(w->tail) - 1) {   /* keep the last part: the line may span writes */
            memmove(w->tail, w->tail + 64, w->n - 64);
            w->n -= 64;
        }
        w->tail[w->n++] = buf[i];
        w->tail[w->n] = 0;
        if (strstr(w->tail, FIRST_LINE)) w->first_line = now_s() - w->t0;
    }
    return (ssize_t)len;
}

/* --- the console's input: the shell's two lines, as from a pipe, then end of file --- */

static size_t input_at;

static int give_input(void *ctx, uint8_t *buf, uint32_t cap, int timeout_ms) {
    (void)ctx; (void)timeout_ms;
    size_t left = sizeof(shell_input) - 1 - input_at;
    if (left == 0) return -1;
    uint32_t n = left < cap ? (uint32_t)left : cap;
    memcpy(buf, shell_input + input_at, n);
    input_at += n;
    return (int)n;
}

/* --- one boot --- */

struct guest { const char *name; const uint8_t *kernel; size_t kernel_len;
               const uint8_t *initrd; size_t initrd_len; const char *initrd_path; };

struct boot {
    double wall, first_line;       /* seconds: to the end, and to FIRST_LINE (0: never seen) */
    double cpu;                    /* CPU seconds to the end */
    uint64_t virt_ns, gp_emulated;
    struct lguest_counts counts;
    int exit_code;
    char why[300];
};

static struct boot boot_once(const struct guest *g, uint32_t mem_mb, const char *trace) {
    static struct launcher l;
    struct boot b;
    memset(&b, 0, sizeof(b));
    struct watch w = { 0 };
    cookie_io_functions_t io = { .write = watch_write };
    FILE *console = fopencookie(&w, "w", io);
    setvbuf(console, NULL, _IONBF, 0);
    input_at = 0;
    char err[300];
    struct launcher_options opt = {
        .mem_mb = mem_mb, .kernel_path = g->name, .kernel = g->kernel, .kernel_len = g->kernel_len,
        .initrd_path = g->initrd_path, .initrd = g->initrd, .initrd_len = g->initrd_len,
        .cmdline = cmdline, .console = console, .max_ns = 20000000000ull, .trace_path = trace,
        .console_read = g->initrd ? give_input : NULL, .console_read_tty = 0 };
    if (launcher_init(&l, &opt, err, sizeof(err))) { fprintf(stderr, "bench: %s\n", err); exit(1); }
    w.t0 = now_s();
    double c0 = cpu_s();
    b.exit_code = launcher_run(&l);
    if (launcher_close_trace(&l, err, sizeof(err))) { fprintf(stderr, "bench: %s\n", err); exit(1); }
    b.wall = now_s() - w.t0;
    b.cpu = cpu_s() - c0;
    b.first_line = w.first_line;
    b.counts = *lguest_counts(l.lg);
    b.virt_ns = lguest_time(l.lg);
    b.gp_emulated = l.n_gp_emulated;
    snprintf(b.why, sizeof(b.why), "%s", l.dead_reason);
    launcher_free(&l);
    fclose(console);
    return b;
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median(double *v, int n) {
    qsort(v, (size_t)n, sizeof(double), cmp_double);
    return v[n / 2];
}

static uint64_t total_exits(const struct lguest_counts *c) {
    uint64_t t = 0;
    for (unsigned v = 0; v <= 256; v++) t += c->n_exits[v];
    return t;
}

/* --- the reports --- */

static const char *exit_kind(unsigned v) {
    if (v == HYPERCALL_VECTOR) return "hypercall (int $0x1f)";
    if (v == 13) return "#GP (emulated or reflected)";
    if (v == 14) return "#PF";
    if (v == HOST_TIMER_VECTOR) return "host timer interrupt";
    if (v >= FIRST_EXTERNAL_VECTOR && v < 256) return "host interrupt";
    if (v < 32) return "other trap";
    return "(none recorded)";
}

static void report_exits(const struct boot *b) {
    const struct lguest_counts *c = &b->counts;
    uint64_t total = total_exits(c);
    printf("  exits (world switches back to the host): %llu; whole boot / exits = %.2f us of CPU "
           "time (%.2f us wall) each\n", (unsigned long long)total, b->cpu / (double)total * 1e6,
           b->wall / (double)total * 1e6);
    for (unsigned v = 0; v <= 256; v++)
        if (c->n_exits[v])
            printf("    %9llu  vector %3u  %s\n", (unsigned long long)c->n_exits[v], v, exit_kind(v));
    printf("  hypercalls %llu, demand_page fixes %llu, page faults reflected %llu, device "
           "accesses %llu, traps reflected %llu, #GP emulated by the launcher %llu\n",
           (unsigned long long)c->n_hypercalls, (unsigned long long)c->n_pf_fixed,
           (unsigned long long)c->n_pf_reflected, (unsigned long long)c->n_pf_io,
           (unsigned long long)c->n_traps_reflected, (unsigned long long)b->gp_emulated);
}

static void report_profile(const struct guest *g, const struct boot *b, const struct profile *p) {
    if (!p->available || p->total == 0) {
        printf("  where the time goes: no sampler on this platform\n");
        return;
    }
    /* (the kernel delivers ITIMER_PROF at its tick at best: fewer samples than 1 per ms) */
    printf("  where the CPU time goes (%s, one profiled boot, %lu samples):\n", g->name,
           p->total);
    for (int i = 0; i < PROF_N; i++)
        if (p->n[i])
            printf("    %5.1f %%  %s\n", 100.0 * (double)p->n[i] / (double)p->total,
                   prof_place_name[i]);
    double host = (double)(p->n[PROF_LGSIM] + p->n[PROF_CAPSTONE]) / (double)p->total;
    double per_exit = b->cpu / (double)total_exits(&b->counts) * 1e6;
    printf("  lgsim's own C (with Capstone) per exit: %.2f us of the %.2f us of CPU time a boot "
           "spends per exit\n", host * per_exit, per_exit);
}

static void check_boot(const struct guest *g, const struct boot *b) {
    if (b->first_line == 0 || b->exit_code != 0)
        fprintf(stderr, "bench: %s did not boot to its shell and power off (exit %d: %s)\n",
                g->name, b->exit_code, b->why);
}

/* Boots without and with --trace, interleaved; the last plain boot is reported in full. */
static void bench_guest(const struct guest *g, int reps, const char *trace) {
    double off[32], on[32], first[32], coff[32], con[32];
    struct boot b = { 0 };
    for (int i = 0; i < reps; i++) {
        b = boot_once(g, 64, NULL);
        check_boot(g, &b);
        off[i] = b.wall;
        coff[i] = b.cpu;
        first[i] = b.first_line;
        struct boot t = boot_once(g, 64, trace);
        check_boot(g, &t);
        on[i] = t.wall;
        con[i] = t.cpu;
    }
    double m_off = median(off, reps), m_on = median(on, reps), m_first = median(first, reps);
    double c_off = median(coff, reps), c_on = median(con, reps);
    printf("%s, 64 MiB, \"%s\", %d boots each way (interleaved), medians:\n", g->name, cmdline, reps);
    printf("  wall time to \"%s\": %.3f s; to poweroff: %.3f s, %.3f s of CPU time (%.1f ms "
           "of virtual time)\n", FIRST_LINE, m_first, m_off, c_off, (double)b.virt_ns / 1e6);
    printf("  with --trace: %.3f s of CPU time to poweroff: %.3f x without (%+.1f %%); wall "
           "%.3f x\n", c_on, c_on / c_off, (c_on / c_off - 1) * 100, m_on / m_off);
    report_exits(&b);
    profile_start(1000);
    struct boot pb = boot_once(g, 64, NULL);
    struct profile p;
    profile_stop(&p);
    report_profile(g, &pb, &p);
}

/* Boot time against guest RAM: each size once per round, each round starting at the next
 * size, so no size always comes first (right after a different run). */
static void bench_ram(const struct guest *g, int reps) {
    static const uint32_t sizes[] = { 64, 128, 256, 512, 1024 };
    enum { N = sizeof(sizes) / sizeof(sizes[0]) };
    double t[N][32], c[N][32];
    for (int i = 0; i < reps; i++)
        for (int k = 0; k < N; k++) {
            int s = (i + k) % N;
            struct boot b = boot_once(g, sizes[s], NULL);
            check_boot(g, &b);
            t[s][i] = b.wall;
            c[s][i] = b.cpu;
        }
    double base = median(t[0], reps), cbase = median(c[0], reps);
    printf("%s: boot to poweroff against guest RAM (%d rounds, medians, ratio to 64 MiB):\n",
           g->name, reps);
    for (int s = 0; s < N; s++) {
        double m = median(t[s], reps), mc = median(c[s], reps);
        printf("  %5u MiB  CPU %.3f s  %.3f x   (wall %.3f s  %.3f x)\n", sizes[s], mc,
               mc / cbase, m, m / base);
    }
}

/* The teaching guest (built in): its run with and without --trace. */
static void bench_teaching(int reps, const char *trace) {
    static struct launcher l;
    double off[64], on[64];
    char err[300];
    if (reps > 32) reps = 32;
    for (int i = 0; i < 2 * reps; i++) {
        struct launcher_options opt = {
            .mem_mb = 64, .kernel = lgsim_demo_guest, .kernel_len = lgsim_demo_guest_len,
            .cmdline = "", .max_ns = 10000000000ull, .trace_path = (i & 1) ? trace : NULL,
            .console = fopen("/dev/null", "w") };
        if (launcher_init(&l, &opt, err, sizeof(err))) { fprintf(stderr, "bench: %s\n", err); exit(1); }
        double t0 = cpu_s();
        launcher_run(&l);
        launcher_close_trace(&l, err, sizeof(err));
        ((i & 1) ? on : off)[i / 2] = cpu_s() - t0;
        launcher_free(&l);
        fclose(opt.console);
    }
    double m_off = median(off, reps), m_on = median(on, reps);
    printf("teaching guest, %d runs each way (interleaved), median CPU time: %.4f s, with --trace "
           "%.4f s: %.3f x (%+.1f %%)\n", reps, m_off, m_on, m_on / m_off, (m_on / m_off - 1) * 100);
}

static int load_guest(struct guest *g, const char *name, const char *var, const char *initrd) {
    const char *path = getenv(var);
    if (!path || !*path) return 0;
    g->name = name;
    g->kernel = slurp(path, &g->kernel_len);
    g->initrd_path = "initrd";
    g->initrd = slurp(initrd, &g->initrd_len);
    return 1;
}

int main(void) {
    const char *env_reps = getenv("LGSIM_BENCH_REPS");
    int reps = env_reps ? atoi(env_reps) : 3;
    setvbuf(stdout, NULL, _IOLBF, 0);   /* each figure as it comes: a run takes minutes */
    if (reps < 1 || reps > 32) reps = 3;
    char trace[320];
    snprintf(trace, sizeof(trace), "%s/lgsim-bench-boot-%d.trc",
             getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp", (int)getpid());
    bench_teaching(7, trace);
    const char *initrd = getenv("LGSIM_LINUX_44_INITRD");
    struct guest g[2];
    int n = 0;
    if (initrd && *initrd) {
        n += load_guest(&g[n], "Linux 4.4.1", "LGSIM_LINUX_44_1", initrd);
        n += load_guest(&g[n], "Linux 4.4.178 (read_cr4_safe fixed)", "LGSIM_LINUX_44_178_FIX", initrd);
    }
    if (n == 0) {
        printf("SKIPPED: the Linux boot: set LGSIM_LINUX_44_INITRD and LGSIM_LINUX_44_1 "
               "(and/or LGSIM_LINUX_44_178_FIX) to a vmlinux and initramfs (bench/README.md)\n");
        unlink(trace);
        return 0;
    }
    for (int i = 0; i < n; i++) bench_guest(&g[i], reps, trace);
    bench_ram(&g[0], reps);
    unlink(trace);
    return 0;
}
