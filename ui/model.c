/* model.c - the position in the run, moving it, and recomputing the panels after a move. */
#include "ui/model.h"
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void ui_text_clear(struct ui_text *t) {
    for (unsigned i = 0; i < t->n; i++) free(t->l[i].s);
    t->n = 0;
}

void ui_put(struct ui_text *t, int style, const char *fmt, ...) {
    char buf[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    if (t->n == t->cap) {
        unsigned cap = t->cap ? t->cap * 2 : 32;
        struct ui_line *l = realloc(t->l, cap * sizeof(*l));
        if (!l) return;          /* out of memory: the line is dropped, nothing breaks */
        t->l = l;
        t->cap = cap;
    }
    char *s = strdup(buf);
    if (!s) return;
    t->l[t->n].style = (uint8_t)style;
    t->l[t->n].s = s;
    t->n++;
}

char *ui_text_join(const struct ui_text *t) {
    size_t len = 1;
    for (unsigned i = 0; i < t->n; i++) len += strlen(t->l[i].s) + 1;
    char *s = malloc(len), *p = s;
    if (!s) return NULL;
    for (unsigned i = 0; i < t->n; i++) {
        size_t n = strlen(t->l[i].s);
        memcpy(p, t->l[i].s, n);
        p += n;
        *p++ = '\n';
    }
    *p = 0;
    return s;
}

static const char *panel_names[P_PANELS] = { "where", "code", "regs", "pages", "story",
                                            "timeline", "console", "record" };

int model_panel_from_name(const char *name) {
    for (int p = 0; p < P_PANELS; p++)
        if (!strcmp(panel_names[p], name)) return p;
    return -1;
}

const char *model_panel_name(int p) {
    return p >= 0 && p < P_PANELS ? panel_names[p] : "?";
}

const char *model_world_name(enum ui_world w) {
    static const char *names[W_WORLDS] = { "host", "Switcher", "guest kernel", "guest user" };
    return w < W_WORLDS ? names[w] : "?";
}

/* After these records the guest runs until the next one: a moment of its own. */
static int guest_runs_after(const struct run *run, uint64_t i) {
    return i < run->n && (run->rec[i].kind == TK_TO_GUEST || run->rec[i].kind == TK_RETRY);
}

struct ui_at model_next(const struct ui_model *m, struct ui_at a) {
    if (!a.running && guest_runs_after(m->run, a.rec)) return (struct ui_at){ a.rec, 1 };
    if (a.rec + 1 < m->run->n) return (struct ui_at){ a.rec + 1, 0 };
    return a;
}

struct ui_at model_prev(const struct ui_model *m, struct ui_at a) {
    if (a.running) return (struct ui_at){ a.rec, 0 };
    if (a.rec == 0) return a;
    return (struct ui_at){ a.rec - 1, guest_runs_after(m->run, a.rec - 1) };
}

static void update_panels(struct ui_model *m) {
    where_update(m);
    regs_update(m);
    code_update(m);
    pages_update(m);
    story_update(m);
    console_update(m);
    record_update(m);
    timeline_update(m);
}

void model_go(struct ui_model *m, struct ui_at at) {
    if (!m->run->n) return;
    if (at.rec >= m->run->n) at = (struct ui_at){ m->run->n - 1, 0 };
    if (at.running && !guest_runs_after(m->run, at.rec)) at.running = 0;
    char old[P_PANELS][256];
    memcpy(old, m->sig, sizeof(old));
    m->before = m->at;
    m->at = at;
    update_panels(m);
    for (int p = 0; p < P_PANELS; p++) m->changed[p] = strcmp(old[p], m->sig[p]) != 0;
}

int model_at_now(const struct ui_model *m) {
    return m->live.on && (!m->run->n || m->at.rec + 1 == m->run->n);
}

/* Before the first record only the where panel has something to say: the machine's own. */
static void nothing_recorded(struct ui_model *m) {
    for (int p = 0; p < P_PANELS; p++) {
        ui_text_clear(&m->text[p]);
        ui_put(&m->text[p], ST_DIM, "(no trace records yet: the machine has not left the "
               "host)");
    }
    where_update(m);   /* these four ask the machine */
    regs_update(m);
    code_update(m);
    pages_update(m);
    console_update(m);
}

void model_go_now(struct ui_model *m) {
    const struct run *run = m->run;
    if (!run->n) {
        nothing_recorded(m);
        return;
    }
    m->view.x1 = m->view.axis == AXIS_RECORDS ? (double)run->n : (double)run->rec[run->n - 1].t;
    model_go(m, (struct ui_at){ run->n - 1, guest_runs_after(run, run->n - 1) });
}

void model_init(struct ui_model *m, const struct run *run, const struct symtab *sym) {
    memset(m, 0, sizeof(*m));
    m->run = run;
    m->sym = sym;
    m->pt_follow = 1;
    m->story.current = -1;
    m->view.axis = AXIS_RECORDS;
    m->view.x0 = 0;
    m->view.x1 = run->n ? (double)run->n : 1;
    if (run->n) update_panels(m);
    memset(m->changed, 0, sizeof(m->changed));
}

void model_free(struct ui_model *m) {
    for (int p = 0; p < P_PANELS; p++) {
        ui_text_clear(&m->text[p]);
        free(m->text[p].l);
    }
    story_free(&m->story);
    pages_free(m);
}

void model_title(const struct ui_model *m, char *buf, size_t len) {
    const struct run *run = m->run;
    if (m->live.on) {   /* a machine under the window: what it is doing, and where we look */
        char when[32];
        format_time(m->live.now_ns, when, sizeof(when));
        snprintf(buf, len, "lgsim --ui - %s - %s - %s%llu records, virtual time %s%s",
                 run->name, m->live.ended ? "stopped" : m->live.running ? "running" : "paused",
                 model_at_now(m) ? "now: " : "looking back: ", (unsigned long long)run->n,
                 when, m->live.running ? "" : " (r runs, x steps, e: next page fault)");
        return;
    }
    if (!run->n) {
        snprintf(buf, len, "lgsim ui - %s - no records", run->name);
        return;
    }
    const struct run_rec *r = &run->rec[m->at.rec];
    char when[32], rt[64] = "";
    format_time(r->t, when, sizeof(when));
    if (r->rt) snprintf(rt, sizeof(rt), " - round trip %u of %u", r->rt, run->n_rt);
    snprintf(buf, len, "lgsim ui - %s - #%llu%s of %llu - %s%s", run->name,
             (unsigned long long)m->at.rec, m->at.running ? " (the guest runs)" : "",
             (unsigned long long)run->n, when, rt);
}

void model_status_line(const struct ui_model *m, char *buf, size_t len) {
    if (m->prompt == PROMPT_ADDRESS)
        snprintf(buf, len, "address to walk (hex; Return walks it, Escape cancels): %s_",
                 m->prompt_text);
    else if (m->prompt == PROMPT_GOTO)
        snprintf(buf, len, "record to go to (Return goes, Escape cancels): %s_", m->prompt_text);
    else if (m->status[0])
        snprintf(buf, len, "%s", m->status);
    else
        snprintf(buf, len, "Right/Left: a record - n: next page-fault round trip - f: one the "
                 "guest handles - Space: its next step - c: next hypercall - ?: all keys");
}

void model_place(struct ui_model *m, struct ui_at at) {
    model_go(m, at);
    model_go(m, at);             /* nothing lit: there was no move before */
}
