/* png.h - writing a screenshot as a PNG file (zlib does the compression). */
#ifndef LGSIM_UI_PNG_H
#define LGSIM_UI_PNG_H
#include <stddef.h>
#include <stdint.h>

/* rgb: width*height pixels, 3 bytes each, rows top to bottom.  0, or -1 with err filled;
 * on failure no half-written file is left behind. */
int png_write(const char *path, const uint8_t *rgb, int width, int height, char *err,
              size_t errlen);
#endif
