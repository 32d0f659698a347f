/* pci.c - PCI configuration cycles on ports 0xCF8/0xCFC and virtio-pci config spaces. */
#include "virtio/pci.h"
#include "mmu/phys.h"
#include <string.h>

/*
 * Linux 4.4 tools/lguest/lguest.c keeps each config space as an array of 32-bit words and
 * decides what a data-port access means by the *word* the address register selects, whatever
 * byte of it the port (0xCFC + k) names.  lgsim does the same, so odd accesses (a byte write to
 * the header-type byte, which shares a word with the writable cache-line size) behave as there.
 */
#define W_COMMAND   1
#define W_CACHELINE 3
#define W_BAR0      4
#define W_CIS       10    /* 4.4's "bar[6]": one past BAR5, also writable */
#define W_ROM       12
#define W_WIN_BAR   (PCI_CAP_WINDOW / 4 + 1)
#define W_WIN_OFF   (PCI_CAP_WINDOW / 4 + 2)
#define W_WIN_LEN   (PCI_CAP_WINDOW / 4 + 3)
#define W_WIN_DATA  (PCI_WINDOW_DATA / 4)
#define DEVICE_CFG_OFFSET 60    /* sizeof(struct virtio_pci_mmio) */

int pci_is_port(uint16_t port) { return port >= 0xCF8 && port <= 0xCFF; }

static uint32_t word(const struct pci_device *d, uint32_t w) { return le32(d->cfg + 4 * w); }
static void set_word(struct pci_device *d, uint32_t w, uint32_t v) { put_le32(d->cfg + 4 * w, v); }

/* The 4.4 launcher's ioread()/iowrite(): byte k of a word, under a 1/2/4-byte mask. */
static uint32_t io_get(uint32_t word_val, unsigned k, uint32_t mask) {
    return (word_val >> (8 * k)) & mask;
}
static uint32_t io_put(uint32_t word_val, unsigned k, uint32_t mask, uint32_t v) {
    return (word_val & ~(mask << (8 * k))) | ((v & mask) << (8 * k));
}

static uint32_t pow2_at_least(uint32_t n) {
    uint32_t p = 1;
    while (p < n) p <<= 1;
    return p;
}

void pci_bus_init(struct pci_bus *bus, struct dev_env *env, uint32_t mmio_base) {
    memset(bus, 0, sizeof(*bus));
    bus->env = env;
    bus->next_mmio = mmio_base;
    bus->next_irq = 1;
    /* Linux expects a host bridge first on the bus: all zero but the class.  Vendor 0 makes
     * the bus scan skip it; the conf1 sanity check only looks at the class. */
    bus->host_bridge.name = "PCI Host Bridge";
    bus->host_bridge.cfg[0x0B] = 0x06;
    bus->slot[0] = &bus->host_bridge;
}

static void put_cap(uint8_t *c, int at, int next, int len, int type, uint32_t off, uint32_t n) {
    c[at] = 0x09;                  /* PCI_CAP_ID_VNDR */
    c[at + 1] = (uint8_t)next;
    c[at + 2] = (uint8_t)len;
    c[at + 3] = (uint8_t)type;
    c[at + 4] = 0;                 /* BAR 0 */
    put_le32(c + at + 8, off);
    put_le32(c + at + 12, n);
}

/* init_pci_config(), new_pci_device() and set_device_config() of 4.4, in one. */
int pci_add_virtio(struct pci_bus *bus, struct pci_device *d, const char *name, int virtio_id,
                   uint32_t mmio_size, uint32_t dev_cfg_len) {
    static const uint8_t class_of[][2] = { [1] = { 0x02, 0x00 }, [2] = { 0x01, 0x80 },
                                           [3] = { 0x07, 0x00 }, [4] = { 0xFF, 0x00 } };
    int slot = 1;
    while (slot < PCI_SLOTS && bus->slot[slot]) slot++;
    if (slot == PCI_SLOTS || virtio_id < 1 || virtio_id > 4)
        return -1;   /* 4.4: "Can only handle 31 PCI devices" */
    uint8_t *c = d->cfg;
    memset(c, 0, sizeof(d->cfg));
    d->name = name;
    put_le16(c + 0x00, 0x1AF4);
    put_le16(c + 0x02, (uint16_t)(0x1040 + virtio_id));
    put_le16(c + 0x06, 0x0010);            /* status: capability list */
    c[0x08] = 1;                           /* revision */
    c[0x0A] = class_of[virtio_id][1];
    c[0x0B] = class_of[virtio_id][0];
    put_le16(c + 0x2E, 0x40);              /* subsystem id */
    c[0x34] = PCI_CAP_COMMON;
    c[0x3C] = (uint8_t)bus->next_irq++;    /* the IRQ line is the Guest IRQ itself */
    put_cap(c, PCI_CAP_COMMON, PCI_CAP_NOTIFY, 16, 1, 0, 56);
    put_cap(c, PCI_CAP_NOTIFY, PCI_CAP_ISR, 20, 2, 56, 2);   /* notify_off_multiplier 0 */
    put_cap(c, PCI_CAP_ISR, PCI_CAP_WINDOW, 16, 3, 58, 1);
    put_cap(c, PCI_CAP_DEVICE, 0, 16, 4, DEVICE_CFG_OFFSET, dev_cfg_len);
    /* The device-config capability is linked in (after the window) only if there is one. */
    put_cap(c, PCI_CAP_WINDOW, dev_cfg_len ? PCI_CAP_DEVICE : 0, 20, 5, 0, 0);
    d->mmio_size = mmio_size;
    d->mmio_addr = bus->next_mmio;
    bus->next_mmio += pow2_at_least(mmio_size);
    put_le32(c + 0x10, d->mmio_addr);
    bus->slot[slot] = d;
    return slot;
}

struct pci_device *pci_find_mmio(struct pci_bus *bus, uint32_t addr, uint32_t *off) {
    for (int i = 1; i < PCI_SLOTS; i++) {
        struct pci_device *d = bus->slot[i];
        if (d && addr >= d->mmio_addr && addr - d->mmio_addr < d->mmio_size) {
            *off = addr - d->mmio_addr;
            return d;
        }
    }
    return NULL;
}

uint32_t pci_mmio_end(const struct pci_bus *bus) { return bus->next_mmio; }

/* The device and config word the 0xCF8 register selects (4.4's dev_and_reg). */
static struct pci_device *selected(struct pci_bus *bus, uint32_t *w) {
    uint32_t a = bus->conf_addr;
    uint32_t reg = (a >> 2) & 0x3F, fn = (a >> 8) & 7, dev = (a >> 11) & 0x1F, b = (a >> 16) & 0xFF;
    if (!(a & 0x80000000u) || fn != 0 || b != 0 || reg * 4 >= PCI_CFG_SIZE)
        return NULL;
    *w = reg;
    return bus->slot[dev];
}

/* The config-access window (VIRTIO_PCI_CAP_PCI_CFG) names an aligned 1/2/4-byte BAR0 field. */
static int window_ok(const struct pci_device *d) {
    uint32_t off = word(d, W_WIN_OFF), len = word(d, W_WIN_LEN);
    if (d->cfg[PCI_CAP_WINDOW + 4] != 0 || off >= d->mmio_size || off + len > d->mmio_size)
        return 0;
    return (len == 1 || len == 2 || len == 4) && off % len == 0;
}

static uint32_t len_mask(uint32_t len) { return (uint32_t)((1ull << (8 * len)) - 1); }

static uint32_t data_in(struct pci_bus *bus, unsigned k, uint32_t mask) {
    uint32_t w;
    struct pci_device *d = selected(bus, &w);
    if (!d) return 0xFFFFFFFFu & mask;
    if (w == W_WIN_DATA) {   /* a read through the window is a BAR0 read into it */
        if (!window_ok(d)) {
            dev_fatal(bus->env, "%s: bad driver: Invalid cfg_access to bar%u, offset %u len %u",
                      d->name, d->cfg[PCI_CAP_WINDOW + 4], word(d, W_WIN_OFF),
                      word(d, W_WIN_LEN));
            return 0xFFFFFFFFu & mask;
        }
        uint32_t len = word(d, W_WIN_LEN);
        set_word(d, W_WIN_DATA, d->bar_read(d, word(d, W_WIN_OFF), len_mask(len)));
    }
    return io_get(word(d, w), k, mask);
}

/* 4.4's pci_data_iowrite: which words the Guest may write, and how. */
static int data_out(struct pci_bus *bus, unsigned k, uint32_t mask, uint32_t val) {
    uint32_t w;
    struct pci_device *d = selected(bus, &w);
    if (!d) return -1;
    if (w == W_BAR0) {   /* low bits forced to 0, so an all-ones probe reads -(size) */
        uint32_t bar = io_put(word(d, w), k, mask, val);
        for (uint32_t bit = 1; bit && bit < d->mmio_size; bit <<= 1) bar &= ~bit;
        set_word(d, w, bar);
    } else if ((w > W_BAR0 && w <= W_CIS) || w == W_ROM ||
               w == W_WIN_BAR || w == W_WIN_OFF || w == W_WIN_LEN) {
        set_word(d, w, io_put(word(d, w), k, mask, val));
    } else if (w == W_CACHELINE) {   /* only cache line and latency timer, for 32-bit writes */
        set_word(d, w, io_put(word(d, w), k, mask == 0xFFFFFFFFu ? 0xFFFF : mask, val));
    } else if (w == W_COMMAND && mask == 0xFFFF) {
        /* command writes are ignored */
    } else if (w == W_WIN_DATA) {
        if (!window_ok(d)) return -1;
        set_word(d, w, io_put(word(d, w), k, mask, val));
        /* The access width is the window's length, not this write's. */
        if (d->bar_write)
            d->bar_write(d, word(d, W_WIN_OFF), word(d, w), len_mask(word(d, W_WIN_LEN)));
    } else {
        return -1;   /* capabilities and the rest are read-only */
    }
    return 0;
}

static uint32_t size_mask(int size) { return size == 4 ? 0xFFFFFFFFu : (1u << (8 * size)) - 1; }

/* @tour Drivers 20: Configuration mechanism #1
 * The Launcher's side of those ports: an address register at 0xCF8, data through 0xCFC, and
 * 4.4's config space for each device, whose window capability lets a driver read and write
 * the device's BAR0 registers without mapping them.
 */
uint32_t pci_port_in(struct pci_bus *bus, uint16_t port, int size) {
    uint32_t mask = size_mask(size);
    if (port < 0xCFC)
        return io_get(bus->conf_addr, port - 0xCF8u, mask);
    return data_in(bus, port - 0xCFCu, mask);
}

int pci_port_out(struct pci_bus *bus, uint16_t port, int size, uint32_t val) {
    uint32_t mask = size_mask(size);
    if (port < 0xCFC) {
        bus->conf_addr = io_put(bus->conf_addr, port - 0xCF8u, mask, val);
        return 0;
    }
    return data_out(bus, port - 0xCFCu, mask, val);
}
