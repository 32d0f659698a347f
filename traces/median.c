/* median.c - exact two-pass median selection by the high, then the low 16 bits of each value. */
#include "traces/median.h"
#include <stdlib.h>
#include <string.h>

int median_init(struct median *m) {
    memset(m, 0, sizeof(*m));
    m->pass = 1;
    m->min = UINT32_MAX;
    m->high = calloc(MEDIAN_BUCKETS, sizeof(uint64_t));
    m->low[0] = calloc(MEDIAN_BUCKETS, sizeof(uint64_t));
    m->low[1] = calloc(MEDIAN_BUCKETS, sizeof(uint64_t));
    if (m->high && m->low[0] && m->low[1]) return 0;
    median_free(m);
    return -1;
}

void median_free(struct median *m) {
    free(m->high);
    free(m->low[0]);
    free(m->low[1]);
    m->high = m->low[0] = m->low[1] = NULL;
}

void median_add(struct median *m, uint32_t v) {
    if (m->pass == 1) {
        m->n++;
        if (v < m->min) m->min = v;
        if (v > m->max) m->max = v;
        m->high[v >> 16]++;
        return;
    }
    m->n2++;
    for (int i = 0; i < 2; i++)
        if (v >> 16 == m->bucket[i]) {
            m->low[i][v & 0xFFFF]++;
            m->in_bucket[i]++;
        }
}

/* Which counted slot holds the value of 0-based rank 'rank'; the rank within it goes to *in. */
static uint32_t slot_of_rank(const uint64_t *counts, uint64_t rank, uint64_t *in) {
    uint32_t s = 0;
    while (rank >= counts[s]) rank -= counts[s++];
    *in = rank;
    return s;
}

int median_start_pass2(struct median *m) {
    m->pass = 2;
    if (!m->n) return 0;
    /* The lower and upper middle ranks: equal when n is odd. */
    uint64_t ranks[2] = { (m->n - 1) / 2, m->n / 2 };
    for (int i = 0; i < 2; i++) m->bucket[i] = slot_of_rank(m->high, ranks[i], &m->rank_in[i]);
    return 1;
}

int median_twice(const struct median *m, uint64_t *twice) {
    *twice = 0;
    if (!m->n) return 0;
    if (m->pass != 2 || m->n2 != m->n) return -1;
    for (int i = 0; i < 2; i++) {
        /* The rank search below relies on the bucket holding what pass 1 counted. */
        if (m->in_bucket[i] != m->high[m->bucket[i]]) return -1;
        uint64_t unused;
        uint32_t lo = slot_of_rank(m->low[i], m->rank_in[i], &unused);
        *twice += (uint64_t)m->bucket[i] << 16 | lo;
    }
    return 0;
}
