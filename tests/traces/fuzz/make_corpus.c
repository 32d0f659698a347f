/* make_corpus.c - writes the fuzz seed corpus: small valid traces and typical broken ones. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "tests/traces/samples.h"

/*
 * usage: fuzz_make_corpus DIR [TEACHING.trc]
 * The seeds are what tests/traces/fuzz/corpus holds; rerun this only when the format changes.
 */

static const char *dir;

static int save(const char *name, const void *data, size_t len) {
    char path[1024];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    if (sample_save(path, data, len)) {
        fprintf(stderr, "cannot write %s\n", path);
        return -1;
    }
    return 0;
}

/* A trace of recs, written through a scratch file and kept in memory. */
static uint8_t *trace_bytes(const struct trace_rec *recs, size_t n, size_t *len) {
    char path[1024];
    snprintf(path, sizeof(path), "%s/.scratch", dir);
    if (sample_write(path, recs, n)) return NULL;
    uint8_t *buf = sample_slurp(path, len);
    remove(path);
    return buf;
}

/* Console records that repeat: two chunks of raw bytes that compress to almost nothing, in
 * few enough records that each fuzz run stays fast. */
static struct trace_rec *repetitive(size_t n) {
    struct trace_rec *recs = calloc(n, sizeof(*recs));
    for (size_t i = 0; recs && i < n; i++) {
        recs[i].kind = TK_CONSOLE;
        recs[i].t = i * 100;
        recs[i].text_len = TRACE_TEXT_MAX;
        memset(recs[i].text, 'a' + (int)(i % 3), TRACE_TEXT_MAX);
    }
    return recs;
}

/* The first n records of a real trace. */
static struct trace_rec *prefix_of(const char *path, size_t n, size_t *got) {
    struct trace_reader r;
    char err[640];
    *got = 0;
    if (trace_reader_open(&r, path, err, sizeof(err))) {
        fprintf(stderr, "%s\n", err);
        return NULL;
    }
    struct trace_rec *recs = calloc(n, sizeof(*recs));
    while (recs && *got < n && trace_read(&r, &recs[*got]) > 0) (*got)++;
    trace_reader_close(&r);
    return recs;
}

/* The fuzz harness's other input form: "RAW:", u16 records, the first chunk's raw bytes. */
static int raw_seed(const char *name, const uint8_t *good) {
    const uint8_t *chunk = good + sample_header_len(good);
    uLongf raw_len = rd32(chunk + 8);
    uint8_t *seed = malloc(6 + raw_len);
    int rc = -1;
    memcpy(seed, "RAW:", 4);
    wr16(seed + 4, (uint16_t)rd32(chunk + 4));
    if (uncompress(seed + 6, &raw_len, chunk + TRACE_CHUNK_HDR + 4, rd32(chunk + 12)) == Z_OK)
        rc = save(name, seed, 6 + raw_len);
    free(seed);
    return rc;
}

static int broken_variants(const uint8_t *good, size_t len) {
    uint8_t *b = malloc(len + 1);
    size_t hl = sample_header_len(good);
    int bad = 0;
    bad |= save("empty", "", 0);
    bad |= save("foreign.txt", "#!/bin/sh\necho not a trace\n", 27);
    bad |= save("header_only.trc", good, hl);
    bad |= save("cut_in_chunk.trc", good, hl + 60);
    bad |= save("no_end_marker.trc", good, len - TRACE_END_LEN);
    memcpy(b, good, len);
    b[len] = 0;
    bad |= save("trailing_byte.trc", b, len + 1);
    b[hl + TRACE_CHUNK_HDR + 4 + 3] ^= 0x10;             /* a flipped bit in the zlib data */
    bad |= save("payload_bitflip.trc", b, len);
    memcpy(b, good, len);
    b[8] = 2;                                            /* version 2 */
    bad |= save("wrong_version.trc", b, len);
    memcpy(b, good, len);
    wr32(b + hl + 8, 0xFFFFFFF0u);                       /* raw length, checksum still right */
    sample_reseal_chunk(b + hl);
    bad |= save("huge_chunk.trc", b, len);
    free(b);
    return bad;
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: fuzz_make_corpus DIR [TEACHING.trc]\n");
        return 2;
    }
    dir = argv[1];
    struct trace_rec every[TK_KINDS];
    size_t n = sample_every_kind(every), len;
    uint8_t *good = trace_bytes(every, n, &len);
    if (!good || save("every_kind.trc", good, len) || broken_variants(good, len) ||
        raw_seed("raw_every_kind", good))
        return 1;
    free(good);
    if (!(good = trace_bytes(NULL, 0, &len)) || save("no_records.trc", good, len)) return 1;
    free(good);
    size_t many = TRACE_CHUNK_RAW / TRACE_TEXT_MAX + 100;   /* just over one chunk */
    struct trace_rec *recs = repetitive(many);
    if (!recs || !(good = trace_bytes(recs, many, &len)) || save("two_chunks.trc", good, len))
        return 1;
    free(good);
    free(recs);
    if (argc > 2) {
        recs = prefix_of(argv[2], 300, &n);
        if (!recs || !(good = trace_bytes(recs, n, &len)) ||
            save("teaching_prefix.trc", good, len) || raw_seed("raw_teaching_prefix", good))
            return 1;
        free(good);
        free(recs);
    }
    return 0;
}
