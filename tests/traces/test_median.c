/* test_median.c - the two-pass median against sorting, on sizes and spreads that stress it. */
#include "tests/check.h"
#include "traces/median.h"

#include <stdlib.h>

static int by_value(const void *a, const void *b) {
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

/* Both passes over v; twice the median, or UINT64_MAX when the module refused. */
static uint64_t two_pass(const uint32_t *v, size_t n, struct median *m) {
    uint64_t twice;
    if (median_init(m)) return UINT64_MAX;
    for (size_t i = 0; i < n; i++) median_add(m, v[i]);
    median_start_pass2(m);
    for (size_t i = n; i-- > 0;) median_add(m, v[i]);      /* order does not matter */
    int rc = median_twice(m, &twice);
    return rc ? UINT64_MAX : twice;
}

/* The sorted answer: the two middle values added (one twice when n is odd). */
static uint64_t sorted_twice(const uint32_t *v, size_t n) {
    uint32_t *s = malloc(n * sizeof(*s));
    memcpy(s, v, n * sizeof(*s));
    qsort(s, n, sizeof(*s), by_value);
    uint64_t t = (uint64_t)s[(n - 1) / 2] + s[n / 2];
    free(s);
    return t;
}

static void agrees_with_sorting(const uint32_t *v, size_t n) {
    struct median m;
    CHECK_EQ(two_pass(v, n, &m), sorted_twice(v, n));
    uint32_t lo = UINT32_MAX, hi = 0;
    for (size_t i = 0; i < n; i++) {
        lo = v[i] < lo ? v[i] : lo;
        hi = v[i] > hi ? v[i] : hi;
    }
    CHECK_EQ(m.min, lo);
    CHECK_EQ(m.max, hi);
    CHECK_EQ(m.n, n);
    median_free(&m);
}

static void small_sets_and_edges(void) {
    const uint32_t one[] = { 7 };
    const uint32_t two_buckets[] = { 5, 0x30000 };                  /* answer 98306.5 */
    const uint32_t extremes[] = { 0, UINT32_MAX };
    const uint32_t same_bucket_even[] = { 0x10005, 0x10001, 0x10009, 0x10003 };
    const uint32_t repeats[] = { 3, 3, 3, 1, 9 };
    agrees_with_sorting(one, 1);
    agrees_with_sorting(two_buckets, 2);
    agrees_with_sorting(extremes, 2);
    agrees_with_sorting(same_bucket_even, 4);
    agrees_with_sorting(repeats, 5);
    struct median m;
    CHECK_EQ(two_pass(two_buckets, 2, &m), 5 + 0x30000);
    median_free(&m);
}

static uint32_t lcg(uint32_t *s) { return *s = *s * 1664525u + 1013904223u; }

static void random_spreads(void) {
    enum { N = 20001 };
    static uint32_t v[N];
    uint32_t s = 1;
    for (size_t i = 0; i < N; i++) v[i] = lcg(&s);                  /* the whole range */
    agrees_with_sorting(v, N);
    agrees_with_sorting(v, N - 1);
    for (size_t i = 0; i < N; i++) v[i] = 170 + lcg(&s) % 40;       /* like round-trip times */
    agrees_with_sorting(v, N);
    agrees_with_sorting(v, 1000);
    for (size_t i = 0; i < N; i++) v[i] = i % 2 ? lcg(&s) % 100 : 0xFFFF0000u + lcg(&s) % 100;
    agrees_with_sorting(v, N - 1);                                  /* the middle straddles */
}

static void no_values_need_no_second_pass(void) {
    struct median m;
    uint64_t twice = 1;
    CHECK(median_init(&m) == 0);
    CHECK_EQ(median_start_pass2(&m), 0);
    CHECK_EQ(median_twice(&m, &twice), 0);
    CHECK_EQ(twice, 0);
    median_free(&m);
}

static void different_values_in_pass_2_are_noticed(void) {
    struct median m;
    uint64_t twice;
    CHECK(median_init(&m) == 0);
    median_add(&m, 10);
    median_add(&m, 20);
    median_add(&m, 30);
    median_start_pass2(&m);
    median_add(&m, 10);
    median_add(&m, 20);
    median_add(&m, 0x50000);                 /* same count, another value */
    CHECK_EQ(median_twice(&m, &twice), -1);
    median_free(&m);
    CHECK(median_init(&m) == 0);
    median_add(&m, 10);
    median_start_pass2(&m);
    CHECK_EQ(median_twice(&m, &twice), -1);  /* pass 2 saw nothing */
    median_free(&m);
}

int main(void) {
    RUN(small_sets_and_edges);
    RUN(random_spreads);
    RUN(no_values_need_no_second_pass);
    RUN(different_values_in_pass_2_are_noticed);
    return check_report("median");
}
