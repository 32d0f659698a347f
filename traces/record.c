/* record.c - recording world switches; every path that switches worlds calls rec_switch(). */
#include "traces/record.h"
#include <inttypes.h>

void rec_switch(struct recorder *r, const struct rec_switch *s) {
    r->n_switches++;
    if (!r->switches)
        return;
    if (s->to_guest)
        fprintf(r->switches, "switch host->guest               eip=%08x cs=%04x cpl %d->%d"
                " switcher=%u insns %s+%#x..%s+%#x t=%" PRIu64 "\n", s->eip, s->cs,
                s->cpl_before, s->cpl_after, s->switcher_insns, s->first_sym, s->first_off,
                s->last_sym, s->last_off, s->now_ns);
    else
        fprintf(r->switches, "switch guest->host vec=%02x err=%x eip=%08x cs=%04x cpl %d->%d"
                " switcher=%u insns %s+%#x..%s+%#x t=%" PRIu64 "\n", s->vector, s->errcode,
                s->eip, s->cs, s->cpl_before, s->cpl_after, s->switcher_insns, s->first_sym,
                s->first_off, s->last_sym, s->last_off, s->now_ns);
}
