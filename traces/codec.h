/* codec.h - the byte-level pieces shared by the trace writer and reader (private to traces/). */
#ifndef LGSIM_TRACE_CODEC_H
#define LGSIM_TRACE_CODEC_H
#include <stdint.h>
#include <string.h>
#include "traces/format.h"

/* The delta state both sides keep; it starts from zero at every chunk. */
struct trace_codec {
    uint64_t t;
    uint32_t rt;
    uint32_t prev[TK_KINDS][TRACE_FIELDS];
};

static inline void codec_reset(struct trace_codec *c, uint64_t base_t) {
    memset(c, 0, sizeof(*c));
    c->t = base_t;
}

static inline uint64_t zigzag(int64_t v) { return ((uint64_t)v << 1) ^ (uint64_t)(v >> 63); }
static inline int64_t unzigzag(uint64_t v) { return (int64_t)(v >> 1) ^ -(int64_t)(v & 1); }

static inline uint8_t *put_varint(uint8_t *p, uint64_t v) {
    while (v >= 0x80) {
        *p++ = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    *p++ = (uint8_t)v;
    return p;
}

static inline void wr16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); }
static inline void wr32(uint8_t *p, uint32_t v) {
    for (int i = 0; i < 4; i++) p[i] = (uint8_t)(v >> (8 * i));
}
static inline void wr64(uint8_t *p, uint64_t v) {
    for (int i = 0; i < 8; i++) p[i] = (uint8_t)(v >> (8 * i));
}
static inline uint16_t rd16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }
static inline uint32_t rd32(const uint8_t *p) {
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static inline uint64_t rd64(const uint8_t *p) { return rd32(p) | (uint64_t)rd32(p + 4) << 32; }

/* The longest raw record: kind, time, round trip, fields, text length and text. */
#define TRACE_REC_MAX (1 + 10 + 10 + TRACE_FIELDS * 10 + 5 + TRACE_TEXT_MAX)
#endif
