/* cputime_win32.c - cputime.h on Windows: GetProcessTimes (clock() there counts wall time). */
#include "ui/cputime.h"
#include <windows.h>

static long long hundred_ns(FILETIME t) {
    return (long long)(((unsigned long long)t.dwHighDateTime << 32) | t.dwLowDateTime);
}

long long cpu_time_us(void) {
    FILETIME created, exited, kernel, user;
    if (!GetProcessTimes(GetCurrentProcess(), &created, &exited, &kernel, &user)) return 0;
    return (hundred_ns(kernel) + hundred_ns(user)) / 10;
}
