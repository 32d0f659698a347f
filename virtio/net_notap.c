/* net_notap.c - netdev_tap_open where there is no /dev/net/tun: it says so. */
#include "virtio/netdev.h"
#include <stdio.h>

struct netdev *netdev_tap_open(const char *arg, uint8_t mac[6], int *has_mac, char *err,
                               size_t errlen) {
    (void)arg;
    (void)mac;
    *has_mac = 0;
    snprintf(err, errlen, "TAP networking is only for Linux hosts; --net=user works here");
    return NULL;
}
