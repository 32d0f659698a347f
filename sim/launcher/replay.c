/* replay.c - the recorded input of --replay=TRACE, streamed from the old trace in order. */
#include "sim/launcher/replay.h"
#include "virtio/netdev.h"
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

int replay_is_eof(const struct trace_rec *r) {
    return r->kind == TK_LAUNCHER && r->f[LN_WHAT] == LN_INPUT_EOF;
}

static int is_console(const struct trace_rec *r) {
    return r->kind == TK_CONSOLE_IN || replay_is_eof(r);
}

static int is_input(const struct trace_rec *r) {
    return is_console(r) || r->kind == TK_NET_IN;
}

/* What the replay acts on: inputs, and halts (a backend's timer may have ended one early). */
static int wanted(const struct trace_rec *r) { return is_input(r) || r->kind == TK_HALT; }

/* A run stopped by a signal ends with "stopped by signal N", status 128 + N. */
static void note_end(struct replay *rp, const struct trace_rec *last) {
    rp->end_t = last->kind == TK_NONE ? 0 : last->t;
    rp->stopped = last->kind == TK_DEATH && last->f[DT_EXIT_CODE] > 128 &&
                  !strncmp(last->text, "stopped by signal", 17);
    if (!rp->stopped) return;
    rp->stop_t = last->t;
    rp->stop_code = last->f[DT_EXIT_CODE];
    memcpy(rp->stop_reason, last->text, sizeof(rp->stop_reason));
}

/* The first pass: the whole file checked, its inputs counted, how it ended. */
static int scan(struct replay *rp, const char *path, char *err, size_t errlen) {
    static struct trace_rec rec;
    int got;
    char why[sizeof(rp->r.err)];
    if (trace_reader_open(&rp->r, path, why, sizeof(why))) {
        snprintf(err, errlen, "--replay: %s", why);
        return -1;
    }
    rec.kind = TK_NONE;
    while ((got = trace_read(&rp->r, &rec)) == 1) {
        rp->inputs_left += is_input(&rec);
        rp->console_left += is_console(&rec);
    }
    if (got < 0) snprintf(err, errlen, "--replay: %s", rp->r.err);
    else note_end(rp, &rec);
    trace_reader_close(&rp->r);
    return got < 0 ? -1 : 0;
}

/* Different inputs or options: the recorded input would land at the wrong places. */
static int check_header(const struct trace_header *old, const struct trace_header *now,
                        const char *path, char *warn, size_t warnlen, char *err,
                        size_t errlen) {
    static struct trace_header same_version;
    char why[TRACE_STR_MAX * 2 + 64];
    same_version = *old;
    memcpy(same_version.lgsim_version, now->lgsim_version, sizeof(now->lgsim_version));
    if (trace_header_differs(&same_version, now, why, sizeof(why))) {
        snprintf(err, errlen, "--replay: %s is not a run of this machine: %.400s (replay with "
                 "the kernel, initrd, disks and options it was recorded with)", path, why);
        return -1;
    }
    if (trace_header_differs(old, now, why, sizeof(why)))
        snprintf(warn, warnlen, "--replay: warning: %s was %.200s: the run may part from it "
                 "(lgsim stops it where it does)", path, why);
    return 0;
}

int replay_open(struct replay *rp, const char *path, const struct trace_header *now,
                char *warn, size_t warnlen, char *err, size_t errlen) {
    memset(rp, 0, sizeof(*rp));
    warn[0] = 0;
    if (scan(rp, path, err, errlen)) return -1;
    if (trace_reader_open(&rp->r, path, err, errlen)) return -1;
    if (check_header(&rp->r.h, now, path, warn, warnlen, err, errlen)) {
        trace_reader_close(&rp->r);
        return -1;
    }
    rp->frame = malloc(NET_FRAME_MAX);
    if (!rp->frame) {
        snprintf(err, errlen, "--replay: out of memory");
        trace_reader_close(&rp->r);
        return -1;
    }
    return 0;
}

const struct trace_rec *replay_peek(struct replay *rp) {
    while (!rp->have && !rp->failed) {
        int got = trace_read(&rp->r, &rp->next);
        if (got < 0) {   /* the file changed since replay_open read it */
            rp->failed = 1;
            snprintf(rp->err, sizeof(rp->err), "%s", rp->r.err);
        }
        if (got <= 0) return NULL;
        rp->have = wanted(&rp->next);
    }
    return rp->have ? &rp->next : NULL;
}

void replay_take(struct replay *rp) {
    if (!rp->have) return;
    rp->inputs_left -= is_input(&rp->next);
    rp->console_left -= is_console(&rp->next);
    rp->have = 0;
}

uint32_t replay_take_console(struct replay *rp, uint8_t *buf, uint32_t max, uint64_t *index) {
    const struct trace_rec *r = replay_peek(rp);
    uint32_t n = 0;
    *index = r ? r->index : 0;
    uint64_t t = r ? r->t : 0;
    while (r && r->kind == TK_CONSOLE_IN && r->t == t && n + r->text_len <= max) {
        uint32_t len = r->text_len;
        memcpy(buf + n, r->text, len);
        n += len;
        replay_take(rp);
        if (len < TRACE_TEXT_MAX) break;   /* the last piece of this delivery */
        r = replay_peek(rp);
    }
    return n;
}

static int bad_frame(struct replay *rp, const struct trace_rec *r, const char *why) {
    snprintf(rp->err, sizeof(rp->err), "%s: record %" PRIu64 ": net_in %s", rp->r.name,
             r->index, why);
    return -1;
}

int replay_take_frame(struct replay *rp) {
    const struct trace_rec *r = replay_peek(rp);
    uint32_t irq = r->f[NI_IRQ], len = r->f[NI_LEN], done = 0;
    uint64_t t = r->t;
    if (len < NET_HDR_LEN || len > NET_FRAME_MAX) return bad_frame(rp, r, "of a bad length");
    do {
        if (r->kind != TK_NET_IN || r->t != t || r->f[NI_IRQ] != irq || r->f[NI_LEN] != len ||
            r->f[NI_OFFSET] != done || !r->text_len || r->text_len > len - done)
            return bad_frame(rp, r, "piece out of place: the frame is broken");
        memcpy(rp->frame + done, r->text, r->text_len);
        done += r->text_len;
        replay_take(rp);
    } while (done < len && (r = replay_peek(rp)) != NULL);
    return done == len ? (int)len : bad_frame(rp, &rp->next, "frame ends early");
}

void replay_close(struct replay *rp) {
    if (!rp->frame) return;
    trace_reader_close(&rp->r);
    free(rp->frame);
    rp->frame = NULL;
}
