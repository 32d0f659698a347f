/* machine.c - the whole machine as bytes: Host, CPU, memory, devices, clock, input, trace. */
#include "sim/launcher/launcher.h"
#include "virtio/state.h"
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

/*
 * lgsim's time travel (4.4 has none) rests on this: between two lguest_run()s, everything the
 * rest of the run depends on, in tagged sections:
 *   HOST  the Host through the door (its Guest, the CPU, all of the machine's memory)
 *   LNCH  the Launcher's own: console input read but not yet given, counts, the boots, the
 *         devices' failure flag, the PCI address register
 *   RECD  the recorder: console text not yet in a record, the open page-fault round trip
 *   DEVS  each device as the Guest's driver left it, an rng's stream position, and for a
 *         copy-on-write disk its overlay's map and copies
 *   TRCE  the trace writer: the chunk being built (and, in a saved file, the trace so far)
 * A restore goes into a Launcher set up from the same command line, checks every section's
 * tag and size against it first, and only then changes anything.
 */

struct sbuf { uint8_t *p; size_t len, cap; int bad; };

static uint8_t *grow(struct sbuf *b, size_t n) {
    if (b->bad) return NULL;
    if (b->len + n > b->cap) {
        size_t cap = b->cap ? b->cap : 1 << 20;
        while (cap < b->len + n) cap *= 2;
        uint8_t *q = realloc(b->p, cap);
        if (!q) { b->bad = 1; return NULL; }
        b->p = q;
        b->cap = cap;
    }
    uint8_t *at = b->p + b->len;
    b->len += n;
    return at;
}

static void put(struct sbuf *b, const void *v, size_t n) {
    uint8_t *at = grow(b, n);
    if (at) memcpy(at, v, n);
}

/* A section: tag, u64 length, then the bytes (reserved here, filled by the caller). */
static uint8_t *section(struct sbuf *b, const char tag[4], size_t n) {
    uint8_t hdr[12];
    memcpy(hdr, tag, 4);
    put_le32(hdr + 4, (uint32_t)n);
    put_le32(hdr + 8, (uint32_t)((uint64_t)n >> 32));
    put(b, hdr, 12);
    return grow(b, n);
}

struct launcher_own {
    struct console_stdin in;
    uint64_t n_gp_emulated, restart_ns, n_inputs, console_bytes;
    uint32_t boots, conf_addr;
    int32_t failed;
};

static void save_launcher(struct launcher *l, struct sbuf *b) {
    struct launcher_own o;
    memset(&o, 0, sizeof(o));   /* its padding too: the same machine is the same bytes */
    o.in = l->in;
    o.n_gp_emulated = l->n_gp_emulated;
    o.restart_ns = l->restart_ns;
    o.n_inputs = l->n_inputs;
    o.console_bytes = l->console_bytes;
    o.boots = l->boots;
    o.conf_addr = l->pci.conf_addr;
    o.failed = l->dev_env.failed;
    uint8_t *at = section(b, "LNCH", sizeof(o));
    if (at) memcpy(at, &o, sizeof(o));
}

static void save_recorder(struct launcher *l, struct sbuf *b) {
    struct recorder r = l->rec;
    r.switches = NULL;
    r.names = (struct trace_namer){ NULL, NULL };
    r.w = NULL;
    r.tap = NULL;
    r.tap_ctx = NULL;
    r.last.first_sym = r.last.last_sym = NULL;   /* names in the Host's Switcher image */
    uint8_t *at = section(b, "RECD", sizeof(r));
    if (at) memcpy(at, &r, sizeof(r));
}

static size_t cow_bytes(const struct cow *c) {
    return 8 + c->blocks * 8 + (c->data_end - c->data_off);
}

/* A network device in a checkpoint: its queues as the driver left them and its counts; the
 * frames its backend queued are the outside world's, as stdin's bytes are (never restored). */
#define NET_STATE_SIZE (VIRTIO_STATE_SIZE + 32)

static void save_nets(struct launcher *l, uint8_t *at) {
    for (int i = 0; i < l->n_nets; i++, at += NET_STATE_SIZE) {
        struct virtio_net *n = &l->nets[i];
        uint64_t c[4] = { n->tx_frames, n->rx_frames, n->rx_dropped, n->tx_dropped };
        virtio_state_save(&n->dev, at);
        memcpy(at + VIRTIO_STATE_SIZE, c, sizeof(c));
    }
}

static void restore_nets(struct launcher *l, const uint8_t *at) {
    for (int i = 0; i < l->n_nets; i++, at += NET_STATE_SIZE) {
        struct virtio_net *n = &l->nets[i];
        uint64_t c[4];
        virtio_state_restore(&n->dev, at);
        memcpy(c, at + VIRTIO_STATE_SIZE, sizeof(c));
        n->tx_frames = c[0], n->rx_frames = c[1], n->rx_dropped = c[2], n->tx_dropped = c[3];
    }
}

static void save_devices(struct launcher *l, struct sbuf *b) {
    size_t n = VIRTIO_STATE_SIZE * (1 + (size_t)l->n_blocks + (size_t)l->n_rngs) +
               8 * (size_t)l->n_rngs + NET_STATE_SIZE * (size_t)l->n_nets;
    for (int i = 0; i < l->n_blocks; i++)
        if (l->blocks[i].cowed) n += cow_bytes(&l->blocks[i].cow);
    uint8_t *at = section(b, "DEVS", n);
    if (!at) return;
    virtio_state_save(&l->console.dev, at);
    at += VIRTIO_STATE_SIZE;
    save_nets(l, at);
    at += NET_STATE_SIZE * (size_t)l->n_nets;
    for (int i = 0; i < l->n_rngs; i++) {
        virtio_state_save(&l->rngs[i].dev, at);
        memcpy(at + VIRTIO_STATE_SIZE, &l->rngs[i].state, 8);
        at += VIRTIO_STATE_SIZE + 8;
    }
    for (int i = 0; i < l->n_blocks; i++) {
        virtio_state_save(&l->blocks[i].dev, at);
        at += VIRTIO_STATE_SIZE;
        if (!l->blocks[i].cowed) continue;
        struct cow_state s;
        struct cow *c = &l->blocks[i].cow;
        if (cow_save_state(c, &s)) {
            b->bad = 1;
            return;
        }
        memcpy(at, &s.data_end, 8);
        memcpy(at + 8, s.map, c->blocks * 8);
        memcpy(at + 8 + c->blocks * 8, s.data, s.data_end - c->data_off);
        at += cow_bytes(c);
        cow_free_state(&s);
    }
}

static void save_trace(struct launcher *l, struct sbuf *b, int with_file) {
    if (!l->rec.w) {
        section(b, "TRCE", 0);
        return;
    }
    size_t n = trace_writer_state_size(&l->trace, with_file);
    uint8_t *at = section(b, "TRCE", n);
    if (at && trace_writer_state_save(&l->trace, at, with_file)) b->bad = 1;
}

int machine_save(struct launcher *l, int with_trace_file, uint8_t **out, size_t *len,
                 char *err, size_t errlen) {
    size_t cap = 0;
    *out = NULL;
    if (machine_save_reusing(l, with_trace_file, out, len, &cap, err, errlen) == 0) return 0;
    free(*out);
    *out = NULL;
    return -1;
}

int machine_save_reusing(struct launcher *l, int with_trace_file, uint8_t **out, size_t *len,
                         size_t *cap, char *err, size_t errlen) {
    if (l->n_nets && !(with_trace_file & MACHINE_SAVE_CHECKPOINT)) {
        snprintf(err, errlen, "a machine with a network device cannot be saved to a file: its "
                 "backend (slirp's connections, a TAP device) lives outside lgsim");
        return -1;
    }
    if (l->replay) {
        snprintf(err, errlen, "a replayed run cannot be saved");
        return -1;
    }
    struct sbuf b = { *out, 0, *cap, 0 };   /* a buffer to fill again (checkpoints) */
    uint8_t *at = section(&b, "HOST", lguest_state_size(l->lg));
    if (at && !(with_trace_file & MACHINE_SAVE_NO_HOST)) lguest_state_save(l->lg, at);
    with_trace_file &= MACHINE_SAVE_TRACE_FILE;
    save_launcher(l, &b);
    save_recorder(l, &b);
    save_devices(l, &b);
    save_trace(l, &b, with_trace_file);
    *out = b.p;
    *cap = b.cap;
    if (b.bad) {
        snprintf(err, errlen, "out of memory (or a disk overlay could not be read) saving the "
                 "machine");
        return -1;
    }
    *len = b.len;
    return 0;
}

/* --- restore: every section checked before anything changes --- */

struct sections { const uint8_t *at[5]; size_t len[5]; };
static const char *const tags[5] = { "HOST", "LNCH", "RECD", "DEVS", "TRCE" };

/* no_host: p holds the HOST section's header only (a checkpoint keeps those bytes itself). */
static int split(const uint8_t *p, size_t len, int no_host, struct sections *s, char *err,
                 size_t errlen) {
    size_t off = 0;
    for (int i = 0; i < 5; i++) {
        if (len - off < 12 || memcmp(p + off, tags[i], 4)) {
            snprintf(err, errlen, "no %s section at byte %zu of the machine state", tags[i], off);
            return -1;
        }
        uint64_t n = le32(p + off + 4) | (uint64_t)le32(p + off + 8) << 32;
        if (i == 0 && no_host) {
            s->at[0] = p + off + 12;   /* no bytes there: only offsets are taken from it */
            s->len[0] = (size_t)n;
            off += 12;
            continue;
        }
        if (n > len - off - 12) {
            snprintf(err, errlen, "the %s section at byte %zu is cut short", tags[i], off);
            return -1;
        }
        s->at[i] = p + off + 12;
        s->len[i] = (size_t)n;
        off += 12 + (size_t)n;
    }
    if (off != len) {
        snprintf(err, errlen, "%zu bytes after the last section, at byte %zu", len - off, off);
        return -1;
    }
    return 0;
}

static size_t devices_bytes(struct launcher *l, const uint8_t *p, size_t len) {
    size_t n = VIRTIO_STATE_SIZE * (1 + (size_t)l->n_blocks + (size_t)l->n_rngs) +
               8 * (size_t)l->n_rngs + NET_STATE_SIZE * (size_t)l->n_nets;
    size_t at = n - VIRTIO_STATE_SIZE * (size_t)l->n_blocks;   /* where the disks begin */
    for (int i = 0; i < l->n_blocks; i++) {
        at += VIRTIO_STATE_SIZE;
        if (!l->blocks[i].cowed) continue;
        const struct cow *c = &l->blocks[i].cow;
        uint64_t end;
        if (at + 8 > len) return (size_t)-1;
        memcpy(&end, p + at, 8);
        if (end < c->data_off || (end - c->data_off) % COW_BLOCK ||
            end - c->data_off > (uint64_t)len) return (size_t)-1;
        size_t one = 8 + c->blocks * 8 + (size_t)(end - c->data_off);
        n += one;
        at += one;
    }
    return n;
}

/* Counts that index buffers, taken from the file, must fit them: a file whose checksums hold
 * may still not be one lgsim wrote.  Byte offsets are the machine state's (split()'s). */
static int bad_values(const struct sections *s, char *err, size_t errlen) {
    struct launcher_own o;
    struct recorder r;
    memcpy(&o, s->at[1], sizeof(o));
    memcpy(&r, s->at[2], sizeof(r));
    const char *what = NULL;
    const uint8_t *at = NULL;
    if (o.in.len > sizeof(o.in.buf)) {
        what = "the console input waiting";
        at = s->at[1] + offsetof(struct launcher_own, in.len);
    } else if (r.con_len >= TRACE_TEXT_MAX) {
        what = "the console output waiting";
        at = s->at[2] + offsetof(struct recorder, con_len);
    } else if (r.rt_state > RT_RETRIED) {
        what = "the round trip's state";
        at = s->at[2] + offsetof(struct recorder, rt_state);
    }
    if (!what) return 0;
    snprintf(err, errlen, "%s is out of range at byte %zu of the machine state: not a state "
             "lgsim saved", what, (size_t)(at - (s->at[0] - 12)));
    return -1;
}

static int check(struct launcher *l, const struct sections *s, int want_trace_file, char *err,
                 size_t errlen) {
    size_t want[4] = { lguest_state_size(l->lg), sizeof(struct launcher_own),
                       sizeof(struct recorder), devices_bytes(l, s->at[3], s->len[3]) };
    for (int i = 0; i < 4; i++)
        if (s->len[i] != want[i]) {
            snprintf(err, errlen, "the %s section is %zu bytes, this machine's is %zu: not a "
                     "state of this machine", tags[i], s->len[i], want[i]);
            return -1;
        }
    if (bad_values(s, err, errlen)) return -1;
    if (want_trace_file && l->opt.trace_path && !s->len[4]) {
        snprintf(err, errlen, "--trace: the saved run had no trace to go on with");
        return -1;
    }
    if (!want_trace_file && !l->rec.w != !s->len[4]) {
        snprintf(err, errlen, "a checkpoint of another run");
        return -1;
    }
    return 0;
}

static int restore_devices(struct launcher *l, const uint8_t *at) {
    virtio_state_restore(&l->console.dev, at);
    at += VIRTIO_STATE_SIZE;
    restore_nets(l, at);
    at += NET_STATE_SIZE * (size_t)l->n_nets;
    for (int i = 0; i < l->n_rngs; i++) {
        virtio_state_restore(&l->rngs[i].dev, at);
        memcpy(&l->rngs[i].state, at + VIRTIO_STATE_SIZE, 8);
        at += VIRTIO_STATE_SIZE + 8;
    }
    for (int i = 0; i < l->n_blocks; i++) {
        virtio_state_restore(&l->blocks[i].dev, at);
        at += VIRTIO_STATE_SIZE;
        if (!l->blocks[i].cowed) continue;
        struct cow *c = &l->blocks[i].cow;
        struct cow_state s;
        memcpy(&s.data_end, at, 8);
        s.map = malloc(c->blocks * 8 + 1);
        s.data = malloc(s.data_end - c->data_off + 1);
        int bad = !s.map || !s.data;
        if (!bad) {
            memcpy(s.map, at + 8, c->blocks * 8);
            memcpy(s.data, at + 8 + c->blocks * 8, s.data_end - c->data_off);
            bad = cow_restore_state(c, &s);
        }
        at += 8 + c->blocks * 8 + (s.data_end - c->data_off);
        cow_free_state(&s);
        if (bad) return -1;
    }
    return 0;
}

/* from_file: the trace section holds the trace so far, and a traced run resumes it at
 * trace_path; otherwise (a checkpoint of this run) the trace file is cut back. */
static int restore_checked(struct launcher *l, const struct sections *sp, int from_file,
                           int (*put_host)(struct launcher *l, void *ctx), void *ctx,
                           char *err, size_t errlen) {
    const struct sections s = *sp;
    if (put_host ? put_host(l, ctx) : lguest_state_restore(l->lg, s.at[0], s.len[0])) {
        snprintf(err, errlen, "the Host refused the saved state");
        return -1;
    }
    struct launcher_own o;
    memcpy(&o, s.at[1], sizeof(o));
    l->in = o.in;
    l->n_gp_emulated = o.n_gp_emulated;
    l->restart_ns = o.restart_ns;
    l->n_inputs = o.n_inputs;
    l->console_bytes = o.console_bytes;
    if (from_file) l->console_shown = o.console_bytes;   /* the saved run showed those */
    l->boots = o.boots;
    l->pci.conf_addr = o.conf_addr;
    l->dev_env.failed = o.failed;
    struct recorder r;
    memcpy(&r, s.at[2], sizeof(r));
    r.switches = l->rec.switches;
    r.names = l->rec.names;   /* this process's, as the other pointers: never the file's */
    r.w = l->rec.w;
    r.tap = l->rec.tap;
    r.tap_ctx = l->rec.tap_ctx;
    r.last.first_sym = r.last.last_sym = NULL;   /* never read again once recorded */
    l->rec = r;
    if (restore_devices(l, s.at[3])) {
        snprintf(err, errlen, "a disk overlay could not be put back as it was");
        return -1;
    }
    /* A saved file's trace was written again when the Launcher was set up (trace_resume). */
    if (!s.len[4] || !l->rec.w || from_file) return 0;
    if (trace_writer_state_rewind(&l->trace, s.at[4], s.len[4])) {
        snprintf(err, errlen, "the trace could not be cut back");
        return -1;
    }
    return 0;
}

int machine_restore(struct launcher *l, const uint8_t *p, size_t len, int from_file,
                    char *err, size_t errlen) {
    struct sections s;
    if (split(p, len, 0, &s, err, errlen) || check(l, &s, from_file, err, errlen)) return -1;
    return restore_checked(l, &s, from_file, NULL, NULL, err, errlen);
}

int machine_restore_but_host(struct launcher *l, const uint8_t *p, size_t len,
                             int (*put_host)(struct launcher *l, void *ctx), void *ctx,
                             char *err, size_t errlen) {
    struct sections s;
    if (split(p, len, 1, &s, err, errlen) || check(l, &s, 0, err, errlen)) return -1;
    return restore_checked(l, &s, 0, put_host, ctx, err, errlen);
}

int machine_trace_section(const uint8_t *p, size_t len, const uint8_t **at, size_t *n) {
    struct sections s;
    char err[200];
    if (split(p, len, 0, &s, err, sizeof(err))) return -1;
    *at = s.at[4];
    *n = s.len[4];
    return 0;
}
