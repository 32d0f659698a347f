/* net_posix.c - net.h on POSIX sockets and threads (net_win32.c is the Windows one). */
#define _POSIX_C_SOURCE 200809L
#include "debug/net.h"
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int net_listen(int port, int *bound, char *err, size_t errlen) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) {
        snprintf(err, errlen, "cannot create a socket: %s", strerror(errno));
        return -1;
    }
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);   /* localhost only */
    socklen_t alen = sizeof(a);
    if (bind(fd, (struct sockaddr *)&a, sizeof(a)) || listen(fd, 4) ||
        getsockname(fd, (struct sockaddr *)&a, &alen)) {
        snprintf(err, errlen, "cannot listen on 127.0.0.1:%d: %s", port, strerror(errno));
        close(fd);
        return -1;
    }
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
    *bound = ntohs(a.sin_port);
    /* A debugger that goes away must not kill lgsim with SIGPIPE. */
    signal(SIGPIPE, SIG_IGN);
    return fd;
}

int net_accept(int listener) {
    int fd = accept(listener, NULL, NULL);
    if (fd < 0) return -1;
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    return fd;
}

int net_wait(int a, int b, int timeout_ms) {
    struct pollfd p[2] = { { .fd = a, .events = POLLIN }, { .fd = b, .events = POLLIN } };
    for (;;) {
        int n = poll(p, b >= 0 ? 2 : 1, timeout_ms);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return 0;
        if (p[0].revents) return 1;
        return 2;
    }
}

int net_read(int conn, void *buf, size_t len) {
    for (;;) {
        ssize_t n = read(conn, buf, len);
        if (n < 0 && errno == EINTR) continue;
        return n < 0 ? -1 : (int)n;
    }
}

int net_write(int conn, const void *buf, size_t len) {
    const char *p = buf;
    while (len) {
        ssize_t n = write(conn, p, len);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return -1;
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

void net_close(int handle) {
    if (handle >= 0) close(handle);
}

/* --- the watcher thread --- */

struct net_watcher {
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    int armed, idle, quit;
    int listener, conn;
    int wake[2];                  /* a byte here ends the watcher's poll early */
    void (*notify)(void *ctx);
    void *ctx;
};

static void drain(int fd) {
    char buf[16];
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
    while (read(fd, buf, sizeof(buf)) > 0) {}
}

/* Wait while armed; tell the CPU thread once when something comes in. */
static void *watch(void *arg) {
    struct net_watcher *w = arg;
    pthread_mutex_lock(&w->lock);
    for (;;) {
        while (!w->armed && !w->quit) {
            w->idle = 1;
            pthread_cond_broadcast(&w->cond);
            pthread_cond_wait(&w->cond, &w->lock);
        }
        if (w->quit) break;
        w->idle = 0;
        struct pollfd p[3] = { { .fd = w->wake[0], .events = POLLIN },
                               { .fd = w->listener, .events = POLLIN },
                               { .fd = w->conn, .events = POLLIN } };
        pthread_mutex_unlock(&w->lock);
        int n = poll(p, 3, -1);
        pthread_mutex_lock(&w->lock);
        if (n > 0 && w->armed && (p[1].revents || p[2].revents)) {
            w->armed = 0;   /* once: the CPU thread takes over */
            w->notify(w->ctx);
        }
        drain(w->wake[0]);
    }
    w->idle = 1;
    pthread_cond_broadcast(&w->cond);
    pthread_mutex_unlock(&w->lock);
    return NULL;
}

struct net_watcher *net_watch_start(void (*notify)(void *ctx), void *ctx) {
    struct net_watcher *w = calloc(1, sizeof(*w));
    if (!w) return NULL;
    w->notify = notify;
    w->ctx = ctx;
    w->listener = w->conn = -1;
    pthread_mutex_init(&w->lock, NULL);
    pthread_cond_init(&w->cond, NULL);
    /* The stop signals go to the CPU thread, whose waits they end, never to this one. */
    sigset_t stop, was;
    sigemptyset(&stop);
    sigaddset(&stop, SIGINT);
    sigaddset(&stop, SIGTERM);
    sigaddset(&stop, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &stop, &was);
    int failed = pipe(w->wake) || pthread_create(&w->thread, NULL, watch, w);
    pthread_sigmask(SIG_SETMASK, &was, NULL);
    if (failed) {
        free(w);
        return NULL;
    }
    return w;
}

void net_watch_arm(struct net_watcher *w, int listener, int conn) {
    pthread_mutex_lock(&w->lock);
    w->listener = listener;
    w->conn = conn;
    w->armed = 1;
    pthread_cond_broadcast(&w->cond);
    pthread_mutex_unlock(&w->lock);
}

void net_watch_disarm(struct net_watcher *w) {
    pthread_mutex_lock(&w->lock);
    w->armed = 0;
    if (write(w->wake[1], "x", 1) < 0) {}
    while (!w->idle) pthread_cond_wait(&w->cond, &w->lock);
    pthread_mutex_unlock(&w->lock);
}

void net_watch_stop(struct net_watcher *w) {
    if (!w) return;
    pthread_mutex_lock(&w->lock);
    w->quit = 1;
    w->armed = 0;
    if (write(w->wake[1], "x", 1) < 0) {}
    pthread_cond_broadcast(&w->cond);
    pthread_mutex_unlock(&w->lock);
    pthread_join(w->thread, NULL);
    close(w->wake[0]);
    close(w->wake[1]);
    free(w);
}
