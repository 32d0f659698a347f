/* story.c - the story panel: trace explain's steps for the round trip (or host visit) at hand. */
#include "ui/model.h"
#include "traces/explain.h"
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * A step is told by traces/explain_steps.c, the words of "lgsim trace explain".  The UI adds
 * the one thing a trace cannot hold and a learner must see: the time the guest ran between
 * the Switcher's way in and the next exit ("The guest runs ...").  Each step belongs to a
 * moment, so the guided walk moves the whole window to it.
 */

struct teller {
    struct ui_model *m;
    struct ui_story *s;
    uint64_t cur;                /* the record being told */
};

static int push(struct ui_step **v, unsigned *n, unsigned *cap, struct ui_step st) {
    if (*n == *cap) {
        unsigned c = *cap ? *cap * 2 : 32;
        struct ui_step *q = realloc(*v, c * sizeof(*q));
        if (!q) return -1;
        *v = q;
        *cap = c;
    }
    (*v)[(*n)++] = st;
    return 0;
}

/* A step said by explain (or for it), in the order said. */
static void add_step(struct ui_story *s, struct ui_at at, uint64_t t, const char *text) {
    char *copy = strdup(text);
    if (copy && push(&s->said, &s->n_said, &s->said_cap, (struct ui_step){ at, t, copy, 1 }))
        free(copy);
}

/* A step of the panel's own, after the telling. */
static void add_own_step(struct ui_story *s, struct ui_at at, uint64_t t, const char *text) {
    char *copy = strdup(text);
    if (copy && push(&s->steps, &s->n_steps, &s->cap, (struct ui_step){ at, t, copy, 1 }))
        free(copy);
}

/* A step said while record cur was told, about time t.  Mostly it tells cur itself; a step
 * told later (an exit explained by what followed it, a run of port I/O when it is over)
 * tells the first record of the unit at its time. */
static void sink(void *ctx, uint64_t t, const struct text *what) {
    struct teller *k = ctx;
    const struct run *run = k->m->run;
    uint64_t at = k->cur;
    if (run->rec[at].t != t) {
        while (at > k->s->first && run->rec[at].t > t) at--;
        while (at > k->s->first && run->rec[at - 1].t == run->rec[at].t) at--;
    }
    add_step(k->s, (struct ui_at){ at, 0 }, t, what->buf);
}

static int before(struct ui_at a, struct ui_at b) {
    return a.rec < b.rec || (a.rec == b.rec && a.running < b.running);
}

/* Steps in the order of their moments (insertion sort: they are nearly in order already). */
static void sort_steps(struct ui_story *s) {
    for (unsigned i = 1; i < s->n_steps; i++) {
        struct ui_step x = s->steps[i];
        unsigned j = i;
        while (j > 0 && before(x.at, s->steps[j - 1].at)) {
            s->steps[j] = s->steps[j - 1];
            j--;
        }
        s->steps[j] = x;
    }
}

/* After a step that takes the CPU into the guest, the guest runs: a step of its own. */
static void add_running_steps(struct ui_model *m, struct ui_story *s) {
    const struct run *run = m->run;
    unsigned n = s->n_steps;
    for (unsigned i = 0; i < n; i++) {
        uint64_t r = s->steps[i].at.rec;
        unsigned kind = run->rec[r].kind;
        if (s->steps[i].at.running || (kind != TK_TO_GUEST && kind != TK_RETRY)) continue;
        if (i + 1 < n && s->steps[i + 1].at.rec == r) continue;   /* the next step tells it */
        if (r + 1 >= run->n || r >= s->last || run->rec[r + 1].kind == TK_RETRY) continue;
        struct ui_at at = { r, 1 };
        enum ui_world w = world_at(run, at);
        uint32_t eip = kind == TK_TO_GUEST ? run->rec[r].f[TG_EIP] : run->rec[r].f[RY_EIP];
        uint64_t start = run->rec[r].t + (kind == TK_TO_GUEST ? run->rec[r].f[TG_SWITCHER_NS] : 0);
        uint64_t end = run->rec[r + 1].t;
        if (end <= start) continue;
        char tag[128], text[600];
        symtab_tag(m->sym, eip, tag, sizeof(tag));
        snprintf(text, sizeof(text), "The guest runs in %s from eip 0x%08x%s, for %" PRIu64
                 " ns of virtual time. A trace records nothing while the guest runs; the next "
                 "record (#%" PRIu64 ") is where it leaves again or what it did next.",
                 model_world_name(w), eip, tag, end > start ? end - start : 0, r + 1);
        add_own_step(s, at, start, text);
    }
    sort_steps(s);
}

/* A host visit outside any round trip starts with its exit, which explain tells only with
 * what follows it (if at all): the window says at once why the guest left. */
static void tell_visit_exit(struct ui_model *m, struct ui_story *s) {
    const struct run_rec *r = &m->run->rec[s->first];
    if (s->unit != U_VISIT || r->kind != TK_TO_HOST) return;
    char why[256], text[400];
    why_exit(m, s->first, why, sizeof(why));
    snprintf(text, sizeof(text), "The guest left for the host through the Switcher (%u ns): %s.",
             r->f[TH_SWITCHER_NS], why);
    add_step(s, (struct ui_at){ s->first, 0 }, r->t, text);
}

static void steps_free(struct ui_story *s) {
    for (unsigned i = 0; i < s->n_steps; i++)
        if (s->steps[i].owned) free(s->steps[i].text);
    s->n_steps = 0;
}

static void said_free(struct ui_story *s) {
    for (unsigned i = 0; i < s->n_said; i++) free(s->said[i].text);
    s->n_said = 0;
}

/* The records from..last into explain's state (from the unit's first: a new telling). */
static void tell_records(struct ui_model *m, struct ui_story *s, uint64_t from) {
    static struct trace_rec rec;
    const struct run *run = m->run;
    struct explain *e = s->cont;
    struct teller k = { m, s, s->first };
    if (from == s->first) {
        memset(e, 0, sizeof(*e));
        e->sink = sink;
        e->rt = s->rt;
        s->outcome = RT_UNFINISHED;
        run_get(run, s->first, &rec);
        explain_begin(e, &rec);
        if (s->unit == U_VISIT) {    /* no faulting instruction for the entry to come back to */
            e->eip = 0;
            e->cs = ~0u;
        }
        e->sink_ctx = &k;
        tell_visit_exit(m, s);
    }
    e->sink_ctx = &k;
    for (uint64_t i = from; i <= s->last && i < run->n; i++) {
        if (s->unit == U_ROUND_TRIP && run->rec[i].rt != s->rt) continue;
        if (s->unit == U_VISIT && run->rec[i].kind == TK_TO_GUEST && i > s->first) {
            k.cur = i - 1;       /* what the visit did is told before the way back */
            explain_flush(e);
        }
        k.cur = i;
        run_get(run, i, &rec);
        explain_record(e, &rec);
        if (rec.kind == TK_RT_END) s->outcome = rec.f[RE_OUTCOME];
    }
    e->sink_ctx = NULL;
    s->told_to = s->last;
    s->cuts = run->cuts;
}

/* The telling of the unit so far, ended (on a copy of explain's state: more records may come
 * to tell on from it): the steps said, what ending it says, the panel's own steps. */
static void tell_end(struct ui_model *m, struct ui_story *s) {
    static struct explain e;
    static struct trace_rec rec;
    const struct run *run = m->run;
    struct teller k = { m, s, s->last };
    unsigned said = s->n_said;
    e = *s->cont;
    e.sink_ctx = &k;
    if (s->unit == U_ROUND_TRIP && run->rec[s->last].kind == TK_RT_END && s->last + 1 < run->n) {
        run_get(run, s->last + 1, &rec);
        explain_after(&e, &rec, s->outcome);
    }
    explain_flush(&e);
    for (unsigned i = 0; i < s->n_said; i++) {
        struct ui_step st = s->said[i];
        st.owned = i >= said;    /* the ending's steps go with this telling */
        if (push(&s->steps, &s->n_steps, &s->cap, st) && st.owned) free(st.text);
    }
    s->n_said = said;
    sort_steps(s);
    add_running_steps(m, s);
}

/* Tell the unit: on from where its last telling stopped when it is the same unit grown. */
static void tell(struct ui_model *m, struct ui_story *s, int grown) {
    if (!s->cont && !(s->cont = calloc(1, sizeof(*s->cont)))) return;
    if (!grown) said_free(s);
    tell_records(m, s, grown ? s->told_to + 1 : s->first);
    tell_end(m, s);
}

/* Which unit the moment is in: its round trip, or the host visit around it. */
static void find_unit(const struct ui_model *m, enum ui_unit *unit, uint64_t *first,
                      uint64_t *last, uint32_t *rt) {
    const struct run_rec *r = &m->run->rec[m->at.rec];
    *rt = r->rt;
    if (r->rt && run_round_trip(m->run, r->rt, first, last)) {
        *unit = U_ROUND_TRIP;
        return;
    }
    *rt = 0;
    *unit = U_VISIT;
    visit_around(m->run, m->at.rec, first, last);
}

void story_free(struct ui_story *s) {
    steps_free(s);
    said_free(s);
    free(s->steps);
    free(s->said);
    free(s->cont);
    s->steps = s->said = NULL;
    s->cont = NULL;
    s->cap = s->said_cap = 0;
    s->told = 0;
}

static void header(struct ui_model *m, struct ui_text *t) {
    struct ui_story *s = &m->story;
    if (s->unit == U_ROUND_TRIP) {
        const struct run_rec *end = &m->run->rec[s->last];
        const char *how = end->kind == TK_RT_END ?
            trace_value_name(TK_RT_END, RE_OUTCOME, end->f[RE_OUTCOME]) : "not ended";
        ui_put(t, ST_HEAD, "page-fault round trip %u: records #%" PRIu64 "-#%" PRIu64
               " (%s), step %d of %u", s->rt, s->first, s->last, how ? how : "?",
               s->current + 1, s->n_steps);
    } else {
        ui_put(t, ST_HEAD, "records #%" PRIu64 "-#%" PRIu64 ", outside any page-fault round trip,"
               " step %d of %u", s->first, s->last, s->current + 1, s->n_steps);
    }
}

void story_update(struct ui_model *m) {
    struct ui_story *s = &m->story;
    struct ui_text *t = &m->text[P_STORY];
    enum ui_unit unit;
    uint64_t first, last;
    uint32_t rt;
    find_unit(m, &unit, &first, &last, &rt);
    /* Told again only when the records told are others: a unit explain has no step for
     * is not told again at every frame. */
    if (unit != s->unit || first != s->first || last != s->last || !s->told) {
        int grown = s->told && unit == s->unit && first == s->first && rt == s->rt &&
                    last > s->told_to && s->cuts == m->run->cuts;
        steps_free(s);
        s->unit = unit;
        s->first = first;
        s->last = last;
        s->rt = rt;
        tell(m, s, grown);
        s->told = 1;
    }
    s->current = -1;
    for (unsigned i = 0; i < s->n_steps; i++)
        if (!before(m->at, s->steps[i].at)) s->current = (int)i;
    ui_text_clear(t);
    header(m, t);
    uint64_t t0 = m->run->rec[s->first].t;   /* times are told from the unit's first record */
    for (unsigned i = 0; i < s->n_steps; i++)   /* every step of the moment is lit */
        ui_put(t, s->current >= 0 && !before(s->steps[i].at, s->steps[s->current].at) &&
               (int)i <= s->current ? ST_CURSOR : (int)i > s->current ? ST_DIM : ST_TEXT,
               "+%" PRIu64 " ns  %s", s->steps[i].t >= t0 ? s->steps[i].t - t0 : 0,
               s->steps[i].text);
    snprintf(m->sig[P_STORY], sizeof(m->sig[P_STORY]), "%d %" PRIu64 " %d", unit, first,
             s->current);
}

/* The guided walk: the moment of the next (dir 1) or previous (-1) step; 0 when none. */
int story_step(const struct ui_model *m, int dir, struct ui_at *to) {
    const struct ui_story *s = &m->story;
    int i = s->current + dir;
    if (dir < 0 && s->current >= 0 && before(s->steps[s->current].at, m->at)) i = s->current;
    if (i < 0 || i >= (int)s->n_steps) return 0;
    *to = s->steps[i].at;
    return 1;
}
