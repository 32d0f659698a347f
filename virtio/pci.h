/* pci.h - the PCI bus of the 4.4 launcher: configuration mechanism #1 and virtio-pci devices. */
#ifndef LGSIM_PCI_H
#define LGSIM_PCI_H
#include <stdint.h>

#define PCI_SLOTS        32
#define PCI_CFG_SIZE     152     /* the 4.4 launcher's struct pci_config */
#define VIRTIO_BAR0_SIZE 128

struct pci_device;
typedef void (*bar_write_fn)(struct pci_device *d, uint32_t off, uint32_t val, int size);

struct pci_device {
    const char *name;
    uint8_t cfg[PCI_CFG_SIZE];
    uint8_t bar0[VIRTIO_BAR0_SIZE];
    uint32_t bar0_size;          /* chunk of the MMIO window (a power of two) */
    bar_write_fn bar_write;
    void *owner;
};

struct pci_bus {
    uint32_t conf_addr;          /* the 0xCF8 register */
    struct pci_device *slot[PCI_SLOTS];
};

/* Port accesses from the launcher's instruction emulation.  A rejected write returns -1 (the
 * launcher then re-injects #GP, as 4.4 does). */
uint32_t pci_port_in(struct pci_bus *bus, uint16_t port, int size);
int pci_port_out(struct pci_bus *bus, uint16_t port, int size, uint32_t val);
int pci_is_port(uint16_t port);

/* A virtio 1.0 device's config space laid out as the 4.4 launcher does (ABI §11.1). */
void virtio_pci_init(struct pci_device *d, const char *name, int virtio_id, int irq_line,
                     uint32_t mmio_base, uint32_t dev_cfg_len);

/* The virtio console: emerg_wr at BAR0 offset 60 + 8 writes one character. */
struct virtio_console {
    struct pci_device pci;
    void (*put)(void *ctx, uint8_t ch);
    void *ctx;
};
void virtio_console_init(struct virtio_console *con, uint32_t mmio_base,
                         void (*put)(void *ctx, uint8_t ch), void *ctx);
#endif
