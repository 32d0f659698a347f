/* netdev.h - where a virtio-net device's frames go and come from: slirp, a TAP device, a test. */
#ifndef LGSIM_NETDEV_H
#define LGSIM_NETDEV_H
#include <stddef.h>
#include <stdint.h>
#include "virtio/pollset.h"

/* Every frame crosses this interface behind a virtio_net_hdr_v1 (12 bytes), as it crosses
 * 4.4's TAP device: flags, gso_type, hdr_len, gso_size, csum_start, csum_offset, num_buffers. */
#define NET_HDR_LEN        12
#define NET_HDR_F_NEEDS_CSUM 1
#define NET_GSO_NONE       0
#define NET_GSO_TCPV4      1
#define NET_GSO_UDP        3
#define NET_GSO_TCPV6      4
#define NET_GSO_ECN        0x80
/* The largest frame either way: a 64 KiB TSO frame, its headers and the virtio header. */
#define NET_FRAME_MAX      (NET_HDR_LEN + 14 + 65535 + 4)

struct netdev;
struct netdev_ops {
    /* A frame from the Guest, header first. */
    void (*send)(struct netdev *nd, const uint8_t *frame, uint32_t len);
    /* Before lgsim waits: the backend's descriptors go into ps.  Returns the virtual time (ns)
     * its next timer is due, or 0 for none. */
    uint64_t (*prepare)(struct netdev *nd, struct pollset *ps);
    /* After the wait: read what came, run the timers that are due (ps as prepare filled it). */
    void (*poll)(struct netdev *nd, struct pollset *ps);
    /* Optional: just before the device gives the Guest frames, a backend whose frames are due
     * only at certain points (a replay: those of the trace at this virtual time) queues them. */
    void (*pull)(struct netdev *nd);
    void (*close)(struct netdev *nd);
};

/* The machine fills in the clock and the receiver before the first frame can move. */
struct netdev {
    const struct netdev_ops *ops;
    const char *name;                     /* "user", "tap0" ... for messages */
    /* Frames for the Guest, header first: given whenever the backend has one. */
    void (*receive)(void *ctx, const uint8_t *frame, uint32_t len);
    void *ctx;
    /* lgsim's virtual clock: a backend's timers run on it, never on the host's. */
    uint64_t (*clock_ns)(void *clock_ctx);
    void *clock_ctx;
    /* A line for the user (no "lgsim: ", no newline): the machine shows it with its other
     * messages (a terminal's status line erased first); NULL until then: stderr. */
    void (*say)(void *say_ctx, const char *line);
    void *say_ctx;
    int live;                             /* prepare found something the world can answer */
};

/* --net=user[,OPTION...]: libslirp (NULL with the reason when this build has none).  *mac is
 * the address the Guest is given. */
struct netdev *netdev_slirp_open(const char *opts, uint8_t mac[6], char *err, size_t errlen);
/* --tunnet=IP[:MAC]|bridge:NAME[:MAC], as 4.4: a TAP device (Linux).  *has_mac says whether a
 * MAC was given (the device then offers VIRTIO_NET_F_MAC). */
struct netdev *netdev_tap_open(const char *arg, uint8_t mac[6], int *has_mac, char *err,
                               size_t errlen);
/* The MAC a backend would give the Guest, from its option text alone (a replay opens none):
 * --net=user's mac= or 52:54:00:12:34:56; --tunnet's after the first ':' (past "bridge:").
 * *has_mac: whether there is one; -1 when it does not parse. */
int netdev_args_mac(int tap, const char *arg, uint8_t mac[6], int *has_mac);
/* "aa:bb:cc:dd:ee:ff" to bytes; -1 when it is not one. */
int netdev_parse_mac(const char *s, uint8_t mac[6]);
/* Every message of a backend's goes through here (nd->say). */
void netdev_say(struct netdev *nd, const char *fmt, ...)
    __attribute__((format(LGSIM_PRINTF_FORMAT, 2, 3)));
/* A frame for the Guest from a backend whose frames have no virtio header (slirp): the header
 * says nothing but num_buffers = 1, as virtio 1.0 asks. */
void netdev_receive_plain(struct netdev *nd, const uint8_t *frame, uint32_t len);
#endif
