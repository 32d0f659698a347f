/* diff.h - the parts of "lgsim trace diff": a look-ahead window over a trace, and the rules
 * that say when two records are the same (private to diff*.c). */
#ifndef LGSIM_TRACE_DIFF_H
#define LGSIM_TRACE_DIFF_H
#include <stddef.h>
#include "traces/names.h"
#include "traces/reader.h"

/*
 * A trace read through a ring of records: the last 'keep' records consumed stay for context,
 * and up to 'ahead' records past the current one can be peeked at.  Memory is fixed when the
 * stream opens, whatever the length of the trace.
 */
struct diff_stream {
    struct trace_reader r;
    const char *path;
    struct trace_rec *ring;
    uint64_t mask;
    size_t keep, ahead;
    uint64_t head;                   /* records consumed (the index of the current one) */
    uint64_t filled;                 /* records read into the ring */
    int ended, bad;                  /* the reader hit the end marker / a bad file */
    struct trace_namer names;        /* this trace's kernel names its code addresses */
};

int diff_stream_open(struct diff_stream *s, const char *path, size_t keep, size_t ahead);
void diff_stream_close(struct diff_stream *s);
/* The record k places past the current one; NULL at the end of the trace or on a bad file. */
const struct trace_rec *diff_stream_peek(struct diff_stream *s, size_t k);
void diff_stream_advance(struct diff_stream *s, size_t n);
/* The k-th record consumed before the current one (1: the last); NULL if not kept. */
const struct trace_rec *diff_stream_back(const struct diff_stream *s, size_t k);
/* Read to the end; how many records were left (from the current one on). */
uint64_t diff_stream_count_rest(struct diff_stream *s);

/* --ignore, per kind: bits 0..8 the fields, then time, round-trip id and text. */
#define IGN_T    (1u << TRACE_FIELDS)
#define IGN_RT   (1u << (TRACE_FIELDS + 1))
#define IGN_TEXT (1u << (TRACE_FIELDS + 2))

/*
 * After an insertion the two runs can keep going in step but with B's clock shifted and its
 * page-fault round trips numbered on from a different count: dt and drt carry those offsets,
 * so one extra record counts as one divergence, not as everything after it.  dt follows the
 * last pair that agreed, so times compare as steps from the record before: a step that took
 * longer in B is one divergence, and the records after it agree again.
 */
struct diff_rules {
    uint32_t ignore[TK_KINDS];
    int64_t dt;                      /* B's time minus A's at the last pair that agreed */
    uint32_t drt;                    /* B's round-trip id minus A's */
    int drt_known;                   /* 0: learn drt from the next pair that both have one */
};

/* Parse "eip,to_host.cr2,t,rt,text"; 0, or -1 with a message in err. */
int diff_rules_ignore(struct diff_rules *r, const char *list, char *err, size_t errlen);
/* Learn the round-trip offset from this pair if it is still open. */
void diff_rules_learn_rt(struct diff_rules *r, const struct trace_rec *a,
                         const struct trace_rec *b);
/* A pair agreed (or was taken as agreeing): the clock offset from here on. */
static inline void diff_rules_step(struct diff_rules *r, const struct trace_rec *a,
                                   const struct trace_rec *b) {
    if (!(r->ignore[a->kind] & IGN_T)) r->dt = (int64_t)(b->t - a->t);
}
/* The same record, with the offsets applied and ignored fields left out. */
int diff_same(const struct diff_rules *r, const struct trace_rec *a, const struct trace_rec *b);
/* The same event whatever the clock and round-trip numbering say: what realignment looks for. */
int diff_alike(const struct diff_rules *r, const struct trace_rec *a, const struct trace_rec *b);
/* "eip 0x8048225 vs 0x8048230, cr2 0x10000000 vs 0x10001000" for two records of one kind. */
void diff_describe(const struct diff_rules *r, const struct trace_rec *a,
                   const struct trace_rec *b, char *buf, size_t len);
/* "1.234567ms" */
void diff_format_time(uint64_t ns, char *buf, size_t len);
#endif
