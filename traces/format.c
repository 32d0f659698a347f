/* format.c - the record schema (kinds, fields, value names) and one-line formatting. */
#include "traces/format.h"
#include "traces/names.h"
#include "abi/lguest.h"
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

struct kind_schema {
    const char *name;
    const char *fields[TRACE_FIELDS];
    int text;
};

static const struct kind_schema schema[TK_KINDS] = {
    [TK_TO_GUEST] = { "to_guest", { "eip", "cs", "cpl", "pgdir", "shadow", "switcher_ns" } },
    [TK_TO_HOST]  = { "to_host", { "vector", "err", "eip", "cs", "cpl", "pgdir", "shadow",
                                   "switcher_ns", "cr2", "esp" } },
    [TK_HCALL]    = { "hcall", { "nr", "arg1", "arg2", "arg3", "arg4", "async", "outcome" } },
    [TK_REFLECT]  = { "reflect", { "vector", "err", "eip", "cs", "handler", "esp" } },
    [TK_IRQ]      = { "irq", { "irq", "action", "eip" } },
    [TK_PF]       = { "pf", { "cr2", "err", "eip", "outcome" } },
    [TK_SPTE]     = { "spte", { "vaddr", "spte", "slot", "cause" } },
    [TK_FLUSH]    = { "flush", { "what", "gpgdir", "slot" } },
    [TK_LAUNCHER] = { "launcher", { "what", "addr", "size", "value", "eip" } },
    [TK_CONSOLE]  = { "console", { NULL }, 1 },
    [TK_DEATH]    = { "death", { "exit_code" }, 1 },
    [TK_HALT]     = { "halt", { "idle_ns" } },
    [TK_RETRY]    = { "retry", { "eip" } },
    [TK_RT_END]   = { "rt_end", { "outcome", "steps", "duration_ns", "eip", "cr2" } },
    [TK_CONSOLE_IN] = { "console_in", { NULL }, 1 },
    [TK_NET_IN]   = { "net_in", { "irq", "offset", "len" }, 1 },
    [TK_RESTART]  = { "restart", { "boot" }, 1 },
};

const char *trace_kind_name(unsigned kind) {
    return kind > TK_NONE && kind < TK_KINDS ? schema[kind].name : NULL;
}

int trace_kind_from_name(const char *name) {
    for (unsigned k = 1; k < TK_KINDS; k++)
        if (!strcmp(schema[k].name, name)) return (int)k;
    return -1;
}

unsigned trace_kind_fields(unsigned kind) {
    unsigned n = 0;
    if (kind > TK_NONE && kind < TK_KINDS)
        while (n < TRACE_FIELDS && schema[kind].fields[n]) n++;
    return n;
}

int trace_kind_has_text(unsigned kind) {
    return kind > TK_NONE && kind < TK_KINDS && schema[kind].text;
}

const char *trace_field_name(unsigned kind, unsigned field) {
    return field < trace_kind_fields(kind) ? schema[kind].fields[field] : NULL;
}

int trace_field_from_name(unsigned kind, const char *name) {
    for (unsigned i = 0; i < trace_kind_fields(kind); i++)
        if (!strcmp(schema[kind].fields[i], name)) return (int)i;
    return -1;
}

static const char *pick(const char *const *names, size_t n, uint32_t v) {
    return v < n ? names[v] : NULL;
}
#define PICK(a, v) pick(a, sizeof(a) / sizeof(a[0]), v)

const char *trace_value_name(unsigned kind, unsigned field, uint32_t v) {
    static const char *hc[] = { "done", "killed", "postponed" };
    static const char *irq[] = { "raised", "masked", "deferred", "delivered", "woke" };
    static const char *pf[] = { "fixed", "reflected", "device", "killed" };
    static const char *spte[] = { "demand", "set_pte" };
    static const char *flush[] = { "user", "all", "new_pgtable", "set_pgd" };
    static const char *ln[] = { "port_in", "port_out", "cli", "mmio", "reinject", "failed",
                                "mmio_read", "mmio_write", "notify", "used", "device_irq",
                                "block", "input_eof", "net_tx" };
    static const char *rt[] = { "ok", "abandoned", "unfinished" };
    switch (kind) {
    case TK_HCALL:    return field == HC_OUTCOME ? PICK(hc, v) : NULL;
    case TK_IRQ:      return field == IQ_ACTION ? PICK(irq, v) : NULL;
    case TK_PF:       return field == PF_OUTCOME ? PICK(pf, v) : NULL;
    case TK_SPTE:     return field == SP_CAUSE ? PICK(spte, v) : NULL;
    case TK_FLUSH:    return field == FL_WHAT ? PICK(flush, v) : NULL;
    case TK_LAUNCHER: return field == LN_WHAT ? PICK(ln, v) : NULL;
    case TK_RT_END:   return field == RE_OUTCOME ? PICK(rt, v) : NULL;
    }
    return NULL;
}

/* Linux 4.4's hypercalls by number (abi/lguest.h has the numbers; SET_PMD only exists in a
 * PAE Host, but a Guest can still ask for it and the trace should say what it asked). */
static const char *const hcall_names[] = {
    [LHCALL_FLUSH_ASYNC] = "FLUSH_ASYNC", [LHCALL_LGUEST_INIT] = "LGUEST_INIT",
    [LHCALL_SHUTDOWN] = "SHUTDOWN", [LHCALL_NEW_PGTABLE] = "NEW_PGTABLE",
    [LHCALL_FLUSH_TLB] = "FLUSH_TLB", [LHCALL_LOAD_IDT_ENTRY] = "LOAD_IDT_ENTRY",
    [LHCALL_SET_STACK] = "SET_STACK", [LHCALL_TS] = "TS",
    [LHCALL_SET_CLOCKEVENT] = "SET_CLOCKEVENT", [LHCALL_HALT] = "HALT",
    [LHCALL_SET_PMD] = "SET_PMD", [LHCALL_SET_PTE] = "SET_PTE", [LHCALL_SET_PGD] = "SET_PGD",
    [LHCALL_LOAD_TLS] = "LOAD_TLS", [LHCALL_LOAD_GDT_ENTRY] = "LOAD_GDT_ENTRY",
    [LHCALL_SEND_INTERRUPTS] = "SEND_INTERRUPTS",
};

const char *trace_hcall_name(uint32_t nr) {
    return PICK(hcall_names, nr);
}

int trace_hcall_from_name(const char *name) {
    if (!strncasecmp(name, "LHCALL_", 7)) name += 7;
    for (unsigned i = 0; i < sizeof(hcall_names) / sizeof(hcall_names[0]); i++)
        if (hcall_names[i] && !strcasecmp(hcall_names[i], name)) return (int)i;
    return -1;
}

const char *trace_vector_name(uint32_t vector) {
    static const char *exc[] = { "#DE", "#DB", "NMI", "#BP", "#OF", "#BR", "#UD", "#NM", "#DF",
                                 NULL, "#TS", "#NP", "#SS", "#GP", "#PF", NULL, "#MF", "#AC",
                                 "#MC", "#XM" };
    if (vector == 0x1F) return "hypercall";
    if (vector == 0x80) return "syscall";
    if (vector == 0xEF) return "timer";
    if (vector == 256) return "none";
    return PICK(exc, vector);
}

/* --- one line per record --- */

struct line { char *p; size_t left; int n; };

static void put(struct line *l, const char *fmt, ...)
    __attribute__((format(LGSIM_PRINTF_FORMAT, 2, 3)));
static void put(struct line *l, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(l->p, l->left, fmt, ap);
    va_end(ap);
    if (n < 0) return;
    l->n += n;
    size_t used = (size_t)n < l->left ? (size_t)n : (l->left ? l->left - 1 : 0);
    l->p += used;
    l->left -= used;
}

static void put_text(struct line *l, const struct trace_rec *r) {
    put(l, " \"");
    for (uint32_t i = 0; i < r->text_len; i++) {
        unsigned char c = (unsigned char)r->text[i];
        if (c == '\n') put(l, "\\n");
        else if (c == '"' || c == '\\') put(l, "\\%c", c);
        else if (c < 0x20 || c >= 0x7F) put(l, "\\x%02x", c);
        else put(l, "%c", c);
    }
    put(l, "\"");
}

/* Fields a reader wants in hex (addresses, entries, selectors, error codes). */
static int hex_field(unsigned kind, unsigned f) {
    const char *n = trace_field_name(kind, f);
    static const char *dec[] = { "cpl", "switcher_ns", "async", "irq", "slot", "size",
                                 "idle_ns", "steps", "duration_ns", "exit_code", "nr",
                                 "offset", "len" };
    for (unsigned i = 0; i < sizeof(dec) / sizeof(dec[0]); i++)
        if (!strcmp(n, dec[i])) return 0;
    return 1;
}

void trace_format_field(unsigned kind, unsigned field, uint32_t v, char *buf, size_t len) {
    const char *fname = trace_field_name(kind, field), *vname;
    if (!fname) snprintf(buf, len, "%#x", v);
    else if ((vname = trace_value_name(kind, field, v))) snprintf(buf, len, "%s", vname);
    else if (kind == TK_HCALL && field == HC_NR && trace_hcall_name(v))
        snprintf(buf, len, "%u(%s)", v, trace_hcall_name(v));
    else if (!strcmp(fname, "vector") && trace_vector_name(v))
        snprintf(buf, len, "%#x(%s)", v, trace_vector_name(v));
    else if (hex_field(kind, field)) snprintf(buf, len, "%#x", v);
    else snprintf(buf, len, "%u", v);
}

int trace_field_is_code(unsigned kind, unsigned field) {
    const char *n = trace_field_name(kind, field);
    return n && (!strcmp(n, "eip") || !strcmp(n, "handler"));
}

const char *trace_name_tag(const struct trace_namer *n, uint32_t addr, char *buf, size_t len) {
    uint32_t off = 0;
    const char *name = n && n->name ? n->name(n->ctx, addr, &off) : NULL;
    if (!name) snprintf(buf, len, "%s", "");
    else if (off) snprintf(buf, len, " <%s+%#x>", name, off);
    else snprintf(buf, len, " <%s>", name);
    return buf;
}

int trace_format(const struct trace_rec *r, char *buf, size_t len) {
    return trace_format_named(r, NULL, buf, len);
}

int trace_format_named(const struct trace_rec *r, const struct trace_namer *names, char *buf,
                       size_t len) {
    struct line l = { buf, len, 0 };
    if (len) buf[0] = 0;
    put(&l, "t=%" PRIu64 ".%06" PRIu64 "ms", r->t / 1000000, r->t % 1000000);
    if (r->rt) put(&l, " rt=%u", r->rt);
    const char *kn = trace_kind_name(r->kind);
    put(&l, " %s", kn ? kn : "?");
    unsigned n = trace_kind_fields(r->kind);
    for (unsigned i = 0; i < n && i < r->nfields; i++) {
        char value[48];
        trace_format_field(r->kind, i, r->f[i], value, sizeof(value));
        char tag[160] = "";
        if (names && trace_field_is_code(r->kind, i))
            trace_name_tag(names, r->f[i], tag, sizeof(tag));
        put(&l, " %s=%s%s", trace_field_name(r->kind, i), value, tag);
    }
    if (trace_kind_has_text(r->kind)) put_text(&l, r);
    return l.n;
}

void trace_format_header(const struct trace_header *h, char *buf, size_t len) {
    struct line l = { buf, len, 0 };
    if (len) buf[0] = 0;
    put(&l, "lgsim trace v%u, written by lgsim %s; options: %s", h->version, h->lgsim_version,
        h->options[0] ? h->options : "(none)");
    for (unsigned i = 0; i < h->n_inputs; i++)
        put(&l, "; %s %s (%" PRIu64 " bytes, fnv64 %016" PRIx64 ")", h->inputs[i].role,
            h->inputs[i].name, h->inputs[i].size, h->inputs[i].hash);
}

static const struct trace_input *find_input(const struct trace_header *h, const char *role) {
    for (unsigned i = 0; i < h->n_inputs; i++)
        if (!strcmp(h->inputs[i].role, role)) return &h->inputs[i];
    return NULL;
}

/* What a diff should warn about: different inputs or options make different traces expected. */
const char *trace_header_differs(const struct trace_header *a, const struct trace_header *b,
                                 char *buf, size_t len) {
    static const char *roles[] = { "kernel", "initrd", "block" };
    for (unsigned i = 0; i < 3; i++) {
        const struct trace_input *x = find_input(a, roles[i]), *y = find_input(b, roles[i]);
        if (!x && !y) continue;
        if (!x || !y || x->size != y->size || x->hash != y->hash) {
            snprintf(buf, len, "the %s differs (%s vs %s)", roles[i], x ? x->name : "none",
                     y ? y->name : "none");
            return buf;
        }
    }
    if (strcmp(a->options, b->options)) {
        snprintf(buf, len, "the options differ (\"%s\" vs \"%s\")", a->options, b->options);
        return buf;
    }
    if (strcmp(a->lgsim_version, b->lgsim_version)) {
        snprintf(buf, len, "written by different lgsim versions (%s vs %s)", a->lgsim_version,
                 b->lgsim_version);
        return buf;
    }
    return NULL;
}

uint64_t trace_hash(const void *data, size_t len) {
    return trace_hash_more(TRACE_HASH_START, data, len);
}

uint64_t trace_hash_more(uint64_t h, const void *data, size_t len) {
    const uint8_t *p = data;
    for (size_t i = 0; i < len; i++) {
        h ^= p[i];
        h *= 0x100000001b3ull;
    }
    return h;
}

