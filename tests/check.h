/* check.h - the tiny assertion harness every lgsim test program uses. */
#ifndef LGSIM_CHECK_H
#define LGSIM_CHECK_H
#include <stdio.h>
#include <stdint.h>
#include <string.h>

static int check_passed, check_failed;
static const char *check_current = "";

#define CHECK(cond) do { \
    if (cond) check_passed++; \
    else { check_failed++; \
      fprintf(stderr, "FAIL %s: %s:%d: %s\n", check_current, __FILE__, __LINE__, #cond); } \
  } while (0)

#define CHECK_EQ(a, b) do { \
    unsigned long long check_a_ = (unsigned long long)(a), check_b_ = (unsigned long long)(b); \
    if (check_a_ == check_b_) check_passed++; \
    else { check_failed++; \
      fprintf(stderr, "FAIL %s: %s:%d: %s == %s: 0x%llx != 0x%llx\n", check_current, \
              __FILE__, __LINE__, #a, #b, check_a_, check_b_); } \
  } while (0)

#define CHECK_STR_CONTAINS(hay, needle) do { \
    const char *check_h_ = (hay); \
    if (check_h_ && strstr(check_h_, (needle))) check_passed++; \
    else { check_failed++; \
      fprintf(stderr, "FAIL %s: %s:%d: \"%s\" does not contain \"%s\"\n", check_current, \
              __FILE__, __LINE__, check_h_ ? check_h_ : "(null)", (needle)); } \
  } while (0)

/* Run one named case. */
#define RUN(fn) do { check_current = #fn; fn(); } while (0)

/* The closing line ("N passed, N failed") that CI reads; exit status follows it. */
static inline int check_report(const char *suite) {
  printf("%s: %d passed, %d failed\n", suite, check_passed, check_failed);
  return check_failed ? 1 : 0;
}
#endif
