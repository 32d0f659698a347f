/* describe.h - x86 and lguest values in words: rings, #PF error codes, PTEs, hypercalls. */
#ifndef LGSIM_TRACE_DESCRIBE_H
#define LGSIM_TRACE_DESCRIBE_H
#include <stddef.h>
#include <stdint.h>
#include "traces/format.h"

/* A growing sentence in a fixed buffer; what does not fit is cut off. */
struct text {
    char buf[2048];
    size_t len;
};
void text_clear(struct text *t);
void text_add(struct text *t, const char *fmt, ...)
    __attribute__((format(LGSIM_PRINTF_FORMAT, 2, 3)));
/* Bytes as a quoted string: newlines and unprintable bytes escaped, at most max shown. */
void text_add_quoted(struct text *t, const char *s, size_t len, size_t max);

/* "ring 3 user code", "ring 1 guest kernel", ... for a code segment selector. */
const char *describe_ring(uint32_t cs);
/* "the page was not present; a read; from user mode (ring 3)". */
void describe_pf_err(struct text *t, uint32_t err);
/* "frame 0x00116000; present, writable, user, accessed, dirty". */
void describe_pte(struct text *t, uint32_t pte);
/* A shadow PTE: the host-physical frame, the guest-physical one, the flags. */
void describe_spte(struct text *t, uint32_t spte);
/* What a hypercall record asked for, as a sentence without a final period. */
void describe_hcall(struct text *t, const struct trace_rec *r);
/* Does the CPU push an error code for this vector? */
int vector_has_errcode(uint32_t vector);
#endif
