/* stats.h - what "lgsim trace stats" counts (private to stats.c and stats_print.c). */
#ifndef LGSIM_TRACE_STATS_H
#define LGSIM_TRACE_STATS_H
#include <stdint.h>
#include "traces/format.h"
#include "traces/median.h"

#define STATS_HCALLS  64     /* hypercall numbers counted one by one; above: "other" */
#define STATS_VECTORS 257    /* trap numbers 0..255 and 256 ("none") */
#define STATS_VALUES  16     /* named values of an enumerated field; the last slot: other */

struct stats {
    const char *path;
    int filtered;                        /* filters were given */
    uint64_t records;                    /* in the file */
    uint64_t matched;                    /* that the filters let through (all counts below) */
    uint64_t first_t, last_t;
    uint64_t kinds[TK_KINDS];
    uint64_t hcall[STATS_HCALLS + 1][2]; /* [nr or STATS_HCALLS][0 trapping, 1 async] */
    uint64_t hcall_outcome[STATS_VALUES];
    uint64_t to_host[STATS_VECTORS + 1]; /* the last slot: vectors above 256 */
    uint64_t reflect[STATS_VECTORS + 1];
    uint64_t irq_action[STATS_VALUES];
    uint64_t pf_outcome[STATS_VALUES];
    uint64_t launcher[STATS_VALUES];
    uint64_t rt_outcome[STATS_VALUES];
    uint64_t last_rt_end;                /* index of the last counted rt_end record */
    struct median steps, duration;       /* of the counted rt_end records */
    uint64_t steps_twice, duration_twice;   /* twice the medians, after pass 2 */
};

void stats_print(const struct stats *s);
#endif
