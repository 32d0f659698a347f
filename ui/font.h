/* font.h - finding the font the window writes with. */
#ifndef LGSIM_UI_FONT_H
#define LGSIM_UI_FONT_H
#include <stddef.h>

/*
 * In this order: the --font=FILE option, $LGSIM_UI_FONT, fontconfig's match for
 * "DejaVu Sans Mono" (when lgsim was built with fontconfig), then the places distributions
 * install DejaVu Sans Mono (Debian's fonts-dejavu-core: /usr/share/fonts/truetype/dejavu/)
 * and the system monospace fonts of macOS and Windows.  0 with the path in buf, or -1 with
 * every place tried in buf.  bold gets the bold face beside it, or "" when there is none.
 */
int font_find(const char *option, char *buf, size_t len, char *bold, size_t bold_len);
#endif
