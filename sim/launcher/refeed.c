/* refeed.c - console input given since the first checkpoint, given again when going back passes it. */
#include "sim/launcher/launcher.h"
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

/*
 * Going back (timetravel.c) puts an earlier machine in place and runs it forward again.  The
 * Guest's input came from outside at points of the run (a console line at a halt, the end of
 * stdin): on the way forward again it must come at the same points with the same bytes, or
 * the run parts from the one it went back over.  So once there is a checkpoint, every input
 * given is logged here with its virtual time, and from going back until the machine stands
 * where the run had been (the frontier) the input comes from the log, as a replay's comes
 * from a trace (replay_devices.c): nothing is read from stdin meanwhile.  stdin's own state
 * there (bytes read and not yet given, its end) is the frontier's, kept aside and put back
 * when the machine gets there; the input log is no part of the machine (not saved).
 */
struct logged_input {
    uint64_t t;
    size_t at;            /* its bytes, in the log's pool */
    uint32_t len;
    int eof;              /* the end of stdin (LN_INPUT_EOF), no bytes */
};

static int append(struct input_log *g, uint64_t t, const uint8_t *b, uint32_t len, int eof) {
    if (g->n == g->cap) {
        size_t cap = g->cap ? g->cap * 2 : 64;
        struct logged_input *e = realloc(g->e, cap * sizeof(*e));
        if (!e) return -1;
        g->e = e;
        g->cap = cap;
    }
    if (g->bytes_len + len > g->bytes_cap) {
        size_t cap = g->bytes_cap ? g->bytes_cap : 4096;
        while (cap < g->bytes_len + len) cap *= 2;
        uint8_t *p = realloc(g->bytes, cap);
        if (!p) return -1;
        g->bytes = p;
        g->bytes_cap = cap;
    }
    if (len) memcpy(g->bytes + g->bytes_len, b, len);
    g->e[g->n++] = (struct logged_input){ .t = t, .at = g->bytes_len, .len = len, .eof = eof };
    g->bytes_len += len;
    return 0;
}

/* Input number l->n_inputs was just given live: kept while there is a checkpoint to go back
 * to (input before the first one is never given again). */
static void note(struct launcher *l, const uint8_t *b, uint32_t len, int eof) {
    struct input_log *g = &l->log;
    if (!tt_count(l)) return;
    if (!g->n) g->first = l->n_inputs;
    if (g->first + g->n != l->n_inputs || append(g, lguest_time(l->lg), b, len, eof)) {
        launcher_quit(l, "out of memory keeping the console input for going back");
        l->exit_code = 2;
    }
}

void refeed_note_console(struct launcher *l, const uint8_t *b, uint32_t len) {
    note(l, b, len, 0);
}

void refeed_note_eof(struct launcher *l) { note(l, NULL, 0, 1); }

void refeed_begin(struct launcher *l) {
    struct input_log *g = &l->log;
    if (g->feeding) return;   /* going back again: the frontier is still where it was */
    g->feeding = 1;
    g->frontier_ns = lguest_time(l->lg);
    g->live = l->in;
}

/* The next input to give again, or NULL when all have been. */
static const struct logged_input *next(const struct launcher *l) {
    const struct input_log *g = &l->log;
    if (l->n_inputs < g->first || l->n_inputs - g->first >= g->n) return NULL;
    return &g->e[l->n_inputs - g->first];
}

/* At the frontier with the log all given again: stdin is the frontier's again, read live. */
static int reached_frontier(struct launcher *l) {
    struct input_log *g = &l->log;
    if (next(l) || lguest_time(l->lg) < g->frontier_ns) return 0;
    g->feeding = 0;
    l->in = g->live;
    return 1;
}

static void parted(struct launcher *l, const struct logged_input *e, const char *what) {
    launcher_quit(l, "going back: the console input given at t=%.6f ms %s (the run is at "
                  "t=%.6f ms): the machine parted from the run it went back over",
                  e->t / 1e6, what, lguest_time(l->lg) / 1e6);
    l->exit_code = 2;
}

static void give_eof(struct launcher *l) {
    l->in.eof = 1;
    REC(&l->rec, lguest_time(l->lg), TK_LAUNCHER, LN_INPUT_EOF, 0, 0, 0, launcher_eip(l));
    l->n_inputs++;
}

/* As devices.c deliver(): the bytes into the console, the record, and out of stdin's buffer
 * what of them it held (the rest was read after the checkpoint). */
static int give_console(struct launcher *l, const struct logged_input *e) {
    const uint8_t *b = l->log.bytes + e->at;
    if (console_input(&l->console, b, e->len) != (int)e->len) {
        parted(l, e, "did not fit the console's buffer again");
        return -1;
    }
    rec_bytes(&l->rec, lguest_time(l->lg), TK_CONSOLE_IN, b, e->len);
    l->n_inputs++;
    uint32_t held = l->in.len < e->len ? l->in.len : e->len;
    memmove(l->in.buf, l->in.buf + held, l->in.len - held);
    l->in.len -= held;
    return 0;
}

/* The Guest halted behind the frontier: the input the run gave at this halt, and nothing
 * else.  0: the frontier is reached, stdin is live again (devices_idle_input goes on). */
int refeed_idle(struct launcher *l, int want, enum idle_input *out) {
    uint64_t now = lguest_time(l->lg);
    if (want) {   /* stdin was taken on at the first halt that wanted it (start_input) */
        l->in.started = 1;
        l->in.tty = l->log.live.tty;
    }
    const struct logged_input *e;
    while (want && (e = next(l)) != NULL && e->t <= now) {
        if (e->t < now) {
            parted(l, e, "was due at a point this run never reached");
            *out = INPUT_INTERRUPTED;
            return 1;
        }
        if (e->eof) {
            give_eof(l);
            continue;
        }
        *out = give_console(l, e) ? INPUT_INTERRUPTED : INPUT_DELIVERED;
        return 1;
    }
    if (reached_frontier(l)) return 0;
    *out = l->in.eof && !l->in.len ? INPUT_ENDED : INPUT_NONE;
    return 1;
}

/* A turn behind the frontier: the end of a terminal's input, read at a turn, comes again
 * here; nothing is read. */
void refeed_turn(struct launcher *l) {
    const struct logged_input *e;
    if (devices_watching_terminal(l) && (e = next(l)) != NULL && e->eof &&
        e->t == lguest_time(l->lg))
        give_eof(l);
    reached_frontier(l);
}

void refeed_free(struct launcher *l) {
    free(l->log.e);
    free(l->log.bytes);
    memset(&l->log, 0, sizeof(l->log));
}
