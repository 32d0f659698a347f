/* run.c - loading a trace into memory, and looking records up by round trip and time. */
#include "ui/run.h"
#include "sim/path.h"
#include "traces/reader.h"
#include <stdlib.h>
#include <string.h>

/* Room for need elements of size elem in *p (doubling); the new block, or NULL. */
static void *grow(void *p, uint64_t *cap, uint64_t need, size_t elem) {
    if (need <= *cap) return p;
    uint64_t c = *cap ? *cap : 4096;
    while (c < need) c *= 2;
    void *q = realloc(p, (size_t)(c * elem));
    if (q) *cap = c;
    return q;
}

static int note_round_trip(struct run *run, uint32_t id, uint64_t index, int is_end) {
    if (id > run->n_rt) {
        if (id > run->rt_cap) {
            uint32_t c = run->rt_cap ? run->rt_cap : 256;
            while (c < id) c *= 2;
            uint64_t *a = realloc(run->rt_first, c * sizeof(*a));
            if (!a) return -1;
            run->rt_first = a;
            uint64_t *b = realloc(run->rt_last, c * sizeof(*b));
            if (!b) return -1;
            run->rt_last = b;
            run->rt_cap = c;
        }
        for (uint32_t k = run->n_rt; k < id; k++) run->rt_first[k] = run->rt_last[k] = UINT64_MAX;
        run->n_rt = id;
    }
    if (run->rt_first[id - 1] == UINT64_MAX) run->rt_first[id - 1] = index;
    if (is_end || run->rt_last[id - 1] == UINT64_MAX || run->rt_last[id - 1] < index)
        run->rt_last[id - 1] = index;
    return 0;
}

int run_append(struct run *run, const struct trace_rec *r) {
    /* Round trip k starts at a record of its own, so its id is at most the record's index + 1:
     * a bigger one is a broken file, not a reason to allocate for it. */
    if (r->rt > run->n + 1) return -2;
    struct run_rec *recs = grow(run->rec, &run->cap, run->n + 1, sizeof(*run->rec));
    if (!recs) return -1;
    run->rec = recs;
    char *text = grow(run->text, &run->text_cap, run->text_len + r->text_len + 1, 1);
    if (!text) return -1;
    run->text = text;
    struct run_rec *d = &run->rec[run->n];
    memset(d, 0, sizeof(*d));
    d->t = r->t;
    d->rt = r->rt;
    d->kind = r->kind;
    memcpy(d->f, r->f, sizeof(d->f));
    d->text = (uint32_t)run->text_len;
    d->text_len = (uint16_t)r->text_len;
    if (r->text_len) memcpy(run->text + run->text_len, r->text, r->text_len);
    run->text[run->text_len + r->text_len] = 0;   /* run_text() is a C string (a death's %s) */
    run->text_len += r->text_len + 1;
    if (r->rt && note_round_trip(run, r->rt, run->n, r->kind == TK_RT_END)) return -1;
    if (r->kind == TK_CONSOLE) {
        uint64_t *con = grow(run->con, &run->con_cap, run->n_con + 1, sizeof(*run->con));
        if (!con) return -1;
        run->con = con;
        run->con[run->n_con++] = run->n;
    }
    run->n++;
    summary_append(run);
    return 0;
}

/* Round trips begun before record n, each with its last record before n. */
static void truncate_round_trips(struct run *run, uint64_t n) {
    while (run->n_rt && (run->rt_first[run->n_rt - 1] == UINT64_MAX ||
                         run->rt_first[run->n_rt - 1] >= n))
        run->n_rt--;
    for (uint32_t k = 0; k < run->n_rt; k++) {
        if (run->rt_first[k] == UINT64_MAX || run->rt_last[k] < n) continue;
        uint64_t i = n - 1;
        while (i > run->rt_first[k] && run->rec[i].rt != k + 1) i--;
        run->rt_last[k] = i;
    }
}

void run_truncate(struct run *run, uint64_t n) {
    if (n >= run->n) return;
    run->text_len = run->rec[n].text;
    truncate_round_trips(run, n);
    run->n_con = run_consoles_before(run, n);
    run->n = n;
    run->cuts++;
    summary_truncate(run);
}

int run_load(struct run *run, const char *path, char *err, size_t errlen) {
    static struct trace_rec rec;
    struct trace_reader rd;
    memset(run, 0, sizeof(*run));
    snprintf(run->path, sizeof(run->path), "%s", path);
    snprintf(run->name, sizeof(run->name), "%s", path_base(path));
    if (trace_reader_open(&rd, path, err, errlen)) return -1;
    run->h = rd.h;
    run->have_header = 1;
    int rc;
    while ((rc = trace_read(&rd, &rec)) > 0) {
        int bad = run_append(run, &rec);
        if (bad == -2)
            snprintf(err, errlen, "%s: record %llu belongs to round trip %u, which cannot have "
                     "begun yet (the file is not a trace lgsim wrote)", path,
                     (unsigned long long)run->n, rec.rt);
        else if (bad)
            snprintf(err, errlen, "%s: out of memory at record %llu", path,
                     (unsigned long long)run->n);
        if (bad) {
            rc = -2;
            break;
        }
    }
    if (rc == -1) snprintf(err, errlen, "%s", rd.err);
    trace_reader_close(&rd);
    if (rc < 0) {
        run_free(run);
        return -1;
    }
    return 0;
}

void run_get(const struct run *run, uint64_t i, struct trace_rec *out) {
    const struct run_rec *s = &run->rec[i];
    out->index = i;
    out->t = s->t;
    out->rt = s->rt;
    out->kind = s->kind;
    out->nfields = (uint8_t)trace_kind_fields(s->kind);
    memcpy(out->f, s->f, sizeof(out->f));
    out->text_len = s->text_len;
    if (s->text_len) memcpy(out->text, run->text + s->text, s->text_len);
    out->text[s->text_len] = 0;
}

const char *run_text(const struct run *run, uint64_t i) {
    return run->text + run->rec[i].text;
}

void run_free(struct run *run) {
    free(run->rec);
    free(run->text);
    free(run->rt_first);
    free(run->rt_last);
    free(run->con);
    summary_free(&run->sum);
    run->con = NULL;
    run->n_con = run->con_cap = 0;
    run->rec = NULL;
    run->text = NULL;
    run->rt_first = run->rt_last = NULL;
    run->n = run->cap = run->text_len = run->text_cap = 0;
    run->n_rt = run->rt_cap = 0;
}

int run_round_trip(const struct run *run, uint32_t id, uint64_t *first, uint64_t *last) {
    if (id == 0 || id > run->n_rt || run->rt_first[id - 1] == UINT64_MAX) return 0;
    *first = run->rt_first[id - 1];
    *last = run->rt_last[id - 1];
    return 1;
}

uint64_t run_at_time(const struct run *run, uint64_t t) {
    uint64_t lo = 0, hi = run->n;      /* times never go down, so a binary search works */
    while (lo < hi) {
        uint64_t mid = lo + (hi - lo) / 2;
        if (run->rec[mid].t < t) lo = mid + 1;
        else hi = mid;
    }
    return lo;
}

uint64_t run_consoles_before(const struct run *run, uint64_t i) {
    uint64_t lo = 0, hi = run->n_con;
    while (lo < hi) {
        uint64_t mid = lo + (hi - lo) / 2;
        if (run->con[mid] < i) lo = mid + 1;
        else hi = mid;
    }
    return lo;
}
