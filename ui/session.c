/* session.c - keys, clicks, the wheel and screenshots, turned into model actions and frames. */
#include "ui/session.h"
#include "ui/actions.h"
#include "ui/paint.h"
#include "ui/png.h"
#include "ui/timeline.h"
#include <stdio.h>
#include <stdlib.h>

int session_relayout(struct ui_session *s, char *err, size_t errlen) {
    if (gfx_refresh(&s->g, err, errlen)) return -1;
    layout_compute(&s->l, s->g.out_w, s->g.out_h, s->g.line);
    return 0;
}

void session_render(struct ui_session *s) {
    paint_all(&s->g, &s->l, &s->m);
}

static void rescale(struct ui_session *s, double factor) {
    char err[300];
    double old = s->g.scale;
    s->g.scale = old * factor;
    if (s->g.scale < 0.5) s->g.scale = 0.5;
    if (s->g.scale > 4) s->g.scale = 4;
    if (session_relayout(s, err, sizeof(err))) {
        s->g.scale = old;
        session_relayout(s, err, sizeof(err));
    }
    snprintf(s->m.status, sizeof(s->m.status), "text size %.0f%%", s->g.scale * 100);
}

void session_key(struct ui_session *s, const char *key, unsigned mods) {
    enum ui_action a = ui_key(&s->m, key, mods);
    if (a == ACT_BIGGER) rescale(s, 1.125);
    if (a == ACT_SMALLER) rescale(s, 1 / 1.125);
}

void session_click(struct ui_session *s, int x, int y) {
    const struct ui_layout *l = &s->l;
    if (s->m.help) {
        s->m.help = 0;
        return;
    }
    if (rect_has(&l->lanes, x, y)) {
        int row = (y - l->lanes.y) * 4 / l->lanes.h;
        uint64_t rec = timeline_pick(&s->m, l->lanes.w, x - l->lanes.x, row);
        if (rec < s->run.n) model_click_record(&s->m, rec);
    } else if (rect_has(&l->map, x, y)) {
        pages_pick_region(&s->m, (unsigned)((uint64_t)(x - l->map.x) * 1024 / (unsigned)l->map.w));
    }
}

void session_wheel(struct ui_session *s, int x, int y, int clicks) {
    const struct ui_rect *L = &s->l.lanes;
    if (!rect_has(&s->l.body[P_TIMELINE], x, y) || !clicks) return;
    double c = (double)(x - L->x) / L->w;
    if (c < 0) c = 0;
    if (c > 1) c = 1;
    double f = 1;
    for (int i = 0; i < abs(clicks); i++) f *= clicks > 0 ? 0.8 : 1.25;
    timeline_zoom(&s->m, f, c);
    timeline_update(&s->m);
}

void session_drag(struct ui_session *s, int dx) {
    timeline_pan(&s->m, -(double)dx / s->l.lanes.w);
    timeline_update(&s->m);
}

int session_resize(struct ui_session *s, int w, int h, char *err, size_t errlen) {
    SDL_SetWindowSize(s->g.win, w, h);
    return session_relayout(s, err, errlen);
}

int session_screenshot(struct ui_session *s, const char *path, char *err, size_t errlen) {
    int w, h;
    session_render(s);
    uint8_t *px = gfx_read_rgb(&s->g, &w, &h);   /* before Present: the frame is still there */
    if (!px) {
        snprintf(err, errlen, "cannot read the frame back: %s", SDL_GetError());
        return -1;
    }
    int rc = png_write(path, px, w, h, err, errlen);
    free(px);
    gfx_end(&s->g);
    return rc;
}

/* A key pressed in the window (the trace browser's and the live one's): a named key, or a
 * Ctrl+character; plain characters come as text input instead. */
void session_key_event(struct ui_session *s, const SDL_KeyboardEvent *k) {
    unsigned mods = (k->keysym.mod & KMOD_SHIFT ? MOD_SHIFT : 0) |
                    (k->keysym.mod & KMOD_CTRL ? MOD_CTRL : 0);
    SDL_Keycode sym = k->keysym.sym;
    if (sym >= 32 && sym < 127) {
        if (!(mods & MOD_CTRL)) return;      /* typed characters come as text input */
        char c[2] = { (char)sym, 0 };
        session_key(s, c, mods);
        return;
    }
    session_key(s, SDL_GetKeyName(sym), mods);
}
