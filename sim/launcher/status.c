/* status.c - the line a long run keeps on a terminal's stderr: virtual time, pace, where. */
#include "sim/launcher/launcher.h"
#include "sim/launcher/term.h"
#include <stdarg.h>
#include <string.h>

#define STATUS_FIRST_MS 1000   /* a run shorter than this shows none */
#define STATUS_EVERY_MS 250    /* then at most four redraws a second */
#define STATUS_MAX      160    /* characters, whatever the terminal's width */

/*
 * Only on a terminal, and only while nothing else writes there: the line is drawn at the
 * Launcher's turns with "\r" and padded with spaces over the last one, so any terminal
 * (and the Windows console) redraws it in place, and erased the same way before any other
 * line of lgsim's and at the end of the run.  When stdout is a terminal too, the Guest's
 * console output erases it first, and it is drawn only while that output is at the start
 * of a line (never over a shell's prompt).  It is never recorded: a trace is the same with
 * or without it, and a turn changes nothing the Guest can see.
 */
void status_start(struct launcher *l) {
    struct status_line *s = &l->status;
    int cols = l->opt.status_line ? term_stderr_columns() : 0;
    memset(s, 0, sizeof(*s));
    s->on = cols > 1;
    s->columns = cols - 1 < STATUS_MAX ? (unsigned)cols - 1 : STATUS_MAX;
    s->stdout_tty = term_stdout_is_tty();
    s->console_at_line_start = 1;
    s->start_ms = term_wall_ms();
    s->due_ms = s->start_ms + STATUS_FIRST_MS;
    s->since_ms = s->start_ms;
}

int status_wants_turns(const struct launcher *l) { return l->status.on; }

void status_erase(struct launcher *l) {
    struct status_line *s = &l->status;
    if (!s->shown) return;
    fprintf(stderr, "\r%*s\r", (int)s->shown, "");
    fflush(stderr);
    s->shown = 0;
}

void launcher_say(struct launcher *l, const char *fmt, ...) {
    va_list ap;
    status_erase(l);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fflush(stderr);
}

/* "412k" for 412345: switches per second of real time. */
static void print_rate(char *buf, size_t len, double per_s) {
    if (per_s >= 1e6) snprintf(buf, len, "%.1fM", per_s / 1e6);
    else if (per_s >= 1e4) snprintf(buf, len, "%.0fk", per_s / 1e3);
    else snprintf(buf, len, "%.0f", per_s);
}

/* The line, in at most width characters: a symbol too long for the rest is cut short
 * ("<long_na..+0x10>"), or left out when even that does not fit. */
static void compose(struct launcher *l, uint64_t now_ms, char *buf, size_t len, unsigned width) {
    struct status_line *s = &l->status;
    uint32_t eip = 0, cs = 0, off = 0;
    char rate[32], tail[24] = ">";
    lhreq_getreg(l->lg, PT_EIP, &eip);
    lhreq_getreg(l->lg, PT_CS, &cs);
    uint64_t n = l->rec.n_switches, ms = now_ms > s->since_ms ? now_ms - s->since_ms : 1;
    print_rate(rate, sizeof(rate), (double)(n - s->since_switches) * 1000.0 / (double)ms);
    s->since_ms = now_ms;
    s->since_switches = n;
    int used = snprintf(buf, len, "lgsim: %.1f ms virtual, %s switches/s, ring %u, eip %#x",
                        (double)lguest_time(l->lg) / 1e6, rate, cs & 3, eip);
    const char *sym = symtab_lookup(&l->syms, eip, &off);
    if (!sym || used < 0 || (size_t)used >= len) return;
    if (off) snprintf(tail, sizeof(tail), "+%#x>", off);
    int room = (int)width - used - 2 - (int)strlen(tail);   /* for the name, after " <" */
    int name = (int)strlen(sym);
    if (room < 6) return;
    if (name <= room) snprintf(buf + used, len - (size_t)used, " <%s%s", sym, tail);
    else snprintf(buf + used, len - (size_t)used, " <%.*s..%s", room - 2, sym, tail);
}

/* At a turn of the Launcher: the line again, if it is time. */
void status_tick(struct launcher *l) {
    struct status_line *s = &l->status;
    if (!s->on || l->dead) return;
    uint64_t now = term_wall_ms();
    if (now < s->due_ms || (s->stdout_tty && !s->console_at_line_start)) return;
    s->due_ms = now + STATUS_EVERY_MS;
    char line[256];
    compose(l, now, line, sizeof(line), s->columns);
    unsigned n = (unsigned)strlen(line);
    if (n > s->columns) line[n = s->columns] = 0;   /* one row: "\r" goes back to its start */
    fprintf(stderr, "\r%s%*s", line, s->shown > n ? (int)(s->shown - n) : 0, "");
    fflush(stderr);
    s->shown = n > s->shown ? n : s->shown;
}

/* The Guest's console output is about to go to stdout: off the terminal's line first. */
void status_console_output(struct launcher *l, uint8_t last) {
    struct status_line *s = &l->status;
    if (!s->on || !s->stdout_tty) return;
    status_erase(l);
    s->console_at_line_start = last == '\n';
}
