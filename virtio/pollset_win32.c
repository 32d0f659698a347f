/* pollset_win32.c - pollset.h on Windows: WSAPoll() for sockets, stdin by what it is. */
#include "virtio/pollset.h"
#include <winsock2.h>
#include <windows.h>

/* The stdin entry's fd: no SOCKET is (a handle is a multiple of 4, INVALID_SOCKET is -1). */
#define STDIN_ENTRY (-2)
/* While sockets and a console or pipe are both waited on, each is looked at this often:
 * Windows has no one call that waits on both. */
#define SLICE_MS 10
#define WAKE_MS 100

int pollset_add(struct pollset *ps, intptr_t fd, int events) {
    if (ps->n == POLLSET_MAX) return -1;
    ps->e[ps->n].fd = fd;
    ps->e[ps->n].events = (short)events;
    ps->e[ps->n].revents = 0;
    return ps->n++;
}

int pollset_add_stdin(struct pollset *ps) { return pollset_add(ps, STDIN_ENTRY, PS_IN); }

int pollset_revents(const struct pollset *ps, int idx) {
    return idx >= 0 && idx < ps->n ? ps->e[idx].revents : 0;
}

/* WSAPoll refuses POLLPRI: out-of-band data is its "band" data, part of POLLIN. */
static short to_poll(int ev) {
    return (short)((ev & (PS_IN | PS_PRI) ? POLLIN : 0) | (ev & PS_OUT ? POLLOUT : 0));
}

static short from_poll(short re) {
    return (short)((re & POLLRDNORM ? PS_IN : 0) | (re & POLLRDBAND ? PS_PRI : 0) |
                   (re & POLLOUT ? PS_OUT : 0) | (re & (POLLERR | POLLNVAL) ? PS_ERR : 0) |
                   (re & POLLHUP ? PS_HUP : 0));
}

/*
 * Is stdin readable now?  A console is when input events wait (term_read takes them all,
 * keys or not, so none is seen twice); a pipe when bytes wait or its writer is gone (then a
 * read says end of input); a file, or anything else, always is.
 */
static int stdin_ready(void) {
    HANDLE h = GetStdHandle(STD_INPUT_HANDLE);
    DWORD mode, avail;
    switch (GetFileType(h)) {
    case FILE_TYPE_CHAR:
        if (!GetConsoleMode(h, &mode)) return 1;   /* NUL and the like: end of input */
        return WaitForSingleObject(h, 0) == WAIT_OBJECT_0;
    case FILE_TYPE_PIPE:
        /* A pipe that cannot be peeked at (e.g. a socket) is read, blocking, as on POSIX. */
        if (!PeekNamedPipe(h, NULL, 0, NULL, &avail, NULL)) return 1;
        return avail > 0;
    default:
        return 1;
    }
}

/* Sockets for up to timeout_ms (with none, a sleep). */
static int wait_sockets(WSAPOLLFD *p, ULONG n, int timeout_ms) {
    if (n == 0) {
        if (timeout_ms > 0) Sleep((DWORD)timeout_ms);
        return 0;
    }
    int r = WSAPoll(p, n, timeout_ms);
    return r == SOCKET_ERROR ? -1 : r;
}

/* A Ctrl-C comes on a thread of its own (term_win32.c), not as a signal that cuts a wait
 * short: so a long wait returns after WAKE_MS, as a POSIX one does on a signal, and the
 * caller looks at its stop flag before it waits again. */
int pollset_wait(struct pollset *ps, int timeout_ms) {
    WSAPOLLFD p[POLLSET_MAX];
    int sock_of[POLLSET_MAX], stdin_idx = -1;
    ULONG n = 0;
    for (int i = 0; i < ps->n; i++) {
        ps->e[i].revents = 0;
        if (ps->e[i].fd == STDIN_ENTRY) { stdin_idx = i; continue; }
        p[n] = (WSAPOLLFD){ .fd = (SOCKET)(intptr_t)ps->e[i].fd,
                            .events = to_poll(ps->e[i].events) };
        sock_of[n++] = i;
    }
    int cap = timeout_ms < 0 || timeout_ms > WAKE_MS ? WAKE_MS : timeout_ms;
    DWORD start = GetTickCount();
    for (;;) {
        int in = stdin_idx >= 0 && stdin_ready();
        int left = cap - (int)(GetTickCount() - start);
        if (left < 0) left = 0;
        int slice = in ? 0 : stdin_idx >= 0 && left > SLICE_MS ? SLICE_MS : left;
        int r = wait_sockets(p, n, slice);
        if (r < 0) return -1;
        if (!in && stdin_idx >= 0) in = stdin_ready();
        if (r > 0 || in) {
            for (ULONG k = 0; k < n; k++) ps->e[sock_of[k]].revents = from_poll(p[k].revents);
            if (in) ps->e[stdin_idx].revents = PS_IN;
            return r + in;
        }
        if (slice == left) return 0;
    }
}
