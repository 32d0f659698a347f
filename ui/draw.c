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
    if (g->win) g->ren = SDL_CreateRenderer(g->win, -1, headless ? SDL_RENDERER_SOFTWARE :
                                            SDL_RENDERER_ACCELERATED | SDL_RENDERER_PRESENTVSYNC);
    if (g->win && !g->ren) g->ren = SDL_CreateRenderer(g->win, -1, SDL_RENDERER_SOFTWARE);
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
    int ww, wh;
    SDL_GetWindowSize(g->win, &ww, &wh);
    SDL_GetRendererOutputSize(g->ren, &g->out_w, &g->out_h);
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
    if (TTF_SizeUTF8(g->font, "M", &g->cw, NULL) || g->cw < 1) g->cw = point / 2 + 1;
    return 0;
}

void gfx_close(struct ui_gfx *g) {
    drop_cache(g);
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
    gfx_fill(g, (struct ui_rect){ 0, 0, g->out_w, g->out_h }, COL_WINDOW);
}

void gfx_end(struct ui_gfx *g) {
    SDL_RenderPresent(g->ren);
}

static void colour(struct ui_gfx *g, struct ui_rgb c) {
    SDL_SetRenderDrawColor(g->ren, c.r, c.g, c.b, 255);
}

void gfx_fill(struct ui_gfx *g, struct ui_rect r, struct ui_rgb c) {
    SDL_Rect s = { r.x, r.y, r.w, r.h };
    colour(g, c);
    SDL_RenderFillRect(g->ren, &s);
}

void gfx_frame(struct ui_gfx *g, struct ui_rect r, struct ui_rgb c, int thick) {
    colour(g, c);
    for (int i = 0; i < thick; i++) {
        SDL_Rect s = { r.x + i, r.y + i, r.w - 2 * i, r.h - 2 * i };
        SDL_RenderDrawRect(g->ren, &s);
    }
}

void gfx_line(struct ui_gfx *g, int x0, int y0, int x1, int y1, struct ui_rgb c) {
    colour(g, c);
    SDL_RenderDrawLine(g->ren, x0, y0, x1, y1);
}

void gfx_line_alpha(struct ui_gfx *g, int x0, int y0, int x1, int y1, struct ui_rgb c, int alpha) {
    SDL_SetRenderDrawColor(g->ren, c.r, c.g, c.b, (Uint8)alpha);
    SDL_RenderDrawLine(g->ren, x0, y0, x1, y1);
}

/* FNV-1a of the string, the face and the colour. */
static uint64_t text_key(const char *s, struct ui_rgb c, int bold) {
    uint64_t h = 0xcbf29ce484222325ull;
    for (; *s; s++) h = (h ^ (uint8_t)*s) * 0x100000001b3ull;
    h = (h ^ (uint64_t)(c.r | c.g << 8 | c.b << 16 | bold << 24)) * 0x100000001b3ull;
    return h ? h : 1;
}

static struct cached_text *rendered(struct ui_gfx *g, const char *s, struct ui_rgb c, int bold) {
    uint64_t key = text_key(s, c, bold);
    struct cached_text *e = &g->cache[key % TEXT_CACHE];
    if (e->tex && e->key == key) return e;
    if (e->tex) SDL_DestroyTexture(e->tex);
    e->tex = NULL;
    TTF_Font *f = bold && g->bold ? g->bold : g->font;
    SDL_Surface *surf = TTF_RenderUTF8_Blended(f, s, (SDL_Color){ c.r, c.g, c.b, 255 });
    if (!surf) return NULL;
    e->tex = SDL_CreateTextureFromSurface(g->ren, surf);
    e->w = surf->w;
    e->h = surf->h;
    e->key = key;
    SDL_FreeSurface(surf);
    return e->tex ? e : NULL;
}

int gfx_text(struct ui_gfx *g, int x, int y, const char *s, struct ui_rgb c, int bold, int max_w) {
    if (!s || !*s) return 0;
    struct cached_text *e = rendered(g, s, c, bold);
    if (!e) return 0;
    e->used = g->frame;
    int w = max_w > 0 && e->w > max_w ? max_w : e->w;
    SDL_Rect src = { 0, 0, w, e->h }, dst = { x, y, w, e->h };
    SDL_RenderCopy(g->ren, e->tex, &src, &dst);
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
