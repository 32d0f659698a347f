/* paint.c - panels, their text, the where panel's worlds, the page-table map, the bars. */
#include "ui/paint.h"
#include "ui/actions.h"
#include <stdlib.h>
#include <string.h>

const char *panel_title(int p) {
    static const char *titles[P_PANELS] = {
        [P_WHERE] = "where the CPU is",
        [P_CODE] = "code",
        [P_REGS] = "registers",
        [P_PAGES] = "page tables: the guest's and the shadow (a: another address)",
        [P_STORY] = "story: lgsim trace explain (Space: next step)",
        [P_TIMELINE] = "timeline (+/-: zoom, ,/.: pan, 0: all, z: this round trip, t: axis)",
        [P_CONSOLE] = "console",
        [P_RECORD] = "record",
    };
    return p >= 0 && p < P_PANELS ? titles[p] : "";
}

const char *world_label(enum ui_world w) {
    static const char *labels[W_WORLDS] = {
        [W_HOST] = "Host, ring 0: lg.ko, the launcher",
        [W_SWITCHER] = "Switcher, ring 0: 0xffc00000",
        [W_KERNEL] = "Guest kernel, ring 1",
        [W_USER] = "Guest user, ring 3",
    };
    return w < W_WORLDS ? labels[w] : "";
}

struct ui_rgb style_colour(int style) {
    switch (style) {
    case ST_DIM:    return COL_DIM;
    case ST_HEAD:   return COL_HEAD;
    case ST_HOT:    return COL_HOT;
    case ST_CURSOR: return COL_HEAD;
    case ST_NOTE:   return COL_NOTE;
    default:        return COL_TEXT;
    }
}

/* --- text, wrapped at word boundaries into the panel's columns --- */

struct vline { const char *s; int len, indent, style; };

/* Where a wrapped line's continuations start: under the text after "+N ns  " or "name  ". */
static int hanging_indent(const char *s, int cols) {
    const char *gap = strstr(s, "  ");
    int lead = 0;
    while (s[lead] == ' ') lead++;
    int len = (int)strlen(s);
    int at = gap && gap - s < 24 ? (int)(gap - s) + 2 : lead + 2;
    if (at > len) at = len;
    while (s[at] == ' ') at++;
    return at < cols / 2 ? at : 2;
}

static unsigned wrap(const struct ui_text *t, int cols, struct vline *out, unsigned cap,
                     int *cursor) {
    unsigned n = 0;
    *cursor = -1;
    for (unsigned i = 0; i < t->n && n < cap; i++) {
        const char *s = t->l[i].s;
        int len = (int)strlen(s), indent = 0, first = 1;
        int hang = hanging_indent(s, cols);
        if (t->l[i].style == ST_CURSOR && *cursor < 0) *cursor = (int)n;
        do {
            int room = cols - indent, take = len;
            if (take > room) {
                take = room;
                while (take > room / 2 && s[take] != ' ') take--;
                if (s[take] != ' ') take = room;
            }
            out[n++] = (struct vline){ s, take, indent, t->l[i].style };
            s += take;
            len -= take;
            while (len > 0 && *s == ' ') { s++; len--; }
            if (first) indent = hang;
            first = 0;
        } while (len > 0 && n < cap);
    }
    return n;
}

static void draw_vline(struct ui_gfx *g, struct ui_rect body, int pad, int row,
                       const struct vline *l) {
    char buf[1024];
    int x = body.x + pad + l->indent * g->cw, y = body.y + pad / 2 + row * g->line;
    if (l->style == ST_CURSOR)
        gfx_fill(g, (struct ui_rect){ body.x + 2, y, body.w - 4, g->line }, COL_CURSOR_BG);
    int len = l->len < (int)sizeof(buf) - 1 ? l->len : (int)sizeof(buf) - 1;
    memcpy(buf, l->s, (size_t)len);
    buf[len] = 0;
    gfx_text(g, x, y, buf, style_colour(l->style), l->style == ST_HEAD, body.x + body.w - x - pad);
}

/* The first `pinned` lines of the text stay at the top (a panel's heading); the rest scroll:
 * to the end (the console), to keep the marked line in view (code, story), or not at all. */
void paint_lines(struct ui_gfx *g, struct ui_rect body, const struct ui_text *t, enum anchor a,
                 unsigned pinned) {
    static struct vline v[4096];
    int pad = g->cw / 2 + 2;
    int cols = (body.w - 2 * pad) / g->cw, rows = (body.h - pad) / g->line;
    if (cols < 8 || rows < 1) return;
    int cursor;
    unsigned n = wrap(t, cols, v, sizeof(v) / sizeof(v[0]), &cursor);
    int head = 0;                /* the pinned lines, as wrapped */
    for (unsigned i = 0; i < n && pinned; i++) {
        if (i && v[i].indent == 0) pinned--;
        if (pinned) head++;
    }
    if (head >= rows) head = 0;
    for (int r = 0; r < head; r++) draw_vline(g, body, pad, r, &v[r]);
    rows -= head;
    int first = head, more = (int)n - head;
    if (a == ANCHOR_BOTTOM && more > rows) first = (int)n - rows;
    if (a == ANCHOR_CURSOR && cursor >= head && cursor - head > rows / 3) first = cursor - rows / 3;
    if (a == ANCHOR_CURSOR && first > (int)n - rows) first = (int)n - rows > head ? (int)n - rows : head;
    for (int r = 0; r < rows && first + r < (int)n; r++) {
        const struct vline *l = &v[first + r];
        draw_vline(g, body, pad, head + r, l);
    }
}

/* --- frames --- */

static void paint_frame(struct ui_gfx *g, const struct ui_layout *l, const struct ui_model *m,
                        int p) {
    gfx_fill(g, l->panel[p], COL_PANEL);
    gfx_fill(g, l->title[p], m->changed[p] && p != P_TIMELINE && p != P_RECORD ? COL_TITLE_LIT
                                                                               : COL_TITLE);
    struct ui_rect t = l->title[p];
    gfx_text(g, t.x + g->cw / 2 + 2, t.y + (t.h - g->line) / 2, panel_title(p), COL_HEAD, 1,
             t.w - g->cw);
}

/* --- the where panel --- */

static void paint_arrow(struct ui_gfx *g, const struct ui_layout *l, enum ui_world from,
                        enum ui_world to) {
    struct ui_rect a = l->world[from], b = l->world[to];
    int x = a.x - g->cw - g->cw / 2, y0 = a.y + a.h / 2, y1 = b.y + b.h / 2;
    struct ui_rgb c = world_colour(W_SWITCHER);
    for (int d = -1; d <= 1; d++) gfx_line(g, x + d, y0, x + d, y1, c);
    gfx_line(g, x, y0, a.x - 2, y0, c);
    gfx_line(g, x, y1, b.x - 2, y1, c);
    int hs = g->cw / 2 + 2;
    for (int k = 0; k < hs; k++)      /* the arrowhead, pointing at the world it goes to */
        gfx_line(g, b.x - 2 - hs + k, y1 - (hs - k), b.x - 2 - hs + k, y1 + (hs - k), c);
}

static void paint_where(struct ui_gfx *g, const struct ui_layout *l, const struct ui_model *m) {
    const struct ui_where *w = &m->where;
    for (int i = 0; i < W_WORLDS; i++) {
        struct ui_rect r = l->world[i];
        struct ui_rgb c = world_colour((enum ui_world)i);
        int lit = w->lit == (enum ui_world)i;
        gfx_fill(g, r, lit ? c : COL_UNLIT);
        gfx_frame(g, r, c, lit ? 1 : 2);
        gfx_text(g, r.x + g->cw, r.y + (r.h - g->line) / 2, world_label((enum ui_world)i),
                 lit ? COL_WINDOW : c, lit, r.w - 2 * g->cw);
    }
    if (w->passing) paint_arrow(g, l, w->from, w->to);
    struct ui_rect last = l->world[W_WORLDS - 1], body = l->body[P_WHERE];
    int top = last.y + last.h + g->line / 2;
    paint_lines(g, (struct ui_rect){ body.x, top, body.w, body.y + body.h - top },
                &m->text[P_WHERE], ANCHOR_TOP, 0);
}

/* --- the page-table panel's map: 1024 directory entries across --- */

static struct ui_rgb map_colour(const struct ui_map *map, unsigned pde, unsigned focus) {
    if (pde == focus) return COL_HOT;
    if (pde == 1023) return world_colour(W_SWITCHER);
    if (!map->table[pde]) return COL_LANE;
    if (!map->present[pde]) return RGB(0x28404a);
    return map->present[pde] > 64 ? RGB(0x58c05a) : RGB(0x3f8a46);
}

static void paint_map(struct ui_gfx *g, const struct ui_layout *l, const struct ui_model *m) {
    struct ui_rect r = l->map;
    int bar = r.h - g->line;
    if (bar < 4 || r.w < 64) return;
    unsigned focus = m->pt_addr >> 22;
    for (int x = 0; x < r.w; x++) {
        unsigned a = (unsigned)((uint64_t)x * 1024 / (unsigned)r.w);
        unsigned b = (unsigned)((uint64_t)(x + 1) * 1024 / (unsigned)r.w);
        unsigned pick = a;
        for (unsigned p = a; p < b && p < 1024; p++)   /* the most telling entry wins */
            if (p == focus || (m->map.present[p] && pick != focus) ||
                (m->map.table[p] && !m->map.table[pick]))
                pick = p;
        gfx_fill(g, (struct ui_rect){ r.x + x, r.y, 1, bar }, map_colour(&m->map, pick, focus));
    }
    static const char *marks[4] = { "0", "0x40000000", "0x80000000", "0xc0000000" };
    for (int q = 0; q < 4; q++) {
        gfx_fill(g, (struct ui_rect){ r.x + r.w * q / 4, r.y + bar, 1, g->line / 3 }, COL_DIM);
        gfx_text(g, r.x + r.w * q / 4 + 2, r.y + bar + 1, marks[q], COL_DIM, 0, 0);
    }
}

static void paint_pages(struct ui_gfx *g, const struct ui_layout *l, const struct ui_model *m) {
    struct ui_rect b = l->body[P_PAGES];
    b.h = l->map.y - b.y;
    paint_lines(g, b, &m->text[P_PAGES], ANCHOR_TOP, 0);
    paint_map(g, l, m);
}

/* --- bars and the help overlay --- */

static void paint_bars(struct ui_gfx *g, const struct ui_layout *l, const struct ui_model *m,
                       int bottom) {
    char buf[400];
    if (!bottom) {
        gfx_fill(g, l->top, COL_BAR);
        model_title(m, buf, sizeof(buf));
        int y = l->top.y + (l->top.h - g->line) / 2;
        gfx_text(g, g->cw, y, buf, COL_HEAD, 1, l->top.w - g->cw * 20);
        gfx_text(g, l->top.w - g->cw * 12, y, "? for help", COL_DIM, 0, 0);
        return;
    }
    gfx_fill(g, l->bottom, COL_BAR);
    model_status_line(m, buf, sizeof(buf));
    gfx_text(g, g->cw, l->bottom.y + (l->bottom.h - g->line) / 2, buf,
             m->prompt ? COL_HOT : COL_TEXT, 0, l->bottom.w - 2 * g->cw);
}

/* The keys in two columns: the heading, then the first half left, the rest right. */
static void paint_help(struct ui_gfx *g, const struct ui_layout *l) {
    static struct ui_text t, half[2];
    help_text(&t);
    gfx_fill(g, l->help, COL_HELP_BG);
    gfx_frame(g, l->help, COL_HOT, 2);
    unsigned rest = t.n - 1, split = 1 + (rest + 1) / 2;
    for (int c = 0; c < 2; c++) {
        ui_text_clear(&half[c]);
        ui_put(&half[c], ST_HEAD, "%s", c ? " " : t.l[0].s);
        for (unsigned i = c ? split : 1; i < (c ? t.n : split); i++)
            ui_put(&half[c], t.l[i].style, "%s", t.l[i].s);
        int w = (l->help.w - 2 * g->cw) / 2;
        struct ui_rect in = { l->help.x + g->cw + c * w, l->help.y + g->line / 2, w,
                              l->help.h - g->line };
        paint_lines(g, in, &half[c], ANCHOR_TOP, 0);
    }
}

static void paint_panel(struct ui_gfx *g, const struct ui_layout *l, const struct ui_model *m,
                        int p) {
    paint_frame(g, l, m, p);
    switch (p) {
    case P_WHERE: paint_where(g, l, m); break;
    case P_CODE: paint_lines(g, l->body[p], &m->text[p], ANCHOR_CURSOR, 1); break;
    case P_PAGES: paint_pages(g, l, m); break;
    case P_STORY: paint_lines(g, l->body[p], &m->text[p], ANCHOR_CURSOR, 1); break;
    case P_TIMELINE: paint_timeline(g, l, m); break;
    case P_CONSOLE: paint_lines(g, l->body[p], &m->text[p], ANCHOR_BOTTOM, 0); break;
    default: paint_lines(g, l->body[p], &m->text[p], ANCHOR_TOP, 0); break;
    }
}

/* Each region drawn only if it changed (canvas.c); the help overlay over what changed. */
void paint_all(struct ui_gfx *g, const struct ui_layout *l, const struct ui_model *m) {
    if (g->overlay && !m->help) gfx_invalidate(g);   /* what it covered comes back */
    g->overlay = m->help;
    gfx_begin(g);
    int any = 0;
    for (int p = 0; p < P_PANELS; p++) {
        gfx_region_begin(g);
        paint_panel(g, l, m, p);
        any |= gfx_region_end(g, p, l->panel[p]);
    }
    gfx_region_begin(g);
    paint_bars(g, l, m, 0);
    any |= gfx_region_end(g, R_TOP, l->top);
    gfx_region_begin(g);
    paint_bars(g, l, m, 1);
    any |= gfx_region_end(g, R_BOTTOM, l->bottom);
    if (!m->help) {
        g->drawn[R_HELP] = 0;
        return;
    }
    if (any) g->region_hash[R_HELP] = 0;            /* something under it was drawn over it */
    gfx_region_begin(g);
    paint_help(g, l);
    gfx_region_end(g, R_HELP, l->help);
}
