/* netdev.c - what every backend shares: MAC addresses, and frames that come without a header. */
#include "virtio/netdev.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int netdev_parse_mac(const char *s, uint8_t mac[6]) {
    unsigned v[6];
    char end;
    if (sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%c", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5],
               &end) != 6)
        return -1;
    for (int i = 0; i < 6; i++) mac[i] = (uint8_t)v[i];
    return 0;
}

void netdev_receive_plain(struct netdev *nd, const uint8_t *frame, uint32_t len) {
    static uint8_t buf[NET_FRAME_MAX];
    if (len > NET_FRAME_MAX - NET_HDR_LEN) return;
    memset(buf, 0, NET_HDR_LEN);
    buf[10] = 1;   /* num_buffers */
    memcpy(buf + NET_HDR_LEN, frame, len);
    nd->receive(nd->ctx, buf, len + NET_HDR_LEN);
}
