/* launcher.h - tools/lguest as lgsim has it: the options, the devices, and the Guest it drives. */
#ifndef LGSIM_LAUNCHER_H
#define LGSIM_LAUNCHER_H
#include <stdint.h>
#include <stdio.h>
#include "mmu/phys.h"
#include "sim/elf.h"
#include "sim/host/lguest_launcher.h"
#include "sim/symbols.h"
#include "traces/record.h"
#include "virtio/block.h"
#include "virtio/console.h"
#include "virtio/net.h"
#include "virtio/pci.h"
#include "virtio/rng.h"

#define LAUNCHER_DEVICES_MAX 8     /* besides the console */
#define DEVICE_PAGES        256    /* 4.4: the old device area between RAM and the BARs */

struct launcher_options {
    uint32_t mem_mb;
    const char *kernel_path;
    const uint8_t *kernel;        /* the kernel image (file contents or built-in) */
    size_t kernel_len;
    const char *cmdline;
    const char *initrd_path;      /* --initrd=FILE (NULL: none) and its contents */
    const uint8_t *initrd;
    size_t initrd_len;
    const uint8_t *switcher_obj;  /* NULL: lgsim's own Switcher */
    size_t switcher_len;
    const char *switcher_name;
    int trace_switches;
    FILE *trace_file;             /* where --trace-switches lines go */
    const char *trace_path;       /* --trace=FILE: the binary trace */
    const char *options_text;     /* the options that shape a run, for the trace header */
    int verbose;
    FILE *console;                /* where the Guest's console goes */
    uint64_t max_ns;              /* stop a runaway Guest after this much virtual time */
    /* Devices after the console, in command-line order (--block=FILE, --rng, --net=user...,
     * --tunnet=...); path is the file, or what follows "user" or "--tunnet=". */
    struct launcher_device {
        enum { DEV_BLOCK, DEV_RNG, DEV_NET_USER, DEV_NET_TAP } kind;
        const char *path;
        const char *overlay;      /* --block=FILE,overlay=OVERLAY: copy-on-write */
        int snapshot;             /* --block=FILE,snapshot: an overlay gone at the end */
    }
        devices[LAUNCHER_DEVICES_MAX];
    int n_devices;
    int console_stdin;            /* the console's input is stdin (lgsim; not unit tests) */
    const char *replay_path;      /* --replay=FILE: input from that trace, not stdin or a network */
    int argc;                     /* the command line that builds this machine (a saved file */
    char **argv;                  /* keeps it; without --save-at, --restore, --trace, --gdb) */
    const uint8_t *trace_resume;  /* --restore with --trace: the saved writer state and trace */
    size_t trace_resume_len;      /* so far (machine_trace_section), written again at trace_path */
    uint64_t save_at_ns;          /* --save-at=MS FILE: save the machine there (0: never) */
    uint64_t checkpoint_ns;       /* --checkpoints=MS: one in memory every MS ms (0: none) */
    const char *save_path;
    int record;                   /* keep a recorder going without --trace (records go nowhere:
                                   * the live window sees them through the recorder's tap) */
    int no_reboot;                /* --no-reboot: a Guest asking for a restart ends the run */
    /* Console input from elsewhere than stdin (the live window, lgsim --ui): up to cap bytes,
     * waiting at most timeout_ms (-1: as long as it takes); 0: none came, -1: no more will.
     * console_read_tty: they come as from a terminal (paced in real time, taken as they
     * come), else a line at a time, waited for however long it takes (a script's keys:
     * the same run each time; stdin itself is paced, devices.c). */
    int (*console_read)(void *ctx, uint8_t *buf, uint32_t cap, int timeout_ms);
    void *console_read_ctx;
    int console_read_tty;
    int status_line;              /* keep a status line on stderr if it is a terminal (status.c) */
};

struct launcher {
    struct launcher_options opt;
    struct lguest *lg;            /* the Host's Guest, reached only through the door */
    uint32_t mem;                 /* bytes of guest RAM */
    uint8_t *guest_base;          /* guest-physical 0, as the Launcher sees it */
    struct elf_exec kernel_elf;
    int kernel_has_symbols;
    struct symtab syms;           /* the kernel's names, for every line that shows an address */
    struct recorder rec;
    struct replay *replay;        /* --replay: the old trace's input (replay.c) */
    struct trace_writer trace;    /* open when --trace was given (rec.w points here) */

    struct pci_bus pci;
    struct dev_env dev_env;
    struct virtio_console console;
    struct virtio_block blocks[LAUNCHER_DEVICES_MAX];
    struct cow kept[LAUNCHER_DEVICES_MAX];   /* snapshot overlays across a restart */
    struct virtio_rng rngs[LAUNCHER_DEVICES_MAX];
    struct virtio_net nets[LAUNCHER_DEVICES_MAX];
    int n_blocks, n_rngs, n_nets;
    struct console_stdin {        /* stdin on its way to the console (devices.c) */
        uint8_t buf[4096];
        uint32_t len;             /* read, not yet delivered */
        int started, tty, eof;
        unsigned ctrl_c;          /* ^C^C^C within a second stops lgsim (4.4's rule) */
        uint64_t ctrl_c_ms;
    } in;
    struct input_log {            /* input given since the first checkpoint (refeed.c) */
        struct logged_input *e;
        size_t n, cap;
        uint64_t first;           /* e[0] was input number first (n_inputs then) */
        uint8_t *bytes;
        size_t bytes_len, bytes_cap;
        int feeding;              /* gone back: input comes from here until the frontier */
        uint64_t frontier_ns;     /* where the run had been */
        struct console_stdin live;   /* stdin there */
    } log;

    unsigned boots;               /* 1, and one more each time the Guest restarts */
    int saved;                    /* --save-at has been done */
    struct timetravel *tt;        /* the checkpoints (timetravel.c); NULL: none taken */
    uint64_t stop_at_ns;          /* launcher_run_until(): hand back at the first turn from
                                   * here on (UINT64_MAX: never) */
    int stopped;                  /* ... and it did */
    uint64_t n_inputs;            /* inputs given so far: console, the end of stdin, frames, and
                                   * halts a network backend ended early */
    uint64_t console_bytes;       /* the Guest's console output so far (machine state) */
    uint64_t console_shown;       /* ... and how much of it opt.console has: after going back,
                                   * output already shown is not shown twice */
    uint64_t restart_ns;          /* the virtual time of the last restart */
    /* Told of a restart twice: before the old Host goes (started 0) and once the new one
     * (l->lg) is ready (started 1); NULL: nobody to tell. */
    void (*restarting)(void *ctx, struct launcher *l, int started);
    void *restarting_ctx;
    /* A debugger ended a run to go back in time (lguest_unwound()): this puts a checkpoint in
     * place (tt_restore()) and arms what the debugger needs; NULL: nobody can, the run ends.
     * Also called at every turn of the Launcher (a debugger saving the machine there). */
    void (*travel)(void *ctx, struct launcher *l);
    void *travel_ctx;

    int dead;                     /* the run is over: why, and lgsim's exit status */
    int exit_code;
    char dead_reason[300];
    int stop_report;              /* the Launcher stopped a Guest still alive (signal, time,
                                   * idle): say where it was */
    struct status_line {          /* the line a long run keeps on a terminal (status.c) */
        int on, stdout_tty, console_at_line_start;
        unsigned columns, shown;  /* room for it; how wide it is on screen now (0: not there) */
        uint64_t start_ms, due_ms, since_ms, since_switches;
    } status;
    uint64_t n_gp_emulated;
    int host_checked;             /* the containment check ran and found nothing */
    uint32_t host_compared;       /* ... in this many bytes */
};

/* launcher.c: set up (4.4 lguest.c main()), run (run_guest()), and the end. */
int launcher_init(struct launcher *l, const struct launcher_options *opt, char *err,
                  size_t errlen);
int launcher_run(struct launcher *l);   /* returns the process exit code */
/* Run until the first turn of the Launcher from virtual time t on (1: stopped there, the
 * machine between two runs) or the end (0: l->dead; launcher_run() then finishes it). */
int launcher_run_until(struct launcher *l, uint64_t t);
void launcher_free(struct launcher *l);
/* 4.4's launcher gives up with err()/errx(); lgsim's records why and the run ends (the first
 * reason stands; exit status 1 unless the caller sets another). */
void launcher_quit(struct launcher *l, const char *fmt, ...);
/* Guest memory at guest-physical gpa, len bytes of it inside RAM; NULL outside. */
uint8_t *guest_ptr(struct launcher *l, uint32_t gpa, uint32_t len);
uint32_t launcher_eip(struct launcher *l);   /* the Guest's EIP, through LHREQ_GETREG */

/* trace_files.c: the binary trace and the one being replayed. */
int launcher_open_traces(struct launcher *l, char *err, size_t errlen);
/* The run's header: lgsim's version, the options, the inputs (kernel, initrd, disks as the
 * Guest sees them) by name, size and hash. */
int launcher_inputs(struct launcher *l, struct trace_header *h, char *err, size_t errlen);
/* A path's file name, without its directories ('/', and on Windows '\\' and "C:" too): what
 * a trace header names a file by, so that it reads the same on every system. */
const char *file_base_name(const char *path);
/* Close the binary trace; 0, or -1 with the reason (a trace that could not be written). */
int launcher_close_trace(struct launcher *l, char *err, size_t errlen);

/* emulate.c: what the Host hands over (4.4 emulate_insn(), emulate_mmio()). */
void emulate_pending(struct launcher *l, const struct lguest_pending *p);

/* boot.c and bzimage.c: the kernel into Guest memory; *entry is where it starts. */
int boot_guest(struct launcher *l, uint32_t *entry, char *err, size_t errlen);
/* The protected-mode part at 1 MiB; *entry = code32_start, *end = what it uses. */
int load_bzimage(struct launcher *l, uint32_t *entry, uint32_t *end, char *err, size_t errlen);

/* devices.c: the PCI bus and virtio devices, and stdin for the console. */
int devices_init(struct launcher *l, char *err, size_t errlen);
uint32_t devices_limit(const struct launcher *l);   /* device_limit, in pages */
void devices_close(struct launcher *l);
void devices_keep_snapshots(struct launcher *l);   /* before devices_close, for a restart */
enum idle_input { INPUT_NONE, INPUT_DELIVERED, INPUT_ENDED, INPUT_INTERRUPTED };
/* The Guest is halted until *wake (virtual ns; 0: no timer).  Gives it input (stdin, network
 * frames) or waits for some; *wake may come earlier (a network timer).  INPUT_NONE or
 * INPUT_ENDED: nothing came before *wake. */
enum idle_input devices_idle_input(struct launcher *l, uint64_t *wake);
/* Whether stdin is a terminal to watch while the Guest runs, and the look at it. */
int devices_watching_terminal(const struct launcher *l);
void devices_poll_input(struct launcher *l);

/* netdevs.c: the network devices and their backends. */
int netdevs_add(struct launcher *l, const struct launcher_device *dev, char *err,
                size_t errlen);
/* A backend on the machine's clock, its messages with the machine's (launcher_say). */
void netdevs_attach(struct launcher *l, struct netdev *nd);
uint64_t netdevs_prepare(struct launcher *l, struct pollset *ps, int *live);
int netdevs_poll(struct launcher *l, struct pollset *ps);
void netdevs_close(struct launcher *l);

/* replay_devices.c: --replay's input at the devices' points; a network backend for it;
 * a stop where the recorded run was stopped; after the run, -1 if input was left over. */
enum idle_input replay_idle_input(struct launcher *l, uint64_t *wake);
struct netdev *replay_netdev(struct launcher *l, const char *name);
uint64_t replay_stop_time(const struct launcher *l);   /* UINT64_MAX: none */
int replay_stop_due(struct launcher *l);
int replay_finish(struct launcher *l, char *msg, size_t len);

/* refeed.c: input (console, frames, a network backend's wakes) logged as it is given once there
 * is a checkpoint, and given again from the log after going back until the machine is where
 * the run had been (refeed_begin(), before a checkpoint is put in place); refeed_idle: 1 with
 * *out set while behind there, 0 when stdin and the network are live again. */
void refeed_note_console(struct launcher *l, const uint8_t *b, uint32_t len);
void refeed_note_eof(struct launcher *l);
void refeed_note_frame(struct launcher *l, unsigned irq, const uint8_t *b, uint32_t len);
void refeed_note_wake(struct launcher *l, uint64_t wake);
void refeed_frames(void *ctx, struct virtio_net *n);   /* a held device's frames (net.h) */
void refeed_begin(struct launcher *l);
int refeed_idle(struct launcher *l, int want, uint64_t *wake, enum idle_input *out);
void refeed_turn(struct launcher *l);
void refeed_free(struct launcher *l);

/* machine.c: the whole machine as bytes between two runs (sections HOST LNCH RECD DEVS TRCE);
 * with_trace_file: the trace written so far goes in too (a saved file).  A restore goes into
 * a Launcher set up from the same command line; from_file: a traced run's trace is written
 * again at opt.trace_path and goes on, else (a checkpoint) the trace is cut back. */
int machine_save(struct launcher *l, int with_trace_file, uint8_t **out, size_t *len,
                 char *err, size_t errlen);
/* The same into *out (capacity *cap, grown as needed and kept even on failure); flags:
 * MACHINE_SAVE_TRACE_FILE, and MACHINE_SAVE_NO_HOST: the HOST section's bytes are left as they
 * are (a checkpoint takes them piece by piece, lguest_state_pieces()). */
#define MACHINE_SAVE_TRACE_FILE 1
#define MACHINE_SAVE_NO_HOST    2
#define MACHINE_SAVE_CHECKPOINT 4   /* in memory: a network device's queues may be kept */
int machine_save_reusing(struct launcher *l, int flags, uint8_t **out, size_t *len,
                         size_t *cap, char *err, size_t errlen);
int machine_restore(struct launcher *l, const uint8_t *p, size_t len, int from_file,
                    char *err, size_t errlen);
/* A checkpoint of this run whose HOST section is its header alone (the checkpoint keeps the
 * Host's bytes page by page): every section checked, then put_host() puts the Host's state in
 * place (0, or -1), then the rest as machine_restore() does. */
int machine_restore_but_host(struct launcher *l, const uint8_t *p, size_t len,
                             int (*put_host)(struct launcher *l, void *ctx), void *ctx,
                             char *err, size_t errlen);
/* The TRCE section of machine_save()'s bytes (*n 0: the run had no trace); -1: damaged. */
int machine_trace_section(const uint8_t *p, size_t len, const uint8_t **at, size_t *n);

/* timetravel.c: checkpoints in memory and going back to them.  A checkpoint is the state at a
 * turn of the Launcher; going back to time t restores the last checkpoint at or before t and
 * runs the machine forward again, deterministically, to the first turn from t on, where it is
 * as it was the first time (its trace cut back and rewritten the same).  Input given since the
 * checkpoint is given again (refeed.c); going back over a restart is refused. */
struct tt_stats { unsigned n; uint64_t bytes, host_bytes, ns_taking, max_ns_taking,
                                       first_bytes; };   /* first_bytes: the first one's */
int tt_checkpoint(struct launcher *l, char *err, size_t errlen);
void tt_checkpoint_due(struct launcher *l);   /* --checkpoints: from take_turn() */
uint64_t tt_next_checkpoint(const struct launcher *l);   /* when; UINT64_MAX: none due */
int tt_back(struct launcher *l, uint64_t t, char *err, size_t errlen);
/* The checkpoints one by one (a debugger going back to an instruction, debug/travel.c): how
 * many, checkpoint i's virtual time, and checkpoint i put in place (the trace cut back) without
 * running on; 0, or -1 with the reason. */
int tt_count(const struct launcher *l);
int tt_first_usable(const struct launcher *l);   /* the first with no restart since */
uint64_t tt_time(const struct launcher *l, int i);
int tt_restore(struct launcher *l, int i, char *err, size_t errlen);
/* FNV-1a 64 of the CPU's registers and state and all memory: "the same machine". */
uint64_t tt_state_hash(struct launcher *l);
struct tt_stats tt_stats(const struct launcher *l);
void tt_free(struct launcher *l);

/* machine_file.c: a saved machine (--save-at, monitor save, --restore). */
struct saved_machine {
    char lgsim_version[64], engine[200];
    int argc;                     /* the command line that builds the machine again */
    char **argv;
    struct trace_header inputs;   /* the options and the inputs, as the trace header has them */
    uint64_t t;                   /* its virtual time */
    uint8_t *state;               /* machine_save()'s bytes */
    size_t state_len;
};
int machine_file_write(struct launcher *l, const char *path, char *err, size_t errlen);
/* Read and check all of path (nothing is set up from it until it is whole); -1 with the
 * reason and the byte offset where the file is wrong. */
/* All of a file (a kernel, an initrd, a saved machine), malloc'd; NULL with why. */
uint8_t *launcher_read_file(const char *path, size_t *len, char *err, size_t errlen);
int machine_file_read(const char *path, struct saved_machine *m, char *err, size_t errlen);
int machine_file_parse(const uint8_t *buf, size_t len, struct saved_machine *m, char *err,
                       size_t errlen);   /* the same on bytes in memory */
/* The machine l was set up as is the one m saved (version, engine, options, input hashes). */
int machine_file_matches(struct launcher *l, const struct saved_machine *m, char *err,
                         size_t errlen);
void machine_file_free(struct saved_machine *m);

/* disk_tool.c: lgsim disk commit|info (argv[0] is "disk"); the exit status. */
int disk_tool(int argc, char **argv);

/* status.c: the status line, at the Launcher's turns; erased before any other line on stderr
 * (status_erase) and before the Guest's output when stdout is the same terminal. */
void status_start(struct launcher *l);
int status_wants_turns(const struct launcher *l);
void status_tick(struct launcher *l);
void status_erase(struct launcher *l);
/* Every line lgsim prints on stderr while a run goes on comes through here: the status line
 * erased first, then the line (fmt has its own "lgsim: " and newline). */
void launcher_say(struct launcher *l, const char *fmt, ...)
    __attribute__((format(LGSIM_PRINTF_FORMAT, 2, 3)));
void status_console_output(struct launcher *l, uint8_t last);

/* summary.c and diagnose.c: what happened, for people. */
void launcher_summary(struct launcher *l, FILE *f);
/* Where a Guest that was stopped (a signal, --max-time, nothing left to wake it) was: its
 * EIP with the symbol, the ring, and the last world switch. */
void launcher_where(struct launcher *l, FILE *f);
void death_report(struct launcher *l, FILE *f);
#endif
