/* font_posix.c - font.h's system places on Linux, the BSDs and macOS. */
#include "ui/font.h"
#include <stdio.h>

static const char *const known[] = {
    "/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf",          /* Debian, Ubuntu */
    "/usr/share/fonts/dejavu-sans-mono-fonts/DejaVuSansMono.ttf",   /* Fedora */
    "/usr/share/fonts/dejavu/DejaVuSansMono.ttf",
    "/usr/share/fonts/TTF/DejaVuSansMono.ttf",                      /* Arch */
    "/usr/local/share/fonts/dejavu/DejaVuSansMono.ttf",             /* FreeBSD */
    "/opt/homebrew/share/fonts/DejaVuSansMono.ttf",
    "/Library/Fonts/DejaVuSansMono.ttf",
    "/System/Library/Fonts/Menlo.ttc",                              /* macOS */
};

int font_system_place(size_t i, char *buf, size_t len, char *bold, size_t bold_len) {
    if (i >= sizeof(known) / sizeof(known[0])) return 0;
    snprintf(buf, len, "%s", known[i]);
    bold[0] = 0;   /* DejaVu's is beside it, as -Bold */
    return 1;
}

void font_none_found(char *buf, size_t len) {
    snprintf(buf, len, "no font found: install DejaVu Sans Mono (Debian: fonts-dejavu-core) or "
             "name a monospace TrueType font with --font=FILE or LGSIM_UI_FONT");
}
