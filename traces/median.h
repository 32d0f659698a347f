/* median.h - the exact median of a stream of 32-bit values, in two passes and fixed memory. */
#ifndef LGSIM_TRACE_MEDIAN_H
#define LGSIM_TRACE_MEDIAN_H
#include <stdint.h>

/*
 * A trace can hold tens of millions of round trips, too many to keep, and any histogram or
 * sample would make the median approximate.  Instead: pass 1 counts values by their top 16
 * bits, which finds the bucket(s) the middle value(s) fall in; pass 2 counts the low 16 bits
 * of the values in those buckets only, which pins the middle values down exactly.  Memory is
 * three tables of 65536 counts whatever the number of values.
 *
 *     median_add(m, v) for every value;  median_start_pass2(m);
 *     median_add(m, v) again for the same values in any order;  median_twice(m, &x)
 */
#define MEDIAN_BUCKETS 65536

struct median {
    int pass;                        /* 1 or 2 */
    uint64_t n, n2;                  /* values seen in pass 1 and pass 2 */
    uint32_t min, max;
    uint64_t *high;                  /* pass 1: counts by v >> 16 */
    uint64_t *low[2];                /* pass 2: counts by v & 0xffff in the middle buckets */
    uint32_t bucket[2];              /* the buckets of the lower and upper middle value */
    uint64_t rank_in[2];             /* their 0-based ranks within those buckets */
    uint64_t in_bucket[2];           /* pass 2: values seen in each middle bucket */
};

/* 0, or -1 when out of memory. */
int median_init(struct median *m);
void median_free(struct median *m);
void median_add(struct median *m, uint32_t v);
/* Whether a second pass is needed at all (not when there were no values). */
int median_start_pass2(struct median *m);
/* The sum of the two middle values (twice the median; one value counted twice when n is odd).
 * 0, or -1 when pass 2 did not see the same values as pass 1 (the file changed). */
int median_twice(const struct median *m, uint64_t *twice);
#endif
