/* json.c - JSON pieces for the trace export, escaped so that any record text stays valid. */
#include "traces/json.h"
#include <inttypes.h>
#include <string.h>

void json_string(FILE *f, const char *s, size_t len) {
    fputc('"', f);
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\') fprintf(f, "\\%c", c);
        else if (c == '\n') fputs("\\n", f);
        /* Bytes past ASCII are not promised to be UTF-8: name them, one by one. */
        else if (c < 0x20 || c >= 0x7F) fprintf(f, "\\u%04x", c);
        else fputc(c, f);
    }
    fputc('"', f);
}

void json_cstring(FILE *f, const char *s) {
    json_string(f, s, strlen(s));
}

void json_us(FILE *f, uint64_t ns) {
    fprintf(f, "%" PRIu64 ".%03u", ns / 1000, (unsigned)(ns % 1000));
}

/* Counts, sizes and times read best in decimal; everything else is an address or an entry. */
static int decimal_field(const char *name) {
    static const char *dec[] = { "cpl", "switcher_ns", "async", "irq", "slot", "size",
                                 "idle_ns", "steps", "duration_ns", "exit_code", "nr" };
    for (size_t i = 0; i < sizeof(dec) / sizeof(dec[0]); i++)
        if (!strcmp(name, dec[i])) return 1;
    return 0;
}

void json_record_fields(FILE *f, const struct trace_rec *r) {
    fprintf(f, "\"record\":%" PRIu64, r->index);
    if (r->rt) fprintf(f, ",\"rt\":%u", r->rt);
    for (unsigned i = 0; i < r->nfields && i < trace_kind_fields(r->kind); i++) {
        const char *name = trace_field_name(r->kind, i), *value = trace_value_name(r->kind, i,
                                                                                   r->f[i]);
        fprintf(f, ",\"%s\":", name);
        if (value) json_cstring(f, value);
        else if (decimal_field(name)) fprintf(f, "%u", r->f[i]);
        else fprintf(f, "\"%#x\"", r->f[i]);
    }
    if (r->kind == TK_HCALL && trace_hcall_name(r->f[HC_NR]))
        fprintf(f, ",\"hypercall\":\"%s\"", trace_hcall_name(r->f[HC_NR]));
    if ((r->kind == TK_TO_HOST || r->kind == TK_REFLECT) && trace_vector_name(r->f[0])) {
        fputs(",\"vector_name\":", f);
        json_cstring(f, trace_vector_name(r->f[0]));
    }
    if (trace_kind_has_text(r->kind)) {
        fputs(",\"text\":", f);
        json_string(f, r->text, r->text_len);
    }
}
