/* machine_file.c - a saved machine on disk: a checked header, then the state, zlib-compressed. */
#include "sim/launcher/launcher.h"
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

/*
 * All integers little-endian; str = u16 length + bytes:
 *   "LGSIMSAV", u16 version, u16 0, u32 payload length, payload, u32 crc32(payload)
 *   payload: str lgsim version, str CPU engine and layout, str options (as a trace header
 *            has them), u32 inputs, per input: str role, str name, u64 size, u64 hash (FNV-1a
 *            64, as in a trace header); u32 arguments, str each (the command line that builds
 *            the machine); u64 virtual time; u64 state length
 *   u64 compressed length, u32 crc32(compressed), the zlib stream of the state (machine.c)
 * Reading checks everything, the whole stream decompressed included, before lgsim builds
 * anything: a foreign, cut or damaged file is refused with the byte where it is wrong.
 */
#define SAVE_MAGIC   "LGSIMSAV"
#define SAVE_VERSION 1
#define SAVE_STR_MAX 4096

struct wbuf { uint8_t *p; size_t len, cap; };

static void wput(struct wbuf *b, const void *v, size_t n) {
    if (b->len + n > b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 4096;
        while (cap < b->len + n) cap *= 2;
        uint8_t *q = realloc(b->p, cap);
        if (!q) return;
        b->p = q;
        b->cap = cap;
    }
    memcpy(b->p + b->len, v, n);
    b->len += n;
}
static void wput32(struct wbuf *b, uint32_t v) { uint8_t x[4]; put_le32(x, v); wput(b, x, 4); }
static void wput64(struct wbuf *b, uint64_t v) { wput32(b, (uint32_t)v); wput32(b, (uint32_t)(v >> 32)); }
static void wstr(struct wbuf *b, const char *s) {
    size_t n = strlen(s) > SAVE_STR_MAX ? SAVE_STR_MAX : strlen(s);
    uint8_t x[2];
    put_le16(x, (uint16_t)n);
    wput(b, x, 2);
    wput(b, s, n);
}

static int write_all(const char *path, const struct wbuf *hdr, const uint8_t *z, size_t zlen,
                     char *err, size_t errlen) {
    FILE *f = fopen(path, "wb");
    if (!f) {
        snprintf(err, errlen, "cannot create %s: %s", path, strerror(errno));
        return -1;
    }
    int bad = fwrite(hdr->p, 1, hdr->len, f) != hdr->len || fwrite(z, 1, zlen, f) != zlen;
    bad |= fclose(f) != 0;
    if (bad) {
        snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
        remove(path);   /* never a half-written machine */
    }
    return bad ? -1 : 0;
}

int machine_file_write(struct launcher *l, const char *path, char *err, size_t errlen) {
    struct trace_header h;
    uint8_t *state = NULL, *z = NULL;
    size_t len = 0;
    if (launcher_inputs(l, &h, err, errlen) ||
        machine_save(l, 1, &state, &len, err, errlen))
        return -1;
    uLongf zlen = compressBound((uLong)len);
    z = malloc(zlen);
    if (!z || compress2(z, &zlen, state, (uLong)len, 1) != Z_OK) {
        snprintf(err, errlen, "cannot compress the machine (%zu bytes)", len);
        free(z);
        free(state);
        return -1;
    }
    free(state);
    char engine[200];
    lguest_engine_id(l->lg, engine, sizeof(engine));
    struct wbuf pay = { 0 }, hdr = { 0 };
    wstr(&pay, LGSIM_VERSION);
    wstr(&pay, engine);
    wstr(&pay, h.options);
    wput32(&pay, h.n_inputs);
    for (unsigned i = 0; i < h.n_inputs; i++) {
        wstr(&pay, h.inputs[i].role);
        wstr(&pay, h.inputs[i].name);
        wput64(&pay, h.inputs[i].size);
        wput64(&pay, h.inputs[i].hash);
    }
    wput32(&pay, (uint32_t)l->opt.argc);
    for (int i = 0; i < l->opt.argc; i++) wstr(&pay, l->opt.argv[i]);
    wput64(&pay, lguest_time(l->lg));
    wput64(&pay, len);
    wput(&hdr, SAVE_MAGIC, 8);
    uint8_t v[4];
    put_le16(v, SAVE_VERSION);
    put_le16(v + 2, 0);
    wput(&hdr, v, 4);
    wput32(&hdr, (uint32_t)pay.len);
    wput(&hdr, pay.p, pay.len);
    wput32(&hdr, (uint32_t)crc32(0, pay.p, (uInt)pay.len));
    wput64(&hdr, zlen);
    wput32(&hdr, (uint32_t)crc32(0, z, (uInt)zlen));
    int rc = pay.p && hdr.p ? write_all(path, &hdr, z, zlen, err, errlen) : -1;
    if (!pay.p || !hdr.p) snprintf(err, errlen, "out of memory");
    free(pay.p);
    free(hdr.p);
    free(z);
    return rc;
}

/* --- reading --- */

struct rd { const uint8_t *p; size_t len, off; int bad; size_t bad_at; };

static const uint8_t *take(struct rd *r, size_t n) {
    if (r->bad || r->len - r->off < n) {
        if (!r->bad) r->bad_at = r->off;
        r->bad = 1;
        return NULL;
    }
    const uint8_t *at = r->p + r->off;
    r->off += n;
    return at;
}
static uint32_t get32(struct rd *r) { const uint8_t *p = take(r, 4); return p ? le32(p) : 0; }
static uint64_t get64(struct rd *r) { uint64_t lo = get32(r); return lo | (uint64_t)get32(r) << 32; }
static void rstr(struct rd *r, char *out, size_t cap) {
    const uint8_t *p = take(r, 2);
    size_t n = p ? le16(p) : 0;
    const uint8_t *s = take(r, n);
    if (!s || n >= cap) {
        if (!r->bad) { r->bad = 1; r->bad_at = r->off - n - 2; }
        out[0] = 0;
        return;
    }
    memcpy(out, s, n);
    out[n] = 0;
}

uint8_t *launcher_read_file(const char *path, size_t *len, char *err, size_t errlen) {
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errlen, "cannot open %s: %s", path, strerror(errno));
        return NULL;
    }
    size_t cap = 1 << 20, n = 0;
    uint8_t *buf = malloc(cap);
    while (buf) {
        n += fread(buf + n, 1, cap - n, f);
        if (n < cap) break;
        uint8_t *bigger = realloc(buf, cap *= 2);
        if (!bigger) { free(buf); buf = NULL; }
        else buf = bigger;
    }
    int bad = ferror(f);
    fclose(f);
    if (!buf || bad) {
        snprintf(err, errlen, "cannot read %s", path);
        free(buf);
        return NULL;
    }
    *len = n;
    return buf;
}

static int parse_payload(struct rd *r, struct saved_machine *m) {
    static char arg[SAVE_STR_MAX + 1];
    rstr(r, m->lgsim_version, sizeof(m->lgsim_version));
    rstr(r, m->engine, sizeof(m->engine));
    rstr(r, m->inputs.options, sizeof(m->inputs.options));
    uint32_t n = get32(r);
    if (n > TRACE_INPUTS_MAX && !r->bad) { r->bad = 1; r->bad_at = r->off - 4; }
    for (uint32_t i = 0; i < n && !r->bad; i++) {
        struct trace_input *in = &m->inputs.inputs[i];
        rstr(r, in->role, sizeof(in->role));
        rstr(r, in->name, sizeof(in->name));
        in->size = get64(r);
        in->hash = get64(r);
    }
    m->inputs.n_inputs = n;
    uint32_t argc = get32(r);
    if (argc > 4096 && !r->bad) { r->bad = 1; r->bad_at = r->off - 4; }
    m->argv = r->bad ? NULL : calloc((size_t)argc + 1, sizeof(char *));
    for (uint32_t i = 0; m->argv && i < argc && !r->bad; i++) {
        rstr(r, arg, sizeof(arg));
        m->argv[i] = malloc(strlen(arg) + 1);
        if (m->argv[i]) strcpy(m->argv[i], arg);
        m->argc = (int)i + 1;
    }
    m->t = get64(r);
    m->state_len = (size_t)get64(r);
    return r->bad ? -1 : 0;
}

/* The zlib stream, all of it, into exactly state_len bytes; *bad_at where it went wrong. */
static int inflate_state(const uint8_t *z, size_t zlen, struct saved_machine *m, size_t *bad_at) {
    m->state = malloc(m->state_len ? m->state_len : 1);
    if (!m->state) return -1;
    z_stream s;
    memset(&s, 0, sizeof(s));
    if (inflateInit(&s) != Z_OK) return -1;
    s.next_in = (Bytef *)(uintptr_t)z;
    s.avail_in = (uInt)zlen;
    s.next_out = m->state;
    s.avail_out = (uInt)m->state_len;
    int rc = inflate(&s, Z_FINISH);
    *bad_at = s.total_in;
    int ok = rc == Z_STREAM_END && s.total_out == m->state_len && s.total_in == zlen;
    inflateEnd(&s);
    return ok ? 0 : -1;
}

int machine_file_read(const char *path, struct saved_machine *m, char *err, size_t errlen) {
    memset(m, 0, sizeof(*m));
    size_t len;
    char why[400];
    uint8_t *buf = launcher_read_file(path, &len, err, errlen);
    if (!buf) return -1;
    int rc = machine_file_parse(buf, len, m, why, sizeof(why));
    free(buf);
    if (rc) snprintf(err, errlen, "%s: %s", path, why);
    return rc;
}

int machine_file_parse(const uint8_t *buf, size_t len, struct saved_machine *m, char *err,
                       size_t errlen) {
    memset(m, 0, sizeof(*m));
    struct rd r = { buf, len, 0, 0, 0 };
    const uint8_t *magic = take(&r, 8);
    const char *why = NULL;
    size_t at = 0;
    if (!magic || memcmp(magic, SAVE_MAGIC, 8)) why = "not a saved lgsim machine (no LGSIMSAV)";
    uint32_t version = why ? 0 : get32(&r);
    if (!why && !r.bad && (version & 0xFFFF) != SAVE_VERSION) { why = "a saved machine of another version"; at = 8; }
    if (!why && !r.bad && version >> 16) { why = "a damaged header"; at = 10; }
    uint32_t pay_len = why ? 0 : get32(&r);
    size_t pay_at = r.off;
    const uint8_t *pay = why ? NULL : take(&r, pay_len);
    const uint8_t *crc = why ? NULL : take(&r, 4);
    if (!why && (!pay || !crc)) { why = "cut short"; at = len; }
    if (!why && le32(crc) != (uint32_t)crc32(0, pay, pay_len)) { why = "a damaged header (its crc32)"; at = pay_at + pay_len; }
    if (!why) {
        struct rd pr = { buf, pay_at + pay_len, pay_at, 0, 0 };
        if (parse_payload(&pr, m) || pr.off != pay_at + pay_len) {
            why = "a damaged header";
            at = pr.bad ? pr.bad_at : pr.off;
        }
    }
    uint64_t zlen = why ? 0 : get64(&r);
    uint32_t zcrc = why ? 0 : get32(&r);
    size_t z_at = r.off;
    if (!why && r.bad) { why = "cut short"; at = len; }
    if (!why && zlen != len - z_at) {
        why = zlen > len - z_at ? "cut short" : "longer than its header says";
        at = zlen > len - z_at ? len : z_at + (size_t)zlen;
    }
    if (!why && zcrc != (uint32_t)crc32(0, buf + z_at, (uInt)zlen)) { why = "damaged (the state's crc32)"; at = z_at; }
    size_t bad_in = 0;
    if (!why && (m->state_len > ((size_t)1 << 34) ||
                 inflate_state(buf + z_at, (size_t)zlen, m, &bad_in))) {
        why = "damaged (the compressed state)";
        at = z_at + bad_in;
    }
    if (!why) {   /* the sections inside, as far as they can be checked without a machine */
        const uint8_t *t;
        size_t tn;
        if (machine_trace_section(m->state, m->state_len, &t, &tn)) {
            why = "damaged (the state's sections)";
            at = z_at;
        }
    }
    if (why) {
        snprintf(err, errlen, "%s at byte %zu", why, at);
        machine_file_free(m);
        return -1;
    }
    return 0;
}

int machine_file_matches(struct launcher *l, const struct saved_machine *m, char *err,
                         size_t errlen) {
    struct trace_header h;
    char engine[200];
    if (strcmp(m->lgsim_version, LGSIM_VERSION)) {
        snprintf(err, errlen, "saved by lgsim %s, this is %s", m->lgsim_version, LGSIM_VERSION);
        return -1;
    }
    lguest_engine_id(l->lg, engine, sizeof(engine));
    if (strcmp(m->engine, engine)) {
        snprintf(err, errlen, "saved on another CPU engine (%s; this is %s)", m->engine, engine);
        return -1;
    }
    if (launcher_inputs(l, &h, err, errlen)) return -1;
    if (strcmp(h.options, m->inputs.options)) {
        snprintf(err, errlen, "the options differ (%s vs %s)", m->inputs.options, h.options);
        return -1;
    }
    if (h.n_inputs != m->inputs.n_inputs) {
        snprintf(err, errlen, "the inputs differ");
        return -1;
    }
    for (unsigned i = 0; i < h.n_inputs; i++) {
        const struct trace_input *a = &m->inputs.inputs[i], *b = &h.inputs[i];
        if (strcmp(a->role, b->role) || a->size != b->size || a->hash != b->hash) {
            snprintf(err, errlen, "the %s %s is not the one the machine was saved with (size "
                     "%" PRIu64 " hash %016" PRIx64 ", saved %" PRIu64 " %016" PRIx64 ")",
                     b->role, b->name, b->size, b->hash, a->size, a->hash);
            return -1;
        }
    }
    return 0;
}

void machine_file_free(struct saved_machine *m) {
    for (int i = 0; m->argv && i < m->argc; i++) free(m->argv[i]);
    free(m->argv);
    free(m->state);
    memset(m, 0, sizeof(*m));
}
