/* paint_timeline.c - the timeline: lanes, events, world switches, round trips as paths. */
#include "ui/paint.h"
#include "ui/timeline.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PATHS_MAX 400        /* more round trips in view than this: only the selected one */

static int row_y(const struct ui_rect *lanes, int row) {
    return lanes->y + row * lanes->h / 4;
}

static int row_mid(const struct ui_rect *lanes, int row) {
    return lanes->y + row * lanes->h / 4 + lanes->h / 8;
}

/* Where the CPU was, one band per lane, runs of columns merged into one rectangle. */
static void paint_bands(struct ui_gfx *g, const struct ui_rect *L, const struct tl_column *cols) {
    int band = L->h / 8;
    for (int row = 0; row < 4; row++) {
        enum ui_world w = timeline_lanes[row];
        struct ui_rgb c = world_colour(w);
        int y = row_mid(L, row) - band / 2;
        for (int x = 0; x < L->w;) {
            if (!(cols[x].lanes & (1u << w))) { x++; continue; }
            int start = x;
            while (x < L->w && (cols[x].lanes & (1u << w))) x++;
            gfx_fill(g, (struct ui_rect){ L->x + start, y, x - start, band > 2 ? band : 2 }, c);
        }
    }
}

/* Ticks for events: each kind at its own height in the lane where it happens. */
static void paint_events(struct ui_gfx *g, const struct ui_rect *L, const struct tl_column *cols) {
    static const struct { int ev, row, top; struct ui_rgb c; } marks[] = {
        { EV_PF, 1, 1, COL_EV_PF }, { EV_HCALL, 0, 1, COL_EV_HCALL },
        { EV_TRAP, 0, 0, COL_EV_TRAP }, { EV_IRQ, 0, 0, COL_EV_IRQ },
        { EV_SPTE, 0, 0, COL_EV_SPTE }, { EV_CONSOLE, 0, 1, COL_EV_CONSOLE },
    };
    int tick = L->h / 12 + 1;
    for (size_t k = 0; k < sizeof(marks) / sizeof(marks[0]); k++) {
        int y = marks[k].top ? row_y(L, marks[k].row) + 1
                             : row_y(L, marks[k].row + 1) - tick - 1;
        for (int x = 0; x < L->w;) {   /* neighbouring ticks as one rectangle */
            if (!(cols[x].events & marks[k].ev)) { x++; continue; }
            int start = x;
            while (x < L->w && (cols[x].events & marks[k].ev)) x++;
            gfx_fill(g, (struct ui_rect){ L->x + start, y, x - start, tick }, marks[k].c);
        }
    }
}

/* The y a record sits at: world switches in the Switcher's lane, the rest where the CPU was. */
static int record_y(const struct ui_model *m, const struct ui_rect *L, uint64_t i) {
    const struct run_rec *r = &m->run->rec[i];
    enum ui_world w = r->kind == TK_TO_HOST || r->kind == TK_TO_GUEST ? W_SWITCHER
                                                                      : timeline_world_after(m->run, i);
    return row_mid(L, timeline_lane_row(w));
}

/* When single records are wide enough to see: each world switch as a line between lanes. */
static void paint_switches(struct ui_gfx *g, const struct ui_rect *L, const struct ui_model *m,
                           uint64_t a, uint64_t b) {
    if (b - a > (uint64_t)L->w / 3) return;
    for (uint64_t i = a; i <= b; i++) {
        const struct run_rec *r = &m->run->rec[i];
        if (r->kind != TK_TO_HOST && r->kind != TK_TO_GUEST) continue;
        int x = L->x + (int)timeline_x(m, i, 0, L->w);
        enum ui_world from = r->kind == TK_TO_HOST ? guest_world(r->f[TH_CS]) : W_HOST;
        enum ui_world to = r->kind == TK_TO_HOST ? W_HOST : guest_world(r->f[TG_CPL]);
        gfx_line(g, x, row_mid(L, timeline_lane_row(from)), x, row_mid(L, timeline_lane_row(to)),
                 world_colour(W_SWITCHER));
    }
}

/* A round trip too dense to follow at this zoom: a bracket from its fault to its end, on the
 * line between the host's lane and the Switcher's. */
static void paint_bracket(struct ui_gfx *g, const struct ui_rect *L, int x0, int x1,
                          struct ui_rgb c, int thick) {
    int y = row_y(L, 1) - thick / 2;
    gfx_fill(g, (struct ui_rect){ x0, y, x1 - x0 + 1, thick }, c);
    gfx_fill(g, (struct ui_rect){ x0, y - thick, thick, 3 * thick }, c);
    gfx_fill(g, (struct ui_rect){ x1 - thick + 1, y - thick, thick, 3 * thick }, c);
}

/* One round trip: a polyline through every record it holds, from the fault to the retry. */
static void paint_path(struct ui_gfx *g, const struct ui_rect *L, const struct ui_model *m,
                       uint32_t id, int selected) {
    uint64_t first, last;
    if (!run_round_trip(m->run, id, &first, &last)) return;
    struct ui_rgb c = selected ? COL_EV_PF : RGB(0x8a3a3a);
    double fx0 = timeline_x(m, first, 0, L->w), fx1 = timeline_x(m, last, 0, L->w);
    if (fx1 < 0 || fx0 >= L->w) return;
    if ((double)(last - first + 1) > 4 * (fx1 - fx0 + 1)) {
        int x0 = L->x + (fx0 < 0 ? 0 : (int)fx0), x1 = L->x + (fx1 >= L->w ? L->w - 1 : (int)fx1);
        paint_bracket(g, L, x0, x1, c, selected ? 3 : 1);
        return;
    }
    /* thick and bright when its steps are far apart, see-through when they crowd */
    int alpha = (double)(last - first + 1) > (fx1 - fx0 + 1) ? (selected ? 110 : 70)
                                                              : (selected ? 230 : 150);
    int px = -1, py = -1;
    for (uint64_t i = first; i <= last; i++) {
        if (m->run->rec[i].rt != id) continue;
        double fx = timeline_x(m, i, 0, L->w);
        if (fx < -L->w || fx > 2.0 * L->w) continue;
        int x = L->x + (int)fx, y = record_y(m, L, i);
        if (x == px && y == py) continue;
        if (px >= 0)
            for (int d = 0; d < (selected ? 2 : 1); d++)
                gfx_line_alpha(g, px, py + d, x, y + d, c, alpha);
        px = x;
        py = y;
    }
}

static void paint_paths(struct ui_gfx *g, const struct ui_rect *L, const struct ui_model *m,
                        uint64_t a, uint64_t b) {
    const struct run *run = m->run;
    uint32_t lo = 0, hi = 0, n = 0;
    for (uint32_t id = 1; id <= run->n_rt; id++) {
        if (run->rt_first[id - 1] == UINT64_MAX || run->rt_last[id - 1] < a) continue;
        if (run->rt_first[id - 1] > b) break;
        if (!lo) lo = id;
        hi = id;
        n++;
    }
    if (n && n <= PATHS_MAX)
        for (uint32_t id = lo; id <= hi; id++)
            if (id != m->selected_rt) paint_path(g, L, m, id, 0);
    if (m->selected_rt) paint_path(g, L, m, m->selected_rt, 1);
}

static void paint_cursor(struct ui_gfx *g, const struct ui_rect *L, const struct ui_model *m) {
    double fx = timeline_x(m, m->at.rec, m->at.running, L->w);
    if (fx < 0 || fx >= L->w) return;
    int x = L->x + (int)fx;
    gfx_fill(g, (struct ui_rect){ x, L->y - 3, 2, L->h + 6 }, COL_MARK);
    int y = row_mid(L, timeline_lane_row(world_at(m->run, m->at)));
    gfx_fill(g, (struct ui_rect){ x - 3, y - 3, 8, 8 }, COL_MARK);
}

static void paint_labels(struct ui_gfx *g, const struct ui_layout *l, const struct ui_model *m) {
    const struct ui_rect *L = &l->lanes;
    static const char *names[4] = { "host", "Switcher", "guest kernel", "guest user" };
    for (int row = 0; row < 4; row++) {
        gfx_text(g, l->body[P_TIMELINE].x + g->cw, row_mid(L, row) - g->line / 2, names[row],
                 world_colour(timeline_lanes[row]), 0, L->x - l->body[P_TIMELINE].x - g->cw);
        if (row) gfx_line(g, L->x, row_y(L, row), L->x + L->w - 1, row_y(L, row), COL_PANEL);
    }
    struct ui_rect b = l->body[P_TIMELINE];
    struct ui_rect below = { b.x, L->y + L->h + 2, b.w, b.y + b.h - L->y - L->h - 2 };
    const struct ui_text *t = &m->text[P_TIMELINE];
    char line[600] = "";
    for (unsigned i = 0; i < t->n; i++)
        snprintf(line + strlen(line), sizeof(line) - strlen(line), "%s%s", i ? "  |  " : "", t->l[i].s);
    gfx_text(g, below.x + g->cw, below.y, line, COL_DIM, 0, below.w - 2 * g->cw);
    static const struct { const char *name; struct ui_rgb c; } legend[] = {
        { "#PF", COL_EV_PF }, { "hypercall", COL_EV_HCALL }, { "reflect", COL_EV_TRAP },
        { "irq", COL_EV_IRQ }, { "shadow PTE", COL_EV_SPTE }, { "console", COL_EV_CONSOLE },
    };
    int x = below.x + g->cw;
    for (size_t k = 0; k < sizeof(legend) / sizeof(legend[0]); k++) {
        gfx_fill(g, (struct ui_rect){ x, below.y + g->line + g->line / 3, g->cw, g->line / 2 }, legend[k].c);
        x += g->cw * 2;
        x += gfx_text(g, x, below.y + g->line, legend[k].name, COL_DIM, 0, 0) + g->cw * 2;
    }
}

void paint_timeline(struct ui_gfx *g, const struct ui_layout *l, const struct ui_model *m) {
    const struct ui_rect *L = &l->lanes;
    if (L->w < 8 || !m->run->n) return;
    gfx_fill(g, *L, COL_LANE);
    struct tl_column *cols = calloc((size_t)L->w, sizeof(*cols));
    if (!cols) return;
    timeline_columns(m, L->w, cols);
    uint64_t a = UINT64_MAX, b = 0;
    for (int x = 0; x < L->w; x++)
        if (cols[x].first <= cols[x].last) {
            if (a == UINT64_MAX) a = cols[x].first;
            b = cols[x].last;
        }
    paint_bands(g, L, cols);
    if (a != UINT64_MAX) {
        paint_switches(g, L, m, a, b);
        paint_paths(g, L, m, a, b);
    }
    paint_events(g, L, cols);
    paint_cursor(g, L, m);
    paint_labels(g, l, m);
    free(cols);
}
