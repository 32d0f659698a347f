/* console.c - the console panel: what the guest had printed by the moment. */
#include "ui/model.h"
#include <stdio.h>
#include <string.h>

#define LINES_KEPT 200     /* more than any window shows */

/* The console records up to the moment, newest first (through the run's index of them),
 * until enough lines are collected. */
static uint64_t first_needed(const struct run *run, uint64_t at) {
    unsigned lines = 0;
    uint64_t first = at + 1;
    for (uint64_t k = run_consoles_before(run, at + 1); k-- > 0 && lines <= LINES_KEPT;) {
        uint64_t j = run->con[k];
        first = j;
        const char *s = run_text(run, j);
        for (unsigned c = 0; c < run->rec[j].text_len; c++) lines += s[c] == '\n';
    }
    return first;
}

/* Bytes as a line shows them: control characters other than newline as '.'. */
static void add_bytes(struct ui_text *t, char *line, size_t *len, const char *s, unsigned n,
                      int style) {
    for (unsigned k = 0; k < n; k++) {
        char c = s[k];
        if (c == '\n' || *len == 255) {
            line[*len] = 0;
            ui_put(t, style, "%s", line);
            *len = 0;
            if (c == '\n') continue;
        }
        if (c == '\r') continue;
        line[(*len)++] = (c >= 0x20 && c < 0x7f) ? c : '.';
    }
}

void console_update(struct ui_model *m) {
    const struct run *run = m->run;
    struct ui_text *t = &m->text[P_CONSOLE];
    ui_text_clear(t);
    uint64_t at = m->at.rec, first = run->n ? first_needed(run, at) : 1, bytes = 0;
    uint64_t last = UINT64_MAX;
    char line[256];
    size_t len = 0;
    for (uint64_t k = run_consoles_before(run, first); k < run->n_con; k++) {
        uint64_t j = run->con[k];
        if (j > at) break;
        int hot = j == at && !m->at.running;
        add_bytes(t, line, &len, run_text(run, j), run->rec[j].text_len, hot ? ST_HOT : ST_TEXT);
        bytes += run->rec[j].text_len;
        last = j;
    }
    if (model_at_now(m) && m->live.con_pending_len)   /* a prompt without its newline */
        add_bytes(t, line, &len, m->live.con_pending, m->live.con_pending_len, ST_TEXT);
    if (len) {
        line[len] = 0;
        ui_put(t, last == at && !m->at.running ? ST_HOT : ST_TEXT, "%s", line);
    }
    if (!t->n) ui_put(t, ST_DIM, "(nothing printed yet)");
    if (m->con_in.focus)
        ui_put(t, ST_CURSOR, "> typing goes to the guest's console (Escape leaves); %u "
               "byte%s typed, not yet read by the guest", m->con_in.len,
               m->con_in.len == 1 ? "" : "s");
    else if (m->live.on && m->live.con_waiting && !m->live.ended)
        ui_put(t, ST_NOTE, "(the guest waits for console input: Tab, then type)");
    /* A trimmed start would make the lines move under a learner's eyes; mark it. */
    if (first > 0 && last != UINT64_MAX && t->n > LINES_KEPT)
        t->l[0].style = ST_DIM;
    snprintf(m->sig[P_CONSOLE], sizeof(m->sig[P_CONSOLE]), "%llu",
             (unsigned long long)(last == UINT64_MAX ? 0 : last + 1));
}
