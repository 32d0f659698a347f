/* samples.h - sample records and byte-level helpers shared by the trace tests and the corpus maker. */
#ifndef LGSIM_TEST_TRACE_SAMPLES_H
#define LGSIM_TEST_TRACE_SAMPLES_H
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include "traces/reader.h"
#include "traces/writer.h"

static const struct trace_header sample_header = {
    .version = TRACE_VERSION, .lgsim_version = "0.0-test", .options = "--sample 64",
    .n_inputs = 2,
    .inputs = { { "kernel", "vmlinux", 123456, 0x0123456789abcdefull },
                { "initrd", "initrd.img", 0, 0xcbf29ce484222325ull } },
};

/* One record of every kind, fields all distinct and some near the 32-bit edges. */
static inline size_t sample_every_kind(struct trace_rec *out) {
    size_t n = 0;
    for (unsigned k = TK_NONE + 1; k < TK_KINDS; k++) {
        struct trace_rec *r = &out[n];
        memset(r, 0, sizeof(*r));
        r->kind = (uint8_t)k;
        r->t = 1000ull * k + (k == TK_HALT ? 5000000000ull : 0);
        r->rt = k % 3 ? 0 : 0xFFFFFFF0u + k;
        r->nfields = (uint8_t)trace_kind_fields(k);
        for (unsigned i = 0; i < r->nfields; i++)
            r->f[i] = (i & 1) ? 0xFFFFFFFFu - k * 16 - i : k * 0x01010101u + i;
        if (trace_kind_has_text(k)) {
            static const char text[] = "line one\nNUL:\0 after\xff\x01 end";
            r->text_len = sizeof(text) - 1;
            memcpy(r->text, text, r->text_len);
        }
        r->index = n++;
    }
    return n;
}

/* Write recs to path with the sample header; 0 or -1 (the reason printed). */
static inline int sample_write(const char *path, const struct trace_rec *recs, size_t n) {
    struct trace_writer w;
    char err[300];
    if (trace_writer_open(&w, path, &sample_header, err, sizeof(err))) {
        fprintf(stderr, "%s\n", err);
        return -1;
    }
    for (size_t i = 0; i < n; i++) trace_write(&w, &recs[i]);
    if (trace_writer_close(&w, err, sizeof(err))) {
        fprintf(stderr, "%s\n", err);
        return -1;
    }
    return 0;
}

/* The whole file in a malloc'd buffer (NULL when unreadable). */
static inline uint8_t *sample_slurp(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *buf = malloc(n > 0 ? (size_t)n : 1);
    if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    *len = (size_t)n;
    return buf;
}

static inline int sample_save(const char *path, const void *data, size_t len) {
    FILE *f = fopen(path, "wb");
    if (!f) return -1;
    int ok = fwrite(data, 1, len, f) == len;
    return fclose(f) == 0 && ok ? 0 : -1;
}

/* Where the first chunk starts: after the fixed 16 bytes, the payload and its checksum. */
static inline size_t sample_header_len(const uint8_t *file) { return 20 + (size_t)rd32(file + 12); }

/* Re-seal a chunk header after editing it, so the reader gets past its checksum. */
static inline void sample_reseal_chunk(uint8_t *chunk) {
    wr32(chunk + TRACE_CHUNK_HDR, (uint32_t)crc32(0, chunk, TRACE_CHUNK_HDR));
}

/* Read a whole trace from memory: 1 clean end, -1 error (err filled), with the record count. */
static inline int sample_read_all(const uint8_t *data, size_t len, uint64_t *records,
                                  char *err, size_t errlen) {
    struct trace_reader r;
    struct trace_rec rec;
    *records = 0;
    if (trace_reader_open_mem(&r, data, len, err, errlen)) return -1;
    int rc;
    while ((rc = trace_read(&r, &rec)) > 0) (*records)++;
    if (rc < 0) snprintf(err, errlen, "%s", r.err);
    trace_reader_close(&r);
    return rc < 0 ? -1 : 1;
}
#endif
