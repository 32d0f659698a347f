/* layout.h - where each panel goes in a window of a given size: plain arithmetic, no drawing. */
#ifndef LGSIM_UI_LAYOUT_H
#define LGSIM_UI_LAYOUT_H
#include "ui/model.h"

struct ui_rect { int x, y, w, h; };

struct ui_layout {
    int width, height, line;     /* pixels; line = the font's line height */
    struct ui_rect top, bottom;  /* the title bar and the status bar */
    struct ui_rect panel[P_PANELS];
    struct ui_rect title[P_PANELS];  /* each panel's title strip */
    struct ui_rect body[P_PANELS];   /* and what is under it */
    struct ui_rect world[W_WORLDS];  /* the where panel's four boxes */
    struct ui_rect map;              /* the page-table panel's map of the address space */
    struct ui_rect lanes;            /* the timeline's four lanes */
    struct ui_rect help;             /* the help overlay */
};

void layout_compute(struct ui_layout *l, int width, int height, int line);
/* The panel under a point, or -1. */
int layout_panel_at(const struct ui_layout *l, int x, int y);
int rect_has(const struct ui_rect *r, int x, int y);
#endif
