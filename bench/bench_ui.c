/* bench_ui.c - what lgsim ui costs on a long trace: loading, moving, drawing a frame. */
#define _POSIX_C_SOURCE 200809L
#include "traces/reader.h"
#include "traces/writer.h"
#include "ui/actions.h"
#include "ui/session.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

/*
 * usage: lgsim-bench-ui TEACHING.trc COPIES [DIR]
 * Writes DIR/long.trc: the teaching guest's trace COPIES times over (times and round-trip ids
 * shifted, so it reads as one long run), then measures, headless at 1600x1000: loading it, the
 * moves a learner makes (a record on, the next round trip, a story step, the last record), and
 * drawing one frame with the whole run in the timeline.  Times are medians of the runs.
 */
static double now_s(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median(double *v, int n) {
    qsort(v, (size_t)n, sizeof(*v), cmp_double);
    return v[n / 2];
}

static int make_long(const char *in, int copies, const char *out) {
    static struct trace_rec recs[60000], r;
    struct trace_reader rd;
    struct trace_writer w;
    char err[700];
    size_t n = 0;
    if (trace_reader_open(&rd, in, err, sizeof(err))) {
        fprintf(stderr, "%s\n", err);
        return -1;
    }
    while (n < sizeof(recs) / sizeof(recs[0]) && trace_read(&rd, &recs[n]) > 0) n++;
    struct trace_header h = rd.h;
    trace_reader_close(&rd);
    uint32_t rts = 0;
    for (size_t i = 0; i < n; i++) if (recs[i].rt > rts) rts = recs[i].rt;
    uint64_t span = recs[n - 1].t + 1000;
    if (trace_writer_open(&w, out, &h, err, sizeof(err))) {
        fprintf(stderr, "%s\n", err);
        return -1;
    }
    for (int c = 0; c < copies; c++)
        for (size_t i = 0; i < n; i++) {
            r = recs[i];
            r.t += span * (uint64_t)c;
            if (r.rt) r.rt += rts * (uint32_t)c;
            trace_write(&w, &r);
        }
    return trace_writer_close(&w, err, sizeof(err));
}

/* The median time of `runs` repetitions of one action from the same starting moment. */
static double time_action(struct ui_session *s, struct ui_at from, enum ui_action a, int runs) {
    double t[64];
    for (int i = 0; i < runs; i++) {
        model_go(&s->m, from);
        double t0 = now_s();
        model_action(&s->m, a);
        t[i] = now_s() - t0;
    }
    return median(t, runs);
}

static double time_frame(struct ui_session *s, int runs) {
    double t[64];
    for (int i = 0; i < runs; i++) {
        double t0 = now_s();
        session_render(s);
        gfx_end(&s->g);
        t[i] = now_s() - t0;
    }
    return median(t, runs);
}

int main(int argc, char **argv) {
    static struct ui_session s;
    char path[512], err[700];
    if (argc < 3) {
        fprintf(stderr, "usage: lgsim-bench-ui TEACHING.trc COPIES [DIR]\n");
        return 2;
    }
    int copies = atoi(argv[2]);
    snprintf(path, sizeof(path), "%s/long.trc", argc > 3 ? argv[3] : ".");
    if (copies < 1 || make_long(argv[1], copies, path)) return 2;
    double t0 = now_s();
    if (run_load(&s.run, path, err, sizeof(err))) {
        fprintf(stderr, "%s\n", err);
        return 2;
    }
    double load = now_s() - t0;
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    symtab_for_trace(&s.sym, &s.run.h, s.run.path, NULL, NULL, 0);
    model_init(&s.m, &s.run, &s.sym);
    if (gfx_open(&s.g, 1, 1600, 1000, 1, NULL, err, sizeof(err)) ||
        session_relayout(&s, err, sizeof(err))) {
        fprintf(stderr, "%s\n", err);
        return 2;
    }
    uint64_t mid = s.run.n / 2, late = s.run.n - 100;
    printf("trace: %llu records (%d copies of the teaching guest's), %u round trips\n",
           (unsigned long long)s.run.n, copies, s.run.n_rt);
    printf("load: %.3f s; peak memory %ld MB\n", load, ru.ru_maxrss / 1024);
    printf("one record on, mid-run:        %8.3f ms\n",
           1e3 * time_action(&s, (struct ui_at){ mid, 0 }, ACT_STEP, 21));
    printf("one record on, near the end:   %8.3f ms\n",
           1e3 * time_action(&s, (struct ui_at){ late, 0 }, ACT_STEP, 21));
    printf("next round trip, mid-run:      %8.3f ms\n",
           1e3 * time_action(&s, (struct ui_at){ mid, 0 }, ACT_NEXT_RT, 21));
    printf("next story step, mid-run:      %8.3f ms\n",
           1e3 * time_action(&s, (struct ui_at){ mid, 0 }, ACT_STORY_NEXT, 21));
    printf("to the last record from the middle: %8.3f ms\n",
           1e3 * time_action(&s, (struct ui_at){ mid, 0 }, ACT_LAST, 5));
    model_go(&s.m, (struct ui_at){ mid, 0 });
    model_action(&s.m, ACT_ZOOM_ALL);
    printf("a frame, whole run in view:    %8.3f ms\n", 1e3 * time_frame(&s, 11));
    model_action(&s.m, ACT_ZOOM_UNIT);
    printf("a frame, one round trip:       %8.3f ms\n", 1e3 * time_frame(&s, 11));
    gfx_close(&s.g);
    model_free(&s.m);
    symtab_free(&s.sym);
    run_free(&s.run);
    remove(path);
    return 0;
}
