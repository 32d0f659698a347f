/* snapshot.c - the Host's whole state as bytes: its Guest, the machine it runs on, its memory. */
#include "sim/host/lg.h"
#include "sim/host/layout.h"
#include <stdlib.h>
#include <string.h>

/*
 * lgsim's own (4.4 has no checkpoints): everything a later lguest_run() depends on, taken
 * between two runs.  In order: struct lguest (saved_lguest()), the CPU (cpu/snapshot.c), every region
 * of the machine's memory (the host's own pages, the shadow tables, the Switcher's pages, guest
 * RAM and the device window), and the containment check's picture of host memory.  What the
 * set-up built and no run changes (the Switcher image, the host routine's symbols, the hooks,
 * where the records go, a debugger's watcher) is left as the Host being restored has it, and
 * saved as zero: a restore goes into a Host opened and initialized for the same machine.
 */

static size_t memory_bytes(const struct lguest *lg) {
    size_t n = 0;
    for (int i = 0; i < lg->phys.n; i++) n += lg->phys.r[i].size;
    return n;
}

size_t lguest_state_size(const struct lguest *lg) {
    return sizeof(*lg) + cpu_state_size(&lg->cpu) + memory_bytes(lg) + host_guard_size();
}

/* struct lguest as it is saved: everything restore_fields() keeps from the Host it restores
 * into (the set-up, the connections, every host address) is zero, so the same machine is the
 * same bytes in any process and a saved file never carries a pointer of the process that
 * wrote it.  The Switcher symbols of a world switch being recorded are named again from the
 * instructions (finish_switch_record() names them anyway before they are used). */
static void saved_lguest(const struct lguest *lg, struct lguest *out) {
    memcpy(out, lg, sizeof(*out));
    memset(&out->phys, 0, sizeof(out->phys));
    memset(&out->cpu, 0, sizeof(out->cpu));           /* cpu_state_save() has its state */
    memset(&out->sw, 0, sizeof(out->sw));
    memset(&out->host_elf, 0, sizeof(out->host_elf));
    out->shadow.phys = NULL;
    out->shadow.pte_written = NULL;
    out->shadow.ctx = NULL;
    memset(&out->turn, 0, sizeof(out->turn));
    out->rec = NULL;
    out->count_switcher_insns = 0;
    out->h_switcher = 0;
    struct rec_switch *to[2] = { &out->entering, &out->leaving };
    for (int i = 0; i < 2; i++) {
        to[i]->first_sym = to[i]->last_sym = NULL;
        to[i]->first_off = to[i]->last_off = 0;
    }
    out->pieces_kept = 0;
    out->host_snapshot = NULL;                         /* its bytes follow the memory */
    out->debugger_wrote = NULL;
    out->delivery_watcher = NULL;
    out->delivery_watcher_ctx = NULL;
    out->write_watcher = NULL;
    out->write_watcher_ctx = NULL;
}

void lguest_state_save(struct lguest *lg, uint8_t *out) {
    struct lguest saved;   /* out need not be aligned for a struct lguest */
    saved_lguest(lg, &saved);
    memcpy(out, &saved, sizeof(saved));
    out += sizeof(*lg);
    cpu_state_save(&lg->cpu, out);
    out += cpu_state_size(&lg->cpu);
    for (int i = 0; i < lg->phys.n; i++) {
        memcpy(out, lg->phys.r[i].mem, lg->phys.r[i].size);
        out += lg->phys.r[i].size;
    }
    if (lg->host_snapshot) memcpy(out, lg->host_snapshot, host_guard_size());
    else memset(out, 0, host_guard_size());
}

/* The saved struct lguest, with this Host's set-up and connections kept. */
static void restore_fields(struct lguest *lg, const uint8_t *saved) {
    struct lguest keep = *lg;
    memcpy(lg, saved, sizeof(*lg));   /* saved need not be aligned for a struct lguest */
    lg->phys = keep.phys;
    lg->cpu = keep.cpu;
    lg->sw = keep.sw;
    lg->host_elf = keep.host_elf;
    lg->shadow.phys = keep.shadow.phys;
    lg->shadow.pte_written = keep.shadow.pte_written;
    lg->shadow.ctx = keep.shadow.ctx;
    lg->turn = keep.turn;
    lg->rec = keep.rec;
    lg->count_switcher_insns = keep.count_switcher_insns;
    lg->h_switcher = keep.h_switcher;
    lg->host_snapshot = keep.host_snapshot;
    lg->pieces_kept = keep.pieces_kept;
    lg->delivery_watcher = keep.delivery_watcher;
    lg->delivery_watcher_ctx = keep.delivery_watcher_ctx;
    lg->write_watcher = keep.write_watcher;
    lg->write_watcher_ctx = keep.write_watcher_ctx;
    lg->debugger_wrote = keep.debugger_wrote;   /* what this debugger wrote, or NULL */
    /* Symbol names of a world switch being recorded point into the Switcher image: named
     * again in this Host's own (the same image, so the same names), as
     * finish_switch_record() names them. */
    struct rec_switch *to[2] = { &lg->entering, &lg->leaving };
    for (int i = 0; i < 2; i++) {
        to[i]->first_sym = switcher_symbolize(&lg->sw, to[i]->first_insn, &to[i]->first_off);
        to[i]->last_sym = switcher_symbolize(&lg->sw, to[i]->last_insn, &to[i]->last_off);
        if (!to[i]->first_sym) to[i]->first_sym = "?";
        if (!to[i]->last_sym) to[i]->last_sym = "?";
    }
}

int lguest_state_restore(struct lguest *lg, const uint8_t *in, size_t len) {
    if (len != lguest_state_size(lg)) return -1;
    restore_fields(lg, in);
    in += sizeof(*lg);
    cpu_state_restore(&lg->cpu, in);
    in += cpu_state_size(&lg->cpu);
    for (int i = 0; i < lg->phys.n; i++) {
        memcpy(lg->phys.r[i].mem, in, lg->phys.r[i].size);
        in += lg->phys.r[i].size;
    }
    phys_mark_all(&lg->phys);
    if (lg->guard_begun) {
        if (!lg->host_snapshot) lg->host_snapshot = malloc(host_guard_size());
        if (lg->host_snapshot) memcpy(lg->host_snapshot, in, host_guard_size());
    } else {
        host_guard_free(lg);
    }
    return 0;
}

void lguest_engine_id(const struct lguest *lg, char *out, size_t len) {
    char cpu[120];
    cpu_engine_id(&lg->cpu, cpu, sizeof(cpu));
    snprintf(out, len, "%s, host %zu, memory %zu", cpu, sizeof(*lg), memory_bytes(lg));
}

/* The machine as the Guest and the Host run on it: the CPU and every byte of memory. */
uint64_t lguest_machine_hash(struct lguest *lg) {
    size_t n = cpu_state_size(&lg->cpu);
    uint8_t *cpu = malloc(n);
    if (!cpu) return 0;
    cpu_state_save_machine(&lg->cpu, cpu);
    uint64_t h = trace_hash(cpu, n);
    free(cpu);
    for (int i = 0; i < lg->phys.n; i++)
        h = trace_hash_more(h, lg->phys.r[i].mem, lg->phys.r[i].size);
    return h;
}

/* lguest_state_save()'s bytes without the copy: the pieces they are made of, in order (the
 * CPU's state and struct lguest as saved are in buffers kept here; the rest is the Host's
 * memory as it is).  for_restore: the same pieces to be written over (a checkpoint put back
 * page by page); the buffers hold the state as it is now, and lguest_state_pieces_restored()
 * puts in effect what was written into them. */
static uint8_t *piece_cpu, *piece_guard;
static struct lguest *piece_saved;

static int pieces(struct lguest *lg, uint8_t **p, size_t *n, int max, int for_restore) {
    static uint8_t *no_guard;
    size_t cn = cpu_state_size(&lg->cpu);
    if (!piece_cpu && !(piece_cpu = malloc(cn))) return -1;
    if (!piece_saved && !(piece_saved = malloc(sizeof(*piece_saved)))) return -1;
    if (!lg->host_snapshot && !no_guard && !(no_guard = calloc(1, host_guard_size()))) return -1;
    if (for_restore && !piece_guard && !(piece_guard = malloc(host_guard_size()))) return -1;
    if (max < lg->phys.n + 3) return -1;
    cpu_state_save(&lg->cpu, piece_cpu);
    saved_lguest(lg, piece_saved);
    int k = 0;
    p[k] = (uint8_t *)piece_saved;
    n[k++] = sizeof(*lg);
    p[k] = piece_cpu;
    n[k++] = cn;
    for (int i = 0; i < lg->phys.n; i++) {
        p[k] = lg->phys.r[i].mem;
        n[k++] = lg->phys.r[i].size;
    }
    p[k] = lg->host_snapshot ? lg->host_snapshot : no_guard;
    if (for_restore) {
        memcpy(piece_guard, p[k], host_guard_size());
        p[k] = piece_guard;
    }
    n[k++] = host_guard_size();
    return k;
}

int lguest_state_pieces(struct lguest *lg, const uint8_t **p, size_t *n, int max) {
    return pieces(lg, (uint8_t **)p, n, max, 0);
}

int lguest_state_pieces_for_restore(struct lguest *lg, uint8_t **p, size_t *n, int max) {
    return pieces(lg, p, n, max, 1);
}

/* As lguest_state_restore() does with the bytes, after the memory was written in place. */
int lguest_state_pieces_restored(struct lguest *lg) {
    if (!piece_saved || !piece_cpu || !piece_guard) return -1;
    phys_mark_all(&lg->phys);   /* written in place by the caller, page by page */
    restore_fields(lg, (const uint8_t *)piece_saved);
    cpu_state_restore(&lg->cpu, piece_cpu);
    if (lg->guard_begun) {
        if (!lg->host_snapshot) lg->host_snapshot = malloc(host_guard_size());
        if (lg->host_snapshot) memcpy(lg->host_snapshot, piece_guard, host_guard_size());
    } else {
        host_guard_free(lg);
    }
    return 0;
}

/*
 * Which pages of the pieces may differ from when lguest_state_pieces_kept() was last called,
 * so that a checkpoint compares only those.  The memory's pages as phys.h marks them: every
 * host-side store (phys_ptr(), lguest_write(), lguest_wrote() for the Launcher's devices), every
 * frame a shadow entry made writable since, every frame still mapped writable then
 * (shadow_mark_writable()), and all of it after a restore.  Marked too, always: the pages the
 * CPU stores into with no entry made for them (host RAM below the end of the shadow pool in
 * use: the host's stack and data, the Switcher's pages, the Accessed and Dirty bits it sets in
 * the shadow tables) and the device area above the Guest's RAM.  The other pieces are small
 * or change as a whole: NULL, compare it all.
 */
static void mark_always(struct lguest *lg) {
    uint32_t pool_end = lg->shadow.phys ? lg->shadow.pool_next : SHADOW_POOL_END;
    phys_mark(&lg->phys, HOST_RAM_BASE, pool_end - HOST_RAM_BASE);
    phys_mark(&lg->phys, GUEST_PHYS_BASE + lg->mem, lg->guest_bytes - lg->mem);
}

int lguest_state_pieces_changed(struct lguest *lg, const uint8_t **changed, int max,
                                int *since_open) {
    if (max < lg->phys.n + 3) return -1;
    *since_open = !lg->pieces_kept;
    mark_always(lg);
    int k = 0;
    changed[k++] = NULL;   /* struct lguest as saved */
    changed[k++] = NULL;   /* the CPU */
    for (int i = 0; i < lg->phys.n; i++) changed[k++] = lg->phys.r[i].changed;
    changed[k++] = NULL;   /* the containment check's picture */
    return k;
}

void lguest_state_pieces_kept(struct lguest *lg) {
    lg->pieces_kept = 1;
    phys_forget_changes(&lg->phys);
    if (lg->shadow.phys) shadow_mark_writable(&lg->shadow);
}
