/* model.h - what the window shows, computed from a run and a position in it; no drawing here. */
#ifndef LGSIM_UI_MODEL_H
#define LGSIM_UI_MODEL_H
#include <stdint.h>
#include "debug/control_regs.h"
#include "ui/run.h"
#include "sim/symbols.h"

/*
 * The window is a view of this model and nothing else: every panel's lines, what is lit and
 * what changed are decided here, from the run and the position.  The renderer draws them;
 * the tests read them (model_panel_text), so what a test asserts is what a learner sees.
 *
 * The position is a *moment*: a record, or the time the guest ran after a record that took
 * the CPU into it (a world switch into the guest, or the retry of a faulting instruction).
 * A trace records nothing while the guest runs; the moment in between lets the window light
 * the guest's world for the time it ran.
 */
struct ui_at {
    uint64_t rec;
    int running;                 /* 1: the guest runs after rec, until the next record */
};

enum ui_world { W_HOST, W_SWITCHER, W_KERNEL, W_USER, W_WORLDS };
enum ui_panel { P_WHERE, P_CODE, P_REGS, P_PAGES, P_STORY, P_TIMELINE, P_CONSOLE, P_RECORD,
                P_PANELS };

/* A line of a panel and how it is drawn. */
enum ui_style { ST_TEXT, ST_DIM, ST_HEAD, ST_HOT, ST_CURSOR, ST_NOTE };
struct ui_line {
    uint8_t style;
    char *s;
};
struct ui_text {
    struct ui_line *l;
    unsigned n, cap;
};
void ui_text_clear(struct ui_text *t);
void ui_put(struct ui_text *t, int style, const char *fmt, ...)
    __attribute__((format(LGSIM_PRINTF_FORMAT, 3, 4)));
/* All lines joined by newlines (for tests and dumps); the caller frees it. */
char *ui_text_join(const struct ui_text *t);

/* --- the where panel: four worlds, one lit, and the transitions that led here --- */
#define TRAIL_MAX 8
struct ui_transition {
    uint64_t rec;
    enum ui_world from, to;
    char why[200];
};
struct ui_where {
    enum ui_world lit;
    int passing;                 /* the record is a trip through the Switcher */
    enum ui_world from, to;      /* its two ends, when passing */
    struct ui_transition trail[TRAIL_MAX];   /* newest first */
    unsigned n_trail;
};

/* --- the page-table panel's map: one cell per 4 MiB directory entry of the address space --- */
struct shadow_replay;
struct ui_map {
    uint16_t present[1024];      /* shadow PTEs present under each directory entry */
    uint8_t table[1024];         /* the shadow has a page table there */
    int slot;                    /* the shadow directory shown (-1: none yet) */
};

/* --- the story panel: trace explain's steps for the unit the position is in --- */
enum ui_unit { U_NONE, U_ROUND_TRIP, U_VISIT };
struct ui_step {
    struct ui_at at;             /* the moment the step tells */
    uint64_t t;
    char *text;
    int owned;                   /* in steps: text is this step's (else it is a said one's) */
};
struct explain;
struct ui_story {
    enum ui_unit unit;
    uint64_t first, last;        /* the unit's records */
    uint32_t rt;                 /* U_ROUND_TRIP: its id */
    int told;                    /* steps are the telling of first..last (perhaps none) */
    struct ui_step *steps;
    unsigned n_steps, cap;
    /* A unit still growing (the machine runs on in it) is told on from where its telling
     * stopped: explain's state after record told_to, before what ends a telling was added,
     * and the steps said until then, in the order said. */
    struct explain *cont;
    uint64_t told_to, cuts;      /* ... in the run as it was after cuts truncations */
    uint32_t outcome;            /* the round trip's end, once told */
    struct ui_step *said;
    unsigned n_said, said_cap;
    int current;                 /* the step at the position (-1: before the first) */
};

/* --- the timeline's view: which part of the run, along which axis --- */
enum ui_axis { AXIS_RECORDS, AXIS_TIME };
struct ui_view {
    enum ui_axis axis;
    double x0, x1;               /* visible range, in records or ns */
};

/* --- live: a machine running under the window (ui/live.c fills this in at every stop) --- */
struct ui_live_now {
    int on;                      /* lgsim --ui: the run is a machine still going */
    int ended;                   /* the guest has stopped: end_why says why */
    char end_why[300];
    int running;                 /* the user let it run: frames come between runs */
    uint64_t speed;              /* instructions per frame while running; 0: as fast as it goes */
    char mode[64];               /* the speed in words */
    uint64_t n_stops;
    enum ui_world world;         /* where the CPU is, from the machine itself */
    int cpl;
    uint32_t eip;
    char sym[160];               /* " <name+0x10>" or "" */
    char stop[160];              /* why it stopped, in words */
    int passing;                 /* in the Switcher on the way between two worlds */
    enum ui_world from, to;
    char delivery[240];          /* the last delivery through the IDT, in words ("" none) */
    struct control_regs regs, prev;   /* now, and at the stop before (what changed) */
    int have_prev;
    uint64_t now_ns;             /* the virtual clock */
    /* The code around eip, read through the CPU's own address space. */
    uint8_t code[4160];
    uint32_t code_start, code_len;
    /* The page-table panel's address, walked in the machine: the guest's own tables and the
     * shadow the CPU uses (live.c reads them through debug/control.h). */
    int have_pf;                 /* a #PF was delivered: its cr2 */
    uint32_t pf_cr2;
    uint32_t walk_addr;
    int guest_linear;            /* the guest has no page tables yet */
    int guest_mapped, shadow_mapped;
    uint32_t g_pde, g_pte, g_pa, s_pde, s_pte, s_pa, s_root;
    /* The console: what the guest printed since its last full line (not in a record yet). */
    char con_pending[256];
    uint32_t con_pending_len;
    int con_waiting;             /* the guest waits for console input */
};

/* Keys typed into the console pane, on their way to the guest's console input. */
#define CONSOLE_TYPED_MAX 4096
struct ui_console_in {
    int focus;                   /* typing goes to the guest (Tab; Escape leaves) */
    char buf[CONSOLE_TYPED_MAX];
    uint32_t len;
};

/* Text typed into a prompt (an address for the page tables, a record to go to). */
enum ui_prompt { PROMPT_NONE, PROMPT_ADDRESS, PROMPT_GOTO };

struct ui_model {
    const struct run *run;
    const struct symtab *sym;
    struct ui_at at, before;     /* the position, and the one before the last move */

    struct ui_text text[P_PANELS];
    int changed[P_PANELS];       /* lit: the panel's content differs from the last position */
    struct ui_where where;
    struct ui_map map;
    struct ui_story story;
    struct ui_view view;
    uint32_t selected_rt;        /* the round trip drawn on top in the timeline (0: none) */

    uint32_t pt_addr;            /* the address the page-table panel walks */
    int pt_follow;               /* 1: follow the last CR2 */
    struct shadow_replay *replay;   /* pages.c: the shadow rebuilt from the records */

    /* What the panels showed before the move, to light the ones that changed. */
    char sig[P_PANELS][256];

    enum ui_prompt prompt;
    char prompt_text[32];
    int help;                    /* the help overlay is open */
    int quit;
    char status[200];            /* one line at the bottom: the last action's result */

    struct ui_live_now live;
    struct ui_console_in con_in;
    int request;                 /* a live action asked for and not yet done (ACT_NONE: none) */
    int guided;                  /* live n or f past the records: the machine runs to the next
                                  * round trip's end (reflected only for f), then the walk */
};

/* The model of a loaded run, at its first record, timeline showing the whole run. */
void model_init(struct ui_model *m, const struct run *run, const struct symtab *sym);
void model_free(struct ui_model *m);
/* Go to a moment (clamped to the run) and recompute every panel. */
void model_go(struct ui_model *m, struct ui_at at);
/* The same, as a place to start from: nothing lit as changed. */
void model_place(struct ui_model *m, struct ui_at at);
/* Live: the position is now (the last record, or none yet); go there with the machine's
 * state in m->live. */
int model_at_now(const struct ui_model *m);
void model_go_now(struct ui_model *m);
/* The title bar and the status line. */
void model_title(const struct ui_model *m, char *buf, size_t len);
void model_status_line(const struct ui_model *m, char *buf, size_t len);
/* The moment after / before a (a itself at the ends). */
struct ui_at model_next(const struct ui_model *m, struct ui_at a);
struct ui_at model_prev(const struct ui_model *m, struct ui_at a);
/* "where" "code" "regs" "pages" "story" "timeline" "console" "record"; -1 when unknown. */
int model_panel_from_name(const char *name);
const char *model_panel_name(int p);
const char *model_world_name(enum ui_world w);

/* One panel each (where.c, regs.c, code.c, pages.c, story.c, console.c, record.c); each fills
 * m->text[p] and writes what makes it different in m->sig[p]. */
void where_update(struct ui_model *m);
void regs_update(struct ui_model *m);
void code_update(struct ui_model *m);
void pages_update(struct ui_model *m);
void story_update(struct ui_model *m);
void console_update(struct ui_model *m);
void record_update(struct ui_model *m);
void timeline_update(struct ui_model *m);
void story_free(struct ui_story *s);
void pages_free(struct ui_model *m);
/* The guided walk: the moment of the story's next (dir 1) or previous (-1) step; 0: none. */
int story_step(const struct ui_model *m, int dir, struct ui_at *to);
/* The shadow as rebuilt from the records up to rec: *slot is the current shadow directory
 * (-1: none yet); 1 with vaddr's entry in *spte when there is a page table for it, else 0. */
int pages_rebuilt_entry(struct ui_model *m, uint64_t rec, uint32_t vaddr, int *slot,
                        uint32_t *spte);
/* A click on the map: walk the first page the shadow maps in that 4 MiB (or its start). */
void pages_pick_region(struct ui_model *m, unsigned pde);

/* What the records say, shared by the panels (facts.c). */
/* The world the CPU is in at moment a, and the guest ring it was last in. */
enum ui_world world_at(const struct run *run, struct ui_at a);
enum ui_world guest_world(uint32_t cs_or_cpl);
/* The last record of kind at or before i (UINT64_MAX: none); ..._vector: a to_host with it. */
uint64_t last_of_kind(const struct run *run, uint64_t i, unsigned kind);
uint64_t last_exit_with_vector(const struct run *run, uint64_t i, uint32_t vector);
/* The host visit holding record i: from its exit (to_host) to the entry (to_guest) after. */
void visit_around(const struct run *run, uint64_t i, uint64_t *first, uint64_t *last);
/* The hypercall a visit made, if its exit was one: the hcall record, or UINT64_MAX. */
uint64_t visit_hcall(const struct run *run, uint64_t exit);
/* Why the guest left at exit record i: "hypercall SET_PTE (vector 31) at eip ..." (where.c). */
void why_exit(const struct ui_model *m, uint64_t i, char *buf, size_t len);
/* "0.899291 ms" */
void format_time(uint64_t t, char *buf, size_t len);
#endif
