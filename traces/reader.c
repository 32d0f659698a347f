/* reader.c - a trace file back into records, checking every length, count and checksum. */
#include "traces/reader.h"
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#define HEADER_PAYLOAD_MAX (64 * 1024)

static int fail(struct trace_reader *r, uint64_t at, const char *fmt, ...)
    __attribute__((format(LGSIM_PRINTF_FORMAT, 3, 4)));
static int fail(struct trace_reader *r, uint64_t at, const char *fmt, ...) {
    char why[200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, sizeof(why), fmt, ap);
    va_end(ap);
    snprintf(r->err, sizeof(r->err), "%s: at byte %" PRIu64 " (record %" PRIu64 "): %s",
             r->name, at, r->next_index, why);
    r->state = -1;
    return -1;
}

/* Read exactly n bytes; how many there were. */
static size_t src_read(struct trace_reader *r, void *buf, size_t n) {
    size_t got;
    if (r->f) {
        got = fread(buf, 1, n, r->f);
    } else {
        got = r->mem_len - r->mem_pos < n ? r->mem_len - r->mem_pos : n;
        if (got) memcpy(buf, r->mem + r->mem_pos, got);   /* mem may be NULL when empty */
        r->mem_pos += got;
    }
    r->offset += got;
    return got;
}

/* --- the header --- */

static int get_str(struct trace_reader *r, const uint8_t **p, const uint8_t *end, char *dst,
                   size_t cap, const char *what) {
    if (end - *p < 2) return fail(r, 16, "header ends inside the %s", what);
    size_t n = rd16(*p);
    *p += 2;
    if ((size_t)(end - *p) < n) return fail(r, 16, "header ends inside the %s", what);
    size_t keep = n < cap - 1 ? n : cap - 1;
    memcpy(dst, *p, keep);
    dst[keep] = 0;
    *p += n;
    return 0;
}

static int parse_header(struct trace_reader *r, const uint8_t *p, const uint8_t *end) {
    struct trace_header *h = &r->h;
    if (get_str(r, &p, end, h->lgsim_version, sizeof(h->lgsim_version), "lgsim version") ||
        get_str(r, &p, end, h->options, sizeof(h->options), "options"))
        return -1;
    if (end - p < 4) return fail(r, 16, "header ends before the input count");
    uint32_t n = rd32(p);
    p += 4;
    if (n > TRACE_INPUTS_MAX) return fail(r, 16, "header lists %u inputs (at most %d)", n,
                                         TRACE_INPUTS_MAX);
    for (uint32_t i = 0; i < n; i++) {
        struct trace_input *in = &h->inputs[i];
        if (get_str(r, &p, end, in->role, sizeof(in->role), "input role") ||
            get_str(r, &p, end, in->name, sizeof(in->name), "input name"))
            return -1;
        if (end - p < 16) return fail(r, 16, "header ends inside input %u", i);
        in->size = rd64(p);
        in->hash = rd64(p + 8);
        p += 16;
    }
    h->n_inputs = n;
    if (p != end) return fail(r, 16, "%zu unexplained bytes at the end of the header",
                              (size_t)(end - p));
    return 0;
}

static int read_header(struct trace_reader *r) {
    uint8_t fixed[16];
    size_t got = src_read(r, fixed, sizeof(fixed));
    if (got < 8 || memcmp(fixed, TRACE_MAGIC, 8))
        return fail(r, 0, "not an lgsim trace (it does not start with \"%s\")", TRACE_MAGIC);
    if (got < sizeof(fixed)) return fail(r, got, "the file ends inside the header");
    r->h.version = rd16(fixed + 8);
    if (r->h.version != TRACE_VERSION)
        return fail(r, 8, "trace format version %u; this lgsim reads version %d",
                    r->h.version, TRACE_VERSION);
    if (rd16(fixed + 10)) return fail(r, 10, "reserved header bytes are not zero");
    uint32_t len = rd32(fixed + 12);
    if (len > HEADER_PAYLOAD_MAX) return fail(r, 12, "header claims %u bytes", len);
    uint8_t *buf = malloc((size_t)len + 4);
    if (!buf) return fail(r, 16, "out of memory");
    int rc = 0;
    if (src_read(r, buf, (size_t)len + 4) != (size_t)len + 4)
        rc = fail(r, r->offset, "the file ends inside the header");
    else if (crc32(0, buf, len) != rd32(buf + len))
        rc = fail(r, 16 + len, "header checksum mismatch (the header is corrupt)");
    else
        rc = parse_header(r, buf, buf + len);
    free(buf);
    return rc;
}

static int start(struct trace_reader *r, char *err, size_t errlen) {
    r->raw = malloc(TRACE_CHUNK_MAX);
    r->packed = malloc(compressBound(TRACE_CHUNK_MAX));
    if (!r->raw || !r->packed) fail(r, 0, "out of memory");
    else read_header(r);
    if (r->state < 0) {
        snprintf(err, errlen, "%s", r->err);
        trace_reader_close(r);
        return -1;
    }
    return 0;
}

int trace_reader_open(struct trace_reader *r, const char *path, char *err, size_t errlen) {
    memset(r, 0, sizeof(*r));
    snprintf(r->name, sizeof(r->name), "%s", path);
    if (!(r->f = fopen(path, "rb"))) {
        snprintf(err, errlen, "cannot open trace %s: %s", path, strerror(errno));
        return -1;
    }
    return start(r, err, errlen);
}

int trace_reader_open_mem(struct trace_reader *r, const void *data, size_t len,
                          char *err, size_t errlen) {
    memset(r, 0, sizeof(*r));
    snprintf(r->name, sizeof(r->name), "(memory)");
    r->mem = data;
    r->mem_len = len;
    return start(r, err, errlen);
}

void trace_reader_close(struct trace_reader *r) {
    if (r->f) fclose(r->f);
    r->f = NULL;
    free(r->raw);
    free(r->packed);
    r->raw = r->packed = NULL;
}

/* --- chunks --- */

static int read_end(struct trace_reader *r, const uint8_t *magic) {
    uint8_t end[TRACE_END_LEN];
    memcpy(end, magic, 4);
    uint64_t at = r->offset - 4;
    if (src_read(r, end + 4, TRACE_END_LEN - 4) != TRACE_END_LEN - 4)
        return fail(r, r->offset, "the file ends inside the end marker");
    if (crc32(0, end, 20) != rd32(end + 20))
        return fail(r, at, "end marker checksum mismatch");
    if (rd64(end + 4) != r->next_index)
        return fail(r, at, "end marker counts %" PRIu64 " records, the file holds %" PRIu64,
                    rd64(end + 4), r->next_index);
    if (rd64(end + 12) != r->last_t)
        return fail(r, at, "end marker's time does not match the last record's");
    uint8_t extra;
    if (src_read(r, &extra, 1)) return fail(r, r->offset - 1, "bytes after the end marker");
    r->state = 1;
    return 0;
}

static int read_chunk(struct trace_reader *r) {
    uint8_t hdr[TRACE_CHUNK_HDR + 4];
    r->chunk_offset = r->offset;
    size_t got = src_read(r, hdr, 4);
    if (got == 0)
        return fail(r, r->offset, "the file is cut short: it ends without an end marker");
    if (got < 4) return fail(r, r->chunk_offset, "the file ends inside a chunk header");
    if (!memcmp(hdr, TRACE_END_MAGIC, 4)) return read_end(r, hdr);
    if (memcmp(hdr, TRACE_CHUNK_MAGIC, 4))
        return fail(r, r->chunk_offset, "expected a chunk (\"LGCK\") or the end (\"LGEN\")");
    if (src_read(r, hdr + 4, sizeof(hdr) - 4) != sizeof(hdr) - 4)
        return fail(r, r->offset, "the file ends inside a chunk header");
    if (crc32(0, hdr, TRACE_CHUNK_HDR) != rd32(hdr + TRACE_CHUNK_HDR))
        return fail(r, r->chunk_offset, "chunk header checksum mismatch");
    uint32_t recs = rd32(hdr + 4), raw_len = rd32(hdr + 8), packed = rd32(hdr + 12);
    if (recs == 0 || raw_len > TRACE_CHUNK_MAX || packed > compressBound(TRACE_CHUNK_MAX) ||
        recs > raw_len)
        return fail(r, r->chunk_offset, "impossible chunk sizes (%u records, %u bytes, %u "
                    "compressed)", recs, raw_len, packed);
    if (rd64(hdr + 16) != r->next_index)
        return fail(r, r->chunk_offset, "chunk starts at record %" PRIu64 ", expected %" PRIu64,
                    rd64(hdr + 16), r->next_index);
    if (rd64(hdr + 24) != r->last_t)
        return fail(r, r->chunk_offset, "chunk's base time does not follow the last record");
    if (src_read(r, r->packed, packed) != packed)
        return fail(r, r->offset, "the file ends inside a chunk (cut short)");
    if (crc32(0, r->packed, packed) != rd32(hdr + 32))
        return fail(r, r->chunk_offset, "chunk checksum mismatch (the data is corrupt)");
    uLongf out = raw_len;
    if (uncompress(r->raw, &out, r->packed, packed) != Z_OK || out != raw_len)
        return fail(r, r->chunk_offset, "chunk does not decompress to its %u bytes", raw_len);
    r->raw_len = raw_len;
    r->pos = 0;
    r->chunk_recs = recs;
    r->chunk_done = 0;
    codec_reset(&r->codec, r->last_t);
    return 0;
}

/* --- records --- */

static int get_varint(struct trace_reader *r, uint64_t *v) {
    uint64_t x = 0;
    for (int shift = 0; shift < 70; shift += 7) {
        if (r->pos >= r->raw_len)
            return fail(r, r->chunk_offset, "a record runs past the end of its chunk");
        uint8_t b = r->raw[r->pos++];
        x |= (uint64_t)(b & 0x7F) << shift;
        if (!(b & 0x80)) {
            *v = x;
            return 0;
        }
    }
    return fail(r, r->chunk_offset, "an over-long number in a record");
}

static int get_delta32(struct trace_reader *r, uint32_t *prev) {
    uint64_t z = 0;   /* set by get_varint; gcc -O3 cannot see it */
    if (get_varint(r, &z)) return -1;
    int64_t d = unzigzag(z);
    if (d < INT32_MIN || d > INT32_MAX)
        return fail(r, r->chunk_offset, "a field delta out of range");
    *prev += (uint32_t)d;
    return 0;
}

static int decode(struct trace_reader *r, struct trace_rec *out) {
    struct trace_codec *c = &r->codec;
    if (r->pos >= r->raw_len) return fail(r, r->chunk_offset, "chunk has fewer records than it says");
    uint8_t head = r->raw[r->pos++];
    unsigned kind = head & 0x7F;
    if (kind == TK_NONE || kind >= TK_KINDS)
        return fail(r, r->chunk_offset, "unknown record kind %u", kind);
    uint64_t z = 0;   /* set by get_varint; gcc -O3 cannot see it */
    if (get_varint(r, &z)) return -1;
    c->t += (uint64_t)unzigzag(z);
    out->index = r->next_index;
    out->t = c->t;
    out->kind = (uint8_t)kind;
    out->rt = 0;
    if ((head & 0x80) && get_delta32(r, &c->rt)) return -1;
    if (head & 0x80) out->rt = c->rt;
    unsigned n = trace_kind_fields(kind);
    out->nfields = (uint8_t)n;
    for (unsigned i = 0; i < n; i++) {
        if (get_delta32(r, &c->prev[kind][i])) return -1;
        out->f[i] = c->prev[kind][i];
    }
    for (unsigned i = n; i < TRACE_FIELDS; i++) out->f[i] = 0;
    out->text_len = 0;
    out->text[0] = 0;
    if (trace_kind_has_text(kind)) {
        if (get_varint(r, &z)) return -1;
        if (z > TRACE_TEXT_MAX || z > r->raw_len - r->pos)
            return fail(r, r->chunk_offset, "a text of %" PRIu64 " bytes does not fit", z);
        memcpy(out->text, r->raw + r->pos, (size_t)z);
        out->text[z] = 0;
        out->text_len = (uint32_t)z;
        r->pos += (uint32_t)z;
    }
    return 0;
}

int trace_read(struct trace_reader *r, struct trace_rec *out) {
    if (r->state) return r->state > 0 ? 0 : -1;
    if (r->chunk_done == r->chunk_recs) {
        if (r->chunk_recs && r->pos != r->raw_len)
            return fail(r, r->chunk_offset, "%u bytes left over after the chunk's records",
                        r->raw_len - r->pos);
        if (read_chunk(r)) return -1;
        if (r->state) return 0;
    }
    if (decode(r, out)) return -1;
    r->chunk_done++;
    r->next_index++;
    r->last_t = out->t;
    return 1;
}
