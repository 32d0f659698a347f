/* control.h - the machine-control interface: pause, step, run until an event, read the machine. */
#ifndef LGSIM_CONTROL_H
#define LGSIM_CONTROL_H
#include <stddef.h>
#include <stdint.h>
#include "cpu/cpu.h"
#include "sim/symbols.h"
#include "traces/format.h"
#include "debug/control_regs.h"

/*
 * One implementation, two clients: the gdb stub (debug.c) and the live window (ui/live.c).
 * A client is told when the CPU stands between two instructions (paused) and of every trace
 * record as it is written (record); while paused it reads registers and memory here and says
 * how the machine is to go on (continue, step, run until an event, run n instructions) before
 * it returns.  Breakpoints, watchpoints and steps are CPU hooks, never writes into guest memory
 * (points.c); a controlled run keeps the uncontrolled run's clock and trace (cpu/pause.c).
 *
 * Only one client at a time: the CPU has one pause callback and the recorder one tap.
 */
struct lguest;

#define CONTROL_MAX_POINTS 32
#define CONTROL_GOING_EVERY 65536u

enum point_kind { PT_EXEC, PT_WRITE, PT_READ, PT_ACCESS };
struct point { int kind; uint32_t addr, len; };

/* Where memory reads and writes go (views.c). */
enum view { VIEW_CURRENT, VIEW_PHYSICAL, VIEW_HOST, VIEW_SHADOW, VIEW_GUEST };

/* What the next run goes on to: the first instruction after the event. */
enum until { UNTIL_NONE, UNTIL_SWITCH, UNTIL_PF, UNTIL_HCALL, UNTIL_RT_END };

/* The four worlds, as the CPU is in them now. */
enum control_world { CW_HOST, CW_SWITCHER, CW_KERNEL, CW_USER, CW_RING2 };

/* Why the CPU stopped last (a client asked for it, or something else wanted attention). */
enum control_stop { CS_ATTENTION, CS_STEP, CS_UNTIL, CS_BREAKPOINT, CS_WATCH, CS_BUDGET,
                    CS_TRAVEL };   /* arrived where control_back() or ..._reverse_continue() went */

/* The checkpoints a client can go back to (the Launcher's, sim/launcher/timetravel.c): how
 * many, the first that can be put back (none before input was given), when each was taken
 * (virtual ns), and one of them put in place of the machine. */
struct control_checkpoints {
    void *ctx;
    int (*count)(void *ctx);
    int (*first)(void *ctx);
    uint64_t (*time)(void *ctx, int i);
    int (*restore)(void *ctx, int i, char *err, size_t errlen);
};

/* Going back (travel.c).  A place in the run is a checkpoint and how many instructions the CPU
 * began after it: every instruction the CPU starts counts once, in the host, the Switcher and
 * the Guest alike (one that faults too: the delivery's first instruction is the next).  The
 * machine is put back at the checkpoint and runs forward, deterministically, to the place: a
 * "measure" pass first finds how many instructions after the checkpoint the CPU is now, an
 * "arrive" pass stops at the place wanted. */
enum travel_phase { TR_IDLE, TR_MEASURE, TR_ARRIVE, TR_TURN };
#define TRAVEL_TO_EVENT 2            /* to_hit: back to an event, not a breakpoint */
#define CONTROL_BACK_EVENTS 4096     /* the most events control_back_to_event goes back over */
struct control_travel {
    enum travel_phase phase;
    int from;                        /* the checkpoint this pass started from */
    uint64_t n;                      /* instructions begun in this pass so far */
    uint64_t pass_deliveries;        /* the control's n_deliveries when this pass began: a
                                      * delivery since lies between its checkpoint and here */
    int done;                        /* the pass stopped where it was going */
    int restore_due;                 /* the Launcher is to put checkpoint 'from' in place */
    /* TR_MEASURE: where the CPU was (the clock, the next instruction; exact 0: paused before
     * a block that had not been charged, so the next instruction comes later than now_ns) */
    uint64_t now_ns;
    uint32_t eip;
    int exact;
    int seg_end;                     /* TR_MEASURE: the pass ends at this checkpoint's turn
                                      * (where the later pass began); -1: at where the CPU was */
    uint64_t back;                   /* instructions to go back (still to find before the
                                      * passes made so far); or */
    int to_hit;                      /* back to the last breakpoint or watchpoint hit */
    int have_hit;
    uint64_t hit_n;
    enum control_stop hit_kind;
    char hit_info[48];
    char hit_note[200];              /* the Host's write that hit, as stop_note says it */
    uint64_t last_guest_n;           /* reverse continue: the last Guest instruction begun */
    int seen_guest;
    uint64_t target;                 /* TR_ARRIVE: stop before this instruction */
    char arrive_info[64];            /* what the arrival says (gdb's stop reply) */
    char arrive_note[200];           /* ... and its line for the client (stop_note) */
    enum control_stop arrive_stop;
    int here_known;                  /* the CPU stands at instruction here_n after here_cp */
    int here_cp;
    uint64_t here_n;
    /* Going back a few instructions counts them from a little before here, not from the
     * checkpoint: a pass runs without the every-instruction hook until the CPU stops before
     * the first block that puts the clock at base_ns or past it (cpu pause.before_ns), and
     * counts from there; 0: from the checkpoint.  here_base is here_n's. */
    uint64_t base_ns, here_base;
    int fast;                        /* on the way to base_ns, nothing counted yet */
    /* back to an event (to_hit == TRAVEL_TO_EVENT): the ev_want-th last before here of event
     * ev (a hypercall: of number ev_nr, ~0 any), at its first instruction as "until" stops */
    enum until ev;
    uint32_t ev_nr;
    uint64_t ev_want, ev_seen;       /* ev_want: still to find before the passes made so far;
                                      * ev_seen: met in this pass so far */
    int ev_due;                      /* delivered: the next instruction is the event's */
    uint64_t ev_at[CONTROL_BACK_EVENTS];   /* where the last ones were met (a ring) */
    uint64_t n_passes, n_insns;      /* passes run and instructions they ran, for figures */
    char why[200];                   /* the last failure */
};

struct control_client {
    void (*paused)(void *ctx);                            /* the client's turn */
    void (*record)(void *ctx, const struct trace_rec *r); /* may be NULL */
    void *ctx;
};

struct control {
    struct lguest *lg;
    struct cpu *c;
    const struct symtab *symbols;    /* the guest kernel's names; NULL: none */
    struct control_client client;
    int attached;                    /* a client is there to be stopped for */
    int check_blocks;                /* every block checks for attention (gdb's Ctrl-C) */
    int skip_irqs;                   /* a step runs an interrupt through to its end */
    int host_writes;                 /* writes may go to host memory outside the guest's
                                      * (gdb's "monitor host-writes on"; views.c) */

    struct point pt[CONTROL_MAX_POINTS];
    int n_pt;
    /* CPU hooks now installed: one per breakpoint, or one for every instruction (a step,
     * a watchpoint, "until", a budget), and memory hooks for watchpoints. */
    cpu_hook h_exec[CONTROL_MAX_POINTS];
    uint32_t exec_addr[CONTROL_MAX_POINTS];
    int n_exec;
    cpu_hook h_all, h_mem;
    int have_all, have_mem;
    uint64_t n_all_made;             /* how often the every-instruction hook was installed */
    uint64_t n_hook_calls;           /* calls of the code hooks: what control costs */
    uint64_t n_hook_calls_alone;     /* of those, with no client attached: must stay 0 */

    /* The run now going. */
    int stepping;
    uint64_t budget;                 /* >0: stop after this many more instructions */
    int fresh;                       /* the next instruction is the one the run resumed at */
    uint32_t resume_eip;
    int step_irq;                    /* skipping an interrupt: stop back at ret_eip in ret_cs */
    uint32_t ret_eip, ret_cs;
    enum until until;
    uint32_t until_nr;               /* UNTIL_HCALL: this number only; ~0: any */
    int until_hit;
    int watch_hit;
    int host_watch_hit;              /* the Host wrote a watched Guest address: the stop comes
                                      * at the Guest's next instruction (points.c) */
    struct point watch;              /* the watchpoint that hit, and the address touched */
    uint32_t watch_at;

    /* Why the CPU stopped. */
    enum control_stop stopped;
    int stop_sig;                    /* 0: nobody stopped it on purpose (gdb: the signal) */
    char stop_info[64];
    char stop_note[200];             /* a line for the client to show with the stop, or "" */
    int unreadable_told;             /* view_tell_unreadable said its line since this stop */
    struct cpu_delivery last_delivery;   /* the latest delivery through the IDT */
    uint64_t n_deliveries;

    const struct control_checkpoints *cps;   /* NULL: no going back */
    /* NULL, or the client's: going back has run another CONTROL_GOING_EVERY instructions (a
     * client waiting for it keeps its peer from giving up on a long way back) */
    void (*going)(void *client_ctx);
    struct control_travel tr;
};

/* Become the CPU's pause callback and the recorder's tap, for client cl. */
void control_open(struct control *k, struct lguest *lg, const struct symtab *symbols,
                  const struct control_client *cl);
void control_close(struct control *k);

/* How the machine goes on when the client's paused() returns. */
void control_continue(struct control *k);
void control_step(struct control *k);
void control_until(struct control *k, enum until u, uint32_t nr);
void control_run_for(struct control *k, uint64_t instructions);
/* From any thread: stop before the next block (the client's paused() is called). */
void control_pause_soon(struct control *k);
/* Stop the guest for good (the run ends the normal way, with its death record). */
void control_kill(struct control *k, const char *why);
/* Called by control itself after paused() returns; a client that changes points or the mode
 * outside paused() calls it to install the hooks. */
void control_resume(struct control *k);

/* Going back (travel.c), from the client's paused(): 1 on the way (the CPU runs; paused() is
 * called again at the place, stopped CS_TRAVEL, stop_info saying "replaylog:begin;" when that
 * is the start of what can be gone back to); 0 already at the start; -1 with the reason in
 * k->tr.why.  control_back goes n instructions back; control_reverse_continue to the last
 * breakpoint or watchpoint hit before now, or the start. */
int control_back(struct control *k, uint64_t n);
int control_reverse_continue(struct control *k);
/* Back to the n-th last event before now (1 <= n <= CONTROL_BACK_EVENTS): a world switch, page
 * fault or hypercall (of number nr; ~0: any), at the instruction where control_until() would
 * have stopped for it going forwards; fewer than n there: the start, as control_back says.
 * Stopped CS_TRAVEL. */
int control_back_to_event(struct control *k, enum until ev, uint32_t nr, uint64_t n);
/* Is the instruction at eip, about to run, where "until ev" stops?  delivered: the last
 * delivery was one of ev's (then this is its first instruction); a switch into the guest is
 * also its entry to the Switcher. */
int control_event_here(struct control *k, enum until ev, uint32_t eip, int delivered);
/* The Launcher, when the run ended for going back (lguest_unwound()): the checkpoint put in
 * place and the pass armed.  0, or -1 (the reason in k->tr.why; the guest cannot go on). */
int control_travel_between(struct control *k);
/* To the next turn of the Launcher, where the machine is whole (a save), and back: 1 on the
 * way (the Host gives the Launcher its turn at its next pass; TR_TURN until then), -1 (why in
 * k->tr.why).  control_return_here, at that turn: the way back to where control_to_turn was
 * called, armed for control_travel_between(); 0, or -1. */
int control_to_turn(struct control *k);
int control_return_here(struct control *k);
/* travel.c's share of the every-instruction hook while a pass runs, and of the watchpoints
 * (a hit: the point, and the Host's write as its note says it, or NULL for the CPU's). */
void travel_insn(struct control *k, uint32_t eip);
void travel_watch_hit(struct control *k, const struct point *p, const char *host_note);
/* After a pass stopped: 1 when the client is to be told (arrived, or failed). */
int travel_paused(struct control *k);

/* Breakpoints and watchpoints (points.c). */
int points_add(struct control *k, int kind, uint32_t addr, uint32_t len);
int points_remove(struct control *k, int kind, uint32_t addr, uint32_t len);
void points_clear(struct control *k);
void points_arm(struct control *k);     /* install the hooks this run needs */
int points_is_breakpoint(struct control *k, uint32_t eip);
/* The Host (device NULL) or the Launcher's device wrote guest-physical [gpa, gpa + len), in
 * the function writer (lg->write_watcher). */
void points_host_wrote(void *ctx, uint32_t gpa, uint32_t len, const char *device,
                       const char *writer);

/* --- reading the machine --- */
enum control_world control_world(struct control *k);
const char *control_world_name(enum control_world w);
/* What the guest printed since its last full line (the recorder holds it until the newline):
 * up to cap bytes into buf, how many. */
uint32_t control_console_pending(struct control *k, char *buf, uint32_t cap);
/* How many trace records the run has written so far (it goes back with the machine). */
uint64_t control_records(struct control *k);
/* The ring the guest's saved registers (struct lguest_regs) hold: where it left, or goes. */
int control_guest_ring(struct control *k);
/* The symbol at eip in the world the CPU is in (Switcher, host routine, guest kernel). */
const char *control_symbol(struct control *k, uint32_t eip, uint32_t *off);

void control_regs(struct control *k, struct control_regs *r);

/* Memory through an address space (views.c): 0, or -1 where it is not mapped. */
int view_read(struct control *k, enum view v, uint32_t addr, void *buf, uint32_t len);
int view_write(struct control *k, enum view v, uint32_t addr, const void *buf, uint32_t len);
const char *view_name(enum view v);
/* The Guest's own page table: guest-physical address of la, with its entries. */
int guest_walk(struct control *k, uint32_t la, uint32_t *pde, uint32_t *pte, uint32_t *gpa);
/* The shadow's walk of la: 0 mapped (host-physical *pa), -1 not; entries and root as met. */
int shadow_walk(struct control *k, uint32_t la, uint32_t *pde, uint32_t *pte, uint32_t *pa,
                uint32_t *root);
/* Which level of a failed walk is missing, for la whose entries were met as pde and pte:
 * "directory entry N" or "table entry N". */
const char *walk_missing(uint32_t la, uint32_t pde, char *buf, size_t len);
/* gdb could not read addr in view v: when the shadow has no entry for an address the Guest's
 * own table maps (not filled yet), say so on stderr, with the level missing; once a stop. */
void view_tell_unreadable(struct control *k, enum view v, uint32_t addr);
#endif
