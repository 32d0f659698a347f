/* font_win32.c - font.h's system places on Windows: the Windows folder's Fonts, the user's. */
#include "ui/font.h"
#include <windows.h>
#include <stdio.h>
#include <stdlib.h>

/* DejaVu Sans Mono first, as other systems have it (the same pixels as there), then the
 * monospace fonts Windows itself comes with: Consolas, Lucida Console, Courier New. */
static const struct { const char *regular, *bold; } known[] = {
    { "DejaVuSansMono.ttf", "DejaVuSansMono-Bold.ttf" },
    { "consola.ttf", "consolab.ttf" },
    { "lucon.ttf", "" },
    { "cour.ttf", "courbd.ttf" },
};
#define N_KNOWN (sizeof(known) / sizeof(known[0]))

/* The folders fonts are installed in: the system's (%WINDIR%\Fonts), then one user's
 * (%LOCALAPPDATA%\Microsoft\Windows\Fonts, where Windows 10 puts a font installed without
 * administrator rights).  0 when there is no such folder. */
static int fonts_folder(int which, char *buf, size_t len) {
    if (which == 0) {
        char win[MAX_PATH];
        UINT n = GetWindowsDirectoryA(win, sizeof(win));
        if (n == 0 || n >= sizeof(win)) return 0;
        snprintf(buf, len, "%s\\Fonts", win);
        return 1;
    }
    const char *local = getenv("LOCALAPPDATA");
    if (!local || !*local) return 0;
    snprintf(buf, len, "%s\\Microsoft\\Windows\\Fonts", local);
    return 1;
}

int font_system_place(size_t i, char *buf, size_t len, char *bold, size_t bold_len) {
    char dir[MAX_PATH + 32];
    if (i >= 2 * N_KNOWN) return 0;
    if (!fonts_folder((int)(i / N_KNOWN), dir, sizeof(dir))) {
        buf[0] = bold[0] = 0;   /* nothing there; font.c goes on to the next */
        return 1;
    }
    snprintf(buf, len, "%s\\%s", dir, known[i % N_KNOWN].regular);
    if (known[i % N_KNOWN].bold[0])
        snprintf(bold, bold_len, "%s\\%s", dir, known[i % N_KNOWN].bold);
    else
        bold[0] = 0;
    return 1;
}

void font_none_found(char *buf, size_t len) {
    char dir[MAX_PATH + 32] = "the Windows folder's Fonts";
    fonts_folder(0, dir, sizeof(dir));
    snprintf(buf, len, "no font found in %s (DejaVu Sans Mono, Consolas, Lucida Console or "
             "Courier New): name a monospace TrueType font with --font=FILE or LGSIM_UI_FONT",
             dir);
}
