/* canvas.c - the frame kept between frames: a region is drawn again only when it changed. */
#include "ui/draw.h"
#include <stdlib.h>
#include <string.h>

/*
 * While the machine runs, most of the window stays as it was from one frame to the next (the
 * story, the console, often the page tables), and the software renderer spends its time
 * blending text.  So the frame lives in a texture, the canvas.  A region (a panel, a bar,
 * the help overlay) records its drawing calls instead of making them; the list's hash says
 * whether they are the last frame's.  If so the canvas already shows them; if not they are
 * made, clipped to the region.  What a region shows is a function of its calls alone, so a
 * kept region is exactly what drawing it again would give.
 */

/* Room for need elements of size elem in *p (doubling): the new block, or NULL. */
static void *grow(void *p, size_t *cap, size_t need, size_t elem) {
    if (need <= *cap) return p;
    size_t c = *cap ? *cap * 2 : 256;
    while (c < need) c *= 2;
    void *q = realloc(p, c * elem);
    if (q) *cap = c;
    return q;
}

void canvas_keep(struct ui_gfx *g, struct gfx_op op, const char *text) {
    struct gfx_list *l = &g->list;
    size_t len = text ? strlen(text) + 1 : 0;
    struct gfx_op *ops = grow(l->op, &l->cap, l->n + 1, sizeof(*l->op));
    if (ops) l->op = ops;
    char *chars = ops && len ? grow(l->text, &l->text_cap, l->text_len + len, 1) : l->text;
    if (chars) l->text = chars;
    if (!ops || (len && !chars)) {
        l->failed = 1;
        return;
    }
    op.text = (uint32_t)l->text_len;
    l->op[l->n++] = op;
    if (len) memcpy(l->text + l->text_len, text, len);
    l->text_len += len;
}

static uint64_t fnv(uint64_t h, const void *p, size_t n) {
    const uint8_t *b = p;
    for (size_t i = 0; i < n; i++) h = (h ^ b[i]) * 0x100000001b3ull;
    return h;
}

/* The calls and where the region is, field by field (a struct's padding is not hashed). */
static uint64_t list_hash(const struct gfx_list *l, struct ui_rect r) {
    uint64_t h = fnv(0xcbf29ce484222325ull, &r, sizeof(r));
    for (size_t i = 0; i < l->n; i++) {
        const struct gfx_op *o = &l->op[i];
        uint8_t b[9] = { o->kind, o->bold, o->alpha, o->c.r, o->c.g, o->c.b,
                         o->bg.r, o->bg.g, o->bg.b };
        int xy[4] = { o->x, o->y, o->w, o->h };
        h = fnv(fnv(h, b, sizeof(b)), xy, sizeof(xy));
    }
    h = fnv(h, l->text, l->text_len);
    return h ? h : 1;            /* 0 means "not drawn yet" */
}

static void replay(struct ui_gfx *g, const struct gfx_list *l) {
    for (size_t i = 0; i < l->n; i++) {
        const struct gfx_op *o = &l->op[i];
        struct ui_rect r = { o->x, o->y, o->w, o->h };
        switch (o->kind) {
        case OP_FILL: gfx_fill(g, r, o->c); break;
        case OP_FRAME: gfx_frame(g, r, o->c, o->alpha); break;
        case OP_LINE: gfx_line(g, o->x, o->y, o->w, o->h, o->c); break;
        case OP_LINE_ALPHA: gfx_line_alpha(g, o->x, o->y, o->w, o->h, o->c, o->alpha); break;
        case OP_TEXT:
            gfx_text_on(g, o->x, o->y, l->text + o->text, o->c, o->bold, o->w,
                        o->alpha ? &o->bg : NULL);
            break;
        }
    }
}

static int meet(struct ui_rect a, struct ui_rect b) {
    return a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
}

static int holds(struct ui_rect out, struct ui_rect in) {
    return in.x >= out.x && in.y >= out.y && in.x + in.w <= out.x + out.w &&
           in.y + in.h <= out.y + out.h;
}

/* The last call that drew into r: a rectangle filled over all of it gives the colour.  (A
 * frame's inside is not drawn; a text's box is its width drawn by its height.) */
int canvas_background(const struct ui_gfx *g, struct ui_rect r, struct ui_rgb *bg) {
    const struct gfx_list *l = &g->list;
    for (size_t i = l->n; i-- > 0;) {
        const struct gfx_op *o = &l->op[i];
        struct ui_rect box = { o->x, o->y, o->w, o->h };
        switch (o->kind) {
        case OP_FILL:
            if (!meet(box, r)) continue;
            *bg = o->c;
            return holds(box, r);
        case OP_FRAME: {
            struct ui_rect in = { box.x + o->alpha, box.y + o->alpha, box.w - 2 * o->alpha,
                                  box.h - 2 * o->alpha };
            if (!meet(box, r) || holds(in, r)) continue;
            return 0;
        }
        case OP_TEXT:
            if (meet((struct ui_rect){ o->x, o->y, o->h, o->text_h }, r)) return 0;
            continue;
        default: {   /* a line: its bounding box */
            int x0 = o->x < o->w ? o->x : o->w, y0 = o->y < o->h ? o->y : o->h;
            struct ui_rect lb = { x0, y0, abs(o->w - o->x) + 1, abs(o->h - o->y) + 1 };
            if (meet(lb, r)) return 0;
        }
        }
    }
    return 0;
}

void gfx_region_begin(struct ui_gfx *g) {
    g->list.n = 0;
    g->list.text_len = 0;
    g->list.failed = 0;
    g->recording = 1;
}

int gfx_region_end(struct ui_gfx *g, int region, struct ui_rect r) {
    struct gfx_list *l = &g->list;
    g->recording = 0;
    uint64_t h = l->failed ? 0 : list_hash(l, r);
    g->drawn[region] = !(g->canvas || g->in_window) || !h || h != g->region_hash[region];
    if (!g->drawn[region]) return 0;
    SDL_Rect clip = { r.x, r.y, r.w, r.h };
    SDL_RenderSetClipRect(g->ren, &clip);
    replay(g, l);
    SDL_RenderSetClipRect(g->ren, NULL);
    g->region_hash[region] = h;
    g->show = 1;
    return 1;
}

void gfx_invalidate(struct ui_gfx *g) {
    g->fresh = 1;
}

/* The canvas, in the window's pixel format, as big as the drawable.  SDL's software renderer
 * draws into the window's surface, which keeps its pixels from one frame to the next: that is
 * the canvas already, and copying a canvas into it (all of it, at every frame that changed
 * anything) cost about as much as drawing what changed. */
int canvas_make(struct ui_gfx *g) {
    canvas_drop(g);
    g->fresh = 1;
    g->show = 1;
    SDL_RendererInfo info;
    if (SDL_GetRendererInfo(g->ren, &info) || !(info.flags & SDL_RENDERER_TARGETTEXTURE))
        return -1;
    g->in_window = (info.flags & SDL_RENDERER_SOFTWARE) != 0;
    if (g->in_window) return 0;
    Uint32 fmt = SDL_GetWindowPixelFormat(g->win);
    if (fmt == SDL_PIXELFORMAT_UNKNOWN) fmt = SDL_PIXELFORMAT_ARGB8888;
    g->canvas = SDL_CreateTexture(g->ren, fmt, SDL_TEXTUREACCESS_TARGET, g->out_w, g->out_h);
    if (!g->canvas)
        g->canvas = SDL_CreateTexture(g->ren, SDL_PIXELFORMAT_ARGB8888, SDL_TEXTUREACCESS_TARGET,
                                      g->out_w, g->out_h);
    if (!g->canvas) return -1;
    SDL_SetTextureBlendMode(g->canvas, SDL_BLENDMODE_NONE);
    return 0;
}

void canvas_drop(struct ui_gfx *g) {
    if (g->canvas) SDL_DestroyTexture(g->canvas);
    g->canvas = NULL;
}
