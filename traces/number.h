/* number.h - numbers from command lines, scripts and packets: digits in range, or refused. */
#ifndef LGSIM_NUMBER_H
#define LGSIM_NUMBER_H
#include <stdint.h>

/*
 * strtoul() reads "-1" as ULONG_MAX, skips leading spaces, and saturates on overflow; a user's
 * "--max-time=-1" then becomes 584 years.  These read only digits (base 10 or 16; base 0: a
 * "0x" prefix means hex, anything else is decimal, never octal), with no sign or space, and
 * refuse a value outside min..max, an overflow and an empty string.  0, or -1 when refused.
 */
int number_parse(const char *s, int base, uint64_t min, uint64_t max, uint64_t *out);
/* The same for digits followed by a suffix the caller reads: *end points past the digits. */
int number_prefix(const char *s, int base, uint64_t min, uint64_t max, uint64_t *out,
                  const char **end);
/* A decimal real ("2", "0.5", "1e3"): starts with a digit, finite, in min..max; *end points
 * past it (NULL end: nothing may follow). */
int number_parse_real(const char *s, double min, double max, double *out, const char **end);
#endif
