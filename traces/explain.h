/* explain.h - the state "lgsim trace explain" keeps while it narrates one round trip. */
#ifndef LGSIM_TRACE_EXPLAIN_H
#define LGSIM_TRACE_EXPLAIN_H
#include <stdio.h>
#include "traces/describe.h"
#include "traces/names.h"

#define EXPLAIN_SPTES 4    /* shadow PTEs kept until the decision that wrote them is told */

/* A run of port I/O the launcher emulated, told as one step. */
struct io_run {
    unsigned exits, outs, ins, clis, lines;
    uint64_t t;
    struct text console;
};

struct explain {
    FILE *out;
    /* When set, each step goes here instead of to out (the UI's story panel). */
    void (*sink)(void *ctx, uint64_t t, const struct text *what);
    void *sink_ctx;
    const struct trace_namer *names;   /* names code addresses; NULL: none */
    uint32_t rt;
    int chosen;                    /* rt was chosen as the first through the guest's handler */
    uint64_t t0;                   /* the fault: times are told from here */
    uint32_t eip, cs, cr2, pgdir;  /* the faulting instruction, its address, its directory */
    int decided, in_handler, retries, refault;
    int device;                    /* the host's decision: a device access, never retried */
    unsigned to_host, to_guest;    /* world switches */
    uint32_t last_entry_cpl;
    struct trace_rec exit;         /* the last to_host, until what follows says why */
    int exit_open;
    struct trace_rec sptes[EXPLAIN_SPTES];
    unsigned n_sptes;
    struct trace_rec flush;
    int have_flush;
    struct io_run io;
};

/* The first record told: times are told from it, and a fault there is the one followed. */
void explain_begin(struct explain *e, const struct trace_rec *first);
/* One record of the round trip, in file order; the caller stops after its rt_end. */
void explain_record(struct explain *e, const struct trace_rec *r);
/* The record after rt_end, if any: the exit that ended an abandoned round trip, or the
 * Guest's death. */
void explain_after(struct explain *e, const struct trace_rec *next, uint32_t outcome);
/* Tell what is still held back (a run of port I/O, an exit not yet explained): for a caller
 * that stops before a round trip's end. */
void explain_flush(struct explain *e);
/* Write one step at time t, wrapped and indented under its time. */
void explain_say(struct explain *e, uint64_t t, const struct text *what);
#endif
