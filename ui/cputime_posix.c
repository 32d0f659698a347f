/* cputime_posix.c - cputime.h with ISO C's clock(), the process's CPU time on POSIX. */
#include "ui/cputime.h"
#include <time.h>

long long cpu_time_us(void) {
    return (long long)((double)clock() * 1e6 / CLOCKS_PER_SEC);
}
