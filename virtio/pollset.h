/* pollset.h - what lgsim waits on at once while the Guest is halted: stdin, sockets, a TAP. */
#ifndef LGSIM_POLLSET_H
#define LGSIM_POLLSET_H
#include <stdint.h>

/* The same bits as libslirp's SLIRP_POLL_*, so a backend passes them through. */
enum { PS_IN = 1, PS_OUT = 2, PS_PRI = 4, PS_ERR = 8, PS_HUP = 16 };
#define POLLSET_MAX 512

/*
 * An entry's fd is what the backend has: a descriptor on POSIX (poll()), a SOCKET on Windows,
 * which is pointer-wide there (libslirp 4.9 hands it over whole; before, cut to an int):
 * intptr_t holds either.  Stdin has its own call because it is no socket on Windows: a
 * console, a pipe or a file, each waited on in its own way (pollset_posix.c, pollset_win32.c).
 */
struct pollset {
    struct { intptr_t fd; short events, revents; } e[POLLSET_MAX];
    int n;
};

static inline void pollset_clear(struct pollset *ps) { ps->n = 0; }
/* The entry's index (for pollset_revents), or -1 when the set is full. */
int pollset_add(struct pollset *ps, intptr_t fd, int events);
/* Standard input, readable: the entry's index, or -1 when the set is full. */
int pollset_add_stdin(struct pollset *ps);
int pollset_revents(const struct pollset *ps, int idx);
/* Wait for any entry, at most timeout_ms (-1: without end).  Returns how many are ready, 0 on
 * timeout or a signal (on Windows also after a while: see pollset_win32.c), -1 on an error.
 * The caller waits again if it wants to. */
int pollset_wait(struct pollset *ps, int timeout_ms);
#endif
