/* pollset_posix.c - pollset.h with poll(). */
#define _POSIX_C_SOURCE 200809L
#include "virtio/pollset.h"
#include <errno.h>
#include <poll.h>
#include <unistd.h>

int pollset_add(struct pollset *ps, intptr_t fd, int events) {
    if (ps->n == POLLSET_MAX) return -1;
    ps->e[ps->n].fd = fd;
    ps->e[ps->n].events = (short)events;
    ps->e[ps->n].revents = 0;
    return ps->n++;
}

int pollset_add_stdin(struct pollset *ps) { return pollset_add(ps, STDIN_FILENO, PS_IN); }

int pollset_revents(const struct pollset *ps, int idx) {
    return idx >= 0 && idx < ps->n ? ps->e[idx].revents : 0;
}

static short to_poll(int ev) {
    return (short)((ev & PS_IN ? POLLIN : 0) | (ev & PS_OUT ? POLLOUT : 0) |
                   (ev & PS_PRI ? POLLPRI : 0));
}

static short from_poll(short re) {
    return (short)((re & POLLIN ? PS_IN : 0) | (re & POLLOUT ? PS_OUT : 0) |
                   (re & POLLPRI ? PS_PRI : 0) | (re & (POLLERR | POLLNVAL) ? PS_ERR : 0) |
                   (re & POLLHUP ? PS_HUP : 0));
}

int pollset_wait(struct pollset *ps, int timeout_ms) {
    struct pollfd p[POLLSET_MAX];
    for (int i = 0; i < ps->n; i++)
        p[i] = (struct pollfd){ .fd = (int)ps->e[i].fd, .events = to_poll(ps->e[i].events) };
    int r = poll(p, (nfds_t)ps->n, timeout_ms);
    for (int i = 0; i < ps->n; i++) ps->e[i].revents = r > 0 ? from_poll(p[i].revents) : 0;
    if (r < 0) return errno == EINTR ? 0 : -1;
    return r;
}
