/* packet.h - the GDB remote serial protocol's framing: $data#checksum, acks, Ctrl-C. */
#ifndef LGSIM_DEBUG_PACKET_H
#define LGSIM_DEBUG_PACKET_H
#include <stddef.h>
#include <stdint.h>

#define PACKET_MAX 16384   /* the biggest packet lgsim takes; it offers gdb PacketSize below */
#define PACKET_SIZE_OFFERED 4096

enum packet_event {
    PKT_NONE,        /* nothing complete yet */
    PKT_DATA,        /* a packet with a good checksum is in data[0..len) */
    PKT_BAD,         /* a bad checksum: answer '-' so that gdb sends it again */
    PKT_TOO_LONG,    /* longer than PACKET_MAX: acknowledged and refused with an error */
    PKT_INTERRUPT,   /* a bare 0x03: gdb's Ctrl-C */
    PKT_ACK,         /* '+' */
    PKT_NAK,         /* '-': send the last reply again */
};

/* Bytes in, events out, one byte at a time: every byte sequence is acceptable input. */
struct packet_reader {
    int state;
    uint8_t sum;
    int hex;                      /* checksum digits seen */
    uint8_t given;
    size_t len;
    int overflow;
    char data[PACKET_MAX + 1];    /* NUL-terminated for convenience; may hold escapes */
};

void packet_reader_init(struct packet_reader *r);
enum packet_event packet_feed(struct packet_reader *r, uint8_t byte);

/* Frame payload as $payload#xx into out (cap bytes), escaping $ # } *; returns the length, or 0
 * when it does not fit. */
size_t packet_frame(const char *payload, size_t n, char *out, size_t cap);
/* Undo '}' escapes in place (X packets); returns the new length. */
size_t packet_unescape(char *data, size_t n);

int hex_digit(int c);
/* Parse hex into *v; returns the characters used (0: none). */
int hex_parse(const char *s, uint64_t *v);
void hex_put(char *out, const void *bytes, size_t n);   /* writes 2n digits and a NUL */
int hex_get(const char *in, void *bytes, size_t n);     /* -1 on a bad digit */
#endif
