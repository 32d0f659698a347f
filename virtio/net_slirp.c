/* net_slirp.c - user-mode networking through libslirp: NAT, DHCP and DNS on 10.0.2.0/24. */
#include "virtio/netdev.h"
#include "virtio/net_offload.h"
#include <libslirp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * QEMU's "-netdev user" network: the Guest is 10.0.2.15 (DHCP hands it out), the gateway
 * 10.0.2.2 is the host (its 127.0.0.1 too), DNS is 10.0.2.3.  libslirp is a library without
 * threads: it runs only when lgsim calls it - slirp_input() for each frame the Guest sends,
 * slirp_pollfds_fill()/slirp_pollfds_poll() around the machine's wait while the Guest is
 * halted - and its clock is lgsim's virtual clock, so its TCP timers (and any timer it asks
 * for) keep the Guest's time, not the host's.
 */
#define SLIRP_TIMERS_MAX 8

/* libslirp 4.9 hands sockets over at their own width (a Windows SOCKET is pointer-wide) and
 * calls the int-only ways deprecated; earlier releases have only those.  The config's newer
 * fields (versions 2 to 6) are all left zero: the same network as version 1's. */
#if SLIRP_CHECK_VERSION(4, 9, 0)
typedef slirp_os_socket slirp_sock;
#define SLIRP_CFG_VERSION 6
#define SLIRP_POLLFDS_FILL slirp_pollfds_fill_socket
#else
typedef int slirp_sock;
#define SLIRP_CFG_VERSION 1
#define SLIRP_POLLFDS_FILL slirp_pollfds_fill
#endif

struct slirp_timer {
    SlirpTimerCb cb;
    void *opaque;
    int64_t expire_ms;   /* virtual; -1: not armed */
    int used;
};

struct net_slirp {
    struct netdev nd;
    Slirp *slirp;
    struct pollset *ps;          /* the set prepare fills (slirp's add_poll callback) */
    uint32_t timeout_ms;         /* what slirp_pollfds_fill asked for */
    struct slirp_timer timers[SLIRP_TIMERS_MAX];
};

/* (slirp_new may ask before the machine has set the clock: time 0.) */
static int64_t now_ns(struct net_slirp *s) {
    return s->nd.clock_ns ? (int64_t)s->nd.clock_ns(s->nd.clock_ctx) : 0;
}
static int64_t now_ms(struct net_slirp *s) { return now_ns(s) / 1000000; }

/* --- libslirp's callbacks --- */

static ssize_t send_packet(const void *buf, size_t len, void *opaque) {
    struct net_slirp *s = opaque;
    netdev_receive_plain(&s->nd, buf, (uint32_t)len);
    return (ssize_t)len;
}

static void guest_error(const char *msg, void *opaque) {
    netdev_say(&((struct net_slirp *)opaque)->nd, "net user: %s", msg);
}

static int64_t clock_get_ns(void *opaque) {
    return now_ns(opaque);
}

static void *timer_new(SlirpTimerCb cb, void *cb_opaque, void *opaque) {
    struct net_slirp *s = opaque;
    for (int i = 0; i < SLIRP_TIMERS_MAX; i++) {
        if (s->timers[i].used) continue;
        s->timers[i] = (struct slirp_timer){ cb, cb_opaque, -1, 1 };
        return &s->timers[i];
    }
    netdev_say(&s->nd, "net user: out of timers");
    abort();   /* libslirp cannot take a NULL timer */
}

static void timer_free(void *timer, void *opaque) {
    (void)opaque;
    ((struct slirp_timer *)timer)->used = 0;
}

static void timer_mod(void *timer, int64_t expire_ms, void *opaque) {
    (void)opaque;
    ((struct slirp_timer *)timer)->expire_ms = expire_ms;
}

static void no_socket(slirp_sock fd, void *opaque) { (void)fd; (void)opaque; }
static void no_notify(void *opaque) { (void)opaque; }

static int add_poll(slirp_sock fd, int events, void *opaque) {
    struct net_slirp *s = opaque;
    return pollset_add(s->ps, (intptr_t)fd, events);
}

static int get_revents(int idx, void *opaque) {
    struct net_slirp *s = opaque;
    return pollset_revents(s->ps, idx);
}

/* --- the backend --- */

static void emit(void *ctx, const uint8_t *frame, uint32_t len) {
    struct net_slirp *s = ctx;
    slirp_input(s->slirp, frame, (int)len);
}

static void slirp_send(struct netdev *nd, const uint8_t *frame, uint32_t len) {
    net_offload(frame, len, emit, nd);   /* a frame that makes no sense is dropped */
}

/* The earliest armed timer, or the one slirp_pollfds_fill asked for, in virtual ns. */
static uint64_t next_timer_ns(struct net_slirp *s) {
    int64_t due = -1;
    for (int i = 0; i < SLIRP_TIMERS_MAX; i++)
        if (s->timers[i].used && s->timers[i].expire_ms >= 0 &&
            (due < 0 || s->timers[i].expire_ms < due))
            due = s->timers[i].expire_ms;
    if (s->timeout_ms != UINT32_MAX) {
        int64_t t = now_ms(s) + s->timeout_ms;
        if (due < 0 || t < due) due = t;
    }
    return due < 0 ? 0 : (uint64_t)due * 1000000 + 1;   /* +1: 0 means "none" */
}

static uint64_t slirp_prepare(struct netdev *nd, struct pollset *ps) {
    struct net_slirp *s = (struct net_slirp *)nd;
    int before = ps->n;
    s->ps = ps;
    s->timeout_ms = UINT32_MAX;
    SLIRP_POLLFDS_FILL(s->slirp, &s->timeout_ms, add_poll, s);
    nd->live = ps->n != before;   /* sockets or port forwards: the world may answer */
    return next_timer_ns(s);
}

static void slirp_poll(struct netdev *nd, struct pollset *ps) {
    struct net_slirp *s = (struct net_slirp *)nd;
    s->ps = ps;
    slirp_pollfds_poll(s->slirp, 0, get_revents, s);
    int64_t now = now_ms(s);
    for (int i = 0; i < SLIRP_TIMERS_MAX; i++) {
        struct slirp_timer *t = &s->timers[i];
        if (t->used && t->expire_ms >= 0 && t->expire_ms <= now) {
            t->expire_ms = -1;
            t->cb(t->opaque);
        }
    }
}

static void slirp_close(struct netdev *nd) {
    struct net_slirp *s = (struct net_slirp *)nd;
    slirp_cleanup(s->slirp);
    free(s);
}

static const struct netdev_ops slirp_ops = { .send = slirp_send, .prepare = slirp_prepare,
                                            .poll = slirp_poll, .close = slirp_close };

/* hostfwd=[tcp|udp]:[HOSTADDR]:HOSTPORT-[GUESTADDR]:GUESTPORT, QEMU's syntax. */
/* sscanf's %u also takes a sign, spaces and digits that overflow: a port is 1 to 5 digits
 * after its ':', ended by the one '-' or the end. */
static int plain_ports(const char *spec) {
    if (strspn(spec, "0123456789.:-") != strlen(spec) || strchr(spec, '-') != strrchr(spec, '-'))
        return 0;
    for (const char *p = strchr(spec, ':'); p; p = strchr(p + 1, ':')) {
        size_t digits = strspn(p + 1, "0123456789");
        if (digits < 1 || digits > 5 || (p[1 + digits] && p[1 + digits] != '-')) return 0;
    }
    return 1;
}

static int add_hostfwd(Slirp *slirp, const char *spec, char *err, size_t errlen) {
    char proto[4] = "tcp", haddr[64] = "", gaddr[64] = "";
    unsigned hport, gport;
    int n = 0;
    if (!strncmp(spec, "tcp:", 4) || !strncmp(spec, "udp:", 4)) {
        memcpy(proto, spec, 3);
        spec += 4;
    }
    if (sscanf(spec, "%63[0-9.]:%u-%63[0-9.]:%u%n", haddr, &hport, gaddr, &gport, &n) < 4 &&
        sscanf(spec, ":%u-%63[0-9.]:%u%n", &hport, gaddr, &gport, &n) < 3 &&
        sscanf(spec, "%63[0-9.]:%u-:%u%n", haddr, &hport, &gport, &n) < 3 &&
        sscanf(spec, ":%u-:%u%n", &hport, &gport, &n) < 2) n = 0;
    struct in_addr h = { .s_addr = INADDR_ANY }, g;
    inet_pton(AF_INET, "10.0.2.15", &g);
    if (!n || spec[n] || !plain_ports(spec) || hport > 65535 || gport > 65535 || !gport ||
        (*haddr && inet_pton(AF_INET, haddr, &h) != 1) ||
        (*gaddr && inet_pton(AF_INET, gaddr, &g) != 1)) {
        snprintf(err, errlen, "bad hostfwd '%s' (want [tcp|udp]:[HOSTADDR]:HOSTPORT-"
                 "[GUESTADDR]:GUESTPORT)", spec);
        return -1;
    }
    if (slirp_add_hostfwd(slirp, proto[0] == 'u', h, (int)hport, g, (int)gport) < 0) {
        snprintf(err, errlen, "cannot forward host port %u (in use?)", hport);
        return -1;
    }
    return 0;
}

static Slirp *new_slirp(struct net_slirp *s) {
    static const SlirpCb cb = {
        .send_packet = send_packet, .guest_error = guest_error, .clock_get_ns = clock_get_ns,
        .timer_new = timer_new, .timer_free = timer_free, .timer_mod = timer_mod,
#if SLIRP_CFG_VERSION >= 6
        .register_poll_socket = no_socket, .unregister_poll_socket = no_socket,
#else
        .register_poll_fd = no_socket, .unregister_poll_fd = no_socket,
#endif
        .notify = no_notify };
    SlirpConfig cfg = { .version = SLIRP_CFG_VERSION, .in_enabled = true };
    inet_pton(AF_INET, "10.0.2.0", &cfg.vnetwork);
    inet_pton(AF_INET, "255.255.255.0", &cfg.vnetmask);
    inet_pton(AF_INET, "10.0.2.2", &cfg.vhost);
    inet_pton(AF_INET, "10.0.2.15", &cfg.vdhcp_start);
    inet_pton(AF_INET, "10.0.2.3", &cfg.vnameserver);
    cfg.vhostname = "lgsim";
    return slirp_new(&cfg, &cb, s);
}

/* One option of --net=user,...: hostfwd= (repeatable) or mac=. */
static int slirp_option(struct net_slirp *s, const char *o, uint8_t mac[6], char *err,
                        size_t errlen) {
    if (!strncmp(o, "hostfwd=", 8)) return add_hostfwd(s->slirp, o + 8, err, errlen);
    if (!strncmp(o, "mac=", 4) && !netdev_parse_mac(o + 4, mac)) return 0;
    snprintf(err, errlen, "unknown or bad option '%s' (user takes hostfwd=... and mac=...)", o);
    return -1;
}

struct netdev *netdev_slirp_open(const char *opts, uint8_t mac[6], char *err, size_t errlen) {
    static const uint8_t qemu_mac[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };
    struct net_slirp *s = calloc(1, sizeof(*s));
    if (!s || !(s->slirp = new_slirp(s))) {
        snprintf(err, errlen, "cannot start user-mode networking");
        free(s);
        return NULL;
    }
    s->nd = (struct netdev){ .ops = &slirp_ops, .name = "user" };
    memcpy(mac, qemu_mac, 6);
    for (const char *o = opts ? opts : ""; *o;) {   /* comma-separated options */
        char one[256];
        size_t n = strcspn(o, ",");
        snprintf(one, sizeof(one), "%.*s", (int)n, o);
        if (n >= sizeof(one) || slirp_option(s, one, mac, err, errlen)) {
            if (n >= sizeof(one)) snprintf(err, errlen, "option too long");
            slirp_close(&s->nd);
            return NULL;
        }
        o += n + (o[n] == ',');
    }
    return &s->nd;
}
