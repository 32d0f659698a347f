/* console.c - the early console: virtio-console's emerg_wr, reached through PCI config cycles. */
#include "kernel.h"
#include <stdarg.h>

/* Port I/O from ring 1 is a #GP: the Host hands it to the launcher, which emulates it. */
static inline void outl(uint32_t v, uint16_t port) { __asm__ volatile("outl %0, %1" : : "a"(v), "Nd"(port)); }
static inline void outb(uint8_t v, uint16_t port) { __asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port)); }
static inline uint32_t inl(uint16_t port) {
    uint32_t v;
    __asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"(port));
    return v;
}

/* @tour Drivers 10: A console through the PCI bus
 * The Guest has no real devices: the Launcher emulates a PCI bus with virtio devices on it,
 * as 4.4's does.  The teaching guest's printk() writes each character to the virtio console's
 * emerg_wr register, reached through PCI configuration cycles on ports 0xCF8 and 0xCFC.  Port
 * I/O in ring 1 is a #GP; the Host hands it to the Launcher as a pending exit, and the
 * Launcher emulates the instruction (Launcher 50).
 */
/* PCI configuration mechanism #1: an address to port 0xCF8, then data through 0xCFC..0xCFF.
 * The 4.4 launcher puts the virtio console on bus 0, slot 1. */
static uint32_t cfg_addr(uint32_t reg) { return 0x80000000 | 1 << 11 | (reg & 0xFC); }

static uint32_t cfg_read32(uint32_t reg) {
    outl(cfg_addr(reg), 0xCF8);
    return inl(0xCFC);
}
static uint8_t cfg_read8(uint32_t reg) { return (uint8_t)(cfg_read32(reg) >> 8 * (reg & 3)); }

static void cfg_write32(uint32_t reg, uint32_t v) {
    outl(cfg_addr(reg), 0xCF8);
    outl(v, 0xCFC);
}
static void cfg_write8(uint32_t reg, uint8_t v) {
    outl(cfg_addr(reg), 0xCF8);
    outb(v, (uint16_t)(0xCFC + (reg & 3)));
}

static uint32_t window_cap;       /* the "PCI config access" capability: a window into BARs */
static uint32_t device_cfg;       /* offset of the console's device config in BAR 0 */

/* Find the console and its two virtio capabilities, as Linux's probe_pci_console does. */
int console_init(void) {
    if (cfg_read32(0) != 0x10431AF4)   /* vendor 0x1AF4 (virtio), device 0x1043 (console) */
        return -1;
    for (uint32_t cap = cfg_read8(0x34); cap; cap = cfg_read8(cap + 1)) {
        uint8_t type = cfg_read8(cap + 3);
        if (type == 4) device_cfg = cfg_read32(cap + 8);   /* VIRTIO_PCI_CAP_DEVICE_CFG */
        if (type == 5) window_cap = cap;                   /* VIRTIO_PCI_CAP_PCI_CFG */
    }
    return window_cap && device_cfg ? 0 : -1;
}

/* One character: aim the window at emerg_wr (device config + 8) in BAR 0, write through it.
 * Four config writes, each an OUT to 0xCF8 and one to 0xCFC: eight trips to the Host. */
static void console_putc(char c) {
    cfg_write8(window_cap + 4, 0);                    /* BAR 0 */
    cfg_write32(window_cap + 12, 4);                  /* 4 bytes */
    cfg_write32(window_cap + 8, device_cfg + 8);      /* at emerg_wr */
    cfg_write32(window_cap + 16, (uint8_t)c);         /* the data */
}

void console_write(const char *s, uint32_t len) {
    while (len--) console_putc(*s++);
}

static void put_number(uint32_t v, uint32_t base, int width) {
    char digits[10];
    int n = 0;
    do {
        digits[n++] = "0123456789abcdef"[v % base];
        v /= base;
    } while (v);
    while (width-- > n) console_putc('0');
    while (n) console_putc(digits[--n]);
}

/* printk: %s, %c, %d, %u and %x (always 8 hex digits). */
void printk(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    for (; *fmt; fmt++) {
        if (*fmt != '%') {
            console_putc(*fmt);
            continue;
        }
        switch (*++fmt) {
        case 's':
            for (const char *s = va_arg(ap, const char *); *s; s++) console_putc(*s);
            break;
        case 'c': console_putc((char)va_arg(ap, int)); break;
        case 'u': put_number(va_arg(ap, uint32_t), 10, 0); break;
        case 'x': put_number(va_arg(ap, uint32_t), 16, 8); break;
        case 'd': {
            int v = va_arg(ap, int);
            if (v < 0) console_putc('-');
            put_number(v < 0 ? 0u - (uint32_t)v : (uint32_t)v, 10, 0);
            break;
        }
        default: console_putc(*fmt);
        }
    }
    va_end(ap);
}
