/* cputime.h - the process's CPU time, of which the live window gives the machine the most. */
#ifndef LGSIM_UI_CPUTIME_H
#define LGSIM_UI_CPUTIME_H

/* The CPU time this process has used so far, all its threads, in microseconds
 * (cputime_posix.c: clock(); cputime_win32.c: GetProcessTimes, since Windows' clock() counts
 * wall time). */
long long cpu_time_us(void);
#endif
