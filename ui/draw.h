/* draw.h - the window and its drawing: rectangles, lines and text through SDL2 and SDL2_ttf. */
#ifndef LGSIM_UI_DRAW_H
#define LGSIM_UI_DRAW_H
#include <SDL.h>
#include <SDL_ttf.h>
#include "ui/layout.h"
#include "ui/palette.h"

#define TEXT_CACHE 1024

struct cached_text {
    uint64_t key;
    SDL_Texture *tex;
    int w, h;
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
    int out_w, out_h;            /* the drawable, in pixels (HiDPI: more than the window) */
    double density;              /* output pixels per window coordinate */
    unsigned frame;
    struct cached_text cache[TEXT_CACHE];
};

/* Open the window (hidden, on SDL's offscreen driver, when headless) at w x h. */
int gfx_open(struct ui_gfx *g, int headless, int w, int h, double scale, const char *font,
             char *err, size_t errlen);
void gfx_close(struct ui_gfx *g);
/* After a resize or a scale change: the drawable's size, the font for it. */
int gfx_refresh(struct ui_gfx *g, char *err, size_t errlen);
void gfx_begin(struct ui_gfx *g);
void gfx_end(struct ui_gfx *g);

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
