/* ui.h - "lgsim ui": the lguest microscope, a window on a recorded run (what sim/ calls). */
#ifndef LGSIM_UI_H
#define LGSIM_UI_H
#include <stddef.h>
#include <stdint.h>

/* What the lgsim binary carries that a trace may name: the built-in demo guest. */
struct ui_builtin {
    const uint8_t *demo_guest;
    size_t demo_guest_len;
};

/* "lgsim ui TRACE [options]": argv[0] is "ui"; returns the exit status (2: bad input). */
int ui_main(int argc, char **argv, const struct ui_builtin *b);

/* Why "lgsim --ui ..." cannot run in this build, in a sentence; NULL when it can. */
const char *ui_live_unavailable(void);

/* --- lgsim --ui: a machine running under the window (live.c) --- */
struct lguest;
struct symtab;
struct ui_live;
struct ui_live_options {
    const char *script, *font;   /* --ui-script=FILE (headless), --ui-font=FILE */
    int width, height;           /* --ui-size=WxH (0: 1600x1000) */
    double scale;                /* --ui-scale=F (0: what the display asks for) */
    const char *kernel_path;     /* NULL: the built-in teaching guest */
    const uint8_t *kernel;       /* the kernel's bytes (for the names in the window) */
    size_t kernel_len;
    const char *options_text;    /* what the trace header's options say */
    const struct ui_builtin *builtin;
};
/* One of lgsim's --ui-... options: 0 taken, 1 not one of them, -1 bad (said on stderr). */
int ui_live_option(struct ui_live_options *o, const char *arg);
/* Become the machine's controller (debug/control.h): the window takes the CPU before its
 * first instruction.  NULL with err when the window cannot open. */
struct ui_live *ui_live_open(struct lguest *lg, const struct symtab *symbols,
                             const struct ui_live_options *o, char *err, size_t errlen);
/* The guest's console input, from the keys typed into the console pane (or a script's):
 * the launcher's console_read (sim/launcher/launcher.h); console_tty: as from a terminal
 * (the window), or as from a pipe (a script: the same trace as with the lines on stdin). */
int ui_live_console_read(void *ctx, uint8_t *buf, uint32_t cap, int timeout_ms);
int ui_live_console_tty(const struct ui_live *u);
/* Going back (the window's step-back keys): the checkpoints it goes back to, kept, not
 * copied; and, when the run was ended for it (lguest_unwound()), the checkpoint put in place
 * and the records after it dropped from the window's run.  0, or -1 with err. */
struct control_checkpoints;
void ui_live_checkpoints(struct ui_live *u, const struct control_checkpoints *cps);
int ui_live_travel(struct ui_live *u, char *err, size_t errlen);
/* The guest restarts (LGUEST_SHUTDOWN_RESTART): its old Host goes (lg NULL), a new one comes;
 * the window and its records stay. */
void ui_live_restart(struct ui_live *u, struct lguest *lg, const struct symtab *symbols);
/* The guest has stopped (why): the window shows the end until it is closed, a script runs
 * its remaining lines.  Returns the script's status (0: every check held). */
int ui_live_close(struct ui_live *u, const char *why);
#endif
