/* font.h - finding the font the window writes with. */
#ifndef LGSIM_UI_FONT_H
#define LGSIM_UI_FONT_H
#include <stddef.h>

/*
 * In this order: the --font=FILE option, $LGSIM_UI_FONT, fontconfig's match for
 * "DejaVu Sans Mono" (when lgsim was built with fontconfig), then the system's places
 * (font_system_place).  0 with the path in buf, or -1 with what to do about it in buf.
 * bold gets the bold face beside it, or "" when there is none.
 */
int font_find(const char *option, char *buf, size_t len, char *bold, size_t bold_len);

/*
 * The system's own part (font_posix.c: where distributions install DejaVu Sans Mono, e.g.
 * Debian's fonts-dejavu-core, and macOS's Menlo; font_win32.c: Windows' Fonts folders).
 * The i-th place, in the order tried: the font's path in buf, and its bold face's in bold, or
 * "" for the regular one's name with -Bold (DejaVu's way); 0 past the last.  A place may be
 * empty (no such file, or buf "").
 */
int font_system_place(size_t i, char *buf, size_t len, char *bold, size_t bold_len);
/* What to say when no place has a font: where this system's fonts were looked for. */
void font_none_found(char *buf, size_t len);
#endif
