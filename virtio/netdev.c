/* netdev.c - what every backend shares: MAC addresses, and frames that come without a header. */
#include "virtio/netdev.h"
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int netdev_parse_mac(const char *s, uint8_t mac[6]) {
    unsigned v[6];
    char end;
    /* %2x alone would take a sign or a space ("-1" is 0xff): hex digits and colons only. */
    if (strspn(s, "0123456789abcdefABCDEF:") != strlen(s)) return -1;
    if (sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%c", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5],
               &end) != 6)
        return -1;
    for (int i = 0; i < 6; i++) mac[i] = (uint8_t)v[i];
    return 0;
}

int netdev_args_mac(int tap, const char *arg, uint8_t mac[6], int *has_mac) {
    static const uint8_t qemu_mac[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };
    if (tap) {
        const char *colon = strchr(arg + (strncmp(arg, "bridge:", 7) ? 0 : 7), ':');
        *has_mac = colon != NULL;
        return colon ? netdev_parse_mac(colon + 1, mac) : 0;
    }
    *has_mac = 1;
    memcpy(mac, qemu_mac, 6);
    for (const char *o = arg; *o;) {   /* comma-separated; the last mac= counts */
        size_t n = strcspn(o, ",");
        char one[64];
        if (!strncmp(o, "mac=", 4) && n < sizeof(one)) {
            snprintf(one, sizeof(one), "%.*s", (int)(n - 4), o + 4);
            if (netdev_parse_mac(one, mac)) return -1;
        }
        o += n + (o[n] == ',');
    }
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

void netdev_say(struct netdev *nd, const char *fmt, ...) {
    char line[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    if (nd->say) nd->say(nd->say_ctx, line);
    else fprintf(stderr, "lgsim: %s\n", line);
}
