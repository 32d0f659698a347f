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
    }
        devices[LAUNCHER_DEVICES_MAX];
    int n_devices;
    int console_stdin;            /* the console's input is stdin (lgsim; not unit tests) */
    const char *replay_path;      /* --replay=FILE: input from that trace, not stdin or a network */
    int no_reboot;                /* --no-reboot: a Guest asking for a restart ends the run */
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

    unsigned boots;               /* 1, and one more each time the Guest restarts */
    uint64_t restart_ns;          /* the virtual time of the last restart */
    /* Told of a restart twice: before the old Host goes (started 0) and once the new one
     * (l->lg) is ready (started 1); NULL: nobody to tell. */
    void (*restarting)(void *ctx, struct launcher *l, int started);
    void *restarting_ctx;

    int dead;                     /* the run is over: why, and lgsim's exit status */
    int exit_code;
    char dead_reason[300];
    uint64_t n_gp_emulated;
    int host_checked;             /* the containment check ran and found nothing */
    uint32_t host_compared;       /* ... in this many bytes */
};

/* launcher.c: set up (4.4 lguest.c main()), run (run_guest()), and the end. */
int launcher_init(struct launcher *l, const struct launcher_options *opt, char *err,
                  size_t errlen);
int launcher_run(struct launcher *l);   /* returns the process exit code */
void launcher_free(struct launcher *l);
/* 4.4's launcher gives up with err()/errx(); lgsim's records why and the run ends (the first
 * reason stands; exit status 1 unless the caller sets another). */
void launcher_quit(struct launcher *l, const char *fmt, ...);
/* Guest memory at guest-physical gpa, len bytes of it inside RAM; NULL outside. */
uint8_t *guest_ptr(struct launcher *l, uint32_t gpa, uint32_t len);
uint32_t launcher_eip(struct launcher *l);   /* the Guest's EIP, through LHREQ_GETREG */

/* trace_files.c: the binary trace and the one being replayed. */
int launcher_open_traces(struct launcher *l, char *err, size_t errlen);
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

/* summary.c and diagnose.c: what happened, for people. */
void launcher_summary(struct launcher *l, FILE *f);
void death_report(struct launcher *l, FILE *f);
#endif
