/* net_tap_linux.c - 4.4's --tunnet: a TAP device from /dev/net/tun, routed or bridged (Linux). */
#define _GNU_SOURCE
#include "virtio/netdev.h"
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

/*
 * Linux 4.4 tools/lguest/lguest.c get_tun_device(), configure_device(), add_to_bridge():
 * a "tap%d" device with IFF_TAP|IFF_NO_PI|IFF_VNET_HDR, the offloads the Guest is offered
 * (CSUM, TSO4, TSO6, TSO_ECN) and a 12-byte virtio header, so frames cross unchanged both
 * ways.  Then either the host end gets the IP address and is brought up, or it is added to
 * the bridge.  All of it needs CAP_NET_ADMIN.  Unlike 4.4 the descriptor is non-blocking and
 * read only when the machine asks (poll), so frames reach the Guest at the points the device
 * defines.
 */
struct net_tap {
    struct netdev nd;
    int fd;
    char ifname[IFNAMSIZ];
    uint8_t buf[NET_FRAME_MAX];
};

static void tap_send(struct netdev *nd, const uint8_t *frame, uint32_t len) {
    struct net_tap *t = (struct net_tap *)nd;
    if (write(t->fd, frame, len) < 0)   /* 4.4 warns and goes on */
        netdev_say(nd, "Write to tun failed (%d)?", errno);
}

static uint64_t tap_prepare(struct netdev *nd, struct pollset *ps) {
    struct net_tap *t = (struct net_tap *)nd;
    pollset_add(ps, t->fd, PS_IN);
    nd->live = 1;
    return 0;
}

static void tap_poll(struct netdev *nd, struct pollset *ps) {
    struct net_tap *t = (struct net_tap *)nd;
    (void)ps;
    ssize_t n;
    while ((n = read(t->fd, t->buf, sizeof(t->buf))) >= NET_HDR_LEN)
        nd->receive(nd->ctx, t->buf, (uint32_t)n);
}

static void tap_close(struct netdev *nd) {
    struct net_tap *t = (struct net_tap *)nd;
    close(t->fd);
    free(t);
}

static const struct netdev_ops tap_ops = { .send = tap_send, .prepare = tap_prepare,
                                          .poll = tap_poll, .close = tap_close };

static int tap_fail(char *err, size_t errlen, const char *what) {
    snprintf(err, errlen, "%s: %s%s", what, strerror(errno),
             errno == EPERM ? " (a TAP device needs CAP_NET_ADMIN; --net=user does not)" : "");
    return -1;
}

static int get_tun_device(struct net_tap *t, char *err, size_t errlen) {
    struct ifreq ifr;
    int hdr = NET_HDR_LEN;
    memset(&ifr, 0, sizeof(ifr));
    if ((t->fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK)) < 0)
        return tap_fail(err, errlen, "cannot open /dev/net/tun");
    ifr.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR;
    strcpy(ifr.ifr_name, "tap%d");
    if (ioctl(t->fd, TUNSETIFF, &ifr) != 0)
        return tap_fail(err, errlen, "configuring /dev/net/tun");
    if (ioctl(t->fd, TUNSETOFFLOAD, TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6 | TUN_F_TSO_ECN))
        return tap_fail(err, errlen, "Could not set features for tun device");
    if (ioctl(t->fd, TUNSETVNETHDRSZ, &hdr) != 0)
        return tap_fail(err, errlen, "Setting tun header size");
    memcpy(t->ifname, ifr.ifr_name, IFNAMSIZ);
    return 0;
}

static int configure(int sock, const char *ifname, const char *ip, char *err, size_t errlen) {
    struct ifreq ifr;
    struct sockaddr_in sin = { .sin_family = AF_INET };
    memset(&ifr, 0, sizeof(ifr));
    snprintf(ifr.ifr_name, IFNAMSIZ, "%s", ifname);
    if (inet_pton(AF_INET, ip, &sin.sin_addr) != 1) {
        snprintf(err, errlen, "Failed to parse IP address '%s'", ip);
        return -1;
    }
    memcpy(&ifr.ifr_addr, &sin, sizeof(sin));
    if (ioctl(sock, SIOCSIFADDR, &ifr) != 0) return tap_fail(err, errlen, "Setting address");
    ifr.ifr_flags = IFF_UP;
    if (ioctl(sock, SIOCSIFFLAGS, &ifr) != 0) return tap_fail(err, errlen, "Bringing it up");
    return 0;
}

static int add_to_bridge(int sock, const char *ifname, const char *br, char *err,
                         size_t errlen) {
    struct ifreq ifr;
    memset(&ifr, 0, sizeof(ifr));
    if (!*br) {
        snprintf(err, errlen, "must specify bridge name");
        return -1;
    }
    snprintf(ifr.ifr_name, IFNAMSIZ, "%s", br);
    ifr.ifr_ifindex = (int)if_nametoindex(ifname);
    if (ioctl(sock, SIOCBRADDIF, &ifr) < 0) return tap_fail(err, errlen, "can't add to bridge");
    ifr.ifr_flags = IFF_UP;   /* 4.4 brings it up too (configure_device with INADDR_ANY) */
    snprintf(ifr.ifr_name, IFNAMSIZ, "%s", ifname);
    if (ioctl(sock, SIOCSIFFLAGS, &ifr) != 0) return tap_fail(err, errlen, "Bringing it up");
    return 0;
}

/* IP[:MAC] or bridge:NAME[:MAC]: the first ':' after the prefix starts the MAC, as 4.4. */
static int tap_setup(struct net_tap *t, char *arg, uint8_t mac[6], int *has_mac, char *err,
                     size_t errlen) {
    int bridging = !strncmp(arg, "bridge:", 7);
    if (bridging) arg += 7;
    char *colon = strchr(arg, ':');
    *has_mac = colon != NULL;
    if (colon) {
        *colon = 0;
        if (netdev_parse_mac(colon + 1, mac)) {
            snprintf(err, errlen, "Failed to parse mac address '%s'", colon + 1);
            return -1;
        }
    }
    if (get_tun_device(t, err, errlen)) return -1;
    int sock = socket(PF_INET, SOCK_DGRAM, IPPROTO_IP);
    if (sock < 0) return tap_fail(err, errlen, "opening IP socket");
    int r = bridging ? add_to_bridge(sock, t->ifname, arg, err, errlen) :
                       configure(sock, t->ifname, arg, err, errlen);
    close(sock);
    return r;
}

struct netdev *netdev_tap_open(const char *arg, uint8_t mac[6], int *has_mac, char *err,
                               size_t errlen) {
    struct net_tap *t = calloc(1, sizeof(*t));
    char *copy = strdup(arg);
    if (!t || !copy) {
        free(t);
        free(copy);
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    t->fd = -1;
    int r = tap_setup(t, copy, mac, has_mac, err, errlen);
    free(copy);
    if (r) {
        if (t->fd >= 0) close(t->fd);
        free(t);
        return NULL;
    }
    t->nd = (struct netdev){ .ops = &tap_ops, .name = t->ifname };
    return &t->nd;
}
