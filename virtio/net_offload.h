/* net_offload.h - doing in software what a Guest left to the device: checksums and TSO. */
#ifndef LGSIM_NET_OFFLOAD_H
#define LGSIM_NET_OFFLOAD_H
#include <stdint.h>

/* A frame from the Guest, virtio header first, as plain Ethernet frames for a backend that
 * takes only those (slirp): a checksum marked NEEDS_CSUM filled in, a TCP segmentation
 * (TSO4/TSO6) frame cut into gso_size segments, each with its own headers and checksums.
 * emit gets each frame; returns how many, or -1 for a frame that makes no sense (dropped). */
int net_offload(const uint8_t *frame, uint32_t len,
                void (*emit)(void *ctx, const uint8_t *frame, uint32_t len), void *ctx);
/* The Internet checksum (RFC 1071) of len bytes, added to sum (not yet folded). */
uint32_t net_csum_add(uint32_t sum, const uint8_t *p, uint32_t len);
uint16_t net_csum_fold(uint32_t sum);
#endif
