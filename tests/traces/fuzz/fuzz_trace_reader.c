/* fuzz_trace_reader.c - libFuzzer entry: any bytes through the trace reader and the formatter. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <zlib.h>
#include "traces/reader.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/*
 * Checksums and zlib stop almost every mutated file at the chunk that was touched, so random
 * bytes would rarely reach the record decoder.  An input that starts with "RAW:" is therefore
 * "RAW:", u16 record count, raw record bytes: it is sealed into a well-formed file (header, one
 * chunk with right checksums, end marker) before it is read.  Anything else is read as it is.
 */
#define RAW_PREFIX "RAW:"

static uint8_t *seal_raw(const uint8_t *raw, size_t len, uint32_t recs, size_t *out_len) {
    static const uint8_t header[] = "LGSIMTRC\1\0\0\0\10\0\0\0" "\0\0\0\0\0\0\0\0";
    size_t hl = sizeof(header) - 1, cap = hl + 4 + TRACE_CHUNK_HDR + 4 +
                compressBound((uLong)len) + TRACE_END_LEN;
    uint8_t *f = malloc(cap), *p;
    if (!f) return NULL;
    memcpy(f, header, hl);
    wr32(f + hl, (uint32_t)crc32(0, f + 16, 8));
    p = f + hl + 4;
    uLongf packed = compressBound((uLong)len);
    if (compress2(p + TRACE_CHUNK_HDR + 4, &packed, raw, (uLong)len, 1) != Z_OK) {
        free(f);
        return NULL;
    }
    memcpy(p, TRACE_CHUNK_MAGIC, 4);
    wr32(p + 4, recs);
    wr32(p + 8, (uint32_t)len);
    wr32(p + 12, (uint32_t)packed);
    wr64(p + 16, 0);
    wr64(p + 24, 0);
    wr32(p + 32, (uint32_t)crc32(0, p + TRACE_CHUNK_HDR + 4, (uInt)packed));
    wr32(p + 36, (uint32_t)crc32(0, p, TRACE_CHUNK_HDR));
    p += TRACE_CHUNK_HDR + 4 + packed;
    memcpy(p, TRACE_END_MAGIC, 4);
    wr64(p + 4, recs);
    wr64(p + 12, 0);    /* the last record's time is unknown here: a late mismatch is fine */
    wr32(p + 20, (uint32_t)crc32(0, p, 20));
    *out_len = (size_t)(p + TRACE_END_LEN - f);
    return f;
}

static void read_everything(const uint8_t *data, size_t size) {
    struct trace_reader r;
    char err[512], line[4096];
    if (trace_reader_open_mem(&r, data, size, err, sizeof(err))) return;
    struct trace_rec rec;
    /* The reader must stop on its own, at the end marker or at an error. */
    while (trace_read(&r, &rec) > 0) trace_format(&rec, line, sizeof(line));
    trace_reader_close(&r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    size_t pre = sizeof(RAW_PREFIX) - 1;
    if (size < pre + 2 || memcmp(data, RAW_PREFIX, pre) || size - pre - 2 > TRACE_CHUNK_MAX) {
        read_everything(data, size);
        return 0;
    }
    size_t len;
    uint8_t *file = seal_raw(data + pre + 2, size - pre - 2, rd16(data + pre), &len);
    if (file) read_everything(file, len);
    free(file);
    return 0;
}
