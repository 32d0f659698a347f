/* filter.h - which records a command looks at: kind, vector, hypercall, time, round trip. */
#ifndef LGSIM_TRACE_FILTER_H
#define LGSIM_TRACE_FILTER_H
#include <stdint.h>
#include "traces/format.h"

struct trace_filter {
    uint32_t kinds;              /* bit k: kind k wanted; 0: every kind */
    int64_t vector;              /* -1: any; else to_host/reflect records with this vector */
    int64_t hcall;               /* -1: any; else hcall records with this number */
    uint64_t from_ns, to_ns;     /* virtual time range, inclusive */
    int64_t rt;                  /* -1: any; else records of this round trip */
};

void trace_filter_init(struct trace_filter *f);
/* Take argument a if it is a filter option: 1 taken, 0 not a filter, -1 bad (message printed). */
int trace_filter_arg(struct trace_filter *f, const char *a);
int trace_filter_match(const struct trace_filter *f, const struct trace_rec *r);
/* "12.5ms", "300us", "40ns", "2s"; a bare number is milliseconds.  -1 when malformed. */
int trace_parse_time(const char *s, uint64_t *ns);
/* The help text for the filter options. */
extern const char trace_filter_help[];
#endif
