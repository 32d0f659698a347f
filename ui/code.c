/* code.c - the code panel: Capstone's disassembly around the instruction that matters now. */
#include "ui/model.h"
#include <capstone/capstone.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BEFORE 8          /* instructions shown before the marked one */
#define AFTER 14
#define SPAN 4096         /* at most this far from a symbol's start */

static csh capstone(void) {
    static csh h;
    static int state;     /* 0 not tried, 1 open, -1 failed */
    if (!state) {
        state = cs_open(CS_ARCH_X86, CS_MODE_32, &h) == CS_ERR_OK ? 1 : -1;
        /* AT&T, as the Switcher's source, Linux's entry code and gdb write it. */
        if (state > 0) cs_option(h, CS_OPT_SYNTAX, CS_OPT_SYNTAX_ATT);
    }
    return state > 0 ? h : 0;
}

/* Which instruction matters at this moment, and what to call the listing. */
static uint32_t focus(const struct ui_model *m, char *title, size_t len) {
    const struct run *run = m->run;
    const struct run_rec *r = &run->rec[m->at.rec];
    const struct symtab *s = m->sym;
    if (!m->at.running && r->kind == TK_TO_HOST && s->have_sw && r->f[TH_VECTOR] < 256) {
        snprintf(title, len, "the Switcher's stub for vector %u, on the way out (the guest was "
                 "at 0x%08x)", r->f[TH_VECTOR], r->f[TH_EIP]);
        return s->sw.idt_stubs[r->f[TH_VECTOR]];
    }
    if (!m->at.running && r->kind == TK_TO_GUEST && s->have_sw) {
        snprintf(title, len, "the Switcher, on the way in (to eip 0x%08x)", r->f[TG_EIP]);
        return s->sw.switch_to_guest;
    }
    if (r->kind == TK_RETRY) {
        snprintf(title, len, "guest code: the faulting instruction, again");
        return r->f[RY_EIP];
    }
    uint64_t g = last_of_kind(run, m->at.rec, TK_TO_GUEST), x = last_of_kind(run, m->at.rec, TK_TO_HOST);
    uint64_t y = last_of_kind(run, m->at.rec, TK_RETRY);
    if (y != UINT64_MAX && (g == UINT64_MAX || y > g) && (x == UINT64_MAX || y > x)) {
        snprintf(title, len, "guest code (from the retry at #%" PRIu64 ")", y);
        return run->rec[y].f[RY_EIP];
    }
    if (x != UINT64_MAX && (g == UINT64_MAX || x > g)) {
        snprintf(title, len, "guest code: what made it leave (the host's own code is not in a "
                 "trace)");
        return run->rec[x].f[TH_EIP];
    }
    if (g != UINT64_MAX) {
        snprintf(title, len, "guest code from eip 0x%08x, where it entered", run->rec[g].f[TG_EIP]);
        return run->rec[g].f[TG_EIP];
    }
    title[0] = 0;
    return 0;
}

/* A branch or call to a known address gets its symbol. */
static void target_tag(const struct ui_model *m, const cs_insn *in, char *buf, size_t len) {
    buf[0] = 0;
    if ((in->mnemonic[0] == 'j' || !strncmp(in->mnemonic, "call", 4)) &&
        !strncmp(in->op_str, "0x", 2))
        symtab_tag(m->sym, (uint32_t)strtoul(in->op_str, NULL, 16), buf, len);
}

/* A trap (int $0x1f, int $0x80) saves the eip after it: the instruction that ends at eip is
 * the one to point at. */
static int is_trap_exit(const struct ui_model *m) {
    if (model_at_now(m)) return 0;   /* live: eip is the next instruction to run */
    const struct run_rec *r = &m->run->rec[m->at.rec];
    uint64_t x = last_of_kind(m->run, m->at.rec, TK_TO_HOST);
    uint64_t g = last_of_kind(m->run, m->at.rec, TK_TO_GUEST);
    if (x == UINT64_MAX || (g != UINT64_MAX && g > x) || r->kind == TK_TO_HOST) return 0;
    uint32_t v = m->run->rec[x].f[TH_VECTOR];
    return v == 0x1f || v == 0x80 || v == 3 || v == 4;
}

static void put_insn(struct ui_model *m, const cs_insn *in, uint32_t at) {
    char bytes[40] = "", tag[128], head[128];
    for (int i = 0; i < in->size && i < 5; i++)   /* five bytes, then ".." */
        snprintf(bytes + strlen(bytes), sizeof(bytes) - strlen(bytes), "%02x ", in->bytes[i]);
    if (in->size > 5) strcat(bytes, "..");
    uint32_t off = 1;
    const char *sym = symtab_lookup(m->sym, (uint32_t)in->address, &off);
    if (sym && off == 0) ui_put(&m->text[P_CODE], ST_DIM, "%s:", symtab_tag(m->sym,
                                (uint32_t)in->address, head, sizeof(head)) + 1);
    target_tag(m, in, tag, sizeof(tag));
    int here = (uint32_t)in->address == at;
    if (is_trap_exit(m)) here = (uint32_t)(in->address + in->size) == at;
    ui_put(&m->text[P_CODE], here ? ST_CURSOR : ST_TEXT, "%s %08" PRIx64 " %-15s %s %s%s",
           here ? "=>" : "  ", in->address, bytes, in->mnemonic, in->op_str, tag);
}

/* From the function's start (so the instructions before eip decode as they were written) to
 * AFTER instructions past eip; only the last BEFORE ones before it are shown. */
static void listing(struct ui_model *m, uint32_t at) {
    static uint8_t code[SPAN + 64];
    csh h = capstone();
    uint32_t start = symtab_start(m->sym, at);
    if (!start || at - start > SPAN - 64) start = at;
    uint32_t have = symtab_code(m->sym, start, code, sizeof(code));
    if (!h || !have) {
        ui_put(&m->text[P_CODE], ST_NOTE, "no code for 0x%08x: %s", at, m->sym->where);
        return;
    }
    cs_insn *in = NULL;
    size_t n = cs_disasm(h, code, have, start, 0, &in);
    size_t k = 0;
    while (k < n && in[k].address < at) k++;
    if (k == n || in[k].address != at) {     /* not on an instruction boundary: start there */
        cs_free(in, n);
        have = symtab_code(m->sym, at, code, 128);
        n = cs_disasm(h, code, have, at, 0, &in);
        k = 0;
    }
    for (size_t i = k > BEFORE ? k - BEFORE : 0; i < n && i <= k + AFTER; i++)
        put_insn(m, &in[i], at);
    if (n) cs_free(in, n);
}

/* Live: the bytes the CPU will run, read through its own address space (live.c). */
static void listing_live(struct ui_model *m) {
    const struct ui_live_now *L = &m->live;
    csh h = capstone();
    uint32_t at = L->eip;
    if (!h || !L->code_len) {
        ui_put(&m->text[P_CODE], ST_NOTE, "no code at 0x%08x: the address is not mapped", at);
        return;
    }
    cs_insn *in = NULL;
    size_t n = cs_disasm(h, L->code, L->code_len, L->code_start, 0, &in);
    size_t k = 0;
    while (k < n && in[k].address < at) k++;
    if (k == n || in[k].address != at) {     /* not on an instruction boundary: start there */
        if (n) cs_free(in, n);
        uint32_t skip = at - L->code_start;
        n = skip < L->code_len ? cs_disasm(h, L->code + skip, L->code_len - skip, at, 0, &in) : 0;
        k = 0;
    }
    for (size_t i = k > BEFORE ? k - BEFORE : 0; i < n && i <= k + AFTER; i++)
        put_insn(m, &in[i], at);
    if (n) cs_free(in, n);
}

void code_update(struct ui_model *m) {
    struct ui_text *t = &m->text[P_CODE];
    ui_text_clear(t);
    if (model_at_now(m)) {
        ui_put(t, ST_DIM, "live: the %s's code at eip 0x%08x%s, as the CPU sees it",
               model_world_name(m->live.world), m->live.eip, m->live.sym);
        listing_live(m);
        snprintf(m->sig[P_CODE], sizeof(m->sig[P_CODE]), "live %#x", m->live.eip);
        return;
    }
    char title[200];
    uint32_t at = focus(m, title, sizeof(title));
    snprintf(m->sig[P_CODE], sizeof(m->sig[P_CODE]), "%#x", at);
    if (!title[0]) {
        ui_put(t, ST_DIM, "no guest code has run yet");
        return;
    }
    if (is_trap_exit(m))
        snprintf(title, sizeof(title), "guest code: the trap that made it leave (its saved eip, "
                 "0x%08x, is the instruction after it; the host's code is not in a trace)", at);
    ui_put(t, ST_DIM, "%s", title);
    listing(m, at);
}
