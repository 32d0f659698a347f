/* summary.c - what stretches of a run hold, so a timeline column costs no scan of its records. */
#include "ui/timeline.h"
#include <stdlib.h>

/*
 * A column of the whole run covers many records; drawing it asks which lanes they colour and
 * which events they hold.  Every record but the column's first and last lies wholly inside
 * it, and shows there what it shows in any column that holds it whole: that is the record's
 * bits, kept as the records come, and OR-ed over aligned blocks of 64 and 4096 records, so a
 * column of a million records costs a few hundred ORs, and a live window's frame does not
 * grow with the run.
 */
#define B1 64
#define B2 4096

static uint16_t bits_of(const struct run *run, uint64_t i) {
    const struct run_rec *r = &run->rec[i];
    int sw = r->kind == TK_TO_HOST || r->kind == TK_TO_GUEST;
    unsigned lanes = (sw ? 1u << W_SWITCHER : 0) | 1u << timeline_world_after(run, i);
    return (uint16_t)(lanes | (unsigned)timeline_event_of(r) << 8);
}

static int room(struct run_summary *s, uint64_t n) {
    if (n <= s->cap) return 0;
    uint64_t cap = s->cap ? s->cap * 2 : 65536;
    while (cap < n) cap *= 2;
    uint16_t *bits = realloc(s->bits, (size_t)cap * sizeof(*bits));
    if (!bits) return -1;
    s->bits = bits;
    uint16_t *b1 = realloc(s->b64, (size_t)(cap / B1) * sizeof(*b1));
    if (!b1) return -1;
    s->b64 = b1;
    uint16_t *b2 = realloc(s->b4096, (size_t)(cap / B2) * sizeof(*b2));
    if (!b2) return -1;
    s->b4096 = b2;
    s->cap = cap;
    return 0;
}

static uint16_t or_of(const uint16_t *v, uint64_t n) {
    uint16_t acc = 0;
    for (uint64_t i = 0; i < n; i++) acc |= v[i];
    return acc;
}

/* At an exit every record before it is settled (a round trip's end shows the ring the guest
 * left from next): their bits, and the blocks they complete.  Out of memory, the summary
 * stops growing and the timeline asks the records themselves. */
void summary_append(struct run *run) {
    struct run_summary *s = &run->sum;
    uint64_t last = run->n - 1;
    if (run->rec[last].kind != TK_TO_HOST || room(s, run->n)) return;
    for (uint64_t i = s->stable; i <= last; i++) s->bits[i] = bits_of(run, i);
    s->stable = run->n;
    for (; (s->n64 + 1) * B1 <= s->stable; s->n64++)
        s->b64[s->n64] = or_of(s->bits + s->n64 * B1, B1);
    for (; (s->n4096 + 1) * (B2 / B1) <= s->n64; s->n4096++)
        s->b4096[s->n4096] = or_of(s->b64 + s->n4096 * (B2 / B1), B2 / B1);
}

/* The records after the last exit before the run's new end are not settled any more. */
void summary_truncate(struct run *run) {
    struct run_summary *s = &run->sum;
    uint64_t stable = 0;
    for (uint64_t i = run->n; i > 0 && !stable; i--)
        if (run->rec[i - 1].kind == TK_TO_HOST) stable = i;
    if (stable < s->stable) s->stable = stable;
    if (s->n64 > s->stable / B1) s->n64 = s->stable / B1;
    if (s->n4096 > s->n64 / (B2 / B1)) s->n4096 = s->n64 / (B2 / B1);
}

uint16_t summary_or(const struct run *run, uint64_t a, uint64_t b) {
    const struct run_summary *s = &run->sum;
    uint16_t acc = 0;
    uint64_t i = a;
    while (i <= b && i < s->stable) {
        if (i % B2 == 0 && i / B2 < s->n4096 && b - i >= B2 - 1) {
            acc |= s->b4096[i / B2];
            i += B2;
        } else if (i % B1 == 0 && i / B1 < s->n64 && b - i >= B1 - 1) {
            acc |= s->b64[i / B1];
            i += B1;
        } else {
            acc |= s->bits[i++];
        }
    }
    for (; i <= b; i++) acc |= bits_of(run, i);   /* after the last exit: few */
    return acc;
}

void summary_free(struct run_summary *s) {
    free(s->bits);
    free(s->b64);
    free(s->b4096);
    *s = (struct run_summary){ 0 };
}
