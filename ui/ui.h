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

/* Why "lgsim --ui ..." cannot run in this build, in a sentence (never NULL until live mode
 * exists: then NULL means it can). */
const char *ui_live_unavailable(void);
#endif
