/* timeline.c - lanes host / Switcher / guest kernel / guest user over records or virtual time. */
#include "ui/timeline.h"
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

/*
 * Two axes.  Records: each record one step, so the host's work, which costs no virtual time,
 * is as wide as the guest's; the default.  Virtual time: as the guest's clock saw it, host
 * work is a sliver (it is drawn at least one pixel wide so it stays visible).
 * A world switch record covers the Switcher, then the world it leads to; after a retry and
 * at a round trip's end the CPU is in the faulting ring.  A ring change without a world switch
 * (the guest's own iret to user mode) is invisible to a trace: the lane changes at the exit.
 */
const enum ui_world timeline_lanes[4] = { W_HOST, W_SWITCHER, W_KERNEL, W_USER };

int timeline_lane_row(enum ui_world w) {
    for (int i = 0; i < 4; i++)
        if (timeline_lanes[i] == w) return i;
    return 0;
}

enum ui_world timeline_world_after(const struct run *run, uint64_t i) {
    const struct run_rec *r = &run->rec[i];
    if (r->kind == TK_TO_GUEST) return guest_world(r->f[TG_CPL]);
    if (r->kind == TK_TO_HOST) return W_HOST;
    return world_at(run, (struct ui_at){ i, 0 });
}

static double span(const struct ui_model *m) {
    return m->view.x1 - m->view.x0;
}

static double total(const struct ui_model *m) {
    const struct run *run = m->run;
    if (m->view.axis == AXIS_RECORDS) return run->n ? (double)run->n : 1;
    return run->n ? (double)run->rec[run->n - 1].t + 1 : 1;
}

/* Axis position of a moment: records count whole steps, a guest run the second half. */
static double position(const struct ui_model *m, uint64_t rec, int running) {
    const struct run_rec *r = &m->run->rec[rec];
    if (m->view.axis == AXIS_RECORDS) return (double)rec + (running ? 0.5 : 0);
    uint64_t t = r->t;
    if (running && r->kind == TK_TO_GUEST) t += r->f[TG_SWITCHER_NS];
    return (double)t;
}

double timeline_x(const struct ui_model *m, uint64_t rec, int running, int width) {
    if (rec >= m->run->n) return 0;
    return (position(m, rec, running) - m->view.x0) / span(m) * width;
}

/* An axis position as a time or index, clamped (a hostile trace's times can be anything). */
static uint64_t whole(double u) {
    if (!(u > 0)) return 0;
    if (u >= 1.8e19) return UINT64_MAX / 2;
    return (uint64_t)ceil(u);
}

/* The records whose span meets [u0, u1) on the axis. */
static void records_in(const struct ui_model *m, double u0, double u1, uint64_t *a, uint64_t *b) {
    const struct run *run = m->run;
    if (m->view.axis == AXIS_RECORDS) {
        *a = whole(floor(u0));
        uint64_t e = whole(u1);
        *b = e > 0 ? e - 1 : 0;
    } else {
        uint64_t s = run_at_time(run, whole(u0));
        *a = s > 0 && (s == run->n || (double)run->rec[s].t > u0) ? s - 1 : s;
        uint64_t e = run_at_time(run, whole(u1));
        *b = e > 0 ? e - 1 : 0;
    }
    if (*b >= run->n) *b = run->n - 1;
}

uint8_t timeline_event_of(const struct run_rec *r) {
    switch (r->kind) {
    case TK_TO_HOST:  return EV_SWITCH | (r->f[TH_VECTOR] == 14 ? EV_PF : 0);
    case TK_TO_GUEST: return EV_SWITCH;
    case TK_HCALL:    return EV_HCALL;
    case TK_REFLECT:  return EV_TRAP;
    case TK_IRQ:      return EV_IRQ;
    case TK_SPTE:     return EV_SPTE;
    case TK_PF:       return EV_PF;
    case TK_CONSOLE:  return EV_CONSOLE;
    default:          return 0;
    }
}

/* Does [s, e) meet the column [u0, u1)?  Host work takes no virtual time: a span of length
 * zero meets the column its moment falls in, so it stays visible. */
static int meets(double s, double e, double u0, double u1) {
    return e > s ? s < u1 && e > u0 : s >= u0 && s < u1;
}

/* The lanes record i colours in [u0, u1): the Switcher for its passage, then where it leads. */
static uint8_t lanes_of(const struct ui_model *m, uint64_t i, double u0, double u1) {
    const struct run *run = m->run;
    const struct run_rec *r = &run->rec[i];
    int sw = r->kind == TK_TO_HOST || r->kind == TK_TO_GUEST;
    double s = position(m, i, 0), e, mid;
    if (m->view.axis == AXIS_RECORDS) {
        e = s + 1;
        mid = sw ? s + 0.5 : s;
    } else {
        e = i + 1 < run->n ? (double)run->rec[i + 1].t : s;
        mid = s + (sw ? (double)r->f[r->kind == TK_TO_HOST ? TH_SWITCHER_NS : TG_SWITCHER_NS] : 0);
        if (mid > e) mid = e;
    }
    uint8_t lanes = 0;
    if (sw && meets(s, mid, u0, u1)) lanes |= 1u << W_SWITCHER;
    if (meets(mid, e, u0, u1)) lanes |= (uint8_t)(1u << timeline_world_after(run, i));
    return lanes;
}

/* A column's records: its first and last may stick out of it (lanes_of says what shows of
 * them); every record between lies wholly inside and shows its whole self (summary.c).  Each
 * record's events count once it begins in the column, and all but the first begin there. */
void timeline_columns(const struct ui_model *m, int width, struct tl_column *cols) {
    const struct run *run = m->run;
    double w = span(m) / width;
    for (int c = 0; c < width; c++) {
        struct tl_column *col = &cols[c];
        memset(col, 0, sizeof(*col));
        col->first = 1;
        double u0 = m->view.x0 + c * w, u1 = u0 + w;
        if (!run->n || u1 <= 0 || u0 >= total(m)) continue;
        uint64_t a, b;
        records_in(m, u0, u1, &a, &b);
        if (a > b) continue;
        col->first = a;
        col->last = b;
        col->lanes = lanes_of(m, a, u0, u1);
        col->events = timeline_event_of(&run->rec[a]);
        if (b == a) continue;
        col->lanes |= lanes_of(m, b, u0, u1);
        col->events |= timeline_event_of(&run->rec[b]);
        if (b - a < 2) continue;
        uint16_t inside = summary_or(run, a + 1, b - 1);
        col->lanes |= (uint8_t)inside;
        col->events |= (uint8_t)(inside >> 8);
    }
}

uint64_t timeline_pick(const struct ui_model *m, int width, int x, int row) {
    const struct run *run = m->run;
    double w = span(m) / width, u0 = m->view.x0 + x * w;
    uint64_t a, b;
    records_in(m, u0, u0 + w, &a, &b);
    if (a > b) return a;
    uint64_t best = a;
    int best_score = -1;
    for (uint64_t i = a; i <= b && i - a < 100000; i++) {
        const struct run_rec *r = &run->rec[i];
        int score = (r->kind == TK_TO_HOST && r->f[TH_VECTOR] == 14) ? 4 :
                    (r->kind == TK_HCALL || r->kind == TK_REFLECT) ? 3 :
                    (r->kind == TK_TO_HOST || r->kind == TK_TO_GUEST) ? 2 : timeline_event_of(r) ? 1 : 0;
        enum ui_world lane = r->kind == TK_TO_HOST || r->kind == TK_TO_GUEST ? W_SWITCHER :
                             timeline_world_after(run, i);
        if (row >= 0 && timeline_lanes[row] == lane) score += 10;
        if (score > best_score) {
            best = i;
            best_score = score;
        }
    }
    return best;
}

static void clamp(struct ui_model *m) {
    double all = total(m), least = m->view.axis == AXIS_RECORDS ? 8 : 50;
    double s = span(m);
    if (s > all) s = all;
    if (s < least) s = least < all ? least : all;
    if (m->view.x0 < 0) m->view.x0 = 0;
    if (m->view.x0 + s > all) m->view.x0 = all - s;
    if (m->view.x0 < 0) m->view.x0 = 0;
    m->view.x1 = m->view.x0 + s;
}

void timeline_zoom(struct ui_model *m, double factor, double c) {
    double s = span(m), at = m->view.x0 + c * s;
    m->view.x0 = at - c * s * factor;
    m->view.x1 = m->view.x0 + s * factor;
    clamp(m);
}

void timeline_pan(struct ui_model *m, double frac) {
    double s = span(m);
    m->view.x0 += frac * s;
    m->view.x1 = m->view.x0 + s;
    clamp(m);
}

void timeline_all(struct ui_model *m) {
    m->view.x0 = 0;
    m->view.x1 = total(m);
}

void timeline_show(struct ui_model *m, uint64_t a, uint64_t b) {
    if (!m->run->n) return;
    if (b >= m->run->n) b = m->run->n - 1;
    double u0 = position(m, a, 0), u1 = position(m, b, 0) + 1;
    double pad = (u1 - u0) * 0.08 + 1;
    m->view.x0 = u0 - pad;
    m->view.x1 = u1 + pad;
    clamp(m);
}

void timeline_set_axis(struct ui_model *m, enum ui_axis axis) {
    if (axis == m->view.axis || !m->run->n) return;
    /* keep the same records in view */
    uint64_t a, b;
    records_in(m, m->view.x0, m->view.x1, &a, &b);
    m->view.axis = axis;
    timeline_show(m, a, b);
}

/* Keep the moment in view: a move past the edge scrolls the timeline to it. */
static void follow(struct ui_model *m) {
    double p = position(m, m->at.rec, m->at.running), s = span(m);
    if (p >= m->view.x0 && p < m->view.x1) return;
    m->view.x0 = p - s / 2;
    m->view.x1 = m->view.x0 + s;
    clamp(m);
}

void timeline_update(struct ui_model *m) {
    struct ui_text *t = &m->text[P_TIMELINE];
    ui_text_clear(t);
    follow(m);
    m->selected_rt = m->story.unit == U_ROUND_TRIP ? m->story.rt : 0;
    uint64_t a, b;
    records_in(m, m->view.x0, m->view.x1, &a, &b);
    if (m->view.axis == AXIS_RECORDS)
        ui_put(t, ST_DIM, "axis: records, one step each (t: virtual time)");
    else
        ui_put(t, ST_DIM, "axis: virtual time (host work takes none: drawn 1 pixel wide; t: records)");
    ui_put(t, ST_TEXT, "showing #%" PRIu64 "-#%" PRIu64 " of %" PRIu64 " records", a, b, m->run->n);
    if (m->selected_rt) {
        uint64_t f = 0, l = 0;
        run_round_trip(m->run, m->selected_rt, &f, &l);
        ui_put(t, ST_TEXT, "round trip %u (#%" PRIu64 "-#%" PRIu64 ") drawn as one path",
               m->selected_rt, f, l);
    }
    snprintf(m->sig[P_TIMELINE], sizeof(m->sig[P_TIMELINE]), "%.0f %.0f %d", m->view.x0,
             m->view.x1, m->view.axis);
}
