/* filter.c - the record filters that dump (and others) accept. */
#include "traces/filter.h"
#include "traces/number.h"
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char trace_filter_help[] =
"  --kind=K[,K...]   only these kinds (to_guest, to_host, hcall, reflect, irq, pf, spte,\n"
"                    flush, launcher, console, death, halt, retry, rt_end, console_in,\n"
"                    net_in, restart)\n"
"  --vector=N        only switches to the host and reflections with this vector (0xe, 14)\n"
"  --hcall=NAME|N    only this hypercall (SET_PTE, LHCALL_HALT, 14)\n"
"  --from=T --to=T   only virtual times T1..T2 (e.g. 12.5ms, 300us, 40ns, 2s; bare = ms)\n"
"  --rt=N            only the records of page-fault round trip N\n";

void trace_filter_init(struct trace_filter *f) {
    memset(f, 0, sizeof(*f));
    f->vector = f->hcall = f->rt = -1;
    f->to_ns = UINT64_MAX;
}

int trace_parse_time(const char *s, uint64_t *ns) {
    const char *end;
    double v;
    if (number_parse_real(s, 0, 1.8e19, &v, &end)) return -1;
    double scale = 1e6;
    if (!strcmp(end, "ns")) scale = 1;
    else if (!strcmp(end, "us")) scale = 1e3;
    else if (!strcmp(end, "ms") || !*end) scale = 1e6;
    else if (!strcmp(end, "s")) scale = 1e9;
    else return -1;
    double t = v * scale;
    if (t > 1.8e19) return -1;
    *ns = (uint64_t)(t + 0.5);
    return 0;
}

static int parse_u32(const char *s, uint64_t max, int64_t *out) {
    uint64_t v;
    if (number_parse(s, 0, 0, max, &v)) return -1;
    *out = (int64_t)v;
    return 0;
}

static int parse_kinds(struct trace_filter *f, const char *list) {
    char buf[256];
    snprintf(buf, sizeof(buf), "%s", list);
    for (char *tok = strtok(buf, ","); tok; tok = strtok(NULL, ",")) {
        int k = trace_kind_from_name(tok);
        if (k < 0) {
            fprintf(stderr, "lgsim trace: unknown record kind '%s'\n", tok);
            return -1;
        }
        f->kinds |= 1u << k;
    }
    return 0;
}

static int bad(const char *what, const char *v, const char *range) {
    fprintf(stderr, "lgsim trace: bad %s '%s': %s\n", what, v, range);
    return -1;
}

#define TIME_FORMS "e.g. 12.5ms, 300us, 40ns, 2s (bare: ms)"

int trace_filter_arg(struct trace_filter *f, const char *a) {
    if (!strncmp(a, "--kind=", 7)) return parse_kinds(f, a + 7) ? -1 : 1;
    if (!strncmp(a, "--vector=", 9))
        return parse_u32(a + 9, 255, &f->vector) ? bad("vector", a + 9, "0 to 255") : 1;
    if (!strncmp(a, "--rt=", 5))
        return parse_u32(a + 5, UINT32_MAX, &f->rt) ? bad("round trip", a + 5, "a number") : 1;
    if (!strncmp(a, "--hcall=", 8)) {
        int n = trace_hcall_from_name(a + 8);
        if (n >= 0) f->hcall = n;
        else if (parse_u32(a + 8, UINT32_MAX, &f->hcall))
            return bad("hypercall", a + 8, "a name or a number");
        return 1;
    }
    if (!strncmp(a, "--from=", 7))
        return trace_parse_time(a + 7, &f->from_ns) ? bad("time", a + 7, TIME_FORMS) : 1;
    if (!strncmp(a, "--to=", 5))
        return trace_parse_time(a + 5, &f->to_ns) ? bad("time", a + 5, TIME_FORMS) : 1;
    return 0;
}

int trace_filter_match(const struct trace_filter *f, const struct trace_rec *r) {
    if (f->kinds && !(f->kinds & (1u << r->kind))) return 0;
    if (r->t < f->from_ns || r->t > f->to_ns) return 0;
    if (f->rt >= 0 && r->rt != (uint32_t)f->rt) return 0;
    if (f->vector >= 0 &&
        !(r->kind == TK_TO_HOST && r->f[TH_VECTOR] == (uint32_t)f->vector) &&
        !(r->kind == TK_REFLECT && r->f[RF_VECTOR] == (uint32_t)f->vector))
        return 0;
    if (f->hcall >= 0 && !(r->kind == TK_HCALL && r->f[HC_NR] == (uint32_t)f->hcall)) return 0;
    return 1;
}
