/* json.h - the little JSON that export writes: strings, microsecond times, record fields. */
#ifndef LGSIM_TRACE_JSON_H
#define LGSIM_TRACE_JSON_H
#include <stdint.h>
#include <stdio.h>
#include "traces/format.h"

/* A JSON string literal, quotes included; control and non-ASCII bytes become \u00XX. */
void json_string(FILE *f, const char *s, size_t len);
void json_cstring(FILE *f, const char *s);
/* Virtual nanoseconds as microseconds, exactly: 1234567 ns -> 1234.567 */
void json_us(FILE *f, uint64_t ns);
/* "record":N, "rt":N and every field of r by name, without the braces.  Addresses and
 * entries are "0x..." strings, counts and times numbers, enumerations their names. */
void json_record_fields(FILE *f, const struct trace_rec *r);
#endif
