/* record.c - the record panel: the record at the moment, every field decoded. */
#include "ui/model.h"
#include "traces/describe.h"
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

/* Fields that hold a code or data address a symbol can name. */
static int is_address(unsigned kind, unsigned f) {
    const char *n = trace_field_name(kind, f);
    return n && (!strcmp(n, "eip") || !strcmp(n, "handler") || !strcmp(n, "cr2") ||
                 !strcmp(n, "vaddr"));
}

/* A field's value in words, when describe.c has words for it. */
static void words(const struct trace_rec *r, unsigned f, struct text *w) {
    text_clear(w);
    if (r->kind == TK_TO_HOST && f == TH_ERR && r->f[TH_VECTOR] == 14) describe_pf_err(w, r->f[f]);
    else if (r->kind == TK_PF && f == PF_ERR) describe_pf_err(w, r->f[f]);
    else if (r->kind == TK_REFLECT && f == RF_ERR && r->f[RF_VECTOR] == 14) describe_pf_err(w, r->f[f]);
    else if (r->kind == TK_SPTE && f == SP_SPTE) describe_spte(w, r->f[f]);
    else if ((r->kind == TK_TO_HOST && f == TH_CS) || (r->kind == TK_TO_GUEST && f == TG_CS) ||
             (r->kind == TK_REFLECT && f == RF_CS))
        text_add(w, "%s", describe_ring(r->f[f]));
}

void record_update(struct ui_model *m) {
    static struct trace_rec r;
    struct ui_text *t = &m->text[P_RECORD];
    ui_text_clear(t);
    run_get(m->run, m->at.rec, &r);
    char line[1024], when[32];
    format_time(r.t, when, sizeof(when));
    if (m->at.running) {
        ui_put(t, ST_HEAD, "after #%" PRIu64 ": the guest runs (no record while it does)", r.index);
        ui_put(t, ST_DIM, "the record before it:");
    }
    ui_put(t, ST_HEAD, "#%" PRIu64 " %s at %s%s", r.index, trace_kind_name(r.kind), when,
           r.rt ? "" : ", in no round trip");
    if (r.rt) ui_put(t, ST_TEXT, "  %-12s %u", "round trip", r.rt);
    struct text w;
    for (unsigned f = 0; f < r.nfields; f++) {
        char value[48], tag[128] = "";
        trace_format_field(r.kind, f, r.f[f], value, sizeof(value));
        if (is_address(r.kind, f)) symtab_tag(m->sym, r.f[f], tag, sizeof(tag));
        words(&r, f, &w);
        ui_put(t, ST_TEXT, "  %-12s %s%s%s%s", trace_field_name(r.kind, f), value, tag,
               w.len ? "  " : "", w.buf);
    }
    if (trace_kind_has_text(r.kind)) {
        text_clear(&w);
        text_add_quoted(&w, r.text, r.text_len, 300);
        ui_put(t, ST_TEXT, "  %-12s %s", "text", w.buf);
    }
    if (r.kind == TK_HCALL) {
        text_clear(&w);
        describe_hcall(&w, &r);
        ui_put(t, ST_NOTE, "  %s", w.buf);
    }
    trace_format(&r, line, sizeof(line));
    ui_put(t, ST_DIM, "dump: #%" PRIu64 " %s", r.index, line);
    snprintf(m->sig[P_RECORD], sizeof(m->sig[P_RECORD]), "%" PRIu64 " %d", r.index, m->at.running);
}
