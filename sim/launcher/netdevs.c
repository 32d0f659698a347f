/* netdevs.c - the launcher's network devices: backends on the virtual clock, frames traced. */
#include "sim/launcher/launcher.h"
#include <stdio.h>

static uint64_t virtual_now(void *ctx) { return lguest_time(((struct launcher *)ctx)->lg); }
static void say(void *ctx, const char *line) { launcher_say(ctx, "lgsim: %s\n", line); }

void netdevs_attach(struct launcher *l, struct netdev *nd) {
    nd->clock_ns = virtual_now;
    nd->clock_ctx = l;
    nd->say = say;
    nd->say_ctx = l;
}

static int add_net(struct launcher *l, struct netdev *nd, const uint8_t *mac, char *err,
                   size_t errlen) {
    netdevs_attach(l, nd);
    struct virtio_net *n = &l->nets[l->n_nets];
    if (virtio_net_init(n, &l->pci, nd, mac)) {
        nd->ops->close(nd);
        snprintf(err, errlen, "too many PCI devices");
        return -1;
    }
    n->refeed = refeed_frames;   /* after going back, its frames come from the input log */
    n->refeed_ctx = l;
    l->n_nets++;
    return 0;
}

/* With --replay no backend is opened: the device is the same (its MAC from the option
 * text), its frames come from the trace. */
static int replayed(struct launcher *l, const struct launcher_device *dev, char *err,
                    size_t errlen) {
    uint8_t mac[6];
    int has_mac, tap = dev->kind == DEV_NET_TAP;
    const char *opt = tap ? "--tunnet" : "--net=user";
    if (netdev_args_mac(tap, dev->path, mac, &has_mac)) {
        snprintf(err, errlen, "%s: bad mac address in '%s'", opt, dev->path);
        return -1;
    }
    struct netdev *nd = replay_netdev(l, tap ? "tap (replayed)" : "user (replayed)");
    if (!nd) {
        snprintf(err, errlen, "%s: out of memory", opt);
        return -1;
    }
    return add_net(l, nd, has_mac ? mac : NULL, err, errlen);
}

/* --net=user[,...] (slirp) or --tunnet=... (TAP): the backend, then the device on it. */
int netdevs_add(struct launcher *l, const struct launcher_device *dev, char *err,
                size_t errlen) {
    uint8_t mac[6];
    int has_mac = 1;
    char why[240];
    if (l->replay) return replayed(l, dev, err, errlen);
    struct netdev *nd = dev->kind == DEV_NET_USER ?
        netdev_slirp_open(dev->path, mac, why, sizeof(why)) :
        netdev_tap_open(dev->path, mac, &has_mac, why, sizeof(why));
    if (!nd) {
        snprintf(err, errlen, "%s: %s", dev->kind == DEV_NET_USER ? "--net=user" : "--tunnet",
                 why);
        return -1;
    }
    /* 4.4's launcher names the TAP device nowhere; a user needs it to reach the guest */
    if (dev->kind == DEV_NET_TAP)
        launcher_say(l, "lgsim: --tunnet=%s: the guest's network is TAP device %s\n", dev->path,
                     nd->name);
    return add_net(l, nd, has_mac ? mac : NULL, err, errlen);
}

/* Before a wait: every backend's descriptors into ps; the earliest backend timer (0: none)
 * and whether the outside world can still send anything (*live). */
uint64_t netdevs_prepare(struct launcher *l, struct pollset *ps, int *live) {
    uint64_t due = 0;
    *live = 0;
    for (int i = 0; i < l->n_nets; i++) {
        struct netdev *nd = l->nets[i].nd;
        uint64_t t = nd->ops->prepare(nd, ps);
        if (t && (!due || t < due)) due = t;
        *live |= nd->live;
    }
    return due;
}

/* After it: what came in goes into the devices' queues, then into the Guest's buffers. */
int netdevs_poll(struct launcher *l, struct pollset *ps) {
    int given = 0;
    for (int i = 0; i < l->n_nets; i++) {
        struct netdev *nd = l->nets[i].nd;
        nd->ops->poll(nd, ps);
        given |= virtio_net_deliver(&l->nets[i]);
    }
    return given;
}

void netdevs_close(struct launcher *l) {
    for (int i = 0; i < l->n_nets; i++) virtio_net_close(&l->nets[i]);
    l->n_nets = 0;
}
