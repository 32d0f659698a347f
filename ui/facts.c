/* facts.c - what the records say about where the CPU was: shared by the panels. */
#include "ui/model.h"
#include <inttypes.h>
#include <stdio.h>

enum ui_world guest_world(uint32_t cs_or_cpl) {
    return (cs_or_cpl & 3) == 3 ? W_USER : W_KERNEL;
}

/* The ring a round trip's faulting instruction ran in: its retry runs there again. */
static enum ui_world faulting_world(const struct run *run, uint32_t rt) {
    uint64_t first, last;
    if (!run_round_trip(run, rt, &first, &last) || run->rec[first].kind != TK_TO_HOST)
        return W_KERNEL;
    return guest_world(run->rec[first].f[TH_CS]);
}

/* The ring the guest left from at the next exit after i (the guest ran there last). */
static enum ui_world next_exit_world(const struct run *run, uint64_t i) {
    for (uint64_t j = i + 1; j < run->n; j++)
        if (run->rec[j].kind == TK_TO_HOST) return guest_world(run->rec[j].f[TH_CS]);
    return W_KERNEL;
}

enum ui_world world_at(const struct run *run, struct ui_at a) {
    if (a.rec >= run->n) return W_HOST;
    const struct run_rec *r = &run->rec[a.rec];
    if (a.running)
        return r->kind == TK_TO_GUEST ? guest_world(r->f[TG_CPL]) : faulting_world(run, r->rt);
    switch (r->kind) {
    case TK_TO_HOST:
    case TK_TO_GUEST: return W_SWITCHER;
    case TK_RETRY:    return faulting_world(run, r->rt);
    case TK_RT_END:   return next_exit_world(run, a.rec);
    default:          return W_HOST;
    }
}

uint64_t last_of_kind(const struct run *run, uint64_t i, unsigned kind) {
    if (i >= run->n) i = run->n ? run->n - 1 : 0;
    for (uint64_t j = i + 1; j-- > 0;)
        if (run->rec[j].kind == kind) return j;
    return UINT64_MAX;
}

uint64_t last_exit_with_vector(const struct run *run, uint64_t i, uint32_t vector) {
    if (i >= run->n) i = run->n ? run->n - 1 : 0;
    for (uint64_t j = i + 1; j-- > 0;)
        if (run->rec[j].kind == TK_TO_HOST && run->rec[j].f[TH_VECTOR] == vector) return j;
    return UINT64_MAX;
}

void visit_around(const struct run *run, uint64_t i, uint64_t *first, uint64_t *last) {
    uint64_t f = 0, l = i;
    for (uint64_t j = i + 1; j-- > 0;) {
        unsigned k = run->rec[j].kind;
        if (k == TK_TO_HOST) { f = j; break; }
        if (k == TK_TO_GUEST && j != i) { f = j + 1; break; }
    }
    for (uint64_t j = i; j < run->n; j++) {
        unsigned k = run->rec[j].kind;
        if (k == TK_TO_HOST && j != i && j > f) break;
        l = j;
        if (k == TK_TO_GUEST) break;
    }
    *first = f;
    *last = l;
}

uint64_t visit_hcall(const struct run *run, uint64_t exit) {
    if (exit >= run->n || run->rec[exit].kind != TK_TO_HOST || run->rec[exit].f[TH_VECTOR] != 0x1f)
        return UINT64_MAX;
    for (uint64_t j = exit + 1; j < run->n; j++) {
        const struct run_rec *r = &run->rec[j];
        if (r->kind == TK_TO_GUEST || r->kind == TK_TO_HOST) break;
        if (r->kind == TK_HCALL && !r->f[HC_ASYNC]) return j;
    }
    return UINT64_MAX;
}

void format_time(uint64_t t, char *buf, size_t len) {
    snprintf(buf, len, "%" PRIu64 ".%06" PRIu64 " ms", t / 1000000, t % 1000000);
}
