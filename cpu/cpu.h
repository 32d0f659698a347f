/* cpu.h - an honest i386 on Unicorn: rings, IDT delivery, I/O permission, deterministic time. */
#ifndef LGSIM_CPU_H
#define LGSIM_CPU_H
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <capstone/capstone.h>
#include "mmu/phys.h"
#include "mmu/walk.h"

/* @tour Preparation 10: An i386 that keeps the rules
 * Everything in this tour runs on one emulated i386.  lguest lives at the boundaries between
 * privilege levels (a Guest kernel in ring 1, its programs in ring 3, the Host in ring 0), and
 * those are exactly where Unicorn cuts corners: it never delivers an exception through the
 * IDT, never checks I/O permission, never switches stacks through the TSS.  cpu/ puts those
 * rules back (Intel SDM vol. 3, chapters 5 and 6), and this header is all the rest of lgsim
 * sees of it: registers by name, cpu_run(), a virtual clock that advances one nanosecond per
 * byte of code, and hooks for the traces and the debugger.  The Mastery chapter comes back to
 * how a fault is delivered.
 */
/*
 * Unicorn executes instructions, but it never delivers an exception or interrupt through the
 * IDT, never checks I/O permission, lets consecutive faults turn into #DF and a silent triple
 * fault, reads the host's TSC, and has no way to inject an interrupt.  This layer closes those
 * gaps so that what the emulated program sees is what an i386 would do (Intel SDM vol. 3,
 * chapters 5 and 6).  See cpu/README.md for the reading order.
 *
 * Only cpu/ names Unicorn: this header is what the rest of lgsim sees (registers by lgsim's own
 * names, hooks, the virtual clock), and cpu/private.h is what the files of cpu/ share.
 */

/*
 * Registers, for cpu_get() and cpu_set().  The numbers are Unicorn's own register ids, so cpu/
 * hands them straight through; cpu/private.h checks each one against Unicorn's header.
 */
enum cpu_reg {
    CPU_REG_CS = 11, CPU_REG_DS = 17, CPU_REG_EAX = 19, CPU_REG_EBP = 20, CPU_REG_EBX = 21,
    CPU_REG_ECX = 22, CPU_REG_EDI = 23, CPU_REG_EDX = 24, CPU_REG_EFLAGS = 25, CPU_REG_EIP = 26,
    CPU_REG_ES = 28, CPU_REG_ESI = 29, CPU_REG_ESP = 30, CPU_REG_FPSW = 31, CPU_REG_FS = 32,
    CPU_REG_GS = 33, CPU_REG_SS = 49, CPU_REG_CR0 = 50, CPU_REG_CR2 = 52, CPU_REG_CR3 = 53,
    CPU_REG_CR4 = 54, CPU_REG_ST0 = 114, CPU_REG_IDTR = 242, CPU_REG_GDTR = 243,
    CPU_REG_LDTR = 244, CPU_REG_TR = 245, CPU_REG_FPCW = 246, CPU_REG_FPTAG = 247,
    CPU_REG_FIP = 254, CPU_REG_FOP = 258,
};

/* Where in Unicorn's private CPU state (a uc_context blob) the fields we need live.  They differ
 * between Unicorn versions, so cpu_open() measures them with a self-test (calibrate.c). */
struct cpu_layout {
    size_t ctx_size;
    size_t regs;            /* env->regs[0] (EAX) */
    size_t hflags;          /* env->hflags: CPL in bits 0-1, interrupt shadow in bit 3 */
    size_t error_code;      /* env->error_code of the exception in flight */
    size_t is_int;          /* env->exception_is_int: 1 for INT n / INT3 / INTO */
    size_t old_exception;   /* env->old_exception: what makes QEMU escalate to #DF */
};

/* How an event reached the CPU; it decides the saved EIP and the gate DPL check. */
enum cpu_event_kind {
    EV_FAULT,    /* saved EIP = the faulting instruction */
    EV_TRAP,     /* saved EIP = the next instruction (#DB single step, I/O-less traps) */
    EV_SOFTINT,  /* INT n, INT3, INTO: gate DPL must be >= CPL */
    EV_EXTINT,   /* external interrupt, between instructions */
};

struct cpu_event {
    uint8_t vector;
    uint8_t kind;          /* enum cpu_event_kind */
    uint8_t has_error;
    uint8_t insn_len;      /* EV_SOFTINT: length of the INT instruction */
    uint32_t error;
    uint32_t eip;          /* the EIP the frame will hold */
};

/* What one delivery did: handed to the delivered() hook (tracing, tests). */
struct cpu_delivery {
    struct cpu_event ev;
    uint32_t from_cs, from_ss, from_esp, from_eflags, from_cpl;
    uint32_t to_cs, to_ss, to_esp, to_eip, to_eflags, to_cpl;
    uint32_t cr2;
    uint32_t frame[7];     /* the frame as pushed, lowest address first */
    int frame_words;
    int nested;            /* >0 when this is a fault raised while delivering another */
};

enum cpu_stop {
    CPU_STOP_UNTIL,        /* reached the 'until' address */
    CPU_STOP_HLT,          /* HLT at CPL 0 */
    CPU_STOP_BUDGET,       /* the virtual-time budget ran out */
    CPU_STOP_SHUTDOWN,     /* triple fault: the processor shuts down */
    CPU_STOP_BUS_ERROR,    /* an access to a physical address with no memory */
    CPU_STOP_REQUEST,      /* a hook asked to stop (cpu_request_stop) */
    CPU_STOP_ERROR,        /* something this model does not support; see stop_msg */
    CPU_STOP_NO_PROGRESS,  /* code retranslated without end (progress.c) */
    CPU_STOP_STALLED,      /* the virtual clock stood still for seconds of wall time */
};

struct cpu_hooks {
    void *ctx;
    /* Port I/O that the permission check allowed. */
    uint32_t (*io_in)(void *ctx, uint16_t port, int size);
    void (*io_out)(void *ctx, uint16_t port, int size, uint32_t val);
    /* After every delivery through the IDT. */
    void (*delivered)(void *ctx, const struct cpu_delivery *d);
    /* The virtual clock reached cpu.deadline. */
    void (*deadline)(void *ctx, uint64_t now_ns);
    /* A block starting at cpu.watch_addr is about to run (tracing: a fault's retry). */
    void (*watched)(void *ctx, uint32_t eip, uint64_t now_ns);
};

/*
 * A debugger pauses the CPU between two instructions (pause.c).  Time is charged a whole block
 * at a time when the block starts, and a run resumed in the middle of a block makes Unicorn
 * start a new, shorter block there; so the pause remembers how far the clock already paid, and
 * the resumed block is not charged again nor made a point where timers and interrupts are
 * checked.  The guest sees the same clock and the same interrupt points as in an undebugged run.
 */
struct cpu_pause {
    void (*paused)(void *ctx);   /* the CPU stands at EIP: the debugger's turn */
    void *ctx;
    int on;                      /* a debugger is attached: every block takes the slow path */
    atomic_int attention;        /* set from any thread: pause before the next block */
    int pending;                 /* this run was stopped for a pause */
    uint32_t at;                 /* EIP where the CPU paused */
    uint32_t paid_end;           /* the clock has charged the code up to here */
    uint32_t block_end;          /* end of the block running now, as far as it was charged */
    int resuming;                /* the next block, at 'at', is already paid for */
    uint64_t before_ns;          /* with 'on': pause before the first block whose start puts
                                  * the clock at or past this, as 'attention' does (0: none) */
    uint64_t n_pauses, n_regrown;   /* regrown: resumed blocks that ran past the paid end */
};

/* A hook someone outside cpu/ asked for (cpu_hook_code, cpu_hook_mem). */
typedef int cpu_hook;
typedef void (*cpu_code_fn)(void *ctx, uint32_t addr, uint32_t size);
typedef void (*cpu_mem_fn)(void *ctx, int is_write, uint32_t paddr, int size);
#define CPU_USER_HOOKS 64
struct cpu_user_hook {
    cpu_code_fn code;
    cpu_mem_fn mem;
    void *ctx;
    size_t engine_hook;        /* Unicorn's handle; 0 when the slot is free */
};

#define CPU_IO_MEMO 32
#define CPU_IO_MEMO_BYTES 64
struct cpu {
    void *uc;                  /* the Unicorn engine: only cpu/ touches it */
    struct phys *phys;
    struct cpu_hooks hooks;
    struct cpu_layout lay;
    void *ctx;                 /* scratch context for reading/patching private state */
    int ctx_fresh;             /* ctx holds the CPU's state as it is now (see cpu_force_cpl) */
    int ud_is_ours;            /* Unicorn >= 2.1.2 drops a #UD its hook handled: on_invalid delivers */
    csh dis;                   /* Capstone, with operand details, for the trap paths */

    /* Deterministic virtual time: one nanosecond per byte of code executed. */
    uint64_t now_ns;
    uint64_t deadline;         /* call hooks.deadline when now_ns reaches it */
    uint64_t budget_end;       /* stop cpu_run here (UINT64_MAX: never) */
    uint64_t next_check;       /* min of the above, or 0 when an interrupt waits */
    uint64_t tsc_per_ns_num;   /* TSC = now_ns * num / den */
    uint64_t tsc_per_ns_den;

    uint32_t irq_pending[8];   /* external interrupt vectors waiting for IF */

    /* For traces, and free when unused: the time the last block inside [mark_lo, mark_lo +
     * mark_size) ended (how long the Switcher ran), and one address to report reaching. */
    uint32_t mark_lo, mark_size;
    uint64_t mark_end_ns;
    uint64_t watch_addr;       /* UINT64_MAX: nothing watched */
    int in_mark;               /* the last block was inside the marked range */

    /* The null-FS/GS guard (segment.c): where the hidden base of a null FS or GS points, and
     * whether the next block leaving the marked range (the Switcher) should apply it. */
    uint32_t null_seg_poison;  /* 0: no guard */
    unsigned guard_pending;    /* null segments to guard: 1 FS, 2 GS */

    /* A denied IN/OUT is turned into a precise #GP: see io.c. */
    int io_denied;
    uint32_t cur_block;        /* linear address of the block now executing */
    uint32_t io_block;
    uint32_t io_saved_dr6;
    struct cpu_io_memo {       /* a block's bytes and its I/O instruction, decoded (io.c) */
        uint32_t start, len, found;
        uint8_t code[CPU_IO_MEMO_BYTES];
    } io_memo[CPU_IO_MEMO];
    unsigned io_memo_next;     /* the entry the next new block replaces */

    uint32_t last_until;       /* the stop address translated code knows about (cpu_run) */
    int cr4_tsd;               /* CR4.TSD as software set it; the hardware bit is always on */
    uint32_t cr2;              /* CR2 as the last #PF or cpu_set() left it (see segment.c) */
    int stopping;
    enum cpu_stop stop;
    char stop_msg[200];
    uint32_t bus_addr;

    struct cpu_pause pause;    /* all zero without a debugger: costs nothing then */

    /* The instructions Unicorn gets wrong, hooked where they stand (sites.c). */
    struct cpu_sites *sites;
    unsigned sites_due;        /* work for the next block start (private.h SITES_DUE_*) */
    int sites_stop;            /* the engine stopped to drop all site hooks */
    size_t h_edge;
    uint64_t n_translations;   /* blocks Unicorn translated */
    uint64_t n_site_resets, n_vm_refused;

    /* Every run ends (progress.c): translations per window of virtual time, and a watchdog
     * thread that stops an engine whose clock stands still. */
    uint64_t tr_window_start, tr_window_n, tr_at_flush, n_buffer_flushes;
    uint64_t *recent_pc;               /* addresses translated lately (progress.c) */
    uint8_t *code_pages;               /* physical pages translations were made from (code.c) */
    uint64_t n_code_drops;
    struct watchdog *watchdog;
    atomic_uint_fast64_t clock_seen;   /* virtual time as the CPU last noted it */
    atomic_int in_engine;              /* uc_emu_start is running */
    atomic_int stalled;                /* the watchdog stopped the engine */
    uint64_t last_seen;                /* the watchdog's own */
    unsigned still_s, stall_limit_s;

    uint64_t n_deliveries, n_blocks, n_io_gp, n_rdtsc, n_cpuid;
    size_t h_intr, h_block, h_in, h_out, h_invalid, h_unmapped, h_cpuid;   /* cpu/'s own hooks */
    struct cpu_user_hook user_hooks[CPU_USER_HOOKS];
};

int cpu_open(struct cpu *c, struct phys *phys, const struct cpu_hooks *hooks,
             char *err, size_t errlen);
void cpu_close(struct cpu *c);

/* Run from eip until 'until' is about to execute (or another stop).  With CPU_RUN_TO_HLT the
 * run ends only at a HLT in ring 0 (or another stop): cheaper, because Unicorn drops the
 * translated code at a stop address after every run and must translate it again. */
enum cpu_stop cpu_run(struct cpu *c, uint32_t eip, uint32_t until);
#define CPU_RUN_TO_HLT 0u
const char *cpu_stop_name(enum cpu_stop s);
void cpu_request_stop(struct cpu *c, enum cpu_stop why, const char *msg);

/* Registers (enum cpu_reg). */
uint32_t cpu_get(struct cpu *c, int reg);
void cpu_set(struct cpu *c, int reg, uint32_t val);
void cpu_set_table(struct cpu *c, int reg, uint32_t base, uint32_t limit);   /* GDTR/IDTR */
void cpu_get_table(struct cpu *c, int reg, uint32_t *base, uint32_t *limit);
void cpu_set_tr(struct cpu *c, uint16_t sel, uint32_t base, uint32_t limit);
static inline int cpu_cpl(struct cpu *c) { return (int)(cpu_get(c, CPU_REG_CS) & 3); }
void cpu_paging(struct cpu *c, struct paging *pg);
/* CR4 as software sees it (TSD is virtualized: see cpu_try_emulate_rdtsc). */
void cpu_set_cr4(struct cpu *c, uint32_t cr4);

/* Enter ring (ss & 3) with these selectors, as a far transfer would: loads CS, SS, DS, ES, FS,
 * GS from the GDT and sets CPL.  Used to start programs and by delivery. */
int cpu_load_segments(struct cpu *c, uint16_t cs, uint16_t ss, uint16_t ds, uint32_t esp);

/* Interrupts and time. */
void cpu_raise_irq(struct cpu *c, uint8_t vector);
int cpu_irq_is_pending(const struct cpu *c, uint8_t vector);
void cpu_set_deadline(struct cpu *c, uint64_t when_ns);
void cpu_set_budget(struct cpu *c, uint64_t ns_from_now);
uint64_t cpu_tsc(const struct cpu *c);
int cpu_interrupt_shadow(struct cpu *c);

/* The fixed CPUID every program sees (cpuid.c). */
void cpu_cpuid(uint32_t leaf, uint32_t subleaf, uint32_t out[4]);

/* Deliver an event through the IDT exactly as the CPU would (deliver.c). */
int cpu_deliver(struct cpu *c, const struct cpu_event *ev);

/* Host-side writes: page-table edits become visible to the CPU at its next CR3 load or INVLPG
 * (every world switch loads CR3), or at once after cpu_flush_tlb(); code the CPU may already
 * have translated must be announced with cpu_code_changed(). */
void cpu_flush_tlb(struct cpu *c);
void cpu_code_changed(struct cpu *c);
/* The host wrote [host, host + len) of emulated memory between two runs: translations of code
 * there are dropped, so the program sees the write as it would a store (code.c). */
void cpu_host_wrote(struct cpu *c, const void *host, uint32_t len);

/* Hooks for the host's traces and the debugger (hooks.c).  A code hook runs before each
 * instruction in [begin, end] (begin > end: everywhere); a memory hook after each data read or
 * write, with its physical address.  0, or -1 when no hook could be made.  Deleting them
 * leaves what the program sees alone (Unicorn's own deletion may not: see hooks.c); all
 * translated code is dropped. */
int cpu_hook_code(struct cpu *c, cpu_hook *h, uint32_t begin, uint32_t end, cpu_code_fn fn,
                  void *ctx);
int cpu_hook_mem(struct cpu *c, cpu_hook *h, cpu_mem_fn fn, void *ctx);
void cpu_hooks_del(struct cpu *c, const cpu_hook *h, int n);

/* What Unicorn keeps only in its private state, read for the debugger (context.c).  The
 * hidden base and limit of CPU_REG_CS, SS, DS, ES, FS or GS: 0, or -1 when they cannot be
 * trusted; the selector of CPU_REG_TR or CPU_REG_LDTR; x87 register STi as 10 bytes; an x87
 * control register (CPU_REG_FPCW, FPSW, FPTAG, FIP, FOP). */
int cpu_segment_cache(struct cpu *c, int seg, uint32_t *base, uint32_t *limit);
uint16_t cpu_system_selector(struct cpu *c, int reg);
void cpu_get_st(struct cpu *c, int i, uint8_t out[10]);
uint32_t cpu_get_fpu(struct cpu *c, int reg);

/* Linear-address access as the CPU would make it at the current CPL and paging state. */
int cpu_read_linear(struct cpu *c, uint32_t la, void *buf, uint32_t len);

/* The debugger's pauses (pause.c).  cpu_pause_now() is called from a code hook: the CPU
 * stops before the instruction at eip.  cpu_pause_attention() may be called from any thread:
 * the CPU stops before the next block it starts. */
void cpu_pause_now(struct cpu *c, uint32_t eip);
/* Pause before the first block whose start puts the clock at ns or past it (0: none), as
 * cpu_pause_attention() pauses; blocks before it need not take the slow path. */
void cpu_pause_before(struct cpu *c, uint64_t ns);
void cpu_pause_attention(struct cpu *c);

/* The CPU's whole state between two runs (snapshot.c): Unicorn's registers and caches of
 * segments, and cpu/'s clock and interrupts; a restore keeps the hooks and drops translated
 * code.  The bytes are for this build of lgsim on this Unicorn (cpu_engine_id says which). */
size_t cpu_state_size(const struct cpu *c);
void cpu_state_save(struct cpu *c, uint8_t *out);
/* The same bytes without cpu/'s counts and with the flags in one form: equal for equal
 * machines however they got there (a hash of the machine; snapshot.c). */
void cpu_state_save_machine(struct cpu *c, uint8_t *out);
void cpu_state_restore(struct cpu *c, const uint8_t *in);
void cpu_engine_id(const struct cpu *c, char *out, size_t len);
/* Point the hidden base of a null FS or GS at null_seg_poison (CPL > 0 only); the host does
 * it through guard_pending, tests call it directly (segment.c). */
void cpu_guard_null_segments(struct cpu *c);

#define EFLAGS_TF  0x00000100u
#define EFLAGS_IF  0x00000200u
#define EFLAGS_IOPL 0x00003000u
#define EFLAGS_NT  0x00004000u
#define EFLAGS_RF  0x00010000u
#define EFLAGS_VM  0x00020000u
#endif
