/* state.h - a device's state as bytes, for checkpoints and saved machines (lgsim's own). */
#ifndef LGSIM_VIRTIO_STATE_H
#define LGSIM_VIRTIO_STATE_H
#include <stddef.h>
#include <stdint.h>
#include "virtio/virtio.h"

/*
 * What a Guest's driver has done to a device: its PCI configuration space, BAR0 (features
 * chosen, status, each queue's addresses and where lgsim is in its rings), and for the bus the
 * 0xCF8 address register.  Restored into a device set up the same way (same slot, same BAR0
 * address); what the set-up decides (names, callbacks, the device's file) stays.  The device's
 * own state (an rng's stream position, a disk's overlay) the device saves beside this.
 */
#define VIRTIO_STATE_SIZE   (PCI_CFG_SIZE + VM_DEVICE_CONFIG + VIRTIO_DEV_CFG_MAX + 8 + 8 + 4 + \
                             VIRTIO_QUEUES_MAX * (VM_COMMON_END + 2 + 12 + 2 + 4 + 4))
void virtio_state_save(const struct virtio_dev *d, uint8_t out[VIRTIO_STATE_SIZE]);
void virtio_state_restore(struct virtio_dev *d, const uint8_t in[VIRTIO_STATE_SIZE]);
#endif
