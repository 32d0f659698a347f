/* app.c - "lgsim ui TRACE": the command line, the window's event loop, the headless modes. */
#include "ui/ui.h"
#include "ui/actions.h"
#include "ui/session.h"
#include "traces/number.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct ui_options {
    const char *trace, *symbols, *screenshot, *script, *font;
    long long at;                /* -1: the first record */
    int width, height;
    double scale;                /* 0: what the display asks for */
};

static void usage(FILE *f) {
    fprintf(f,
"usage: lgsim ui [options] TRACE\n"
"  Open a recorded run (lgsim --trace=TRACE ...) in the lguest microscope: where the CPU\n"
"  is, a timeline of every world switch, the page tables, trace explain's story.\n"
"\n"
"  --symbols=ELF        names and code from this kernel (default: the one the trace names,\n"
"                       looked for next to the trace and in the current directory)\n"
"  --at=N               start at record N\n"
"  --screenshot=FILE    draw one frame into FILE (PNG) and exit; needs no display\n"
"  --ui-script=FILE     run a scripted session (keys, clicks, screenshots, checks) and\n"
"                       exit; needs no display (ui/README.md describes the commands)\n"
"  --size=WxH           the window's size (default 1600x1000)\n"
"  --scale=F            text size (default: what the display asks for; also LGSIM_UI_SCALE)\n"
"  --font=FILE          a monospace TrueType font (also LGSIM_UI_FONT; default: DejaVu\n"
"                       Sans Mono, found through fontconfig or where distributions put it)\n"
"\n"
"In the window, ? lists the keys.  Actions a script can 'do':");
    for (int a = ACT_STEP; a < ACT_ACTIONS; a++)
        fprintf(f, "%s%s", a % 8 == 1 ? "\n   " : " ", action_name((enum ui_action)a));
    fprintf(f, "\n");
}

static int bad(const char *what, const char *v, const char *range) {
    fprintf(stderr, "lgsim ui: bad %s '%s': %s (see lgsim ui --help)\n", what, v, range);
    return -1;
}

/* WxH, each in the range a window can sensibly have. */
static int parse_size(const char *s, int *w, int *h) {
    const char *x;
    uint64_t vw, vh;
    if (number_prefix(s, 10, 200, 8000, &vw, &x) || *x != 'x' ||
        number_parse(x + 1, 10, 150, 8000, &vh))
        return -1;
    *w = (int)vw;
    *h = (int)vh;
    return 0;
}

static int take(struct ui_options *o, const char *a) {
    if (!strncmp(a, "--symbols=", 10) && a[10]) o->symbols = a + 10;
    else if (!strncmp(a, "--screenshot=", 13) && a[13]) o->screenshot = a + 13;
    else if (!strncmp(a, "--ui-script=", 12) && a[12]) o->script = a + 12;
    else if (!strncmp(a, "--font=", 7) && a[7]) o->font = a + 7;
    else if (!strncmp(a, "--at=", 5)) {
        uint64_t at;
        if (number_parse(a + 5, 10, 0, INT64_MAX, &at))
            return bad("record", a + 5, "a record number");
        o->at = (int64_t)at;
    } else if (!strncmp(a, "--size=", 7)) {
        if (parse_size(a + 7, &o->width, &o->height))
            return bad("size", a + 7, "WxH from 200x150 to 8000x8000");
    } else if (!strncmp(a, "--scale=", 8)) {
        if (number_parse_real(a + 8, 0.5, 4, &o->scale, NULL))
            return bad("scale", a + 8, "0.5 to 4");
    } else {
        fprintf(stderr, "lgsim ui: unknown option '%s' (see lgsim ui --help)\n", a);
        return -1;
    }
    return 0;
}

/* 0 to go on, 1 after --help, -1 for a bad command line. */
static int parse(struct ui_options *o, int argc, char **argv) {
    *o = (struct ui_options){ .at = -1, .width = 1600, .height = 1000 };
    const char *env = getenv("LGSIM_UI_SCALE");
    if (env && *env && number_parse_real(env, 0.5, 4, &o->scale, NULL)) {
        fprintf(stderr, "lgsim ui: bad LGSIM_UI_SCALE '%s': 0.5 to 4\n", env);
        return -1;
    }
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) return 1;
        if (a[0] == '-' && a[1]) {
            if (take(o, a)) return -1;
        } else if (!o->trace) {
            o->trace = a;
        } else {
            fprintf(stderr, "lgsim ui: one trace at a time ('%s' and '%s')\n", o->trace, a);
            return -1;
        }
    }
    if (!o->trace) {
        fprintf(stderr, "lgsim ui: which trace? (lgsim ui [options] TRACE; record one with "
                "lgsim --trace=FILE)\n");
        return -1;
    }
    return 0;
}

/* --- the window's events --- */

static void text_input(struct ui_session *s, const char *text) {
    for (const char *p = text; *p; p++) {
        char c[2] = { *p, 0 };
        session_key(s, *p == ' ' ? "Space" : c, 0);
    }
}

/* Window coordinates to output pixels (HiDPI: the drawable is bigger than the window). */
static int px(const struct ui_session *s, int v) {
    return (int)(v * s->g.density);
}

static void mouse(struct ui_session *s, const SDL_Event *e) {
    if (e->type == SDL_MOUSEBUTTONDOWN && e->button.button == SDL_BUTTON_LEFT) {
        s->pressed = 1;
        s->dragging = 0;
        s->drag_x = px(s, e->button.x);
    } else if (e->type == SDL_MOUSEMOTION && s->pressed &&
               rect_has(&s->l.lanes, px(s, e->motion.x), px(s, e->motion.y))) {
        int x = px(s, e->motion.x);
        if (s->dragging || abs(x - s->drag_x) > 4) {
            session_drag(s, x - s->drag_x);
            s->drag_x = x;
            s->dragging = 1;
        }
    } else if (e->type == SDL_MOUSEBUTTONUP && e->button.button == SDL_BUTTON_LEFT) {
        if (s->pressed && !s->dragging) session_click(s, px(s, e->button.x), px(s, e->button.y));
        s->pressed = s->dragging = 0;
    } else if (e->type == SDL_MOUSEWHEEL) {
        int x, y;
        SDL_GetMouseState(&x, &y);
        session_wheel(s, px(s, x), px(s, y), e->wheel.y);
    }
}

/* Draw only when something happened: a trace does not change by itself. */
static int interactive(struct ui_session *s) {
    char err[300];
    SDL_StartTextInput();
    session_render(s);
    gfx_end(&s->g);
    while (!s->m.quit) {
        SDL_Event e;
        if (!SDL_WaitEvent(&e)) break;
        do {
            if (e.type == SDL_QUIT) s->m.quit = 1;
            else if (e.type == SDL_KEYDOWN) session_key_event(s, &e.key);
            else if (e.type == SDL_TEXTINPUT) text_input(s, e.text.text);
            else if (e.type == SDL_WINDOWEVENT && session_relayout(s, err, sizeof(err))) {
                fprintf(stderr, "lgsim ui: %s\n", err);
                return 2;
            } else mouse(s, &e);
        } while (SDL_PollEvent(&e));
        session_render(s);
        gfx_end(&s->g);
    }
    return 0;
}

static int open_run(struct ui_session *s, const struct ui_options *o, const struct ui_builtin *b) {
    char err[700];
    if (run_load(&s->run, o->trace, err, sizeof(err))) {
        fprintf(stderr, "lgsim ui: %s\n", err);
        return -1;
    }
    if (!s->run.n) {
        fprintf(stderr, "lgsim ui: %s holds no records\n", o->trace);
        return -1;
    }
    if (o->at >= 0 && (uint64_t)o->at >= s->run.n) {
        fprintf(stderr, "lgsim ui: --at=%lld: %s has records 0-%llu\n", o->at, o->trace,
                (unsigned long long)s->run.n - 1);
        return -1;
    }
    symtab_for_trace(&s->sym, &s->run.h, s->run.path, o->symbols, b ? b->demo_guest : NULL,
                     b ? b->demo_guest_len : 0);
    model_init(&s->m, &s->run, &s->sym);
    model_place(&s->m, (struct ui_at){ o->at >= 0 ? (uint64_t)o->at : 0, 0 });
    return 0;
}

int ui_main(int argc, char **argv, const struct ui_builtin *b) {
    static struct ui_session s;
    struct ui_options o;
    int rc = parse(&o, argc, argv);
    if (rc) {
        if (rc > 0) usage(stdout);
        return rc > 0 ? 0 : 2;
    }
    if (open_run(&s, &o, b)) return 2;
    char err[700];
    int headless = o.screenshot || o.script;
    if (gfx_open(&s.g, headless, o.width, o.height, headless && !o.scale ? 1 : o.scale,
                 o.font, err, sizeof(err)) ||
        session_relayout(&s, err, sizeof(err))) {
        fprintf(stderr, "lgsim ui: %s\n", err);
        rc = 2;
    } else if (o.script) {
        rc = script_run(&s, o.script);
    } else if (o.screenshot) {
        rc = session_screenshot(&s, o.screenshot, err, sizeof(err)) ? 2 : 0;
        if (rc) fprintf(stderr, "lgsim ui: %s\n", err);
    } else {
        fprintf(stderr, "lgsim ui: %s, %llu records; %s\n", s.run.name,
                (unsigned long long)s.run.n, s.sym.where);
        rc = interactive(&s);
    }
    if (s.g.ren) gfx_close(&s.g);
    model_free(&s.m);
    symtab_free(&s.sym);
    run_free(&s.run);
    return rc;
}
