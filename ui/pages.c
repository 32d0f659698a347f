/* pages.c - the page-table panel: one address through the guest's tables and the shadow's. */
#include "ui/model.h"
#include "traces/describe.h"
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * The shadow side is rebuilt from the records, following the host's rules (mmu/shadow.c):
 * every shadow PTE written is an spte record naming its slot (one of the host's four shadow
 * directories); LGUEST_INIT and FLUSH_TLB(1) drop every page table of every slot, the first
 * NEW_PGTABLE too (the identity map before it was make-believe); FLUSH_TLB(0) drops the user
 * part of the current slot; a NEW_PGTABLE that lands in a slot shadowing another directory
 * drops that slot's user part; SET_PGD drops the one page table under its entry.
 * The flush record comes after the operation, and the operation ends by pinning the guest's
 * kernel stack into the shadow (pin_stack_pages): those spte records come before the flush
 * but happened after the drop, so they are applied again after it.
 *
 * The guest side is what the trace shows of the guest's own tables: the PTEs it told the host
 * (SET_PTE), and what demand_page found when the address faulted.  A guest writes its tables
 * in its own memory, so an entry it never reported and that never faulted is not in a trace.
 */
#define SLOTS 4
#define KERNEL_ADDRESS 0xC0000000u   /* lguest_data.kernel_address of both lguest guests
                                      * (PAGE_OFFSET); the trace does not record it */

struct replay_slot {
    int used;
    uint32_t gpgdir;
    uint32_t *pt[1024];          /* the shadow PTE page under each directory entry, or NULL */
};

struct shadow_replay {
    const struct run *run;
    uint64_t next;               /* the first record not yet applied */
    uint64_t exit;               /* the last exit to the host: the visit that does a flush */
    int linear;
    int cur;
    struct replay_slot slot[SLOTS];
};

static void drop_table(struct replay_slot *s, unsigned pde) {
    free(s->pt[pde]);
    s->pt[pde] = NULL;
}

static void drop_user(struct replay_slot *s) {
    for (unsigned i = 0; i < (KERNEL_ADDRESS >> 22); i++) drop_table(s, i);
}

static void drop_all(struct shadow_replay *r) {
    for (int k = 0; k < SLOTS; k++)
        for (unsigned i = 0; i < 1024; i++) drop_table(&r->slot[k], i);
}

static void reset(struct shadow_replay *r, const struct run *run) {
    drop_all(r);
    memset(r, 0, sizeof(*r));
    r->run = run;
    r->linear = 1;
    r->cur = -1;
}

static int find_slot(const struct shadow_replay *r, uint32_t gpgdir) {
    for (int k = 0; k < SLOTS; k++)
        if (r->slot[k].used && r->slot[k].gpgdir == gpgdir) return k;
    return -1;
}

static void new_pgtable(struct shadow_replay *r, uint32_t gpgdir, unsigned slot) {
    struct replay_slot *s = &r->slot[slot % SLOTS];
    if (r->linear) {
        drop_all(r);
        r->linear = 0;
        s->used = 0;
    }
    if (!s->used || s->gpgdir != gpgdir) drop_user(s);   /* another process's user half */
    s->used = 1;
    s->gpgdir = gpgdir;
    r->cur = (int)(slot % SLOTS);
}

static void write_spte(struct shadow_replay *r, const uint32_t *f) {
    struct replay_slot *s = &r->slot[f[SP_SLOT] % SLOTS];
    unsigned pde = f[SP_VADDR] >> 22;
    if (!s->pt[pde] && !(s->pt[pde] = calloc(1024, sizeof(uint32_t)))) return;
    s->pt[pde][(f[SP_VADDR] >> 12) & 0x3FF] = f[SP_SPTE];
    s->used = 1;
    if (r->cur < 0) r->cur = (int)(f[SP_SLOT] % SLOTS);
}

/* The stack pages pinned by the operation a flush record closes, written before it. */
static void repin(struct shadow_replay *r, uint64_t flush) {
    for (uint64_t j = r->exit + 1; j < flush; j++)
        if (r->run->rec[j].kind == TK_SPTE) write_spte(r, r->run->rec[j].f);
}

static void apply(struct shadow_replay *r, uint64_t i) {
    const struct run_rec *rec = &r->run->rec[i];
    const uint32_t *f = rec->f;
    if (rec->kind == TK_TO_HOST) {
        r->exit = i;
    } else if (rec->kind == TK_SPTE) {
        write_spte(r, f);
    } else if (rec->kind == TK_FLUSH) {
        if (f[FL_WHAT] == FLUSH_ALL) drop_all(r);
        else if (f[FL_WHAT] == FLUSH_NEW_PGTABLE) new_pgtable(r, f[FL_GPGDIR], f[FL_SLOT]);
        else if (f[FL_WHAT] == FLUSH_USER) drop_user(&r->slot[f[FL_SLOT] % SLOTS]);
        if (f[FL_WHAT] == FLUSH_ALL || f[FL_WHAT] == FLUSH_NEW_PGTABLE) repin(r, i);
        if (r->cur < 0) r->cur = (int)(f[FL_SLOT] % SLOTS);
    } else if (rec->kind == TK_HCALL && f[HC_NR] == 15 && f[HC_OUTCOME] == HC_DONE) {
        int k = find_slot(r, f[HC_ARG1]);   /* SET_PGD: the flush before it named no index */
        if (k >= 0 && f[HC_ARG2] < 1024) drop_table(&r->slot[k], f[HC_ARG2]);
    }
}

/* The shadow as it was right after record i (replayed on from the last time when i is later). */
static struct shadow_replay *replay_to(struct ui_model *m, uint64_t i) {
    if (!m->replay && !(m->replay = calloc(1, sizeof(*m->replay)))) return NULL;
    struct shadow_replay *r = m->replay;
    if (r->run != m->run || r->next > i + 1) reset(r, m->run);
    for (; r->next <= i && r->next < m->run->n; r->next++) apply(r, r->next);
    return r;
}

void pages_free(struct ui_model *m) {
    if (!m->replay) return;
    drop_all(m->replay);
    free(m->replay);
    m->replay = NULL;
}

/* --- the guest's side --- */

/* The guest directory in use at record i (0: none yet, the host's identity map). */
static uint32_t guest_pgdir(const struct run *run, uint64_t i) {
    for (uint64_t j = i + 1; j-- > 0;) {
        const struct run_rec *r = &run->rec[j];
        if (r->kind == TK_TO_HOST) return r->f[TH_PGDIR];
        if (r->kind == TK_TO_GUEST) return r->f[TG_PGDIR];
    }
    return 0;
}

/* The latest record at or before i that tells anything of addr's entry in directory pgdir. */
static void guest_fact(const struct run *run, uint64_t i, uint32_t pgdir, uint32_t addr,
                       struct ui_text *t) {
    uint32_t page = addr & 0xFFFFF000u;
    uint32_t exit_pgdir = 0;
    struct text w;
    for (uint64_t j = i + 1; j-- > 0;) {
        const struct run_rec *r = &run->rec[j];
        const uint32_t *f = r->f;
        if (r->kind == TK_HCALL && f[HC_NR] == 14 && f[HC_ARG1] == pgdir &&
            (f[HC_ARG2] & 0xFFFFF000u) == page) {
            text_clear(&w);
            describe_pte(&w, f[HC_ARG3]);
            ui_put(t, ST_TEXT, "  guest PTE: 0x%08x: %s (the guest told the host: SET_PTE at "
                   "#%" PRIu64 ")", f[HC_ARG3], w.buf, j);
            return;
        }
        if (r->kind == TK_HCALL && f[HC_NR] == 15 && f[HC_ARG1] == pgdir && f[HC_ARG2] == addr >> 22) {
            ui_put(t, ST_TEXT, "  guest PTE: not in the trace; the guest changed this directory "
                   "entry at #%" PRIu64 " (SET_PGD)", j);
            return;
        }
        if (r->kind == TK_PF && (f[PF_CR2] & 0xFFFFF000u) == page) {
            /* the exit before a decision names the directory it faulted in */
            for (uint64_t k = j; k-- > 0;)
                if (run->rec[k].kind == TK_TO_HOST) { exit_pgdir = run->rec[k].f[TH_PGDIR]; break; }
            if (exit_pgdir != pgdir) continue;
            if (f[PF_OUTCOME] == PF_FIXED)
                ui_put(t, ST_TEXT, "  guest PTE: present, allows the access (demand_page at #%"
                       PRIu64 "; its value is not in the trace)", j);
            else if (f[PF_OUTCOME] == PF_REFLECTED)
                ui_put(t, ST_TEXT, "  guest PTE: not present, or it forbids the access "
                       "(demand_page reflected the fault at #%" PRIu64 ")", j);
            else
                ui_put(t, ST_TEXT, "  guest PTE: maps the device window (MMIO), #%" PRIu64, j);
            return;
        }
    }
    ui_put(t, ST_DIM, "  guest PTE: not in the trace yet (no SET_PTE, no fault here; the guest "
           "writes its tables in its own memory)");
}

/* --- the shadow's side --- */

/* The spte record that wrote addr's entry in slot k last, at or before i. */
static uint64_t last_write(const struct run *run, uint64_t i, int k, uint32_t page) {
    for (uint64_t j = i + 1; j-- > 0;) {
        const struct run_rec *r = &run->rec[j];
        if (r->kind == TK_SPTE && (int)(r->f[SP_SLOT] % SLOTS) == k &&
            (r->f[SP_VADDR] & 0xFFFFF000u) == page)
            return j;
    }
    return UINT64_MAX;
}

static void shadow_side(struct ui_model *m, struct shadow_replay *r, uint32_t addr,
                        struct ui_text *t, uint32_t *sig) {
    const struct run *run = m->run;
    *sig = 0;
    if (addr >= 0xFFC00000u) {
        ui_put(t, ST_TEXT, "  the Switcher's page: the host maps it in every shadow directory, "
               "never by demand");
        return;
    }
    if (r->cur < 0) {
        ui_put(t, ST_DIM, "  no shadow entries written yet");
        return;
    }
    struct replay_slot *s = &r->slot[r->cur];
    unsigned pde = addr >> 22, pte = (addr >> 12) & 0x3FF;
    ui_put(t, ST_HEAD, "shadow (slot %d%s, what the CPU walks):", r->cur, r->linear ?
           ", the identity map before the guest's first page table" : "");
    if (!s->pt[pde]) {
        ui_put(t, ST_TEXT, "  shadow PTE: not present (no shadow page table for 0x%08x-0x%08x)",
               pde << 22, (pde << 22) + 0x3FFFFFu);
        *sig = 1;
        return;
    }
    uint32_t v = s->pt[pde][pte];
    uint64_t w = last_write(run, m->at.rec, r->cur, addr & 0xFFFFF000u);
    int now = w != UINT64_MAX && run->rec[w].rt && run->rec[w].rt == run->rec[m->at.rec].rt;
    struct text d;
    text_clear(&d);
    describe_spte(&d, v);
    if (!(v & 1))
        ui_put(t, now ? ST_HOT : ST_TEXT, "  shadow PTE: not present (%s)", d.buf);
    else
        ui_put(t, now ? ST_HOT : ST_TEXT, "  shadow PTE: %s", d.buf);
    if (w != UINT64_MAX)
        ui_put(t, now ? ST_HOT : ST_DIM, "    written at #%" PRIu64 " by %s%s", w,
               run->rec[w].f[SP_CAUSE] == SPTE_DEMAND ? "demand_page" : "SET_PTE",
               now ? ", in this round trip" : "");
    *sig = v | 2;
}

static void fill_map(struct ui_model *m, struct shadow_replay *r) {
    struct ui_map *map = &m->map;
    memset(map, 0, sizeof(*map));
    map->slot = r ? r->cur : -1;
    if (!r || r->cur < 0) return;
    struct replay_slot *s = &r->slot[r->cur];
    for (unsigned i = 0; i < 1024; i++) {
        if (!s->pt[i]) continue;
        map->table[i] = 1;
        for (unsigned k = 0; k < 1024; k++) map->present[i] += s->pt[i][k] & 1;
    }
    map->table[1023] = 1;        /* the Switcher's page table, in every slot */
}

/* The address to walk: the one asked for; in a round trip, the one it faulted on (not those
 * of the faults it takes on the way); else the last page fault's. */
static uint32_t focus(struct ui_model *m, uint64_t *from) {
    *from = UINT64_MAX;
    if (!m->pt_follow) return m->pt_addr;
    uint64_t x = last_exit_with_vector(m->run, m->at.rec, 14), first, last;
    uint32_t rt = m->run->rec[m->at.rec].rt;
    if (rt && run_round_trip(m->run, rt, &first, &last) && m->run->rec[first].kind == TK_TO_HOST)
        x = first;
    *from = x;
    m->pt_addr = x != UINT64_MAX ? m->run->rec[x].f[TH_CR2] : 0;
    return m->pt_addr;
}

/* Live: the same address in the machine's own tables, now. */
static void pages_live(struct ui_model *m, struct ui_text *t) {
    const struct ui_live_now *L = &m->live;
    uint32_t a = L->walk_addr;
    ui_put(t, ST_HEAD, "live: 0x%08x in the machine now (pde %u, pte %u)%s", a, a >> 22,
           (a >> 12) & 0x3FF, L->have_pf && m->pt_follow ? ", the last #PF's cr2" : "");
    if (L->guest_linear)
        ui_put(t, ST_TEXT, "  guest : no page tables of its own yet: guest-physical 0x%08x", a);
    else if (L->guest_mapped)
        ui_put(t, ST_TEXT, "  guest : pde 0x%08x pte 0x%08x -> guest-physical 0x%08x",
               L->g_pde, L->g_pte, L->g_pa);
    else
        ui_put(t, ST_HOT, "  guest : pde 0x%08x pte 0x%08x -> not present", L->g_pde, L->g_pte);
    if (L->shadow_mapped)
        ui_put(t, ST_TEXT, "  shadow: pde 0x%08x pte 0x%08x -> present, host-physical 0x%08x "
               "(root 0x%08x)", L->s_pde, L->s_pte, L->s_pa, L->s_root);
    else
        ui_put(t, ST_HOT, "  shadow: pde 0x%08x pte 0x%08x -> not present (root 0x%08x)",
               L->s_pde, L->s_pte, L->s_root);
}

void pages_update(struct ui_model *m) {
    struct ui_text *t = &m->text[P_PAGES];
    ui_text_clear(t);
    if (model_at_now(m)) pages_live(m, t);
    if (!m->run->n) return;
    uint64_t from;
    uint32_t addr = focus(m, &from);
    struct shadow_replay *r = replay_to(m, m->at.rec);
    fill_map(m, r);
    if (m->pt_follow && from == UINT64_MAX) {
        ui_put(t, ST_DIM, "no page fault yet (a: walk an address of your choice)");
        snprintf(m->sig[P_PAGES], sizeof(m->sig[P_PAGES]), "none");
        return;
    }
    char where[48];
    snprintf(where, sizeof(where), "address 0x%08x (pde %u, pte %u)", addr, addr >> 22, (addr >> 12) & 0x3FF);
    if (m->pt_follow && m->run->rec[m->at.rec].rt)
        ui_put(t, ST_HEAD, "%s: the cr2 of round trip %u (#PF at #%" PRIu64 ")", where,
               m->run->rec[m->at.rec].rt, from);
    else if (m->pt_follow)
        ui_put(t, ST_HEAD, "%s: the last cr2 (#PF at #%" PRIu64 ")", where, from);
    else ui_put(t, ST_HEAD, "%s (a: another; A: follow cr2)", where);
    uint32_t pgdir = guest_pgdir(m->run, m->at.rec);
    if (!pgdir) {
        ui_put(t, ST_HEAD, "guest: no page tables of its own yet");
        ui_put(t, ST_TEXT, "  the host treats guest-virtual 0x%08x as guest-physical", addr);
    } else {
        ui_put(t, ST_HEAD, "guest's own tables (directory 0x%08x, its cr3):", pgdir);
        guest_fact(m->run, m->at.rec, pgdir, addr, t);
    }
    uint32_t sig = 0;
    if (r) shadow_side(m, r, addr, t, &sig);
    /* Lit when anything it says changed, but the heading (it names the record of the fault) */
    uint64_t h = 0xcbf29ce484222325ull;
    for (unsigned i = 1; i < t->n; i++)
        for (const char *p = t->l[i].s; *p; p++) h = (h ^ (uint8_t)*p) * 0x100000001b3ull;
    snprintf(m->sig[P_PAGES], sizeof(m->sig[P_PAGES]), "%#x %#x %016llx", addr, sig,
             (unsigned long long)h);
    if (model_at_now(m))
        snprintf(m->sig[P_PAGES], sizeof(m->sig[P_PAGES]), "live %#x %d %d %#x", m->live.walk_addr,
                 m->live.guest_mapped, m->live.shadow_mapped, m->live.s_pte);
}

void pages_pick_region(struct ui_model *m, unsigned pde) {
    uint32_t addr = (pde & 0x3FF) << 22;
    struct shadow_replay *r = replay_to(m, m->at.rec);
    if (r && r->cur >= 0 && r->slot[r->cur].pt[pde & 0x3FF])
        for (unsigned k = 0; k < 1024; k++)
            if (r->slot[r->cur].pt[pde & 0x3FF][k] & 1) {
                addr |= k << 12;
                break;
            }
    m->pt_addr = addr;
    m->pt_follow = 0;
    model_go(m, m->at);
    snprintf(m->status, sizeof(m->status), "page tables for 0x%08x (A: follow cr2 again)", addr);
}

int pages_rebuilt_entry(struct ui_model *m, uint64_t rec, uint32_t vaddr, int *slot,
                        uint32_t *spte) {
    struct shadow_replay *r = replay_to(m, rec);
    *slot = r ? r->cur : -1;
    *spte = 0;
    if (!r || r->cur < 0 || !r->slot[r->cur].pt[vaddr >> 22]) return 0;
    *spte = r->slot[r->cur].pt[vaddr >> 22][(vaddr >> 12) & 0x3FF];
    return 1;
}
