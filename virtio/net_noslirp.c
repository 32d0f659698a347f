/* net_noslirp.c - netdev_slirp_open in a build without libslirp: it says so. */
#include "virtio/netdev.h"
#include <stdio.h>

struct netdev *netdev_slirp_open(const char *opts, uint8_t mac[6], char *err, size_t errlen) {
    (void)opts;
    (void)mac;
    snprintf(err, errlen, "this build of lgsim has no user-mode networking (libslirp was not "
             "found when it was built; see the README's set-up)");
    return NULL;
}
