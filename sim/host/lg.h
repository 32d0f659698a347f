/* machine.h - the whole simulated computer: host in ring 0, the Switcher, one lguest Guest. */
#ifndef LGSIM_MACHINE_H
#define LGSIM_MACHINE_H
#include <stdint.h>
#include <stdio.h>
#include "cpu/cpu.h"
#include "mmu/shadow.h"
#include "sim/elf.h"
#include "switcher-model/loader.h"
#include "traces/record.h"
#include "virtio/block.h"
#include "virtio/console.h"
#include "virtio/net.h"
#include "virtio/pci.h"
#include "virtio/rng.h"

#define MACHINE_DEVICES_MAX 8      /* besides the console */
#define DEVICE_PAGES        256    /* 4.4: the old device area between RAM and the BARs */

struct machine_options {
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
    struct machine_device {
        enum { DEV_BLOCK, DEV_RNG, DEV_NET_USER, DEV_NET_TAP } kind;
        const char *path;
    }
        devices[MACHINE_DEVICES_MAX];
    int n_devices;
    int console_stdin;            /* the console's input is stdin (lgsim; not unit tests) */
    const char *replay_path;      /* --replay=FILE: input from that trace, not stdin or a network */
};

/* Linux 4.4's struct lguest_pending: what the Host hands the launcher to emulate. */
struct lguest_pending { uint8_t trap; uint8_t insn[7]; uint32_t addr; };

struct machine {
    struct machine_options opt;
    struct phys phys;
    struct cpu cpu;
    struct shadow shadow;
    struct switcher_image sw;
    struct elf_exec host_elf, kernel_elf;
    int kernel_has_symbols;
    uint32_t host_run, host_return, host_panic, host_timer, host_entry_ptr;
    uint32_t host_data, host_data_end;   /* the host routine's variables */
    struct recorder rec;
    struct replay *replay;        /* --replay: the old trace's input (sim/replay.c) */
    struct trace_writer trace;    /* open when --trace was given (rec.w points here) */
    uint64_t run_start_ns;        /* the run now going began here (host -> guest) */
    uint64_t trap_ns;             /* when the Guest trapped into the Switcher */
    int entering_unrecorded;      /* the host -> guest record is still to be written */
    int trapped;                  /* this run left the Guest through the Switcher */
    int running;                  /* inside cpu_run: the saved registers are stale */

    /* The Guest, as lg.ko's struct lguest / lg_cpu hold it. */
    uint32_t mem;                 /* bytes of guest RAM */
    uint32_t lguest_data;         /* guest-physical; 0 until LHCALL_LGUEST_INIT */
    int initialized;
    uint32_t noirq_iret;
    uint32_t ss1;                 /* SET_STACK's segment; its esp1 and pages live in shadow,
                                   * which keeps them pinned, and kernel_address too */
    uint32_t idt[256][2];         /* sanitized Guest IDT entries */
    uint32_t gdt[32][2];          /* the Guest GDT with 4.4's fix-ups */
    int changed_idt, changed_gdt, changed_tls;
    uint32_t cr2;                 /* last page fault address (cpu->arch.last_pagefault) */
    int hcall_pending;
    uint32_t next_hcall;          /* the Host's cursor in the async hypercall ring */
    uint32_t ts;                  /* the Guest's virtual CR0.TS (LHCALL_TS) */

    /* Interrupts and time. */
    uint32_t irqs_pending;        /* Guest IRQs waiting to be delivered (bit n = IRQ n) */
    uint32_t irqs_masked_noted;   /* held back by blocked_interrupts, already in the trace */
    int halted;                   /* LHCALL_HALT: idle until an interrupt */
    uint64_t clockevent_ns;       /* virtual time the Guest's one-shot timer fires; 0 = off */
    uint64_t next_tick_ns;        /* the host's own periodic timer interrupt */

    /* The launcher. */
    struct lguest_pending pending;
    struct pci_bus pci;
    struct dev_env dev_env;
    struct virtio_console console;
    struct virtio_block blocks[MACHINE_DEVICES_MAX];
    struct virtio_rng rngs[MACHINE_DEVICES_MAX];
    struct virtio_net nets[MACHINE_DEVICES_MAX];
    int n_blocks, n_rngs, n_nets;
    struct console_stdin {        /* stdin on its way to the console (sim/devices.c) */
        uint8_t buf[4096];
        uint32_t len;             /* read, not yet delivered */
        int started, tty, eof;
        unsigned ctrl_c;          /* ^C^C^C within a second stops lgsim (4.4's rule) */
        uint64_t ctrl_c_ms;
        unsigned polls;
    } in;

    int dead;
    int exit_code;
    char dead_reason[300];

    uint64_t n_runs, n_hypercalls, n_gp_emulated, n_traps_reflected, n_host_irqs;
    uint64_t n_irqs_delivered, n_irqs_deferred, n_halts, n_idle_ns;
    uint64_t n_exits[257];        /* world switches back to the host, by trap number */
    uint64_t n_hcall[32];         /* hypercalls by number (trapping and async) */
    uint64_t n_pf_fixed, n_pf_reflected, n_pf_io;
    uint64_t n_switch_insns, switch_insns_now;
    struct rec_switch entering, leaving;   /* the world switches being recorded */
    uint8_t *host_snapshot;       /* host memory the Guest must never change (host_guard) */
    int host_checked, host_changed;
    uint32_t host_changed_at;     /* the first changed byte */
    cpu_hook h_switcher;
    /* A debugger (debug/) is told of every delivery through the IDT; NULL without --gdb. */
    void (*debug_delivered)(void *ctx, const struct cpu_delivery *d);
    void *debug_ctx;
};

int machine_init(struct machine *m, const struct machine_options *opt, char *err, size_t errlen);
void machine_free(struct machine *m);
/* Close the binary trace; 0, or -1 with the reason (a trace that could not be written). */
int machine_close_trace(struct machine *m, char *err, size_t errlen);
/* Run until the Guest dies or shuts down; returns the process exit code. */
int machine_run(struct machine *m);

/* Print the run's summary: switches by reason, hypercalls by name, faults, time (summary.c). */
void machine_summary(struct machine *m, FILE *f);
/* Bytes of host memory compared by the containment check, and whether they are unchanged. */
uint32_t host_guard_size(void);
void host_guard_begin(struct machine *m);
int host_guard_end(struct machine *m);
void host_guard_free(struct machine *m);

/* Inside sim/: */
void kill_guest(struct machine *m, const char *fmt, ...);
uint8_t *guest_regs(struct machine *m);
uint32_t guest_fetch(struct machine *m, uint32_t eip, uint8_t *buf, uint32_t max);
uint32_t reg_get(struct machine *m, int off);
void reg_set(struct machine *m, int off, uint32_t v);
void do_hypercall(struct machine *m);
void handle_trap(struct machine *m);
int deliver_trap(struct machine *m, unsigned num);
void load_guest_idt_entry(struct machine *m, uint32_t num, uint32_t lo, uint32_t hi);
void load_guest_gdt_entry(struct machine *m, uint32_t num, uint32_t lo, uint32_t hi);
void guest_load_tls(struct machine *m, uint32_t gtls);
void copy_traps(struct machine *m, uint8_t *idt);
void write_timestamp(struct machine *m);
void set_interrupt(struct machine *m, unsigned irq);
unsigned interrupt_pending(struct machine *m);
void try_deliver_interrupt(struct machine *m, unsigned irq);
void guest_set_clockevent(struct machine *m, uint32_t delta_ns);
void machine_arm_timers(struct machine *m);
int lguest_read(struct machine *m, uint32_t gpa, void *buf, uint32_t len);
int lguest_write(struct machine *m, uint32_t gpa, const void *buf, uint32_t len);
int lguest_data_get(struct machine *m, uint32_t off, uint32_t *v);
void lguest_data_put(struct machine *m, uint32_t off, uint32_t v);
void launcher_handle_pending(struct machine *m);
/* sim/devices.c: the PCI bus and virtio devices, and stdin for the console. */
int devices_init(struct machine *m, char *err, size_t errlen);
uint32_t devices_limit(const struct machine *m);   /* device_limit, in pages */
void devices_close(struct machine *m);
enum idle_input { INPUT_NONE, INPUT_DELIVERED, INPUT_ENDED, INPUT_INTERRUPTED };
/* The Guest is halted until *wake (virtual ns; 0: no timer).  Gives it input (stdin, network
 * frames) or waits for some; *wake may come earlier (a network timer).  INPUT_NONE or
 * INPUT_ENDED: nothing came before *wake. */
enum idle_input devices_idle_input(struct machine *m, uint64_t *wake);
void devices_poll_input(struct machine *m);
/* sim/netdevs.c: the network devices and their backends. */
int netdevs_add(struct machine *m, const struct machine_device *dev, char *err,
                size_t errlen);
uint64_t netdevs_prepare(struct machine *m, struct pollset *ps, int *live);
int netdevs_poll(struct machine *m, struct pollset *ps);
void netdevs_close(struct machine *m);
/* sim/replay_devices.c: --replay's input at the devices' points; a network backend for it;
 * a stop where the recorded run was stopped; after the run, -1 if input was left over. */
enum idle_input replay_idle_input(struct machine *m, uint64_t *wake);
struct netdev *replay_netdev(struct machine *m, const char *name);
int replay_stop_due(struct machine *m);
int replay_finish(struct machine *m, char *msg, size_t len);
int boot_guest(struct machine *m, char *err, size_t errlen);
/* bzimage.c: the protected-mode part at 1 MiB; *entry = code32_start, *end = what it uses. */
int load_bzimage(struct machine *m, uint32_t *entry, uint32_t *end, char *err, size_t errlen);
void copy_in_guest_info(struct machine *m);
void setup_guest_gdt(struct machine *m);
#endif
