/* test_net.c - virtio-net on fake guest RAM with a loopback backend; offloads; hostile chains. */
#include "tests/check.h"
#include "tests/virtio/harness.h"
#include "virtio/net.h"
#include "virtio/net_offload.h"

#define NET_FEATURES (1ull << 32 | 1u << 28 | 1u << 5 | 1u << 0)   /* VERSION_1, INDIRECT... */

static struct fake F;
static struct virtio_net net;
static struct ring rings[2];

/* The loopback backend: every frame the Guest sends comes straight back, and is counted. */
static unsigned sent;
static uint8_t last_sent[2048];
static uint32_t last_len;
static void loop_send(struct netdev *nd, const uint8_t *frame, uint32_t len) {
    sent++;
    last_len = len < sizeof(last_sent) ? len : sizeof(last_sent);
    memcpy(last_sent, frame, last_len);
    nd->receive(nd->ctx, frame, len);
}
static uint64_t loop_prepare(struct netdev *nd, struct pollset *ps) { return 0; }
static void loop_poll(struct netdev *nd, struct pollset *ps) {}
static void loop_close(struct netdev *nd) {}
static const struct netdev_ops loop_ops = { .send = loop_send, .prepare = loop_prepare,
                                           .poll = loop_poll, .close = loop_close };
static struct netdev loopback = { .ops = &loop_ops, .name = "loop" };

/* What the device showed the trace. */
static unsigned given;
static uint32_t given_len;
static void fake_given(void *ctx, unsigned irq, const uint8_t *b, uint32_t len) {
    given++;
    given_len = len;
}

static void net_fresh(void) {
    virtio_net_close(&net);
    fake_init(&F);
    F.env.given = fake_given;
    sent = given = 0;
    static const uint8_t mac[6] = { 0x52, 0x54, 0, 0x12, 0x34, 0x56 };
    CHECK_EQ(virtio_net_init(&net, &F.bus, &loopback, mac), 0);
}

static void net_up(uint64_t features) {
    net_fresh();
    ring_place(&rings[0], 0x10000, 16);
    ring_place(&rings[1], 0x20000, 16);
    driver_up(&net.dev, rings, features);
    CHECK_STR_CONTAINS(F.why[0] ? F.why : "ok", "ok");
}

/* A frame at gpa: a virtio header then len bytes of a pattern. */
static void frame_at(uint32_t gpa, uint32_t len, uint8_t seed) {
    memset(gp(&F, gpa), 0, NET_HDR_LEN);
    for (uint32_t i = 0; i < len; i++) gp(&F, gpa)[NET_HDR_LEN + i] = (uint8_t)(seed + i);
}

static void net_config(void) {
    net_fresh();
    CHECK_EQ(net.dev.pci.cfg[0x0B], 0x02);                   /* class: network */
    CHECK_EQ(le16(net.dev.pci.cfg + 2), 0x1041);
    /* 4.4's features: CSUM, GUEST_CSUM, MAC, GUEST_TSO4/6/ECN, HOST_TSO4/6/ECN, INDIRECT. */
    CHECK_EQ(net.dev.features, 1ull << 32 | 1u << 28 | 0x3BA3);
    CHECK_EQ(net.dev.mmio_size, VM_DEVICE_CONFIG + 10);
    CHECK_EQ(net.dev.mmio[VM_DEVICE_CONFIG + 5], 0x56);
    CHECK_EQ(net.dev.nvq, 2);
    virtio_net_close(&net);
    fake_init(&F);
    CHECK_EQ(virtio_net_init(&net, &F.bus, &loopback, NULL), 0);   /* no MAC: no F_MAC */
    CHECK_EQ(net.dev.features & 1u << 5, 0);
}

/* Out through tx, back in through rx: the same bytes, the header included. */
static void net_loopback(void) {
    net_up(NET_FEATURES);
    chain(&F, &rings[0], (struct seg[]){ { 0x40000, 2048, 1 } }, 1);
    kick(&net.dev, 0);
    frame_at(0x30000, 60, 7);
    chain(&F, &rings[1], (struct seg[]){ { 0x30000, 12, 0 }, { 0x3000C, 60, 0 } }, 2);
    unsigned irqs = F.irqs;
    kick(&net.dev, 1);
    CHECK_EQ(sent, 1);
    CHECK_EQ(last_len, 72);
    CHECK_EQ(used_idx(&F, &rings[1]), 1);
    CHECK_EQ(used_len(&F, &rings[1], 0), 0);                 /* tx chains: length 0 */
    CHECK_EQ(used_idx(&F, &rings[0]), 1);
    CHECK_EQ(used_len(&F, &rings[0], 0), 72);
    CHECK(!memcmp(gp(&F, 0x40000), gp(&F, 0x30000), 72));
    CHECK_EQ(given, 1);
    CHECK_EQ(given_len, 72);
    CHECK_EQ(F.irqs, irqs + 2);                              /* tx used, rx used */
    CHECK_EQ(F.last_irq, 1);                                 /* the only device here */
}

/* No rx buffer yet: the frame waits, and goes in when the Guest adds one. */
static void net_rx_waits(void) {
    net_up(NET_FEATURES);
    frame_at(0x30000, 100, 1);
    chain(&F, &rings[1], (struct seg[]){ { 0x30000, 112, 0 } }, 1);
    kick(&net.dev, 1);
    CHECK(virtio_net_pending(&net));
    CHECK_EQ(given, 0);
    chain(&F, &rings[0], (struct seg[]){ { 0x40000, 12, 1 }, { 0x41000, 50, 1 },
                                         { 0x42000, 1500, 1 } }, 3);
    kick(&net.dev, 0);
    CHECK(!virtio_net_pending(&net));
    CHECK_EQ(used_len(&F, &rings[0], 0), 112);
    CHECK(!memcmp(gp(&F, 0x41000), gp(&F, 0x3000C), 50));
    CHECK(!memcmp(gp(&F, 0x42000), gp(&F, 0x3000C + 50), 50));
    /* A chain too small for the header: used with length 0, the frame stays. */
    chain(&F, &rings[1], (struct seg[]){ { 0x30000, 112, 0 } }, 1);
    kick(&net.dev, 1);
    chain(&F, &rings[0], (struct seg[]){ { 0x40000, 11, 1 } }, 1);
    kick(&net.dev, 0);
    CHECK_EQ(used_len(&F, &rings[0], 1), 0);
    CHECK(virtio_net_pending(&net));
    CHECK_EQ(F.why[0], 0);
}

/* Held (the machine gone back in time, sim/launcher/refeed.c): a tx is not sent to the
 * backend again, the backend's frames wait, and what goes in is what refeed gives. */
static const uint8_t held_frame[40] = { [12] = 0xAB, [39] = 0xCD };
static unsigned refeeds;
static void refeed_one(void *ctx, struct virtio_net *n) {
    (void)ctx;
    if (refeeds++ == 0) CHECK_EQ(virtio_net_give(n, held_frame, sizeof(held_frame)), 1);
}

static void net_held(void) {
    net_up(NET_FEATURES);
    net.refeed = refeed_one;
    net.held = 1;
    refeeds = 0;
    chain(&F, &rings[0], (struct seg[]){ { 0x40000, 2048, 1 } }, 1);
    kick(&net.dev, 0);
    CHECK_EQ(refeeds, 1);                                    /* an rx kick is a point */
    CHECK_EQ(used_idx(&F, &rings[0]), 1);
    CHECK_EQ(used_len(&F, &rings[0], 0), 40);
    CHECK(!memcmp(gp(&F, 0x40000), held_frame, sizeof(held_frame)));
    chain(&F, &rings[0], (struct seg[]){ { 0x48000, 2048, 1 } }, 1);
    kick(&net.dev, 0);
    frame_at(0x30000, 60, 7);
    chain(&F, &rings[1], (struct seg[]){ { 0x30000, 72, 0 } }, 1);
    kick(&net.dev, 1);
    CHECK_EQ(sent, 0);                                       /* it was sent once already */
    CHECK_EQ(used_idx(&F, &rings[1]), 1);                    /* the chain is used all the same */
    CHECK_EQ(used_idx(&F, &rings[0]), 1);                    /* no frame from refeed this time */
    CHECK_EQ(given, 1);
    net.held = 0;                                            /* where the run had been */
    CHECK_EQ(virtio_net_deliver(&net), 0);                   /* the backend had nothing */
    kick(&net.dev, 1);   /* no new chain: nothing sent */
    CHECK_EQ(sent, 0);
}

/* An indirect table per chain, as Linux's virtio_net uses when INDIRECT_DESC is accepted. */
static void put_table(uint32_t at, unsigned i, uint32_t addr, uint32_t len, uint16_t flags,
                      uint16_t next) {
    uint8_t *p = gp(&F, at + 16 * i);
    put_le32(p, addr);
    put_le32(p + 4, 0);
    put_le32(p + 8, len);
    put_le16(p + 12, flags);
    put_le16(p + 14, next);
}

static void net_indirect(void) {
    net_up(NET_FEATURES);
    put_table(0x50000, 0, 0x40000, 12, 2 | 1, 1);
    put_table(0x50000, 1, 0x41000, 2000, 2, 0);
    chain(&F, &rings[0], (struct seg[]){ { 0x50000, 32, 0 } }, 1);
    put_desc(&F, &rings[0], 0, 0x50000, 32, 4, 0);           /* make it INDIRECT */
    kick(&net.dev, 0);
    frame_at(0x30000, 90, 3);
    put_table(0x51000, 0, 0x30000, 12, 1, 1);
    put_table(0x51000, 1, 0x3000C, 90, 0, 0);
    chain(&F, &rings[1], (struct seg[]){ { 0x51000, 32, 0 } }, 1);
    put_desc(&F, &rings[1], 0, 0x51000, 32, 4, 0);
    kick(&net.dev, 1);
    CHECK_EQ(F.why[0], 0);
    CHECK_EQ(used_len(&F, &rings[0], 0), 102);
    CHECK(!memcmp(gp(&F, 0x41000), gp(&F, 0x3000C), 90));
}

/* --- hostile chains: 4.4's words, never a crash (ASan watches) --- */

static void hostile_tx(const char *why, uint64_t features, void (*mess)(void)) {
    net_up(features);
    mess();
    kick(&net.dev, 1);
    CHECK_STR_CONTAINS(F.why, why);
}
static void indirect_desc(uint32_t table, uint32_t len, uint16_t flags) {
    put_desc(&F, &rings[1], 0, table, len, flags, 1);
    offer(&F, &rings[1], 0);
}
static void ind_plain(void) { indirect_desc(0x50000, 32, 4); }
static void ind_next(void) { indirect_desc(0x50000, 32, 4 | 1); }
static void ind_size(void) { indirect_desc(0x50000, 24, 4); }
static void ind_big(void) { indirect_desc(0x50000, 17 * 16, 4); }
static void ind_empty(void) { indirect_desc(0x50000, 0, 4); }
static void ind_outside(void) { indirect_desc(RAM_SIZE - 16, 32, 4); }
static void ind_nested(void) {
    put_table(0x50000, 0, 0x30000, 12, 1, 1);
    put_table(0x50000, 1, 0x50000, 32, 4, 0);
    indirect_desc(0x50000, 32, 4);
}
static void ind_next_out(void) {
    put_table(0x50000, 0, 0x30000, 12, 1, 2);                /* next 2 of a 2-entry table */
    indirect_desc(0x50000, 32, 4);
}
static void ind_loop(void) {
    put_table(0x50000, 0, 0x30000, 12, 1, 1);
    put_table(0x50000, 1, 0x30000, 12, 1, 0);
    indirect_desc(0x50000, 32, 4);
}
static void ind_buf_outside(void) {
    put_table(0x50000, 0, RAM_SIZE - 4, 12, 0, 0);
    indirect_desc(0x50000, 16, 4);
}
static void tx_in(void) { chain(&F, &rings[1], (struct seg[]){ { 0x30000, 64, 1 } }, 1); }

static void net_hostile(void) {
    hostile_tx("net vq tx: bad driver: vq indirect not negotiated", 1ull << 32, ind_plain);
    hostile_tx("net vq tx: bad driver: indirect and next together", NET_FEATURES, ind_next);
    hostile_tx("net vq tx: bad driver: Invalid size for indirect table", NET_FEATURES, ind_size);
    hostile_tx("net vq tx: bad driver: indirect has too many entries", NET_FEATURES, ind_big);
    hostile_tx("net vq tx: bad driver: Looped descriptor", NET_FEATURES, ind_empty);
    hostile_tx("net: bad driver: Invalid address", NET_FEATURES, ind_outside);
    hostile_tx("net vq tx: bad driver: Indirect within indirect", NET_FEATURES, ind_nested);
    hostile_tx("net: bad driver: Desc next is 2", NET_FEATURES, ind_next_out);
    hostile_tx("net vq tx: bad driver: Looped descriptor", NET_FEATURES, ind_loop);
    hostile_tx("net: bad driver: Invalid address", NET_FEATURES, ind_buf_outside);
    hostile_tx("net vq tx: bad driver: Input buffers in net output queue?", NET_FEATURES, tx_in);
    CHECK_EQ(sent, 0);
    /* rx: an out buffer where the device writes. */
    net_up(NET_FEATURES);
    chain(&F, &rings[0], (struct seg[]){ { 0x40000, 100, 0 } }, 1);
    frame_at(0x30000, 60, 1);
    chain(&F, &rings[1], (struct seg[]){ { 0x30000, 72, 0 } }, 1);
    kick(&net.dev, 1);
    CHECK_STR_CONTAINS(F.why, "net vq rx: bad driver: Output buffers in net input queue?");
}

/* Random indirect tables: served or stopped, nothing read or written outside guest RAM. */
static void net_random_tables(void) {
    uint64_t s = 777;
    unsigned served = 0, stopped = 0;
    for (int iter = 0; iter < 2000; iter++) {
        net_up(NET_FEATURES);
        uint8_t *t = gp(&F, 0x50000);
        for (unsigned i = 0; i < 4 * 16; i++) {
            s = s * 6364136223846793005ull + 1442695040888963407ull;
            t[i] = (uint8_t)(s >> 56);
        }
        for (unsigned i = 0; i < 4; i++) {
            s = s * 6364136223846793005ull + 1442695040888963407ull;
            put_le32(t + 16 * i, (uint32_t)(s >> 20) % RAM_SIZE);
            put_le32(t + 16 * i + 4, 0);
            put_le32(t + 16 * i + 8, (uint32_t)(s >> 40) % 3000);
        }
        indirect_desc(0x50000, (uint32_t)(s >> 10) % 5 * 16, (uint16_t)(4 | ((s >> 3) & 3)));
        kick(&net.dev, 1);
        if (F.why[0]) stopped++;
        else served++;
    }
    CHECK(served > 0);
    CHECK(stopped > 0);
}

/* --- offloads: what slirp needs from a Guest that left checksums and TSO to the device --- */

static uint8_t segs[8][1600];
static uint32_t seg_len[8];
static unsigned nsegs;
static void collect(void *ctx, const uint8_t *f, uint32_t len) {
    if (nsegs < 8 && len <= sizeof(segs[0])) memcpy(segs[nsegs], f, len);
    seg_len[nsegs < 8 ? nsegs : 7] = len;
    nsegs++;
}
static uint16_t be16_(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }

/* An Ethernet + IPv4 + TCP frame of payload bytes behind a virtio header. */
static uint32_t tcp_frame(uint8_t *b, uint32_t payload, uint8_t gso, uint16_t mss) {
    memset(b, 0, 12 + 54 + payload);
    b[0] = NET_HDR_F_NEEDS_CSUM;
    b[1] = gso;
    put_le16(b + 4, mss);
    put_le16(b + 6, 14 + 20);
    put_le16(b + 8, 16);
    uint8_t *e = b + 12, *ip = e + 14, *tcp = ip + 20;
    e[12] = 0x08;
    ip[0] = 0x45;
    ip[2] = (uint8_t)((20 + 20 + payload) >> 8);
    ip[3] = (uint8_t)(20 + 20 + payload);
    ip[5] = 0x10;                                            /* id 0x10 */
    ip[8] = 64;
    ip[9] = 6;
    memcpy(ip + 12, (uint8_t[]){ 10, 0, 2, 15, 10, 0, 2, 2 }, 8);
    tcp[1] = 80;
    tcp[3] = 99;
    tcp[7] = 1;                                              /* seq 1 */
    tcp[12] = 0x50;
    tcp[13] = 0x18 | 0x01;                                   /* PSH ACK FIN */
    for (uint32_t i = 0; i < payload; i++) tcp[20 + i] = (uint8_t)i;
    /* As Linux leaves it: the pseudo-header's sum, folded, not inverted. */
    uint16_t pseudo = (uint16_t)~net_csum_fold(net_csum_add(0, ip + 12, 8) + 6 + 20 + payload);
    uint16_t ipsum = net_csum_fold(net_csum_add(0, ip, 20));
    ip[10] = (uint8_t)(ipsum >> 8);
    ip[11] = (uint8_t)ipsum;
    tcp[16] = (uint8_t)(pseudo >> 8);
    tcp[17] = (uint8_t)pseudo;
    return 12 + 54 + payload;
}

/* A checksum over the pseudo-header and segment that comes out 0 is right. */
static int tcp_ok(const uint8_t *f, uint32_t len) {
    const uint8_t *ip = f + 14;
    uint32_t tl = len - 34;
    uint32_t sum = net_csum_add(0, ip + 12, 8) + 6 + tl;
    return net_csum_fold(net_csum_add(sum, ip + 20, tl)) == 0 &&
           net_csum_fold(net_csum_add(0, ip, 20)) == 0 && be16_(ip + 2) == len - 14;
}

static void net_offloads(void) {
    static uint8_t b[NET_FRAME_MAX];
    nsegs = 0;
    uint32_t len = tcp_frame(b, 100, NET_GSO_NONE, 0);
    CHECK_EQ(net_offload(b, len, collect, NULL), 1);
    CHECK(tcp_ok(segs[0], seg_len[0]));
    nsegs = 0;
    len = tcp_frame(b, 3000, NET_GSO_TCPV4, 1400);
    CHECK_EQ(net_offload(b, len, collect, NULL), 3);
    CHECK_EQ(nsegs, 3);
    for (unsigned i = 0; i < 3; i++) CHECK(tcp_ok(segs[i], seg_len[i]));
    CHECK_EQ(seg_len[0], 54 + 1400);
    CHECK_EQ(seg_len[2], 54 + 200);
    CHECK_EQ(be16_(segs[1] + 14 + 4), 0x11);                 /* ids count up */
    CHECK_EQ(segs[1][14 + 20 + 7], 1 + 1400 % 256);          /* seq moves by mss */
    CHECK_EQ(segs[0][14 + 20 + 13], 0x10);                   /* PSH, FIN only on the last */
    CHECK_EQ(segs[2][14 + 20 + 13], 0x19);
    CHECK(!memcmp(segs[1] + 54, b + 12 + 54 + 1400, 1400));
    /* Nonsense is dropped, not followed: mss 0, a checksum offset past the end, UFO. */
    CHECK_EQ(net_offload(b, len, collect, NULL), 3);
    put_le16(b + 4, 0);
    CHECK_EQ(net_offload(b, len, collect, NULL), -1);
    len = tcp_frame(b, 10, NET_GSO_NONE, 0);
    put_le16(b + 8, 60000);
    CHECK_EQ(net_offload(b, len, collect, NULL), -1);
    b[1] = NET_GSO_UDP;
    CHECK_EQ(net_offload(b, len, collect, NULL), -1);
    CHECK_EQ(net_offload(b, 5, collect, NULL), -1);
}

int main(void) {
    RUN(net_config);
    RUN(net_loopback);
    RUN(net_rx_waits);
    RUN(net_held);
    RUN(net_indirect);
    RUN(net_hostile);
    RUN(net_random_tables);
    RUN(net_offloads);
    virtio_net_close(&net);
    return check_report("virtio_net");
}
