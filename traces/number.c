/* number.c - strict numbers: what number.h promises, without strtoul's quiet wrap-arounds. */
#include "traces/number.h"
#include <math.h>
#include <stdlib.h>

static int digit_value(char c, int base) {
    if (c >= '0' && c <= '9') return c - '0';
    if (base == 16 && c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (base == 16 && c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

int number_prefix(const char *s, int base, uint64_t min, uint64_t max, uint64_t *out,
                  const char **end) {
    if (base == 0) {
        base = 10;
        if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
            base = 16;
            s += 2;
        }
    }
    uint64_t v = 0;
    int n = 0, d;
    for (; (d = digit_value(*s, base)) >= 0; s++, n++) {
        if (v > (UINT64_MAX - (uint64_t)d) / (uint64_t)base) return -1;   /* overflow */
        v = v * (uint64_t)base + (uint64_t)d;
    }
    if (!n || v < min || v > max) return -1;
    *out = v;
    *end = s;
    return 0;
}

int number_parse(const char *s, int base, uint64_t min, uint64_t max, uint64_t *out) {
    const char *end;
    uint64_t v;
    if (number_prefix(s, base, min, max, &v, &end) || *end) return -1;
    *out = v;
    return 0;
}

int number_parse_real(const char *s, double min, double max, double *out, const char **end) {
    /* A digit first: no sign, space, "nan", "inf" or hex float gets to strtod. */
    if (!(s[0] >= '0' && s[0] <= '9') || (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')))
        return -1;
    char *e;
    double v = strtod(s, &e);
    if (!isfinite(v) || v < min || v > max || (!end && *e)) return -1;
    *out = v;
    if (end) *end = e;
    return 0;
}
