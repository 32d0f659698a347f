/* record.h - the one place every observable event goes through (the trace system grows here). */
#ifndef LGSIM_RECORD_H
#define LGSIM_RECORD_H
#include <stdint.h>
#include <stdio.h>

enum rec_kind { REC_SWITCH_TO_GUEST, REC_SWITCH_TO_HOST, REC_HYPERCALL, REC_REFLECT,
                REC_PAGE_FAULT, REC_EMULATE, REC_CONSOLE, REC_DEATH };

struct rec_switch {
    int to_guest;                /* 1: host -> guest, 0: guest -> host */
    uint32_t vector, errcode;    /* trapnum and error code (guest -> host) */
    uint32_t eip, cs;            /* the Guest's EIP and CS at the switch */
    int cpl_before, cpl_after;
    uint32_t switcher_insns;     /* instructions executed inside the Switcher page */
    uint32_t first_insn, last_insn;
    const char *first_sym, *last_sym;
    uint32_t first_off, last_off;
    uint64_t now_ns;
};

struct recorder {
    FILE *switches;              /* --trace-switches: one text line per world switch */
    uint64_t n_switches;
};

void rec_switch(struct recorder *r, const struct rec_switch *s);
#endif
