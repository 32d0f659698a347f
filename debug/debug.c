/* debug.c - the debugger's life: listen, attach, take the paused CPU, hand it back. */
#include "debugger.h"
#include "sim/host/layout.h"
#include "switcher-model/lguest_pages.h"
#include <stdlib.h>
#include <string.h>

/* @tour Mastery 50: Watching it happen
 * lgsim --gdb puts a debugger on the one CPU, whichever world it is in: "monitor until pf"
 * stops at the next page fault, "stepi" walks into the Switcher's stub and through
 * return_to_host, "monitor walk ADDR" shows the Guest's table and the shadow side by side.
 */
/*
 * Without a debugger attached nothing here runs: no hook is installed and the CPU's blocks
 * take their fast path; only the watcher thread sleeps in poll().  A connection makes the CPU
 * pause before its next block; from then on the CPU checks every block for attention (Ctrl-C).
 *
 * Connections: one debugger at a time.  A second one is told "E01" and closed.  A debugger
 * that disconnects, even in the middle of a step, leaves the guest running on to its end with
 * no breakpoint left behind, as after a detach; a later debugger may attach again.
 */

static void attach(struct debugger *d, int fd) {
    d->conn = fd;
    packet_reader_init(&d->rd);
    d->in_have = d->in_used = 0;
    d->no_ack = 0;
    d->awaiting_stop = 0;
    d->k.host_writes = 0;   /* each debugger turns host writes on for itself */
    d->attached_once = 1;
    fprintf(stderr, "lgsim: gdb: debugger attached\n");
}

static void refuse(int fd) {
    net_write(fd, "$E01#a6", 7);
    net_close(fd);
    fprintf(stderr, "lgsim: gdb: refused a second connection (a debugger is attached)\n");
}

void take_connections(struct debugger *d) {
    int fd;
    while ((fd = net_accept(d->listener)) >= 0) {
        if (d->conn < 0) attach(d, fd);
        else refuse(fd);
    }
}

int stop_signal(const struct debugger *d) {
    return d->opt.stop_signal ? *d->opt.stop_signal : 0;
}

/* --gdb-wait: hold the first instruction until a debugger attaches, or until a stop signal
 * says the run is to end; then it ends as any run stopped by a signal does, at the Launcher's
 * next turn ("stopped by signal N", exit 128 + N), after the one trip into the Guest the CPU
 * was starting. */
static void wait_for_debugger(struct debugger *d) {
    fprintf(stderr, "lgsim: gdb: waiting for a debugger to attach (a stop signal, such as "
            "Ctrl-C, ends the run)\n");
    while (d->conn < 0) {
        int sig = stop_signal(d);
        if (sig) {
            fprintf(stderr, "lgsim: gdb: signal %d while waiting for a debugger (--gdb-wait): "
                    "no debugger attached, the run ends\n", sig);
            d->opt.wait = 0;
            return;
        }
        net_wait(d->listener, -1, WAIT_SLICE_MS);
        take_connections(d);
    }
}

/* The CPU paused for attention while gdb waited: was it Ctrl-C?  (2, or 0: nothing for gdb,
 * e.g. a second connection that was refused.) */
static int interrupted(struct debugger *d) {
    if (d->in_used == d->in_have && !net_wait(d->conn, -1, 0)) return 0;
    int got = stub_next_packet(d);
    return got == 2 ? 2 : 0;
}

/* The control's client: the CPU stands between two instructions.  The control installs the
 * hooks for the run gdb asked for when this returns. */
static void paused(void *ctx) {
    struct debugger *d = ctx;
    net_watch_disarm(d->watcher);
    int why = d->k.stop_sig;   /* 0: nobody stopped the CPU on purpose; it was asked for attention */
    int had = d->conn >= 0;
    take_connections(d);
    if (d->conn < 0 && d->opt.wait && !d->attached_once) wait_for_debugger(d);
    if (d->conn >= 0 && !had) why = 5;   /* a new debugger finds the CPU stopped */
    else if (d->conn >= 0 && !why) why = d->monitor_waiting ? 5 : interrupted(d);
    if (d->conn >= 0 && why) {
        d->k.stop_sig = why;
        if (d->awaiting_stop) {
            stub_stop_reply(d);
            d->awaiting_stop = 0;
        } else if (d->monitor_waiting) {
            d->monitor_waiting = 0;
            monitor_arrived(d);
        }
        stub_serve(d);
    }
    d->k.attached = d->k.check_blocks = d->conn >= 0;
    net_watch_arm(d->watcher, d->listener, d->conn);
}

static void attention(void *ctx) {
    struct debugger *d = ctx;
    control_pause_soon(&d->k);
}

/* Going back runs on (debug/travel.c): gdb, waiting for "monitor back", hears it does. */
static void going(void *ctx) { stub_monitor_alive(ctx); }

struct debugger *debug_open(struct lguest *lg, const struct debug_options *o,
                            char *err, size_t errlen) {
    struct debugger *d = calloc(1, sizeof(*d));
    if (!d) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    d->lg = lg;
    d->opt = *o;
    d->conn = -1;
    d->listener = net_listen(o->port, &d->port, err, errlen);
    if (d->listener < 0) {
        free(d);
        return NULL;
    }
    d->watcher = net_watch_start(attention, d);
    if (!d->watcher) {
        snprintf(err, errlen, "cannot start the debugger's watcher thread");
        net_close(d->listener);
        free(d);
        return NULL;
    }
    control_open(&d->k, lg, o->symbols,
                 &(struct control_client){ paused, monitor_note_record, d });
    d->k.going = going;
    d->k.skip_irqs = o->skip_irqs;
    fprintf(stderr, "lgsim: gdb: listening on 127.0.0.1:%d%s\n", d->port,
            o->wait ? "; the machine waits for a debugger before its first instruction" : "");
    fprintf(stderr, "lgsim: gdb:   target remote 127.0.0.1:%d\n", d->port);
    if (o->switcher_obj)
        fprintf(stderr, "lgsim: gdb:   add-symbol-file %s -s .text %#x\n", o->switcher_obj,
                SWITCHER_ADDR);
    if (o->host_elf)
        fprintf(stderr, "lgsim: gdb:   add-symbol-file %s\n", o->host_elf);
    if (o->kernel_path)
        fprintf(stderr, "lgsim: gdb:   add-symbol-file %s\n", o->kernel_path);
#ifdef LGSIM_SOURCE_DIR
    /* the shipped code's debug info names its files relative to the source tree */
    FILE *src = fopen(LGSIM_SOURCE_DIR "/debug/debug.c", "r");
    if (src) {
        fclose(src);
        fprintf(stderr, "lgsim: gdb:   directory %s\n", LGSIM_SOURCE_DIR);
    }
#endif
    if (o->wait) control_pause_soon(&d->k);   /* the first block pauses and waits */
    else net_watch_arm(d->watcher, d->listener, -1);
    return d;
}

void debug_checkpoints(struct debugger *d, const struct control_checkpoints *cps) {
    d->k.cps = cps;
}

int debug_travel(struct debugger *d, char *err, size_t errlen) {
    if (!control_travel_between(&d->k)) return 0;
    snprintf(err, errlen, "%s", d->k.tr.why);
    return -1;
}

const char *debug_save_wanted(struct debugger *d) {
    return d->save_path[0] && d->k.tr.phase == TR_TURN ? d->save_path : NULL;
}

void debug_saved(struct debugger *d, const char *failure, uint64_t t) {
    if (failure)
        snprintf(d->save_said, sizeof(d->save_said), "save: %s\n", failure);
    else
        snprintf(d->save_said, sizeof(d->save_said), "saved the machine at %.6f ms of virtual "
                 "time (the next turn of the Launcher) to %s; back where gdb was\n", t / 1e6,
                 d->save_path);
    d->save_path[0] = 0;
    if (control_return_here(&d->k)) {   /* gdb gets the machine where it is now */
        snprintf(d->save_said + strlen(d->save_said), sizeof(d->save_said) - strlen(d->save_said),
                 "cannot come back: %s; the machine stands at that turn\n", d->k.tr.why);
        control_pause_soon(&d->k);
    }
}

void debug_close(struct debugger *d, int exit_code) {
    if (!d) return;
    if (d->attached_once)   /* the tests check the second number: nothing once gdb has gone */
        fprintf(stderr, "lgsim: gdb: %llu code hook calls, %llu with no debugger attached\n",
                (unsigned long long)d->k.n_hook_calls,
                (unsigned long long)d->k.n_hook_calls_alone);
    net_watch_disarm(d->watcher);
    net_watch_stop(d->watcher);
    if (d->conn >= 0 && d->awaiting_stop) {
        char s[8], framed[16];
        snprintf(s, sizeof(s), "W%02x", exit_code & 0xFF);
        size_t n = packet_frame(s, strlen(s), framed, sizeof(framed));
        net_write(d->conn, framed, n);
    }
    net_close(d->conn);
    net_close(d->listener);
    control_close(&d->k);
    free(d->out);
    free(d);
}
