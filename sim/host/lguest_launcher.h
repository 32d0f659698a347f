/* lguest_launcher.h - the door: all the Launcher may ask of the Host, as 4.4's /dev/lguest does. */
#ifndef LGSIM_LGUEST_LAUNCHER_H
#define LGSIM_LGUEST_LAUNCHER_H
#include <signal.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Linux 4.4's Launcher (tools/lguest/lguest.c) drives lg.ko through one character device: it
 * writes requests (LHREQ_INITIALIZE, LHREQ_IRQ, LHREQ_GETREG, LHREQ_SETREG, LHREQ_TRAP;
 * include/linux/lguest_launcher.h) and read()s, which runs the Guest until something needs
 * the Launcher (drivers/lguest/lguest_user.c read() -> core.c run_guest()).  lgsim's launcher
 * (sim/launcher/) reaches the Host (sim/host/) only through the calls below, with 4.4's
 * refusals, so its emulation can do no more than the real one could.  Where lgsim needs
 * something 4.4 has no request for (a virtual clock, a death report), the call says so.
 */
struct lguest;      /* the Host's state for one Guest (lg.h); the Launcher only holds it */
struct recorder;    /* traces/record.h */

/* --- opening /dev/lguest --- */

struct lguest_open {
    uint32_t guest_bytes;         /* the Guest's memory: RAM and the device area above it */
    const uint8_t *switcher_obj;  /* NULL: lgsim's own Switcher */
    size_t switcher_len;
    const char *switcher_name;    /* for messages; NULL: "built-in Switcher" */
    struct recorder *rec;         /* where the Host's records go (it may have no trace) */
    int count_switcher_insns;     /* --trace-switches: count the Switcher's instructions */
    uint64_t clock_ns;            /* the virtual clock when the Guest starts: 0, or where a
                                   * restarted Guest's machine was (4.4's launcher re-executes
                                   * itself, and the host's clock and TSC keep running) */
};

/* lg.ko loaded and /dev/lguest opened: the host's own tables, its ring-0 routine and the
 * Switcher's pages are in place.  NULL with the reason when that fails. */
struct lguest *lguest_open(const struct lguest_open *o, char *err, size_t errlen);
void lguest_close(struct lguest *lg);

/* Guest-physical 0 as the Launcher sees it.  4.4's launcher mmap()s the Guest's memory itself
 * and tells LHREQ_INITIALIZE where; lgsim's Host owns the emulated machine's memory, so the
 * Launcher asks for it instead.  Every store the Launcher makes through it is told: a
 * device's with lguest_wrote(), the kernel's, initrd's and boot parameters' with
 * lguest_loaded() (time travel compares only the pages told of since the last checkpoint). */
uint8_t *lguest_guest_base(struct lguest *lg);
/* The Launcher put [gpa, gpa+len) in place before the Guest ran (lgsim's own). */
void lguest_loaded(struct lguest *lg, uint32_t gpa, uint32_t len);

/* LHREQ_INITIALIZE: RAM is pfn_limit pages, the Guest starts at 'start', the device area ends
 * at device_limit (pages).  Sets up the shadow page tables in linear mode, the CPU and the
 * Guest's first registers (4.4 lguest_user.c initialize()).  0, or -1 with the reason. */
int lguest_initialize(struct lguest *lg, uint32_t pfn_limit, uint32_t start,
                      uint32_t device_limit, char *err, size_t errlen);

/* --- write(): the requests after LHREQ_INITIALIZE --- */

/* LHREQ_GETREG / LHREQ_SETREG name a register by its offset in i386 struct pt_regs (the
 * layout of userspace's user_regs_struct); 4.4's lguest_arch_regptr() maps it. */
enum pt_regs_offset {
    PT_EBX = 0, PT_ECX = 4, PT_EDX = 8, PT_ESI = 12, PT_EDI = 16, PT_EBP = 20, PT_EAX = 24,
    PT_DS = 28, PT_ES = 32, PT_FS = 36, PT_GS = 40, PT_ORIG_EAX = 44, PT_EIP = 48, PT_CS = 52,
    PT_EFLAGS = 56, PT_ESP = 60, PT_SS = 64,
};

#define LHREQ_ENOENT (-2)    /* Linux's errno values, as the launcher would see them */
#define LHREQ_EINVAL (-22)

int lhreq_getreg(struct lguest *lg, uint32_t pt_off, uint32_t *val);   /* 0 or -ENOENT */
int lhreq_setreg(struct lguest *lg, uint32_t pt_off, uint32_t val);    /* 0 or -ENOENT */
int lhreq_trap(struct lguest *lg, uint32_t trap);                      /* 0 or -EINVAL */
int lhreq_irq(struct lguest *lg, uint32_t irq);                        /* 0 or -EINVAL */

/* --- read(): run the Guest --- */

/* What the Host hands the Launcher to emulate: trap 13, the instruction at the Guest's EIP;
 * trap 14, an access to the device area at guest-physical addr (4.4 lguest_launcher.h). */
struct lguest_pending { uint8_t trap; uint8_t insn[7]; uint32_t addr; };

/* When the Launcher wants its turn back while the Guest runs.  4.4's run_guest() returns
 * -ERESTARTSYS on a signal; lgsim's launcher is one thread, so it also names a virtual time
 * (--max-time, where a replayed run was stopped) and, while it watches a terminal, a number of
 * passes of the run loop after which it reads the keys typed meanwhile. */
struct lguest_turn {
    const volatile sig_atomic_t *signal;   /* non-zero: a stop signal arrived */
    uint64_t at_ns;                        /* UINT64_MAX: none */
    unsigned every_passes;                 /* 0: none */
};

enum lguest_stop {
    LGUEST_PENDING,       /* 4.4's read() returning sizeof(struct lguest_pending) */
    LGUEST_HALTED,        /* halted with nothing to deliver: 4.4 sleeps inside read() until a
                           * timer or LHREQ_IRQ wakes it; lgsim's Launcher waits for input or
                           * lets the virtual clock jump (lguest_sleep) */
    LGUEST_INTERRUPTED,   /* 4.4's -ERESTARTSYS: the Launcher's turn (struct lguest_turn) */
    LGUEST_DEAD,          /* 4.4's -ENOENT (or -ERESTART): lguest_death() says why */
};

/* 4.4 lguest_user.c read(): acknowledge the last pending exit, then run_guest() until the
 * Launcher is needed.  *pending is filled for LGUEST_PENDING. */
enum lguest_stop lguest_run(struct lguest *lg, const struct lguest_turn *turn,
                            struct lguest_pending *pending);

/* --- what lgsim's virtual clock needs (4.4 has no request for these) --- */

/* The virtual clock, in ns: the Launcher's records and its devices' timers run on it. */
uint64_t lguest_time(const struct lguest *lg);
/* When the Guest's one-shot timer (LHCALL_SET_CLOCKEVENT) fires; 0 when none is armed. */
uint64_t lguest_clockevent(const struct lguest *lg);
/* The halted Guest sleeps until virtual time 'wake' (the clock jumps there: nothing runs
 * meanwhile) and the timers due then fire, as 4.4's hrtimer would wake it. */
void lguest_sleep(struct lguest *lg, uint64_t wake);

/* --- what lgsim's CPU needs (4.4 has no request for this) --- */

/* The Launcher wrote Guest memory [gpa, gpa+len) (a device filling a buffer the Guest gave
 * it), in its device named device, in the function writer.  In 4.4 those are ordinary stores
 * into memory the Launcher mmap()ed, and the processor running the Guest sees them like any
 * other processor's stores, in code as in data; lgsim's CPU keeps translations of code, so it
 * is told, and so are a debugger's watchpoints (a data breakpoint fires on another
 * processor's store too).  A range outside Guest memory is ignored. */
void lguest_wrote(struct lguest *lg, uint32_t gpa, uint32_t len, const char *device,
                  const char *writer);

/* --- what a dead Guest leaves for the death report (4.4 gives only the reason) --- */

struct lguest_death {
    const char *reason;   /* 4.4: what read() returns once the Guest is dead; NULL: alive */
    int status;           /* lgsim's exit status for it: 0 powered off, 1 killed or crashed,
                           * 2 the Host itself failed (a bug in lgsim), 4 restart */
    uint32_t trapnum;     /* the trap the Guest last left through (0x1f: a hypercall) */
    uint32_t bad_entry;   /* for "bad page table entry": the entry */
    uint32_t lguest_data; /* guest-physical; 0 before LHCALL_LGUEST_INIT */
};
struct lguest_death lguest_death(const struct lguest *lg);
/* Up to max bytes at guest-virtual va through the Guest's own page tables (the Launcher has
 * only pending.insn in 4.4; lgsim's death report reads the code and stack); how many. */
uint32_t lguest_read_virtual(struct lguest *lg, uint32_t va, uint8_t *buf, uint32_t max);

/* --- lgsim's time travel (4.4 has none): the Host's whole state between two runs --- */

/* The Guest, the machine it runs on (CPU and memory) and the Host's own state, as bytes; a
 * restore goes into a Host opened and initialized the same way (same memory, same Switcher)
 * and is refused (-1) when the size says it is not. */
size_t lguest_state_size(const struct lguest *lg);
void lguest_state_save(struct lguest *lg, uint8_t *out);
int lguest_state_restore(struct lguest *lg, const uint8_t *in, size_t len);
/* The pieces lguest_state_save() would copy, in order, without copying them (checkpoints
 * compare them with the last one's); how many, or -1. */
int lguest_state_pieces(struct lguest *lg, const uint8_t **p, size_t *n, int max);
/* The same pieces to write a checkpoint into, holding the state as it is now; then
 * lguest_state_pieces_restored() makes what was written the Host's state (0, or -1). */
int lguest_state_pieces_for_restore(struct lguest *lg, uint8_t **p, size_t *n, int max);
int lguest_state_pieces_restored(struct lguest *lg);
/* Which 4 KiB pages of each piece may differ from what they were at the last
 * lguest_state_pieces_kept() (the caller kept a copy of the pieces then) or, before any
 * (*since_open = 1), from zeros: one byte a page, non-zero when it may, or NULL for a piece
 * that may differ anywhere; how many pieces, or -1.  After a restore, every page may. */
int lguest_state_pieces_changed(struct lguest *lg, const uint8_t **changed, int max,
                                int *since_open);
void lguest_state_pieces_kept(struct lguest *lg);
/* The run was ended by a debugger going back in time (lguest_unwind()): the machine as it is
 * must not be kept, saved or run on; the Launcher restores a checkpoint. */
int lguest_unwound(const struct lguest *lg);
/* FNV-1a 64 of the CPU's state and all of the machine's memory: equal hashes, same machine. */
uint64_t lguest_machine_hash(struct lguest *lg);
/* Which CPU engine and layout the bytes are for (a saved machine pins it). */
void lguest_engine_id(const struct lguest *lg, char *out, size_t len);

/* What the Host counted, for the run's summary and the tests. */
struct lguest_counts {
    uint64_t n_runs, n_hypercalls, n_traps_reflected, n_host_irqs;
    uint64_t n_irqs_delivered, n_irqs_deferred, n_halts, n_idle_ns;
    uint64_t n_exits[257];        /* world switches back to the host, by trap number */
    uint64_t n_hcall[32];         /* hypercalls by number (trapping and async) */
    uint64_t n_pf_fixed, n_pf_reflected, n_pf_io;
    uint64_t n_switch_insns;      /* with count_switcher_insns */
};
const struct lguest_counts *lguest_counts(const struct lguest *lg);

/* The containment check, after the run: host memory outside the Guest's is what it was when
 * the Guest first ran.  1 unchanged, 0 not checked (the Guest never ran), -1 changed at
 * *changed_at.  *compared: the bytes compared. */
int lguest_contained(struct lguest *lg, uint32_t *changed_at, uint32_t *compared);
/* After lguest_contained(): how many bytes of host memory a debugger changed with "monitor
 * host-writes on" (not counted as a containment failure), the first at *first. */
uint32_t lguest_debugger_changed(const struct lguest *lg, uint32_t *first);
#endif
