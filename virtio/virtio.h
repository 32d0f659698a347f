/* virtio.h - virtio 1.0 devices over PCI as the 4.4 launcher builds them: BAR0 and split rings. */
#ifndef LGSIM_VIRTIO_H
#define LGSIM_VIRTIO_H
#include <stdint.h>
#include "virtio/env.h"
#include "virtio/pci.h"

/* BAR0 is 4.4's struct virtio_pci_mmio: the common config, notify, ISR, then the device's. */
enum {
    VM_DEVICE_FEATURE_SELECT = 0, VM_DEVICE_FEATURE = 4, VM_GUEST_FEATURE_SELECT = 8,
    VM_GUEST_FEATURE = 12, VM_MSIX_CONFIG = 16, VM_NUM_QUEUES = 18, VM_DEVICE_STATUS = 20,
    VM_CONFIG_GENERATION = 21, VM_QUEUE_SELECT = 22, VM_QUEUE_SIZE = 24, VM_QUEUE_MSIX = 26,
    VM_QUEUE_ENABLE = 28, VM_QUEUE_NOTIFY_OFF = 30, VM_QUEUE_DESC = 32, VM_QUEUE_DESC_HI = 36,
    VM_QUEUE_AVAIL = 40, VM_QUEUE_AVAIL_HI = 44, VM_QUEUE_USED = 48, VM_QUEUE_USED_HI = 52,
    VM_COMMON_END = 56, VM_NOTIFY = 56, VM_ISR = 58, VM_PADDING = 59, VM_DEVICE_CONFIG = 60
};

#define VIRTIO_S_ACKNOWLEDGE  1
#define VIRTIO_S_DRIVER       2
#define VIRTIO_S_DRIVER_OK    4
#define VIRTIO_S_FEATURES_OK  8
#define VIRTIO_F_RING_INDIRECT_DESC 28
#define VIRTIO_F_VERSION_1    32
#define VIRTQUEUE_NUM         256      /* 4.4's default queue size */
#define VIRTIO_DEV_CFG_MAX    36       /* the largest device config (block) */
#define VIRTIO_QUEUES_MAX     2

/* One descriptor of a chain, checked to lie in guest RAM: 4.4's struct iovec. */
struct vq_buf {
    uint8_t *base;
    uint32_t len;
};

struct virtio_dev;
struct virtqueue {
    const char *name;
    struct virtio_dev *dev;
    uint8_t cfg[VM_COMMON_END];   /* this queue's copy of the common config (4.4 keeps one) */
    uint16_t num;                 /* from here on, set when the Guest enables the queue */
    uint32_t desc, avail, used;   /* guest-physical */
    uint16_t last_avail;
    unsigned pending_used;        /* used buffers the Guest has not been interrupted for */
    int started;                  /* 4.4 starts its service thread: enabled at DRIVER_OK */
    /* 4.4 runs this in a thread woken by notifications; lgsim calls it at once, on each
     * notify (and at DRIVER_OK), so device work happens at a fixed point of the Guest's run. */
    void (*service)(struct virtqueue *vq);
    struct vq_buf *bufs;          /* room for one chain: num entries */
};

struct virtio_dev {
    struct pci_device pci;
    struct dev_env *env;
    const char *name;
    uint8_t mmio[VM_DEVICE_CONFIG + VIRTIO_DEV_CFG_MAX];
    uint32_t mmio_size;           /* 60 + the device config's length */
    uint64_t features, accepted;
    int wrote_features_ok;        /* FEATURES_OK written and not yet read back */
    struct virtqueue vq[VIRTIO_QUEUES_MAX];
    int nvq;
    /* Console only: emerg_wr, the early console's one character. */
    void (*emerg_wr)(struct virtio_dev *d, uint8_t ch);
    void *owner;                  /* the device that embeds this */
};

/* A new device in the next PCI slot: its config (may be NULL with len 0) goes after BAR0's
 * common part.  Returns -1 when the bus is full. */
int virtio_dev_init(struct virtio_dev *d, struct pci_bus *bus, const char *name, int virtio_id,
                    const void *dev_cfg, uint32_t dev_cfg_len);
void virtio_add_queue(struct virtio_dev *d, const char *name, void (*service)(struct virtqueue *));
void virtio_add_feature(struct virtio_dev *d, unsigned bit);
void virtio_reset(struct virtio_dev *d);
void virtio_free(struct virtio_dev *d);
int virtio_driver_ok(const struct virtio_dev *d);

/* "<dev>: bad driver: ..." and "<dev> vq <queue>: bad driver: ...": the launcher exits. */
void bad_driver(struct virtio_dev *d, const char *fmt, ...)
    __attribute__((format(LGSIM_PRINTF_FORMAT, 2, 3)));
void bad_driver_vq(struct virtqueue *vq, const char *fmt, ...)
    __attribute__((format(LGSIM_PRINTF_FORMAT, 2, 3)));

/* --- the split ring (vring.c) --- */

/* Check a queue the Guest just enabled (alignment, inside RAM, used.flags 0); -1: killed. */
int vq_check(struct virtqueue *vq);
/* Room for one chain of a queue of vq->num (bufs); 0, or -1: out of memory. */
int vq_make_room(struct virtqueue *vq);
/* Whether the Guest has made a buffer available that lgsim has not taken yet. */
int vq_has_buf(struct virtqueue *vq);
/* The next available chain (out buffers, then in buffers, in vq->bufs); its head, or -1 when
 * there is none (the Guest is then interrupted for what was used) or the Guest was killed. */
int vq_pop(struct virtqueue *vq, unsigned *out, unsigned *in);
/* The device stored [at, at+len) of a chain's writable buffers: reported at once, with the
 * device's name and the storing function's (dev_wrote), as every store into guest RAM is. */
#define vq_wrote(vq, at, len) vq_wrote_by(vq, at, len, __func__)
void vq_wrote_by(struct virtqueue *vq, const uint8_t *at, uint32_t len, const char *writer);
/* Put a chain in the used ring with the bytes written into it; later, vq_trigger.  The used
 * ring's entry and index are reported as written (vq_wrote). */
void vq_push(struct virtqueue *vq, unsigned head, uint32_t len);
/* trigger_irq(): ISR bit 0 and the device's IRQ, unless the Guest asked for none. */
void vq_trigger(struct virtqueue *vq);
/* Take len bytes from the front of bufs[0..n) (into dest unless NULL); killed if too short. */
int vq_consume(struct virtqueue *vq, struct vq_buf *bufs, unsigned n, void *dest, uint32_t len);
int vq_bufs_empty(const struct vq_buf *bufs, unsigned n);
#endif
