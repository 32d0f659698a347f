/* replay_devices.c - --replay in the launcher: recorded input into the console and net devices. */
#include "sim/launcher/launcher.h"
#include "sim/launcher/replay.h"
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

/*
 * The live run takes input at fixed points: the console's at a halt, frames at a halt, after
 * a tx and at an rx kick (README "Devices").  At each such point the replay gives the recorded
 * input whose virtual time (and device) is this point's, and nothing else.  A recorded input
 * the run has gone past was due at a point the replayed run never reached: it has parted from
 * the recorded one, and is stopped there with both times named.
 */

static void ms(uint64_t ns, char *buf, size_t len) {
    snprintf(buf, len, "%" PRIu64 ".%06" PRIu64 "ms", ns / 1000000, ns % 1000000);
}

/* Stop the run: the replay cannot go on truthfully.  Exit status 2, as for a bad file. */
static void diverged(struct launcher *l, const struct trace_rec *r, const char *what) {
    char at[32], now[32];
    ms(r ? r->t : 0, at, sizeof(at));
    ms(lguest_time(l->lg), now, sizeof(now));
    if (r)
        launcher_quit(l, "replay diverged: record %" PRIu64 " (%s at t=%s) %s (the run is at "
                   "t=%s)", r->index, trace_kind_name(r->kind), at, what, now);
    else
        launcher_quit(l, "replay diverged: %s (the run is at t=%s)", what, now);
    l->exit_code = 2;
}

static void replay_failed(struct launcher *l) {
    launcher_quit(l, "--replay: %.270s", l->replay->err);
    l->exit_code = 2;
}

/* The next record, when it is due now; NULL otherwise (and the run stopped when one was due
 * before now, or the file failed). */
static const struct trace_rec *due(struct launcher *l) {
    const struct trace_rec *r = replay_peek(l->replay);
    if (l->replay->failed) replay_failed(l);
    if (r && r->t < lguest_time(l->lg))
        diverged(l, r, "was due at a point this run never reached");
    return r && r->t == lguest_time(l->lg) && !l->dead ? r : NULL;
}

static void input_ended(struct launcher *l) {
    l->in.eof = 1;
    REC(&l->rec, lguest_time(l->lg), TK_LAUNCHER, LN_INPUT_EOF, 0, 0, 0, launcher_eip(l));
}

static enum idle_input give_console(struct launcher *l) {
    static uint8_t buf[sizeof(l->in.buf)];
    uint64_t index;
    uint32_t n = replay_take_console(l->replay, buf, sizeof(buf), &index);
    int got = console_input(&l->console, buf, n);
    if (got != (int)n) {
        char what[80];
        snprintf(what, sizeof(what), "gave the console %u bytes; this run's buffer took %d", n,
                 got);
        struct trace_rec at = { .index = index, .t = lguest_time(l->lg), .kind = TK_CONSOLE_IN };
        diverged(l, &at, what);
        return INPUT_INTERRUPTED;
    }
    rec_bytes(&l->rec, lguest_time(l->lg), TK_CONSOLE_IN, buf, n);
    return INPUT_DELIVERED;
}

/* Frames due now go in as netdevs_poll would put them (each device pulls its own). */
static int give_frames(struct launcher *l) {
    int given = 0;
    for (int i = 0; i < l->n_nets && !l->dead; i++) given |= virtio_net_deliver(&l->nets[i]);
    return given;
}

/* The Guest stays halted until wake (0: for good).  Recorded input cannot come meanwhile:
 * the recorded run took input only when a halt began, so a record due before wake (one due
 * now that was not taken, too) means the runs have parted. */
static void sleeps_through(struct launcher *l, uint64_t wake) {
    const struct trace_rec *r = replay_peek(l->replay);
    if (!r || l->dead || (wake && r->t >= wake)) return;
    char what[128], until[32];
    ms(wake, until, sizeof(until));
    if (wake)
        snprintf(what, sizeof(what), "was not given: this run's guest halted here without "
                 "taking input, until t=%s", until);
    else
        snprintf(what, sizeof(what), "was not given: this run's guest halted for good without "
                 "taking input");
    diverged(l, r, what);
}

/* devices_idle_input() of a replay: the console's input, frames and the halt's end as the
 * recorded run had them at this virtual time.  No stdin, no network, no real time. */
enum idle_input replay_idle_input(struct launcher *l, uint64_t *wake) {
    struct replay *rp = l->replay;
    int want = l->opt.console_stdin && console_wants_input(&l->console);
    if (want) fflush(l->opt.console);
    const struct trace_rec *r = due(l);
    if (want && r && replay_is_eof(r)) {
        replay_take(rp);
        input_ended(l);
        r = due(l);
    }
    if (want && r && r->kind == TK_CONSOLE_IN) return give_console(l);
    if (r && r->kind == TK_NET_IN && give_frames(l)) return INPUT_DELIVERED;
    if (l->dead) return INPUT_INTERRUPTED;
    /* Past the recorded run's end, its input all given: as if stdin ended.  Before, a halt
     * without input is one the recorded run also waited through, its stdin still open. */
    if (want && !l->in.eof && !rp->console_left && lguest_time(l->lg) >= rp->end_t)
        input_ended(l);
    r = due(l);
    if (r && r->kind == TK_HALT) {   /* a backend's timer woke the recorded run here */
        uint64_t end = r->t + r->f[HL_IDLE_NS];
        if (!*wake || end < *wake) *wake = end;
        replay_take(rp);
    }
    sleeps_through(l, *wake);
    return l->dead ? INPUT_INTERRUPTED : l->in.eof ? INPUT_ENDED : INPUT_NONE;
}

/* --- the network: a backend that talks to no one --- */

struct replay_net {
    struct netdev nd;
    struct launcher *l;
};

/* The Guest's frames are traced (net_tx) and go nowhere. */
static void replay_send(struct netdev *nd, const uint8_t *frame, uint32_t len) {
    (void)nd, (void)frame, (void)len;
}

static uint64_t replay_prepare(struct netdev *nd, struct pollset *ps) {
    (void)ps;
    nd->live = 0;
    return 0;
}

static void replay_poll(struct netdev *nd, struct pollset *ps) { (void)nd, (void)ps; }

/* Before the device gives the Guest frames: the recorded ones for it at this time. */
static void replay_pull(struct netdev *nd) {
    struct launcher *l = ((struct replay_net *)nd)->l;
    uint32_t irq = ((struct virtio_net *)nd->ctx)->dev.pci.cfg[0x3C];
    const struct trace_rec *r;
    while ((r = due(l)) != NULL && r->kind == TK_NET_IN && r->f[NI_IRQ] == irq) {
        int len = replay_take_frame(l->replay);
        if (len < 0) {
            replay_failed(l);
            return;
        }
        nd->receive(nd->ctx, l->replay->frame, (uint32_t)len);
    }
}

static void replay_net_close(struct netdev *nd) { free(nd); }

static const struct netdev_ops replay_net_ops = {
    .send = replay_send, .prepare = replay_prepare, .poll = replay_poll, .pull = replay_pull,
    .close = replay_net_close,
};

struct netdev *replay_netdev(struct launcher *l, const char *name) {
    struct replay_net *rn = calloc(1, sizeof(*rn));
    if (!rn) return NULL;
    rn->nd = (struct netdev){ .ops = &replay_net_ops, .name = name };
    rn->l = l;
    return &rn->nd;
}

/* --- the ends of a run --- */

/* The recorded run was stopped by a signal: this one stops at the same virtual time. */
uint64_t replay_stop_time(const struct launcher *l) {
    const struct replay *rp = l->replay;
    return rp && rp->stopped ? rp->stop_t : UINT64_MAX;
}

int replay_stop_due(struct launcher *l) {
    struct replay *rp = l->replay;
    if (!rp || !rp->stopped || lguest_time(l->lg) < rp->stop_t) return 0;
    launcher_quit(l, "%s", rp->stop_reason);
    l->exit_code = (int)rp->stop_code;
    return 1;
}

/* After the run: recorded input it never took means it parted from the recording.  0, or -1
 * with the reason. */
int replay_finish(struct launcher *l, char *msg, size_t len) {
    struct replay *rp = l->replay;
    if (!rp || !rp->inputs_left || l->exit_code == 2) return 0;
    const struct trace_rec *r = replay_peek(rp);
    while (r && r->kind == TK_HALT) {
        replay_take(rp);
        r = replay_peek(rp);
    }
    char at[32], end[32];
    ms(r ? r->t : 0, at, sizeof(at));
    ms(lguest_time(l->lg), end, sizeof(end));
    snprintf(msg, len, "replay diverged: the run ended at t=%s with %" PRIu64 " recorded "
             "inputs not given (the next: record %" PRIu64 ", %s at t=%s)", end,
             rp->inputs_left, r ? r->index : 0, r ? trace_kind_name(r->kind) : "?", at);
    return -1;
}
