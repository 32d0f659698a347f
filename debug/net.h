/* net.h - the few socket calls the GDB stub needs, behind one small interface per platform. */
#ifndef LGSIM_DEBUG_NET_H
#define LGSIM_DEBUG_NET_H
#include <stddef.h>

/* Listen on 127.0.0.1 only (never every interface); port 0 lets the system pick one.  Returns
 * the listening handle, or -1 with the reason in err; *bound is the port really used. */
int net_listen(int port, int *bound, char *err, size_t errlen);
/* A waiting connection, or -1 when there is none (never blocks). */
int net_accept(int listener);
/* Wait up to timeout_ms (-1: forever) for a or b (-1: unused) to be readable: 1 when a is,
 * 2 when b is, 0 on timeout. */
int net_wait(int a, int b, int timeout_ms);
/* Read what is there, at most len bytes: >0 bytes, 0 when the peer closed, -1 on error. */
int net_read(int conn, void *buf, size_t len);
/* Write all of buf; -1 when the peer is gone. */
int net_write(int conn, const void *buf, size_t len);
void net_close(int handle);

/*
 * The watcher: a thread that, while the CPU runs, waits for a debugger to connect or to send
 * something (Ctrl-C), and then calls notify() once.  The CPU thread alone reads and writes the
 * connection; it stops the watcher before it does.
 */
struct net_watcher;
struct net_watcher *net_watch_start(void (*notify)(void *ctx), void *ctx);
void net_watch_arm(struct net_watcher *w, int listener, int conn);   /* the CPU runs */
void net_watch_disarm(struct net_watcher *w);                        /* waits until idle */
void net_watch_stop(struct net_watcher *w);
#endif
