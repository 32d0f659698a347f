/* pci.c - PCI configuration cycles on ports 0xCF8/0xCFC and virtio-pci config spaces. */
#include "virtio/pci.h"
#include "mmu/phys.h"
#include <string.h>

/* Capability offsets in config space (ABI §11.1). */
#define CAP_COMMON  0x40
#define CAP_NOTIFY  0x50
#define CAP_ISR     0x64
#define CAP_DEVICE  0x74
#define CAP_WINDOW  0x84
#define WINDOW_DATA 0x94
#define DEVICE_CFG_OFFSET 60

int pci_is_port(uint16_t port) { return port >= 0xCF8 && port <= 0xCFF; }

static void put_cap(uint8_t *c, int at, int next, int len, int type, uint32_t off, uint32_t n) {
    c[at] = 0x09;                  /* vendor-specific capability */
    c[at + 1] = (uint8_t)next;
    c[at + 2] = (uint8_t)len;
    c[at + 3] = (uint8_t)type;
    c[at + 4] = 0;                 /* BAR 0 */
    put_le32(c + at + 8, off);
    put_le32(c + at + 12, n);
}

void virtio_pci_init(struct pci_device *d, const char *name, int virtio_id, int irq_line,
                     uint32_t mmio_base, uint32_t dev_cfg_len) {
    static const uint8_t class_of[][2] = { [1] = { 0x02, 0x00 }, [2] = { 0x01, 0x80 },
                                           [3] = { 0x07, 0x00 }, [4] = { 0xFF, 0x00 } };
    uint8_t *c = d->cfg;
    memset(d, 0, sizeof(*d));
    d->name = name;
    d->bar0_size = VIRTIO_BAR0_SIZE;
    put_le16(c + 0x00, 0x1AF4);
    put_le16(c + 0x02, (uint16_t)(0x1040 + virtio_id));
    put_le16(c + 0x06, 0x0010);            /* status: capability list */
    c[0x08] = 1;                           /* revision */
    c[0x0A] = class_of[virtio_id][1];
    c[0x0B] = class_of[virtio_id][0];
    put_le32(c + 0x10, mmio_base);
    put_le16(c + 0x2E, 0x40);              /* subsystem id */
    c[0x34] = CAP_COMMON;
    c[0x3C] = (uint8_t)irq_line;
    put_cap(c, CAP_COMMON, CAP_NOTIFY, 16, 1, 0, 56);
    put_cap(c, CAP_NOTIFY, CAP_ISR, 20, 2, 56, 2);
    put_cap(c, CAP_ISR, dev_cfg_len ? CAP_DEVICE : CAP_WINDOW, 16, 3, 58, 1);
    if (dev_cfg_len) put_cap(c, CAP_DEVICE, CAP_WINDOW, 16, 4, DEVICE_CFG_OFFSET, dev_cfg_len);
    put_cap(c, CAP_WINDOW, 0, 20, 5, 0, 0);
    c[CAP_DEVICE + 1] = CAP_WINDOW;
}

/* The device, and the config-space offset, that the 0xCF8 register selects. */
static struct pci_device *selected(struct pci_bus *bus, uint16_t port, uint32_t *off) {
    uint32_t a = bus->conf_addr;
    uint32_t reg = (a >> 2) & 0x3F, fn = (a >> 8) & 7, dev = (a >> 11) & 0x1F, b = (a >> 16) & 0xFF;
    if (!(a & 0x80000000u) || b != 0 || fn != 0 || reg * 4 >= PCI_CFG_SIZE || !bus->slot[dev])
        return NULL;
    *off = reg * 4 + (port - 0xCFC);
    return bus->slot[dev];
}

/* The config-access window (VIRTIO_PCI_CAP_PCI_CFG): a BAR0 access of 'length' at 'offset'. */
static int window_write(struct pci_device *d, uint32_t val) {
    uint8_t *c = d->cfg;
    uint32_t off = le32(c + CAP_WINDOW + 8), len = le32(c + CAP_WINDOW + 12);
    if (c[CAP_WINDOW + 4] != 0 || (len != 1 && len != 2 && len != 4) || off % len ||
        off + len > d->bar0_size)
        return -1;
    if (d->bar_write) d->bar_write(d, off, val, (int)len);
    return 0;
}

static int writable(uint32_t off, int size) {
    if (off >= 0x10 && off < 0x28) return 1;                 /* BARs */
    if (off >= 0x30 && off < 0x34) return 1;                 /* ROM BAR */
    if (off == 0x0C || off == 0x0D) return size <= 2;        /* cache line, latency */
    if (off == 0x04) return size == 2;                       /* command: ignored */
    if (off == CAP_WINDOW + 4) return size == 1;             /* window bar */
    if (off >= CAP_WINDOW + 8 && off < CAP_WINDOW + 16) return size == 4;
    return off >= WINDOW_DATA && off < WINDOW_DATA + 4;
}

static int config_write(struct pci_device *d, uint32_t off, int size, uint32_t val) {
    if (off + (uint32_t)size > PCI_CFG_SIZE || !writable(off, size))
        return -1;
    if (off == 0x04) return 0;
    if (off >= WINDOW_DATA && off < WINDOW_DATA + 4)
        return window_write(d, val);
    for (int i = 0; i < size; i++) d->cfg[off + i] = (uint8_t)(val >> (8 * i));
    if (off == 0x10) {   /* BAR0: low bits forced so a size probe reads back -(size) */
        uint32_t bar = le32(d->cfg + 0x10) & ~(d->bar0_size - 1);
        put_le32(d->cfg + 0x10, bar);
    }
    return 0;
}

uint32_t pci_port_in(struct pci_bus *bus, uint16_t port, int size) {
    uint32_t mask = size == 4 ? 0xFFFFFFFFu : (1u << (8 * size)) - 1;
    if (port < 0xCFC)
        return (bus->conf_addr >> (8 * (port - 0xCF8))) & mask;
    uint32_t off;
    struct pci_device *d = selected(bus, port, &off);
    if (!d || off + (uint32_t)size > PCI_CFG_SIZE)
        return mask;
    uint32_t v = 0;
    for (int i = size - 1; i >= 0; i--) v = (v << 8) | d->cfg[off + (uint32_t)i];
    return v;
}

int pci_port_out(struct pci_bus *bus, uint16_t port, int size, uint32_t val) {
    if (port < 0xCFC) {
        for (int i = 0; i < size && port - 0xCF8 + i < 4; i++) {
            int shift = 8 * (port - 0xCF8 + i);
            bus->conf_addr = (bus->conf_addr & ~(0xFFu << shift)) |
                             (((val >> (8 * i)) & 0xFFu) << shift);
        }
        return 0;
    }
    uint32_t off;
    struct pci_device *d = selected(bus, port, &off);
    return d ? config_write(d, off, size, val) : -1;
}

static void console_bar_write(struct pci_device *d, uint32_t off, uint32_t val, int size) {
    struct virtio_console *con = d->owner;
    if (off == DEVICE_CFG_OFFSET + 8)          /* emerg_wr */
        con->put(con->ctx, (uint8_t)val);
}

void virtio_console_init(struct virtio_console *con, uint32_t mmio_base,
                         void (*put)(void *ctx, uint8_t ch), void *ctx) {
    virtio_pci_init(&con->pci, "console", 3, 1, mmio_base, 12);
    con->pci.bar_write = console_bar_write;
    con->pci.owner = con;
    con->put = put;
    con->ctx = ctx;
}
