/* explain.c - "lgsim trace explain": find one page-fault round trip and narrate it. */
#include "traces/explain.h"
#include "traces/number.h"
#include "traces/tool.h"
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#define WIDTH  96       /* output columns */
#define INDENT 14       /* the time column */

static void usage(FILE *f) {
    fprintf(f, "usage: lgsim trace explain [--round-trip=N] FILE\n"
               "  Narrate page-fault round trip N step by step: the fault, the Switcher, the\n"
               "  host's decision, what the guest did, how it ended.  Without N: the first\n"
               "  round trip that went through the guest's own #PF handler (or the first).\n"
               "  'lgsim trace dump --kind=rt_end FILE' lists the round trips.\n");
}

/* Words up to WIDTH columns; continuation lines start under the text, not the time. */
void explain_say(struct explain *e, uint64_t t, const struct text *what) {
    if (e->sink) {
        e->sink(e->sink_ctx, t, what);
        return;
    }
    char when[32];
    snprintf(when, sizeof(when), "+%" PRIu64 " ns", t >= e->t0 ? t - e->t0 : 0);
    fprintf(e->out, "%*s  ", INDENT - 2, when);
    const char *p = what->buf;
    int col = INDENT;
    while (*p) {
        size_t word = strcspn(p, " ");
        if (col > INDENT && col + 1 + (int)word > WIDTH) {
            fprintf(e->out, "\n%*s", INDENT, "");
            col = INDENT;
        } else if (col > INDENT) {
            fputc(' ', e->out);
            col++;
        }
        fwrite(p, 1, word, e->out);
        col += (int)word;
        p += word;
        while (*p == ' ') p++;
    }
    fputs("\n", e->out);
}

/* --round-trip=N or --round-trip N; 0 when N is not a positive number. */
static uint32_t parse_rt(const char *s) {
    uint64_t v;
    return number_parse(s, 10, 1, UINT32_MAX, &v) ? 0 : (uint32_t)v;
}

static int parse_args(int argc, char **argv, uint32_t *rt, const char **path) {
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = NULL;
        if (!strcmp(a, "--help")) { usage(stdout); exit(0); }
        if (!strncmp(a, "--round-trip=", 13)) v = a + 13;
        else if (!strncmp(a, "--rt=", 5)) v = a + 5;
        else if (!strcmp(a, "--round-trip") && i + 1 < argc) v = argv[++i];
        else if (a[0] != '-' && !*path) { *path = a; continue; }
        else { usage(stderr); return -1; }
        if (!(*rt = parse_rt(v))) {
            fprintf(stderr, "lgsim trace: bad round trip '%s' (round trips count from 1)\n", v);
            return -1;
        }
    }
    if (!*path) { usage(stderr); return -1; }
    return 0;
}

void explain_begin(struct explain *e, const struct trace_rec *r) {
    e->t0 = r->t;
    if (r->kind == TK_TO_HOST) {
        e->eip = r->f[TH_EIP];
        e->cs = r->f[TH_CS];
        e->cr2 = r->f[TH_CR2];
        e->pgdir = r->f[TH_PGDIR];
    }
}

static void start(struct explain *e, const struct trace_rec *r, const char *path) {
    explain_begin(e, r);
    fprintf(e->out, "Page-fault round trip %u of %s, from record #%" PRIu64 " at %" PRIu64
            ".%06" PRIu64 " ms of virtual time.\n%sEach step shows the virtual time since the "
            "fault.\n\n", e->rt, path, r->index, r->t / 1000000, r->t % 1000000,
            e->chosen ? "It is the first that went through the guest's own page-fault handler "
            "(--round-trip=N tells another).\n" : "");
}

/* With no --round-trip: the first round trip whose fault the host reflected to the guest's
 * handler (the first ones are usually fixed silently and tell little), else round trip 1. */
static uint32_t first_through_handler(const char *path, int *found) {
    static struct trace_rec rec;
    struct trace_reader rd;
    *found = 0;
    if (tool_open(&rd, path)) return 1;
    uint32_t rt = 1;
    while (trace_read(&rd, &rec) > 0)
        if (rec.rt && rec.kind == TK_REFLECT && rec.f[RF_VECTOR] == 14) {
            rt = rec.rt;
            *found = 1;
            break;
        }
    trace_reader_close(&rd);
    return rt;
}

static void not_found(const char *path, uint32_t want, uint32_t last) {
    if (!last)
        fprintf(stderr, "lgsim trace: %s has no round trip %u: it holds no page-fault round "
                "trips\n", path, want);
    else
        fprintf(stderr, "lgsim trace: %s has no round trip %u: it holds %u page-fault round "
                "trips (1-%u)\n", path, want, last, last);
}

/* Stream to round trip rt, tell its records up to its rt_end, then the record after it. */
static int narrate(struct trace_reader *rd, struct explain *e, const char *path) {
    static struct trace_rec rec;
    uint32_t last = 0;
    int rc, found = 0;
    while ((rc = trace_read(rd, &rec)) > 0) {
        if (rec.rt > last) last = rec.rt;
        if (rec.rt != e->rt) continue;
        if (!found++) start(e, &rec, path);
        explain_record(e, &rec);
        if (rec.kind != TK_RT_END) continue;
        uint32_t outcome = rec.f[RE_OUTCOME];
        if ((rc = trace_read(rd, &rec)) > 0) explain_after(e, &rec, outcome);
        break;
    }
    if (tool_read_end(rd, rc)) return 2;
    if (!found) {
        not_found(path, e->rt, last);
        return 2;
    }
    return 0;
}

int trace_explain(int argc, char **argv) {
    static struct explain e;
    const char *path = NULL;
    memset(&e, 0, sizeof(e));
    e.rt = 0;
    e.out = stdout;
    if (parse_args(argc, argv, &e.rt, &path)) return 2;
    struct trace_reader rd;
    if (tool_open(&rd, path)) return 2;
    if (!e.rt) e.rt = first_through_handler(path, &e.chosen);
    struct trace_namer names;
    if (tool_names(&names, &rd, path)) {
        trace_reader_close(&rd);
        return 2;
    }
    e.names = &names;
    int rc = narrate(&rd, &e, path);
    tool_names_close(&names);
    trace_reader_close(&rd);
    return rc;
}
