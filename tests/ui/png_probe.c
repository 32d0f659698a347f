/* png_probe.c - does a screenshot show the panels where the layout dump says, in its colours? */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

/*
 * usage: png_probe SHOT.png LAYOUT.txt
 * The PNG is decoded here from scratch (any of the five filters, 8-bit RGB or RGBA), so the
 * check does not trust lgsim's own writer.  Points checked, each against its colour:
 *   every panel's title strip near its right end, and its body near the bottom right corner;
 *   every world box of the where panel near its right end (lit: the world's colour);
 *   the window between the panels at the left edge.
 * Exit 0 when every point matches, 1 with the points that do not, 2 for bad files.
 */
struct image { int w, h, ch; uint8_t *px; };

static uint32_t be32(const uint8_t *p) {
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint8_t *slurp(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *b = n > 0 ? malloc((size_t)n) : NULL;
    if (b && fread(b, 1, (size_t)n, f) != (size_t)n) { free(b); b = NULL; }
    fclose(f);
    *len = (size_t)n;
    return b;
}

static int paeth(int a, int b, int c) {
    int p = a + b - c, pa = abs(p - a), pb = abs(p - b), pc = abs(p - c);
    return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

static int unfilter(struct image *im, uint8_t *raw) {
    size_t stride = (size_t)im->w * im->ch;
    for (int y = 0; y < im->h; y++) {
        uint8_t *row = raw + y * (stride + 1), type = row[0], *cur = row + 1;
        uint8_t *prev = y ? im->px + (y - 1) * stride : NULL;
        for (size_t x = 0; x < stride; x++) {
            int a = x >= (size_t)im->ch ? cur[x - im->ch] : 0, b = prev ? prev[x] : 0;
            int c = prev && x >= (size_t)im->ch ? prev[x - im->ch] : 0;
            int v = cur[x];
            if (type == 1) v += a;
            else if (type == 2) v += b;
            else if (type == 3) v += (a + b) / 2;
            else if (type == 4) v += paeth(a, b, c);
            else if (type != 0) return -1;
            cur[x] = (uint8_t)v;
        }
        memcpy(im->px + y * stride, cur, stride);
    }
    return 0;
}

static int decode(const char *path, struct image *im) {
    size_t len, idat_len = 0;
    uint8_t *f = slurp(path, &len), *idat = NULL;
    if (!f || len < 33 || memcmp(f, "\x89PNG\r\n\x1a\n", 8)) return -1;
    for (size_t at = 8; at + 12 <= len;) {
        uint32_t n = be32(f + at);
        const uint8_t *type = f + at + 4, *data = f + at + 8;
        if (at + 12 + n > len || crc32(crc32(0, type, 4), data, n) != be32(data + n)) return -1;
        if (!memcmp(type, "IHDR", 4)) {
            im->w = (int)be32(data);
            im->h = (int)be32(data + 4);
            if (data[8] != 8 || (data[9] != 2 && data[9] != 6) || data[12]) return -1;
            im->ch = data[9] == 2 ? 3 : 4;
        } else if (!memcmp(type, "IDAT", 4)) {
            idat = realloc(idat, idat_len + n);
            memcpy(idat + idat_len, data, n);
            idat_len += n;
        }
        at += 12 + n;
    }
    uLongf raw_len = (uLongf)((size_t)im->w * im->ch + 1) * im->h;
    uint8_t *raw = malloc(raw_len);
    im->px = malloc((size_t)im->w * im->ch * im->h);
    if (!idat || !raw || !im->px || uncompress(raw, &raw_len, idat, idat_len) != Z_OK ||
        unfilter(im, raw))
        return -1;
    free(raw);
    free(idat);
    free(f);
    return 0;
}

static int bad;

static void check(const struct image *im, const char *what, int x, int y, const char *hex) {
    unsigned want = (unsigned)strtoul(hex, NULL, 16);
    if (x < 0 || y < 0 || x >= im->w || y >= im->h) {
        printf("%s: point (%d,%d) outside the picture\n", what, x, y);
        bad++;
        return;
    }
    const uint8_t *p = im->px + ((size_t)y * im->w + x) * im->ch;
    unsigned got = (unsigned)p[0] << 16 | p[1] << 8 | p[2];
    if (got != want) {
        printf("%s: pixel (%d,%d) is %06x, the layout says %06x\n", what, x, y, got, want);
        bad++;
    }
}

int main(int argc, char **argv) {
    struct image im = { 0 };
    if (argc != 3 || decode(argv[1], &im)) {
        fprintf(stderr, "png_probe: cannot decode %s\n", argc > 1 ? argv[1] : "(nothing)");
        return 2;
    }
    FILE *f = fopen(argv[2], "r");
    if (!f) return 2;
    char line[512], name[64], c1[16], c2[16], window[16] = "";
    int x, y, w, h, t, points = 0, worlds = 0, lit = 0;
    while (fgets(line, sizeof(line), f)) {
        if (sscanf(line, " window=%15s", window) == 1) continue;
        if (sscanf(line, "size %d %d", &w, &h) == 2 && (w != im.w || h != im.h)) {
            printf("the picture is %dx%d, the layout %dx%d\n", im.w, im.h, w, h);
            bad++;
        } else if (sscanf(line, "panel %63s %d %d %d %d %d title=%15s body=%15s", name, &x, &y,
                          &w, &h, &t, c1, c2) == 8) {
            check(&im, name, x + w - 3, y + t / 2, c1);
            check(&im, name, x + w - 3, y + h - 3, c2);
            check(&im, "the window left of it", 0, y + h / 2, window);
            points += 3;
        } else if (sscanf(line, "world %63s %d %d %d %d fill=%15s", name, &x, &y, &w, &h, c1) == 6) {
            check(&im, name, x + w - 4, y + h / 2, c1);
            points++;
            worlds++;
            lit += strstr(line, " lit") != NULL;
        }
    }
    fclose(f);
    if (worlds != 4 || lit != 1) {
        printf("the layout has %d world boxes, %d lit (want 4 and 1)\n", worlds, lit);
        bad++;
    }
    if (bad) return 1;
    printf("png_probe: %s matches %s at %d points\n", argv[1], argv[2], points);
    return 0;
}
