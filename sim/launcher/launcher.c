/* launcher.c - the Launcher's life (4.4 tools/lguest/lguest.c main() and run_guest()). */
#include "sim/launcher/launcher.h"
#include "sim/launcher/replay.h"
#include "sim/launcher/term.h"
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

void launcher_quit(struct launcher *l, const char *fmt, ...) {
    if (l->dead) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(l->dead_reason, sizeof(l->dead_reason), fmt, ap);
    va_end(ap);
    l->dead = 1;
    l->exit_code = 1;
}

uint8_t *guest_ptr(struct launcher *l, uint32_t gpa, uint32_t len) {
    if ((uint64_t)gpa + len > l->mem) return NULL;
    lguest_loaded(l->lg, gpa, len);   /* what the loaders store here */
    return l->guest_base + gpa;
}

uint32_t launcher_eip(struct launcher *l) {
    uint32_t eip = 0;
    lhreq_getreg(l->lg, PT_EIP, &eip);
    return eip;
}

/* --- set-up: 4.4's main() --- */

/* /dev/lguest opened: the Host maps the Guest's memory, RAM and the device area above it. */
static int open_host(struct launcher *l, uint64_t clock_ns, char *err, size_t errlen) {
    struct lguest_open o = { .guest_bytes = l->mem + DEVICE_PAGES * 0x1000,
                             .clock_ns = clock_ns,
                             .switcher_obj = l->opt.switcher_obj,
                             .switcher_len = l->opt.switcher_len,
                             .switcher_name = l->opt.switcher_name, .rec = &l->rec,
                             .count_switcher_insns = l->opt.trace_switches };
    if (!(l->lg = lguest_open(&o, err, errlen))) return -1;
    l->guest_base = lguest_guest_base(l->lg);
    return 0;
}

/* The Host, the devices, the kernel in memory and LHREQ_INITIALIZE: a Guest about to boot,
 * its clock starting at clock_ns. */
static int start_machine(struct launcher *l, uint64_t clock_ns, char *err, size_t errlen) {
    uint32_t entry;
    if (open_host(l, clock_ns, err, errlen) || devices_init(l, err, errlen) ||
        boot_guest(l, &entry, err, errlen))
        return -1;
    return lguest_initialize(l->lg, l->mem >> 12, entry, devices_limit(l), err, errlen);
}

/* @tour Launcher 20: Setting up a Guest
 * In 4.4's order: the Guest's memory (here the Host maps it: lguest_open()), the devices,
 * the kernel, initrd and boot_params put into Guest memory, and LHREQ_INITIALIZE with the
 * address the kernel starts at, which sets up the shadow page tables in linear mode and the
 * Guest's first registers (ring 1, EIP = the entry point).
 */
/* The devices, then the kernel, initrd and boot_params in Guest memory, then
 * LHREQ_INITIALIZE with where the kernel starts ("tell_kernel"). */
int launcher_init(struct launcher *l, const struct launcher_options *opt, char *err,
                  size_t errlen) {
    memset(l, 0, sizeof(*l));
    l->opt = *opt;
    l->mem = opt->mem_mb << 20;
    l->rec.switches = opt->trace_file;
    l->boots = 1;
    l->rec.names = symtab_namer(&l->syms);   /* names only shown, never recorded */
    if (launcher_open_traces(l, err, errlen)) return -1;
    return start_machine(l, 0, err, errlen);
}

void launcher_free(struct launcher *l) {
    char ignored[8];
    tt_free(l);
    refeed_free(l);
    launcher_close_trace(l, ignored, sizeof(ignored));
    if (l->replay) replay_close(l->replay);
    l->replay = NULL;
    devices_close(l);
    for (int i = 0; i < LAUNCHER_DEVICES_MAX; i++)   /* kept for a restart that failed */
        if (l->kept[i].ov) cow_close(&l->kept[i]);
    lguest_close(l->lg);
    l->lg = NULL;
    symtab_free(&l->syms);
}

/* --- while the Guest runs --- */

static int out_of_time(struct launcher *l) {
    if (!l->opt.max_ns || lguest_time(l->lg) < l->opt.max_ns)
        return 0;
    launcher_quit(l, "guest still running after %llu ms of virtual time (--max-time)",
                  (unsigned long long)(l->opt.max_ns / 1000000));
    l->exit_code = 3;
    l->stop_report = 1;
    return 1;
}

/* SIGINT, SIGTERM or SIGHUP: the run ends here, so the trace and disks are closed properly. */
static int stop_requested(struct launcher *l) {
    int sig = term_stop_signal();
    if (!sig) return 0;
    launcher_quit(l, "stopped by signal %d", sig);
    l->exit_code = 128 + sig;
    l->stop_report = 1;
    return 1;
}

/* When the Launcher wants the Guest back before it needs the Launcher: a signal, the end of
 * --max-time or of a replayed run that was stopped, every 256 passes while a terminal is
 * watched for ^C^C^C, and every 16 while the status line is shown (a Guest that only
 * computes leaves the Host a few hundred times a second). */
static struct lguest_turn my_turn(const struct launcher *l) {
    uint64_t at = replay_stop_time(l);
    if (l->opt.max_ns && l->opt.max_ns < at) at = l->opt.max_ns;
    if (l->opt.save_at_ns && !l->saved && l->opt.save_at_ns < at) at = l->opt.save_at_ns;
    if (l->stop_at_ns < at) at = l->stop_at_ns;
    uint64_t cp = tt_next_checkpoint(l);
    if (cp < at) at = cp;
    return (struct lguest_turn){ .signal = term_stop_flag(), .at_ns = at,
                                 .every_passes = status_wants_turns(l) ? 16 :
                                                 devices_watching_terminal(l) ? 256 : 0 };
}

/* --save-at: the machine into a file at the first turn from that virtual time on; the run
 * goes on as if nothing happened (a turn changes nothing the Guest can see). */
static void save_due(struct launcher *l) {
    if (!l->opt.save_at_ns || l->saved || lguest_time(l->lg) < l->opt.save_at_ns) return;
    char err[400];
    l->saved = 1;
    if (machine_file_write(l, l->opt.save_path, err, sizeof(err))) {
        launcher_quit(l, "--save-at: %s", err);
        l->exit_code = 2;
        return;
    }
    launcher_say(l, "lgsim: saved the machine at %.6f ms of virtual time to %s\n",
                 lguest_time(l->lg) / 1e6, l->opt.save_path);
}

static void travel(struct launcher *l);

static void take_turn(struct launcher *l) {
    save_due(l);
    tt_checkpoint_due(l);
    if (l->travel) l->travel(l->travel_ctx, l);
    if (lguest_unwound(l->lg)) {   /* a debugger's pass going back ended at this turn */
        travel(l);
        return;
    }
    if (lguest_time(l->lg) >= l->stop_at_ns) l->stopped = 1;
    if (l->dead || out_of_time(l) || stop_requested(l) || replay_stop_due(l))
        return;
    devices_poll_input(l);
    status_tick(l);
}

/*
 * The Guest is halted and nothing it accepts is pending.  Real lguest sleeps until a timer or
 * a device wakes it; lgsim's clock is virtual, so idle time passes in one step.  First the
 * devices may give it input (devices.c says when); otherwise the clock jumps to the Guest's
 * next timer, or to a network backend's (the Guest then stays halted).  With no timer armed
 * and nothing that could ever wake it, waiting would be a hang: the run stops with a reason
 * (cleanly when the console's input has ended).
 */
static void idle(struct launcher *l) {
    uint64_t clockevent = lguest_clockevent(l->lg), wake = clockevent;
    if (l->opt.max_ns && (!wake || wake > l->opt.max_ns)) wake = l->opt.max_ns;
    uint64_t guest_wake = wake;
    enum idle_input in = devices_idle_input(l, &wake);
    if (in == INPUT_DELIVERED || in == INPUT_INTERRUPTED || l->dead)
        return;
    if (!clockevent && wake == guest_wake) {
        if (in == INPUT_ENDED) {
            l->dead = 1;
            l->exit_code = 0;
            l->stop_report = 1;
            snprintf(l->dead_reason, sizeof(l->dead_reason), "console input ended and the "
                     "guest is idle with no timer armed: stopping");
        } else {
            launcher_quit(l, "guest halted with no timer armed and no device that could wake "
                          "it");
            l->stop_report = 1;
        }
        return;
    }
    lguest_sleep(l->lg, wake);
}

/* After the run: host memory outside the Guest's must be as it was. */
static void check_containment(struct launcher *l) {
    uint32_t at = 0;
    int r = lguest_contained(l->lg, &at, &l->host_compared);
    uint32_t first, by_debugger = lguest_debugger_changed(l->lg, &first);
    l->host_checked = r > 0 && !by_debugger;
    if (by_debugger)
        launcher_say(l, "lgsim: host memory at %#x changed while the guest ran (%u bytes): "
                     "written by the debugger (monitor host-writes on)\n", first, by_debugger);
    if (r < 0) {
        launcher_say(l, "lgsim: simulator bug: host memory at %#x changed while the guest ran "
                "(%s)\n", at, l->dead_reason);
        l->exit_code = 2;
    }
}

/*
 * 4.4 lguest.c restart_guest(): the Host answers read() with -ERESTART, and the launcher
 * closes its file descriptors, resets the devices and execv()s itself with its own arguments:
 * a new Guest boots from the same kernel, initrd and disks.  lgsim does the same in-process, so
 * one trace tells the whole story: the old Host is checked and closed, the devices reopened,
 * the kernel loaded again; only the clock goes on (the host's clock and TSC do not stop for a
 * re-exec), stdin's unread bytes are kept (4.4's new launcher inherits fd 0), and so is a
 * replay's input.
 */
static void restart_guest(struct launcher *l, const char *why) {
    uint64_t now = lguest_time(l->lg);
    char err[300];
    check_containment(l);
    if (l->exit_code == 2) {
        l->dead = 1;
        snprintf(l->dead_reason, sizeof(l->dead_reason), "%s", why);
        return;
    }
    rec_text(&l->rec, now, TK_RESTART, ++l->boots, why);
    l->restart_ns = now;
    if (l->opt.verbose) launcher_say(l, "lgsim: %s: starting the guest again\n", why);
    if (l->restarting) l->restarting(l->restarting_ctx, l, 0);
    devices_keep_snapshots(l);
    devices_close(l);
    lguest_close(l->lg);
    l->lg = NULL;
    if (start_machine(l, now, err, sizeof(err))) {
        lguest_close(l->lg);   /* whatever of the new Host there is */
        l->lg = NULL;
        launcher_quit(l, "cannot restart the guest: %s", err);
        l->exit_code = 2;
        return;
    }
    if (l->restarting) l->restarting(l->restarting_ctx, l, 1);
}

/* The Guest is dead: 4.4 reads the reason from /dev/lguest, or restarts it (status 4). */
static void guest_died(struct launcher *l) {
    struct lguest_death d = lguest_death(l->lg);
    if (d.status == 4 && !l->opt.no_reboot) {
        restart_guest(l, d.reason);
        return;
    }
    l->dead = 1;
    l->exit_code = d.status;
    snprintf(l->dead_reason, sizeof(l->dead_reason), "%s", d.reason);
}

/* A debugger ended the run to go back in time: an earlier machine takes its place. */
static void travel(struct launcher *l) {
    if (l->travel) l->travel(l->travel_ctx, l);
    if (lguest_unwound(l->lg) && !l->dead) {
        launcher_quit(l, "time travel: no checkpoint was put in place of the machine");
        l->exit_code = 2;
    }
}

/* @tour Launcher 40: Reading /dev/lguest
 * The Launcher's whole life after set-up: lguest_run() is 4.4's read() of /dev/lguest, which
 * runs the Guest until something needs the Launcher.  For our page fault it returns once per
 * port I/O instruction of the handler's printk() (a pending #GP each, a few hundred for one
 * line); the fault itself and the hypercalls never reach the Launcher.  It also returns when
 * the Guest halts with nothing to do (idle() waits for input or lets the virtual clock jump),
 * when the Launcher asked for its turn, and when the Guest is dead.
 */
/* 4.4 run_guest(): read() the Guest's exits and see to each, until it is dead or the
 * Launcher gives up.  The trace ends with the reason. */
int launcher_run_until(struct launcher *l, uint64_t t) {
    l->stop_at_ns = t;
    l->stopped = 0;
    while (!l->dead && !l->stopped) {
        struct lguest_turn turn = my_turn(l);
        struct lguest_pending pending;
        switch (lguest_run(l->lg, &turn, &pending)) {
        case LGUEST_PENDING: emulate_pending(l, &pending); break;
        case LGUEST_HALTED: idle(l); break;
        case LGUEST_INTERRUPTED:
            if (lguest_unwound(l->lg)) travel(l);
            else take_turn(l);
            break;
        case LGUEST_DEAD: guest_died(l); break;
        }
    }
    l->stop_at_ns = UINT64_MAX;
    return l->stopped && !l->dead;
}

int launcher_run(struct launcher *l) {
    status_start(l);
    launcher_run_until(l, UINT64_MAX);
    status_erase(l);
    uint64_t now = l->lg ? lguest_time(l->lg) : l->restart_ns;
    rec_text(&l->rec, now, TK_DEATH, (uint32_t)l->exit_code, l->dead_reason);
    rec_finish(&l->rec, now);
    if (l->lg) check_containment(l);   /* (none after a restart that failed) */
    return l->exit_code;
}
