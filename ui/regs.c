/* regs.c - the registers panel: as much of the CPU's state as the trace holds at the moment. */
#include "ui/model.h"
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * A trace keeps, at every world switch, the guest's eip, cs, ring, page directory and shadow
 * root, and at an exit also the vector, error code, cr2 and esp.  That is what this panel can
 * show from a trace; the general registers, EFLAGS and the segment caches need the machine
 * itself (live mode).  Each value says which record it comes from.
 */
#define REGS_MAX 12
struct reg { const char *name; char value[48]; uint64_t from; };
struct regs { struct reg r[REGS_MAX]; unsigned n; };

static struct reg *add(struct regs *rs, const char *name, uint64_t from) {
    struct reg *r = &rs->r[rs->n++];
    r->name = name;
    r->value[0] = 0;
    r->from = from;
    return r;
}

static void hex(struct regs *rs, const char *name, uint32_t v, uint64_t from) {
    struct reg *r = add(rs, name, from);
    if (from != UINT64_MAX) snprintf(r->value, sizeof(r->value), "0x%08x", v);
}

static uint64_t later(uint64_t a, uint64_t b) {
    if (a == UINT64_MAX) return b;
    if (b == UINT64_MAX) return a;
    return a > b ? a : b;
}

/* The guest's side: from the latest world switch (or retry) at or before i. */
static void guest_side(const struct run *run, uint64_t i, struct regs *rs) {
    uint64_t sw = later(last_of_kind(run, i, TK_TO_HOST), last_of_kind(run, i, TK_TO_GUEST));
    uint64_t y = last_of_kind(run, i, TK_RETRY);
    const struct run_rec *r = sw != UINT64_MAX ? &run->rec[sw] : NULL;
    int exit = r && r->kind == TK_TO_HOST;
    uint32_t eip = r ? r->f[exit ? TH_EIP : TG_EIP] : 0, cs = r ? r->f[exit ? TH_CS : TG_CS] : 0;
    uint64_t eip_from = sw;
    if (y != UINT64_MAX && later(y, sw) == y) {   /* the retry: the faulting eip again */
        eip = run->rec[y].f[RY_EIP];
        eip_from = y;
    }
    hex(rs, "eip", eip, eip_from);
    struct reg *c = add(rs, "cs", sw);
    if (r) snprintf(c->value, sizeof(c->value), "0x%04x (ring %u)", cs, cs & 3);
    if (exit) hex(rs, "esp", r->f[TH_ESP], sw);
    else add(rs, "esp", UINT64_MAX);
    hex(rs, "guest cr3", r ? r->f[exit ? TH_PGDIR : TG_PGDIR] : 0, sw);
    hex(rs, "real cr3", r ? r->f[exit ? TH_SHADOW : TG_SHADOW] : 0, sw);
}

/* The last trap that took the guest out, and the last page fault's address. */
static void last_exit(const struct run *run, uint64_t i, struct regs *rs) {
    uint64_t x = last_of_kind(run, i, TK_TO_HOST);
    struct reg *v = add(rs, "trap", x);
    if (x != UINT64_MAX) {
        uint32_t vec = run->rec[x].f[TH_VECTOR];
        const char *name = trace_vector_name(vec);
        snprintf(v->value, sizeof(v->value), "%u %s err %#x", vec, name ? name : "",
                 run->rec[x].f[TH_ERR]);
    }
    uint64_t pf = last_exit_with_vector(run, i, 14);
    hex(rs, "cr2", pf != UINT64_MAX ? run->rec[pf].f[TH_CR2] : 0, pf);
    /* A ring-1 kernel cannot read CR2: the host copies it for the guest on a reflected #PF. */
    uint64_t rf = UINT64_MAX;
    for (uint64_t j = i + 1; j-- > 0;)
        if (run->rec[j].kind == TK_REFLECT && run->rec[j].f[RF_VECTOR] == 14) { rf = j; break; }
    uint64_t d = rf != UINT64_MAX ? last_of_kind(run, rf, TK_PF) : UINT64_MAX;
    hex(rs, "lguest_data.cr2", d != UINT64_MAX ? run->rec[d].f[PF_CR2] : 0,
        d != UINT64_MAX ? rf : UINT64_MAX);
}

static void regs_at(const struct run *run, struct ui_at a, struct regs *rs) {
    rs->n = 0;
    uint64_t i = a.rec < run->n ? a.rec : run->n - 1;
    guest_side(run, i, rs);
    last_exit(run, i, rs);
}

/* --- live: the machine's own registers --- */

static void live_flags(char *buf, size_t len, uint32_t f) {
    static const struct { uint32_t bit; const char *name; } fl[] = {
        { 1u << 0, "CF" }, { 1u << 2, "PF" }, { 1u << 4, "AF" }, { 1u << 6, "ZF" },
        { 1u << 7, "SF" }, { 1u << 8, "TF" }, { 1u << 9, "IF" }, { 1u << 10, "DF" },
        { 1u << 11, "OF" }, { 1u << 14, "NT" }, { 1u << 16, "RF" }, { 1u << 17, "VM" },
        { 1u << 18, "AC" }, { 1u << 21, "ID" } };
    size_t n = (size_t)snprintf(buf, len, "0x%08x [", f);
    for (size_t i = 0; i < sizeof(fl) / sizeof(fl[0]) && n < len; i++)
        if (f & fl[i].bit) n += (size_t)snprintf(buf + n, len - n, " %s", fl[i].name);
    if (n < len) snprintf(buf + n, len - n, " ] IOPL %u", (f >> 12) & 3);
}

/* One line, lit when it differs from the stop before. */
static void live_line(struct ui_text *t, int hot, const char *fmt, ...)
    __attribute__((format(LGSIM_PRINTF_FORMAT, 3, 4)));
static void live_line(struct ui_text *t, int hot, const char *fmt, ...) {
    char buf[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    ui_put(t, hot ? ST_HOT : ST_TEXT, "%s", buf);
}

static void regs_live(struct ui_model *m, struct ui_text *t) {
    static const char *segs[6] = { "cs", "ss", "ds", "es", "fs", "gs" };
    const struct ui_live_now *L = &m->live;
    const struct control_regs *r = &L->regs, *p = L->have_prev ? &L->prev : &L->regs;
    char fl[96];
    ui_put(t, ST_DIM, "live: the machine's registers at this stop (lit: changed since the "
           "last)");
    live_line(t, r->eax != p->eax || r->ebx != p->ebx, "eax 0x%08x  ebx 0x%08x", r->eax,
              r->ebx);
    live_line(t, r->ecx != p->ecx || r->edx != p->edx, "ecx 0x%08x  edx 0x%08x", r->ecx,
              r->edx);
    live_line(t, r->esi != p->esi || r->edi != p->edi, "esi 0x%08x  edi 0x%08x", r->esi,
              r->edi);
    live_line(t, r->ebp != p->ebp || r->esp != p->esp, "ebp 0x%08x  esp 0x%08x", r->ebp,
              r->esp);
    live_line(t, r->eip != p->eip, "eip 0x%08x%s", r->eip, L->sym);
    live_flags(fl, sizeof(fl), r->eflags);
    live_line(t, r->eflags != p->eflags, "eflags %s", fl);
    for (int i = 0; i < 6; i++) {
        int hot = r->seg[i] != p->seg[i] || r->seg_base[i] != p->seg_base[i] ||
                  r->seg_limit[i] != p->seg_limit[i];
        if (r->seg_known[i])
            live_line(t, hot, "%s  0x%04x (rpl %u) base 0x%08x limit 0x%08x", segs[i],
                      r->seg[i], r->seg[i] & 3, r->seg_base[i], r->seg_limit[i]);
        else
            live_line(t, hot, "%s  0x%04x (rpl %u)", segs[i], r->seg[i], r->seg[i] & 3);
    }
    live_line(t, r->cpl != p->cpl, "CPL %d (%s)", r->cpl, model_world_name(L->world));
    live_line(t, r->cr0 != p->cr0, "cr0 0x%08x%s%s%s", r->cr0, r->cr0 & 1 ? " PE" : "",
              r->cr0 & 0x80000000u ? " PG" : "", r->cr0 & 0x10000u ? " WP" : "");
    live_line(t, r->cr2 != p->cr2, "cr2 0x%08x", r->cr2);
    live_line(t, r->cr3 != p->cr3, "cr3 0x%08x", r->cr3);
    live_line(t, r->cr4 != p->cr4, "cr4 0x%08x%s%s", r->cr4, r->cr4 & 0x10 ? " PSE" : "",
              r->cr4 & 0x4 ? " TSD" : "");
    live_line(t, r->gdtr_base != p->gdtr_base || r->gdtr_limit != p->gdtr_limit,
              "gdtr 0x%08x limit 0x%04x", r->gdtr_base, r->gdtr_limit);
    live_line(t, r->idtr_base != p->idtr_base || r->idtr_limit != p->idtr_limit,
              "idtr 0x%08x limit 0x%04x", r->idtr_base, r->idtr_limit);
    live_line(t, r->tr != p->tr || r->ldtr != p->ldtr, "tr 0x%04x  ldtr 0x%04x", r->tr,
              r->ldtr);
    char when[32];
    format_time(L->now_ns, when, sizeof(when));
    ui_put(t, ST_TEXT, "virtual time %s", when);
    snprintf(m->sig[P_REGS], sizeof(m->sig[P_REGS]), "live %x %x %x %x %x %x %x %x %x %x %x",
             r->eax, r->ebx, r->ecx, r->edx, r->esi, r->edi, r->ebp, r->esp, r->eip,
             r->eflags, r->cr3);
}

void regs_update(struct ui_model *m) {
    static struct regs now, before;
    struct ui_text *t = &m->text[P_REGS];
    ui_text_clear(t);
    if (model_at_now(m)) {
        regs_live(m, t);
        return;
    }
    regs_at(m->run, m->at, &now);
    regs_at(m->run, m->before, &before);
    ui_put(t, ST_DIM, "what the trace holds (#: the record it is from)");
    size_t n = 0;   /* every value: the panel lights when one changes */
    m->sig[P_REGS][0] = 0;
    for (unsigned i = 0; i < now.n; i++) {
        const struct reg *r = &now.r[i];
        int hot = i < before.n && strcmp(r->value, before.r[i].value);
        char tag[128] = "", from[32] = "";
        if (!strcmp(r->name, "eip") && r->value[0])
            symtab_tag(m->sym, (uint32_t)strtoul(r->value, NULL, 16), tag, sizeof(tag));
        if (r->from != UINT64_MAX) snprintf(from, sizeof(from), "   #%" PRIu64, r->from);
        ui_put(t, hot ? ST_HOT : ST_TEXT, "%-15s %s%s%s", r->name, r->value[0] ? r->value : "-",
               tag, from);
        if (n + 1 < sizeof(m->sig[P_REGS]))
            n += (size_t)snprintf(m->sig[P_REGS] + n, sizeof(m->sig[P_REGS]) - n, "%.20s,",
                                  r->value);
    }
    char when[32];
    format_time(m->run->rec[m->at.rec].t, when, sizeof(when));
    ui_put(t, ST_TEXT, "%-15s %s", "virtual time", when);
}
