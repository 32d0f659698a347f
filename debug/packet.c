/* packet.c - GDB packet framing and hex helpers; nothing here trusts its input. */
#include "debug/packet.h"
#include <string.h>

enum { WAIT_START, IN_DATA, IN_SUM };

void packet_reader_init(struct packet_reader *r) {
    memset(r, 0, sizeof(*r));
}

int hex_digit(int c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

static enum packet_event finish(struct packet_reader *r) {
    r->state = WAIT_START;
    r->data[r->len < PACKET_MAX ? r->len : PACKET_MAX] = 0;
    if (r->hex != 2 || r->given != r->sum) return PKT_BAD;
    return r->overflow ? PKT_TOO_LONG : PKT_DATA;
}

enum packet_event packet_feed(struct packet_reader *r, uint8_t c) {
    switch (r->state) {
    case WAIT_START:
        if (c == '$') {
            r->state = IN_DATA;
            r->len = 0;
            r->sum = 0;
            r->overflow = 0;
            return PKT_NONE;
        }
        if (c == 0x03) return PKT_INTERRUPT;
        if (c == '+') return PKT_ACK;
        if (c == '-') return PKT_NAK;
        return PKT_NONE;   /* noise between packets is ignored */
    case IN_DATA:
        if (c == '#') {
            r->state = IN_SUM;
            r->hex = 0;
            r->given = 0;
            return PKT_NONE;
        }
        if (c == '$') {   /* a new start: the packet before it was cut short */
            r->len = 0;
            r->sum = 0;
            r->overflow = 0;
            return PKT_BAD;
        }
        r->sum = (uint8_t)(r->sum + c);
        if (r->len < PACKET_MAX) r->data[r->len++] = (char)c;
        else r->overflow = 1;
        return PKT_NONE;
    default: {
        int d = hex_digit(c);
        if (d < 0) {   /* not a checksum: the packet is bad */
            r->hex = 0;
            return finish(r);
        }
        r->given = (uint8_t)(r->given << 4 | d);
        if (++r->hex == 2) return finish(r);
        return PKT_NONE;
    }
    }
}

size_t packet_frame(const char *payload, size_t n, char *out, size_t cap) {
    size_t o = 0;
    uint8_t sum = 0;
    if (cap < 4) return 0;
    out[o++] = '$';
    for (size_t i = 0; i < n; i++) {
        char ch = payload[i];
        int esc = ch == '$' || ch == '#' || ch == '}' || ch == '*';
        if (o + 2 + 3 > cap) return 0;
        if (esc) {
            out[o++] = '}';
            sum = (uint8_t)(sum + '}');
            ch = (char)(ch ^ 0x20);
        }
        out[o++] = ch;
        sum = (uint8_t)(sum + (uint8_t)ch);
    }
    static const char hexd[] = "0123456789abcdef";
    out[o++] = '#';
    out[o++] = hexd[sum >> 4];
    out[o++] = hexd[sum & 15];
    return o;
}

size_t packet_unescape(char *data, size_t n) {
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        if (data[i] == '}' && i + 1 < n) data[o++] = (char)(data[++i] ^ 0x20);
        else data[o++] = data[i];
    }
    return o;
}

int hex_parse(const char *s, uint64_t *v) {
    int n = 0;
    *v = 0;
    while (n < 16 && hex_digit(s[n]) >= 0) *v = *v << 4 | (uint64_t)hex_digit(s[n++]);
    return n;
}

void hex_put(char *out, const void *bytes, size_t n) {
    static const char hexd[] = "0123456789abcdef";
    const uint8_t *b = bytes;
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = hexd[b[i] >> 4];
        out[2 * i + 1] = hexd[b[i] & 15];
    }
    out[2 * n] = 0;
}

int hex_get(const char *in, void *bytes, size_t n) {
    uint8_t *b = bytes;
    for (size_t i = 0; i < n; i++) {
        int hi = hex_digit(in[2 * i]), lo = hi < 0 ? -1 : hex_digit(in[2 * i + 1]);
        if (hi < 0 || lo < 0) return -1;
        b[i] = (uint8_t)(hi << 4 | lo);
    }
    return 0;
}
