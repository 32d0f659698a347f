/* record.c - recording: the switch log, and every record of a binary trace with its round trip. */
#include "traces/record.h"
#include <inttypes.h>
#include <string.h>

void rec_switch(struct recorder *r, const struct rec_switch *s) {
    r->n_switches++;
    r->last = *s;
    if (!r->switches)
        return;
    char name[160];
    trace_name_tag(&r->names, s->eip, name, sizeof(name));
    if (s->to_guest)
        fprintf(r->switches, "switch host->guest               eip=%08x%s cs=%04x cpl %d->%d"
                " switcher=%u insns %s+%#x..%s+%#x t=%" PRIu64 "\n", s->eip, name, s->cs,
                s->cpl_before, s->cpl_after, s->switcher_insns, s->first_sym, s->first_off,
                s->last_sym, s->last_off, s->now_ns);
    else
        fprintf(r->switches, "switch guest->host vec=%02x err=%x eip=%08x%s cs=%04x cpl %d->%d"
                " switcher=%u insns %s+%#x..%s+%#x t=%" PRIu64 "\n", s->vector, s->errcode,
                s->eip, name, s->cs, s->cpl_before, s->cpl_after, s->switcher_insns,
                s->first_sym, s->first_off, s->last_sym, s->last_off, s->now_ns);
}

/* --- the binary trace --- */

static void write_rec(struct recorder *r, uint64_t t, unsigned kind, const uint32_t *f,
                      unsigned n, const char *text, uint32_t text_len) {
    struct trace_rec tr;
    tr.t = t;
    tr.kind = (uint8_t)kind;
    tr.rt = r->rt_state != RT_IDLE ? r->rt : 0;
    tr.nfields = (uint8_t)n;
    memset(tr.f, 0, sizeof(tr.f));
    if (n) memcpy(tr.f, f, n * sizeof(f[0]));   /* text-only kinds pass f = NULL, n = 0 */
    tr.text_len = text_len;
    if (text_len) memcpy(tr.text, text, text_len);
    if (tr.rt) r->rt_steps++;
    tr.index = r->w->n_records;
    if (r->tap) r->tap(r->tap_ctx, &tr);
    trace_write(r->w, &tr);
}

static void flush_console(struct recorder *r) {
    if (!r->con_len) return;
    uint32_t len = r->con_len;
    r->con_len = 0;   /* first: write_rec must not come back here */
    write_rec(r, r->con_t, TK_CONSOLE, NULL, 0, r->con, len);
}

static void end_round_trip(struct recorder *r, uint64_t t, uint32_t outcome) {
    uint64_t until = r->rt_state == RT_RETRIED ? r->rt_retry_ns : t;
    const uint32_t f[] = { outcome, r->rt_steps + 1, (uint32_t)(until - r->rt_start_ns),
                           r->rt_eip, r->rt_cr2 };
    write_rec(r, t, TK_RT_END, f, 5, NULL, 0);
    r->rt_state = RT_IDLE;
}

/* Back in the faulting ring and address space, past the reflected frame, not retrying. */
static int resumed_elsewhere(const struct recorder *r, const uint32_t *f) {
    if (r->rt_state != RT_OPEN || !r->rt_frame_esp || f[TH_SHADOW] != r->rt_shadow ||
        (f[TH_CS] & 3) != (r->rt_cs & 3) || f[TH_EIP] == r->rt_eip)
        return 0;
    return (r->rt_cs & 3) == 3 || f[TH_ESP] > r->rt_frame_esp;
}

/* @tour Mastery 40: The round trip in a trace
 * lgsim --trace records all of the above: the #PF exit opens a round trip, every record while
 * it is open carries its id (the reflection, the hypercalls, the shadow entries), the CPU's
 * report of the retry marks it retried, and the next exit that is not the same fault again
 * ends it.  "lgsim trace explain --round-trip=N" tells one back in words.
 */
/* Each record moves the round trip along before it is written. */
static void follow_round_trip(struct recorder *r, uint64_t t, unsigned kind, const uint32_t *f) {
    int refault = kind == TK_TO_HOST && f[TH_VECTOR] == 14 && r->rt_state != RT_IDLE &&
                  f[TH_EIP] == r->rt_eip && f[TH_CS] == r->rt_cs && f[TH_CR2] == r->rt_cr2;
    if (kind == TK_TO_HOST && resumed_elsewhere(r, f))
        end_round_trip(r, t, RT_ABANDONED);
    if (kind == TK_TO_HOST && r->rt_state == RT_RETRIED) {
        if (refault)
            r->rt_state = RT_OPEN;                /* the retry faulted again: same round trip */
        else
            end_round_trip(r, t, RT_OK);
    }
    if (kind == TK_TO_HOST && f[TH_VECTOR] == 14 && r->rt_state == RT_IDLE) {
        r->rt_state = RT_OPEN;
        r->rt = ++r->last_rt;
        r->rt_eip = f[TH_EIP];
        r->rt_cs = f[TH_CS];
        r->rt_shadow = f[TH_SHADOW];
        r->rt_cr2 = f[TH_CR2];
        r->rt_frame_esp = 0;
        r->rt_steps = 0;
        r->rt_start_ns = t;
    }
    if (kind == TK_REFLECT && r->rt_state == RT_OPEN && f[RF_VECTOR] == 14 && !r->rt_frame_esp)
        r->rt_frame_esp = f[RF_ESP];
    if (kind == TK_RETRY && r->rt_state == RT_OPEN) {
        r->rt_state = RT_RETRIED;
        r->rt_retry_ns = t;
    }
    /* A device access is never retried: the Launcher emulates the instruction and the Guest
     * goes on after it.  Its round trip is over at the decision (the Launcher's records and
     * the way back still carry it); the next exit ends it, as after a retry. */
    if (kind == TK_PF && r->rt_state == RT_OPEN && f[PF_OUTCOME] == PF_DEVICE) {
        r->rt_state = RT_RETRIED;
        r->rt_retry_ns = t;
    }
}

void rec_put(struct recorder *r, uint64_t t, unsigned kind, const uint32_t *f, unsigned n) {
    if (!r->w) return;
    follow_round_trip(r, t, kind, f);
    write_rec(r, t, kind, f, n, NULL, 0);
}

void rec_text(struct recorder *r, uint64_t t, unsigned kind, uint32_t field0, const char *text) {
    if (!r->w) return;
    flush_console(r);
    if (kind == TK_DEATH && r->rt_state == RT_OPEN) end_round_trip(r, t, RT_UNFINISHED);
    if (kind == TK_DEATH && r->rt_state == RT_RETRIED) end_round_trip(r, t, RT_OK);
    size_t len = strlen(text);
    write_rec(r, t, kind, &field0, trace_kind_fields(kind), text,
              (uint32_t)(len < TRACE_TEXT_MAX ? len : TRACE_TEXT_MAX));
}

/* Console bytes are gathered into one record per line (or per full buffer), written at the
 * time of its last byte: a Guest that prints a byte per port write still reads as one line. */
void rec_console(struct recorder *r, uint64_t t, uint8_t ch) {
    if (!r->w) return;
    r->con_t = t;
    r->con[r->con_len++] = (char)ch;
    if (ch == '\n' || r->con_len == TRACE_TEXT_MAX) flush_console(r);
}

/* Raw bytes of a text kind without fields (console input), cut into records of at most
 * TRACE_TEXT_MAX bytes; console output waiting for its line end goes first. */
void rec_bytes(struct recorder *r, uint64_t t, unsigned kind, const void *bytes, uint32_t len) {
    if (!r->w) return;
    flush_console(r);
    for (const char *p = bytes; len;) {
        uint32_t n = len < TRACE_TEXT_MAX ? len : TRACE_TEXT_MAX;
        write_rec(r, t, kind, NULL, 0, p, n);
        p += n;
        len -= n;
    }
}

/* A network frame given to the Guest: pieces of at most TRACE_TEXT_MAX bytes, each with the
 * device's IRQ, its offset in the frame and the frame's length, so a reader can join them. */
void rec_frame(struct recorder *r, uint64_t t, uint32_t irq, const void *bytes, uint32_t len) {
    if (!r->w) return;
    flush_console(r);
    const char *p = bytes;
    uint32_t off = 0;
    do {
        uint32_t n = len - off < TRACE_TEXT_MAX ? len - off : TRACE_TEXT_MAX;
        const uint32_t f[] = { irq, off, len };
        write_rec(r, t, TK_NET_IN, f, 3, p + off, n);
        off += n;
    } while (off < len);
}

int64_t rec_retry_watch(const struct recorder *r) {
    return r->w && r->rt_state == RT_OPEN ? (int64_t)r->rt_eip : -1;
}

void rec_finish(struct recorder *r, uint64_t t) {
    if (!r->w) return;
    flush_console(r);
    if (r->rt_state != RT_IDLE) end_round_trip(r, t, r->rt_state == RT_RETRIED ? RT_OK : RT_UNFINISHED);
}
