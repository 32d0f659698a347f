/* writer.c - records in, delta-coded and zlib-compressed chunks out (format.h has the layout). */
#include "traces/writer.h"
#include "traces/truncate.h"
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

static void write_bytes(struct trace_writer *w, const void *p, size_t n) {
    if (w->failed) return;
    if (fwrite(p, 1, n, w->f) != n) {
        w->failed = 1;
        snprintf(w->err, sizeof(w->err), "cannot write trace %s: %s", w->path, strerror(errno));
        return;
    }
    w->bytes_written += n;
}

static uint8_t *put_str(uint8_t *p, const char *s) {
    size_t n = strlen(s);
    if (n > TRACE_STR_MAX) n = TRACE_STR_MAX;
    wr16(p, (uint16_t)n);
    memcpy(p + 2, s, n);
    return p + 2 + n;
}

static int write_header(struct trace_writer *w, const struct trace_header *h) {
    size_t cap = 64 + 3 * (TRACE_STR_MAX + 2) + TRACE_INPUTS_MAX * 200;
    uint8_t *buf = malloc(cap), *p;
    if (!buf) return -1;
    memcpy(buf, TRACE_MAGIC, 8);
    wr16(buf + 8, TRACE_VERSION);
    wr16(buf + 10, 0);
    p = buf + 16;
    p = put_str(p, h->lgsim_version);
    p = put_str(p, h->options);
    unsigned n = h->n_inputs < TRACE_INPUTS_MAX ? h->n_inputs : TRACE_INPUTS_MAX;
    wr32(p, n);
    p += 4;
    for (unsigned i = 0; i < n; i++) {
        p = put_str(p, h->inputs[i].role);
        p = put_str(p, h->inputs[i].name);
        wr64(p, h->inputs[i].size);
        wr64(p + 8, h->inputs[i].hash);
        p += 16;
    }
    uint32_t payload = (uint32_t)(p - (buf + 16));
    wr32(buf + 12, payload);
    wr32(p, (uint32_t)crc32(0, buf + 16, payload));
    write_bytes(w, buf, (size_t)(p + 4 - buf));
    free(buf);
    return w->failed ? -1 : 0;
}

int trace_writer_open(struct trace_writer *w, const char *path, const struct trace_header *h,
                      char *err, size_t errlen) {
    memset(w, 0, sizeof(*w));
    w->path = path;
    w->level = 6;
    w->packed_cap = compressBound(TRACE_CHUNK_RAW + TRACE_REC_MAX);
    w->raw = malloc(TRACE_CHUNK_RAW + TRACE_REC_MAX);
    w->packed = malloc(w->packed_cap);
    if (!w->raw || !w->packed) {
        snprintf(err, errlen, "out of memory for the trace buffers");
        goto fail;
    }
    if (!(w->f = fopen(path, "wb"))) {
        snprintf(err, errlen, "cannot create trace %s: %s", path, strerror(errno));
        goto fail;
    }
    codec_reset(&w->codec, 0);
    if (write_header(w, h)) {
        snprintf(err, errlen, "%s", w->err[0] ? w->err : "cannot write the trace header");
        fclose(w->f);
        goto fail;
    }
    return 0;
fail:
    free(w->raw);
    free(w->packed);
    w->raw = w->packed = NULL;
    w->f = NULL;
    return -1;
}

static void flush_chunk(struct trace_writer *w) {
    if (!w->chunk_recs) return;
    uLongf packed = (uLongf)w->packed_cap;
    if (compress2(w->packed, &packed, w->raw, (uLong)w->raw_len, w->level) != Z_OK) {
        w->failed = 1;
        snprintf(w->err, sizeof(w->err), "cannot compress a trace chunk");
    }
    uint8_t hdr[TRACE_CHUNK_HDR];
    memcpy(hdr, TRACE_CHUNK_MAGIC, 4);
    wr32(hdr + 4, w->chunk_recs);
    wr32(hdr + 8, (uint32_t)w->raw_len);
    wr32(hdr + 12, (uint32_t)packed);
    wr64(hdr + 16, w->chunk_first);
    wr64(hdr + 24, w->chunk_base_t);
    wr32(hdr + 32, (uint32_t)crc32(0, w->packed, (uInt)packed));
    uint8_t check[4];
    wr32(check, (uint32_t)crc32(0, hdr, TRACE_CHUNK_HDR));
    write_bytes(w, hdr, sizeof(hdr));
    write_bytes(w, check, 4);
    write_bytes(w, w->packed, packed);
    w->raw_len = 0;
    w->chunk_recs = 0;
}

static void start_chunk(struct trace_writer *w) {
    w->chunk_first = w->n_records;
    w->chunk_base_t = w->last_t;
    codec_reset(&w->codec, w->last_t);
}

static uint8_t *put_delta(uint8_t *p, uint32_t v, uint32_t *prev) {
    p = put_varint(p, zigzag((int32_t)(v - *prev)));
    *prev = v;
    return p;
}

void trace_writer_nowhere(struct trace_writer *w) {
    memset(w, 0, sizeof(*w));
    w->nowhere = 1;
}

void trace_write(struct trace_writer *w, const struct trace_rec *r) {
    if (!w->f) {
        if (w->nowhere) {
            w->n_records++;
            w->last_t = r->t;
        }
        return;
    }
    if (w->chunk_recs == 0) start_chunk(w);
    struct trace_codec *c = &w->codec;
    uint8_t *p = w->raw + w->raw_len;
    unsigned kind = r->kind < TK_KINDS ? r->kind : TK_NONE;
    *p++ = (uint8_t)(kind | (r->rt ? 0x80 : 0));
    p = put_varint(p, zigzag((int64_t)(r->t - c->t)));
    c->t = r->t;
    if (r->rt) p = put_delta(p, r->rt, &c->rt);
    unsigned n = trace_kind_fields(kind);
    for (unsigned i = 0; i < n; i++) p = put_delta(p, r->f[i], &c->prev[kind][i]);
    if (trace_kind_has_text(kind)) {
        uint32_t len = r->text_len < TRACE_TEXT_MAX ? r->text_len : TRACE_TEXT_MAX;
        p = put_varint(p, len);
        memcpy(p, r->text, len);
        p += len;
    }
    w->raw_len = (size_t)(p - w->raw);
    w->chunk_recs++;
    w->n_records++;
    w->last_t = r->t;
    if (w->raw_len >= TRACE_CHUNK_RAW) flush_chunk(w);
}

void trace_writer_flush(struct trace_writer *w) {
    if (w->f) flush_chunk(w);
}

int trace_writer_close(struct trace_writer *w, char *err, size_t errlen) {
    if (!w->f) return 0;
    flush_chunk(w);
    uint8_t end[TRACE_END_LEN];
    memcpy(end, TRACE_END_MAGIC, 4);
    wr64(end + 4, w->n_records);
    wr64(end + 12, w->last_t);
    wr32(end + 20, (uint32_t)crc32(0, end, 20));
    write_bytes(w, end, sizeof(end));
    if (fclose(w->f) && !w->failed) {
        w->failed = 1;
        snprintf(w->err, sizeof(w->err), "cannot write trace %s: %s", w->path, strerror(errno));
    }
    w->f = NULL;
    free(w->raw);
    free(w->packed);
    w->raw = w->packed = NULL;
    if (w->failed) {
        snprintf(err, errlen, "%s", w->err);
        return -1;
    }
    return 0;
}

/* --- a writer's state, for checkpoints and saved machines --- */

struct writer_fixed {
    struct trace_codec codec;
    uint64_t raw_len, chunk_first, chunk_base_t, n_records, last_t, bytes_written;
    uint32_t chunk_recs;
    int32_t level, failed;
};

size_t trace_writer_state_size(const struct trace_writer *w, int with_file) {
    return sizeof(struct writer_fixed) + w->raw_len + (with_file ? w->bytes_written : 0);
}

int trace_writer_state_save(struct trace_writer *w, uint8_t *out, int with_file) {
    struct writer_fixed x;
    memset(&x, 0, sizeof(x));   /* its padding too: the same writer is the same bytes */
    x.codec = w->codec;
    x.raw_len = w->raw_len;
    x.chunk_first = w->chunk_first;
    x.chunk_base_t = w->chunk_base_t;
    x.n_records = w->n_records;
    x.last_t = w->last_t;
    x.bytes_written = w->bytes_written;
    x.chunk_recs = w->chunk_recs;
    x.level = w->level;
    x.failed = w->failed;
    memcpy(out, &x, sizeof(x));
    if (w->raw_len) memcpy(out + sizeof(x), w->raw, w->raw_len);
    if (!with_file || w->nowhere) return 0;
    /* What is in the file so far, read back: the chunks written and the header. */
    if (fflush(w->f)) return -1;
    FILE *f = fopen(w->path, "rb");
    if (!f) return -1;
    size_t got = fread(out + sizeof(x) + w->raw_len, 1, w->bytes_written, f);
    fclose(f);
    return got == w->bytes_written ? 0 : -1;
}

static int set_state(struct trace_writer *w, const struct writer_fixed *x, const uint8_t *raw) {
    if (x->raw_len > TRACE_CHUNK_RAW + TRACE_REC_MAX) return -1;
    w->codec = x->codec;
    w->raw_len = x->raw_len;
    memcpy(w->raw, raw, x->raw_len);
    w->chunk_first = x->chunk_first;
    w->chunk_base_t = x->chunk_base_t;
    w->n_records = x->n_records;
    w->last_t = x->last_t;
    w->bytes_written = x->bytes_written;
    w->chunk_recs = x->chunk_recs;
    w->level = x->level;
    w->failed = x->failed;
    return 0;
}

int trace_writer_state_rewind(struct trace_writer *w, const uint8_t *in, size_t len) {
    struct writer_fixed x;
    if ((!w->f && !w->nowhere) || len < sizeof(x)) return -1;
    memcpy(&x, in, sizeof(x));
    if (len != sizeof(x) + x.raw_len || x.bytes_written > w->bytes_written) return -1;
    if (w->nowhere) {   /* records numbered, nothing written: the numbering goes back */
        if (x.raw_len) return -1;
        w->n_records = x.n_records;
        w->last_t = x.last_t;
        return 0;
    }
    /* The file goes back to where it was: later chunks are written again as they come. */
    if (fflush(w->f) || ftruncate_file(w->f, x.bytes_written) ||
        fseek(w->f, (long)x.bytes_written, SEEK_SET))
        return -1;
    return set_state(w, &x, in + sizeof(x));
}

int trace_writer_resume(struct trace_writer *w, const char *path, const uint8_t *in,
                        size_t len, char *err, size_t errlen) {
    struct writer_fixed x;
    memset(w, 0, sizeof(*w));
    if (len < sizeof(x)) goto bad;
    memcpy(&x, in, sizeof(x));
    if (x.raw_len > TRACE_CHUNK_RAW + TRACE_REC_MAX ||
        len != sizeof(x) + x.raw_len + x.bytes_written)
        goto bad;
    w->path = path;
    w->packed_cap = compressBound(TRACE_CHUNK_RAW + TRACE_REC_MAX);
    w->raw = malloc(TRACE_CHUNK_RAW + TRACE_REC_MAX);
    w->packed = malloc(w->packed_cap);
    if (!w->raw || !w->packed || !(w->f = fopen(path, "wb"))) {
        snprintf(err, errlen, "cannot create trace %s: %s", path, strerror(errno));
        free(w->raw);
        free(w->packed);
        memset(w, 0, sizeof(*w));
        return -1;
    }
    set_state(w, &x, in + sizeof(x));
    w->bytes_written = 0;
    write_bytes(w, in + sizeof(x) + x.raw_len, x.bytes_written);
    return 0;
bad:
    snprintf(err, errlen, "the saved trace state is damaged");
    return -1;
}
