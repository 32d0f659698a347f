/* env.h - what a device sees of the launcher: guest RAM, its IRQ line, fatal errors, the trace. */
#ifndef LGSIM_DEV_ENV_H
#define LGSIM_DEV_ENV_H
#include <stdint.h>

/*
 * Devices know nothing of the CPU or the Host: the launcher (sim/launcher/devices.c) or a unit
 * test (tests/virtio) fills this in.  Guest-physical [0, ram_size) is ram[]; the device window
 * above it is not memory.  A fatal error is the 4.4 launcher's errx(1, ...): the launcher
 * stops the run with that reason, and from then on the devices touch nothing.
 */
struct dev_env {
    uint8_t *ram;
    uint32_t ram_size;
    void *ctx;
    void (*interrupt)(void *ctx, unsigned irq);     /* LHREQ_IRQ */
    void (*fatal)(void *ctx, const char *why);
    /* One TK_LAUNCHER record (LN_* in traces/format.h); may be NULL. */
    void (*note)(void *ctx, unsigned what, uint32_t addr, uint32_t size, uint32_t value);
    uint32_t (*eip)(void *ctx);                      /* for messages; may be NULL */
    /* Bytes from the outside world put into the Guest's buffers (a network frame, the device on
     * IRQ irq), for the trace: they are what a replay needs; may be NULL. */
    void (*given)(void *ctx, unsigned irq, const uint8_t *bytes, uint32_t len);
    /* Guest RAM [gpa, gpa+len) a device wrote (what it stored into a buffer, the used ring),
     * told as it is stored, with the device's name and the function that stored it: code the
     * Guest runs from there must run as written (the CPU drops what it translated from it),
     * and a debugger's watchpoints there fire; may be NULL. */
    void (*wrote)(void *ctx, uint32_t gpa, uint32_t len, const char *device, const char *writer);
    int failed;
};

void dev_fatal(struct dev_env *e, const char *fmt, ...)
    __attribute__((format(LGSIM_PRINTF_FORMAT, 2, 3)));
void dev_note(struct dev_env *e, unsigned what, uint32_t addr, uint32_t size, uint32_t value);
uint32_t dev_eip(struct dev_env *e);
void dev_given(struct dev_env *e, unsigned irq, const uint8_t *bytes, uint32_t len);
void dev_wrote(struct dev_env *e, const uint8_t *at, uint32_t len,   /* at: inside ram */
               const char *device, const char *writer);
#endif
