/* points.c - breakpoints, watchpoints and steps, made in the simulator: guest memory is untouched. */
#include "debug/control.h"
#include "sim/host/lg.h"
#include "sim/host/layout.h"
#include <string.h>

/*
 * Nothing is ever written into guest memory (no int3): a breakpoint is a CPU code hook
 * bounded to its one address, so only that instruction pays for a callback.  A step, a
 * watchpoint or "monitor until" need to stop at whatever instruction comes next: then one hook
 * covers every instruction, for as long as they are wanted.  Watchpoints are memory hooks: a
 * watched linear address is matched in whatever address space is current when the access is
 * made; they fire during the access, and the CPU stops before the next instruction, as an x86
 * data breakpoint does.  The Host's own writes into Guest memory (lguest_write(), 4.4's
 * lgwrite(): lguest_data.cr2 on a reflected page fault, the trap frame it pushes) fire them
 * too, and so do the Launcher's devices' (a used ring, a buffer filled): see
 * points_host_wrote().
 *
 * Each run gets exactly the hooks it needs: the every-instruction hook goes as soon as a run
 * needs it no more (a continue after a step, a detach), and with it its cost.  Hooks are
 * deleted through cpu_hooks_del(): Unicorn 2.1.1's own deletion looks up the addresses the
 * hook was compiled into in the current address space and, where they are not mapped, leaves
 * a page fault in the CPU state (cpu/hooks.c), which once made a denied OUT go through.
 *
 * Unicorn compiles hooks into translated code, so after the set of hooks changes the
 * translations are dropped.  A block still ends where its start address says (a jump, a system
 * instruction, the page-size limit), so the clock and the interrupt points stay those of an
 * undebugged run.  (Not quite always: QEMU also ends a block at 4000 TCG operations, and a
 * hooked instruction takes more of them, so a very long straight run of code may be cut sooner
 * while the every-instruction hook covers it: read in QEMU's translator, not seen in a test.)
 */

static void stop(struct control *k, uint32_t eip, enum control_stop why, const char *info) {
    k->stopped = why;
    k->stop_sig = 5;
    snprintf(k->stop_info, sizeof(k->stop_info), "%s", info);
    cpu_pause_now(k->c, eip);
}

int points_is_breakpoint(struct control *k, uint32_t eip) {
    for (int i = 0; i < k->n_pt; i++)
        if (k->pt[i].kind == PT_EXEC && k->pt[i].addr == eip) return 1;
    return 0;
}

static int until_reached(struct control *k, uint32_t eip) {
    if (k->until == UNTIL_SWITCH && eip == k->lg->sw.switch_to_guest) return 1;
    return k->until_hit;
}

static void watch_report(struct control *k, uint32_t eip) {
    static const char *names[] = { "", "watch", "rwatch", "awatch" };
    char info[48];
    snprintf(info, sizeof(info), "%s:%x;", names[k->watch.kind], k->watch_at);
    k->watch_hit = k->host_watch_hit = 0;
    stop(k, eip, CS_WATCH, info);
}

/* A watchpoint the Host's write hit stops the CPU at the Guest's next instruction, not at the
 * host routine's or the Switcher's: gdb reads the watched Guest address in the address space
 * the CPU is in, and only the Guest's has it. */
static int host_watch_due(struct control *k) {
    return k->host_watch_hit && cpu_cpl(k->c) != 0;
}

/* Before every instruction a hook covers. */
static void on_insn(void *ctx, uint32_t eip, uint32_t size) {
    struct control *k = ctx;
    k->n_hook_calls++;
    if (!k->attached) k->n_hook_calls_alone++;
    if (k->tr.phase != TR_IDLE) {   /* going back: a pass counts and looks (travel.c) */
        travel_insn(k, eip);
        return;
    }
    if (k->fresh) {   /* the instruction the run resumed at runs first, whatever is set there */
        k->fresh = 0;
        if (eip == k->resume_eip) return;
    }
    if (k->watch_hit || host_watch_due(k)) { watch_report(k, eip); return; }
    if (k->stepping) {
        if (k->step_irq && (eip != k->ret_eip || cpu_get(k->c, CPU_REG_CS) != k->ret_cs))
            return;
        stop(k, eip, CS_STEP, "");
        return;
    }
    if (k->budget && --k->budget == 0) {
        stop(k, eip, CS_BUDGET, "");
        return;
    }
    if (k->until != UNTIL_NONE && until_reached(k, eip)) {
        k->until = UNTIL_NONE;
        k->until_hit = 0;
        stop(k, eip, CS_UNTIL, "");
        return;
    }
    if (points_is_breakpoint(k, eip)) stop(k, eip, CS_BREAKPOINT, "");
}

/* Unicorn reports the physical address of an access: the watched linear address is translated
 * the way the CPU translates it now (page tables change between world switches). */
static int watched_physical(struct control *k, const struct point *p, const struct paging *pg,
                            uint32_t *pa) {
    struct walk w;
    if (!(pg->cr0 & CR0_PG)) *pa = p->addr;
    else if (walk(&k->lg->phys, pg, p->addr, 0, &w)) return -1;
    else *pa = w.pa;
    return 0;
}

static void on_mem(void *ctx, int is_write, uint32_t paddr, int size) {
    struct control *k = ctx;
    struct paging pg;
    cpu_paging(k->c, &pg);
    for (int i = 0; i < k->n_pt && !k->watch_hit; i++) {
        struct point *p = &k->pt[i];
        uint32_t pa;
        if (p->kind == PT_EXEC || watched_physical(k, p, &pg, &pa)) continue;
        if (!(paddr < pa + p->len && pa < paddr + (uint32_t)size)) continue;
        if ((p->kind == PT_WRITE && !is_write) || (p->kind == PT_READ && is_write)) continue;
        if (k->tr.phase != TR_IDLE) {   /* going back: a hit to go back to (travel.c) */
            travel_watch_hit(k, p, NULL);
            return;
        }
        k->watch_hit = 1;
        k->watch = *p;
        k->watch_at = p->addr;
    }
}

/* Does the Guest's own page table put part of watchpoint p in guest-physical [gpa, gpa+len)? */
static int watched_guest_physical(struct control *k, const struct point *p, uint32_t gpa,
                                  uint32_t len) {
    uint64_t end = (uint64_t)p->addr + p->len, next;
    for (uint64_t la = p->addr; la < end; la = next) {   /* page by page */
        next = (la | 0xFFFu) + 1 < end ? (la | 0xFFFu) + 1 : end;
        uint32_t pde, pte, at;
        if (!guest_walk(k, (uint32_t)la, &pde, &pte, &at) && at < (uint64_t)gpa + len &&
            gpa < at + (next - la))
            return 1;
    }
    return 0;
}

/* What the Host, or which of the Launcher's devices, wrote where, for gdb's console and
 * lgsim's stderr. */
static void note_host_write(struct control *k, const struct point *p, uint32_t gpa,
                            uint32_t len, const char *device, const char *writer) {
    char tag[160] = "", who[48] = "host";
    if (k->symbols) symtab_tag(k->symbols, p->addr, tag, sizeof(tag));
    if (device) snprintf(who, sizeof(who), "the launcher's %s device", device);
    snprintf(k->stop_note, sizeof(k->stop_note), "%s wrote %u byte%s at guest-physical %#x "
             "(watchpoint %#x%s) in %s\n", who, len, len == 1 ? "" : "s", gpa, p->addr, tag,
             writer);
    if (k->tr.phase == TR_IDLE) fprintf(stderr, "lgsim: gdb: %s", k->stop_note);
}

/* The Host, or the Launcher's device named (lguest_wrote() at the door), wrote guest-physical
 * [gpa, gpa + len) (lg->write_watcher): a write or access watchpoint on a Guest address its
 * own page table maps there fires.  The first such write since the last stop is reported. */
void points_host_wrote(void *ctx, uint32_t gpa, uint32_t len, const char *device,
                       const char *writer) {
    struct control *k = ctx;
    if (!k->attached || k->watch_hit || k->host_watch_hit) return;
    for (int i = 0; i < k->n_pt; i++) {
        struct point *p = &k->pt[i];
        if ((p->kind != PT_WRITE && p->kind != PT_ACCESS) ||
            !watched_guest_physical(k, p, gpa, len))
            continue;
        note_host_write(k, p, gpa, len, device, writer);
        if (k->tr.phase != TR_IDLE) {   /* going back: a hit to go back to (travel.c) */
            travel_watch_hit(k, p, k->stop_note);
            return;
        }
        k->host_watch_hit = 1;
        k->watch = *p;
        k->watch_at = p->addr;
        return;
    }
}

static int n_watch(struct control *k) {
    int n = 0;
    for (int i = 0; i < k->n_pt; i++) n += k->pt[i].kind != PT_EXEC;
    return n;
}

/* Delete the hooks now installed, but the every-instruction one when the coming run wants it. */
static void unhook(struct control *k, int keep_all) {
    cpu_hook h[CONTROL_MAX_POINTS + 2];
    int n = 0;
    for (int i = 0; i < k->n_exec; i++) h[n++] = k->h_exec[i];
    if (k->have_all && !keep_all) h[n++] = k->h_all;
    if (k->have_mem) h[n++] = k->h_mem;
    cpu_hooks_del(k->c, h, n);
    k->n_exec = k->have_mem = 0;
    k->have_all = k->have_all && keep_all;
}

/* Install exactly the hooks the coming run needs, and only touch the CPU when that changes. */
void points_arm(struct control *k) {
    int want_all = k->stepping || k->budget || k->until != UNTIL_NONE || n_watch(k) > 0 ||
                   (k->tr.phase != TR_IDLE && !k->tr.fast);
    int want_exec = want_all ? 0 : k->n_pt - n_watch(k);
    int want_mem = n_watch(k) > 0;
    int same = want_all == k->have_all && want_mem == k->have_mem && want_exec == k->n_exec;
    for (int i = 0, e = 0; same && !want_all && i < k->n_pt; i++)
        if (k->pt[i].kind == PT_EXEC) same = k->exec_addr[e++] == k->pt[i].addr;
    if (same) return;
    unhook(k, want_all);
    if (want_all && !k->have_all) {
        k->have_all = cpu_hook_code(k->c, &k->h_all, 1, 0, on_insn, k) == 0;
        k->n_all_made += k->have_all;
    }
    for (int i = 0; !want_all && i < k->n_pt; i++) {
        if (k->pt[i].kind != PT_EXEC) continue;
        k->exec_addr[k->n_exec] = k->pt[i].addr;
        if (cpu_hook_code(k->c, &k->h_exec[k->n_exec], k->pt[i].addr, k->pt[i].addr, on_insn,
                          k) == 0)
            k->n_exec++;
    }
    if (want_mem) k->have_mem = cpu_hook_mem(k->c, &k->h_mem, on_mem, k) == 0;
    cpu_code_changed(k->c);   /* translations made before know nothing of the new hooks */
    cpu_flush_tlb(k->c);      /* nor do cached translations of data pages: memory hooks */
}

int points_add(struct control *k, int kind, uint32_t addr, uint32_t len) {
    for (int i = 0; i < k->n_pt; i++)
        if (k->pt[i].kind == kind && k->pt[i].addr == addr && k->pt[i].len == len) return 0;
    if (k->n_pt == CONTROL_MAX_POINTS || len == 0) return -1;
    k->pt[k->n_pt++] = (struct point){ kind, addr, len };
    return 0;
}

int points_remove(struct control *k, int kind, uint32_t addr, uint32_t len) {
    for (int i = 0; i < k->n_pt; i++) {
        if (k->pt[i].kind != kind || k->pt[i].addr != addr) continue;
        k->pt[i] = k->pt[--k->n_pt];
        return 0;
    }
    return 0;   /* removing what is not there is not an error for gdb */
}

void points_clear(struct control *k) {
    k->n_pt = 0;
    k->stepping = k->step_irq = 0;
    k->budget = 0;
    k->until = UNTIL_NONE;
    k->until_hit = k->watch_hit = k->host_watch_hit = 0;
    points_arm(k);
}
