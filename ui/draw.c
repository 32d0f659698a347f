/* draw.c - SDL2 window, renderer and SDL2_ttf text, with a cache of rendered strings. */
#include "ui/draw.h"
#include "ui/font.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define BASE_POINT 13            /* the font size at scale 1, in window coordinates */

/*
 * Headless (screenshots, scripted sessions, tests): SDL's "offscreen" video driver, which
 * needs no display, and the software renderer, so the same pixels come out everywhere.
 * SDL_VIDEODRIVER, when set, still wins (e.g. "dummy").
 */
static int init_video(int headless, char *err, size_t errlen) {
    if (headless && !getenv("SDL_VIDEODRIVER")) SDL_SetHint(SDL_HINT_VIDEODRIVER, "offscreen");
    /* Headless, the software renderer's frame stays in memory: without this hint SDL shows it
     * through a GL texture (Mesa's software GL, threads and all), for a window nobody sees. */
    if (headless) SDL_SetHint(SDL_HINT_FRAMEBUFFER_ACCELERATION, "0");
    SDL_SetMainReady();   /* main() is lgsim's (draw.h: SDL_MAIN_HANDLED) */
    if (SDL_Init(SDL_INIT_VIDEO)) {
        snprintf(err, errlen, "cannot start SDL's video: %s%s", SDL_GetError(),
                 headless ? "" : " (no display? --screenshot and --ui-script need none)");
        return -1;
    }
    /* SDL falls back to a driver that shows nothing when there is no display: say so rather
     * than wait for keys nobody can press. */
    const char *drv = SDL_GetCurrentVideoDriver();
    if (!headless && !getenv("SDL_VIDEODRIVER") && drv &&
        (!strcmp(drv, "offscreen") || !strcmp(drv, "dummy"))) {
        snprintf(err, errlen, "no display to open a window on (SDL found only its %s video "
                 "driver); --screenshot and --ui-script need none", drv);
        SDL_Quit();
        return -1;
    }
    if (TTF_Init()) {
        snprintf(err, errlen, "cannot start SDL_ttf: %s", TTF_GetError());
        SDL_Quit();
        return -1;
    }
    return 0;
}

/* A display that reports a high DPI without HiDPI scaling (X11) gets bigger text. */
static double display_scale(struct ui_gfx *g) {
    float dpi = 0;
    if (g->headless || g->density > 1.01 || SDL_GetDisplayDPI(0, &dpi, NULL, NULL) || dpi < 120)
        return 1.0;
    return floor(dpi / 96.0 * 4 + 0.5) / 4;
}

/* Is this renderer OpenGL drawn by the CPU (Mesa's llvmpipe or softpipe)? */
static int gl_in_software(SDL_Renderer *r) {
    SDL_RendererInfo info;
    if (SDL_GetRendererInfo(r, &info) || strncmp(info.name, "opengl", 6)) return 0;
    const unsigned char *(*get_string)(unsigned) = NULL;
    void *p = SDL_GL_GetProcAddress("glGetString");
    if (!p) return 0;
    memcpy(&get_string, &p, sizeof(p));   /* ISO C has no cast from data to function pointer */
    const char *name = (const char *)get_string(0x1F01);   /* GL_RENDERER */
    return name && (strstr(name, "llvmpipe") || strstr(name, "softpipe") ||
                    strstr(name, "Software Rasterizer"));
}

/* The GPU's renderer; but where OpenGL itself is drawn by the CPU (no GPU, Xvfb) SDL's
 * software renderer, its frame handed to the window as it is, costs a fraction of a
 * software GL's frame.  Headless: the software renderer, so every run gives the same
 * pixels.  SDL_RENDER_DRIVER, when set, chooses. */
static SDL_Renderer *make_renderer(struct ui_gfx *g) {
    if (g->headless) return SDL_CreateRenderer(g->win, -1, SDL_RENDERER_SOFTWARE);
    SDL_Renderer *r = SDL_CreateRenderer(g->win, -1, SDL_RENDERER_ACCELERATED |
                                         SDL_RENDERER_PRESENTVSYNC);
    if (r && !getenv("SDL_RENDER_DRIVER") && gl_in_software(r)) {
        SDL_DestroyRenderer(r);
        r = NULL;
        SDL_SetHint(SDL_HINT_FRAMEBUFFER_ACCELERATION, "0");
    }
    return r ? r : SDL_CreateRenderer(g->win, -1, SDL_RENDERER_SOFTWARE);
}

int gfx_open(struct ui_gfx *g, int headless, int w, int h, double scale, const char *font,
             char *err, size_t errlen) {
    memset(g, 0, sizeof(*g));
    g->headless = headless;
    if (font_find(font, g->font_path, sizeof(g->font_path), g->bold_path, sizeof(g->bold_path))) {
        snprintf(err, errlen, "%s", g->font_path);
        return -1;
    }
    if (init_video(headless, err, errlen)) return -1;
    Uint32 flags = SDL_WINDOW_RESIZABLE | SDL_WINDOW_ALLOW_HIGHDPI |
                   (headless ? SDL_WINDOW_HIDDEN : 0);
    g->win = SDL_CreateWindow("lgsim ui", SDL_WINDOWPOS_CENTERED, SDL_WINDOWPOS_CENTERED, w, h,
                              flags);
    if (g->win) g->ren = make_renderer(g);
    if (!g->ren) {
        snprintf(err, errlen, "cannot open a window: %s", SDL_GetError());
        gfx_close(g);
        return -1;
    }
    SDL_SetRenderDrawBlendMode(g->ren, SDL_BLENDMODE_BLEND);
    g->scale = scale;
    if (gfx_refresh(g, err, errlen)) {
        gfx_close(g);
        return -1;
    }
    if (scale <= 0) {   /* not given: what the display asks for */
        g->scale = display_scale(g);
        if (gfx_refresh(g, err, errlen)) {
            gfx_close(g);
            return -1;
        }
    }
    return 0;
}

static void drop_cache(struct ui_gfx *g) {
    for (int i = 0; i < TEXT_CACHE; i++) {
        if (g->cache[i].tex) SDL_DestroyTexture(g->cache[i].tex);
        g->cache[i].tex = NULL;
    }
}

int gfx_refresh(struct ui_gfx *g, char *err, size_t errlen) {
    int ww, wh, was_w = g->out_w, was_h = g->out_h;
    SDL_GetWindowSize(g->win, &ww, &wh);
    SDL_GetRendererOutputSize(g->ren, &g->out_w, &g->out_h);
    /* Any change to the window draws it all again (a new size: on a new canvas). */
    if (!g->canvas || g->out_w != was_w || g->out_h != was_h) canvas_make(g);
    g->fresh = g->show = 1;
    g->density = ww > 0 ? (double)g->out_w / ww : 1;
    double s = g->scale > 0 ? g->scale : 1;
    int point = (int)lround(BASE_POINT * s * g->density);
    if (point < 6) point = 6;
    if (point == g->point && g->font) return 0;
    drop_cache(g);
    if (g->font) TTF_CloseFont(g->font);
    if (g->bold) TTF_CloseFont(g->bold);
    g->font = TTF_OpenFont(g->font_path, point);
    g->bold = g->bold_path[0] ? TTF_OpenFont(g->bold_path, point) : NULL;
    if (!g->font) {
        snprintf(err, errlen, "cannot open the font %s: %s", g->font_path, TTF_GetError());
        return -1;
    }
    TTF_SetFontHinting(g->font, TTF_HINTING_LIGHT);
    if (g->bold) TTF_SetFontHinting(g->bold, TTF_HINTING_LIGHT);
    g->point = point;
    g->line = TTF_FontLineSkip(g->font);
    g->text_h = TTF_FontHeight(g->font);
    if (g->bold && TTF_FontHeight(g->bold) > g->text_h) g->text_h = TTF_FontHeight(g->bold);
    if (TTF_SizeUTF8(g->font, "M", &g->cw, NULL) || g->cw < 1) g->cw = point / 2 + 1;
    return 0;
}

void gfx_close(struct ui_gfx *g) {
    drop_cache(g);
    canvas_drop(g);
    free(g->list.op);
    free(g->list.text);
    g->list = (struct gfx_list){ 0 };
    if (g->font) TTF_CloseFont(g->font);
    if (g->bold) TTF_CloseFont(g->bold);
    if (g->ren) SDL_DestroyRenderer(g->ren);
    if (g->win) SDL_DestroyWindow(g->win);
    g->font = g->bold = NULL;
    g->ren = NULL;
    g->win = NULL;
    TTF_Quit();
    SDL_Quit();
}

void gfx_begin(struct ui_gfx *g) {
    g->frame++;
    g->n_frames++;
    if (g->canvas) SDL_SetRenderTarget(g->ren, g->canvas);
    if (!g->fresh && (g->canvas || g->in_window)) return;
    gfx_fill(g, (struct ui_rect){ 0, 0, g->out_w, g->out_h }, COL_WINDOW);
    memset(g->region_hash, 0, sizeof(g->region_hash));
    g->fresh = 0;
    g->show = 1;
}

/* The canvas into the window, when it changed: a frame that changed nothing shows nothing. */
void gfx_end(struct ui_gfx *g) {
    if (g->canvas) {
        SDL_SetRenderTarget(g->ren, NULL);
        if (!g->show) return;
        SDL_RenderCopy(g->ren, g->canvas, NULL, NULL);
    } else if (g->in_window) {
        if (!g->show) return;
    } else {
        g->fresh = 1;
    }
    SDL_RenderPresent(g->ren);
    g->show = 0;
    g->n_shown++;
}

/* Opaque: no blending (the software renderer blends every pixel of a rectangle otherwise,
 * even at full alpha). */
static void colour(struct ui_gfx *g, struct ui_rgb c) {
    SDL_SetRenderDrawBlendMode(g->ren, SDL_BLENDMODE_NONE);
    SDL_SetRenderDrawColor(g->ren, c.r, c.g, c.b, 255);
}

void gfx_fill(struct ui_gfx *g, struct ui_rect r, struct ui_rgb c) {
    if (g->recording) {
        canvas_keep(g, (struct gfx_op){ .kind = OP_FILL, .c = c, .x = r.x, .y = r.y, .w = r.w, .h = r.h },
                    NULL);
        return;
    }
    SDL_Rect s = { r.x, r.y, r.w, r.h };
    colour(g, c);
    SDL_RenderFillRect(g->ren, &s);
}

void gfx_frame(struct ui_gfx *g, struct ui_rect r, struct ui_rgb c, int thick) {
    if (g->recording) {
        canvas_keep(g, (struct gfx_op){ .kind = OP_FRAME, .alpha = (uint8_t)thick, .c = c, .x = r.x,
                                        .y = r.y, .w = r.w, .h = r.h }, NULL);
        return;
    }
    colour(g, c);
    for (int i = 0; i < thick; i++) {
        SDL_Rect s = { r.x + i, r.y + i, r.w - 2 * i, r.h - 2 * i };
        SDL_RenderDrawRect(g->ren, &s);
    }
}

void gfx_line(struct ui_gfx *g, int x0, int y0, int x1, int y1, struct ui_rgb c) {
    if (g->recording) {
        canvas_keep(g, (struct gfx_op){ .kind = OP_LINE, .c = c, .x = x0, .y = y0, .w = x1, .h = y1 },
                    NULL);
        return;
    }
    colour(g, c);
    SDL_RenderDrawLine(g->ren, x0, y0, x1, y1);
}

void gfx_line_alpha(struct ui_gfx *g, int x0, int y0, int x1, int y1, struct ui_rgb c, int alpha) {
    if (g->recording) {
        canvas_keep(g, (struct gfx_op){ .kind = OP_LINE_ALPHA, .alpha = (uint8_t)alpha, .c = c,
                                        .x = x0, .y = y0, .w = x1, .h = y1 }, NULL);
        return;
    }
    SDL_SetRenderDrawBlendMode(g->ren, SDL_BLENDMODE_BLEND);
    SDL_SetRenderDrawColor(g->ren, c.r, c.g, c.b, (Uint8)alpha);
    SDL_RenderDrawLine(g->ren, x0, y0, x1, y1);
}

/* FNV-1a of the string, the face, the colour and the background (0: none). */
static uint64_t text_key(const char *s, struct ui_rgb c, int bold, const struct ui_rgb *bg) {
    uint64_t h = 0xcbf29ce484222325ull;
    for (; *s; s++) h = (h ^ (uint8_t)*s) * 0x100000001b3ull;
    h = (h ^ (uint64_t)(c.r | c.g << 8 | c.b << 16 | bold << 24)) * 0x100000001b3ull;
    if (bg) h = (h ^ (uint64_t)(bg->r | bg->g << 8 | bg->b << 16 | 1 << 24)) * 0x100000001b3ull;
    return h ? h : 1;
}

/*
 * The cache is set-associative: a key may sit in any of its set's TEXT_WAYS entries, and a
 * new string takes the one drawn longest ago.  Mapped to one entry each, two strings of the
 * same frame that fell on the same entry pushed each other out and were rendered again every
 * time their region was drawn.
 */
static struct cached_text *entry_for(struct ui_gfx *g, uint64_t key) {
    struct cached_text *set = &g->cache[(key % (TEXT_CACHE / TEXT_WAYS)) * TEXT_WAYS];
    struct cached_text *oldest = set;
    for (int i = 0; i < TEXT_WAYS; i++) {
        if (set[i].tex && set[i].key == key) return &set[i];
        if (!set[i].tex) oldest = &set[i];
        else if (oldest->tex && g->frame - set[i].used > g->frame - oldest->used) oldest = &set[i];
    }
    return oldest;
}

/* The pixel format text is drawn in: the canvas's, or the window's (a copy, not a conversion). */
static Uint32 text_format(struct ui_gfx *g) {
    Uint32 fmt = SDL_PIXELFORMAT_ARGB8888;
    if (g->canvas) SDL_QueryTexture(g->canvas, &fmt, NULL, NULL, NULL);
    else if (g->in_window && SDL_GetWindowPixelFormat(g->win) != SDL_PIXELFORMAT_UNKNOWN)
        fmt = SDL_GetWindowPixelFormat(g->win);
    return SDL_BYTESPERPIXEL(fmt) == 4 ? fmt : SDL_PIXELFORMAT_ARGB8888;
}

/* The entry's own streaming texture, made again only when the text does not fit in it:
 * widths are rounded up so that the next string in the entry mostly fits. */
static SDL_Texture *opaque_texture(struct ui_gfx *g, struct cached_text *e, int w, int h) {
    if (e->tex && e->opaque && w <= e->tex_w && h <= e->tex_h) return e->tex;
    if (e->tex) SDL_DestroyTexture(e->tex);
    e->tex_w = (w + 255) / 256 * 256;
    e->tex_h = h;
    e->tex = SDL_CreateTexture(g->ren, text_format(g), SDL_TEXTUREACCESS_STREAMING, e->tex_w, h);
    e->opaque = e->tex != NULL;
    if (e->tex) SDL_SetTextureBlendMode(e->tex, SDL_BLENDMODE_NONE);
    return e->tex;
}

/*
 * Opaque text: SDL_ttf's shaded rendering (8 bits a pixel, a palette from the background to
 * the colour) written through its palette into the entry's texture.  Blended text blitted
 * onto a surface of the background and made into a new texture cost 1.6 times as much,
 * and a Linux boot draws some 45 new strings a frame.
 */
static int opaque_into(struct ui_gfx *g, struct cached_text *e, SDL_Surface *shaded) {
    SDL_Texture *t = opaque_texture(g, e, shaded->w, shaded->h);
    Uint32 fmt;
    void *px;
    int pitch;
    if (!t || SDL_QueryTexture(t, &fmt, NULL, NULL, NULL)) return -1;
    SDL_PixelFormat *pf = SDL_AllocFormat(fmt);
    if (!pf) return -1;
    const SDL_Palette *pal = shaded->format->palette;
    Uint32 map[256] = { 0 };
    for (int i = 0; pal && i < pal->ncolors && i < 256; i++)
        map[i] = SDL_MapRGBA(pf, pal->colors[i].r, pal->colors[i].g, pal->colors[i].b, 255);
    SDL_FreeFormat(pf);
    SDL_Rect r = { 0, 0, shaded->w, shaded->h };
    if (SDL_LockTexture(t, &r, &px, &pitch)) return -1;
    for (int y = 0; y < shaded->h; y++) {
        const Uint8 *src = (const Uint8 *)shaded->pixels + (size_t)y * (size_t)shaded->pitch;
        Uint32 *dst = (Uint32 *)((Uint8 *)px + (size_t)y * (size_t)pitch);
        for (int x = 0; x < shaded->w; x++) dst[x] = map[src[x]];
    }
    SDL_UnlockTexture(t);
    return 0;
}

static struct cached_text *rendered(struct ui_gfx *g, const char *s, struct ui_rgb c, int bold,
                                    const struct ui_rgb *bg) {
    uint64_t key = text_key(s, c, bold, bg);
    struct cached_text *e = entry_for(g, key);
    if (e->tex && e->key == key) return e;
    TTF_Font *f = bold && g->bold ? g->bold : g->font;
    SDL_Color fg = { c.r, c.g, c.b, 255 };
    e->key = 0;
    SDL_Surface *surf = bg ? TTF_RenderUTF8_Shaded(f, s, fg, (SDL_Color){ bg->r, bg->g, bg->b, 255 })
                           : TTF_RenderUTF8_Blended(f, s, fg);
    if (!surf) return NULL;
    int ok;
    if (bg) {
        ok = surf->format->BitsPerPixel == 8 && opaque_into(g, e, surf) == 0;
    } else {
        if (e->tex) SDL_DestroyTexture(e->tex);
        e->tex = SDL_CreateTextureFromSurface(g->ren, surf);
        e->opaque = 0;
        ok = e->tex != NULL;
    }
    e->w = surf->w;
    e->h = surf->h;
    e->key = ok ? key : 0;
    e->used = g->frame;
    SDL_FreeSurface(surf);
    return ok ? e : NULL;
}

int gfx_text_on(struct ui_gfx *g, int x, int y, const char *s, struct ui_rgb c, int bold,
                int max_w, const struct ui_rgb *bg) {
    if (!s || !*s) return 0;
    struct cached_text *e = rendered(g, s, c, bold, bg);
    if (!e) return 0;
    e->used = g->frame;
    int w = max_w > 0 && e->w > max_w ? max_w : e->w;
    SDL_Rect src = { 0, 0, w, e->h }, dst = { x, y, w, e->h };
    SDL_RenderCopy(g->ren, e->tex, &src, &dst);
    return w;
}

/* Recording (canvas.c), text on one colour is kept as opaque text on it. */
int gfx_text(struct ui_gfx *g, int x, int y, const char *s, struct ui_rgb c, int bold, int max_w) {
    if (!s || !*s) return 0;
    if (!g->recording) return gfx_text_on(g, x, y, s, c, bold, max_w, NULL);
    /* Where it may draw: some glyphs reach below the font's height (SDL_ttf makes the line
     * taller for them), so a little more; wider or taller than that, it is blended. */
    struct ui_rgb bg;
    struct ui_rect most = { x, y, max_w > 0 ? max_w : g->cw * (int)strlen(s) + g->cw,
                            g->text_h + g->line / 2 };
    int opaque = canvas_background(g, most, &bg);
    struct cached_text *e = rendered(g, s, c, bold, opaque ? &bg : NULL);
    if (e && opaque && (e->w > most.w || e->h > most.h)) {
        opaque = 0;
        e = rendered(g, s, c, bold, NULL);
    }
    if (!e) return 0;
    e->used = g->frame;
    int w = max_w > 0 && e->w > max_w ? max_w : e->w;
    canvas_keep(g, (struct gfx_op){ .kind = OP_TEXT, .bold = (uint8_t)bold,
                                    .alpha = (uint8_t)opaque, .c = c, .bg = opaque ? bg : c,
                                    .x = x, .y = y, .w = max_w, .h = w, .text_h = e->h }, s);
    return w;
}

uint8_t *gfx_read_rgb(struct ui_gfx *g, int *w, int *h) {
    *w = g->out_w;
    *h = g->out_h;
    uint8_t *px = malloc((size_t)*w * (size_t)*h * 3);
    if (px && SDL_RenderReadPixels(g->ren, NULL, SDL_PIXELFORMAT_RGB24, px, *w * 3)) {
        free(px);
        return NULL;
    }
    return px;
}
