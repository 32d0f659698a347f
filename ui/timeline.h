/* timeline.h - the timeline's geometry: which records a column of pixels covers, and back. */
#ifndef LGSIM_UI_TIMELINE_H
#define LGSIM_UI_TIMELINE_H
#include "ui/model.h"

/* What happened within one column: the lanes the CPU was in and the kinds of event. */
enum { EV_SWITCH = 1, EV_HCALL = 2, EV_TRAP = 4, EV_IRQ = 8, EV_SPTE = 16, EV_PF = 32,
       EV_CONSOLE = 64 };
struct tl_column {
    uint8_t lanes;               /* bit w: world w (W_HOST ... W_USER) */
    uint8_t events;
    uint64_t first, last;        /* the records it covers (first > last: none) */
};

/* The lanes, top to bottom, as the timeline draws them. */
extern const enum ui_world timeline_lanes[4];
int timeline_lane_row(enum ui_world w);

/* width columns for the visible range. */
void timeline_columns(const struct ui_model *m, int width, struct tl_column *cols);
/* Where moment (rec, running) falls, in columns from the left (may be outside 0..width). */
double timeline_x(const struct ui_model *m, uint64_t rec, int running, int width);
/* The record a click at column x in lane row (0-3, -1: any) picks: an event there if any. */
uint64_t timeline_pick(const struct ui_model *m, int width, int x, int row);
/* The kinds of event record r is (EV_...). */
uint8_t timeline_event_of(const struct run_rec *r);
/* The world the CPU was in just after record i (the timeline's lane for it). */
enum ui_world timeline_world_after(const struct run *run, uint64_t i);

/* Zoom by factor (< 1: in) keeping the point at fraction c of the width still; pan by a
 * fraction of the visible span; show everything; show records [a, b]. */
void timeline_zoom(struct ui_model *m, double factor, double c);
void timeline_pan(struct ui_model *m, double frac);
void timeline_all(struct ui_model *m);
void timeline_show(struct ui_model *m, uint64_t a, uint64_t b);
void timeline_set_axis(struct ui_model *m, enum ui_axis axis);
#endif
