/* session.h - one open run in one window: what the event loop and a script both drive. */
#ifndef LGSIM_UI_SESSION_H
#define LGSIM_UI_SESSION_H
#include "ui/draw.h"
#include "ui/layout.h"
#include "ui/model.h"
#include <stdio.h>

struct ui_session {
    struct run run;
    struct symtab sym;
    struct ui_model m;
    struct ui_gfx g;
    struct ui_layout l;
    int drag_x, dragging, pressed;   /* a mouse button is down in the timeline */
};

/* The layout for the window as it is now (after a resize, a scale change). */
int session_relayout(struct ui_session *s, char *err, size_t errlen);
void session_render(struct ui_session *s);
/* A key as actions.h names it; the window's own actions (text size) are handled here. */
void session_key(struct ui_session *s, const char *key, unsigned mods);
/* An SDL key event as session_key() takes it. */
void session_key_event(struct ui_session *s, const SDL_KeyboardEvent *k);
/* Mouse, in output pixels: a click (button up without a drag), the wheel, a drag. */
void session_click(struct ui_session *s, int x, int y);
void session_wheel(struct ui_session *s, int x, int y, int clicks);
void session_drag(struct ui_session *s, int dx);
int session_resize(struct ui_session *s, int w, int h, char *err, size_t errlen);
/* Draw the frame and write it as a PNG: 0, or -1 with err. */
int session_screenshot(struct ui_session *s, const char *path, char *err, size_t errlen);
/* The scripted session of --ui-script (script.c): the exit status. */
int script_run(struct ui_session *s, const char *path);
/* A script a line at a time (live mode: the machine runs between its lines). */
struct script {
    struct ui_session *s;
    const char *path;
    unsigned line;
    FILE *f;
    int done;                    /* its end, a failure or quit came */
    int rc;                      /* its status so far */
    char pending[256];           /* a press ... until that handed the turn to the machine */
    int presses;
};
int script_open(struct script *sc, struct ui_session *s, const char *path);   /* 0, or 2 */
/* Lines until the end, a failure, quit, or until stop(ctx) says so: the status so far. */
int script_go(struct script *sc, int (*stop)(void *ctx), void *ctx);
void script_close(struct script *sc);
#endif
