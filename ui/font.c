/* font.c - the font search: an option, an environment variable, fontconfig, the system's places. */
#include "ui/font.h"
#include "sim/path.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifdef LGSIM_HAVE_FONTCONFIG
#include <fontconfig/fontconfig.h>
#endif

static int readable(const char *path) {
    FILE *f = path && *path ? fopen(path, "rb") : NULL;
    if (!f) return 0;
    fclose(f);
    return 1;
}

#ifdef LGSIM_HAVE_FONTCONFIG
static int from_fontconfig(char *buf, size_t len) {
    int ok = 0;
    if (!FcInit()) return 0;
    FcPattern *p = FcNameParse((const FcChar8 *)"DejaVu Sans Mono:spacing=mono");
    if (!p) return 0;
    FcConfigSubstitute(NULL, p, FcMatchPattern);
    FcDefaultSubstitute(p);
    FcResult res;
    FcPattern *match = FcFontMatch(NULL, p, &res);
    FcChar8 *file = NULL;
    if (match && FcPatternGetString(match, FC_FILE, 0, &file) == FcResultMatch &&
        readable((const char *)file)) {
        snprintf(buf, len, "%s", (const char *)file);
        ok = 1;
    }
    if (match) FcPatternDestroy(match);
    FcPatternDestroy(p);
    FcFini();
    return ok;
}
#endif

/* "X/DejaVuSansMono.ttf" has "X/DejaVuSansMono-Bold.ttf" beside it. */
static void bold_beside(const char *path, char *bold, size_t len) {
    bold[0] = 0;
    const char *dot = strrchr(path_base(path), '.');   /* not a dot in a folder's name */
    if (!dot) return;
    snprintf(bold, len, "%.*s-Bold%s", (int)(dot - path), path, dot);
    if (!readable(bold)) bold[0] = 0;
}

int font_find(const char *option, char *buf, size_t len, char *bold, size_t bold_len) {
    const char *env = getenv("LGSIM_UI_FONT");
    const char *given = option ? option : env && *env ? env : NULL;
    if (given) {
        if (!readable(given)) {
            snprintf(buf, len, "cannot read the font %s (from %s)", given,
                     option ? "--font" : "LGSIM_UI_FONT");
            return -1;
        }
        snprintf(buf, len, "%s", given);
        bold_beside(buf, bold, bold_len);
        return 0;
    }
#ifdef LGSIM_HAVE_FONTCONFIG
    if (from_fontconfig(buf, len)) {
        bold_beside(buf, bold, bold_len);
        return 0;
    }
#endif
    for (size_t i = 0; font_system_place(i, buf, len, bold, bold_len); i++) {
        if (!readable(buf)) continue;
        if (!readable(bold)) bold_beside(buf, bold, bold_len);
        return 0;
    }
    font_none_found(buf, len);
    return -1;
}
