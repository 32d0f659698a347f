/* truncate.h - cut an open file back to a length (truncate_posix.c: the platform's part). */
#ifndef LGSIM_TRACE_TRUNCATE_H
#define LGSIM_TRACE_TRUNCATE_H
#include <stdint.h>
#include <stdio.h>
int ftruncate_file(FILE *f, uint64_t len);   /* 0, or -1 */
#endif
