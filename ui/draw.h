/* draw.h - the window and its drawing: rectangles, lines and text through SDL2 and SDL2_ttf. */
#ifndef LGSIM_UI_DRAW_H
#define LGSIM_UI_DRAW_H
/* lgsim has its own main() on every system: SDL's (SDL2main, Windows) is not wanted. */
#define SDL_MAIN_HANDLED
#include <SDL.h>
#include <SDL_ttf.h>
#include "ui/layout.h"
#include "ui/palette.h"

#define TEXT_CACHE 1024
#define TEXT_WAYS 8              /* entries a string may take in the cache (draw.c) */

/* The parts of the window drawn and kept one by one: the panels, the two bars, the help. */
enum { R_TOP = P_PANELS, R_BOTTOM, R_HELP, GFX_REGIONS };

/* One drawing call, as a region's list keeps it (canvas.c). */
struct gfx_op {
    uint8_t kind, bold, alpha;   /* alpha: a line's; a frame's thickness; text: on bg */
    struct ui_rgb c, bg;         /* text on bg is drawn opaque, its background included */
    int x, y, w, h;              /* a rectangle; a line's ends (x, y)-(w, h); text: max_w and
                                  * the width drawn */
    int text_h;                  /* text: the height drawn */
    uint32_t text;               /* the string's offset in the list's text */
};
struct gfx_list {
    struct gfx_op *op;
    size_t n, cap;
    char *text;
    size_t text_len, text_cap;
    int failed;                  /* out of memory: the region is drawn, never kept */
};

struct cached_text {
    uint64_t key;
    SDL_Texture *tex;
    int w, h;                    /* the text's size (the texture may be bigger) */
    int tex_w, tex_h, opaque;    /* opaque: tex is the entry's own streaming texture (draw.c) */
    unsigned used;               /* the frame that last drew it */
};

struct ui_gfx {
    SDL_Window *win;
    SDL_Renderer *ren;
    int headless;
    char font_path[512], bold_path[512];
    TTF_Font *font, *bold;
    double scale;                /* the user's (Ctrl +/-, --scale), times the display's */
    int point;                   /* the font size in pixels of the output */
    int line, cw;                /* line height and character width, in output pixels */
    int text_h;                  /* a rendered line's height */
    int out_w, out_h;            /* the drawable, in pixels (HiDPI: more than the window) */
    double density;              /* output pixels per window coordinate */
    unsigned frame;
    struct cached_text cache[TEXT_CACHE];
    /* The frame is drawn into the canvas and kept there: a region is drawn again only when
     * its drawing calls differ from the last frame's (canvas.c). */
    SDL_Texture *canvas;         /* NULL: the renderer has no target textures; all drawn */
    int in_window;               /* no canvas: the window's own pixels are kept (SDL's
                                  * software renderer draws into the window's surface) */
    int fresh;                   /* the canvas holds nothing yet: every region is drawn */
    int show;                    /* the canvas changed (or the window needs it) since shown */
    int overlay;                 /* the last frame had the help overlay over the regions */
    int recording;               /* the drawing calls go into list, not to the renderer */
    struct gfx_list list;
    uint64_t region_hash[GFX_REGIONS];
    uint8_t drawn[GFX_REGIONS];  /* the last frame drew this region (1) or kept it (0) */
    uint64_t n_frames, n_shown;  /* frames made; those that changed the window */
};

/* Open the window (hidden, on SDL's offscreen driver, when headless) at w x h. */
int gfx_open(struct ui_gfx *g, int headless, int w, int h, double scale, const char *font,
             char *err, size_t errlen);
void gfx_close(struct ui_gfx *g);
/* After a resize or a scale change: the drawable's size, the font for it. */
int gfx_refresh(struct ui_gfx *g, char *err, size_t errlen);
/* A frame: begin, the regions (each between gfx_region_begin and gfx_region_end), end. */
void gfx_begin(struct ui_gfx *g);
void gfx_end(struct ui_gfx *g);
/* A region's drawing calls from here on are kept, not drawn ... */
void gfx_region_begin(struct ui_gfx *g);
/* ... and drawn, clipped to r, only when they differ from the region's last: 1 when drawn. */
int gfx_region_end(struct ui_gfx *g, int region, struct ui_rect r);
/* Draw every region again at the next frame (a resize, the help overlay gone). */
void gfx_invalidate(struct ui_gfx *g);
/* canvas.c, for draw.c: keep a call while recording; make and drop the canvas. */
void canvas_keep(struct ui_gfx *g, struct gfx_op op, const char *text);
/* Is r, so far in the region being recorded, all one colour (*bg)?  1 if so. */
int canvas_background(const struct ui_gfx *g, struct ui_rect r, struct ui_rgb *bg);
/* Text as gfx_text() draws it, or (bg non-NULL) opaque on that background. */
int gfx_text_on(struct ui_gfx *g, int x, int y, const char *s, struct ui_rgb c, int bold,
                int max_w, const struct ui_rgb *bg);
int canvas_make(struct ui_gfx *g);
void canvas_drop(struct ui_gfx *g);
enum { OP_FILL, OP_FRAME, OP_LINE, OP_LINE_ALPHA, OP_TEXT };

void gfx_fill(struct ui_gfx *g, struct ui_rect r, struct ui_rgb c);
void gfx_frame(struct ui_gfx *g, struct ui_rect r, struct ui_rgb c, int thick);
void gfx_line(struct ui_gfx *g, int x0, int y0, int x1, int y1, struct ui_rgb c);
/* The same, see-through: alpha 0 (invisible) to 255. */
void gfx_line_alpha(struct ui_gfx *g, int x0, int y0, int x1, int y1, struct ui_rgb c, int alpha);
/* Text at (x, y), cut at max_w pixels (0: no limit); returns the width drawn. */
int gfx_text(struct ui_gfx *g, int x, int y, const char *s, struct ui_rgb c, int bold, int max_w);
/* The frame as 8-bit RGB, rows top to bottom (the caller frees it). */
uint8_t *gfx_read_rgb(struct ui_gfx *g, int *w, int *h);
#endif
