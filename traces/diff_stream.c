/* diff_stream.c - a trace behind a fixed ring of records: context behind, look-ahead in front. */
#include "traces/diff.h"
#include "traces/tool.h"
#include <stdlib.h>

int diff_stream_open(struct diff_stream *s, const char *path, size_t keep, size_t ahead) {
    memset(s, 0, sizeof(*s));
    s->path = path;
    s->keep = keep;
    s->ahead = ahead;
    uint64_t cap = 1;
    while (cap < keep + ahead + 1) cap <<= 1;
    s->mask = cap - 1;
    if (!(s->ring = malloc(cap * sizeof(*s->ring)))) {
        fprintf(stderr, "lgsim trace: out of memory for the diff window\n");
        return -1;
    }
    if (tool_open(&s->r, path)) {
        free(s->ring);
        s->ring = NULL;
        return -1;
    }
    if (tool_names(&s->names, &s->r, path)) {
        trace_reader_close(&s->r);
        free(s->ring);
        s->ring = NULL;
        return -1;
    }
    return 0;
}

void diff_stream_close(struct diff_stream *s) {
    if (!s->ring) return;
    tool_names_close(&s->names);
    trace_reader_close(&s->r);
    free(s->ring);
    s->ring = NULL;
}

/* Read records into the ring until position 'want' is there or the trace stops. */
static void fill_to(struct diff_stream *s, uint64_t want) {
    while (s->filled <= want && !s->ended && !s->bad) {
        int rc = trace_read(&s->r, &s->ring[s->filled & s->mask]);
        if (rc > 0) s->filled++;
        else if (rc == 0) s->ended = 1;
        else s->bad = 1;
    }
}

const struct trace_rec *diff_stream_peek(struct diff_stream *s, size_t k) {
    if (k >= s->ahead) return NULL;   /* never past the window: it would eat the context */
    uint64_t at = s->head + k;
    if (at >= s->filled) fill_to(s, at);
    return at < s->filled ? &s->ring[at & s->mask] : NULL;
}

void diff_stream_advance(struct diff_stream *s, size_t n) {
    if (n == 0) return;
    fill_to(s, s->head + n - 1);
    s->head += n;
    if (s->head > s->filled) s->head = s->filled;
}

const struct trace_rec *diff_stream_back(const struct diff_stream *s, size_t k) {
    if (k == 0 || k > s->keep || k > s->head) return NULL;
    return &s->ring[(s->head - k) & s->mask];
}

uint64_t diff_stream_count_rest(struct diff_stream *s) {
    uint64_t n = s->filled - s->head;
    struct trace_rec scratch;
    while (!s->ended && !s->bad) {
        int rc = trace_read(&s->r, &scratch);
        if (rc > 0) n++;
        else if (rc == 0) s->ended = 1;
        else s->bad = 1;
    }
    return n;
}
