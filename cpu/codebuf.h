/* codebuf.h - the host memory Unicorn writes translated code into, made safe where it is not. */
#ifndef LGSIM_CPU_CODEBUF_H
#define LGSIM_CPU_CODEBUF_H
#include <stddef.h>

/* Called before an engine of translation buffer size `size` bytes is opened (idempotent).
 * Nothing on POSIX, where the buffer is mapped whole; see codebuf_win32.c for Windows. */
void codebuf_prepare(size_t size);
#endif
