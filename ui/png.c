/* png.c - a minimal PNG encoder: 8-bit RGB, no filtering, one zlib stream in one IDAT. */
#include "ui/png.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

/*
 * PNG (ISO/IEC 15948): the signature, then chunks of length, type, data and the CRC-32 of
 * type and data.  IHDR says width, height, bit depth 8, colour type 2 (RGB), compression 0,
 * filter 0, interlace 0.  IDAT holds the zlib stream of the rows, each row preceded by its
 * filter type byte (0: none).  IEND ends the file.  Same pixels give the same bytes.
 */
static void be32(uint8_t *p, uint32_t v) {
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static int chunk(FILE *f, const char *type, const uint8_t *data, uint32_t len) {
    uint8_t head[8], tail[4];
    be32(head, len);
    memcpy(head + 4, type, 4);
    uLong crc = crc32(0, head + 4, 4);
    if (len) crc = crc32(crc, data, len);
    be32(tail, (uint32_t)crc);
    return fwrite(head, 1, 8, f) == 8 && (!len || fwrite(data, 1, len, f) == len) &&
           fwrite(tail, 1, 4, f) == 4 ? 0 : -1;
}

/* The rows with their filter bytes, compressed. */
static uint8_t *pack(const uint8_t *rgb, int width, int height, uLongf *packed_len) {
    size_t row = (size_t)width * 3, raw_len = (row + 1) * (size_t)height;
    uint8_t *raw = malloc(raw_len);
    *packed_len = compressBound((uLong)raw_len);
    uint8_t *packed = malloc(*packed_len);
    if (!raw || !packed) {
        free(raw);
        free(packed);
        return NULL;
    }
    for (int y = 0; y < height; y++) {
        raw[(row + 1) * (size_t)y] = 0;
        memcpy(raw + (row + 1) * (size_t)y + 1, rgb + row * (size_t)y, row);
    }
    int rc = compress2(packed, packed_len, raw, (uLong)raw_len, 9);
    free(raw);
    if (rc != Z_OK) {
        free(packed);
        return NULL;
    }
    return packed;
}

int png_write(const char *path, const uint8_t *rgb, int width, int height, char *err,
              size_t errlen) {
    static const uint8_t sig[8] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n' };
    uLongf packed_len;
    uint8_t *packed = pack(rgb, width, height, &packed_len);
    if (!packed) {
        snprintf(err, errlen, "%s: out of memory compressing the picture", path);
        return -1;
    }
    FILE *f = fopen(path, "wb");
    if (!f) {
        snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
        free(packed);
        return -1;
    }
    uint8_t ihdr[13] = { 0 };
    be32(ihdr, (uint32_t)width);
    be32(ihdr + 4, (uint32_t)height);
    ihdr[8] = 8;                 /* bits per sample */
    ihdr[9] = 2;                 /* RGB */
    int bad = fwrite(sig, 1, 8, f) != 8 || chunk(f, "IHDR", ihdr, 13) ||
              chunk(f, "IDAT", packed, (uint32_t)packed_len) || chunk(f, "IEND", NULL, 0);
    free(packed);
    if (fclose(f) || bad) {
        snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
        remove(path);
        return -1;
    }
    return 0;
}
