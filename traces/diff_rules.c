/* diff_rules.c - when two trace records count as the same, and how to say where they differ. */
#include "traces/diff.h"
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The bit that ignores 'name' in records of 'kind'; 0 when the kind has no such thing. */
static uint32_t ignore_bit(unsigned kind, const char *name) {
    if (!strcmp(name, "t")) return IGN_T;
    if (!strcmp(name, "rt")) return IGN_RT;
    if (!strcmp(name, "text")) return trace_kind_has_text(kind) ? IGN_TEXT : 0;
    int f = trace_field_from_name(kind, name);
    return f < 0 ? 0 : 1u << f;
}

static int ignore_one(struct diff_rules *r, const char *item, char *err, size_t errlen) {
    const char *dot = strchr(item, '.');
    if (dot) {
        char kname[32];
        snprintf(kname, sizeof(kname), "%.*s", (int)(dot - item), item);
        int k = trace_kind_from_name(kname);
        if (k < 0) return snprintf(err, errlen, "--ignore: unknown record kind '%s'", kname), -1;
        uint32_t bit = ignore_bit((unsigned)k, dot + 1);
        if (!bit) return snprintf(err, errlen, "--ignore: %s has no field '%s'", kname, dot + 1), -1;
        r->ignore[k] |= bit;
        return 0;
    }
    uint32_t any = 0;
    for (unsigned k = 1; k < TK_KINDS; k++) {
        uint32_t bit = ignore_bit(k, item);
        r->ignore[k] |= bit;
        any |= bit;
    }
    if (!any) return snprintf(err, errlen, "--ignore: no record kind has a field '%s'", item), -1;
    return 0;
}

int diff_rules_ignore(struct diff_rules *r, const char *list, char *err, size_t errlen) {
    char buf[512];
    snprintf(buf, sizeof(buf), "%s", list);
    for (char *item = buf, *comma; item; item = comma ? comma + 1 : NULL) {
        if ((comma = strchr(item, ','))) *comma = 0;
        if (*item && ignore_one(r, item, err, errlen)) return -1;
    }
    return 0;
}

void diff_rules_learn_rt(struct diff_rules *r, const struct trace_rec *a,
                         const struct trace_rec *b) {
    if (r->drt_known || !a->rt || !b->rt) return;
    r->drt = b->rt - a->rt;
    r->drt_known = 1;
}

static int time_differs(const struct diff_rules *r, uint32_t ign, const struct trace_rec *a,
                        const struct trace_rec *b) {
    return !(ign & IGN_T) && (int64_t)(b->t - a->t) != r->dt;
}

static int rt_differs(const struct diff_rules *r, uint32_t ign, const struct trace_rec *a,
                      const struct trace_rec *b) {
    if (ign & IGN_RT) return 0;
    if (!a->rt || !b->rt) return a->rt != b->rt;
    return r->drt_known && b->rt - a->rt != r->drt;
}

static int text_differs(uint32_t ign, const struct trace_rec *a, const struct trace_rec *b) {
    return !(ign & IGN_TEXT) &&
           (a->text_len != b->text_len || memcmp(a->text, b->text, a->text_len));
}

/* The reader zeroes the fields a kind lacks, so whole arrays compare when nothing is ignored. */
static int fields_differ(uint32_t ign, const struct trace_rec *a, const struct trace_rec *b) {
    uint32_t fields = ign & ((1u << TRACE_FIELDS) - 1);
    if (!fields) return memcmp(a->f, b->f, sizeof(a->f)) != 0;
    for (unsigned i = 0; i < TRACE_FIELDS; i++)
        if (!(fields >> i & 1) && a->f[i] != b->f[i]) return 1;
    return 0;
}

int diff_same(const struct diff_rules *r, const struct trace_rec *a, const struct trace_rec *b) {
    if (a->kind != b->kind) return 0;
    uint32_t ign = r->ignore[a->kind];
    return !time_differs(r, ign, a, b) && !rt_differs(r, ign, a, b) &&
           !fields_differ(ign, a, b) && !text_differs(ign, a, b);
}

int diff_alike(const struct diff_rules *r, const struct trace_rec *a, const struct trace_rec *b) {
    if (a->kind != b->kind) return 0;
    uint32_t ign = r->ignore[a->kind];
    if (!(ign & IGN_RT) && !a->rt != !b->rt) return 0;
    return !fields_differ(ign, a, b) && !text_differs(ign, a, b);
}

void diff_format_time(uint64_t ns, char *buf, size_t len) {
    snprintf(buf, len, "%" PRIu64 ".%06" PRIu64 "ms", ns / 1000000, ns % 1000000);
}

/* An escaped quotation of a record's text from byte 'from' on, cut short when long. */
static void quote_text(const struct trace_rec *r, uint32_t from, char *buf, size_t len) {
    size_t n = (size_t)snprintf(buf, len, "%s\"", from ? "..." : "");
    for (uint32_t i = from; i < r->text_len && n + 8 < len; i++) {
        unsigned char c = (unsigned char)r->text[i];
        if (i == from + 40) { n += (size_t)snprintf(buf + n, len - n, "..."); break; }
        if (c == '\n') n += (size_t)snprintf(buf + n, len - n, "\\n");
        else if (c < 0x20 || c >= 0x7F || c == '"') n += (size_t)snprintf(buf + n, len - n, "\\x%02x", c);
        else buf[n++] = (char)c;
    }
    snprintf(buf + n, len - n, "\"");
}

/* Where two texts start to differ, less a little lead-in so the quotation has context. */
static uint32_t text_quote_from(const struct trace_rec *a, const struct trace_rec *b) {
    uint32_t i = 0;
    while (i < a->text_len && i < b->text_len && a->text[i] == b->text[i]) i++;
    return i > 16 ? i - 16 : 0;
}

struct list { char *p; size_t left; int items; };

static void add(struct list *l, const char *name, const char *x, const char *y) {
    int n = snprintf(l->p, l->left, "%s%s %s vs %s", l->items++ ? ", " : "", name, x, y);
    if (n < 0 || (size_t)n >= l->left) n = l->left ? (int)l->left - 1 : 0;
    l->p += n;
    l->left -= (size_t)n;
}

void diff_describe(const struct diff_rules *r, const struct trace_rec *a,
                   const struct trace_rec *b, char *buf, size_t len) {
    struct list l = { buf, len, 0 };
    char x[128], y[128];
    uint32_t ign = r->ignore[a->kind];
    buf[0] = 0;
    for (unsigned i = 0; i < trace_kind_fields(a->kind); i++) {
        if (ign >> i & 1 || a->f[i] == b->f[i]) continue;
        trace_format_field(a->kind, i, a->f[i], x, sizeof(x));
        trace_format_field(a->kind, i, b->f[i], y, sizeof(y));
        add(&l, trace_field_name(a->kind, i), x, y);
    }
    if (text_differs(ign, a, b)) {
        uint32_t from = text_quote_from(a, b);
        quote_text(a, from, x, sizeof(x));
        quote_text(b, from, y, sizeof(y));
        add(&l, "text", x, y);
    }
    if (rt_differs(r, ign, a, b)) {
        snprintf(x, sizeof(x), "%u", a->rt);
        snprintf(y, sizeof(y), "%u", b->rt);
        add(&l, "rt", x, y);
    }
    if (time_differs(r, ign, a, b)) {
        diff_format_time(a->t, x, sizeof(x));
        diff_format_time(b->t, y, sizeof(y));
        add(&l, "t", x, y);
    }
}
