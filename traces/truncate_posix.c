/* truncate_posix.c - truncate.h on POSIX: ftruncate() on the stream's descriptor. */
#define _POSIX_C_SOURCE 200809L
#include "traces/truncate.h"
#include <sys/types.h>
#include <unistd.h>

int ftruncate_file(FILE *f, uint64_t len) {
    return ftruncate(fileno(f), (off_t)len) == 0 ? 0 : -1;
}
