/* test_trace_io.c - the trace writer and reader: every field back intact, every bad file refused. */
#include "tests/check.h"
#include "tests/traces/samples.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

/* Scratch files live in the test's working directory (the build tree). */
#define EVERY_FILE "trace_io_every.trc"
#define MANY_FILE  "trace_io_many.trc"
#define EMPTY_FILE "trace_io_empty.trc"
#define MANY       20000

static uint8_t *every, *many;        /* the two files' bytes, for the damage tests */
static size_t every_len, many_len;

/* --- generated records: deterministic, edge values on purpose --- */

static uint64_t next_random(uint64_t *s) {
    uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/* A field value that makes deltas wrap: the edges of the signed and unsigned ranges. */
static uint32_t edge_value(uint64_t *s) {
    static const uint32_t edges[] = { 0, 1, 0xFFFFFFFFu, 0x7FFFFFFFu, 0x80000000u, 0xFFFFFFFEu };
    uint64_t x = next_random(s);
    return x % 3 ? (uint32_t)(x >> 32) : edges[(x >> 8) % 6];
}

static void generate(uint64_t *s, uint64_t *t, uint64_t index, struct trace_rec *r) {
    memset(r, 0, sizeof(*r));
    r->index = index;
    r->kind = (uint8_t)(1 + next_random(s) % (TK_KINDS - 1));
    uint64_t jump = next_random(s);
    /* Mostly forward in small steps, sometimes a 64-bit wrap or a step back. */
    *t += jump % 7 == 0 ? jump : jump % 5 == 0 ? (uint64_t)-1 : jump % 1000;
    r->t = *t;
    r->rt = next_random(s) % 4 ? 0 : edge_value(s);
    r->nfields = (uint8_t)trace_kind_fields(r->kind);
    for (unsigned i = 0; i < r->nfields; i++) r->f[i] = edge_value(s);
    if (trace_kind_has_text(r->kind)) {
        r->text_len = (uint32_t)(next_random(s) % (TRACE_TEXT_MAX + 1));
        for (uint32_t i = 0; i < r->text_len; i++) r->text[i] = (char)next_random(s);
    }
}

static int same_record(const struct trace_rec *a, const struct trace_rec *b) {
    if (a->index != b->index || a->t != b->t || a->rt != b->rt || a->kind != b->kind ||
        a->nfields != b->nfields || a->text_len != b->text_len)
        return 0;
    for (unsigned i = 0; i < TRACE_FIELDS; i++)
        if (a->f[i] != b->f[i]) return 0;
    return !memcmp(a->text, b->text, a->text_len) && b->text[b->text_len] == 0;
}

/* --- reading back --- */

static void every_kind_reads_back_field_by_field(void) {
    struct trace_rec want[TK_KINDS], got;
    size_t n = sample_every_kind(want);
    CHECK_EQ(n, TK_KINDS - 1);
    CHECK(sample_write(EVERY_FILE, want, n) == 0);
    struct trace_reader r;
    char err[640];
    CHECK(trace_reader_open(&r, EVERY_FILE, err, sizeof(err)) == 0);
    CHECK_EQ(r.h.version, TRACE_VERSION);
    CHECK(!strcmp(r.h.lgsim_version, sample_header.lgsim_version));
    CHECK(!strcmp(r.h.options, sample_header.options));
    CHECK_EQ(r.h.n_inputs, 2);
    CHECK(!strcmp(r.h.inputs[1].name, "initrd.img"));
    CHECK_EQ(r.h.inputs[0].size, 123456);
    CHECK_EQ(r.h.inputs[0].hash, 0x0123456789abcdefull);
    for (size_t i = 0; i < n; i++) {
        CHECK_EQ(trace_read(&r, &got), 1);
        CHECK_EQ(got.index, i);
        CHECK_EQ(got.kind, want[i].kind);
        CHECK_EQ(got.t, want[i].t);
        CHECK_EQ(got.rt, want[i].rt);
        CHECK_EQ(got.nfields, want[i].nfields);
        for (unsigned f = 0; f < TRACE_FIELDS; f++) CHECK_EQ(got.f[f], want[i].f[f]);
        CHECK_EQ(got.text_len, want[i].text_len);
        CHECK(!memcmp(got.text, want[i].text, want[i].text_len));
    }
    CHECK_EQ(trace_read(&r, &got), 0);
    CHECK_EQ(trace_read(&r, &got), 0);              /* the end stays the end */
    trace_reader_close(&r);
    every = sample_slurp(EVERY_FILE, &every_len);
    CHECK(every != NULL);
}

static void text_longer_than_a_record_holds_is_cut(void) {
    struct trace_rec rec = { .kind = TK_CONSOLE, .t = 5, .text_len = TRACE_TEXT_MAX + 80 };
    memset(rec.text, '\n', sizeof(rec.text));
    CHECK(sample_write(EMPTY_FILE, &rec, 1) == 0);
    struct trace_reader r;
    char err[640];
    CHECK(trace_reader_open(&r, EMPTY_FILE, err, sizeof(err)) == 0);
    CHECK_EQ(trace_read(&r, &rec), 1);
    CHECK_EQ(rec.text_len, TRACE_TEXT_MAX);
    CHECK_EQ(rec.text[TRACE_TEXT_MAX], 0);
    CHECK_EQ(trace_read(&r, &rec), 0);
    trace_reader_close(&r);
}

static void no_records_is_a_valid_trace(void) {
    CHECK(sample_write(EMPTY_FILE, NULL, 0) == 0);
    struct trace_reader r;
    struct trace_rec rec;
    char err[640];
    CHECK(trace_reader_open(&r, EMPTY_FILE, err, sizeof(err)) == 0);
    CHECK_EQ(trace_read(&r, &rec), 0);
    trace_reader_close(&r);
}

/* Chunk starts, walking the chunk headers; returns how many (at most max). */
static size_t chunk_offsets(const uint8_t *f, size_t len, size_t *out, size_t max) {
    size_t n = 0, off = sample_header_len(f);
    while (off + TRACE_CHUNK_HDR + 4 <= len && !memcmp(f + off, TRACE_CHUNK_MAGIC, 4) && n < max) {
        out[n++] = off;
        off += TRACE_CHUNK_HDR + 4 + rd32(f + off + 12);
    }
    return n;
}

static void many_records_across_chunks_read_back_identical(void) {
    struct trace_writer w;
    struct trace_rec want, got;
    char err[640];
    uint64_t seed = 42, t = 0;
    CHECK(trace_writer_open(&w, MANY_FILE, &sample_header, err, sizeof(err)) == 0);
    for (uint64_t i = 0; i < MANY; i++) {
        generate(&seed, &t, i, &want);
        trace_write(&w, &want);
    }
    CHECK(trace_writer_close(&w, err, sizeof(err)) == 0);

    struct trace_reader r;
    uint64_t mismatches = 0, chunks = 0, last_chunk = 0;
    seed = 42, t = 0;
    CHECK(trace_reader_open(&r, MANY_FILE, err, sizeof(err)) == 0);
    for (uint64_t i = 0; i < MANY; i++) {
        generate(&seed, &t, i, &want);
        if (trace_read(&r, &got) != 1) break;
        mismatches += !same_record(&want, &got);
        if (r.chunk_offset != last_chunk) chunks++;
        last_chunk = r.chunk_offset;
    }
    CHECK_EQ(mismatches, 0);
    CHECK_EQ(r.next_index, MANY);
    CHECK_EQ(trace_read(&r, &got), 0);
    CHECK(chunks >= 3);
    printf("%" PRIu64 " records in %" PRIu64 " chunks\n", (uint64_t)MANY, chunks);
    trace_reader_close(&r);
    many = sample_slurp(MANY_FILE, &many_len);
    size_t offs[64];
    CHECK(many && chunk_offsets(many, many_len, offs, 64) == chunks);
}

/* --- refusing bad files --- */

/* Read a damaged copy: it must fail, and say where. */
static int refused(const uint8_t *data, size_t len, const char *expect) {
    char err[640];
    uint64_t records;
    if (sample_read_all(data, len, &records, err, sizeof(err)) != -1) return 0;
    if (!strstr(err, "at byte") || !strstr(err, "record")) return 0;
    return !expect || strstr(err, expect) != NULL;
}

static const char *read_error(const uint8_t *data, size_t len) {
    static char err[640];
    uint64_t records;
    err[0] = 0;
    sample_read_all(data, len, &records, err, sizeof(err));
    return err;
}

static void empty_foreign_and_missing_files(void) {
    CHECK(sample_save(EMPTY_FILE, "", 0) == 0);
    struct trace_reader r;
    char err[640];
    CHECK(trace_reader_open(&r, EMPTY_FILE, err, sizeof(err)) == -1);
    CHECK_STR_CONTAINS(err, "at byte 0 (record 0): not an lgsim trace");
    CHECK(trace_reader_open(&r, "trace_io_missing.trc", err, sizeof(err)) == -1);
    CHECK_STR_CONTAINS(err, "cannot open trace trace_io_missing.trc");
    static const char elf[] = "\177ELF\1\1\1\0\0\0\0\0\0\0\0\0\2\0\3\0";
    CHECK(refused((const uint8_t *)elf, sizeof(elf), "not an lgsim trace"));
    CHECK(refused((const uint8_t *)"LGSIMTR", 7, "not an lgsim trace"));
    CHECK(refused(NULL, 0, "not an lgsim trace"));
}

static void wrong_version_and_reserved_bytes(void) {
    uint8_t *b = malloc(every_len);
    memcpy(b, every, every_len);
    b[8] = 2;
    CHECK_STR_CONTAINS(read_error(b, every_len), "at byte 8 (record 0): trace format version 2");
    memcpy(b, every, every_len);
    b[11] = 0x40;
    CHECK_STR_CONTAINS(read_error(b, every_len), "reserved header bytes");
    memcpy(b, every, every_len);
    wr32(b + 12, 0x7FFFFFFF);                       /* a header length no file should have */
    CHECK_STR_CONTAINS(read_error(b, every_len), "header claims");
    free(b);
}

static void truncated_anywhere_is_refused(void) {
    size_t bad = 0;
    for (size_t cut = 0; cut < every_len; cut++) bad += !refused(every, cut, NULL);
    CHECK_EQ(bad, 0);
    size_t hl = sample_header_len(every);
    CHECK(refused(every, hl, "cut short"));                 /* no chunk, no end marker */
    CHECK(refused(every, hl + 50, "ends inside a chunk (cut short)"));
    CHECK(refused(every, every_len - TRACE_END_LEN, "cut short"));
    CHECK(refused(every, every_len - 3, "ends inside the end marker"));
    /* The big file: a sample across its chunks, and a few bytes either side of each start. */
    size_t offs[64], n = chunk_offsets(many, many_len, offs, 64);
    for (size_t cut = 0; cut < many_len; cut += many_len / 41) bad += !refused(many, cut, NULL);
    for (size_t i = 0; i < n; i++)
        for (size_t d = 0; d < 6; d++) bad += !refused(many, offs[i] - 2 + d * 9, NULL);
    CHECK_EQ(bad, 0);
}

/* Every bit of the small file, flipped one at a time, must be noticed. */
static void every_single_bit_flip_is_refused(void) {
    uint8_t *b = malloc(every_len);
    size_t missed = 0;
    memcpy(b, every, every_len);
    for (size_t bit = 0; bit < every_len * 8; bit++) {
        b[bit / 8] ^= (uint8_t)(1u << bit % 8);
        if (!refused(b, every_len, NULL)) {
            missed++;
            fprintf(stderr, "  flip of bit %zu of byte %zu went unnoticed\n", bit % 8, bit / 8);
        }
        b[bit / 8] ^= (uint8_t)(1u << bit % 8);
    }
    CHECK_EQ(missed, 0);
    size_t hl = sample_header_len(every);
    b[hl + 1] ^= 1;
    CHECK_STR_CONTAINS(read_error(b, every_len), "expected a chunk");
    b[hl + 1] ^= 1;
    b[hl + 6] ^= 1;
    CHECK_STR_CONTAINS(read_error(b, every_len), "chunk header checksum mismatch");
    b[hl + 6] ^= 1;
    b[hl + 60] ^= 1;
    CHECK_STR_CONTAINS(read_error(b, every_len), "chunk checksum mismatch");
    b[hl + 60] ^= 1;
    b[every_len - 10] ^= 1;
    CHECK_STR_CONTAINS(read_error(b, every_len), "end marker checksum mismatch");
    free(b);
}

/* The big file: the first chunk header's every bit, a sample of the other chunks' header and
 * payload bits and of the end marker's (each flip costs a decode of the file up to it). */
static void bit_flips_across_chunks_are_refused(void) {
    uint8_t *b = malloc(many_len);
    size_t offs[64], n = chunk_offsets(many, many_len, offs, 64), missed = 0;
    memcpy(b, many, many_len);
    for (size_t c = 0; c < n; c++) {
        size_t first = offs[c], last = offs[c] + TRACE_CHUNK_HDR + 4 + 64;
        for (size_t bit = first * 8; bit < last * 8; bit += c ? 23 : 1) {
            b[bit / 8] ^= (uint8_t)(1u << bit % 8);
            missed += !refused(b, many_len, NULL);
            b[bit / 8] ^= (uint8_t)(1u << bit % 8);
        }
    }
    for (size_t bit = (many_len - TRACE_END_LEN) * 8; bit < many_len * 8; bit += 11) {
        b[bit / 8] ^= (uint8_t)(1u << bit % 8);
        missed += !refused(b, many_len, NULL);
        b[bit / 8] ^= (uint8_t)(1u << bit % 8);
    }
    CHECK_EQ(missed, 0);
    free(b);
}

static void bytes_after_the_end_marker(void) {
    uint8_t *b = malloc(every_len + 3);
    memcpy(b, every, every_len);
    memcpy(b + every_len, "LGC", 3);
    char want[64];
    snprintf(want, sizeof(want), "at byte %zu (record %d): bytes after the end marker", every_len,
             TK_KINDS - 1);
    CHECK_STR_CONTAINS(read_error(b, every_len + 1), want);
    CHECK(refused(b, every_len + 3, "bytes after the end marker"));
    free(b);
}

/* A chunk header edited and re-sealed: its checksum is right, its claims are not. */
static const char *resealed_chunk_error(size_t field, uint64_t value, int width) {
    static uint8_t *b;
    free(b);
    b = malloc(every_len);
    memcpy(b, every, every_len);
    uint8_t *chunk = b + sample_header_len(b);
    if (width == 8) wr64(chunk + field, value);
    else wr32(chunk + field, (uint32_t)value);
    sample_reseal_chunk(chunk);
    return read_error(b, every_len);
}

static void chunks_claiming_impossible_sizes(void) {
    CHECK_STR_CONTAINS(resealed_chunk_error(8, 0xFFFFFFF0u, 4), "impossible chunk sizes");
    CHECK_STR_CONTAINS(resealed_chunk_error(12, 0xFFFFFFFFu, 4), "impossible chunk sizes");
    CHECK_STR_CONTAINS(resealed_chunk_error(4, 0xFFFFFFFFu, 4), "impossible chunk sizes");
    CHECK_STR_CONTAINS(resealed_chunk_error(4, 0, 4), "impossible chunk sizes");
    CHECK_STR_CONTAINS(resealed_chunk_error(8, TRACE_CHUNK_MAX, 4), "does not decompress");
    CHECK_STR_CONTAINS(resealed_chunk_error(12, 7, 4), "chunk checksum mismatch");
    CHECK_STR_CONTAINS(resealed_chunk_error(4, TK_KINDS + 5, 4), "fewer records than it says");
    CHECK_STR_CONTAINS(resealed_chunk_error(4, 3, 4), "left over after the chunk's records");
    CHECK_STR_CONTAINS(resealed_chunk_error(16, 1, 8), "chunk starts at record 1, expected 0");
    CHECK_STR_CONTAINS(resealed_chunk_error(24, 99, 8), "base time");
}

static void end_marker_that_disagrees(void) {
    uint8_t *b = malloc(every_len);
    uint8_t *end = b + every_len - TRACE_END_LEN;
    memcpy(b, every, every_len);
    wr64(end + 4, TK_KINDS);
    wr32(end + 20, (uint32_t)crc32(0, end, 20));
    CHECK_STR_CONTAINS(read_error(b, every_len), "end marker counts");
    memcpy(b, every, every_len);
    wr64(end + 12, 1);
    wr32(end + 20, (uint32_t)crc32(0, end, 20));
    CHECK_STR_CONTAINS(read_error(b, every_len), "end marker's time");
    free(b);
}

static void a_failed_reader_stays_failed(void) {
    struct trace_reader r;
    struct trace_rec rec;
    char err[640];
    CHECK(trace_reader_open_mem(&r, every, every_len - 5, err, sizeof(err)) == 0);
    int rc;
    while ((rc = trace_read(&r, &rec)) > 0) {}
    CHECK_EQ(rc, -1);
    CHECK_EQ(trace_read(&r, &rec), -1);
    CHECK_STR_CONTAINS(r.err, "(memory): at byte");
    trace_reader_close(&r);
}

int main(void) {
    RUN(every_kind_reads_back_field_by_field);
    RUN(text_longer_than_a_record_holds_is_cut);
    RUN(no_records_is_a_valid_trace);
    RUN(many_records_across_chunks_read_back_identical);
    if (!every || !many) return check_report("trace_io");
    RUN(empty_foreign_and_missing_files);
    RUN(wrong_version_and_reserved_bytes);
    RUN(truncated_anywhere_is_refused);
    RUN(every_single_bit_flip_is_refused);
    RUN(bit_flips_across_chunks_are_refused);
    RUN(bytes_after_the_end_marker);
    RUN(chunks_claiming_impossible_sizes);
    RUN(end_marker_that_disagrees);
    RUN(a_failed_reader_stays_failed);
    free(every);
    free(many);
    remove(EVERY_FILE);
    remove(MANY_FILE);
    remove(EMPTY_FILE);
    return check_report("trace_io");
}
