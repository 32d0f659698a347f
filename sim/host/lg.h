/* lg.h - the Host's state for one Guest (4.4 drivers/lguest/lg.h: struct lguest and lg_cpu). */
#ifndef LGSIM_LG_H
#define LGSIM_LG_H
#include <stdint.h>
#include <stdio.h>
#include "cpu/cpu.h"
#include "mmu/shadow.h"
#include "sim/elf.h"
#include "sim/host/lguest_launcher.h"
#include "switcher-model/loader.h"
#include "traces/record.h"

/*
 * 4.4 keeps one struct lguest per Guest and one struct lg_cpu per virtual CPU; lgsim's Guest
 * has one CPU, so both live here, with what lgsim adds: the emulated machine the Host runs on
 * (memory, the CPU, the host routine) and what the traces need.  Nothing of the Launcher's.
 */
struct lguest {
    /* The machine lg.ko runs on, and lg.ko's own pieces in it (build.c). */
    struct phys phys;
    struct cpu cpu;
    struct switcher_image sw;
    struct elf_exec host_elf;
    uint32_t host_run, host_return, host_panic, host_timer, host_entry_ptr;
    uint32_t host_data, host_data_end;   /* the host routine's variables */

    /* struct lguest: the Guest's memory and page tables. */
    uint32_t mem;                 /* bytes of guest RAM (pfn_limit pages) */
    uint32_t guest_bytes;         /* RAM and the device area, as mapped */
    struct shadow shadow;         /* 4.4's pgdirs[] and the pinned stack (mmu/shadow.c) */
    uint32_t lguest_data;         /* guest-physical; 0 until LHCALL_LGUEST_INIT */
    int initialized;
    uint32_t noirq_iret;
    uint32_t next_hcall;          /* the Host's cursor in the async hypercall ring */
    int dead;                     /* lg->dead: reason below */
    int status;                   /* lgsim's exit status for the death (lguest_death) */
    char dead_reason[300];

    /* struct lg_cpu: its registers live in the regs page (guest_regs). */
    uint32_t ss1;                 /* SET_STACK's segment; its esp1 and pages live in shadow,
                                   * which keeps them pinned, and kernel_address too */
    uint32_t idt[256][2];         /* sanitized Guest IDT entries (arch.idt) */
    uint32_t gdt[32][2];          /* the Guest GDT with 4.4's fix-ups (arch.gdt) */
    int changed_idt, changed_gdt, changed_tls;   /* cpu->changed */
    uint32_t cr2;                 /* last page fault address (cpu->arch.last_pagefault) */
    int hcall_pending;            /* cpu->hcall */
    uint32_t ts;                  /* the Guest's virtual CR0.TS (LHCALL_TS) */
    uint32_t irqs_pending;        /* cpu->irqs_pending: bit n = IRQ n */
    uint32_t irqs_masked_noted;   /* held back by blocked_interrupts, already in the trace */
    int halted;                   /* LHCALL_HALT: idle until an interrupt */
    uint64_t clockevent_ns;       /* virtual time the Guest's one-shot timer fires; 0 = off */
    uint64_t next_tick_ns;        /* the host's own periodic timer interrupt */
    uint64_t start_ns;            /* the virtual clock when the CPU starts (lguest_open) */
    struct lguest_pending pending;   /* cpu->pending: for the Launcher */

    /* The Launcher's turn (lguest_run). */
    struct lguest_turn turn;
    unsigned turn_passes;

    /* World switches into traces (switches.c). */
    struct recorder *rec;
    int count_switcher_insns;
    cpu_hook h_switcher;
    uint64_t run_start_ns;        /* the run now going began here (host -> guest) */
    uint64_t trap_ns;             /* when the Guest trapped into the Switcher */
    int entering_unrecorded;      /* the host -> guest record is still to be written */
    int trapped;                  /* this run left the Guest through the Switcher */
    int running;                  /* inside cpu_run: the saved registers are stale */
    int unwinding;                /* lguest_unwind(): this run ends now, its state unused */
    int stopped_inside;           /* a run was stopped on purpose in the Guest or the Switcher,
                                   * between switch_to_guest and the way back (guard.c) */
    int turn_wanted;              /* lguest_want_turn(): the Launcher's turn at the next pass */
    int pieces_kept;              /* lguest_state_pieces_kept() was called (this Host's own:
                                   * not saved, kept across a restore) */
    uint64_t switch_insns_now;
    struct rec_switch entering, leaving;   /* the world switches being recorded */

    struct lguest_counts count;

    /* The containment check (guard.c). */
    uint8_t *host_snapshot;
    int guard_begun, host_checked, host_changed;
    uint32_t host_changed_at;     /* the first changed byte */
    /* Host bytes below the shadow pool a debugger wrote ("monitor host-writes on"), one flag
     * per byte, or NULL: the check names the debugger as their writer, not a bug. */
    uint8_t *debugger_wrote;
    uint32_t debugger_changed, debugger_changed_at;   /* how many of them differ; the first */

    /* A debugger (debug/) is told of every delivery through the IDT; NULL without --gdb. */
    void (*delivery_watcher)(void *ctx, const struct cpu_delivery *d);
    void *delivery_watcher_ctx;
    /* And of every Host write into Guest memory (lguest_write), with the name of the function
     * that made it, and of every Launcher's device's (lguest_wrote, with the device's name;
     * NULL for the Host's): a watchpoint fires on what they write too; NULL without --gdb. */
    void (*write_watcher)(void *ctx, uint32_t gpa, uint32_t len, const char *device,
                          const char *writer);
    void *write_watcher_ctx;
};

/* core.c: the run loop, a Guest's death, and every Host access to Guest memory. */
enum lguest_stop run_guest(struct lguest *lg);
void kill_guest(struct lguest *lg, const char *fmt, ...);
/* A debugger going back in time: the run now going ends at once, and lguest_run() returns
 * LGUEST_INTERRUPTED with lguest_unwound() set; the Launcher then puts an earlier machine in
 * place (the state this run leaves is never used). */
void lguest_unwind(struct lguest *lg);
/* ... or the Launcher's next turn, wherever the Guest is (the machine whole between two runs:
 * a debugger's "monitor save"); nothing the Guest sees changes. */
void lguest_want_turn(struct lguest *lg);
int lguest_read(struct lguest *lg, uint32_t gpa, void *buf, uint32_t len);
int lguest_data_get(struct lguest *lg, uint32_t off, uint32_t *v);
/* A Host write names its writer (lg->write_watcher): these pass the calling function's. */
#define lguest_write(lg, gpa, buf, len) lguest_write_by(lg, gpa, buf, len, __func__)
#define lguest_data_put(lg, off, v) lguest_data_put_by(lg, off, v, __func__)
int lguest_write_by(struct lguest *lg, uint32_t gpa, const void *buf, uint32_t len,
                    const char *writer);
void lguest_data_put_by(struct lguest *lg, uint32_t off, uint32_t v, const char *writer);
uint32_t guest_fetch(struct lguest *lg, uint32_t eip, uint8_t *buf, uint32_t max);
uint8_t *guest_regs(struct lguest *lg);
uint32_t reg_get(struct lguest *lg, int off);
void reg_set(struct lguest *lg, int off, uint32_t v);

/* build.c: the machine lg.ko runs on, and the CPU started in the host's ring 0. */
int build_host(struct lguest *lg, const struct lguest_open *o, char *err, size_t errlen);
int start_host_cpu(struct lguest *lg, char *err, size_t errlen);

/* x86_core.c: one trip into the Guest and back, and what the exit means. */
void run_guest_once(struct lguest *lg);
void copy_in_guest_info(struct lguest *lg);
void lguest_arch_handle_trap(struct lguest *lg);
void lguest_arch_setup_regs(struct lguest *lg, uint32_t start);

/* switches.c: the world switches as traces see them. */
void switches_hook(struct lguest *lg);
void switch_entering(struct lguest *lg);
void switch_left(struct lguest *lg);
void record_entering(struct lguest *lg);
void on_watched(void *ctx, uint32_t eip, uint64_t now);
void on_delivered(void *ctx, const struct cpu_delivery *d);

/* hypercalls.c */
void do_hypercalls(struct lguest *lg);

/* interrupts_and_traps.c: the Guest's IDT, reflected traps, virtual interrupts and timers. */
int deliver_trap(struct lguest *lg, unsigned num);
void load_guest_idt_entry(struct lguest *lg, uint32_t num, uint32_t lo, uint32_t hi);
void copy_traps(struct lguest *lg, uint8_t *idt);
void write_timestamp(struct lguest *lg);
void set_interrupt(struct lguest *lg, unsigned irq);
unsigned interrupt_pending(struct lguest *lg);
void try_deliver_interrupt(struct lguest *lg, unsigned irq);
void guest_set_clockevent(struct lguest *lg, uint32_t delta_ns);
void arm_timers(struct lguest *lg);
int fire_timers(struct lguest *lg, uint64_t now);
void on_deadline(void *ctx, uint64_t now);

/* segments.c: the Guest's GDT and TLS. */
void setup_guest_gdt(struct lguest *lg);
void load_guest_gdt_entry(struct lguest *lg, uint32_t num, uint32_t lo, uint32_t hi);
void guest_load_tls(struct lguest *lg, uint32_t gtls);
void copy_gdt(struct lguest *lg);
void copy_gdt_tls(struct lguest *lg);

/* guard.c: host memory the Guest must never change. */
uint32_t host_guard_size(void);
void host_guard_begin(struct lguest *lg);
int host_guard_end(struct lguest *lg);
void host_guard_free(struct lguest *lg);
/* A debugger wrote host-physical [pa, pa + len): 0, or -1 when out of memory to note it. */
int host_guard_debugger_wrote(struct lguest *lg, uint32_t pa, uint32_t len);
#endif
