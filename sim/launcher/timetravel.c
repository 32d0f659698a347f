/* timetravel.c - checkpoints in memory, and going back to one and forward again to a time. */
#include "sim/launcher/launcher.h"
#include "sim/launcher/term.h"
#include <stdlib.h>
#include <string.h>

/*
 * A checkpoint is machine_save()'s bytes at a turn of the Launcher.  Nearly all of them are the
 * HOST section (the machine's memory), cut here into 4 KiB pages (pieces end where they end),
 * and little of that changes between two checkpoints: each checkpoint is a table of pages, and
 * a page that compares equal to the one the checkpoint before has is that same block, counted
 * once more, not a copy.  A page of zeros is the one zero block, so memory never written costs
 * nothing and compares against bytes already in the cache.  Only the pages the Host says may
 * have changed since the checkpoint before (lguest_state_pieces_changed()) are compared at
 * all: the others are its blocks again.  The rest of the bytes (the small
 * sections after HOST) are kept whole.  Putting a checkpoint back writes only the pages of the
 * machine that differ from its blocks, then puts the Host's state in effect and restores the
 * rest (the trace file is cut back to where it was), and runs the machine forward: lgsim is
 * deterministic, so it passes the same states again.
 */
#define TT_PAGE 4096u
#define TT_PIECES 8

struct block {
    uint32_t refs;            /* the checkpoints whose table names it */
    uint8_t b[TT_PAGE];
};
static struct block zero_block;   /* never counted, never freed */

struct slot { uint32_t piece, off, len; };   /* one page of the HOST section's pieces */

struct checkpoint {
    uint64_t t;
    unsigned boots;           /* the Guest's boot it was taken in (a restart starts another) */
    struct block **page;      /* one per slot */
    uint8_t *tail;            /* the HOST section's header, then the sections after it */
    size_t tail_len;
};

struct timetravel {
    struct checkpoint *cp;
    int n, n_cap;
    struct slot *slot;        /* the pages of the HOST section, the same for every checkpoint */
    size_t n_slots;
    size_t host_len;          /* the HOST section's size, header included */
    uint8_t *scratch;         /* machine_save()'s other sections (its HOST bytes untouched) */
    size_t scratch_cap;
    uint64_t next_ns;         /* --checkpoints: the next one is due here */
    struct tt_stats st;
};

static size_t host_section_len(const uint8_t *p) {
    return 12 + (size_t)(le32(p + 4) | (uint64_t)le32(p + 8) << 32);
}

/* The pages of the pieces, once: every checkpoint of a run has the same pieces. */
static int make_slots(struct timetravel *tt, const size_t *n, int k) {
    size_t count = 0, at = 0;
    for (int i = 0; i < k; i++) count += (n[i] + TT_PAGE - 1) / TT_PAGE;
    if (!(tt->slot = malloc(count * sizeof(*tt->slot)))) return -1;
    for (int i = 0; i < k; i++)
        for (size_t o = 0; o < n[i]; o += TT_PAGE)
            tt->slot[at++] = (struct slot){ (uint32_t)i, (uint32_t)o,
                                            (uint32_t)(n[i] - o < TT_PAGE ? n[i] - o : TT_PAGE) };
    tt->n_slots = count;
    return 0;
}

static void unref(struct block *b) {
    if (b && b != &zero_block && --b->refs == 0) free(b);
}

static struct block *same_block(struct block *before) {
    if (before != &zero_block) before->refs++;
    return before;
}

/* Page src as a block: the one before when it is the same bytes, else a new copy. */
static struct block *page_block(struct block *before, const uint8_t *src, uint32_t len,
                                size_t *n_new) {
    if (!memcmp(before->b, src, len)) return same_block(before);
    struct block *b = malloc(sizeof(*b));
    if (!b) return NULL;
    b->refs = 1;
    memcpy(b->b, src, len);
    if (len < TT_PAGE) memset(b->b + len, 0, TT_PAGE - len);
    (*n_new)++;
    return b;
}

/* The Host says which pages may have changed since the checkpoint before was taken
 * (lguest_state_pieces_kept() then), or for the first since its memory was zeros: the others
 * are that checkpoint's blocks (the zero block), uncompared. */
static int unchanged(const uint8_t *changed, uint32_t off) {
    return changed && !changed[off / TT_PAGE];
}

/* The Host's pieces page by page against the checkpoint before (the first against zeros). */
static int take_host(struct timetravel *tt, struct launcher *l, struct checkpoint *c,
                     size_t *n_new) {
    const uint8_t *p[TT_PIECES];
    size_t n[TT_PIECES], total = 12;
    int k = lguest_state_pieces(l->lg, p, n, TT_PIECES);
    if (k < 0) return -1;
    for (int i = 0; i < k; i++) total += n[i];
    if (total != tt->host_len || (!tt->slot && make_slots(tt, n, k))) return -1;
    if (!(c->page = calloc(tt->n_slots, sizeof(*c->page)))) return -1;
    struct block **before = tt->n ? tt->cp[tt->n - 1].page : NULL;
    const uint8_t *changed[TT_PIECES];
    int since_open, known = lguest_state_pieces_changed(l->lg, changed, TT_PIECES,
                                                        &since_open) == k &&
                            since_open == !before;
    for (size_t i = 0; i < tt->n_slots; i++) {
        const struct slot *s = &tt->slot[i];
        if (s->piece >= (uint32_t)k || s->off + s->len > n[s->piece]) return -1;
        if (known && unchanged(changed[s->piece], s->off)) {
            c->page[i] = same_block(before ? before[i] : &zero_block);
            continue;
        }
        c->page[i] = page_block(before ? before[i] : &zero_block, p[s->piece] + s->off,
                                s->len, n_new);
        if (!c->page[i]) return -1;
    }
    return 0;
}

static void free_checkpoint(struct timetravel *tt, struct checkpoint *c) {
    for (size_t i = 0; c->page && i < tt->n_slots; i++) unref(c->page[i]);
    free(c->page);
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
    size_t host = host_section_len(tt->scratch), n_new = 0;
    if (tt->n && host != tt->host_len) goto oom;
    tt->host_len = host;
    struct checkpoint *c = &tt->cp[tt->n];
    memset(c, 0, sizeof(*c));
    c->t = now;
    c->boots = l->boots;
    c->tail_len = 12 + len - host;
    if (!(c->tail = malloc(c->tail_len)) || take_host(tt, l, c, &n_new)) {
        free_checkpoint(tt, c);
        goto oom;
    }
    memcpy(c->tail, tt->scratch, 12);
    memcpy(c->tail + 12, tt->scratch + host, len - host);
    lguest_state_pieces_kept(l->lg);   /* the next one is compared with this one */
    tt->n++;
    tt->st.n = (unsigned)tt->n;
    tt->st.bytes += n_new * sizeof(struct block) + tt->n_slots * sizeof(*c->page) +
                    c->tail_len + sizeof(*c);
    if (tt->n == 1) tt->st.first_bytes = tt->st.bytes;
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

/* The machine's pages that differ from checkpoint c's blocks are written over. */
static int put_host(struct launcher *l, void *ctx) {
    const struct checkpoint *c = ctx;
    const struct timetravel *tt = l->tt;
    uint8_t *p[TT_PIECES];
    size_t n[TT_PIECES];
    int k = lguest_state_pieces_for_restore(l->lg, p, n, TT_PIECES);
    if (k < 0) return -1;
    for (size_t i = 0; i < tt->n_slots; i++) {
        const struct slot *s = &tt->slot[i];
        if (s->piece >= (uint32_t)k || s->off + s->len > n[s->piece]) return -1;
        uint8_t *to = p[s->piece] + s->off;
        if (memcmp(to, c->page[i]->b, s->len)) memcpy(to, c->page[i]->b, s->len);
    }
    return lguest_state_pieces_restored(l->lg);
}

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
    refeed_begin(l);   /* the input given since comes again from the log */
    if (machine_restore_but_host(l, tt->cp[k].tail, tt->cp[k].tail_len, put_host, &tt->cp[k],
                                 err, errlen))
        return -1;
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
    for (int i = 0; i < tt->n; i++) free_checkpoint(tt, &tt->cp[i]);
    free(tt->cp);
    free(tt->slot);
    free(tt->scratch);
    free(tt);
    l->tt = NULL;
}
