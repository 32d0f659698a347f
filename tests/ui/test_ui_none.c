/* test_ui_none.c - a build without SDL2: "lgsim ui" and "--ui" say so, and fail cleanly. */
#include "ui/ui.h"
#include <stdio.h>
#include <string.h>

int main(void) {
    char *argv[] = { "ui", "some.trc", NULL };
    int rc = ui_main(2, argv, NULL);
    const char *why = ui_live_unavailable();
    if (rc != 2) {
        printf("FAIL: ui_main returned %d, want 2\n", rc);
        return 1;
    }
    if (!why || !strstr(why, "this build of lgsim has no UI (SDL2 or SDL2_ttf was not found")) {
        printf("FAIL: ui_live_unavailable() says '%s'\n", why ? why : "(null)");
        return 1;
    }
    printf("ok: %s\n", why);
    return 0;
}
