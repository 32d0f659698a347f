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

struct checkpoint {
    uint64_t t, n_inputs;
    uint32_t *pages;          /* which pages of the HOST section changed */
    uint8_t *data;            /* their bytes */
    size_t n_pages;
    uint8_t *tail;            /* the sections after HOST */
    size_t tail_len;
};

struct timetravel {
    struct checkpoint *cp;
    int n, cap;
    uint8_t *last;            /* the latest checkpoint's HOST section, whole */
    size_t host_len;          /* the HOST section's size, header included */
    uint64_t next_ns;         /* --checkpoints: the next one is due here */
    struct tt_stats st;
};

static size_t host_section_len(const uint8_t *p) {
    return 12 + (size_t)(le32(p + 4) | (uint64_t)le32(p + 8) << 32);
}

static int add_checkpoint(struct timetravel *tt, const uint8_t *state, size_t len,
                          uint64_t t, uint64_t n_inputs) {
    size_t host = host_section_len(state);
    if (tt->n == tt->cap) {
        int cap = tt->cap ? tt->cap * 2 : 16;
        struct checkpoint *q = realloc(tt->cp, (size_t)cap * sizeof(*q));
        if (!q) return -1;
        tt->cp = q;
        tt->cap = cap;
    }
    struct checkpoint *c = &tt->cp[tt->n];
    memset(c, 0, sizeof(*c));
    c->t = t;
    c->n_inputs = n_inputs;
    size_t pages = (host + TT_PAGE - 1) / TT_PAGE, n = 0;
    c->pages = malloc(pages * sizeof(*c->pages) + 1);
    c->data = malloc(pages * TT_PAGE + 1);   /* trimmed below */
    c->tail_len = len - host;
    c->tail = malloc(c->tail_len + 1);
    if (!c->pages || !c->data || !c->tail || (tt->last && tt->host_len != host)) goto fail;
    for (size_t i = 0; i < pages; i++) {
        size_t off = i * TT_PAGE, k = host - off < TT_PAGE ? host - off : TT_PAGE;
        if (tt->last && !memcmp(tt->last + off, state + off, k)) continue;
        c->pages[n] = (uint32_t)i;
        memcpy(c->data + n * TT_PAGE, state + off, k);
        n++;
    }
    c->n_pages = n;
    uint8_t *small = realloc(c->data, n * TT_PAGE + 1);
    if (small) c->data = small;
    memcpy(c->tail, state + host, c->tail_len);
    if (!tt->last && !(tt->last = malloc(host))) goto fail;
    memcpy(tt->last, state, host);
    tt->host_len = host;
    tt->n++;
    tt->st.n = (unsigned)tt->n;
    tt->st.bytes += n * TT_PAGE + c->tail_len + sizeof(*c);
    tt->st.host_bytes = host;
    return 0;
fail:
    free(c->pages);
    free(c->data);
    free(c->tail);
    return -1;
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
    uint8_t *state;
    size_t len;
    if (machine_save(l, 0, &state, &len, err, errlen)) return -1;
    int rc = add_checkpoint(tt, state, len, now, l->n_inputs);
    free(state);
    if (rc) snprintf(err, errlen, "out of memory for a checkpoint");
    uint64_t spent = term_wall_ns() - t0;
    tt->st.ns_taking += spent;
    if (spent > tt->st.max_ns_taking) tt->st.max_ns_taking = spent;
    return rc;
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
    for (int j = 0; j <= k; j++) {
        const struct checkpoint *d = &tt->cp[j];
        for (size_t i = 0; i < d->n_pages; i++) {
            size_t off = (size_t)d->pages[i] * TT_PAGE;
            size_t n = tt->host_len - off < TT_PAGE ? tt->host_len - off : TT_PAGE;
            memcpy(p + off, d->data + i * TT_PAGE, n);
        }
    }
    memcpy(p + tt->host_len, c->tail, c->tail_len);
    *len = tt->host_len + c->tail_len;
    return p;
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
    if (tt->cp[k].n_inputs != l->n_inputs) {
        snprintf(err, errlen, "input was given to the guest since the checkpoint at %.6f ms: "
                 "going back over it is not supported yet", tt->cp[k].t / 1e6);
        return -1;
    }
    size_t len;
    uint8_t *state = rebuild(tt, k, &len);
    if (!state) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    int rc = machine_restore(l, state, len, 0, err, errlen);
    free(state);
    if (rc) return -1;
    if (l->opt.checkpoint_ns)
        tt->next_ns = (tt->cp[k].t / l->opt.checkpoint_ns + 1) * l->opt.checkpoint_ns;
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
    for (int i = 0; i < tt->n; i++) {
        free(tt->cp[i].pages);
        free(tt->cp[i].data);
        free(tt->cp[i].tail);
    }
    free(tt->cp);
    free(tt->last);
    free(tt);
    l->tt = NULL;
}
