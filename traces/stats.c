/* stats.c - "lgsim trace stats": counts per kind, hypercall, vector and outcome; round trips. */
#include "traces/stats.h"
#include "traces/filter.h"
#include "traces/tool.h"
#include <stdlib.h>
#include <string.h>

static void usage(FILE *f) {
    fprintf(f, "usage: lgsim trace stats [filters] FILE\n"
               "  counts only the records the filters let through; reads FILE twice (the\n"
               "  second pass finds the exact medians of the round trips)\n%s",
            trace_filter_help);
}

/* Count v in slots[0..n-2]; anything beyond goes to the last slot. */
static void count_in(uint64_t *slots, unsigned n, uint32_t v) {
    slots[v < n - 1 ? v : n - 1]++;
}

static void count_record(struct stats *s, const struct trace_rec *r) {
    if (!s->matched++) s->first_t = r->t;
    s->last_t = r->t;
    s->kinds[r->kind]++;
    const uint32_t *f = r->f;
    switch (r->kind) {
    case TK_HCALL:
        s->hcall[f[HC_NR] < STATS_HCALLS ? f[HC_NR] : STATS_HCALLS][f[HC_ASYNC] != 0]++;
        count_in(s->hcall_outcome, STATS_VALUES, f[HC_OUTCOME]);
        break;
    case TK_TO_HOST:  count_in(s->to_host, STATS_VECTORS + 1, f[TH_VECTOR]); break;
    case TK_REFLECT:  count_in(s->reflect, STATS_VECTORS + 1, f[RF_VECTOR]); break;
    case TK_IRQ:      count_in(s->irq_action, STATS_VALUES, f[IQ_ACTION]); break;
    case TK_PF:       count_in(s->pf_outcome, STATS_VALUES, f[PF_OUTCOME]); break;
    case TK_LAUNCHER: count_in(s->launcher, STATS_VALUES, f[LN_WHAT]); break;
    case TK_RT_END:
        count_in(s->rt_outcome, STATS_VALUES, f[RE_OUTCOME]);
        median_add(&s->steps, f[RE_STEPS]);
        median_add(&s->duration, f[RE_DURATION_NS]);
        s->last_rt_end = r->index;
        break;
    }
}

/* Pass 1 counts everything; 0, or -1 with the reader's complaint printed. */
static int first_pass(struct stats *s, const struct trace_filter *flt) {
    struct trace_reader r;
    if (tool_open(&r, s->path)) return -1;
    struct trace_rec rec;
    int rc;
    while ((rc = trace_read(&r, &rec)) > 0) {
        s->records++;
        if (trace_filter_match(flt, &rec)) count_record(s, &rec);
    }
    rc = tool_read_end(&r, rc);
    trace_reader_close(&r);
    return rc;
}

/* Pass 2 feeds the round trips' figures to the medians again, up to the last rt_end. */
static int second_pass(struct stats *s, const struct trace_filter *flt) {
    struct trace_reader r;
    if (tool_open(&r, s->path)) return -1;
    struct trace_rec rec;
    int rc;
    while ((rc = trace_read(&r, &rec)) > 0 && rec.index <= s->last_rt_end) {
        if (rec.kind != TK_RT_END || !trace_filter_match(flt, &rec)) continue;
        median_add(&s->steps, rec.f[RE_STEPS]);
        median_add(&s->duration, rec.f[RE_DURATION_NS]);
    }
    rc = rc < 0 ? tool_read_end(&r, rc) : 0;
    trace_reader_close(&r);
    if (rc) return -1;
    if (median_twice(&s->steps, &s->steps_twice) ||
        median_twice(&s->duration, &s->duration_twice)) {
        fprintf(stderr, "lgsim trace: %s changed while it was being read\n", s->path);
        return -1;
    }
    return 0;
}

static int collect(struct stats *s, const struct trace_filter *flt) {
    if (median_init(&s->steps) || median_init(&s->duration)) {
        fprintf(stderr, "lgsim trace: out of memory\n");
        return -1;
    }
    if (first_pass(s, flt)) return -1;
    int again = median_start_pass2(&s->steps);
    median_start_pass2(&s->duration);
    if (!again || !second_pass(s, flt)) return 0;
    fprintf(stderr, "lgsim trace stats: the medians need a second read of %s (a file, not a "
                    "pipe)\n", s->path);
    return -1;
}

int trace_stats(int argc, char **argv) {
    struct trace_filter flt;
    struct stats s;
    memset(&s, 0, sizeof(s));
    trace_filter_init(&flt);
    for (int i = 1; i < argc; i++) {
        int t = trace_filter_arg(&flt, argv[i]);
        if (t < 0) return 2;
        if (t) { s.filtered = 1; continue; }
        if (!strcmp(argv[i], "--help")) { usage(stdout); return 0; }
        if (argv[i][0] == '-' || s.path) {
            fprintf(stderr, "lgsim trace stats: unexpected '%s'\n", argv[i]);
            usage(stderr);
            return 2;
        }
        s.path = argv[i];
    }
    if (!s.path) { usage(stderr); return 2; }
    int rc = collect(&s, &flt);
    if (!rc) stats_print(&s);
    median_free(&s.steps);
    median_free(&s.duration);
    return rc ? 2 : 0;
}
