/* net_win32.c - net.h on Winsock and Windows threads (beside net_posix.c). */
#include "debug/net.h"
#include <winsock2.h>
#include <ws2tcpip.h>
#include <windows.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * net.h's handles are int.  A SOCKET is a kernel handle, whose value Windows keeps below 2^24
 * (handles are small multiples of 4 in a per-process table), so it fits, as libslirp's own
 * Windows port assumes too.
 */
static SOCKET sock(int handle) { return (SOCKET)(intptr_t)handle; }
static int handle_of(SOCKET s) { return s == INVALID_SOCKET ? -1 : (int)(intptr_t)s; }

/* The words of the C library on POSIX for the reasons a listen fails, so that messages read
 * the same everywhere; Windows' own text for the rest. */
static const char *why(int e, char *buf, size_t len) {
    switch (e) {
    case WSAEADDRINUSE: return "Address already in use";
    case WSAEACCES: return "Permission denied";
    case WSAEADDRNOTAVAIL: return "Cannot assign requested address";
    default:
        if (!FormatMessageA(FORMAT_MESSAGE_FROM_SYSTEM | FORMAT_MESSAGE_IGNORE_INSERTS, NULL,
                            (DWORD)e, 0, buf, (DWORD)len, NULL))
            snprintf(buf, len, "Winsock error %d", e);
        for (size_t n = strlen(buf); n && (buf[n - 1] == '\n' || buf[n - 1] == '\r' ||
                                           buf[n - 1] == '.'); n--)
            buf[n - 1] = 0;
        return buf;
    }
}

static int winsock_up(void) {
    static int up;
    WSADATA w;
    if (!up && WSAStartup(MAKEWORD(2, 2), &w) == 0) up = 1;
    return up;
}

static void set_blocking(SOCKET s, int blocking) {
    u_long nb = !blocking;
    ioctlsocket(s, FIONBIO, &nb);
}

int net_listen(int port, int *bound, char *err, size_t errlen) {
    char text[160];
    if (!winsock_up()) {
        snprintf(err, errlen, "cannot start Winsock");
        return -1;
    }
    SOCKET s = socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
    if (s == INVALID_SOCKET) {
        snprintf(err, errlen, "cannot create a socket: %s",
                 why(WSAGetLastError(), text, sizeof(text)));
        return -1;
    }
    /* Windows' SO_REUSEADDR would let a second lgsim take the port from the first; what POSIX
     * means by it (rebinding over TIME_WAIT) is Windows' default. */
    BOOL one = TRUE;
    setsockopt(s, SOL_SOCKET, SO_EXCLUSIVEADDRUSE, (const char *)&one, sizeof(one));
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((u_short)port) };
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);   /* localhost only */
    int alen = sizeof(a);
    if (bind(s, (struct sockaddr *)&a, sizeof(a)) || listen(s, 4) ||
        getsockname(s, (struct sockaddr *)&a, &alen)) {
        snprintf(err, errlen, "cannot listen on 127.0.0.1:%d: %s", port,
                 why(WSAGetLastError(), text, sizeof(text)));
        closesocket(s);
        return -1;
    }
    set_blocking(s, 0);
    *bound = ntohs(a.sin_port);
    return handle_of(s);
}

int net_accept(int listener) {
    SOCKET s = accept(sock(listener), NULL, NULL);
    if (s == INVALID_SOCKET) return -1;
    set_blocking(s, 1);   /* Winsock gives it the listener's non-blocking mode */
    BOOL one = TRUE;
    setsockopt(s, IPPROTO_TCP, TCP_NODELAY, (const char *)&one, sizeof(one));
    return handle_of(s);
}

int net_wait(int a, int b, int timeout_ms) {
    WSAPOLLFD p[2] = { { .fd = sock(a), .events = POLLIN }, { .fd = sock(b), .events = POLLIN } };
    int n = WSAPoll(p, b >= 0 ? 2 : 1, timeout_ms);
    if (n <= 0) return 0;
    if (p[0].revents) return 1;
    return 2;
}

int net_read(int conn, void *buf, size_t len) {
    int n = recv(sock(conn), buf, len > INT_MAX ? INT_MAX : (int)len, 0);
    return n == SOCKET_ERROR ? -1 : n;
}

int net_write(int conn, const void *buf, size_t len) {
    const char *p = buf;
    while (len) {
        int n = send(sock(conn), p, len > INT_MAX ? INT_MAX : (int)len, 0);
        if (n <= 0) return -1;
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

void net_close(int handle) {
    if (handle >= 0) closesocket(sock(handle));
}

/* --- the watcher thread --- */

struct net_watcher {
    HANDLE thread;
    CRITICAL_SECTION lock;
    CONDITION_VARIABLE cond;
    int armed, idle, quit;
    int listener, conn;
    /* WSAPoll waits on sockets only: a datagram to this socket, from itself, ends the
     * watcher's wait early (what the pipe is on POSIX). */
    SOCKET wake;
    struct sockaddr_in wake_addr;
    void (*notify)(void *ctx);
    void *ctx;
};

static void wake_up(struct net_watcher *w) {
    sendto(w->wake, "x", 1, 0, (const struct sockaddr *)&w->wake_addr, sizeof(w->wake_addr));
}

static void drain(SOCKET s) {
    char buf[16];
    while (recv(s, buf, sizeof(buf), 0) > 0) {}
}

/* Wait while armed; tell the CPU thread once when something comes in. */
static DWORD WINAPI watch(void *arg) {
    struct net_watcher *w = arg;
    EnterCriticalSection(&w->lock);
    for (;;) {
        while (!w->armed && !w->quit) {
            w->idle = 1;
            WakeAllConditionVariable(&w->cond);
            SleepConditionVariableCS(&w->cond, &w->lock, INFINITE);
        }
        if (w->quit) break;
        w->idle = 0;
        WSAPOLLFD p[3] = { { .fd = w->wake, .events = POLLIN },
                           { .fd = sock(w->listener), .events = POLLIN },
                           { .fd = sock(w->conn), .events = POLLIN } };
        ULONG n = w->conn >= 0 ? 3 : w->listener >= 0 ? 2 : 1;
        LeaveCriticalSection(&w->lock);
        int r = WSAPoll(p, n, -1);
        EnterCriticalSection(&w->lock);
        if (r > 0 && w->armed && ((n > 1 && p[1].revents) || (n > 2 && p[2].revents))) {
            w->armed = 0;   /* once: the CPU thread takes over */
            w->notify(w->ctx);
        }
        drain(w->wake);
    }
    w->idle = 1;
    WakeAllConditionVariable(&w->cond);
    LeaveCriticalSection(&w->lock);
    return 0;
}

static int open_wake_socket(struct net_watcher *w) {
    w->wake = socket(AF_INET, SOCK_DGRAM, IPPROTO_UDP);
    if (w->wake == INVALID_SOCKET) return -1;
    struct sockaddr_in a = { .sin_family = AF_INET };
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int alen = sizeof(a);
    if (bind(w->wake, (struct sockaddr *)&a, sizeof(a)) ||
        getsockname(w->wake, (struct sockaddr *)&a, &alen)) {
        closesocket(w->wake);
        return -1;
    }
    w->wake_addr = a;
    set_blocking(w->wake, 0);
    return 0;
}

struct net_watcher *net_watch_start(void (*notify)(void *ctx), void *ctx) {
    struct net_watcher *w = calloc(1, sizeof(*w));
    if (!w || !winsock_up() || open_wake_socket(w)) {
        free(w);
        return NULL;
    }
    w->notify = notify;
    w->ctx = ctx;
    w->listener = w->conn = -1;
    InitializeCriticalSection(&w->lock);
    InitializeConditionVariable(&w->cond);
    if (!(w->thread = CreateThread(NULL, 0, watch, w, 0, NULL))) {
        closesocket(w->wake);
        DeleteCriticalSection(&w->lock);
        free(w);
        return NULL;
    }
    return w;
}

void net_watch_arm(struct net_watcher *w, int listener, int conn) {
    EnterCriticalSection(&w->lock);
    w->listener = listener;
    w->conn = conn;
    w->armed = 1;
    WakeAllConditionVariable(&w->cond);
    LeaveCriticalSection(&w->lock);
}

void net_watch_disarm(struct net_watcher *w) {
    EnterCriticalSection(&w->lock);
    w->armed = 0;
    wake_up(w);
    while (!w->idle) SleepConditionVariableCS(&w->cond, &w->lock, INFINITE);
    LeaveCriticalSection(&w->lock);
}

void net_watch_stop(struct net_watcher *w) {
    if (!w) return;
    EnterCriticalSection(&w->lock);
    w->quit = 1;
    w->armed = 0;
    wake_up(w);
    WakeAllConditionVariable(&w->cond);
    LeaveCriticalSection(&w->lock);
    WaitForSingleObject(w->thread, INFINITE);
    CloseHandle(w->thread);
    closesocket(w->wake);
    DeleteCriticalSection(&w->lock);
    free(w);
}
