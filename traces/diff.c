/* diff.c - "lgsim trace diff": where two traces part ways, shown like a unified diff. */
#include "traces/diff.h"
#include "traces/number.h"
#include "traces/tool.h"
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#define MATCH_RUN 8          /* records that must agree again before the traces count as realigned */
#define SHOWN_MIN 20         /* extra or missing records listed before "... N more" */

struct diff {
    struct diff_stream a, b;
    struct diff_rules rules;
    unsigned context, window;
    int all;
    const char *ignored;
    uint64_t divergences;
};

/* Where the traces agree again: skip i records of A and j of B (found = 0: not in the window). */
struct realign { size_t i, j; int found; };

static void usage(FILE *f) {
    fprintf(f,
"usage: lgsim trace diff [options] A B\n"
"Compares two traces record by record (kind, fields, text and virtual time, not bytes) and\n"
"shows the first place they part ways, like a unified diff.  Exit 0 same, 1 different, 2 error.\n"
"  --context=N       records shown around the divergence (default 5)\n"
"  --window=W        how far to look for the traces agreeing again, to tell an extra or\n"
"                    missing record from a real parting of ways (default 64)\n"
"  --ignore=F[,F...] differences you expect: a field (eip, switcher_ns), kind.field\n"
"                    (to_host.eip), t (virtual time), rt (round-trip ids), text\n"
"  --all             after the first divergence, realign and count the others\n");
}

static int parse_count(const char *s, unsigned max, unsigned *out) {
    uint64_t v;
    if (number_parse(s, 10, 0, max, &v)) return -1;
    *out = (unsigned)v;
    return 0;
}

/* Options into d and the two paths; -1 after a usage message, 1 after --help. */
static int parse_args(struct diff *d, int argc, char **argv, const char **pa, const char **pb) {
    char err[200];
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help")) return usage(stdout), 1;
        if (!strncmp(a, "--context=", 10)) {
            if (parse_count(a + 10, 1000, &d->context))
                return fprintf(stderr, "lgsim trace diff: bad --context '%s' (0 to 1000)\n",
                               a + 10), -1;
            continue;
        }
        if (!strncmp(a, "--window=", 9)) {
            if (parse_count(a + 9, 10000, &d->window))
                return fprintf(stderr, "lgsim trace diff: bad --window '%s' (0 to 10000)\n",
                               a + 9), -1;
            continue;
        }
        if (!strcmp(a, "--all")) { d->all = 1; continue; }
        if (!strncmp(a, "--ignore=", 9)) {
            if (diff_rules_ignore(&d->rules, a + 9, err, sizeof(err)))
                return fprintf(stderr, "lgsim trace diff: %s\n", err), -1;
            d->ignored = a + 9;
            continue;
        }
        if (a[0] == '-' || (*pa && *pb)) {
            fprintf(stderr, "lgsim trace diff: bad argument '%s'\n", a);
            return usage(stderr), -1;
        }
        *(*pa ? pb : pa) = a;
    }
    if (!*pb) return usage(stderr), -1;
    return 0;
}

/* --- finding where the traces agree again --- */

/* A from i and B from j agree for MATCH_RUN records, or both end together before that. */
static int agree_from(struct diff *d, size_t i, size_t j) {
    for (size_t k = 0; k < MATCH_RUN; k++) {
        const struct trace_rec *x = diff_stream_peek(&d->a, i + k);
        const struct trace_rec *y = diff_stream_peek(&d->b, j + k);
        if (!x || !y) return !x && !y;
        if (!diff_alike(&d->rules, x, y)) return 0;
    }
    return 1;
}

/* The fewest records skipped (i + j) after which the traces agree again. */
static struct realign find_realign(struct diff *d) {
    struct realign r = { 0, 0, 0 };
    for (size_t s = 0; s <= 2 * (size_t)d->window; s++)
        for (size_t i = s > d->window ? s - d->window : 0; i <= s && i <= d->window; i++)
            if (agree_from(d, i, s - i)) {
                r.i = i;
                r.j = s - i;
                r.found = 1;
                return r;
            }
    return r;
}

/* --- the report --- */

static void print_rec(const struct diff_stream *s, char mark, const struct trace_rec *r) {
    static char line[4096];
    trace_format_named(r, &s->names, line, sizeof(line));
    printf("%c #%" PRIu64 " %s\n", mark, r->index, line);
}

static const char *kind_of(const struct trace_rec *r) {
    return r ? trace_kind_name(r->kind) : "end of trace";
}

static void print_summary(struct diff *d, const char *lead) {
    const struct trace_rec *x = diff_stream_peek(&d->a, 0), *y = diff_stream_peek(&d->b, 0);
    char t[32], what[1024];
    if (x && y && x->kind == y->kind) diff_describe(&d->rules, x, y, what, sizeof(what));
    else if (x && y) snprintf(what, sizeof(what), "A has %s, B has %s", kind_of(x), kind_of(y));
    else snprintf(what, sizeof(what), "%s ends here, %s goes on with %s", x ? "B" : "A",
                  x ? "A" : "B", kind_of(x ? x : y));
    diff_format_time(x ? x->t : y->t, t, sizeof(t));
    if (d->a.head == d->b.head)
        printf("%s record #%" PRIu64 " (t=%s, %s): %s\n", lead, d->a.head, t,
               kind_of(x ? x : y), what);
    else
        printf("%s record #%" PRIu64 " of A, #%" PRIu64 " of B (t=%s, %s): %s\n", lead,
               d->a.head, d->b.head, t, kind_of(x ? x : y), what);
}

/* n records of s from position 'from', marked; at most 'max' lines then a count. */
static void print_run(struct diff_stream *s, char mark, size_t from, size_t n, size_t max) {
    for (size_t k = 0; k < n && k < max; k++) print_rec(s, mark, diff_stream_peek(s, from + k));
    if (n > max) printf("%c ... %zu more\n", mark, n - max);
}

/* The records up to (and not past) the first missing one, from position 'from'. */
static size_t available(struct diff_stream *s, size_t from, size_t want) {
    size_t n = 0;
    while (n < want && diff_stream_peek(s, from + n)) n++;
    return n;
}

static void print_hunk(struct diff *d, const struct realign *r) {
    printf("--- %s\n+++ %s\n", d->a.path, d->b.path);
    for (size_t k = d->context; k > 0; k--) {
        const struct trace_rec *c = diff_stream_back(&d->a, k);
        if (c) print_rec(&d->a, ' ', c);
    }
    if (!r->found) {   /* no realignment: the divergent record and 'context' more of each */
        print_run(&d->a, '-', 0, available(&d->a, 0, d->context + 1), d->context + 1);
        print_run(&d->b, '+', 0, available(&d->b, 0, d->context + 1), d->context + 1);
        return;
    }
    size_t max = d->context > SHOWN_MIN ? d->context : SHOWN_MIN;
    if (r->i == 0 && r->j == 0) {   /* the same events at another time: one changed line */
        print_rec(&d->a, '-', diff_stream_peek(&d->a, 0));
        print_rec(&d->b, '+', diff_stream_peek(&d->b, 0));
        print_run(&d->a, ' ', 1, available(&d->a, 1, d->context), d->context);
        return;
    }
    print_run(&d->a, '-', 0, r->i, max);
    print_run(&d->b, '+', 0, r->j, max);
    print_run(&d->a, ' ', r->i, available(&d->a, r->i, d->context), d->context);
}

static const char *plural(size_t n) { return n == 1 ? "" : "s"; }

/* How much later (or earlier) B reaches A's record i as its record j than it kept so far. */
static int64_t clock_shift(struct diff *d, const struct realign *r) {
    const struct trace_rec *x = diff_stream_peek(&d->a, r->i), *y = diff_stream_peek(&d->b, r->j);
    if (!x || !y || (d->rules.ignore[x->kind] & IGN_T)) return 0;
    return (int64_t)(y->t - x->t) - d->rules.dt;
}

static void print_shift(int64_t shift) {
    printf("%" PRId64 " ns %s", shift < 0 ? -shift : shift, shift > 0 ? "later" : "earlier");
}

static void print_verdict(struct diff *d, const struct realign *r) {
    if (!r->found) {
        const struct trace_rec *x = diff_stream_peek(&d->a, 0), *y = diff_stream_peek(&d->b, 0);
        if (x && y) {
            printf("the traces do not agree again within %u records (--window)\n", d->window);
            return;
        }
        struct diff_stream *rest = x ? &d->a : &d->b;
        printf("%s ends here; %s goes on for %" PRIu64 " more records\n", x ? "B" : "A",
               x ? "A" : "B", diff_stream_count_rest(rest));
        return;
    }
    int both_end = !diff_stream_peek(&d->a, r->i) && !diff_stream_peek(&d->b, r->j);
    int64_t shift = clock_shift(d, r);
    if (r->i == 0 && r->j == 0) {
        printf("only the time differs: B gets here ");
        print_shift(shift);
        printf(" (counting from the record before)\n");
        return;
    }
    if (r->i == 0) printf("B has %zu extra record%s here", r->j, plural(r->j));
    else if (r->j == 0) printf("A has %zu record%s here that B lacks", r->i, plural(r->i));
    else printf("%zu record%s of A differ%s from %zu of B here", r->i, plural(r->i),
                r->i == 1 ? "s" : "", r->j);
    if (both_end) printf("; then both traces end");
    else printf("; then the traces agree again");
    if (shift && !both_end) {
        printf(", B ");
        print_shift(shift);
    }
    printf("\n");
}

/* Step past the divergence and take on the new offsets of clock and round-trip numbering. */
static void apply_realign(struct diff *d, const struct realign *r) {
    size_t i = r->i, j = r->j;
    const struct trace_rec *x = diff_stream_peek(&d->a, i), *y = diff_stream_peek(&d->b, j);
    if (x && y) d->rules.dt = (int64_t)(y->t - x->t);
    d->rules.drt_known = 0;
    if (i == 0 && j == 0) {   /* the step that took another time: that record is accounted for */
        diff_rules_learn_rt(&d->rules, x, y);
        i = j = 1;
    }
    diff_stream_advance(&d->a, i);
    diff_stream_advance(&d->b, j);
}

static int bad_input(struct diff *d) {
    if (d->a.bad) return tool_read_end(&d->a.r, -1), 1;
    if (d->b.bad) return tool_read_end(&d->b.r, -1), 1;
    return 0;
}

/* Step both traces while they agree; 1 at a divergence, 0 when both end together. */
static int run_until_divergence(struct diff *d) {
    for (;;) {
        const struct trace_rec *x = diff_stream_peek(&d->a, 0), *y = diff_stream_peek(&d->b, 0);
        if (!x || !y) return x || y;
        diff_rules_learn_rt(&d->rules, x, y);
        if (!diff_same(&d->rules, x, y)) return 1;
        diff_rules_step(&d->rules, x, y);
        diff_stream_advance(&d->a, 1);
        diff_stream_advance(&d->b, 1);
    }
}

static int compare(struct diff *d) {
    while (run_until_divergence(d)) {
        if (bad_input(d)) return 2;
        struct realign r = find_realign(d);
        if (bad_input(d)) return 2;
        if (d->divergences++ == 0) {
            print_summary(d, "traces differ at");
            print_hunk(d, &r);
        } else {
            print_summary(d, "also at");
        }
        print_verdict(d, &r);
        if (bad_input(d)) return 2;
        if (!d->all || !r.found) return 1;
        apply_realign(d, &r);
    }
    if (bad_input(d)) return 2;
    if (d->divergences) {
        printf("%" PRIu64 " divergences in all\n", d->divergences);
        return 1;
    }
    printf("traces are the same: %" PRIu64 " records%s%s%s\n", d->a.head,
           d->ignored ? " (ignoring " : "", d->ignored ? d->ignored : "", d->ignored ? ")" : "");
    return 0;
}

static void note_headers(struct diff *d) {
    char why[1400];
    if (trace_header_differs(&d->a.r.h, &d->b.r.h, why, sizeof(why))) printf("note: %s\n", why);
}

int trace_diff(int argc, char **argv) {
    static struct diff d;
    const char *pa = NULL, *pb = NULL;
    memset(&d, 0, sizeof(d));
    d.context = 5;
    d.window = 64;
    d.rules.drt_known = 1;   /* both start counting round trips from the same place */
    int rc = parse_args(&d, argc, argv, &pa, &pb);
    if (rc) return rc > 0 ? 0 : 2;
    size_t ahead = d.window + MATCH_RUN + d.context + 2;
    if (diff_stream_open(&d.a, pa, d.context, ahead)) return 2;
    if (diff_stream_open(&d.b, pb, d.context, ahead)) {
        diff_stream_close(&d.a);
        return 2;
    }
    note_headers(&d);
    rc = compare(&d);
    diff_stream_close(&d.a);
    diff_stream_close(&d.b);
    fflush(stdout);
    return rc;
}
