/* timetravel.c - checkpoints in memory, and going back to one and forward again to a time. */
#include "sim/launcher/launcher.h"
#include "sim/launcher/term.h"
#include <stdlib.h>
#include <string.h>

/*
 * A checkpoint is machine_save()'s bytes at a turn of the Launcher.  Nearly all of them are the
 * HOST section (the machine's memory), and little of that changes between two checkpoints, so
 * each keeps only the 4 KiB pages of it that differ from the checkpoint before (the first keeps
 * all), and the rest of the bytes (the small sections after HOST) whole.  The latest full
 * bytes are kept to compare against.  Going back rebuilds a checkpoint from the first one and
 * the changes since, restores it (the trace file is cut back to where it was), and runs the
 * machine forward: lgsim is deterministic, so it passes the same states again.
 */
#define TT_PAGE 4096u
#define TT_PIECES 8

struct checkpoint {
    uint64_t t, n_inputs;
    unsigned boots;           /* the Guest's boot it was taken in (a restart starts another) */
    uint64_t *off;            /* where in the HOST section each changed page begins */
    uint32_t *len;            /* and how long it is (pieces end where they end) */
    uint8_t *data;            /* their bytes */
    size_t n_pages;
    uint8_t *tail;            /* the sections after HOST */
    size_t tail_len;
};

struct timetravel {
    struct checkpoint *cp;
    int n, n_cap;
    uint8_t *last;            /* the latest checkpoint's HOST section, whole */
    size_t host_len;          /* the HOST section's size, header included */
    uint8_t *scratch;         /* machine_save()'s other sections (its HOST bytes untouched) */
    size_t scratch_cap;
    uint64_t next_ns;         /* --checkpoints: the next one is due here */
    struct tt_stats st;
    /* The last checkpoint rebuilt, kept whole: a debugger going back puts the same one in
     * place pass after pass (debug/travel.c), and rebuilding it each time costs as much as
     * the restore itself.  Checkpoints never change once taken. */
    uint8_t *built;
    size_t built_len;
    int built_k;
};

static size_t host_section_len(const uint8_t *p) {
    return 12 + (size_t)(le32(p + 4) | (uint64_t)le32(p + 8) << 32);
}

static int grow_pages(struct checkpoint *c, size_t *cap) {
    size_t n = *cap ? *cap * 2 : 256;
    uint64_t *off = realloc(c->off, n * sizeof(*off));
    if (off) c->off = off;
    uint32_t *len = realloc(c->len, n * sizeof(*len));
    if (len) c->len = len;
    uint8_t *data = realloc(c->data, n * TT_PAGE);
    if (data) c->data = data;
    if (!off || !len || !data) return -1;
    *cap = n;
    return 0;
}

/* The Host's pieces against the last checkpoint's bytes, page by page: what changed goes into
 * the checkpoint and into the last bytes (the first checkpoint takes everything). */
static int take_host(struct timetravel *tt, struct launcher *l, struct checkpoint *c,
                     const uint8_t *section_hdr) {
    const uint8_t *p[TT_PIECES];
    size_t n[TT_PIECES], cap = 0;
    int k = lguest_state_pieces(l->lg, p, n, TT_PIECES), first = !tt->last;
    if (k < 0) return -1;
    if (first) {
        if (!(tt->last = malloc(tt->host_len))) return -1;
        memcpy(tt->last, section_hdr, 12);
    }
    size_t at = 12;
    for (int i = 0; i < k; i++) {
        for (size_t o = 0; o < n[i]; o += TT_PAGE) {
            size_t len = n[i] - o < TT_PAGE ? n[i] - o : TT_PAGE;
            if (at + o + len > tt->host_len) return -1;
            if (!first && !memcmp(tt->last + at + o, p[i] + o, len)) continue;
            if (c->n_pages == cap && grow_pages(c, &cap)) return -1;
            c->off[c->n_pages] = at + o;
            c->len[c->n_pages] = (uint32_t)len;
            memcpy(c->data + c->n_pages * TT_PAGE, p[i] + o, len);
            memcpy(tt->last + at + o, p[i] + o, len);
            c->n_pages++;
        }
        at += n[i];
    }
    return at == tt->host_len ? 0 : -1;
}

static void free_checkpoint(struct checkpoint *c) {
    free(c->off);
    free(c->len);
    free(c->data);
    free(c->tail);
}

int tt_checkpoint(struct launcher *l, char *err, size_t errlen) {
    if (!l->tt && !(l->tt = calloc(1, sizeof(*l->tt)))) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    struct timetravel *tt = l->tt;
    uint64_t now = lguest_time(l->lg);
    if (tt->n && tt->cp[tt->n - 1].t >= now) return 0;   /* passing it again: it is there */
    uint64_t t0 = term_wall_ns();
    size_t len;
    if (machine_save_reusing(l, MACHINE_SAVE_NO_HOST | MACHINE_SAVE_CHECKPOINT, &tt->scratch,
                             &len, &tt->scratch_cap, err, errlen))
        return -1;
    if (tt->n == tt->n_cap) {
        int cap = tt->n_cap ? tt->n_cap * 2 : 16;
        struct checkpoint *q = realloc(tt->cp, (size_t)cap * sizeof(*q));
        if (!q) goto oom;
        tt->cp = q;
        tt->n_cap = cap;
    }
    size_t host = host_section_len(tt->scratch);
    if (tt->last && host != tt->host_len) goto oom;
    tt->host_len = host;
    struct checkpoint *c = &tt->cp[tt->n];
    memset(c, 0, sizeof(*c));
    c->t = now;
    c->n_inputs = l->n_inputs;
    c->boots = l->boots;
    c->tail_len = len - host;
    if (!(c->tail = malloc(c->tail_len + 1)) || take_host(tt, l, c, tt->scratch)) {
        free_checkpoint(c);
        goto oom;
    }
    memcpy(c->tail, tt->scratch + host, c->tail_len);
    tt->n++;
    tt->st.n = (unsigned)tt->n;
    tt->st.bytes += c->n_pages * (TT_PAGE + 12) + c->tail_len + sizeof(*c);
    tt->st.host_bytes = host;
    uint64_t spent = term_wall_ns() - t0;
    tt->st.ns_taking += spent;
    if (spent > tt->st.max_ns_taking) tt->st.max_ns_taking = spent;
    return 0;
oom:
    snprintf(err, errlen, "out of memory for a checkpoint");
    return -1;
}

uint64_t tt_next_checkpoint(const struct launcher *l) {
    if (!l->opt.checkpoint_ns) return UINT64_MAX;
    return l->tt ? l->tt->next_ns : 0;
}

void tt_checkpoint_due(struct launcher *l) {
    uint64_t now = lguest_time(l->lg), due = tt_next_checkpoint(l);
    if (due == UINT64_MAX || now < due) return;
    char err[300];
    if (tt_checkpoint(l, err, sizeof(err))) {
        launcher_quit(l, "--checkpoints: %s", err);
        l->exit_code = 2;
        return;
    }
    l->tt->next_ns = (now / l->opt.checkpoint_ns + 1) * l->opt.checkpoint_ns;
}

/* Checkpoint k's bytes again: the first one's pages, each later one's changes, k's tail. */
static uint8_t *rebuild(const struct timetravel *tt, int k, size_t *len) {
    const struct checkpoint *c = &tt->cp[k];
    uint8_t *p = malloc(tt->host_len + c->tail_len);
    if (!p) return NULL;
    memcpy(p, tt->last, 12);   /* the section's header */
    for (int j = 0; j <= k; j++) {
        const struct checkpoint *d = &tt->cp[j];
        for (size_t i = 0; i < d->n_pages; i++)
            memcpy(p + d->off[i], d->data + i * TT_PAGE, d->len[i]);
    }
    memcpy(p + tt->host_len, c->tail, c->tail_len);
    *len = tt->host_len + c->tail_len;
    return p;
}

int tt_count(const struct launcher *l) { return l->tt ? l->tt->n : 0; }

/* Input given since is given again (refeed.c); going back over a restart (a debugger is
 * opened again for the new Guest) is not done yet: the checkpoints since it are the ones. */
static int usable(const struct launcher *l, int i) {
    return l->tt->cp[i].boots == l->boots;
}

int tt_first_usable(const struct launcher *l) {
    int i = tt_count(l);
    while (i > 0 && usable(l, i - 1)) i--;
    return i;
}

uint64_t tt_time(const struct launcher *l, int i) { return l->tt->cp[i].t; }

int tt_restore(struct launcher *l, int k, char *err, size_t errlen) {
    struct timetravel *tt = l->tt;
    if (!tt || k < 0 || k >= tt->n) {
        snprintf(err, errlen, "no checkpoint %d", k);
        return -1;
    }
    if (!usable(l, k)) {
        snprintf(err, errlen, "the guest restarted since the checkpoint at %.6f ms: going "
                 "back over it is not supported yet", tt->cp[k].t / 1e6);
        return -1;
    }
    if (!tt->built || tt->built_k != k) {
        free(tt->built);
        tt->built = rebuild(tt, k, &tt->built_len);
        tt->built_k = k;
    }
    if (!tt->built) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    refeed_begin(l);   /* the input given since comes again from the log */
    if (machine_restore(l, tt->built, tt->built_len, 0, err, errlen)) return -1;
    if (l->opt.checkpoint_ns)
        tt->next_ns = (tt->cp[k].t / l->opt.checkpoint_ns + 1) * l->opt.checkpoint_ns;
    return 0;
}

int tt_back(struct launcher *l, uint64_t t, char *err, size_t errlen) {
    struct timetravel *tt = l->tt;
    int k = -1;
    if (t >= lguest_time(l->lg)) {   /* not back at all: on from here */
        if (!launcher_run_until(l, t)) {
            snprintf(err, errlen, "the guest stopped before %.6f ms", t / 1e6);
            return -1;
        }
        return 0;
    }
    for (int i = 0; tt && i < tt->n; i++)
        if (tt->cp[i].t <= t) k = i;
    if (k < 0) {
        snprintf(err, errlen, "no checkpoint at or before %.6f ms", t / 1e6);
        return -1;
    }
    if (tt_restore(l, k, err, errlen)) return -1;
    if (t > tt->cp[k].t && !launcher_run_until(l, t)) {
        snprintf(err, errlen, "the guest stopped before %.6f ms on the way there", t / 1e6);
        return -1;
    }
    return 0;
}

uint64_t tt_state_hash(struct launcher *l) { return lguest_machine_hash(l->lg); }

struct tt_stats tt_stats(const struct launcher *l) {
    struct tt_stats none = { 0 };
    return l->tt ? l->tt->st : none;
}

void tt_free(struct launcher *l) {
    struct timetravel *tt = l->tt;
    if (!tt) return;
    for (int i = 0; i < tt->n; i++) free_checkpoint(&tt->cp[i]);
    free(tt->cp);
    free(tt->last);
    free(tt->scratch);
    free(tt->built);
    free(tt);
    l->tt = NULL;
}
