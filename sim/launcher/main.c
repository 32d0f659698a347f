/* main.c - the lgsim command line: lguest's launcher arguments, plus the simulator's own. */
#include "sim/launcher/launcher.h"
#include "sim/launcher/term.h"
#include "abi/lguest.h"
#include "traces/number.h"
#include "traces/tool.h"
#include "sim/symbols.h"
#include "debug/debug.h"
#include "ui/ui.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern const uint8_t lgsim_demo_guest[];
extern const size_t lgsim_demo_guest_len;

static void usage(FILE *f) {
    fprintf(f,
"usage: lgsim [options] MEM KERNEL [kernel args...]\n"
"       lgsim                      run the built-in demo guest\n"
"\n"
"  MEM                  guest memory in MiB (e.g. 64 or 64m), 1 to %u\n"
"  KERNEL               an i386 lguest guest: ELF vmlinux or bzImage\n"
"\n"
"options (lguest's launcher):\n"
"  -v, --verbose        say what the launcher emulates\n"
"  --initrd=FILE, --initrd FILE   an initial RAM disk, loaded at the top of guest memory\n"
"  --block=FILE         a virtio disk backed by FILE (read-only if FILE is; repeatable)\n"
"  --block=FILE,overlay=OVERLAY   copy-on-write: FILE is only read, the guest's writes go to\n"
"                       OVERLAY (made if absent; lgsim disk commit OVERLAY FILE applies it)\n"
"  --block=FILE,snapshot  copy-on-write into a temporary overlay, discarded at the end\n"
"  --rng                a virtio entropy device (a fixed-seed stream: runs repeat)\n"
"  --tunnet=IP[:MAC], --tunnet=bridge:NAME[:MAC]   a virtio network device on a new TAP\n"
"                       device, its host end given IP or added to bridge NAME (Linux;\n"
"                       needs CAP_NET_ADMIN)\n"
"  --net=user[,hostfwd=[tcp|udp]:[HOSTADDR]:HOSTPORT-[GUESTADDR]:GUESTPORT][,mac=MAC]\n"
"                       a virtio network device on user-mode networking (libslirp, no\n"
"                       privileges): the guest is 10.0.2.15, gateway and host 10.0.2.2,\n"
"                       DNS 10.0.2.3, DHCP; hostfwd repeatable\n"
"options (the simulator's own):\n"
"  --switcher=FILE.o    load this Switcher object instead of lgsim's own\n"
"  --trace=FILE, --trace FILE   record a binary trace (read it with: lgsim trace ...)\n"
"  --trace-switches[=FILE]  one line per world switch, to stderr or FILE\n"
"  --replay=FILE        give the console and network devices the input recorded in trace\n"
"                       FILE (same kernel and options), not stdin or a network\n"
"  --max-time=MS        stop a guest still running after MS ms of virtual time\n"
"  --save-at=MS FILE    save the whole machine to FILE at MS ms of virtual time (and run on)\n"
"  --checkpoints=MS     keep a checkpoint of the machine in memory every MS ms of virtual\n"
"                       time (what going back in time starts from; with --gdb: 10)\n"
"  --restore=FILE       go on with a machine saved by --save-at (with\n"
"                       --trace, the trace goes on from the saved run's)\n"
"  --gdb[=PORT]         serve the GDB remote protocol on 127.0.0.1:PORT (default 1234;\n"
"                       0: any free port, printed); gdb's reverse-stepi, reverse-continue\n"
"                       go back as far as the checkpoints do\n"
"  --gdb-wait           hold the machine before its first instruction until gdb attaches\n"
"  --gdb-step-over-irqs a debugger's single step runs interrupts through instead of into\n"
"  --stats              print a summary when the guest stops (switches, hypercalls,\n"
"                       faults, interrupts, virtual time)\n"
"  -q, --quiet          no status line, and no summary unless --stats asks for one (the\n"
"                       demo prints one otherwise); errors and the guest's output stay\n"
""
"  --ui                 run the guest under the lguest microscope's window: pause, step,\n"
"                       run to the next world switch, page fault or hypercall (? lists\n"
"                       the keys); lgsim --ui alone runs the teaching guest\n"
"  --ui-script=FILE     drive the window from a script, with no display (ui/README.md)\n"
"  --ui-size=WxH, --ui-scale=F, --ui-font=FILE   the window's size, text size and font\n"
"  --version            lgsim's version\n"
"  -h, --help           this text\n"
"\n"
"While a run lasts longer than a second and stderr is a terminal, a status line there\n"
"says the virtual time, world switches per second and where the guest is (eip, symbol,\n"
"ring); it is redrawn in place, erased before any other line and at the end, and is never\n"
"on stdout or in a trace (not with -v, --gdb, --ui or --trace-switches to stderr).\n"
"\n"
"Options may come before, between or after MEM and KERNEL, as lguest's getopt_long allows;\n"
"everything after \"--\" is MEM, KERNEL or a kernel argument.\n"
"\n"
"       lgsim trace dump|stats|diff|explain|export ...   read traces (lgsim trace help)\n"
"       lgsim ui [options] TRACE   browse a recorded run in a window (lgsim ui --help)\n"
"       lgsim disk commit|info OVERLAY [BASE]   copy-on-write overlays (lgsim disk help)\n"
"\n"
"exit status: 0 the guest powered off (or its console input ended with nothing left to\n"
"  do); 1 the guest died (lguest's message, then lgsim's report); 2 bad command line,\n"
"  file or trace, or a replay that diverged; 3 --max-time ran out; 128+N stopped by\n"
"  signal N (130: Ctrl-C, or three ^C on the console); a guest's restart request starts\n"
"  it again (--no-reboot: status 4 instead)\n",
            GUEST_MEM_MAX_MB);
}

/* lguest 4.4 reads MEM with atoi(): "64", "64m" and "64M" are 64 MiB, and so, silently, are
 * "64k" or "64G".  lgsim takes the forms that mean the same to both and refuses the rest. */
static int parse_mem(const char *s, uint32_t *mb) {
    const char *end;
    uint64_t v;
    if (number_prefix(s, 10, 1, GUEST_MEM_MAX_MB, &v, &end) ||
        (*end && strcmp(end, "m") && strcmp(end, "M")))
        return -1;
    *mb = (uint32_t)v;
    return 0;
}

static char *join_args(int argc, char **argv) {
    size_t len = 1;
    for (int i = 0; i < argc; i++) len += strlen(argv[i]) + 1;
    char *s = calloc(1, len);
    for (int i = 0; s && i < argc; i++) {
        if (i) strcat(s, " ");
        strcat(s, argv[i]);
    }
    return s;
}

/* Where the built Switcher object and host routine lie next to this lgsim, if they do: the
 * debugger loads their symbols from there. */
static const char *beside_program(const char *argv0, const char *rel, char *buf, size_t len) {
    const char *slash = strrchr(argv0, '/');
#ifdef _WIN32
    const char *back = strrchr(argv0, '\\');   /* as in C:\lgsim\lgsim.exe */
    if (back && (!slash || back > slash)) slash = back;
#endif
    snprintf(buf, len, "%.*s%s", slash ? (int)(slash - argv0 + 1) : 0, argv0, rel);
    FILE *f = fopen(buf, "rb");
    if (!f) return NULL;
    fclose(f);
    return buf;
}

/* --ui: the window, its options, and the kernel's bytes for its names. */
static struct ui_live_options *ui_for_run;

/* --gdb across a restart: as 4.4's re-executed launcher is a new process, the debugger sees
 * the old machine exit (status 4) and listens again for the new one. */
struct gdb_follow {
    struct debugger *d;
    struct debug_options *opt;
    const struct control_checkpoints *cps;   /* what gdb can go back to */
};

static void gdb_restarting(void *ctx, struct launcher *l, int started) {
    struct gdb_follow *g = ctx;
    char err[300];
    if (!started) {
        debug_close(g->d, 4);
        g->d = NULL;
        return;
    }
    g->opt->symbols = &l->syms;
    if (!(g->d = debug_open(l->lg, g->opt, err, sizeof(err)))) {
        launcher_quit(l, "--gdb after the restart: %s", err);
        l->exit_code = 2;
        return;
    }
    debug_checkpoints(g->d, g->cps);
}

#define GDB_CHECKPOINT_NS 10000000ull   /* --gdb without --checkpoints: one every 10 ms */

/* --gdb going back: the Launcher's checkpoints, as the debugger asks for them. */
static int cp_count(void *l) { return tt_count(l); }
static int cp_first(void *l) { return tt_first_usable(l); }
static uint64_t cp_time(void *l, int i) { return tt_time(l, i); }
static int cp_restore(void *l, int i, char *err, size_t n) { return tt_restore(l, i, err, n); }

/* The run ended for going back, or a turn of the Launcher: "monitor save" saves there. */
static void gdb_travel(void *ctx, struct launcher *l) {
    struct gdb_follow *g = ctx;
    char err[400];
    if (!g->d) return;
    const char *path = debug_save_wanted(g->d);
    if (path && !lguest_unwound(l->lg)) {
        int bad = machine_file_write(l, path, err, sizeof(err));
        debug_saved(g->d, bad ? err : NULL, lguest_time(l->lg));
    }
    if (debug_travel(g->d, err, sizeof(err))) {
        launcher_quit(l, "going back: %s", err);
        l->exit_code = 2;
    }
}

static struct saved_machine *restoring;   /* --restore=FILE, read and checked */

/* --restore: the machine set up from the saved command line takes the saved state, and a
 * --trace goes on from the saved run's trace. */
static int restore_machine(struct launcher *l, char *err, size_t errlen) {
    char why[400];
    if (machine_file_matches(l, restoring, why, sizeof(why)) ||
        machine_restore(l, restoring->state, restoring->state_len, 1, why, sizeof(why))) {
        snprintf(err, errlen, "--restore: %s", why);
        return -1;
    }
    return 0;
}

/* --ui going back (the window's step-back keys): the checkpoint put in place. */
static void ui_travel(void *ctx, struct launcher *l) {
    char err[300];
    if (ui_live_travel(ctx, err, sizeof(err))) {
        launcher_quit(l, "going back: %s", err);
        l->exit_code = 2;
    }
}

/* --ui across a restart: the same window, the new Host's machine under it. */
static void ui_restarting(void *ctx, struct launcher *l, int started) {
    ui_live_restart(ctx, started ? l->lg : NULL, &l->syms);
}

static int run(struct launcher_options *opt, int stats, struct debug_options *dbg) {
    static struct launcher l;
    char err[500] = "";
    term_setup();   /* the terminal comes back however lgsim ends */
    if (restoring && opt->trace_path) {   /* the trace is written again from the saved one */
        if (machine_trace_section(restoring->state, restoring->state_len, &opt->trace_resume,
                                  &opt->trace_resume_len) || !opt->trace_resume_len) {
            fprintf(stderr, "lgsim: --restore: --trace: the saved run had no trace to go on "
                    "with\n");
            return 2;
        }
    }
    /* gdb can go back (reverse-stepi...) as far as the checkpoints go: on unless asked for */
    if ((dbg || ui_for_run) && !opt->checkpoint_ns) opt->checkpoint_ns = GDB_CHECKPOINT_NS;
    if (launcher_init(&l, opt, err, sizeof(err)) ||
        (restoring && restore_machine(&l, err, sizeof(err)))) {
        fprintf(stderr, "lgsim: %s\n", err);
        launcher_free(&l);
        return 2;
    }
    struct control_checkpoints cps = { &l, cp_count, cp_first, cp_time, cp_restore };
    struct gdb_follow g = { NULL, dbg, &cps };
    if (dbg) dbg->symbols = &l.syms;
    if (dbg && !(g.d = debug_open(l.lg, dbg, err, sizeof(err)))) {
        fprintf(stderr, "lgsim: --gdb: %s\n", err);
        launcher_free(&l);
        return 2;
    }
    struct ui_live *u = NULL;
    if (ui_for_run && !(u = ui_live_open(l.lg, &l.syms, ui_for_run, err, sizeof(err)))) {
        fprintf(stderr, "lgsim: --ui: %s\n", err);
        launcher_free(&l);
        return 2;
    }
    if (dbg) {
        debug_checkpoints(g.d, &cps);
        l.restarting = gdb_restarting;
        l.restarting_ctx = &g;
        l.travel = gdb_travel;
        l.travel_ctx = &g;
    } else if (u) {
        l.restarting = ui_restarting;
        l.restarting_ctx = u;
        l.opt.console_read = ui_live_console_read;   /* the console pane's keys, not stdin */
        l.opt.console_read_ctx = u;
        l.opt.console_read_tty = ui_live_console_tty(u);
        ui_live_checkpoints(u, &cps);
        l.travel = ui_travel;
        l.travel_ctx = u;
    }
    int code = launcher_run(&l);
    debug_close(g.d, code);
    if (u) {
        int rc = ui_live_close(u, l.dead_reason);
        if (rc) code = rc;   /* a script's failed check is what the run says */
    }
    fflush(opt->console);
    fprintf(stderr, "lgsim: %s\n", l.dead_reason);
    if (l.stop_report) launcher_where(&l, stderr);
    if (replay_finish(&l, err, sizeof(err))) {
        fprintf(stderr, "lgsim: %s\n", err);
        code = 2;
    }
    if (launcher_close_trace(&l, err, sizeof(err))) {
        fprintf(stderr, "lgsim: %s\n", err);
        code = 2;
    }
    /* 4.4's own words for a poweroff are "CRASH: Power down": say plainly that it was one */
    if (code == 0 && !strcmp(l.dead_reason, "CRASH: Power down"))
        fprintf(stderr, "lgsim: the guest powered off normally\n");
    if (code == 1 && strncmp(l.dead_reason, "CRASH", 5) != 0)
        death_report(&l, stderr);
    if (stats) launcher_summary(&l, stderr);
    launcher_free(&l);
    return code;
}

/* What shapes a run, for the trace header: a diff warns when two traces' options differ.
 * Files are named without their directories. */
static const char *options_text(const struct launcher_options *o) {
    static char buf[TRACE_STR_MAX + 1];
    snprintf(buf, sizeof(buf), "mem=%uM switcher=%s max-time=%llums cmdline=\"%s\"", o->mem_mb,
             !o->switcher_name ? "lgsim" : file_base_name(o->switcher_name),
             (unsigned long long)(o->max_ns / 1000000), o->cmdline ? o->cmdline : "");
    for (int i = 0; i < o->n_devices; i++) {   /* the devices, in PCI slot order */
        const struct launcher_device *d = &o->devices[i];
        const char *p = d->path;
        size_t n = strlen(buf);
        if (d->kind == DEV_BLOCK || d->kind == DEV_RNG)
            snprintf(buf + n, sizeof(buf) - n, "%s%s%s", i ? "," : " devices=",
                     p ? "block:" : "rng", p ? file_base_name(p) : "");
        else
            snprintf(buf + n, sizeof(buf) - n, "%snet:%s", i ? "," : " devices=",
                     d->kind == DEV_NET_USER ? "user" : "tap");
    }
    return buf;
}

/* --block=FILE[,overlay=OVERLAY|,snapshot]: lgsim's copy-on-write disks (4.4 has none).  The
 * suffix is looked for at the end, so a file name may hold commas of its own. */
static int block_options(struct launcher_device *d, const char *a) {
    const char *ov = strstr(d->path, ",overlay="), *end = d->path + strlen(d->path);
    size_t snap = strlen(",snapshot");
    if (ov && ov > d->path && ov[9] && !strchr(ov + 9, ',')) {
        d->overlay = ov + 9;
        end = ov;
    } else if ((size_t)(end - d->path) > snap && !strcmp(end - snap, ",snapshot")) {
        d->snapshot = 1;
        end -= snap;
    } else if (ov || strstr(d->path, ",snapshot")) {
        fprintf(stderr, "lgsim: %s: write --block=FILE,overlay=OVERLAY or --block=FILE,snapshot\n",
                a);
        return -1;
    }
    if (d->overlay || d->snapshot) {
        char *base = malloc((size_t)(end - d->path) + 1);
        if (!base) return -1;
        memcpy(base, d->path, (size_t)(end - d->path));
        base[end - d->path] = 0;
        d->path = base;   /* lives as long as lgsim */
    }
    if (d->overlay && !strcmp(d->overlay, d->path)) {
        fprintf(stderr, "lgsim: %s: the overlay cannot be the base itself\n", a);
        return -1;
    }
    return 0;
}

/* --block=FILE, --rng, --net=user[,...] or --tunnet=ARG: the next PCI device, in
 * command-line order as in 4.4. */
static int add_device(struct launcher_options *opt, const char *a) {
    if (opt->n_devices == LAUNCHER_DEVICES_MAX) {
        fprintf(stderr, "lgsim: %s: at most %d devices besides the console\n", a,
                LAUNCHER_DEVICES_MAX);
        return -1;
    }
    struct launcher_device *d = &opt->devices[opt->n_devices++];
    if (!strncmp(a, "--net=", 6)) {
        if (strncmp(a + 6, "user", 4) || (a[10] && a[10] != ',')) {
            fprintf(stderr, "lgsim: %s: the only --net is user (for TAP: --tunnet=...)\n", a);
            return -1;
        }
        d->kind = DEV_NET_USER;
        d->path = a + 10 + (a[10] == ',');   /* the options after "user," */
        return 0;
    }
    d->kind = a[2] == 'b' ? DEV_BLOCK : a[2] == 'r' ? DEV_RNG : DEV_NET_TAP;
    d->path = d->kind == DEV_BLOCK ? a + 8 : d->kind == DEV_NET_TAP ? a + 9 : NULL;
    if (d->path && !*d->path) {
        fprintf(stderr, "lgsim: %s needs a value\n", a);
        return -1;
    }
    return d->kind == DEV_BLOCK ? block_options(d, a) : 0;
}

/* What the command line said. */
struct cli {
    struct launcher_options opt;
    struct debug_options dbg;
    struct ui_live_options ui;
    int stats, gdb, live_ui, quiet;
    const char *initrd_path;
    char **pos;                  /* MEM, KERNEL and the kernel's arguments, in order */
    int npos;
};

/* "--name FILE": the next argument, or an error saying what is missing. */
static int next_argument(int argc, char **argv, int *i, const char *what, const char **out) {
    if (*i + 1 == argc) {
        fprintf(stderr, "lgsim: %s\n", what);
        return -1;
    }
    *out = argv[++*i];
    return 0;
}

static int take_trace_switches(struct cli *c, const char *a) {
    c->opt.trace_switches = 1;
    c->opt.trace_file = stderr;
    if (a[16] != '=')
        return 0;
    if (!(c->opt.trace_file = fopen(a + 17, "wb"))) {
        fprintf(stderr, "lgsim: cannot write %s: %s\n", a + 17, strerror(errno));
        return -1;
    }
    return 0;
}

static int take_gdb_port(struct cli *c, const char *v) {
    uint64_t port;
    if (number_parse(v, 10, 0, 65535, &port)) {
        fprintf(stderr, "lgsim: bad --gdb port '%s': give 0 to 65535 (0: any free port)\n", v);
        return -1;
    }
    c->gdb = 1;
    c->dbg.port = (int)port;
    return 0;
}

/* Virtual time is 64-bit nanoseconds: 10^12 ms (31 years) fits it with room to spare, and
 * outlasts any run. */
#define MAX_TIME_MS_MAX 1000000000000ull

/* --save-at=MS FILE: the machine is saved at the first point from MS ms of virtual time on. */
static int take_save_at(struct cli *c, int argc, char **argv, int *i) {
    char *end;
    const char *v = argv[*i] + 10;
    double ms = strtod(v, &end);
    if (*end || end == v || !(ms > 0) || ms > (double)MAX_TIME_MS_MAX) {
        fprintf(stderr, "lgsim: bad --save-at time '%s' (milliseconds of virtual time, > 0)\n", v);
        return -1;
    }
    c->opt.save_at_ns = (uint64_t)(ms * 1e6);
    return next_argument(argc, argv, i, "--save-at=MS needs a file name after it",
                         &c->opt.save_path);
}


/* --checkpoints=MS: a checkpoint in memory every MS ms of virtual time (time travel). */
static int take_checkpoints(struct cli *c, const char *v) {
    uint64_t ms;
    if (number_parse(v, 10, 1, MAX_TIME_MS_MAX, &ms)) {
        fprintf(stderr, "lgsim: bad --checkpoints value '%s' (milliseconds of virtual time, "
                "at least 1)\n", v);
        return -1;
    }
    c->opt.checkpoint_ns = ms * 1000000ull;
    return 0;
}

static int take_max_time(struct cli *c, const char *v) {
    uint64_t ms;
    if (number_parse(v, 10, 1, MAX_TIME_MS_MAX, &ms)) {
        fprintf(stderr, "lgsim: bad --max-time value '%s': give milliseconds from 1 to %llu\n",
                v, MAX_TIME_MS_MAX);
        return -1;
    }
    c->opt.max_ns = ms * 1000000ull;
    return 0;
}

static int take_switcher(struct cli *c, const char *path) {
    char err[300];
    c->opt.switcher_name = path;
    c->opt.switcher_obj = launcher_read_file(path, &c->opt.switcher_len, err, sizeof(err));
    if (!c->opt.switcher_obj) {
        fprintf(stderr, "lgsim: %s\n", err);
        return -1;
    }
    return 0;
}

static int take_initrd(struct cli *c, int argc, char **argv, int *i) {
    if (next_argument(argc, argv, i, "--initrd needs a file name", &c->initrd_path)) return -1;
    if (!c->npos)   /* lguest's MEM scan takes the first argument without a '-' */
        fprintf(stderr, "lgsim: note: lguest 4.4 itself would read '%s' as MEM here (it takes "
                "the first argument not starting with '-'); write --initrd=%s for it\n",
                c->initrd_path, c->initrd_path);
    return 0;
}

/* One option at argv[*i] (which may take the next argument too): 0 taken, -1 bad. */
static int take_option(struct cli *c, int argc, char **argv, int *i) {
    const char *a = argv[*i];
    if (!strcmp(a, "-v") || !strcmp(a, "--verbose")) c->opt.verbose = 1;
    else if (!strcmp(a, "--trace-switches") || !strncmp(a, "--trace-switches=", 17))
        return take_trace_switches(c, a);
    else if (!strcmp(a, "--stats")) c->stats = 1;
    else if (!strcmp(a, "-q") || !strcmp(a, "--quiet")) c->quiet = 1;
    else if (!strcmp(a, "--no-reboot")) c->opt.no_reboot = 1;
    else if (!strcmp(a, "--ui")) {
        if (ui_live_unavailable()) {
            fprintf(stderr, "lgsim: --ui: %s\n", ui_live_unavailable());
            return -1;
        }
        c->live_ui = 1;
    } else if (!strncmp(a, "--ui-", 5)) {
        int r = ui_live_option(&c->ui, a);
        if (r > 0) fprintf(stderr, "lgsim: unknown option '%s' (see lgsim --help)\n", a);
        return r ? -1 : 0;
    }
    else if (!strcmp(a, "--gdb")) c->gdb = 1;
    else if (!strncmp(a, "--gdb=", 6)) return take_gdb_port(c, a + 6);
    else if (!strcmp(a, "--gdb-wait")) c->dbg.wait = 1;
    else if (!strcmp(a, "--gdb-step-over-irqs")) c->dbg.skip_irqs = 1;
    else if (!strncmp(a, "--trace=", 8) && a[8]) c->opt.trace_path = a + 8;
    else if (!strcmp(a, "--trace"))
        return next_argument(argc, argv, i, "--trace needs a file name", &c->opt.trace_path);
    else if (!strncmp(a, "--replay=", 9) && a[9]) c->opt.replay_path = a + 9;
    else if (!strcmp(a, "--replay"))
        return next_argument(argc, argv, i, "--replay needs a trace file", &c->opt.replay_path);
    else if (!strncmp(a, "--max-time=", 11)) return take_max_time(c, a + 11);
    else if (!strncmp(a, "--save-at=", 10)) return take_save_at(c, argc, argv, i);
    else if (!strncmp(a, "--checkpoints=", 14)) return take_checkpoints(c, a + 14);
    else if (!strncmp(a, "--switcher=", 11)) return take_switcher(c, a + 11);
    else if (!strncmp(a, "--initrd=", 9) && a[9]) c->initrd_path = a + 9;
    else if (!strcmp(a, "--initrd")) return take_initrd(c, argc, argv, i);
    else if (!strcmp(a, "--tunnet") || !strcmp(a, "--block") || !strcmp(a, "--net")) {
        fprintf(stderr, "lgsim: %s needs a value (%s=...; see lgsim --help)\n", a, a);
        return -1;
    }
    else if (!strncmp(a, "--block=", 8) || !strcmp(a, "--rng") || !strncmp(a, "--net=", 6) ||
             !strncmp(a, "--tunnet=", 9))
        return add_device(&c->opt, a);
    else {
        fprintf(stderr, "lgsim: unknown option '%s' (see lgsim --help)\n", a);
        return -1;
    }
    return 0;
}

/* GNU getopt_long, as lguest uses it, takes options anywhere before a "--": the write-up's
 * "lguest 64m vmlinux --initrd=... root=..." passes --initrd to the launcher.  Returns 0 to go
 * on, 1 when --help was asked for, 2 for --version, -1 for a bad command line. */
static int parse_command_line(struct cli *c, int argc, char **argv) {
    int only_args = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (only_args || a[0] != '-' || !a[1]) c->pos[c->npos++] = argv[i];
        else if (!strcmp(a, "--")) only_args = 1;
        else if (!strcmp(a, "-h") || !strcmp(a, "--help")) return 1;
        else if (!strcmp(a, "--version")) return 2;
        else if (take_option(c, argc, argv, &i)) return -1;
    }
    return 0;
}

/* Options that only make sense together, and the files they name. */
static int check_options(struct cli *c, const char *program) {
    static char sw_path[4096], host_path[4096];
    char err[300];
    struct launcher_options *o = &c->opt;
    if (o->replay_path && o->trace_path && !strcmp(o->replay_path, o->trace_path)) {
        fprintf(stderr, "lgsim: --replay and --trace name the same file (%s): the new trace "
                "would overwrite the one being replayed\n", o->trace_path);
        return -1;
    }
    if (c->dbg.wait && !c->gdb) {
        fprintf(stderr, "lgsim: --gdb-wait needs --gdb\n");
        return -1;
    }
    if (c->live_ui && c->gdb) {
        fprintf(stderr, "lgsim: --ui and --gdb both want to control the machine: one at a "
                "time\n");
        return -1;
    }
    if ((c->ui.script || c->ui.font || c->ui.width || c->ui.scale) && !c->live_ui) {
        fprintf(stderr, "lgsim: the --ui-... options need --ui\n");
        return -1;
    }
    /* The status line: only where nothing else keeps writing lines to stderr. */
    o->status_line = !c->quiet && !c->gdb && !c->live_ui && !o->verbose &&
                     !(o->trace_switches && o->trace_file == stderr);
    c->dbg.switcher_obj = o->switcher_name ? o->switcher_name :
        beside_program(program, "../switcher-model/switcher.o", sw_path, sizeof(sw_path));
    c->dbg.host_elf = beside_program(program, "host.elf", host_path, sizeof(host_path));
    if (c->initrd_path) {
        o->initrd_path = c->initrd_path;
        o->initrd = launcher_read_file(c->initrd_path, &o->initrd_len, err, sizeof(err));
        if (!o->initrd) {
            fprintf(stderr, "lgsim: initrd: %s\n", err);
            return -1;
        }
    }
    return 0;
}

/* The built-in demo guest's ELF file in the build tree beside this lgsim, if it is the same
 * bytes: gdb loads its symbols (and debug info) from there. */
static const char *demo_guest_file(const char *program) {
    static char path[4096];
    char err[300];
    size_t len = 0;
    if (!beside_program(program, "../guest/teaching_guest.elf", path, sizeof(path))) return NULL;
    uint8_t *data = launcher_read_file(path, &len, err, sizeof(err));
    int same = data && len == lgsim_demo_guest_len && !memcmp(data, lgsim_demo_guest, len);
    free(data);
    return same ? path : NULL;
}

/* --ui: the window records the run as it goes (a trace nowhere when no --trace), and its
 * console input comes from the window, not stdin. */
static void take_ui(struct cli *c, const char *kernel_path) {
    static struct ui_builtin b;
    if (!c->live_ui) return;
    b = (struct ui_builtin){ lgsim_demo_guest, lgsim_demo_guest_len };
    c->ui.kernel_path = kernel_path;
    c->ui.kernel = c->opt.kernel;
    c->ui.kernel_len = c->opt.kernel_len;
    c->ui.options_text = c->opt.options_text;
    c->ui.builtin = &b;
    c->opt.record = 1;
    c->opt.console_stdin = 0;
    ui_for_run = &c->ui;
}

/* No arguments: the built-in demo, which ends with its summary (unless --quiet). */
static int run_demo(struct cli *c, const char *program) {
    c->opt.mem_mb = 64;
    c->opt.kernel = lgsim_demo_guest;
    c->opt.kernel_len = lgsim_demo_guest_len;
    c->opt.kernel_path = "(built-in demo guest)";
    if (c->gdb) c->dbg.kernel_path = demo_guest_file(program);
    if (!c->opt.max_ns) c->opt.max_ns = 10000000000ull;
    c->opt.options_text = options_text(&c->opt);
    take_ui(c, NULL);
    return run(&c->opt, c->stats || !c->quiet, c->gdb ? &c->dbg : NULL);
}

/* MEM KERNEL [kernel args...], as lguest's launcher takes them. */
static int run_kernel(struct cli *c) {
    char err[300];
    if (c->npos < 2) {
        fprintf(stderr, "lgsim: need MEM and KERNEL (see lgsim --help)\n");
        return 2;
    }
    if (parse_mem(c->pos[0], &c->opt.mem_mb)) {
        fprintf(stderr, "lgsim: bad memory size '%s': give MiB from 1 to %u, e.g. 64m\n",
                c->pos[0], GUEST_MEM_MAX_MB);
        return 2;
    }
    c->opt.kernel_path = c->pos[1];
    uint8_t *k = launcher_read_file(c->pos[1], &c->opt.kernel_len, err, sizeof(err));
    if (!k) {
        fprintf(stderr, "lgsim: %s\n", err);
        return 2;
    }
    c->opt.kernel = k;
    c->opt.cmdline = join_args(c->npos - 2, c->pos + 2);
    c->opt.options_text = options_text(&c->opt);
    c->dbg.kernel_path = c->opt.kernel_path;
    take_ui(c, c->opt.kernel_path);
    int code = run(&c->opt, c->stats, c->gdb ? &c->dbg : NULL);
    free(k);
    return code;
}

/* What builds the machine, for a saved file: the command line without the options that only
 * watch or steer a run (traces, the debugger, --stats, saving and restoring). */
static int watches_only(const char *a, int *takes_next) {
    static const char *const eq[] = { "--trace=", "--trace-switches", "--gdb", "--save-at=",
                                      "--checkpoints=",
                                      "--restore=", "--replay=" };
    *takes_next = !strcmp(a, "--trace") || !strncmp(a, "--save-at=", 10) ||
                  !strcmp(a, "--restore") || !strcmp(a, "--replay");
    if (*takes_next || !strcmp(a, "--stats") || !strcmp(a, "-v") || !strcmp(a, "--verbose") ||
        !strcmp(a, "-q") || !strcmp(a, "--quiet"))
        return 1;
    for (size_t i = 0; i < sizeof(eq) / sizeof(eq[0]); i++)
        if (!strncmp(a, eq[i], strlen(eq[i]))) return 1;
    return 0;
}

static void machine_args(struct cli *c, int argc, char **argv) {
    c->opt.argv = calloc((size_t)argc, sizeof(char *));
    if (!c->opt.argv) return;
    int only_args = 0, skip;
    for (int i = 1; i < argc; i++) {
        if (!only_args && !strcmp(argv[i], "--")) only_args = 1;
        if (!only_args && argv[i][0] == '-' && watches_only(argv[i], &skip)) {
            i += skip;
            continue;
        }
        c->opt.argv[c->opt.argc++] = argv[i];
    }
}

static char **restored_argv;
static void free_restored_argv(void) { free(restored_argv); }

/* --restore=FILE: the saved command line, then this one's own options (a trace, the
 * debugger...), as if typed so. */
static char **restore_command_line(int *argc, char **argv) {
    const char *path = NULL;
    for (int i = 1; i < *argc; i++) {
        if (!strcmp(argv[i], "--")) break;
        if (!strncmp(argv[i], "--restore=", 10)) path = argv[i] + 10;
    }
    if (!path) return argv;
    static struct saved_machine m;
    char err[600];
    if (machine_file_read(path, &m, err, sizeof(err))) {
        fprintf(stderr, "lgsim: --restore: %s\n", err);
        exit(2);
    }
    restoring = &m;
    char **nv = calloc((size_t)(*argc + m.argc + 2), sizeof(char *));
    if (!nv) exit(2);
    restored_argv = nv;   /* the command line from here on: lgsim's to the end */
    atexit(free_restored_argv);
    int n = 0;
    nv[n++] = argv[0];
    for (int i = 1; i < *argc; i++)
        if (strncmp(argv[i], "--restore=", 10)) nv[n++] = argv[i];
    for (int i = 0; i < m.argc; i++) nv[n++] = m.argv[i];
    *argc = n;
    return nv;
}

/* @tour Launcher 10: lguest's command line
 * lgsim is the Launcher: "lgsim [options] MEM KERNEL [args...]" as 4.4's lguest takes it,
 * plus the simulator's own options; with no arguments it runs the teaching guest.
 */
int main(int argc, char **argv) {
    term_binary_stdio();
    if (argc > 1 && !strcmp(argv[1], "trace")) {
        const struct trace_names_source names =
            symtab_trace_source(lgsim_demo_guest, lgsim_demo_guest_len);
        return trace_tool(argc - 1, argv + 1, &names);
    }
    if (argc > 1 && !strcmp(argv[1], "disk"))
        return disk_tool(argc - 1, argv + 1);
    if (argc > 1 && !strcmp(argv[1], "ui")) {
        const struct ui_builtin b = { lgsim_demo_guest, lgsim_demo_guest_len };
        return ui_main(argc - 1, argv + 1, &b);
    }
    argv = restore_command_line(&argc, argv);
    static struct cli c;
    c.opt = (struct launcher_options){ .console = stdout, .console_stdin = 1 };
    machine_args(&c, argc, argv);
    c.dbg = (struct debug_options){ .port = 1234, .stop_signal = term_stop_flag() };
    if (!(c.pos = calloc((size_t)argc, sizeof(*c.pos)))) return 2;
    int rc = parse_command_line(&c, argc, argv);
    if (rc == 2) {
        printf("lgsim %s\n", LGSIM_VERSION);
        return 0;
    }
    if (rc > 0) {
        usage(stdout);
        return 0;
    }
    if (rc < 0 || check_options(&c, argv[0])) return 2;
    int code = c.npos == 0 ? run_demo(&c, argv[0]) : run_kernel(&c);
    free((void *)c.opt.initrd);
    free(c.pos);
    return code;
}
