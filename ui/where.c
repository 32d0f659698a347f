/* where.c - the where panel: which of the four worlds the CPU is in, and how it got there. */
#include "ui/model.h"
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

/* Why the guest left for the host, in a few words. */
void why_exit(const struct ui_model *m, uint64_t i, char *buf, size_t len) {
    const struct run_rec *r = &m->run->rec[i];
    uint32_t v = r->f[TH_VECTOR];
    const char *name = trace_vector_name(v);
    char tag[128];
    symtab_tag(m->sym, r->f[TH_EIP], tag, sizeof(tag));
    if (v == 0x1f) {
        uint64_t h = visit_hcall(m->run, i);
        const char *hc = h != UINT64_MAX ? trace_hcall_name(m->run->rec[h].f[HC_NR]) : NULL;
        snprintf(buf, len, "hypercall %s (vector 31) at eip 0x%08x%s", hc ? hc : "?",
                 r->f[TH_EIP], tag);
    } else if (v == 14) {
        snprintf(buf, len, "vector 14 #PF page fault at eip 0x%08x%s, cr2 0x%08x, err %#x",
                 r->f[TH_EIP], tag, r->f[TH_CR2], r->f[TH_ERR]);
    } else if (v == 13) {
        snprintf(buf, len, "vector 13 #GP at eip 0x%08x%s (an instruction ring %u may not run)",
                 r->f[TH_EIP], tag, r->f[TH_CS] & 3);
    } else if (v >= 32 && v != 0x80) {
        snprintf(buf, len, "interrupt, vector %#x%s%s, at eip 0x%08x%s", v, name ? " " : "",
                 name ? name : "", r->f[TH_EIP], tag);
    } else {
        snprintf(buf, len, "vector %u %s at eip 0x%08x%s", v, name ? name : "trap", r->f[TH_EIP],
                 tag);
    }
}

/* Why the host went back into the guest where it did: a reflected trap, an interrupt. */
static void why_entry(const struct ui_model *m, uint64_t i, char *buf, size_t len) {
    const struct run_rec *r = &m->run->rec[i];
    char tag[128];
    symtab_tag(m->sym, r->f[TG_EIP], tag, sizeof(tag));
    int n = snprintf(buf, len, "resumes at eip 0x%08x%s", r->f[TG_EIP], tag);
    for (uint64_t j = i; j-- > 0 && n >= 0 && (size_t)n < len;) {
        const struct run_rec *p = &m->run->rec[j];
        if (p->kind == TK_TO_HOST || p->kind == TK_TO_GUEST) break;
        if (p->kind == TK_REFLECT) {
            const char *v = trace_vector_name(p->f[RF_VECTOR]);
            snprintf(buf + n, len - (size_t)n, ", the guest's %s handler (the host reflected "
                     "vector %u)", v ? v : "trap", p->f[RF_VECTOR]);
            break;
        }
        if (p->kind == TK_IRQ && p->f[IQ_ACTION] == IRQ_DELIVERED) {
            snprintf(buf + n, len - (size_t)n, ", delivering IRQ %u", p->f[IQ_IRQ]);
            break;
        }
    }
}

/* Record i as a transition, if it is one: 1 with *t filled. */
static int transition(const struct ui_model *m, uint64_t i, struct ui_transition *t) {
    const struct run_rec *r = &m->run->rec[i];
    t->rec = i;
    if (r->kind == TK_TO_HOST) {
        t->from = guest_world(r->f[TH_CS]);
        t->to = W_HOST;
        why_exit(m, i, t->why, sizeof(t->why));
        return 1;
    }
    if (r->kind == TK_TO_GUEST) {
        t->from = W_HOST;
        t->to = guest_world(r->f[TG_CPL]);
        why_entry(m, i, t->why, sizeof(t->why));
        return 1;
    }
    if (r->kind == TK_RETRY) {
        uint64_t e = last_of_kind(m->run, i, TK_TO_GUEST);
        t->to = world_at(m->run, (struct ui_at){ i, 0 });
        t->from = e != UINT64_MAX ? guest_world(m->run->rec[e].f[TG_CPL]) : t->to;
        if (t->from == t->to) return 0;
        snprintf(t->why, sizeof(t->why), "the guest's own iret, no world switch: the faulting "
                 "instruction at 0x%08x runs again", r->f[RY_EIP]);
        return 1;
    }
    return 0;
}

static void build_trail(struct ui_model *m) {
    struct ui_where *w = &m->where;
    w->n_trail = 0;
    for (uint64_t j = m->at.rec + 1; j-- > 0 && w->n_trail < TRAIL_MAX;)
        if (transition(m, j, &w->trail[w->n_trail])) w->n_trail++;
}

/* A round trip ends at the next exit that is not its fault again; the guest may have gone on
 * into another ring by then, with no world switch (a system call, its own iret). */
static void rt_end_headline(struct ui_model *m, struct ui_text *t, const struct run_rec *r) {
    const char *how = trace_value_name(TK_RT_END, RE_OUTCOME, r->f[RE_OUTCOME]);
    uint64_t first, last;
    enum ui_world faulted = W_KERNEL;
    if (run_round_trip(m->run, r->rt, &first, &last) && m->run->rec[first].kind == TK_TO_HOST)
        faulted = guest_world(m->run->rec[first].f[TH_CS]);
    ui_put(t, ST_TEXT, "Round trip %u has ended (%s): the trace says so at the guest's next exit.",
           r->rt, how ? how : "?");
    if (m->where.lit != faulted)
        ui_put(t, ST_TEXT, "That exit is from the %s: the guest went there from the %s without "
               "a world switch (a system call through its own IDT gate, or its iret).",
               model_world_name(m->where.lit), model_world_name(faulted));
}

/* What the host is doing at a record of its own, in a line. */
static void host_headline(struct ui_model *m, struct ui_text *t, const struct run_rec *r) {
    static const char *pf[] = { "fixed: it fills in the shadow PTE",
                                "reflected: the guest's own handler must see it",
                                "device: the launcher emulates the access", "killed" };
    static const char *irq[] = { "raised", "held back (masked)", "held back (interrupts off)",
                                 "delivered to the guest's handler", "woke the halted guest" };
    const uint32_t *f = r->f;
    const char *hc = r->kind == TK_HCALL ? trace_hcall_name(f[HC_NR]) : NULL;
    switch (r->kind) {
    case TK_HCALL:
        ui_put(t, ST_TEXT, "The host carries out the guest's hypercall %s (do_hcall).",
               hc ? hc : "(unknown)");
        break;
    case TK_PF:
        ui_put(t, ST_TEXT, "The host decides on the page fault at 0x%08x (demand_page): %s.",
               f[PF_CR2], f[PF_OUTCOME] < 4 ? pf[f[PF_OUTCOME]] : "?");
        break;
    case TK_SPTE:
        ui_put(t, ST_TEXT, "The host writes the shadow PTE for 0x%08x (shadow slot %u).",
               f[SP_VADDR], f[SP_SLOT]);
        break;
    case TK_REFLECT:
        ui_put(t, ST_TEXT, "The host pushes a trap frame for vector %u onto the guest's stack "
               "and points it at the guest's handler.", f[RF_VECTOR]);
        break;
    case TK_IRQ:
        ui_put(t, ST_TEXT, "Guest IRQ %u: %s.", f[IQ_IRQ],
               f[IQ_ACTION] < 5 ? irq[f[IQ_ACTION]] : "?");
        break;
    case TK_FLUSH:
        ui_put(t, ST_TEXT, "The host drops shadow entries (%s).",
               trace_value_name(TK_FLUSH, FL_WHAT, f[FL_WHAT]) ?
               trace_value_name(TK_FLUSH, FL_WHAT, f[FL_WHAT]) : "?");
        break;
    case TK_LAUNCHER:
        ui_put(t, ST_TEXT, "The launcher (a host process in lguest) emulates for the guest: %s.",
               trace_value_name(TK_LAUNCHER, LN_WHAT, f[LN_WHAT]) ?
               trace_value_name(TK_LAUNCHER, LN_WHAT, f[LN_WHAT]) : "?");
        break;
    case TK_CONSOLE:
        ui_put(t, ST_TEXT, "The launcher writes what the guest printed to the console.");
        break;
    case TK_HALT:
        ui_put(t, ST_TEXT, "The guest has halted: the host idles until its next timer.");
        break;
    case TK_DEATH:
        ui_put(t, ST_TEXT, "The guest has stopped: %s", run_text(m->run, m->at.rec));
        break;
    default:
        ui_put(t, ST_TEXT, "The host gives the guest input from outside (%s).",
               trace_kind_name(r->kind));
    }
}

/* What the record at the position is, in a line. */
static void headline(struct ui_model *m, struct ui_text *t) {
    const struct run *run = m->run;
    const struct run_rec *r = &run->rec[m->at.rec];
    const uint32_t *f = r->f;
    char tag[128];
    if (m->at.running) {
        uint64_t start = r->t + (r->kind == TK_TO_GUEST ? f[TG_SWITCHER_NS] : 0);
        uint64_t end = m->at.rec + 1 < run->n ? run->rec[m->at.rec + 1].t : start;
        uint32_t eip = r->kind == TK_TO_GUEST ? f[TG_EIP] : f[RY_EIP];
        symtab_tag(m->sym, eip, tag, sizeof(tag));
        ui_put(t, ST_TEXT, "The guest runs in %s from eip 0x%08x%s for %" PRIu64 " ns; a trace "
               "records nothing until it leaves again.", model_world_name(m->where.lit), eip,
               tag, end > start ? end - start : 0);
        return;
    }
    switch (r->kind) {
    case TK_TO_HOST:
        ui_put(t, ST_TEXT, "Out of the guest through the Switcher (%u ns): it saves the guest's "
               "registers and loads the host's CR3, GDT, IDT and TSS.", f[TH_SWITCHER_NS]);
        break;
    case TK_TO_GUEST:
        ui_put(t, ST_TEXT, "Into the guest through the Switcher (%u ns): the guest's GDT, IDT, "
               "TSS and shadow CR3 0x%08x, then iret.", f[TG_SWITCHER_NS], f[TG_SHADOW]);
        break;
    case TK_RETRY:
        ui_put(t, ST_TEXT, "The guest runs the faulting instruction at 0x%08x again.", f[RY_EIP]);
        break;
    case TK_RT_END:
        rt_end_headline(m, t, r);
        break;
    default:
        host_headline(m, t, r);
    }
}

static void put_trail(struct ui_model *m, struct ui_text *t) {
    struct ui_where *w = &m->where;
    ui_put(t, ST_DIM, "the last transitions, newest first:");
    for (unsigned i = 0; i < w->n_trail; i++)
        ui_put(t, i == 0 && w->trail[i].rec == m->at.rec ? ST_HOT : ST_TEXT,
               "#%" PRIu64 " %s -> %s: %s", w->trail[i].rec, model_world_name(w->trail[i].from),
               model_world_name(w->trail[i].to), w->trail[i].why);
}

/* Now, in a machine under the window: the CPU itself says where it is, to the instruction;
 * the records say how it got there. */
static void where_live(struct ui_model *m, struct ui_text *t) {
    struct ui_where *w = &m->where;
    const struct ui_live_now *L = &m->live;
    w->lit = L->world;
    w->passing = L->passing;
    w->from = L->from;
    w->to = L->to;
    w->n_trail = 0;
    if (m->run->n) build_trail(m);
    if (w->passing)
        ui_put(t, ST_HEAD, "now: the Switcher, %s -> %s", model_world_name(w->from),
               model_world_name(w->to));
    else
        ui_put(t, ST_HEAD, "now: %s", model_world_name(w->lit));
    if (L->ended)
        ui_put(t, ST_TEXT, "The guest has stopped: %s.", L->end_why);
    else
        ui_put(t, ST_TEXT, "live: the CPU stands at eip 0x%08x%s in ring %d, %s.", L->eip,
               L->sym, L->cpl, L->stop);
    if (L->delivery[0]) ui_put(t, ST_TEXT, "the last delivery through the IDT: %s", L->delivery);
    put_trail(m, t);
    snprintf(m->sig[P_WHERE], sizeof(m->sig[P_WHERE]), "%d %d %d %d live", w->lit, w->passing,
             w->from, w->to);
}

void where_update(struct ui_model *m) {
    struct ui_where *w = &m->where;
    struct ui_text *t = &m->text[P_WHERE];
    ui_text_clear(t);
    if (model_at_now(m)) {
        where_live(m, t);
        return;
    }
    w->lit = world_at(m->run, m->at);
    build_trail(m);
    struct ui_transition now;
    w->passing = !m->at.running && transition(m, m->at.rec, &now) &&
                 m->run->rec[m->at.rec].kind != TK_RETRY;
    if (w->passing) {
        w->from = now.from;
        w->to = now.to;
        ui_put(t, ST_HEAD, "now: the Switcher, %s -> %s", model_world_name(now.from),
               model_world_name(now.to));
    } else {
        ui_put(t, ST_HEAD, "now: %s", model_world_name(w->lit));
    }
    headline(m, t);
    put_trail(m, t);
    snprintf(m->sig[P_WHERE], sizeof(m->sig[P_WHERE]), "%d %d %d %d", w->lit, w->passing,
             w->from, w->to);
}
