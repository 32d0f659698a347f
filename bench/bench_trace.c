/* bench_trace.c - what tracing costs: run time with --trace, bytes per record, diff speed. */
#define _POSIX_C_SOURCE 200809L
#include "sim/launcher/launcher.h"
#include "traces/reader.h"
#include "traces/writer.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern const uint8_t lgsim_hello_guest[], lgsim_demo_guest[];
extern const size_t lgsim_hello_guest_len, lgsim_demo_guest_len;

static char dir[256];   /* a private temporary directory for the traces */

static double now_s(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static const char *tmp_path(const char *name) {
    static char paths[4][320];
    static int next;
    char *p = paths[next++ & 3];
    snprintf(p, sizeof(paths[0]), "%s/%s", dir, name);
    return p;
}

static uint64_t file_size(const char *path) {
    struct stat st;
    return stat(path, &st) ? 0 : (uint64_t)st.st_size;
}

/* One whole run (with its trace written and closed when trace != NULL): wall seconds. */
struct run { const uint8_t *image; size_t len; const char *cmdline; uint64_t max_ns; };

static double run_once(const struct run *r, const char *trace, uint64_t *records) {
    static struct launcher l;
    char err[300];
    struct launcher_options opt = { .mem_mb = 64, .kernel = r->image, .kernel_len = r->len,
                                    .cmdline = r->cmdline, .max_ns = r->max_ns,
                                    .trace_path = trace, .console = fopen("/dev/null", "w") };
    if (launcher_init(&l, &opt, err, sizeof(err))) { fprintf(stderr, "%s\n", err); exit(1); }
    double t = now_s();
    launcher_run(&l);
    uint64_t n = l.trace.n_records;
    if (launcher_close_trace(&l, err, sizeof(err))) { fprintf(stderr, "%s\n", err); exit(1); }
    t = now_s() - t;
    if (records) *records = n;
    launcher_free(&l);
    fclose(opt.console);
    return t;
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* Runs with and without the trace alternate, so drift and noise hit both alike. */
static void overhead(const char *what, const struct run *r, int pairs) {
    double off[64], on[64];
    for (int i = 0; i < pairs; i++) {
        off[i] = run_once(r, NULL, NULL);
        on[i] = run_once(r, tmp_path("overhead.trc"), NULL);
    }
    qsort(off, (size_t)pairs, sizeof(double), cmp_double);
    qsort(on, (size_t)pairs, sizeof(double), cmp_double);
    printf("%s, %d interleaved runs each: without --trace min %.4f s median %.4f s; with "
           "min %.4f s median %.4f s: overhead %+.1f%% (min), %+.1f%% (median)\n", what, pairs,
           off[0], off[pairs / 2], on[0], on[pairs / 2], (on[0] / off[0] - 1) * 100,
           (on[pairs / 2] / off[pairs / 2] - 1) * 100);
}

static void bytes_per_record(const char *what, const struct run *r, const char *name) {
    uint64_t n;
    const char *path = tmp_path(name);
    run_once(r, path, &n);
    uint64_t size = file_size(path);
    printf("%s: %llu records in %llu bytes = %.2f bytes per record\n", what,
           (unsigned long long)n, (unsigned long long)size, (double)size / (double)n);
}

/* A long trace made of a real one played again and again, each copy later in time. */
static uint64_t replay(const char *src, const char *dst, uint64_t want) {
    struct trace_reader r;
    struct trace_writer w;
    struct trace_rec rec;
    char err[700];
    if (trace_reader_open(&r, src, err, sizeof(err))) { fprintf(stderr, "%s\n", err); exit(1); }
    struct trace_header h = r.h;
    if (trace_writer_open(&w, dst, &h, err, sizeof(err))) { fprintf(stderr, "%s\n", err); exit(1); }
    uint64_t shift = 0, last = 0;
    while (w.n_records < want) {
        int rc = trace_read(&r, &rec);
        if (rc <= 0) {   /* start the source over, after its last record */
            trace_reader_close(&r);
            trace_reader_open(&r, src, err, sizeof(err));
            shift = last + 1000;
            continue;
        }
        rec.t += shift;
        last = rec.t;
        trace_write(&w, &rec);
    }
    trace_reader_close(&r);
    uint64_t n = w.n_records;
    if (trace_writer_close(&w, err, sizeof(err))) { fprintf(stderr, "%s\n", err); exit(1); }
    return n;
}

/* The child's peak resident memory so far (kB), from /proc; 0 before it is lgsim (until the
 * exec it is a copy of this process) and once it has exited. */
static long peak_rss_kb(pid_t pid) {
    char path[64], line[128];
    long kb = 0;
    int is_lgsim = 0;
    snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
    FILE *f = fopen(path, "r");
    if (!f) return 0;
    while (fgets(line, sizeof(line), f)) {
        if (!strcmp(line, "Name:\tlgsim\n")) is_lgsim = 1;
        if (!strncmp(line, "VmHWM:", 6)) kb = strtol(line + 6, NULL, 10);
    }
    fclose(f);
    return is_lgsim ? kb : 0;
}

/*
 * "lgsim trace diff A B" as a child process: its exit status, wall time and peak RSS.  The
 * peak is sampled from /proc while it runs: wait4's ru_maxrss would also count the pages this
 * process had when it forked.
 */
static int time_diff(const char *a, const char *b, double *secs, long *maxrss_kb) {
    fflush(stdout);   /* the child must not print what we still hold */
    double t = now_s();
    pid_t pid = fork();
    if (pid == 0) {
        if (!freopen("/dev/null", "w", stdout)) _exit(3);
        execl(LGSIM_EXE, "lgsim", "trace", "diff", a, b, (char *)NULL);
        _exit(3);
    }
    int status;
    const struct timespec tick = { 0, 2000000 };
    *maxrss_kb = 0;
    while (waitpid(pid, &status, WNOHANG) == 0) {
        long kb = peak_rss_kb(pid);
        if (kb > *maxrss_kb) *maxrss_kb = kb;
        nanosleep(&tick, NULL);
    }
    *secs = now_s() - t;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static void diff_speed(const char *src, uint64_t records) {
    char a[320], b[320];
    snprintf(a, sizeof(a), "%s/big_%llu_a.trc", dir, (unsigned long long)records);
    snprintf(b, sizeof(b), "%s/big_%llu_b.trc", dir, (unsigned long long)records);
    uint64_t n = replay(src, a, records);
    replay(src, b, records);
    double best = 1e9, secs;
    long rss = 0;
    for (int i = 0; i < 3; i++) {
        int rc = time_diff(a, b, &secs, &rss);
        if (rc != 0) fprintf(stderr, "bench: diff of identical traces exited with %d\n", rc);
        if (secs < best) best = secs;
    }
    printf("diff of two identical %llu-record traces (%.1f MB each): %.3f s = %.2f M records/s"
           " per side; max RSS %.1f MB\n", (unsigned long long)n, file_size(a) / 1e6, best,
           n / best / 1e6, rss / 1024.0);
    unlink(a);
    unlink(b);
}

int main(void) {
    snprintf(dir, sizeof(dir), "%s/lgsim-bench-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    if (!mkdtemp(dir)) { perror("mkdtemp"); return 1; }
    struct run teach = { lgsim_demo_guest, lgsim_demo_guest_len, "", 10000000000ull };
    struct run pf = { lgsim_hello_guest, lgsim_hello_guest_len, "bench=pf", 0 };
    struct run hc = { lgsim_hello_guest, lgsim_hello_guest_len, "bench=hcall", 0 };
    overhead("teaching guest", &teach, 21);
    overhead("hello guest, 100000 page-fault round trips (the worst case)", &pf, 5);
    bytes_per_record("teaching guest", &teach, "teaching.trc");
    bytes_per_record("hello guest, 100000 page-fault round trips", &pf, "pf.trc");
    bytes_per_record("hello guest, 100000 hypercalls", &hc, "hcall.trc");
    char src[320];
    snprintf(src, sizeof(src), "%s", tmp_path("teaching.trc"));
    diff_speed(src, 1000000);
    diff_speed(src, 10000000);
    unlink(tmp_path("overhead.trc"));
    unlink(tmp_path("pf.trc"));
    unlink(tmp_path("hcall.trc"));
    unlink(src);
    rmdir(dir);
    return 0;
}
