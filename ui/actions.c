/* actions.c - moving through the run: steps, jumps to the next event, the guided walk, zoom. */
#include "ui/actions.h"
#include "ui/timeline.h"
#include "traces/number.h"
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *names[ACT_ACTIONS] = {
    [ACT_NONE] = "none", [ACT_STEP] = "step", [ACT_BACK] = "back", [ACT_STEP_100] = "step-100",
    [ACT_BACK_100] = "back-100", [ACT_FIRST] = "first", [ACT_LAST] = "last",
    [ACT_NEXT_SWITCH] = "next-switch", [ACT_PREV_SWITCH] = "previous-switch",
    [ACT_NEXT_RT] = "next-round-trip", [ACT_PREV_RT] = "previous-round-trip",
    [ACT_NEXT_REFLECTED] = "next-reflected", [ACT_PREV_REFLECTED] = "previous-reflected",
    [ACT_NEXT_HCALL] = "next-hypercall", [ACT_PREV_HCALL] = "previous-hypercall",
    [ACT_NEXT_IRQ] = "next-interrupt", [ACT_PREV_IRQ] = "previous-interrupt",
    [ACT_STORY_NEXT] = "next-step", [ACT_STORY_PREV] = "previous-step",
    [ACT_ZOOM_IN] = "zoom-in", [ACT_ZOOM_OUT] = "zoom-out", [ACT_ZOOM_ALL] = "zoom-all",
    [ACT_ZOOM_UNIT] = "zoom-round-trip", [ACT_PAN_LEFT] = "pan-left",
    [ACT_PAN_RIGHT] = "pan-right", [ACT_AXIS] = "axis", [ACT_ADDRESS] = "address",
    [ACT_FOLLOW_CR2] = "follow-cr2", [ACT_GOTO] = "goto", [ACT_HELP] = "help",
    [ACT_QUIT] = "quit", [ACT_BIGGER] = "bigger", [ACT_SMALLER] = "smaller",
    [ACT_RUN] = "run", [ACT_PAUSE] = "pause", [ACT_INSN] = "step-instruction",
    [ACT_TO_SWITCH] = "run-to-switch", [ACT_TO_PF] = "run-to-page-fault",
    [ACT_TO_HCALL] = "run-to-hypercall", [ACT_TO_RT_END] = "run-to-round-trip-end",
    [ACT_INSN_BACK] = "step-instruction-back", [ACT_BACK_SWITCH] = "back-to-switch",
    [ACT_BACK_PF] = "back-to-page-fault", [ACT_BACK_HCALL] = "back-to-hypercall",
    [ACT_FASTER] = "faster", [ACT_SLOWER] = "slower", [ACT_FRAMES] = "frames", [ACT_CONSOLE] = "console",
};

int action_from_name(const char *name) {
    for (int a = 0; a < ACT_ACTIONS; a++)
        if (names[a] && !strcmp(names[a], name)) return a;
    return -1;
}

const char *action_name(enum ui_action a) {
    return a < ACT_ACTIONS && names[a] ? names[a] : "?";
}

/* --- the bindings: one table for the keys, the help overlay and the README --- */
struct binding { const char *key; unsigned mods; enum ui_action a; const char *help; };
static const struct binding keys[] = {
    { "Right", 0, ACT_STEP, "one record on (or into the time the guest runs after it)" },
    { "Left", 0, ACT_BACK, "one record back" },
    { "PageDown", 0, ACT_STEP_100, "100 records on" },
    { "PageUp", 0, ACT_BACK_100, "100 records back" },
    { "Home", 0, ACT_FIRST, "the first record" },
    { "End", 0, ACT_LAST, "the last record" },
    { "s", 0, ACT_NEXT_SWITCH, "the next world switch" },
    { "S", 0, ACT_PREV_SWITCH, "the previous world switch" },
    { "Right", MOD_SHIFT, ACT_NEXT_SWITCH, NULL },
    { "Left", MOD_SHIFT, ACT_PREV_SWITCH, NULL },
    { "n", 0, ACT_NEXT_RT, "the next page-fault round trip: its fault, its story" },
    { "N", 0, ACT_PREV_RT, "the previous page-fault round trip" },
    { "f", 0, ACT_NEXT_REFLECTED, "the next round trip the guest's own handler sees" },
    { "F", 0, ACT_PREV_REFLECTED, "the previous one" },
    { "c", 0, ACT_NEXT_HCALL, "the next hypercall" },
    { "C", 0, ACT_PREV_HCALL, "the previous hypercall" },
    { "i", 0, ACT_NEXT_IRQ, "the next interrupt record" },
    { "I", 0, ACT_PREV_IRQ, "the previous interrupt record" },
    { "Space", 0, ACT_STORY_NEXT, "the story's next step (the guided walk)" },
    { "Return", 0, ACT_STORY_NEXT, NULL },
    { "Backspace", 0, ACT_STORY_PREV, "the story's previous step" },
    { "+", 0, ACT_ZOOM_IN, "timeline: zoom in (also the mouse wheel)" },
    { "=", 0, ACT_ZOOM_IN, NULL },
    { "-", 0, ACT_ZOOM_OUT, "timeline: zoom out" },
    { "0", 0, ACT_ZOOM_ALL, "timeline: the whole run" },
    { "z", 0, ACT_ZOOM_UNIT, "timeline: just this round trip (or host visit)" },
    { ",", 0, ACT_PAN_LEFT, "timeline: pan left (also drag with the mouse)" },
    { ".", 0, ACT_PAN_RIGHT, "timeline: pan right" },
    { "t", 0, ACT_AXIS, "timeline: records or virtual time along the axis" },
    { "a", 0, ACT_ADDRESS, "page tables: walk an address you type (hex)" },
    { "A", 0, ACT_FOLLOW_CR2, "page tables: follow the last cr2 again" },
    { "g", 0, ACT_GOTO, "go to a record by number" },
    { "=", MOD_CTRL, ACT_BIGGER, "bigger text" },
    { "+", MOD_CTRL, ACT_BIGGER, NULL },
    { "-", MOD_CTRL, ACT_SMALLER, "smaller text" },
    { "r", 0, ACT_RUN, "live: run, or pause a running machine" },
    { "p", 0, ACT_PAUSE, "live: pause" },
    { "x", 0, ACT_INSN, "live: one instruction" },
    { "w", 0, ACT_TO_SWITCH, "live: run to the next world switch" },
    { "e", 0, ACT_TO_PF, "live: run to the next page fault" },
    { "h", 0, ACT_TO_HCALL, "live: run to the next hypercall" },
    { "u", 0, ACT_TO_RT_END, "live: run to the end of a page-fault round trip" },
    { "X", 0, ACT_INSN_BACK, "live: one instruction back (the machine goes back)" },
    { "W", 0, ACT_BACK_SWITCH, "live: back to the last world switch" },
    { "E", 0, ACT_BACK_PF, "live: back to the last page fault" },
    { "H", 0, ACT_BACK_HCALL, "live: back to the last hypercall" },
    { "]", 0, ACT_FASTER, "live: more instructions per frame while running" },
    { "[", 0, ACT_SLOWER, "live: fewer instructions per frame (slower)" },
    { "Tab", 0, ACT_CONSOLE, "live: type into the guest's console (Escape leaves)" },
    { "?", 0, ACT_HELP, "this help (Escape closes it)" },
    { "F1", 0, ACT_HELP, NULL },
    { "q", 0, ACT_QUIT, "quit" },
    { "q", MOD_CTRL, ACT_QUIT, NULL },
};

void help_text(struct ui_text *t) {
    ui_text_clear(t);
    ui_put(t, ST_HEAD, "lgsim ui: keys");
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
        if (!keys[i].help) continue;
        char k[40];
        snprintf(k, sizeof(k), "%s%s", keys[i].mods & MOD_CTRL ? "Ctrl+" : "", keys[i].key);
        ui_put(t, ST_TEXT, "%-12s %s", k, keys[i].help);
    }
    ui_put(t, ST_DIM, "mouse: click an event in the timeline to go to it; wheel zooms, drag pans");
}

/* --- moving --- */

typedef int (*rec_test)(const struct run_rec *r);
static int is_switch(const struct run_rec *r) { return r->kind == TK_TO_HOST || r->kind == TK_TO_GUEST; }
static int is_hcall_exit(const struct run_rec *r) { return r->kind == TK_TO_HOST && r->f[TH_VECTOR] == 0x1f; }
static int is_irq(const struct run_rec *r) { return r->kind == TK_IRQ; }

/* The next (dir 1) or previous (-1) record after the position that passes the test. */
static int seek(struct ui_model *m, int dir, rec_test test, const char *what) {
    const struct run *run = m->run;
    uint64_t i = m->at.rec;
    while (dir > 0 ? i + 1 < run->n : i > 0) {
        i = dir > 0 ? i + 1 : i - 1;
        if (test(&run->rec[i])) {
            model_go(m, (struct ui_at){ i, 0 });
            snprintf(m->status, sizeof(m->status), "%s at #%" PRIu64, what, i);
            return 1;
        }
    }
    snprintf(m->status, sizeof(m->status), "no %s %s this one", what, dir > 0 ? "after" : "before");
    return 0;
}

static int go_round_trip(struct ui_model *m, uint32_t id) {
    uint64_t first, last;
    if (!run_round_trip(m->run, id, &first, &last)) return 0;
    model_go(m, (struct ui_at){ first, 0 });
    timeline_show(m, first, last);
    timeline_update(m);
    const struct run_rec *end = &m->run->rec[last];
    snprintf(m->status, sizeof(m->status), "round trip %u of %u: #%" PRIu64 "-#%" PRIu64
             "%s; Space walks through it", id, m->run->n_rt, first, last,
             end->kind == TK_RT_END && end->f[RE_STEPS] > 6 ? ", through the guest's handler" : "");
    return 1;
}

/* Did round trip id go through the guest's own handler (a reflected fault)? */
static int reflected(const struct run *run, uint32_t id) {
    uint64_t first, last;
    if (!run_round_trip(run, id, &first, &last)) return 0;
    for (uint64_t i = first; i <= last; i++)
        if (run->rec[i].kind == TK_PF && run->rec[i].rt == id &&
            run->rec[i].f[PF_OUTCOME] == PF_REFLECTED)
            return 1;
    return 0;
}

/* The round trip after (dir 1) or before (-1) the position, reflected ones only if asked.
 * Between round trips, the one before the position is the previous one. */
static int seek_round_trip(struct ui_model *m, int dir, int only_reflected) {
    const struct run *run = m->run;
    uint32_t here = run->rec[m->at.rec].rt, start;
    if (here) {
        start = dir > 0 ? here + 1 : here - 1;
    } else {
        uint32_t began = 0;
        for (uint32_t k = 1; k <= run->n_rt; k++)
            if (run->rt_first[k - 1] != UINT64_MAX && run->rt_first[k - 1] <= m->at.rec) began = k;
        start = dir > 0 ? began + 1 : began;
    }
    for (uint32_t id = start; id >= 1 && id <= run->n_rt; id += (uint32_t)dir)
        if ((!only_reflected || reflected(run, id)) && go_round_trip(m, id)) return 1;
    if (dir > 0 && m->live.on && !m->live.ended) {   /* the guided round trip, live */
        m->guided = only_reflected ? ACT_NEXT_REFLECTED : ACT_NEXT_RT;
        m->request = ACT_TO_RT_END;
        snprintf(m->status, sizeof(m->status), "running to the next %sround trip",
                 only_reflected ? "reflected " : "");
        return 1;
    }
    snprintf(m->status, sizeof(m->status), "no %sround trip %s this one",
             only_reflected ? "reflected " : "", dir > 0 ? "after" : "before");
    return 0;
}

static int story_move(struct ui_model *m, int dir) {
    struct ui_at to;
    if (!story_step(m, dir, &to)) {
        snprintf(m->status, sizeof(m->status), "%s (n: the next round trip)", dir > 0 ?
                 "that was the story's last step" : "this is the story's first step");
        return 0;
    }
    model_go(m, to);
    snprintf(m->status, sizeof(m->status), "step %d of %u", m->story.current + 1,
             m->story.n_steps);
    return 1;
}

static int step(struct ui_model *m, int dir, unsigned count) {
    struct ui_at a = m->at;
    for (unsigned i = 0; i < count; i++) a = dir > 0 ? model_next(m, a) : model_prev(m, a);
    if (a.rec == m->at.rec && a.running == m->at.running) {
        snprintf(m->status, sizeof(m->status), "%s of the run", dir > 0 ? "the end" : "the start");
        return 0;
    }
    model_go(m, a);
    m->status[0] = 0;
    return 1;
}

/* Whole records, not moments: PageDown is 100 records on. */
static int jump(struct ui_model *m, int64_t by) {
    int64_t to = (int64_t)m->at.rec + by, last = (int64_t)m->run->n - 1;
    to = to < 0 ? 0 : to > last ? last : to;
    if ((uint64_t)to == m->at.rec && !m->at.running) return 0;
    model_go(m, (struct ui_at){ (uint64_t)to, 0 });
    m->status[0] = 0;
    return 1;
}

static void zoom_unit(struct ui_model *m) {
    timeline_show(m, m->story.first, m->story.last);
    timeline_update(m);
}

static void open_prompt(struct ui_model *m, enum ui_prompt p) {
    m->prompt = p;
    m->prompt_text[0] = 0;
    m->status[0] = 0;
}

/* Keys zoom around the position when it is in view (what one looks at), else the middle. */
static double zoom_centre(const struct ui_model *m) {
    double x = timeline_x(m, m->at.rec, m->at.running, 1000) / 1000;
    return x >= 0 && x <= 1 ? x : 0.5;
}

static int view_action(struct ui_model *m, enum ui_action a) {
    switch (a) {
    case ACT_ZOOM_IN:  timeline_zoom(m, 0.5, zoom_centre(m)); break;
    case ACT_ZOOM_OUT: timeline_zoom(m, 2.0, zoom_centre(m)); break;
    case ACT_ZOOM_ALL: timeline_all(m); break;
    case ACT_ZOOM_UNIT: zoom_unit(m); return 1;
    case ACT_PAN_LEFT: timeline_pan(m, -0.25); break;
    case ACT_PAN_RIGHT: timeline_pan(m, 0.25); break;
    case ACT_AXIS: timeline_set_axis(m, m->view.axis == AXIS_RECORDS ? AXIS_TIME : AXIS_RECORDS); break;
    default: return 0;
    }
    timeline_update(m);
    return 1;
}

/* A live action is the machine's business: the model only passes it on (ui/live.c). */
static int live_request(struct ui_model *m, enum ui_action a) {
    if (!m->live.on) {
        snprintf(m->status, sizeof(m->status), "%s: this is a recorded run; the machine runs "
                 "under the window with lgsim --ui", action_name(a));
        return 0;
    }
    if (m->live.ended && a != ACT_FASTER && a != ACT_SLOWER && a != ACT_FRAMES) {
        snprintf(m->status, sizeof(m->status), "%s: the guest has stopped (%.120s)",
                 action_name(a), m->live.end_why);
        return 0;
    }
    m->request = a;
    return 1;
}

int model_action(struct ui_model *m, enum ui_action a) {
    if (a == ACT_CONSOLE) {
        if (!m->live.on || m->live.ended) {
            snprintf(m->status, sizeof(m->status), "console: %s", m->live.on ? "the guest has "
                     "stopped" : "a recorded run takes no input (lgsim --ui runs a machine)");
            return 0;
        }
        m->con_in.focus = 1;
        snprintf(m->status, sizeof(m->status), "typing goes to the guest's console; Escape "
                 "leaves");
        console_update(m);
        return 1;
    }
    if (ACT_IS_LIVE(a)) return live_request(m, a);
    if (!m->run->n && m->live.on && (a == ACT_NEXT_RT || a == ACT_NEXT_REFLECTED)) {
        m->guided = a;
        m->request = ACT_TO_RT_END;
        return 1;
    }
    if (!m->run->n) return 0;
    switch (a) {
    case ACT_STEP: return step(m, 1, 1);
    case ACT_BACK: return step(m, -1, 1);
    case ACT_STEP_100: return jump(m, 100);
    case ACT_BACK_100: return jump(m, -100);
    case ACT_FIRST: model_go(m, (struct ui_at){ 0, 0 }); return 1;
    case ACT_LAST: model_go(m, (struct ui_at){ m->run->n - 1, 0 }); return 1;
    case ACT_NEXT_SWITCH: return seek(m, 1, is_switch, "world switch");
    case ACT_PREV_SWITCH: return seek(m, -1, is_switch, "world switch");
    case ACT_NEXT_HCALL: return seek(m, 1, is_hcall_exit, "hypercall");
    case ACT_PREV_HCALL: return seek(m, -1, is_hcall_exit, "hypercall");
    case ACT_NEXT_IRQ: return seek(m, 1, is_irq, "interrupt record");
    case ACT_PREV_IRQ: return seek(m, -1, is_irq, "interrupt record");
    case ACT_NEXT_RT: return seek_round_trip(m, 1, 0);
    case ACT_PREV_RT: return seek_round_trip(m, -1, 0);
    case ACT_NEXT_REFLECTED: return seek_round_trip(m, 1, 1);
    case ACT_PREV_REFLECTED: return seek_round_trip(m, -1, 1);
    case ACT_STORY_NEXT: return story_move(m, 1);
    case ACT_STORY_PREV: return story_move(m, -1);
    case ACT_ADDRESS: open_prompt(m, PROMPT_ADDRESS); return 1;
    case ACT_GOTO: open_prompt(m, PROMPT_GOTO); return 1;
    case ACT_FOLLOW_CR2: m->pt_follow = 1; model_go(m, m->at); return 1;
    case ACT_HELP: m->help = !m->help; return 1;
    case ACT_QUIT: m->quit = 1; return 1;
    default: return view_action(m, a);
    }
}

int model_go_round_trip(struct ui_model *m, uint32_t id) { return go_round_trip(m, id); }

void model_click_record(struct ui_model *m, uint64_t rec) {
    model_go(m, (struct ui_at){ rec, 0 });
    snprintf(m->status, sizeof(m->status), "#%" PRIu64 " (clicked)", rec);
}

/* --- prompts --- */

static void prompt_done(struct ui_model *m) {
    uint64_t v;
    if (m->prompt == PROMPT_ADDRESS) {
        if (number_parse(m->prompt_text, 16, 0, 0xFFFFFFFFull, &v)) {
            snprintf(m->status, sizeof(m->status), "not an address: '%s'", m->prompt_text);
        } else {
            m->pt_addr = (uint32_t)v;
            m->pt_follow = 0;
            model_go(m, m->at);
            snprintf(m->status, sizeof(m->status), "page tables for 0x%08x", m->pt_addr);
        }
    } else {
        if (!m->run->n || number_parse(m->prompt_text, 10, 0, m->run->n - 1, &v))
            snprintf(m->status, sizeof(m->status), "no record '%s' (0-%" PRIu64 ")",
                     m->prompt_text, m->run->n - 1);
        else
            model_go(m, (struct ui_at){ v, 0 });
    }
    m->prompt = PROMPT_NONE;
}

static int prompt_key(struct ui_model *m, const char *key) {
    size_t n = strlen(m->prompt_text);
    if (!strcmp(key, "Escape")) m->prompt = PROMPT_NONE;
    else if (!strcmp(key, "Return") || !strcmp(key, "Keypad Enter")) prompt_done(m);
    else if (!strcmp(key, "Backspace")) { if (n) m->prompt_text[n - 1] = 0; }
    else if (strlen(key) == 1 && n + 1 < sizeof(m->prompt_text) && key[0] > ' ' && key[0] < 0x7f) {
        m->prompt_text[n] = key[0];
        m->prompt_text[n + 1] = 0;
    }
    return 1;
}

/* The console pane has the keys: each goes to the guest as a terminal would send it. */
static void console_key(struct ui_model *m, const char *key, unsigned mods) {
    struct ui_console_in *c = &m->con_in;
    char ch = 0;
    if (!strcmp(key, "Escape")) {
        c->focus = 0;
        snprintf(m->status, sizeof(m->status), "the keys are the window's again");
        console_update(m);
        return;
    }
    if (!strcmp(key, "Return") || !strcmp(key, "Keypad Enter")) ch = '\n';
    else if (!strcmp(key, "Space")) ch = ' ';
    else if (!strcmp(key, "Backspace")) ch = 0x7f;
    else if (!strcmp(key, "Tab")) ch = '\t';
    else if (strlen(key) == 1 && (mods & MOD_CTRL) && key[0] >= '@' && key[0] <= 'z')
        ch = (char)(key[0] & 0x1f);   /* Ctrl+c: 0x03, as a terminal sends it */
    else if (strlen(key) == 1) ch = key[0];
    if (ch && c->len < sizeof(c->buf)) c->buf[c->len++] = ch;
    console_update(m);
}

enum ui_action ui_key(struct ui_model *m, const char *key, unsigned mods) {
    if (m->con_in.focus && !m->prompt && !m->help) {
        console_key(m, key, mods);
        return ACT_NONE;
    }
    if (m->prompt) {
        prompt_key(m, key);
        return ACT_NONE;
    }
    if (m->help && (!strcmp(key, "Escape") || !strcmp(key, "?") || !strcmp(key, "F1") ||
                    !strcmp(key, "q"))) {
        m->help = 0;
        return ACT_HELP;
    }
    if (!strcmp(key, "Escape")) return ACT_NONE;
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
        const struct binding *b = &keys[i];
        int single = strlen(b->key) == 1;
        /* typed characters carry their shift already: "N" is Shift+n */
        unsigned want = single ? (mods & MOD_CTRL) : mods;
        if (want != b->mods) continue;
        if (single ? strcmp(b->key, key) : strcasecmp(b->key, key)) continue;
        model_action(m, b->a);
        return b->a;
    }
    return ACT_NONE;
}
