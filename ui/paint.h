/* paint.h - drawing the model into the window: one function per panel. */
#ifndef LGSIM_UI_PAINT_H
#define LGSIM_UI_PAINT_H
#include "ui/draw.h"
#include "ui/layout.h"
#include "ui/model.h"

/* The whole window for the model as it is now (the layout for the window's size). */
void paint_all(struct ui_gfx *g, const struct ui_layout *l, const struct ui_model *m);

/* Shared by the panels (paint.c). */
enum anchor { ANCHOR_TOP, ANCHOR_CURSOR, ANCHOR_BOTTOM };
void paint_lines(struct ui_gfx *g, struct ui_rect body, const struct ui_text *t, enum anchor a,
                 unsigned pinned);
struct ui_rgb style_colour(int style);
void paint_timeline(struct ui_gfx *g, const struct ui_layout *l, const struct ui_model *m);
/* Each panel's name in its title strip. */
const char *panel_title(int p);
/* The label in each world's box. */
const char *world_label(enum ui_world w);
#endif
