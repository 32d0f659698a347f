/* none.c - "lgsim ui" in a build without SDL2 or SDL2_ttf: it says so. */
#include "ui/ui.h"
#include <stdio.h>

static const char no_ui[] = "this build of lgsim has no UI (SDL2 or SDL2_ttf was not found "
                            "when it was built; see the README's set-up)";

int ui_main(int argc, char **argv, const struct ui_builtin *b) {
    (void)argc;
    (void)argv;
    (void)b;
    fprintf(stderr, "lgsim: ui: %s\n", no_ui);
    return 2;
}

const char *ui_live_unavailable(void) {
    return no_ui;
}
