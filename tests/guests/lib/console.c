/* console.c - the test guests' early console (4.4 early_put_chars()): PCI cycles to emerg_wr. */
#include "tests/guests/lib/guest.h"

static uint32_t console_cap, console_cfg_off;

/* Configuration mechanism #1, device 1 (the virtio console) on bus 0. */
static uint32_t conf_addr(uint32_t reg) { return 0x80000000u | (1u << 11) | (reg & 0xFC); }

static uint32_t conf_read32(uint32_t reg) {
    outl(conf_addr(reg), 0xCF8);
    return inl(0xCFC);
}
static uint8_t conf_read8(uint32_t reg) { return (uint8_t)(conf_read32(reg) >> (8 * (reg & 3))); }

static void conf_write8(uint32_t reg, uint8_t v) {
    outl(conf_addr(reg), 0xCF8);
    outb(v, 0xCFC + (reg & 3));
}
static void conf_write32(uint32_t reg, uint32_t v) {
    outl(conf_addr(reg), 0xCF8);
    outl(v, 0xCFC);
}

/* Find the device-config capability (type 4) and the PCI config window (type 5). */
int console_probe(void) {
    if (conf_read32(0) != 0x10431AF4) return -1;
    for (uint32_t cap = conf_read8(0x34); cap; cap = conf_read8(cap + 1)) {
        uint8_t type = conf_read8(cap + 3);
        if (type == 4) console_cfg_off = conf_read32(cap + 8);
        if (type == 5) console_cap = cap;
    }
    return console_cap && console_cfg_off ? 0 : -1;
}

/* One character: through the window, 4 bytes of BAR 0 at the config's emerg_wr field. */
static void console_putc(char c) {
    conf_write8(console_cap + 4, 0);
    conf_write32(console_cap + 12, 4);
    conf_write32(console_cap + 8, console_cfg_off + 8);
    conf_write32(console_cap + 16, (uint8_t)c);
}

void console_puts(const char *s) { while (*s) console_putc(*s++); }

static void put_hex(uint32_t v) {
    char buf[11] = "0x";
    for (int i = 0; i < 8; i++) buf[2 + i] = "0123456789abcdef"[(v >> (28 - 4 * i)) & 15];
    buf[10] = 0;
    console_puts(buf);
}

static void put_dec(uint32_t v) {
    char buf[11];
    int i = 10;
    buf[i] = 0;
    do buf[--i] = (char)('0' + v % 10); while ((v /= 10) != 0);
    console_puts(buf + i);
}

void gprintf(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    for (; *fmt; fmt++) {
        if (*fmt != '%' || !fmt[1]) { console_putc(*fmt); continue; }
        switch (*++fmt) {
        case 'x': put_hex(va_arg(ap, uint32_t)); break;
        case 'u': put_dec(va_arg(ap, uint32_t)); break;
        case 's': console_puts(va_arg(ap, const char *)); break;
        case 'c': console_putc((char)va_arg(ap, int)); break;
        default: console_putc(*fmt);
        }
    }
    va_end(ap);
}

int streq(const char *a, const char *b) {
    while (*a && *a == *b) a++, b++;
    return *a == *b;
}
