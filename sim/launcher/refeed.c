/* refeed.c - input given since the first checkpoint, given again when going back passes it. */
#include "sim/launcher/launcher.h"
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

/*
 * Going back (timetravel.c) puts an earlier machine in place and runs it forward again.  The
 * Guest's input came from outside at points of the run (a console line at a halt, the end of
 * stdin, a frame after a tx, at an rx kick or at a halt, a halt a network backend's timer
 * ended early): on the way forward again it must come at the same points with the same bytes,
 * or the run parts from the one it went back over.  So once there is a checkpoint, every input
 * given is logged here with its virtual time, and from going back until the machine stands
 * where the run had been (the frontier) the input comes from the log, as a replay's comes
 * from a trace (replay_devices.c): nothing is read from stdin meanwhile, the network devices
 * are held (the Guest's frames were sent once already; the backend's wait), and the backends
 * are not polled.  stdin's own state there (bytes read and not yet given, its end) is the
 * frontier's, kept aside and put back when the machine gets there, and so the backends, which
 * never went back, are where the machine is again.  The log is no part of the machine (not
 * saved: a saved machine with a network device is refused, machine.c).
 */
enum logged_kind { LOGGED_CONSOLE, LOGGED_EOF, LOGGED_FRAME, LOGGED_WAKE };
struct logged_input {
    uint64_t t;
    uint64_t wake;        /* LOGGED_WAKE: where the backend ended the halt */
    size_t at;            /* its bytes, in the log's pool */
    uint32_t len, irq;    /* LOGGED_FRAME: the device's interrupt line */
    enum logged_kind kind;
};

static int append(struct input_log *g, struct logged_input e, const uint8_t *b) {
    uint32_t len = e.len;
    if (g->n == g->cap) {
        size_t cap = g->cap ? g->cap * 2 : 64;
        struct logged_input *grown = realloc(g->e, cap * sizeof(*grown));
        if (!grown) return -1;
        g->e = grown;
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
    if (len && b) memcpy(g->bytes + g->bytes_len, b, len);   /* EOF, a wake: NULL, 0 */
    e.at = g->bytes_len;
    g->e[g->n++] = e;
    g->bytes_len += len;
    return 0;
}

/* Input number l->n_inputs was just given live: kept while there is a checkpoint to go back
 * to (input before the first one is never given again). */
static void note(struct launcher *l, struct logged_input e, const uint8_t *b) {
    struct input_log *g = &l->log;
    if (!tt_count(l) || g->feeding) return;   /* feeding: it is in the log already */
    if (!g->n) g->first = l->n_inputs;
    e.t = lguest_time(l->lg);
    if (g->first + g->n != l->n_inputs || append(g, e, b)) {
        launcher_quit(l, "out of memory keeping the input for going back");
        l->exit_code = 2;
    }
}

void refeed_note_console(struct launcher *l, const uint8_t *b, uint32_t len) {
    note(l, (struct logged_input){ .kind = LOGGED_CONSOLE, .len = len }, b);
}

void refeed_note_eof(struct launcher *l) {
    note(l, (struct logged_input){ .kind = LOGGED_EOF }, NULL);
}

void refeed_note_frame(struct launcher *l, unsigned irq, const uint8_t *b, uint32_t len) {
    note(l, (struct logged_input){ .kind = LOGGED_FRAME, .irq = irq, .len = len }, b);
}

void refeed_note_wake(struct launcher *l, uint64_t wake) {
    note(l, (struct logged_input){ .kind = LOGGED_WAKE, .wake = wake }, NULL);
}

void refeed_begin(struct launcher *l) {
    struct input_log *g = &l->log;
    if (g->feeding) return;   /* going back again: the frontier is still where it was */
    g->feeding = 1;
    g->frontier_ns = lguest_time(l->lg);
    g->live = l->in;
    for (int i = 0; i < l->n_nets; i++) l->nets[i].held = 1;   /* none came there */
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
    for (int i = 0; i < l->n_nets; i++) l->nets[i].held = 0;
    return 1;
}

static void parted(struct launcher *l, const struct logged_input *e, const char *what) {
    static const char *const names[] = { "console input", "end of stdin", "network frame",
                                         "network backend's wake" };
    launcher_quit(l, "going back: the %s given at t=%.6f ms %s (the run is at t=%.6f ms): the "
                  "machine parted from the run it went back over", names[e->kind], e->t / 1e6,
                  what, lguest_time(l->lg) / 1e6);
    l->exit_code = 2;
}

/* A held network device's delivery point (virtio/net.h): the frames the run gave it here. */
void refeed_frames(void *ctx, struct virtio_net *n) {
    struct launcher *l = ctx;
    const struct logged_input *e;
    while ((e = next(l)) != NULL && e->kind == LOGGED_FRAME && e->t == lguest_time(l->lg) &&
           e->irq == n->dev.pci.cfg[0x3C] && vq_has_buf(&n->dev.vq[0]))
        if (virtio_net_give(n, l->log.bytes + e->at, e->len) < 0) break;
}

/* The frames due at this halt, device by device as netdevs_poll() gives them. */
static int give_frames(struct launcher *l) {
    int given = 0;
    for (int i = 0; i < l->n_nets && !l->dead; i++) given |= virtio_net_deliver(&l->nets[i]);
    return given;
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

/* The Guest halted behind the frontier: the input the run gave at this halt, in its order
 * (a backend's wake, the end of stdin, a console line or frames), and nothing else.  0: the
 * frontier is reached, stdin and the network are live again (devices_idle_input goes on). */
int refeed_idle(struct launcher *l, int want, uint64_t *wake, enum idle_input *out) {
    uint64_t now = lguest_time(l->lg);
    if (want) {   /* stdin was taken on at the first halt that wanted it (start_input) */
        l->in.started = 1;
        l->in.tty = l->log.live.tty;
    }
    const struct logged_input *e;
    while ((e = next(l)) != NULL && e->t <= now) {
        if (e->t < now) {
            parted(l, e, "was due at a point this run never reached");
            *out = INPUT_INTERRUPTED;
            return 1;
        }
        if (e->kind == LOGGED_WAKE) {
            *wake = e->wake;
            l->n_inputs++;
        } else if (e->kind == LOGGED_FRAME) {
            if (give_frames(l)) {
                *out = INPUT_DELIVERED;
                return 1;
            }
            parted(l, e, "found no buffer to go into");
            *out = INPUT_INTERRUPTED;
            return 1;
        } else if (!want) {
            break;
        } else if (e->kind == LOGGED_EOF) {
            give_eof(l);
        } else {
            *out = give_console(l, e) ? INPUT_INTERRUPTED : INPUT_DELIVERED;
            return 1;
        }
    }
    if (reached_frontier(l)) return 0;
    *out = l->in.eof && !l->in.len ? INPUT_ENDED : INPUT_NONE;
    return 1;
}

/* A turn behind the frontier: the end of a terminal's input, read at a turn, comes again
 * here; nothing is read. */
void refeed_turn(struct launcher *l) {
    const struct logged_input *e;
    if (devices_watching_terminal(l) && (e = next(l)) != NULL && e->kind == LOGGED_EOF &&
        e->t == lguest_time(l->lg))
        give_eof(l);
    reached_frontier(l);
}

void refeed_free(struct launcher *l) {
    free(l->log.e);
    free(l->log.bytes);
    memset(&l->log, 0, sizeof(l->log));
}
