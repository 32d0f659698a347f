/* hostile_trace.c - well-formed traces full of values no lgsim would write, for lgsim ui. */
#include "tests/traces/samples.h"

/*
 * usage: hostile_trace WILD.trc BAD_RT.trc
 * WILD: 20000 records of every kind with fields drawn at random (small numbers, edges, any
 * 32 bits), times that go back and jump to the top of the range, round trips that end
 * without starting, overlap and nest, text with every byte.  The window must show it all
 * without a crash (tests/ui runs a long random session on it).
 * BAD_RT: a record that belongs to a round trip too big to have begun; lgsim ui refuses it.
 */
static uint32_t rng = 12345;

static uint32_t next(void) {
    rng ^= rng << 13;
    rng ^= rng >> 17;
    rng ^= rng << 5;
    return rng;
}

static uint32_t value(void) {
    static const uint32_t edges[] = { 0, 1, 3, 13, 14, 31, 255, 256, 1023, 1024, 0x80000000u,
                                      0xbffffffcu, 0xc0000000u, 0xffc00000u, 0xfffff000u,
                                      0xffffffffu };
    uint32_t r = next();
    if (r % 3 == 0) return edges[next() % (sizeof(edges) / sizeof(edges[0]))];
    if (r % 3 == 1) return next() % 32;
    return next();
}

static void fill(struct trace_rec *r, uint64_t i, uint64_t *t, uint32_t *rt) {
    memset(r, 0, sizeof(*r));
    r->kind = (uint8_t)(1 + next() % (TK_KINDS - 1));
    uint32_t step = next() % 100;
    if (step == 0) *t = 0xFFFFFFFFFFFFFFF0ull - (next() % 4096);   /* to the top of time */
    else if (step == 1 && *t > 5000) *t -= 5000;                    /* and back */
    else *t += next() % 300;
    r->t = *t;
    if (next() % 4 == 0 && *rt < i + 1) (*rt)++;
    r->rt = next() % 3 ? *rt : (uint32_t)(next() % (*rt + 1));
    r->nfields = (uint8_t)trace_kind_fields(r->kind);
    for (unsigned f = 0; f < r->nfields; f++) r->f[f] = value();
    if (trace_kind_has_text(r->kind)) {
        r->text_len = next() % (TRACE_TEXT_MAX + 1);
        for (uint32_t k = 0; k < r->text_len; k++) r->text[k] = (char)next();
    }
}

int main(int argc, char **argv) {
    enum { N = 20000 };
    if (argc != 3) return 2;
    struct trace_rec *recs = calloc(N, sizeof(*recs));
    if (!recs) return 2;
    uint64_t t = 0;
    uint32_t rt = 0;
    for (uint64_t i = 0; i < N; i++) fill(&recs[i], i, &t, &rt);
    if (sample_write(argv[1], recs, N)) return 2;
    recs[10].rt = 1000000;
    if (sample_write(argv[2], recs, 20)) return 2;
    free(recs);
    return 0;
}
