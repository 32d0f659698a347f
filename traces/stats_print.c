/* stats_print.c - the report of "lgsim trace stats": aligned columns, always in the same order. */
#include "traces/stats.h"
#include <inttypes.h>
#include <stdio.h>

#define LABEL_W 24

static void heading(const char *title, uint64_t total) {
    printf("\n%-*s %12" PRIu64 "\n", LABEL_W + 2, title, total);
}

/* One counted line, with its share of the section. */
static void row(const char *label, uint64_t n, uint64_t total) {
    double pct = total ? 100.0 * (double)n / (double)total : 0.0;
    printf("  %-*s %12" PRIu64 "  %5.1f%%\n", LABEL_W, label, n, pct);
}

static uint64_t sum(const uint64_t *v, unsigned n) {
    uint64_t t = 0;
    for (unsigned i = 0; i < n; i++) t += v[i];
    return t;
}

static void print_ms(uint64_t ns) {
    printf("%" PRIu64 ".%06" PRIu64 "ms", ns / 1000000, ns % 1000000);
}

static void overview(const struct stats *s) {
    printf("%-*s %s\n", LABEL_W + 2, "trace", s->path);
    if (s->filtered)
        printf("%-*s %12" PRIu64 " of %" PRIu64 " (filtered)\n", LABEL_W + 2, "records",
               s->matched, s->records);
    else
        printf("%-*s %12" PRIu64 "\n", LABEL_W + 2, "records", s->records);
    printf("%-*s ", LABEL_W + 2, "virtual time");
    if (!s->matched) {
        printf("(no records)\n");
        return;
    }
    print_ms(s->first_t);
    printf(" .. ");
    print_ms(s->last_t);
    printf("  (span ");
    print_ms(s->last_t - s->first_t);
    printf(")\n");
}

static void by_kind(const struct stats *s) {
    heading("records by kind", s->matched);
    for (unsigned k = TK_NONE + 1; k < TK_KINDS; k++)
        row(trace_kind_name(k), s->kinds[k], s->matched);
}

/* Every named value of an enumerated field (zeros too, so the lines are always there). */
static void by_value(const char *title, const uint64_t *v, unsigned kind, unsigned field) {
    uint64_t total = sum(v, STATS_VALUES);
    heading(title, total);
    for (unsigned i = 0; i < STATS_VALUES - 1; i++)
        if (trace_value_name(kind, field, i)) row(trace_value_name(kind, field, i), v[i], total);
    if (v[STATS_VALUES - 1]) row("(other)", v[STATS_VALUES - 1], total);
}

static void hypercalls(const struct stats *s) {
    uint64_t trap = 0, async = 0;
    for (unsigned i = 0; i <= STATS_HCALLS; i++) {
        trap += s->hcall[i][0];
        async += s->hcall[i][1];
    }
    printf("\n%-*s %12s %12s\n", LABEL_W + 2, "hypercalls", "trapping", "async");
    char label[64];
    for (unsigned i = 0; i <= STATS_HCALLS; i++) {
        if (!s->hcall[i][0] && !s->hcall[i][1]) continue;
        const char *name = i < STATS_HCALLS ? trace_hcall_name(i) : NULL;
        if (i == STATS_HCALLS) snprintf(label, sizeof(label), "(number >= %d)", STATS_HCALLS);
        else snprintf(label, sizeof(label), "%s (%u)", name ? name : "unknown", i);
        printf("  %-*s %12" PRIu64 " %12" PRIu64 "\n", LABEL_W, label, s->hcall[i][0],
               s->hcall[i][1]);
    }
    printf("  %-*s %12" PRIu64 " %12" PRIu64 "\n", LABEL_W, "total", trap, async);
    by_value("hypercall outcomes", s->hcall_outcome, TK_HCALL, HC_OUTCOME);
}

/* The vectors that occurred, by number, with their names. */
static void by_vector(const char *title, const uint64_t *v) {
    uint64_t total = sum(v, STATS_VECTORS + 1);
    heading(title, total);
    char label[64];
    for (unsigned i = 0; i < STATS_VECTORS; i++) {
        if (!v[i]) continue;
        const char *name = trace_vector_name(i);
        snprintf(label, sizeof(label), "0x%02x %s", i, name ? name : "");
        row(label, v[i], total);
    }
    if (v[STATS_VECTORS]) row("(vector > 0x100)", v[STATS_VECTORS], total);
}

static void print_median(uint64_t twice) {
    if (twice & 1) printf(" %10" PRIu64 ".5", twice / 2);
    else printf(" %12" PRIu64, twice / 2);
}

static void round_trips(const struct stats *s) {
    by_value("page-fault round trips", s->rt_outcome, TK_RT_END, RE_OUTCOME);
    if (!s->steps.n) return;
    printf("  %-*s %12s %12s %12s\n", LABEL_W, "", "min", "median", "max");
    printf("  %-*s %12" PRIu32, LABEL_W, "steps", s->steps.min);
    print_median(s->steps_twice);
    printf(" %12" PRIu32 "\n", s->steps.max);
    printf("  %-*s %12" PRIu32, LABEL_W, "virtual duration (ns)", s->duration.min);
    print_median(s->duration_twice);
    printf(" %12" PRIu32 "\n", s->duration.max);
}

void stats_print(const struct stats *s) {
    overview(s);
    by_kind(s);
    hypercalls(s);
    by_vector("exits to host by vector", s->to_host);
    by_vector("reflections by vector", s->reflect);
    by_value("IRQ actions", s->irq_action, TK_IRQ, IQ_ACTION);
    by_value("page faults by outcome", s->pf_outcome, TK_PF, PF_OUTCOME);
    by_value("launcher actions", s->launcher, TK_LAUNCHER, LN_WHAT);
    round_trips(s);
}
