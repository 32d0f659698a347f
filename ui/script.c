/* script.c - --ui-script=FILE: a session driven line by line, with checks of what it shows. */
#include "ui/session.h"
#include "ui/actions.h"
#include "ui/paint.h"
#include "ui/timeline.h"
#include "traces/number.h"
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * One command per line; '#' starts a comment.  Keys and clicks go through the same code as
 * the window's events, so a script does what a learner at the keyboard would:
 *
 *   size W H                 resize the window (output pixels at scale 1)
 *   key NAME                 a key: "n", "N", "?" are typed characters; "Right", "Space",
 *                            "Return", "PageDown", "Escape" are keys; "Shift+Right", "Ctrl+q"
 *   type TEXT                characters, one key each (into a prompt, say)
 *   press KEY until PANEL TEXT   KEY again and again until PANEL's text contains TEXT (at
 *                            most 100000 times; the script fails if it never does)
 *   do ACTION                an action by name (lgsim ui --help lists them)
 *   goto N                   go to record N
 *   click X Y                a click at output pixel X, Y
 *   click PANEL FX FY        a click at fractions FX, FY of a panel's body
 *   wheel PANEL FX FY N      N wheel clicks there (positive: zoom in)
 *   screenshot FILE          the frame as PNG
 *   dump [FILE]              every panel's text (to stdout without FILE)
 *   layout FILE              the panels' rectangles and the colours they should show
 *   expect PANEL TEXT        PANEL's text contains TEXT, or the script fails (exit 1)
 *   expect-not PANEL TEXT    ... does not contain it
 *   expect-lit WORLD         the where panel lights WORLD (host, Switcher, guest kernel, ...)
 *   expect-changed PANEL     PANEL is lit as changed by the last move (expect-unchanged)
 *   frame                    draw a frame, as the window does after a move
 *   expect-drawn REGIONS     the last frame drew exactly these (comma-separated, in the
 *                            window's order: where,code,regs,pages,story,timeline,console,
 *                            record,title,status,help), or "all", or "none": the rest were
 *                            kept from the frame before
 *   expect-lanes AT WORLDS   the timeline's column AT (a fraction of its width, or cursor+N:
 *                            N pixels right of the position) shows exactly these lanes
 *                            (comma-separated: host,Switcher,guest kernel,guest user)
 *   quit                     end here
 * PANEL is where, code, regs, pages, story, timeline, console, record, or title, status, help.
 */

static int fail(struct script *sc, int status, const char *fmt, ...)
    __attribute__((format(LGSIM_PRINTF_FORMAT, 3, 4)));
static int fail(struct script *sc, int status, const char *fmt, ...) {
    va_list ap;
    fprintf(stderr, "lgsim ui: %s:%u: ", sc->path, sc->line);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    return status;
}

/* The text of a panel, or of the title, status line or help overlay; the caller frees it. */
static char *panel_text(struct ui_session *s, const char *name) {
    char buf[400];
    if (!strcmp(name, "title") || !strcmp(name, "status")) {
        if (name[0] == 't') model_title(&s->m, buf, sizeof(buf));
        else model_status_line(&s->m, buf, sizeof(buf));
        return strdup(buf);
    }
    if (!strcmp(name, "help")) {
        static struct ui_text t;
        help_text(&t);
        return s->m.help ? ui_text_join(&t) : strdup("(the help overlay is closed)");
    }
    int p = model_panel_from_name(name);
    return p < 0 ? NULL : ui_text_join(&s->m.text[p]);
}

static int expect(struct script *sc, const char *args, int want) {
    char name[32];
    int n = 0;
    if (sscanf(args, "%31s %n", name, &n) < 1 || !args[n])
        return fail(sc, 2, "expect needs a panel and a text");
    char *text = panel_text(sc->s, name);
    if (!text) return fail(sc, 2, "no panel '%s'", name);
    int found = strstr(text, args + n) != NULL;
    if (found != want) {
        fprintf(stderr, "lgsim ui: %s:%u: expect%s %s \"%s\": %s; the %s panel says:\n%s",
                sc->path, sc->line, want ? "" : "-not", name, args + n,
                want ? "not there" : "there", name, text);
        free(text);
        return 1;
    }
    free(text);
    return 0;
}

static int contains(struct ui_session *s, const char *panel, const char *text) {
    char *t = panel_text(s, panel);
    int yes = t && strstr(t, text);
    free(t);
    return yes;
}

static unsigned modifiers(const char **key);

/* A key that asks the live machine to go on (x, e, w, ...) hands the turn to it: the press
 * goes on at the next stop, where the machine's new state is in the panels. */
static int press_until(struct script *sc, const char *args) {
    char key[32], panel[32];
    int n = 0;
    if (sscanf(args, "%31s until %31s %n", key, panel, &n) < 2 || !n || !args[n])
        return fail(sc, 2, "press KEY until PANEL TEXT, not '%s'", args);
    if (model_panel_from_name(panel) < 0 && strcmp(panel, "title") && strcmp(panel, "status"))
        return fail(sc, 2, "no panel '%s'", panel);
    const char *k = key;
    unsigned mods = modifiers(&k);
    for (; sc->presses < 100000; sc->presses++) {
        if (contains(sc->s, panel, args + n)) break;
        struct ui_at was = sc->s->m.at;
        session_key(sc->s, k, mods);
        if (sc->s->m.request != ACT_NONE) {
            if (args != sc->pending) snprintf(sc->pending, sizeof(sc->pending), "%s", args);
            sc->presses++;
            return 0;
        }
        if (was.rec == sc->s->m.at.rec && was.running == sc->s->m.at.running) break;
    }
    sc->pending[0] = 0;
    sc->presses = 0;
    if (contains(sc->s, panel, args + n)) return 0;
    char *t = panel_text(sc->s, panel);
    fprintf(stderr, "lgsim ui: %s:%u: press %s until %s \"%s\": it never came; the %s panel "
            "says:\n%s", sc->path, sc->line, key, panel, args + n, panel, t ? t : "");
    free(t);
    return 1;
}

static void put_rgb(FILE *f, const char *what, struct ui_rgb c) {
    fprintf(f, " %s=%02x%02x%02x", what, c.r, c.g, c.b);
}

/* What the probe in tests/ui compares a screenshot with. */
static int write_layout(struct script *sc, const char *path) {
    struct ui_session *s = sc->s;
    const struct ui_layout *l = &s->l;
    FILE *f = fopen(path, "wb");
    if (!f) return fail(sc, 2, "cannot write %s: %s", path, strerror(errno));
    fprintf(f, "size %d %d\n", l->width, l->height);
    put_rgb(f, "window", COL_WINDOW);
    fputc('\n', f);
    for (int p = 0; p < P_PANELS; p++) {
        const struct ui_rect *r = &l->panel[p];
        int lit = s->m.changed[p] && p != P_TIMELINE && p != P_RECORD;
        fprintf(f, "panel %s %d %d %d %d %d", model_panel_name(p), r->x, r->y, r->w, r->h,
                l->title[p].h);
        put_rgb(f, "title", lit ? COL_TITLE_LIT : COL_TITLE);
        put_rgb(f, "body", COL_PANEL);
        fputc('\n', f);
    }
    for (int w = 0; w < W_WORLDS; w++) {
        const struct ui_rect *r = &l->world[w];
        fprintf(f, "world %d %d %d %d %d", w, r->x, r->y, r->w, r->h);
        put_rgb(f, "fill", s->m.where.lit == (enum ui_world)w ? world_colour((enum ui_world)w)
                                                              : COL_UNLIT);
        fprintf(f, " %s\n", s->m.where.lit == (enum ui_world)w ? "lit" : "unlit");
    }
    fprintf(f, "lanes %d %d %d %d\n", l->lanes.x, l->lanes.y, l->lanes.w, l->lanes.h);
    fprintf(f, "map %d %d %d %d\n", l->map.x, l->map.y, l->map.w, l->map.h);
    return fclose(f) ? fail(sc, 2, "cannot write %s", path) : 0;
}

static int dump(struct script *sc, const char *path) {
    FILE *f = *path ? fopen(path, "wb") : stdout;
    if (!f) return fail(sc, 2, "cannot write %s: %s", path, strerror(errno));
    for (int p = 0; p < P_PANELS; p++) {
        char *t = ui_text_join(&sc->s->m.text[p]);
        fprintf(f, "== %s%s\n%s", model_panel_name(p), sc->s->m.changed[p] ? " (changed)" : "",
                t ? t : "");
        free(t);
    }
    if (f != stdout) fclose(f);
    else fflush(f);
    return 0;
}

static unsigned modifiers(const char **key) {
    unsigned mods = 0;
    for (;;) {
        if (!strncmp(*key, "Shift+", 6)) { mods |= MOD_SHIFT; *key += 6; }
        else if (!strncmp(*key, "Ctrl+", 5)) { mods |= MOD_CTRL; *key += 5; }
        else return mods;
    }
}

/* A click or the wheel at a panel's fractions, or at pixels. */
static int at_point(struct script *sc, const char *args, int *x, int *y, int *n) {
    char name[32];
    double fx, fy;
    *n = 0;
    if (sscanf(args, "%d %d", x, y) == 2 && args[0] >= '0' && args[0] <= '9') return 0;
    if (sscanf(args, "%31s %lf %lf %d", name, &fx, &fy, n) < 3)
        return fail(sc, 2, "bad point '%s'", args);
    int p = model_panel_from_name(name);
    if (p < 0) return fail(sc, 2, "no panel '%s'", name);
    const struct ui_rect *r = p == P_TIMELINE ? &sc->s->l.lanes : &sc->s->l.body[p];
    *x = r->x + (int)(fx * r->w);
    *y = r->y + (int)(fy * r->h);
    return 0;
}

static int world_from_name(const char *name) {
    for (int w = 0; w < W_WORLDS; w++)
        if (!strcmp(model_world_name((enum ui_world)w), name)) return w;
    return -1;
}

static void lane_names(uint8_t lanes, char *buf, size_t len) {
    buf[0] = 0;
    for (int w = 0; w < W_WORLDS; w++)
        if (lanes & (1u << w))
            snprintf(buf + strlen(buf), len - strlen(buf), "%s%s", buf[0] ? "," : "",
                     model_world_name((enum ui_world)w));
}

/* The lanes one column of the timeline shows, from the model's columns. */
static int expect_lanes(struct script *sc, const char *args) {
    struct ui_session *s = sc->s;
    int w = s->l.lanes.w, x, n = 0;
    char at[32];
    if (sscanf(args, "%31s %n", at, &n) < 1 || !args[n])
        return fail(sc, 2, "expect-lanes AT WORLDS, not '%s'", args);
    if (!strncmp(at, "cursor+", 7))
        x = (int)timeline_x(&s->m, s->m.at.rec, s->m.at.running, w) + atoi(at + 7);
    else
        x = (int)(atof(at) * w);
    uint8_t want = 0;
    char list[200];
    snprintf(list, sizeof(list), "%s", args + n);
    for (char *tok = strtok(list, ","); tok; tok = strtok(NULL, ",")) {
        int world = world_from_name(tok);
        if (world < 0) return fail(sc, 2, "no world '%s'", tok);
        want |= (uint8_t)(1u << world);
    }
    if (x < 0 || x >= w) return fail(sc, 1, "expect-lanes %s: column %d is outside the timeline", at, x);
    struct tl_column *cols = calloc((size_t)w, sizeof(*cols));
    if (!cols) return fail(sc, 2, "out of memory");
    timeline_columns(&s->m, w, cols);
    uint8_t got = cols[x].lanes;
    free(cols);
    if (got == want) return 0;
    char names[120];
    lane_names(got, names, sizeof(names));
    return fail(sc, 1, "expect-lanes %s: column %d shows %s", args, x, names[0] ? names : "nothing");
}

static const char *region_name(int r) {
    return r == R_TOP ? "title" : r == R_BOTTOM ? "status" : r == R_HELP ? "help"
                                                                       : model_panel_name(r);
}

/* The regions the last frame drew, "all" or "none" (canvas.c keeps the rest as they were). */
static int expect_drawn(struct script *sc, const char *args) {
    const struct ui_gfx *g = &sc->s->g;
    char got[200] = "";
    int all = 1, none = 1;
    for (int r = 0; r < GFX_REGIONS; r++) {
        if (r == R_HELP && !sc->s->m.help) continue;
        all &= g->drawn[r];
        none &= !g->drawn[r];
        if (g->drawn[r])
            snprintf(got + strlen(got), sizeof(got) - strlen(got), "%s%s", got[0] ? "," : "",
                     region_name(r));
    }
    if (!g->n_frames) return fail(sc, 2, "expect-drawn: no frame was drawn yet (frame draws one)");
    if (!strcmp(args, all ? "all" : none ? "none" : got)) return 0;
    return fail(sc, 1, "expect-drawn %s: the last frame drew %s", args,
                all ? "all" : none ? "none" : got);
}

/* "W H", each in the range a window can sensibly have. */
static int script_size(const char *args, int *w, int *h) {
    const char *sp;
    uint64_t vw, vh;
    if (number_prefix(args, 10, 200, 8000, &vw, &sp) || *sp != ' ' ||
        number_parse(sp + 1, 10, 150, 8000, &vh))
        return -1;
    *w = (int)vw;
    *h = (int)vh;
    return 0;
}

static int command(struct script *sc, char *cmd, char *args) {
    struct ui_session *s = sc->s;
    char err[400];
    int x, y, n;
    if (!strcmp(cmd, "key")) {
        const char *k = args;
        unsigned mods = modifiers(&k);
        if (!*k) return fail(sc, 2, "key needs a name");
        session_key(s, k, mods);
    } else if (!strcmp(cmd, "press")) {
        return press_until(sc, args);
    } else if (!strcmp(cmd, "type")) {
        for (const char *p = args; *p; p++) {
            char k[2] = { *p, 0 };
            session_key(s, k, 0);
        }
    } else if (!strcmp(cmd, "do")) {
        int a = action_from_name(args);
        if (a < 0) return fail(sc, 2, "no action '%s'", args);
        if (a == ACT_BIGGER || a == ACT_SMALLER) session_key(s, a == ACT_BIGGER ? "=" : "-", MOD_CTRL);
        else model_action(&s->m, (enum ui_action)a);
    } else if (!strcmp(cmd, "goto")) {
        const char *end;
        uint64_t v;
        if (!s->run.n || number_prefix(args, 10, 0, s->run.n - 1, &v, &end) ||
            (*end && strcmp(end, " running")))
            return fail(sc, 2, "no record '%s' (goto N or goto N running)", args);
        model_go(&s->m, (struct ui_at){ v, *end != 0 });
    } else if (!strcmp(cmd, "click")) {
        int rc = at_point(sc, args, &x, &y, &n);
        if (rc) return rc;
        session_click(s, x, y);
    } else if (!strcmp(cmd, "wheel")) {
        int rc = at_point(sc, args, &x, &y, &n);
        if (rc) return rc;
        session_wheel(s, x, y, n);
    } else if (!strcmp(cmd, "size")) {
        if (script_size(args, &x, &y)) return fail(sc, 2, "bad size '%s'", args);
        if (session_resize(s, x, y, err, sizeof(err))) return fail(sc, 2, "%s", err);
    } else if (!strcmp(cmd, "screenshot")) {
        if (!*args) return fail(sc, 2, "screenshot needs a file");
        if (session_screenshot(s, args, err, sizeof(err))) return fail(sc, 2, "%s", err);
    } else if (!strcmp(cmd, "frame")) {
        session_render(s);
        gfx_end(&s->g);
    } else if (!strcmp(cmd, "expect-drawn")) {
        return expect_drawn(sc, args);
    } else if (!strcmp(cmd, "dump")) {
        return dump(sc, args);
    } else if (!strcmp(cmd, "layout")) {
        return write_layout(sc, args);
    } else if (!strcmp(cmd, "expect")) {
        return expect(sc, args, 1);
    } else if (!strcmp(cmd, "expect-not")) {
        return expect(sc, args, 0);
    } else if (!strcmp(cmd, "expect-lit")) {
        int w = world_from_name(args);
        if (w < 0) return fail(sc, 2, "no world '%s'", args);
        if (s->m.where.lit != (enum ui_world)w)
            return fail(sc, 1, "expect-lit %s: the where panel lights %s", args,
                        model_world_name(s->m.where.lit));
    } else if (!strcmp(cmd, "expect-changed") || !strcmp(cmd, "expect-unchanged")) {
        int p = model_panel_from_name(args), want = cmd[7] == 'c';
        if (p < 0) return fail(sc, 2, "no panel '%s'", args);
        if (s->m.changed[p] != want)
            return fail(sc, 1, "%s %s: it is not", cmd, args);
    } else if (!strcmp(cmd, "expect-lanes")) {
        return expect_lanes(sc, args);
    } else if (!strcmp(cmd, "quit")) {
        s->m.quit = 1;
    } else {
        return fail(sc, 2, "unknown command '%s'", cmd);
    }
    return 0;
}

int script_open(struct script *sc, struct ui_session *s, const char *path) {
    *sc = (struct script){ .s = s, .path = path };
    if (!(sc->f = fopen(path, "r"))) {
        fprintf(stderr, "lgsim ui: cannot read the script %s: %s\n", path, strerror(errno));
        sc->done = 1;
        sc->rc = 2;
        return 2;
    }
    return 0;
}

int script_go(struct script *sc, int (*stop)(void *ctx), void *ctx) {
    char line[1024];
    struct ui_session *s = sc->s;
    while (!sc->done && !(stop && stop(ctx))) {
        if (!sc->rc && sc->pending[0]) {   /* a press the machine went on for */
            sc->rc = press_until(sc, sc->pending);
            continue;
        }
        if (sc->rc || s->m.quit || !fgets(line, sizeof(line), sc->f)) {
            sc->done = 1;
            break;
        }
        sc->line++;
        line[strcspn(line, "\r\n")] = 0;
        char *p = line;
        while (*p == ' ' || *p == '\t') p++;
        if (!*p || *p == '#') continue;
        char *args = p + strcspn(p, " \t");
        if (*args) *args++ = 0;
        while (*args == ' ' || *args == '\t') args++;
        sc->rc = command(sc, p, args);
    }
    return sc->rc;
}

void script_close(struct script *sc) {
    if (sc->f) fclose(sc->f);
    sc->f = NULL;
}

int script_run(struct ui_session *s, const char *path) {
    struct script sc;
    if (script_open(&sc, s, path)) return 2;
    int rc = script_go(&sc, NULL, NULL);
    script_close(&sc);
    return rc;
}
