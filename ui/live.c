/* live.c - "lgsim --ui": a machine running under the window, driven through debug/control.h. */
#include "ui/ui.h"
#include "ui/actions.h"
#include "ui/session.h"
#include "ui/cputime.h"
#include "sim/path.h"
#include "debug/control.h"
#include "sim/host/layout.h"
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * The window is a client of the machine-control interface, as gdb is: the CPU stops between
 * two instructions and calls on_paused(); the window shows the machine, takes keys (or the
 * script's next lines) until one of them says how the machine goes on, and returns.  Nothing
 * here runs per instruction: while the machine runs, it stops for a frame every so many
 * instructions (a chosen speed) or when a timer asks (as fast as it goes: about 30 frames a
 * second), and cpu/pause.c makes those stops invisible to the guest, so the trace is the one a
 * run without the window writes.
 *
 * Every trace record reaches the window through the recorder's tap and is appended to the
 * same struct run the trace browser reads, so every panel of the browser works on the live
 * run; at "now" the where panel asks the machine itself.
 */

#define FRAME_MS 33               /* 30 frames a second */
#define TICK_MS 4                /* the timer looks this often whether a frame is due */
/* The machine runs at least this many times as long as the last frame took to make, in CPU
 * time: it keeps at least 6/7 of the CPU however slow drawing is (then frames come less
 * often).  CPU time, not wall time: on a busy machine a frame, short, runs in one go, while
 * the machine's run is shared with everything else, so a wall-clock share would hand the
 * frames far more of the CPU than their share of the wall clock. */
#define RUN_PER_FRAME 6

struct ui_live {
    struct ui_session s;
    struct control k;
    struct ui_live_options o;
    struct script sc;
    int scripted;
    int script_rc;
    atomic_int free_running;     /* running as fast as it goes: the timer asks for frames */
    atomic_uint frame_due;       /* SDL_GetTicks() at which the next frame is asked for */
    _Atomic long long cpu_due;   /* and the process's CPU time before which it is not */
    Uint64 frame_started;        /* when the current stop for a frame began */
    long long frame_cpu;         /* the CPU time then (cputime.h) */
    double frame_seconds;        /* wall time spent in frames while running */
    SDL_TimerID timer;
    enum ui_action asked;        /* what the machine was last sent to do */
    uint64_t asked_n;
    uint64_t deliveries_at_exit; /* control's count of deliveries at the last exit record */
    uint64_t deliveries_gone;    /* going back left the machine before all of these */
    int gone_to_start;           /* ... at the run's start, where none had come yet */
    uint32_t rt_ended;           /* the round trip whose end was recorded last */
    uint64_t frames;             /* drawn while the machine ran */
    int timer_frames;            /* a script asked for the window's frames on its clock */
    Uint64 run_started;          /* when the machine last began to run (performance counter) */
    double run_seconds;          /* wall time the machine ran, all runs together */
};

static const uint64_t speeds[] = { 1, 10, 100, 1000, 10000, 100000, 1000000, 0 };
#define N_SPEEDS (sizeof(speeds) / sizeof(speeds[0]))

/* --- what the machine says, into the model --- */

static enum ui_world world_of(enum control_world w) {
    switch (w) {
    case CW_HOST: return W_HOST;
    case CW_SWITCHER: return W_SWITCHER;
    case CW_USER: return W_USER;
    default: return W_KERNEL;
    }
}

static int in_switcher(uint32_t eip) {
    return eip >= SWITCHER_ADDR && eip < SWITCHER_ADDR + 0x1000;
}

static void describe_delivery(struct ui_live *u, char *buf, size_t len) {
    const struct cpu_delivery *dv = &u->k.last_delivery;
    buf[0] = 0;
    if (!u->k.n_deliveries) return;
    if (u->k.n_deliveries <= u->deliveries_gone) {
        if (!u->gone_to_start)
            snprintf(buf, len, "not known here (it came before the checkpoint gone back to)");
        return;
    }
    const char *name = trace_vector_name(dv->ev.vector);
    char tag[160];
    symtab_tag(u->s.m.sym, dv->ev.eip, tag, sizeof(tag));
    int n = snprintf(buf, len, "vector %u%s%s from %s at eip 0x%08x%s", dv->ev.vector,
                     name ? " " : "", name ? name : "",
                     dv->from_cpl ? model_world_name(guest_world(dv->from_cpl)) : "host",
                     dv->ev.eip, tag);
    if (n > 0 && (size_t)n < len && dv->ev.vector == 14)
        n += snprintf(buf + n, len - (size_t)n, ", cr2 0x%08x", dv->cr2);
    if (n > 0 && (size_t)n < len && dv->ev.has_error)
        n += snprintf(buf + n, len - (size_t)n, ", err %#x", dv->ev.error);
    if (n > 0 && (size_t)n < len)
        snprintf(buf + n, len - (size_t)n, in_switcher(dv->to_eip) ? ", into the Switcher" :
                 ", to the handler at 0x%08x", dv->to_eip);
}

/* Where going back arrived: the place, as a checkpoint and the instructions after it. */
static void went_back(struct ui_live *u, char *buf, size_t len) {
    static const char *to[] = { [ACT_INSN_BACK] = "one instruction back",
        [ACT_BACK_SWITCH] = "back at the last world switch",
        [ACT_BACK_PF] = "back at the first instruction after the last page fault's delivery",
        [ACT_BACK_HCALL] = "back at the first instruction after the last hypercall's trap" };
    const struct control *k = &u->k;
    int start = strstr(k->stop_info, "replaylog") != NULL;
    const char *what = start ? "back at the start of what can be gone back to" :
        u->asked >= ACT_INSN_BACK && u->asked <= ACT_BACK_HCALL ? to[u->asked] : "back";
    if (k->tr.here_base)   /* counted from a little before here (debug/travel.c) */
        snprintf(buf, len, "%s (%llu instructions after the first block from %.3f ms on)", what,
                 (unsigned long long)k->tr.here_n, k->tr.here_base / 1e6);
    else
        snprintf(buf, len, "%s (%llu instructions after the checkpoint at %.3f ms)", what,
                 (unsigned long long)k->tr.here_n, k->cps->time(k->cps->ctx, k->tr.here_cp) / 1e6);
}

static void describe_stop(struct ui_live *u, char *buf, size_t len) {
    static const char *until[] = { [ACT_TO_SWITCH] = "at the next world switch",
        [ACT_TO_PF] = "at the first instruction after a page fault's delivery",
        [ACT_TO_HCALL] = "at the first instruction after a hypercall's trap",
        [ACT_TO_RT_END] = "after a page-fault round trip has ended" };
    const struct control *k = &u->k;
    if (!u->s.m.live.n_stops) snprintf(buf, len, "before its first instruction");
    else if (k->stopped == CS_STEP) snprintf(buf, len, "after one instruction");
    else if (k->stopped == CS_UNTIL && u->asked >= ACT_TO_SWITCH && u->asked <= ACT_TO_RT_END)
        snprintf(buf, len, "%s", until[u->asked]);
    else if (k->stopped == CS_BUDGET)
        snprintf(buf, len, "after %llu instructions", (unsigned long long)u->asked_n);
    else if (k->stopped == CS_BREAKPOINT) snprintf(buf, len, "at a breakpoint");
    else if (k->stopped == CS_TRAVEL) went_back(u, buf, len);
    else snprintf(buf, len, "paused");
}

/* Between the Switcher's two halves: on the way in while the CPU is in switch_to_guest, else
 * on the way out of the guest the last delivery came from.  Where the CPU stands says which,
 * not the counts of deliveries and exits: after going back those are from later on (back at
 * switch_to_guest, the way in was shown as the way out of the delivery gone back over).  A
 * Switcher without that name falls back on the counts. */
static void passing(struct ui_live *u, struct ui_live_now *L) {
    const struct cpu_delivery *dv = &u->k.last_delivery;
    L->passing = L->world == W_SWITCHER;
    if (!L->passing) return;
    uint32_t off = 0;
    const char *sym = control_symbol(&u->k, L->eip, &off);
    int out = sym ? strcmp(sym, "switch_to_guest") != 0 :
              u->k.n_deliveries > u->deliveries_at_exit && in_switcher(dv->to_eip);
    out = out && u->k.n_deliveries && dv->from_cpl != 0;
    L->from = out ? guest_world(dv->from_cpl) : W_HOST;
    L->to = out ? W_HOST : guest_world((uint32_t)control_guest_ring(&u->k));
}

/* The code around eip: from the start of its function (so what comes before decodes as
 * written), through the CPU's own address space, a page at a time as far as it is mapped. */
static void read_code(struct ui_live *u, struct ui_live_now *L) {
    uint32_t off = 0;
    const char *sym = control_symbol(&u->k, L->eip, &off);
    uint32_t start = sym && off < sizeof(L->code) - 160 ? L->eip - off : L->eip;
    uint32_t end = L->eip + 160, have = 0;
    while (start + have < end) {
        uint32_t a = start + have, n = 0x1000 - (a & 0xFFF);
        if (n > end - a) n = end - a;
        if (view_read(&u->k, VIEW_CURRENT, a, L->code + have, n)) break;
        have += n;
    }
    if (have <= L->eip - start) {   /* the function's start is not mapped: from eip on */
        start = L->eip;
        have = view_read(&u->k, VIEW_CURRENT, start, L->code, 16) ? 0 : 16;
    }
    L->code_start = start;
    L->code_len = have;
}

/* The page-table panel's address in the guest's own tables and in the shadow. */
static void read_walk(struct ui_live *u, struct ui_live_now *L) {
    const struct ui_model *m = &u->s.m;
    uint32_t a = m->pt_follow ? (L->have_pf ? L->pf_cr2 : 0) : m->pt_addr;
    L->walk_addr = a;
    L->guest_mapped = guest_walk(&u->k, a, &L->g_pde, &L->g_pte, &L->g_pa) == 0;
    L->guest_linear = L->guest_mapped && !L->g_pde && !L->g_pte;   /* no tables yet */
    L->shadow_mapped = shadow_walk(&u->k, a, &L->s_pde, &L->s_pte, &L->s_pa, &L->s_root) == 0;
}

/* The machine as it stands, into m->live, and the window to now. */
static void snapshot(struct ui_live *u) {
    struct ui_live_now *L = &u->s.m.live;
    struct control *k = &u->k;
    if (L->n_stops) {
        L->prev = L->regs;
        L->have_prev = 1;
    }
    control_regs(k, &L->regs);
    L->world = world_of(control_world(k));
    L->cpl = L->regs.cpl;
    L->eip = L->regs.eip;
    uint32_t off = 0;
    const char *sym = control_symbol(k, L->eip, &off);
    if (!sym) L->sym[0] = 0;
    else if (off) snprintf(L->sym, sizeof(L->sym), " <%s+%#x>", sym, off);
    else snprintf(L->sym, sizeof(L->sym), " <%s>", sym);
    describe_stop(u, L->stop, sizeof(L->stop));
    /* Going back ran from a checkpoint: the control's last delivery is the machine's here only
     * when that last pass met one; else it is one from later on. */
    if (k->stopped == CS_TRAVEL && k->n_deliveries == k->tr.pass_deliveries) {
        u->deliveries_gone = k->n_deliveries;
        u->gone_to_start = k->cps->time(k->cps->ctx, k->tr.from) == 0;
    }
    describe_delivery(u, L->delivery, sizeof(L->delivery));
    passing(u, L);
    if (k->n_deliveries && k->last_delivery.ev.vector == 14) {
        L->have_pf = 1;
        L->pf_cr2 = k->last_delivery.cr2;
    }
    L->now_ns = k->c->now_ns;
    L->con_pending_len = control_console_pending(k, L->con_pending, sizeof(L->con_pending));
    read_code(u, L);
    read_walk(u, L);
    L->n_stops++;
    model_go_now(&u->s.m);
}

static void on_record(void *ctx, const struct trace_rec *r) {
    struct ui_live *u = ctx;
    if (run_append(&u->s.run, r))
        snprintf(u->s.m.status, sizeof(u->s.m.status), "out of memory for the run's records");
    if (r->kind == TK_TO_HOST) u->deliveries_at_exit = u->k.n_deliveries;
    if (r->kind == TK_RT_END) u->rt_ended = r->rt;
    if (r->kind == TK_TO_HOST && r->f[TH_VECTOR] == 14) {
        u->s.m.live.have_pf = 1;
        u->s.m.live.pf_cr2 = r->f[TH_CR2];
    }
}

/* --- how the machine goes on --- */

static Uint32 frame_tick(Uint32 interval, void *ctx) {
    struct ui_live *u = ctx;
    if (atomic_load(&u->free_running) && (int32_t)(SDL_GetTicks() - atomic_load(&u->frame_due)) >= 0 &&
        cpu_time_us() >= atomic_load(&u->cpu_due))
        control_pause_soon(&u->k);
    return interval;
}

/* Frames keep a fixed schedule: the next is due FRAME_MS after the last was due, not after the
 * last began, so the timer's tick and the pause's latency (a few ms each frame) do not add up
 * into a slower rate; a frame later than a whole period starts the schedule again from now, so
 * a slow stretch is not followed by a burst of frames. */
static Uint32 next_frame_due(Uint32 last_due, Uint32 now) {
    Uint32 due = last_due + FRAME_MS;
    return (int32_t)(due - now) < 0 ? now : due;
}

static double seconds_since(Uint64 t) {
    return (double)(SDL_GetPerformanceCounter() - t) / (double)SDL_GetPerformanceFrequency();
}

static void say(struct ui_live *u, const char *fmt, const char *what) {
    snprintf(u->s.m.status, sizeof(u->s.m.status), fmt, what);
}

/* Running: frames come every speed instructions, or from the timer (not in a script: there
 * the machine runs on, with no clock, until the guest stops or a speed gives it frames). */
static void go_running(struct ui_live *u) {
    struct ui_live_now *L = &u->s.m.live;
    L->running = 1;
    u->asked = ACT_RUN;
    if (L->speed) {
        u->asked_n = L->speed;
        control_run_for(&u->k, L->speed);
    } else {
        control_continue(&u->k);
    }
    /* The next frame on the schedule, but not before the machine has used RUN_PER_FRAME times
     * the CPU time this frame took. */
    double took = u->frame_started ? seconds_since(u->frame_started) : 0;
    long long now = cpu_time_us();
    long long cpu = u->frame_started && now >= u->frame_cpu ? now - u->frame_cpu : 0;
    if (u->frame_started) u->frame_seconds += took;
    u->frame_started = 0;
    atomic_store(&u->frame_due, next_frame_due(atomic_load(&u->frame_due), SDL_GetTicks()));
    atomic_store(&u->cpu_due, now + cpu * RUN_PER_FRAME);
    atomic_store(&u->free_running, !L->speed && (!u->scripted || u->timer_frames));
    if (u->timer_frames && !u->timer && !SDL_InitSubSystem(SDL_INIT_TIMER))
        u->timer = SDL_AddTimer(TICK_MS, frame_tick, u);
    u->run_started = SDL_GetPerformanceCounter();
}

/* The machine stopped running: its wall time, for the frame rate. */
static void ran(struct ui_live *u) {
    atomic_store(&u->free_running, 0);   /* no frame asked for while one is made */
    if (!u->run_started) return;
    u->run_seconds += (double)(SDL_GetPerformanceCounter() - u->run_started) /
                      (double)SDL_GetPerformanceFrequency();
    u->run_started = 0;
}

static void change_speed(struct ui_live *u, int dir) {
    struct ui_live_now *L = &u->s.m.live;
    size_t i = 0;
    while (i < N_SPEEDS && speeds[i] != L->speed) i++;
    if (dir > 0 && i + 1 < N_SPEEDS) i++;
    if (dir < 0 && i > 0 && i < N_SPEEDS) i--;
    L->speed = speeds[i < N_SPEEDS ? i : N_SPEEDS - 1];
    if (L->speed)
        snprintf(L->mode, sizeof(L->mode), "%llu instructions per frame",
                 (unsigned long long)L->speed);
    else
        snprintf(L->mode, sizeof(L->mode), "as fast as it goes");
    say(u, "speed: %s", L->mode);
}

/* Going back (debug/travel.c): 1 when the machine goes there now. */
static int go_back(struct ui_live *u, enum ui_action a) {
    static const enum until ev[] = { [ACT_BACK_SWITCH] = UNTIL_SWITCH, [ACT_BACK_PF] = UNTIL_PF,
                                     [ACT_BACK_HCALL] = UNTIL_HCALL };
    int r = !u->k.cps ? -1 : a == ACT_INSN_BACK ? control_back(&u->k, 1) :
            control_back_to_event(&u->k, ev[a], ~0u, 1);
    if (r < 0) say(u, "cannot go back: %.150s", u->k.cps ? u->k.tr.why : "no checkpoints");
    if (r == 0) say(u, "%s", "at the start of what can be gone back to");
    if (r <= 0) return 0;
    u->asked = a;
    say(u, "%s", "going back");
    return 1;
}

/* A live action: 1 when the machine is to go on now. */
static int apply(struct ui_live *u, enum ui_action a) {
    struct ui_live_now *L = &u->s.m.live;
    static const enum until to[] = { [ACT_TO_SWITCH] = UNTIL_SWITCH, [ACT_TO_PF] = UNTIL_PF,
                                     [ACT_TO_HCALL] = UNTIL_HCALL,
                                     [ACT_TO_RT_END] = UNTIL_RT_END };
    L->running = 0;
    atomic_store(&u->free_running, 0);
    switch (a) {
    case ACT_RUN:
        go_running(u);
        say(u, "running (%s); r or p pauses", L->mode);
        return 1;
    case ACT_PAUSE: say(u, "%s", "paused"); return 0;
    case ACT_INSN: u->asked = a; control_step(&u->k); return 1;
    case ACT_TO_SWITCH: case ACT_TO_PF: case ACT_TO_HCALL: case ACT_TO_RT_END:
        u->asked = a;
        control_until(&u->k, to[a], ~0u);
        return 1;
    case ACT_INSN_BACK: case ACT_BACK_SWITCH: case ACT_BACK_PF: case ACT_BACK_HCALL:
        return go_back(u, a);
    case ACT_FASTER: change_speed(u, 1); return 0;
    case ACT_SLOWER: change_speed(u, -1); return 0;
    case ACT_FRAMES:   /* benchmarks: a script's run gets the window's frames, on its clock */
        u->timer_frames = 1;
        say(u, "%s", "frames on the window's clock while running, as without a script");
        return 0;
    default: return 0;
    }
}

/* The window was closed, or the script said quit or failed: the guest stops here. */
static void quit(struct ui_live *u) {
    control_kill(&u->k, !u->scripted ? "stopped: the window was closed" :
                 u->script_rc ? "stopped: the --ui-script failed" :
                 "stopped: the --ui-script said quit");
    control_continue(&u->k);
}

/* --- the window's events, as in app.c --- */

static void event(struct ui_live *u, const SDL_Event *e) {
    struct ui_session *s = &u->s;
    char err[300];
    if (e->type == SDL_QUIT) s->m.quit = 1;
    else if (e->type == SDL_KEYDOWN) session_key_event(s, &e->key);
    else if (e->type == SDL_TEXTINPUT) {
        for (const char *p = e->text.text; *p; p++) {
            char c[2] = { *p, 0 };
            session_key(s, *p == ' ' ? "Space" : c, 0);
        }
    } else if (e->type == SDL_WINDOWEVENT && session_relayout(s, err, sizeof(err)))
        fprintf(stderr, "lgsim: ui: %s\n", err);
    else if (e->type == SDL_MOUSEBUTTONUP && e->button.button == SDL_BUTTON_LEFT)
        session_click(s, (int)(e->button.x * s->g.density), (int)(e->button.y * s->g.density));
}

static void draw(struct ui_live *u) {
    session_render(&u->s);
    gfx_end(&u->s.g);
}

/* A frame while the machine runs: what came meanwhile, and the picture. */
static int frame(struct ui_live *u) {
    SDL_Event e;
    while (!u->scripted && SDL_PollEvent(&e)) event(u, &e);
    u->frames++;
    draw(u);
    if (u->s.m.quit) return 0;
    if (u->s.m.request == ACT_NONE) return 1;
    return 0;
}

static int asked(void *ctx) {
    struct ui_live *u = ctx;
    return u->s.m.request != ACT_NONE;
}

/* Paused: the script's lines or the window's events until one says how the machine goes on. */
static void serve(struct ui_live *u) {
    struct ui_model *m = &u->s.m;
    for (;;) {
        if (m->request != ACT_NONE) {
            enum ui_action a = (enum ui_action)m->request;
            m->request = ACT_NONE;
            if (apply(u, a)) return;
            continue;
        }
        if (m->quit) {
            quit(u);
            return;
        }
        if (u->scripted) {
            u->script_rc = script_go(&u->sc, asked, u);
            if (u->sc.done && m->request == ACT_NONE) {
                if (u->script_rc) m->quit = 1;   /* a failed check: stop the guest */
                if (m->quit) continue;
                control_continue(&u->k);         /* the script's end: the guest runs on */
                return;
            }
            continue;
        }
        draw(u);
        SDL_Event e;
        if (!SDL_WaitEvent(&e)) {
            m->quit = 1;
            continue;
        }
        do event(u, &e);
        while (SDL_PollEvent(&e));
    }
}

/* Did round trip id go through the guest's own handler? */
static int was_reflected(const struct run *run, uint32_t id) {
    uint64_t first, last;
    if (!run_round_trip(run, id, &first, &last)) return 0;
    for (uint64_t i = first; i <= last && i < run->n; i++)
        if (run->rec[i].kind == TK_PF && run->rec[i].rt == id &&
            run->rec[i].f[PF_OUTCOME] == PF_REFLECTED)
            return 1;
    return 0;
}

/* The guided round trip, live: once the next one has ended (the next reflected one, for f),
 * the window goes to its first record and Space walks it; End comes back to now.  1 when the
 * machine is to run on for it. */
static int guide(struct ui_live *u) {
    struct ui_model *m = &u->s.m;
    uint64_t first, last;
    if (!m->guided || u->k.stopped != CS_UNTIL || u->asked != ACT_TO_RT_END) return 0;
    if (m->guided == ACT_NEXT_REFLECTED && !was_reflected(&u->s.run, u->rt_ended)) {
        control_until(&u->k, UNTIL_RT_END, ~0u);
        return 1;
    }
    m->guided = 0;
    if (!run_round_trip(&u->s.run, u->rt_ended, &first, &last)) return 0;
    model_go_round_trip(m, u->rt_ended);
    snprintf(m->status, sizeof(m->status), "round trip %u, live: Space walks through it, "
             "End comes back to now", u->rt_ended);
    return 0;
}

static void on_paused(void *ctx) {
    struct ui_live *u = ctx;
    struct ui_live_now *L = &u->s.m.live;
    ran(u);
    if (L->running) {
        u->frame_started = SDL_GetPerformanceCounter();
        u->frame_cpu = cpu_time_us();
    }
    snapshot(u);
    if (guide(u)) return;
    if (L->running && (u->sc.done || frame(u))) {
        go_running(u);
        return;
    }
    serve(u);
}

/* --- the guest's console input: the keys typed into the console pane --- */

static int console_stop(void *ctx) {
    struct ui_live *u = ctx;
    return u->s.m.con_in.len || u->s.m.request != ACT_NONE || u->s.m.quit;
}

/* Hand over what was typed (all of it: the launcher takes a line at a time from a script, as
 * from a pipe, and everything at once from the window, as from a terminal). */
static int take_typed(struct ui_live *u, uint8_t *buf, uint32_t cap) {
    struct ui_console_in *c = &u->s.m.con_in;
    uint32_t n = c->len < cap ? c->len : cap;
    memcpy(buf, c->buf, n);
    memmove(c->buf, c->buf + n, c->len - n);
    c->len -= n;
    console_update(&u->s.m);
    return (int)n;
}

/* A script: its lines run until it types something (or ends: then no more input comes).  A
 * live action meanwhile sets how the machine goes on once the guest runs again.  After a
 * "do run" the script's next line waits for the guest's end: what it typed before is all the
 * input there is, as a pipe's. */
static int console_scripted(struct ui_live *u, uint8_t *buf, uint32_t cap) {
    struct ui_model *m = &u->s.m;
    for (;;) {
        if (m->con_in.len) return take_typed(u, buf, cap);
        if (m->live.running) return -1;
        if (m->request != ACT_NONE) {
            enum ui_action a = (enum ui_action)m->request;
            m->request = ACT_NONE;
            apply(u, a);
            continue;
        }
        if (m->quit || u->sc.done) {
            if (m->quit || u->script_rc) quit(u);
            return -1;
        }
        u->script_rc = script_go(&u->sc, console_stop, u);
        if (u->sc.done && u->script_rc) m->quit = 1;
    }
}

/* The window: its events until keys are typed, or the guest's time to wait is up (when the
 * machine runs; paused, the guest waits with it). */
static int console_window(struct ui_live *u, uint8_t *buf, uint32_t cap, int timeout_ms) {
    struct ui_model *m = &u->s.m;
    Uint32 start = SDL_GetTicks();
    for (;;) {
        if (m->con_in.len) return take_typed(u, buf, cap);
        if (m->request != ACT_NONE) {
            enum ui_action a = (enum ui_action)m->request;
            m->request = ACT_NONE;
            if (a == ACT_PAUSE || (a == ACT_RUN && m->live.running)) m->live.running = 0;
            else apply(u, a);
        }
        if (m->quit) {
            quit(u);
            return -1;
        }
        Uint32 spent = SDL_GetTicks() - start;
        if (m->live.running && timeout_ms >= 0 && spent >= (Uint32)timeout_ms) return 0;
        draw(u);
        SDL_Event e;
        int wait = timeout_ms < 0 || !m->live.running ? FRAME_MS * 4 :
                   (int)((Uint32)timeout_ms - spent);
        if (SDL_WaitEventTimeout(&e, wait > FRAME_MS * 4 ? FRAME_MS * 4 : wait)) {
            do event(u, &e);
            while (SDL_PollEvent(&e));
        }
    }
}

int ui_live_console_read(void *ctx, uint8_t *buf, uint32_t cap, int timeout_ms) {
    struct ui_live *u = ctx;
    struct ui_live_now *L = &u->s.m.live;
    L->con_waiting = 1;
    L->con_pending_len = control_console_pending(&u->k, L->con_pending, sizeof(L->con_pending));
    console_update(&u->s.m);
    int n = u->scripted ? console_scripted(u, buf, cap) : console_window(u, buf, cap, timeout_ms);
    L->con_waiting = 0;
    return n;
}

int ui_live_console_tty(const struct ui_live *u) { return !u->scripted; }

/* --- the window's life --- */

int ui_live_option(struct ui_live_options *o, const char *a) {
    char *end;
    if (!strncmp(a, "--ui-script=", 12) && a[12]) o->script = a + 12;
    else if (!strncmp(a, "--ui-font=", 10) && a[10]) o->font = a + 10;
    else if (!strncmp(a, "--ui-size=", 10)) {
        if (sscanf(a + 10, "%dx%d", &o->width, &o->height) != 2 || o->width < 200 ||
            o->height < 150 || o->width > 8000 || o->height > 8000) {
            fprintf(stderr, "lgsim: bad --ui-size '%s' (WxH)\n", a + 10);
            return -1;
        }
    } else if (!strncmp(a, "--ui-scale=", 11)) {
        o->scale = strtod(a + 11, &end);
        if (end == a + 11 || *end || o->scale < 0.5 || o->scale > 4) {
            fprintf(stderr, "lgsim: bad --ui-scale '%s' (0.5 to 4)\n", a + 11);
            return -1;
        }
    } else {
        return 1;
    }
    return 0;
}

const char *ui_live_unavailable(void) { return NULL; }

/* The run's header as the trace's would say it: the kernel, for its symbols. */
static void live_header(struct ui_live *u, const struct ui_live_options *o) {
    struct run *run = &u->s.run;
    snprintf(run->name, sizeof(run->name), "live: %s",
             o->kernel_path ? path_base(o->kernel_path) : "the teaching guest");
    run->h.n_inputs = 1;
    snprintf(run->h.inputs[0].role, sizeof(run->h.inputs[0].role), "kernel");
    snprintf(run->h.inputs[0].name, sizeof(run->h.inputs[0].name), "%s",
             o->kernel_path ? o->kernel_path : "(built-in demo guest)");
    run->h.inputs[0].size = o->kernel_len;
    run->h.inputs[0].hash = trace_hash(o->kernel, o->kernel_len);
    snprintf(run->h.options, sizeof(run->h.options), "%s", o->options_text ? o->options_text : "");
    run->have_header = 1;
}

struct ui_live *ui_live_open(struct lguest *lg, const struct symtab *symbols,
                             const struct ui_live_options *o, char *err, size_t errlen) {
    struct ui_live *u = calloc(1, sizeof(*u));
    if (!u) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    u->o = *o;
    u->scripted = o->script != NULL;
    live_header(u, o);
    symtab_init(&u->s.sym);       /* unused: the launcher's names are the machine's */
    model_init(&u->s.m, &u->s.run, symbols);
    u->s.m.live.on = 1;
    u->s.m.request = ACT_NONE;
    change_speed(u, 1);   /* from none known: as fast as it goes */
    u->s.m.status[0] = 0;
    int headless = u->scripted;
    if (gfx_open(&u->s.g, headless, o->width ? o->width : 1600, o->height ? o->height : 1000,
                 headless && !o->scale ? 1 : o->scale, o->font, err, errlen) ||
        session_relayout(&u->s, err, errlen)) {
        if (u->s.g.ren) gfx_close(&u->s.g);
        free(u);
        return NULL;
    }
    if (u->scripted && script_open(&u->sc, &u->s, o->script)) {
        snprintf(err, errlen, "cannot read the script %s", o->script);
        gfx_close(&u->s.g);
        free(u);
        return NULL;
    }
    if (!u->scripted) {
        SDL_StartTextInput();
        if (!SDL_InitSubSystem(SDL_INIT_TIMER)) u->timer = SDL_AddTimer(TICK_MS, frame_tick, u);
    }
    control_open(&u->k, lg, symbols, &(struct control_client){ on_paused, on_record, u });
    u->k.attached = 1;
    control_pause_soon(&u->k);   /* the window's turn before the first instruction */
    return u;
}

void ui_live_checkpoints(struct ui_live *u, const struct control_checkpoints *cps) {
    u->k.cps = cps;
}

/* The checkpoint in place: the records after it go from the window's run (the machine writes
 * them again as it runs on, the same ones: it is deterministic). */
int ui_live_travel(struct ui_live *u, char *err, size_t errlen) {
    int due = u->k.tr.phase != TR_IDLE && u->k.tr.restore_due;
    if (control_travel_between(&u->k)) {
        snprintf(err, errlen, "%s", u->k.tr.why);
        return -1;
    }
    if (due) run_truncate(&u->s.run, control_records(&u->k));
    return 0;
}

void ui_live_restart(struct ui_live *u, struct lguest *lg, const struct symtab *symbols) {
    if (!lg) {
        control_close(&u->k);
        return;
    }
    struct control was = u->k;   /* the run the user asked for goes on in the new machine */
    control_open(&u->k, lg, symbols, &(struct control_client){ on_paused, on_record, u });
    u->k.attached = 1;
    u->k.stepping = was.stepping;
    u->k.until = was.until;
    u->k.budget = was.budget;
    u->k.cps = was.cps;
    control_resume(&u->k);
    u->deliveries_at_exit = u->deliveries_gone = 0;
    snprintf(u->s.m.status, sizeof(u->s.m.status), "the guest restarts: a new Host, the same "
             "window");
    if (!u->s.m.live.running) control_pause_soon(&u->k);   /* paused: stop at its start too */
}

int ui_live_close(struct ui_live *u, const char *why) {
    struct ui_model *m = &u->s.m;
    int rc;
    atomic_store(&u->free_running, 0);
    if (u->timer) SDL_RemoveTimer(u->timer);
    ran(u);
    if (u->frames) {
        double all = u->run_seconds + u->frame_seconds;
        fprintf(stderr, "lgsim: ui: %llu frames in %.3f s while the machine ran (%.0f%% of it "
                "running the guest): %.1f frames per second\n", (unsigned long long)u->frames,
                all, all > 0 ? 100 * u->run_seconds / all : 0.0,
                all > 0 ? (double)u->frames / all : 0.0);
    }
    describe_delivery(u, m->live.delivery, sizeof(m->live.delivery));   /* the run's last */
    control_close(&u->k);
    m->live.ended = 1;
    m->live.running = 0;
    snprintf(m->live.end_why, sizeof(m->live.end_why), "%s", why);
    model_go_now(m);
    snprintf(m->status, sizeof(m->status), "the guest has stopped: %s", why);
    if (u->scripted) {
        if (!u->sc.done) u->script_rc = script_go(&u->sc, NULL, NULL);
        script_close(&u->sc);
        rc = u->script_rc;
    } else {
        while (!m->quit) {
            draw(u);
            SDL_Event e;
            if (!SDL_WaitEvent(&e)) break;
            do event(u, &e);
            while (SDL_PollEvent(&e));
        }
        rc = 0;
    }
    gfx_close(&u->s.g);
    model_free(m);
    symtab_free(&u->s.sym);
    run_free(&u->s.run);
    free(u);
    return rc;
}
