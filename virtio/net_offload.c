/* net_offload.c - checksums and TCP segmentation a Guest left to the device, done in software. */
#include "virtio/net_offload.h"
#include "virtio/netdev.h"
#include "mmu/phys.h"
#include <string.h>

/*
 * 4.4 offers CSUM and HOST_TSO4/TSO6 because its TAP device takes such frames as they are.  A
 * backend that wants finished frames (slirp checks every TCP checksum) gets them from here, so
 * the device offers the same features whatever is behind it.  Big-endian fields are network
 * order; the virtio header's are little-endian.
 */
#define ETH_P_IPV4 0x0800
#define ETH_P_IPV6 0x86DD
#define ETH_P_VLAN 0x8100
#define IPPROTO_TCP_ 6
#define TCP_FIN 0x01
#define TCP_PSH 0x08
#define TCP_CWR 0x80

static uint16_t be16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }
static uint32_t be32(const uint8_t *p) { return (uint32_t)be16(p) << 16 | be16(p + 2); }
static void put_be16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v; }
static void put_be32(uint8_t *p, uint32_t v) { put_be16(p, (uint16_t)(v >> 16)); put_be16(p + 2, (uint16_t)v); }

uint32_t net_csum_add(uint32_t sum, const uint8_t *p, uint32_t len) {
    for (uint32_t i = 0; i + 1 < len; i += 2) sum += be16(p + i);
    if (len & 1) sum += (uint32_t)p[len - 1] << 8;
    return sum;
}

uint16_t net_csum_fold(uint32_t sum) {
    while (sum >> 16) sum = (sum & 0xFFFF) + (sum >> 16);
    return (uint16_t)~sum;
}

/* Where the headers are in a TCP frame (after the virtio header). */
struct tcp_frame { uint32_t l3, l4, payload; int v6; };

static int parse_tcp(const uint8_t *f, uint32_t len, struct tcp_frame *t) {
    if (len < 14) return -1;
    uint32_t l3 = 14;
    uint16_t type = be16(f + 12);
    if (type == ETH_P_VLAN && len >= 18) {
        type = be16(f + 16);
        l3 = 18;
    }
    t->l3 = l3;
    t->v6 = type == ETH_P_IPV6;
    if (type == ETH_P_IPV4) {
        if (len < l3 + 20 || (f[l3] >> 4) != 4 || f[l3 + 9] != IPPROTO_TCP_) return -1;
        t->l4 = l3 + (f[l3] & 15) * 4u;
    } else if (t->v6) {
        if (len < l3 + 40 || f[l3 + 6] != IPPROTO_TCP_) return -1;   /* no extension headers */
        t->l4 = l3 + 40;
    } else {
        return -1;
    }
    if (t->l4 < l3 + 20 || len < t->l4 + 20) return -1;
    t->payload = t->l4 + (f[t->l4 + 12] >> 4) * 4u;
    return t->payload < t->l4 + 20 || t->payload > len ? -1 : 0;
}

/* The IP header's lengths and checksum, and the TCP checksum over the pseudo-header. */
static void finish_tcp(uint8_t *f, uint32_t len, const struct tcp_frame *t) {
    uint32_t tcp_len = len - t->l4, sum;
    if (t->v6) {
        put_be16(f + t->l3 + 4, (uint16_t)tcp_len);
        sum = net_csum_add(0, f + t->l3 + 8, 32);
    } else {
        uint32_t ihl = t->l4 - t->l3;
        put_be16(f + t->l3 + 2, (uint16_t)(len - t->l3));
        put_be16(f + t->l3 + 10, 0);
        put_be16(f + t->l3 + 10, net_csum_fold(net_csum_add(0, f + t->l3, ihl)));
        sum = net_csum_add(0, f + t->l3 + 12, 8);
    }
    sum += IPPROTO_TCP_ + tcp_len;
    put_be16(f + t->l4 + 16, 0);
    put_be16(f + t->l4 + 16, net_csum_fold(net_csum_add(sum, f + t->l4, tcp_len)));
}

/* One gso_size segment after another, each with the first frame's headers made its own. */
static int segment(const uint8_t *f, uint32_t len, uint32_t mss,
                   void (*emit)(void *, const uint8_t *, uint32_t), void *ctx) {
    static uint8_t seg[NET_FRAME_MAX];
    struct tcp_frame t;
    if (mss == 0 || parse_tcp(f, len, &t)) return -1;
    uint32_t data = len - t.payload, seq = be32(f + t.l4 + 4), n = 0;
    uint16_t id = t.v6 ? 0 : be16(f + t.l3 + 4);
    uint8_t flags = f[t.l4 + 13];
    for (uint32_t at = 0; at < data || (data == 0 && n == 0); at += mss, n++) {
        uint32_t chunk = data - at < mss ? data - at : mss;
        memcpy(seg, f, t.payload);
        memcpy(seg + t.payload, f + t.payload + at, chunk);
        put_be32(seg + t.l4 + 4, seq + at);
        if (!t.v6) put_be16(seg + t.l3 + 4, (uint16_t)(id + n));
        seg[t.l4 + 13] = (uint8_t)(flags & ~(at + chunk < data ? TCP_FIN | TCP_PSH : 0) &
                                   ~(n ? TCP_CWR : 0));
        finish_tcp(seg, t.payload + chunk, &t);
        emit(ctx, seg, t.payload + chunk);
    }
    return (int)n;
}

int net_offload(const uint8_t *frame, uint32_t len,
                void (*emit)(void *ctx, const uint8_t *frame, uint32_t len), void *ctx) {
    static uint8_t copy[NET_FRAME_MAX];
    if (len < NET_HDR_LEN || len > NET_FRAME_MAX) return -1;
    const uint8_t *h = frame, *f = frame + NET_HDR_LEN;
    uint32_t flen = len - NET_HDR_LEN;
    uint8_t gso = h[1] & (uint8_t)~NET_GSO_ECN;
    if (gso == NET_GSO_TCPV4 || gso == NET_GSO_TCPV6)
        return segment(f, flen, le16(h + 4), emit, ctx);
    if (gso != NET_GSO_NONE) return -1;   /* UFO is not offered */
    if (!(h[0] & NET_HDR_F_NEEDS_CSUM)) {
        emit(ctx, f, flen);
        return 1;
    }
    /* The Guest summed the pseudo-header into the field; the rest is the device's. */
    uint32_t start = le16(h + 6), at = start + le16(h + 8);
    if (start > flen || at + 2 > flen) return -1;
    memcpy(copy, f, flen);
    put_be16(copy + at, net_csum_fold(net_csum_add(0, copy + start, flen - start)));
    emit(ctx, copy, flen);
    return 1;
}
