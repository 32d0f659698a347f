/* none.c - "lgsim ui" in a build without SDL2 or SDL2_ttf: it says so. */
#include "ui/ui.h"
#include <stdio.h>
#include <string.h>

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

int ui_live_option(struct ui_live_options *o, const char *arg) {
    (void)o;
    return strncmp(arg, "--ui-", 5) ? 1 : 0;   /* taken; --ui itself says there is no UI */
}

struct ui_live *ui_live_open(struct lguest *lg, const struct symtab *symbols,
                             const struct ui_live_options *o, char *err, size_t errlen) {
    (void)lg;
    (void)symbols;
    (void)o;
    snprintf(err, errlen, "%s", no_ui);
    return NULL;
}

int ui_live_console_read(void *ctx, uint8_t *buf, uint32_t cap, int timeout_ms) {
    (void)ctx;
    (void)buf;
    (void)cap;
    (void)timeout_ms;
    return -1;
}

int ui_live_console_tty(const struct ui_live *u) {
    (void)u;
    return 0;
}

void ui_live_checkpoints(struct ui_live *u, const struct control_checkpoints *cps) {
    (void)u;
    (void)cps;
}

int ui_live_travel(struct ui_live *u, char *err, size_t errlen) {
    (void)u;
    (void)err;
    (void)errlen;
    return 0;
}

void ui_live_restart(struct ui_live *u, struct lguest *lg, const struct symtab *symbols) {
    (void)u;
    (void)lg;
    (void)symbols;
}

int ui_live_close(struct ui_live *u, const char *why) {
    (void)u;
    (void)why;
    return 0;
}
