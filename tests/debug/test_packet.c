/* test_packet.c - the GDB packet framing against good, bad, cut-short, oversized and junk input. */
#include "debug/packet.h"
#include "tests/check.h"
#include <stdlib.h>

/* Feed a whole string; return the last event that was not PKT_NONE. */
static enum packet_event feed(struct packet_reader *r, const char *s, size_t n) {
    enum packet_event last = PKT_NONE;
    for (size_t i = 0; i < n; i++) {
        enum packet_event e = packet_feed(r, (uint8_t)s[i]);
        if (e != PKT_NONE) last = e;
    }
    return last;
}
#define FEED(r, lit) feed((r), (lit), sizeof(lit) - 1)

static void good_and_bad_checksums(void) {
    check_current = "checksums";
    struct packet_reader r;
    packet_reader_init(&r);
    CHECK_EQ(FEED(&r, "$g#67"), PKT_DATA);
    CHECK(!strcmp(r.data, "g"));
    CHECK_EQ(FEED(&r, "$g#68"), PKT_BAD);
    CHECK_EQ(FEED(&r, "$g#6"), PKT_NONE);      /* not finished yet */
    CHECK_EQ(FEED(&r, "z"), PKT_BAD);          /* a checksum digit that is not hex */
    CHECK_EQ(FEED(&r, "$?#3F"), PKT_DATA);     /* upper-case digits are fine */
}

static void acks_and_interrupts(void) {
    check_current = "acks";
    struct packet_reader r;
    packet_reader_init(&r);
    CHECK_EQ(FEED(&r, "+"), PKT_ACK);
    CHECK_EQ(FEED(&r, "-"), PKT_NAK);
    CHECK_EQ(FEED(&r, "\x03"), PKT_INTERRUPT);
    CHECK_EQ(FEED(&r, "noise"), PKT_NONE);
}

static void cut_short_and_oversized(void) {
    check_current = "cut short";
    struct packet_reader r;
    packet_reader_init(&r);
    CHECK_EQ(FEED(&r, "$m0,4"), PKT_NONE);
    CHECK_EQ(FEED(&r, "$"), PKT_BAD);          /* a new start cuts the old packet */
    CHECK_EQ(FEED(&r, "g#67"), PKT_DATA);
    size_t n = PACKET_MAX + 100;
    char *big = malloc(n + 5);
    big[0] = '$';
    uint8_t sum = 0;
    for (size_t i = 1; i <= n; i++) { big[i] = 'A'; sum = (uint8_t)(sum + 'A'); }
    snprintf(big + n + 1, 4, "#%02x", sum);
    CHECK_EQ(feed(&r, big, n + 4), PKT_TOO_LONG);
    CHECK_EQ(FEED(&r, "$g#67"), PKT_DATA);      /* and the next one is fine */
    free(big);
}

static void junk(void) {
    check_current = "junk";
    struct packet_reader r;
    packet_reader_init(&r);
    srand(5);
    for (int i = 0; i < 200000; i++) packet_feed(&r, (uint8_t)rand());
    FEED(&r, "#00");   /* end whatever packet the junk left open */
    CHECK_EQ(FEED(&r, "$g#67"), PKT_DATA);
}

static void framing_and_hex(void) {
    check_current = "framing";
    char out[64];
    size_t n = packet_frame("a$b#c}d*", 8, out, sizeof(out));
    struct packet_reader r;
    packet_reader_init(&r);
    CHECK_EQ(feed(&r, out, n), PKT_DATA);
    size_t len = packet_unescape(r.data, r.len);
    CHECK_EQ(len, 8);
    CHECK(!memcmp(r.data, "a$b#c}d*", 8));
    CHECK_EQ(packet_frame("abcdef", 6, out, 8), 0);   /* does not fit */
    uint64_t v;
    CHECK_EQ(hex_parse("c0103000,4", &v), 8);
    CHECK_EQ(v, 0xc0103000u);
    uint8_t b[2];
    CHECK_EQ(hex_get("zz", b, 1), -1);
    hex_put(out, "\x12\xab", 2);
    CHECK(!strcmp(out, "12ab"));
}

int main(void) {
    good_and_bad_checksums();
    acks_and_interrupts();
    cut_short_and_oversized();
    junk();
    framing_and_hex();
    printf("packet: %d checks passed, %d failed\n", check_passed, check_failed);
    return check_failed != 0;
}
