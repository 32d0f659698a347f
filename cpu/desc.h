/* desc.h - decoding i386 segment and gate descriptors (Intel SDM vol. 3 §3.4.5, §6.11). */
#ifndef LGSIM_DESC_H
#define LGSIM_DESC_H
#include <stdint.h>

struct desc { uint32_t lo, hi; };

static inline uint32_t desc_base(struct desc d) {
    return (d.lo >> 16) | ((d.hi & 0xFF) << 16) | (d.hi & 0xFF000000u);
}
static inline uint32_t desc_limit(struct desc d) {
    uint32_t limit = (d.lo & 0xFFFF) | (d.hi & 0xF0000);
    return (d.hi & 0x00800000u) ? (limit << 12) | 0xFFF : limit;
}
static inline int desc_dpl(struct desc d) { return (int)(d.hi >> 13) & 3; }
static inline int desc_present(struct desc d) { return (d.hi & 0x8000) != 0; }
static inline int desc_type(struct desc d) { return (int)(d.hi >> 8) & 0xF; }
static inline int desc_is_system(struct desc d) { return !(d.hi & 0x1000); }
static inline int desc_is_code(struct desc d) { return !desc_is_system(d) && (desc_type(d) & 8); }
static inline int desc_is_conforming(struct desc d) { return desc_is_code(d) && (desc_type(d) & 4); }
static inline int desc_is_writable_data(struct desc d) {
    return !desc_is_system(d) && !(desc_type(d) & 8) && (desc_type(d) & 2);
}

/* Gate types in an IDT entry. */
#define GATE_TASK      0x5
#define GATE_INT32     0xE
#define GATE_TRAP32    0xF
static inline uint32_t gate_offset(struct desc d) { return (d.lo & 0xFFFF) | (d.hi & 0xFFFF0000u); }
static inline uint16_t gate_selector(struct desc d) { return (uint16_t)(d.lo >> 16); }
#endif
