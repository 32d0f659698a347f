/* pollset.h - a set of descriptors to wait on at once (stdin, sockets, a TAP device). */
#ifndef LGSIM_POLLSET_H
#define LGSIM_POLLSET_H

/* The same bits as libslirp's SLIRP_POLL_*, so a backend passes them through. */
enum { PS_IN = 1, PS_OUT = 2, PS_PRI = 4, PS_ERR = 8, PS_HUP = 16 };
#define POLLSET_MAX 512

struct pollset {
    struct { int fd; short events, revents; } e[POLLSET_MAX];
    int n;
};

static inline void pollset_clear(struct pollset *ps) { ps->n = 0; }
/* The entry's index (for pollset_revents), or -1 when the set is full. */
int pollset_add(struct pollset *ps, int fd, int events);
int pollset_revents(const struct pollset *ps, int idx);
/* Wait for any entry, at most timeout_ms (-1: without end).  Returns how many are ready, 0 on
 * timeout or a signal, -1 on an error. */
int pollset_wait(struct pollset *ps, int timeout_ms);
#endif
