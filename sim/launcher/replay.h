/* replay.h - --replay=TRACE: the input a recorded run was given, read back in its order. */
#ifndef LGSIM_REPLAY_H
#define LGSIM_REPLAY_H
#include "traces/reader.h"

/*
 * The old trace is streamed (constant memory): only the next record the replay acts on is
 * held.  Those are the inputs - console_in, net_in (a frame in pieces), launcher input_eof -
 * and the halts, whose lengths say when a network backend's timer woke the halted Guest.
 */
struct replay {
    struct trace_reader r;
    struct trace_rec next;        /* valid when have */
    int have, failed;
    uint64_t console_left;        /* console_in and input_eof records not yet taken */
    uint64_t inputs_left;         /* every input record not yet taken */
    uint64_t end_t;               /* the virtual time the recorded run ended at */
    int stopped;                  /* the recorded run was stopped from outside (a signal) */
    uint64_t stop_t;              /* ... at this virtual time, */
    uint32_t stop_code;           /* with this exit status */
    char stop_reason[TRACE_TEXT_MAX + 1];
    uint8_t *frame;               /* NET_FRAME_MAX bytes: one frame, its pieces joined */
    char err[700];
};

/* Read the whole file once (every check the reader makes: a bad file fails here, before the
 * run), compare its header with this run's (now): inputs or options that differ refuse,
 * another lgsim version only warns (*warn, "" for none).  0, or -1 with the reason. */
int replay_open(struct replay *rp, const char *path, const struct trace_header *now,
                char *warn, size_t warnlen, char *err, size_t errlen);
/* The next record the replay acts on, or NULL at the end (or when the file failed: failed). */
const struct trace_rec *replay_peek(struct replay *rp);
void replay_take(struct replay *rp);
int replay_is_eof(const struct trace_rec *r);
/* The bytes of one console delivery: the next console_in record and the ones it was cut into
 * (rec_bytes cuts at TRACE_TEXT_MAX); at most max.  *index: the first record's number. */
uint32_t replay_take_console(struct replay *rp, uint8_t *buf, uint32_t max, uint64_t *index);
/* One frame, its pieces joined into rp->frame; its length, or -1 with rp->err set. */
int replay_take_frame(struct replay *rp);
void replay_close(struct replay *rp);
#endif
