/* env.c - a device's fatal errors and trace notes, through the machine's callbacks. */
#include "virtio/env.h"
#include <stdarg.h>
#include <stdio.h>

void dev_fatal(struct dev_env *e, const char *fmt, ...) {
    char why[300];
    va_list ap;
    if (e->failed) return;   /* the first reason is the one that counts */
    e->failed = 1;
    va_start(ap, fmt);
    vsnprintf(why, sizeof(why), fmt, ap);
    va_end(ap);
    if (e->fatal) e->fatal(e->ctx, why);
}

void dev_note(struct dev_env *e, unsigned what, uint32_t addr, uint32_t size, uint32_t value) {
    if (e->note) e->note(e->ctx, what, addr, size, value);
}

uint32_t dev_eip(struct dev_env *e) { return e->eip ? e->eip(e->ctx) : 0; }

void dev_given(struct dev_env *e, unsigned irq, const uint8_t *bytes, uint32_t len) {
    if (e->given) e->given(e->ctx, irq, bytes, len);
}

void dev_wrote(struct dev_env *e, const uint8_t *at, uint32_t len, const char *device,
               const char *writer) {
    if (e->wrote && len) e->wrote(e->ctx, (uint32_t)(at - e->ram), len, device, writer);
}
