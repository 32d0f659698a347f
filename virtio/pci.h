/* pci.h - the PCI bus of the 4.4 launcher: configuration mechanism #1 and virtio-pci config spaces. */
#ifndef LGSIM_PCI_H
#define LGSIM_PCI_H
#include <stdint.h>
#include "virtio/env.h"

#define PCI_SLOTS        32
#define PCI_CFG_SIZE     152     /* the 4.4 launcher's struct pci_config */

/* Offsets in config space of the virtio capabilities (4.4 tools/lguest/lguest.c, struct
 * pci_config and init_pci_config()). */
#define PCI_CAP_COMMON   0x40
#define PCI_CAP_NOTIFY   0x50
#define PCI_CAP_ISR      0x64
#define PCI_CAP_DEVICE   0x74
#define PCI_CAP_WINDOW   0x84
#define PCI_WINDOW_DATA  0x94

/* A BAR0 access: mask is 0xFF, 0xFFFF or 0xFFFFFFFF. */
struct pci_device;
typedef uint32_t (*bar_read_fn)(struct pci_device *d, uint32_t off, uint32_t mask);
typedef void (*bar_write_fn)(struct pci_device *d, uint32_t off, uint32_t val, uint32_t mask);

struct pci_device {
    const char *name;
    uint8_t cfg[PCI_CFG_SIZE];
    uint32_t mmio_addr;          /* where BAR0 lies in the device window */
    uint32_t mmio_size;          /* its emulated bytes; the BAR covers the next power of two */
    bar_read_fn bar_read;
    bar_write_fn bar_write;
    void *owner;
};

struct pci_bus {
    uint32_t conf_addr;          /* the 0xCF8 register */
    struct pci_device *slot[PCI_SLOTS];
    struct pci_device host_bridge;
    uint32_t next_mmio;          /* get_mmio_region()'s cursor */
    unsigned next_irq;           /* IRQ 0 is the timer; devices take 1, 2, ... */
    struct dev_env *env;
};

/* Slot 0 gets the dummy host bridge; BAR0 regions start at mmio_base. */
void pci_bus_init(struct pci_bus *bus, struct dev_env *env, uint32_t mmio_base);

/* Port accesses from the launcher's instruction emulation (size 1, 2 or 4).  A rejected
 * write returns -1: the launcher warns and re-injects #GP, as 4.4 does. */
uint32_t pci_port_in(struct pci_bus *bus, uint16_t port, int size);
int pci_port_out(struct pci_bus *bus, uint16_t port, int size, uint32_t val);
int pci_is_port(uint16_t port);

/* A virtio 1.0 device's config space as 4.4's init_pci_config lays it out, placed in the next
 * slot with the next IRQ and (mmio_size bytes of) BAR0 in the device window. */
int pci_add_virtio(struct pci_bus *bus, struct pci_device *d, const char *name, int virtio_id,
                   uint32_t mmio_size, uint32_t dev_cfg_len);

/* The device whose BAR0 holds guest-physical addr (its offset in *off), or NULL. */
struct pci_device *pci_find_mmio(struct pci_bus *bus, uint32_t addr, uint32_t *off);
/* The end of the last BAR0: the launcher's device_limit is this, rounded up to a page. */
uint32_t pci_mmio_end(const struct pci_bus *bus);
#endif
