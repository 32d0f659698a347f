/* record.h - the one place every observable event goes through on its way into a trace. */
#ifndef LGSIM_RECORD_H
#define LGSIM_RECORD_H
#include <stdint.h>
#include <stdio.h>
#include "traces/names.h"
#include "traces/writer.h"

/* --trace-switches: one text line per world switch, with the Switcher's instructions. */
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

/*
 * A page-fault round trip, as the recorder follows it: it opens at a #PF exit, every record
 * while it is open carries its id, the CPU reports when the faulting instruction starts again
 * (TK_RETRY), and the next exit that is not the same fault again ends it (TK_RT_END, "ok").
 * A fault reflected to the Guest can also end without a retry: its handler may return
 * somewhere else (skip the instruction, kill the process).  That shows at the first exit from
 * the same address space back in the faulting ring with the handler's frame popped (user
 * mode: any exit from ring 3; kernel: the stack pointer above the frame): "abandoned".  The
 * Guest stopping first ends it as "unfinished".
 */
enum rt_state { RT_IDLE, RT_OPEN, RT_RETRIED };

struct recorder {
    FILE *switches;              /* --trace-switches, or NULL */
    struct trace_namer names;    /* names the Guest's EIP in those lines (never in a trace) */
    uint64_t n_switches;
    struct rec_switch last;      /* the last world switch, for a run that says where it stopped */
    struct trace_writer *w;      /* --trace, or NULL */
    /* Shown every record as it goes into the trace (the debugger keeps the last few). */
    void (*tap)(void *ctx, const struct trace_rec *r);
    void *tap_ctx;

    enum rt_state rt_state;
    uint32_t rt, last_rt;
    uint32_t rt_eip, rt_cs, rt_cr2, rt_steps;
    uint32_t rt_shadow;          /* the shadow root it faulted in: the retry runs there */
    uint32_t rt_frame_esp;       /* where the reflected frame went; 0: not reflected */
    uint64_t rt_start_ns, rt_retry_ns;

    char con[TRACE_TEXT_MAX];    /* console bytes not yet in a record */
    uint32_t con_len;
    uint64_t con_t;
};

void rec_switch(struct recorder *r, const struct rec_switch *s);

/* Write one record of 'kind' at virtual time t with n fields (the kind's, in order). */
void rec_put(struct recorder *r, uint64_t t, unsigned kind, const uint32_t *f, unsigned n);
#define REC(r, t, kind, ...)                                                              \
    do {                                                                                  \
        if ((r)->w) {                                                                     \
            const uint32_t f_[] = { __VA_ARGS__ };                                        \
            rec_put((r), (t), (kind), f_, sizeof(f_) / sizeof(f_[0]));                    \
        }                                                                                 \
    } while (0)
void rec_text(struct recorder *r, uint64_t t, unsigned kind, uint32_t field0, const char *text);
void rec_console(struct recorder *r, uint64_t t, uint8_t ch);
void rec_bytes(struct recorder *r, uint64_t t, unsigned kind, const void *bytes, uint32_t len);
void rec_frame(struct recorder *r, uint64_t t, uint32_t irq, const void *bytes, uint32_t len);
/* Where the open round trip's faulting instruction is (the CPU watches for it), or -1. */
int64_t rec_retry_watch(const struct recorder *r);
/* End the trace: pending console text, an open round trip. */
void rec_finish(struct recorder *r, uint64_t t);
#endif
