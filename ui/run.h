/* run.h - a recorded run held in memory, so the window can go to any record and back. */
#ifndef LGSIM_UI_RUN_H
#define LGSIM_UI_RUN_H
#include <stdint.h>
#include "traces/format.h"

/*
 * The trace reader streams; browsing needs every record at hand.  A record here is the
 * decoded one without its text buffer (64 bytes); console and death text go into one pool.
 * Live mode (later) appends records as the recorder writes them (run_append), so everything
 * built on a run works on a machine that is still going.
 */
struct run_rec {
    uint64_t t;
    uint32_t f[TRACE_FIELDS];
    uint32_t rt;
    uint32_t text;               /* offset of its text in run.text */
    uint16_t text_len;
    uint8_t kind;
};

/* What stretches of the run hold, for the timeline (summary.c): for each record the lanes and
 * events it shows in a column it lies wholly inside (lanes low byte, events high), and the
 * same OR-ed over blocks of 64 and 4096 records.  Known for the records before `stable`: up to
 * the last exit, since a round trip's end shows the ring of the exit after it. */
struct run_summary {
    uint16_t *bits, *b64, *b4096;
    uint64_t stable, cap, n64, n4096;
};

struct run {
    char path[512];
    char name[128];              /* the file name without its directories */
    struct trace_header h;
    int have_header;
    struct run_rec *rec;
    uint64_t n, cap;
    char *text;
    uint64_t text_len, text_cap;
    /* Round trips by id (ids count from 1): first record and last (its rt_end when ended). */
    uint64_t *rt_first, *rt_last;
    uint32_t n_rt, rt_cap;
    /* The console records' indexes, in order. */
    uint64_t *con, n_con, con_cap;
    struct run_summary sum;
    uint64_t cuts;               /* how often run_truncate() took records away */
};

/* Only the first n records are kept (live: the machine went back to before the others; they
 * come again as it runs on). */
void run_truncate(struct run *run, uint64_t n);
/* Read a whole trace: 0, or -1 with the reader's message (byte offset and record) in err. */
int run_load(struct run *run, const char *path, char *err, size_t errlen);
/* One more record at the end: 0, -1 when memory runs out, -2 for an impossible round-trip id. */
int run_append(struct run *run, const struct trace_rec *r);
/* Record i as the trace tools see it (text included). */
void run_get(const struct run *run, uint64_t i, struct trace_rec *out);
const char *run_text(const struct run *run, uint64_t i);
void run_free(struct run *run);

/* Round trip id's first and last records; 0 when the run holds no such round trip. */
int run_round_trip(const struct run *run, uint32_t id, uint64_t *first, uint64_t *last);
/* The first record at or after time t (n when none). */
uint64_t run_at_time(const struct run *run, uint64_t t);
/* The number of console records before record i (binary search in run->con). */
uint64_t run_consoles_before(const struct run *run, uint64_t i);

/* summary.c: the last record appended, into the summary; its memory. */
void summary_append(struct run *run);
void summary_truncate(struct run *run);   /* after run_truncate(): what is settled still */
void summary_free(struct run_summary *s);
/* The lanes and events (as the summary's bits) of records a..b, all wholly inside a column. */
uint16_t summary_or(const struct run *run, uint64_t a, uint64_t b);
#endif
