/* layout.c - the panels' rectangles: four rows, the where panel and the timeline widest. */
#include "ui/layout.h"
#include <string.h>

/*
 *  +----------------------------------------------------------------+
 *  | lgsim ui - FILE - record, time, round trip             ? help  |
 *  +---------------------+----------------------+-------------------+
 *  | where the CPU is    | code                 | registers         |
 *  +---------------------+-----------+----------+-------------------+
 *  | page tables                     | story (trace explain)        |
 *  +---------------------------------+------------------------------+
 *  | timeline: host / Switcher / guest kernel / guest user          |
 *  +---------------------------------+------------------------------+
 *  | console                         | record                       |
 *  +---------------------------------+------------------------------+
 *  | status: the last action, the keys that matter now              |
 *  +----------------------------------------------------------------+
 */
static struct ui_rect rect(int x, int y, int w, int h) {
    return (struct ui_rect){ x, y, w < 1 ? 1 : w, h < 1 ? 1 : h };
}

static void split_panel(struct ui_layout *l, int p, struct ui_rect r) {
    int th = l->line + l->line / 3;
    l->panel[p] = r;
    l->title[p] = rect(r.x, r.y, r.w, th);
    l->body[p] = rect(r.x, r.y + th, r.w, r.h - th);
}

/* Columns of one row: widths in per mille of the row, the last one takes what is left. */
static void row(struct ui_layout *l, int y, int h, const int *panels, const int *permille,
                int n, int gap) {
    int x = gap, room = l->width - gap * (n + 1);
    for (int i = 0; i < n; i++) {
        int w = i == n - 1 ? l->width - gap - x : room * permille[i] / 1000;
        split_panel(l, panels[i], rect(x, y, w, h));
        x += w + gap;
    }
}

static void where_boxes(struct ui_layout *l) {
    struct ui_rect b = l->body[P_WHERE];
    int pad = l->line / 2, h = l->line + l->line / 2, gap = l->line / 4;
    for (int i = 0; i < W_WORLDS; i++)   /* host on top, as in the timeline's lanes */
        l->world[i] = rect(b.x + pad + l->line * 2, b.y + pad + i * (h + gap),
                           b.w - 2 * pad - l->line * 2, h);
}

void layout_compute(struct ui_layout *l, int width, int height, int line) {
    memset(l, 0, sizeof(*l));
    l->width = width;
    l->height = height;
    l->line = line < 8 ? 8 : line;
    int gap = l->line / 3 + 1, bar = l->line + l->line / 2;
    l->top = rect(0, 0, width, bar);
    l->bottom = rect(0, height - bar, width, bar);
    int y = bar + gap, room = height - 2 * bar - 5 * gap;
    int h1 = room * 33 / 100, h2 = room * 24 / 100, h3 = room * 19 / 100;
    int need = l->line * 9;      /* the timeline: its title, four lanes, two lines under them */
    if (h3 < need) {
        h1 -= (need - h3) / 2;
        h2 -= need - h3 - (need - h3) / 2;
        h3 = need;
    }
    int h4 = room - h1 - h2 - h3;
    static const int r1[] = { P_WHERE, P_CODE, P_REGS }, w1[] = { 360, 360, 280 };
    static const int r2[] = { P_PAGES, P_STORY }, w2[] = { 470, 530 };
    static const int r3[] = { P_TIMELINE }, w3[] = { 1000 };
    static const int r4[] = { P_CONSOLE, P_RECORD }, w4[] = { 500, 500 };
    row(l, y, h1, r1, w1, 3, gap);
    y += h1 + gap;
    row(l, y, h2, r2, w2, 2, gap);
    y += h2 + gap;
    row(l, y, h3, r3, w3, 1, gap);
    y += h3 + gap;
    row(l, y, h4, r4, w4, 2, gap);
    where_boxes(l);
    struct ui_rect pb = l->body[P_PAGES];
    int mh = l->line + l->line * 2 / 3;   /* a bar, its addresses under it */
    l->map = rect(pb.x + l->line / 2, pb.y + pb.h - mh - l->line / 2, pb.w - l->line, mh);
    struct ui_rect tb = l->body[P_TIMELINE];
    int label = l->line * 8;     /* lane names on the left */
    l->lanes = rect(tb.x + label, tb.y + l->line / 2, tb.w - label - l->line / 2,
                    tb.h - l->line * 2 - l->line / 2);
    l->help = rect(width / 8, height / 10, width * 3 / 4, height * 8 / 10);
}

int rect_has(const struct ui_rect *r, int x, int y) {
    return x >= r->x && y >= r->y && x < r->x + r->w && y < r->y + r->h;
}

int layout_panel_at(const struct ui_layout *l, int x, int y) {
    for (int p = 0; p < P_PANELS; p++)
        if (rect_has(&l->panel[p], x, y)) return p;
    return -1;
}
