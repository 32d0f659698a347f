/* replay_devices.c - --replay in the machine: recorded input into the console and net devices. */
#include "sim/host/lg.h"
#include "sim/launcher/replay.h"
#include "switcher-model/lguest_pages.h"
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
static void diverged(struct machine *m, const struct trace_rec *r, const char *what) {
    char at[32], now[32];
    ms(r ? r->t : 0, at, sizeof(at));
    ms(m->cpu.now_ns, now, sizeof(now));
    if (r)
        kill_guest(m, "replay diverged: record %" PRIu64 " (%s at t=%s) %s (the run is at "
                   "t=%s)", r->index, trace_kind_name(r->kind), at, what, now);
    else
        kill_guest(m, "replay diverged: %s (the run is at t=%s)", what, now);
    m->exit_code = 2;
}

static void replay_failed(struct machine *m) {
    kill_guest(m, "--replay: %.270s", m->replay->err);
    m->exit_code = 2;
}

/* The next record, when it is due now; NULL otherwise (and the run stopped when one was due
 * before now, or the file failed). */
static const struct trace_rec *due(struct machine *m) {
    const struct trace_rec *r = replay_peek(m->replay);
    if (m->replay->failed) replay_failed(m);
    if (r && r->t < m->cpu.now_ns)
        diverged(m, r, "was due at a point this run never reached");
    return r && r->t == m->cpu.now_ns && !m->dead ? r : NULL;
}

static void input_ended(struct machine *m) {
    m->in.eof = 1;
    REC(&m->rec, m->cpu.now_ns, TK_LAUNCHER, LN_INPUT_EOF, 0, 0, 0,
        reg_get(m, LGUEST_REGS_eip));
}

static enum idle_input give_console(struct machine *m) {
    static uint8_t buf[sizeof(m->in.buf)];
    uint64_t index;
    uint32_t n = replay_take_console(m->replay, buf, sizeof(buf), &index);
    int got = console_input(&m->console, buf, n);
    if (got != (int)n) {
        char what[80];
        snprintf(what, sizeof(what), "gave the console %u bytes; this run's buffer took %d", n,
                 got);
        struct trace_rec at = { .index = index, .t = m->cpu.now_ns, .kind = TK_CONSOLE_IN };
        diverged(m, &at, what);
        return INPUT_INTERRUPTED;
    }
    rec_bytes(&m->rec, m->cpu.now_ns, TK_CONSOLE_IN, buf, n);
    return INPUT_DELIVERED;
}

/* Frames due now go in as netdevs_poll would put them (each device pulls its own). */
static int give_frames(struct machine *m) {
    int given = 0;
    for (int i = 0; i < m->n_nets && !m->dead; i++) given |= virtio_net_deliver(&m->nets[i]);
    return given;
}

/* The Guest stays halted until wake (0: for good).  Recorded input cannot come meanwhile:
 * the recorded run took input only when a halt began, so a record due before wake (one due
 * now that was not taken, too) means the runs have parted. */
static void sleeps_through(struct machine *m, uint64_t wake) {
    const struct trace_rec *r = replay_peek(m->replay);
    if (!r || m->dead || (wake && r->t >= wake)) return;
    char what[128], until[32];
    ms(wake, until, sizeof(until));
    if (wake)
        snprintf(what, sizeof(what), "was not given: this run's guest halted here without "
                 "taking input, until t=%s", until);
    else
        snprintf(what, sizeof(what), "was not given: this run's guest halted for good without "
                 "taking input");
    diverged(m, r, what);
}

/* devices_idle_input() of a replay: the console's input, frames and the halt's end as the
 * recorded run had them at this virtual time.  No stdin, no network, no real time. */
enum idle_input replay_idle_input(struct machine *m, uint64_t *wake) {
    struct replay *rp = m->replay;
    int want = m->opt.console_stdin && console_wants_input(&m->console);
    if (want) fflush(m->opt.console);
    const struct trace_rec *r = due(m);
    if (want && r && replay_is_eof(r)) {
        replay_take(rp);
        input_ended(m);
        r = due(m);
    }
    if (want && r && r->kind == TK_CONSOLE_IN) return give_console(m);
    if (r && r->kind == TK_NET_IN && give_frames(m)) return INPUT_DELIVERED;
    if (m->dead) return INPUT_INTERRUPTED;
    if (want && !m->in.eof && !rp->console_left) input_ended(m);   /* as if stdin ended */
    r = due(m);
    if (r && r->kind == TK_HALT) {   /* a backend's timer woke the recorded run here */
        uint64_t end = r->t + r->f[HL_IDLE_NS];
        if (!*wake || end < *wake) *wake = end;
        replay_take(rp);
    }
    sleeps_through(m, *wake);
    return m->dead ? INPUT_INTERRUPTED : m->in.eof ? INPUT_ENDED : INPUT_NONE;
}

/* --- the network: a backend that talks to no one --- */

struct replay_net {
    struct netdev nd;
    struct machine *m;
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
    struct machine *m = ((struct replay_net *)nd)->m;
    uint32_t irq = ((struct virtio_net *)nd->ctx)->dev.pci.cfg[0x3C];
    const struct trace_rec *r;
    while ((r = due(m)) != NULL && r->kind == TK_NET_IN && r->f[NI_IRQ] == irq) {
        int len = replay_take_frame(m->replay);
        if (len < 0) {
            replay_failed(m);
            return;
        }
        nd->receive(nd->ctx, m->replay->frame, (uint32_t)len);
    }
}

static void replay_net_close(struct netdev *nd) { free(nd); }

static const struct netdev_ops replay_net_ops = {
    .send = replay_send, .prepare = replay_prepare, .poll = replay_poll, .pull = replay_pull,
    .close = replay_net_close,
};

struct netdev *replay_netdev(struct machine *m, const char *name) {
    struct replay_net *rn = calloc(1, sizeof(*rn));
    if (!rn) return NULL;
    rn->nd = (struct netdev){ .ops = &replay_net_ops, .name = name };
    rn->m = m;
    return &rn->nd;
}

/* --- the ends of a run --- */

/* The recorded run was stopped by a signal: this one stops at the same virtual time. */
int replay_stop_due(struct machine *m) {
    struct replay *rp = m->replay;
    if (!rp || !rp->stopped || m->cpu.now_ns < rp->stop_t) return 0;
    kill_guest(m, "%s", rp->stop_reason);
    m->exit_code = (int)rp->stop_code;
    return 1;
}

/* After the run: recorded input it never took means it parted from the recording.  0, or -1
 * with the reason. */
int replay_finish(struct machine *m, char *msg, size_t len) {
    struct replay *rp = m->replay;
    if (!rp || !rp->inputs_left || m->exit_code == 2) return 0;
    const struct trace_rec *r = replay_peek(rp);
    while (r && r->kind == TK_HALT) {
        replay_take(rp);
        r = replay_peek(rp);
    }
    char at[32], end[32];
    ms(r ? r->t : 0, at, sizeof(at));
    ms(m->cpu.now_ns, end, sizeof(end));
    snprintf(msg, len, "replay diverged: the run ended at t=%s with %" PRIu64 " recorded "
             "inputs not given (the next: record %" PRIu64 ", %s at t=%s)", end,
             rp->inputs_left, r ? r->index : 0, r ? trace_kind_name(r->kind) : "?", at);
    return -1;
}
