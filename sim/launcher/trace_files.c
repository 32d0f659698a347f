/* trace_files.c - the run's binary trace, and the trace it replays, under this run's header. */
#include "sim/launcher/launcher.h"
#include "sim/launcher/replay.h"
#include "virtio/cow.h"
#include <errno.h>
#include <string.h>

const char *file_base_name(const char *path) {
    const char *base = path;
    for (const char *p = path; *p; p++) {
#ifdef _WIN32
        if (*p == '\\' || *p == ':') base = p + 1;
#endif
        if (*p == '/') base = p + 1;
    }
    return base;
}

static void name_input(struct trace_input *in, const char *role, const char *path) {
    snprintf(in->role, sizeof(in->role), "%s", role);
    snprintf(in->name, sizeof(in->name), "%s", !path ? "(built-in)" : file_base_name(path));
}

/* A file the Launcher does not hold in memory (a disk image): hashed as it is at the start. */
static int hash_file(struct trace_input *in, const char *path, char *err, size_t errlen) {
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errlen, "cannot read %s for the trace header: %s", path, strerror(errno));
        return -1;
    }
    static uint8_t buf[1 << 16];
    size_t n;
    in->hash = TRACE_HASH_START;
    while ((n = fread(buf, 1, sizeof(buf), f)) > 0) {
        in->hash = trace_hash_more(in->hash, buf, n);
        in->size += n;
    }
    int bad = ferror(f);
    fclose(f);
    if (bad) snprintf(err, errlen, "cannot read %s for the trace header", path);
    return bad ? -1 : 0;
}

/* A copy-on-write disk is hashed as the Guest will see it: the base through its overlay
 * (a snapshot's overlay starts empty, so that is the base alone). */
static int hash_overlaid(struct trace_input *in, const struct launcher_device *d, char *err,
                         size_t errlen) {
    static uint8_t buf[1 << 16];
    int ro = 1;
    char why[300];
    struct cow c;
    struct disk *base = disk_open(d->path, &ro, &in->size, why, sizeof(why));
    if (!base || cow_open(&c, base, in->size, d->overlay, why, sizeof(why))) {
        snprintf(err, errlen, "--block: %s", why);
        return -1;
    }
    in->hash = TRACE_HASH_START;
    for (uint64_t at = 0; at < in->size;) {
        int64_t n = cow_pread(&c, buf, sizeof(buf), at);
        if (n <= 0) {
            snprintf(err, errlen, "cannot read %s for the trace header", d->path);
            cow_close(&c);
            return -1;
        }
        in->hash = trace_hash_more(in->hash, buf, (size_t)n);
        at += (uint64_t)n;
    }
    cow_close(&c);
    return 0;
}

/* The trace header names the inputs by file name and hash, never by where they are. */
static int run_header(struct launcher *l, struct trace_header *hp, char *err, size_t errlen) {
    static struct trace_header h;
    h = (struct trace_header){ .version = TRACE_VERSION, .n_inputs = 1 };
    snprintf(h.lgsim_version, sizeof(h.lgsim_version), "%s", LGSIM_VERSION);
    snprintf(h.options, sizeof(h.options), "%s", l->opt.options_text ? l->opt.options_text : "");
    struct trace_input *in = &h.inputs[0];
    name_input(in, "kernel", l->opt.kernel_path);
    in->size = l->opt.kernel_len;
    in->hash = trace_hash(l->opt.kernel, l->opt.kernel_len);
    if (l->opt.initrd) {
        in = &h.inputs[h.n_inputs++];
        name_input(in, "initrd", l->opt.initrd_path);
        in->size = l->opt.initrd_len;
        in->hash = trace_hash(l->opt.initrd, l->opt.initrd_len);
    }
    for (int i = 0; i < l->opt.n_devices && h.n_inputs < TRACE_INPUTS_MAX; i++) {
        if (l->opt.devices[i].kind != DEV_BLOCK) continue;
        in = &h.inputs[h.n_inputs++];
        name_input(in, "block", l->opt.devices[i].path);
        if (l->opt.devices[i].overlay ? hash_overlaid(in, &l->opt.devices[i], err, errlen) :
            hash_file(in, l->opt.devices[i].path, err, errlen))
            return -1;
    }
    *hp = h;
    return 0;
}

int launcher_inputs(struct launcher *l, struct trace_header *h, char *err, size_t errlen) {
    return run_header(l, h, err, errlen);
}

static int open_trace(struct launcher *l, const struct trace_header *h, char *err,
                      size_t errlen) {
    if (l->opt.trace_resume ?
        trace_writer_resume(&l->trace, l->opt.trace_path, l->opt.trace_resume,
                            l->opt.trace_resume_len, err, errlen) :
        trace_writer_open(&l->trace, l->opt.trace_path, h, err, errlen))
        return -1;
    l->rec.w = &l->trace;
    return 0;
}

/* --replay: the old trace must be a run of this machine (replay.c says what is compared). */
static int open_replay(struct launcher *l, const struct trace_header *h, char *err,
                       size_t errlen) {
    static struct replay rp;
    char warn[400];
    if (replay_open(&rp, l->opt.replay_path, h, warn, sizeof(warn), err, errlen)) return -1;
    if (warn[0]) launcher_say(l, "lgsim: %s\n", warn);
    l->replay = &rp;
    return 0;
}

int launcher_open_traces(struct launcher *l, char *err, size_t errlen) {
    static struct trace_header h;
    if (l->opt.record && !l->opt.trace_path) {
        trace_writer_nowhere(&l->trace);
        l->rec.w = &l->trace;
    }
    if (!l->opt.trace_path && !l->opt.replay_path) return 0;
    if (run_header(l, &h, err, errlen)) return -1;
    if (l->opt.replay_path && open_replay(l, &h, err, errlen)) return -1;
    return l->opt.trace_path ? open_trace(l, &h, err, errlen) : 0;
}

int launcher_close_trace(struct launcher *l, char *err, size_t errlen) {
    if (!l->rec.w) return 0;
    l->rec.w = NULL;
    return trace_writer_close(&l->trace, err, errlen);
}

