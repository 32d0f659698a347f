/* codebuf_posix.c - codebuf.h on POSIX: Unicorn maps the whole buffer at once, nothing to do. */
#include "cpu/codebuf.h"

void codebuf_prepare(size_t size) { (void)size; }
