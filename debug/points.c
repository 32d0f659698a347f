/* points.c - breakpoints, watchpoints and steps, made in the simulator: guest memory is untouched. */
#include "debugger.h"
#include "sim/host/layout.h"
#include <string.h>

/*
 * Nothing is ever written into guest memory (no int3): a breakpoint is a CPU code hook
 * bounded to its one address, so only that instruction pays for a callback.  A step, a
 * watchpoint or "monitor until" need to stop at whatever instruction comes next: then one hook
 * covers every instruction, for as long as they are wanted.  Watchpoints are memory hooks: a
 * watched linear address is matched in whatever address space is current when the access is
 * made; they fire during the access, and the CPU stops before the next instruction, as an x86
 * data breakpoint does.
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

static void stop(struct debugger *d, uint32_t eip, int sig, const char *info) {
    d->stop_sig = sig;
    snprintf(d->stop_info, sizeof(d->stop_info), "%s", info);
    cpu_pause_now(d->c, eip);
}

static int is_breakpoint(struct debugger *d, uint32_t eip) {
    for (int i = 0; i < d->n_pt; i++)
        if (d->pt[i].kind == PT_EXEC && d->pt[i].addr == eip) return 1;
    return 0;
}

static int until_reached(struct debugger *d, uint32_t eip) {
    if (d->until == UNTIL_SWITCH && eip == d->lg->sw.switch_to_guest) return 1;
    return d->until_hit;
}

static void watch_report(struct debugger *d, uint32_t eip) {
    static const char *names[] = { "", "watch", "rwatch", "awatch" };
    char info[48];
    snprintf(info, sizeof(info), "%s:%x;", names[d->watch.kind], d->watch_at);
    d->watch_hit = 0;
    stop(d, eip, 5, info);
}

/* Before every instruction a hook covers. */
static void on_insn(void *ctx, uint32_t eip, uint32_t size) {
    struct debugger *d = ctx;
    d->n_hook_calls++;
    if (d->conn < 0) d->n_hook_calls_alone++;
    if (d->fresh) {   /* the instruction the run resumed at runs first, whatever is set there */
        d->fresh = 0;
        if (eip == d->resume_eip) return;
    }
    if (d->watch_hit) { watch_report(d, eip); return; }
    if (d->stepping) {
        if (d->step_irq && (eip != d->ret_eip || cpu_get(d->c, CPU_REG_CS) != d->ret_cs))
            return;
        stop(d, eip, 5, "");
        return;
    }
    if (d->until != UNTIL_NONE && until_reached(d, eip)) {
        d->until = UNTIL_NONE;
        d->until_hit = 0;
        stop(d, eip, 5, "");
        return;
    }
    if (is_breakpoint(d, eip)) stop(d, eip, 5, "");
}

/* Unicorn reports the physical address of an access: the watched linear address is translated
 * the way the CPU translates it now (page tables change between world switches). */
static int watched_physical(struct debugger *d, const struct point *p, const struct paging *pg,
                            uint32_t *pa) {
    struct walk w;
    if (!(pg->cr0 & CR0_PG)) *pa = p->addr;
    else if (walk(&d->lg->phys, pg, p->addr, 0, &w)) return -1;
    else *pa = w.pa;
    return 0;
}

static void on_mem(void *ctx, int is_write, uint32_t paddr, int size) {
    struct debugger *d = ctx;
    struct paging pg;
    cpu_paging(d->c, &pg);
    for (int i = 0; i < d->n_pt && !d->watch_hit; i++) {
        struct point *p = &d->pt[i];
        uint32_t pa;
        if (p->kind == PT_EXEC || watched_physical(d, p, &pg, &pa)) continue;
        if (!(paddr < pa + p->len && pa < paddr + (uint32_t)size)) continue;
        if ((p->kind == PT_WRITE && !is_write) || (p->kind == PT_READ && is_write)) continue;
        d->watch_hit = 1;
        d->watch = *p;
        d->watch_at = p->addr;
    }
}

static int n_watch(struct debugger *d) {
    int n = 0;
    for (int i = 0; i < d->n_pt; i++) n += d->pt[i].kind != PT_EXEC;
    return n;
}

/* Delete the hooks now installed, but the every-instruction one when the coming run wants it. */
static void unhook(struct debugger *d, int keep_all) {
    cpu_hook h[DEBUG_MAX_POINTS + 2];
    int n = 0;
    for (int i = 0; i < d->n_exec; i++) h[n++] = d->h_exec[i];
    if (d->have_all && !keep_all) h[n++] = d->h_all;
    if (d->have_mem) h[n++] = d->h_mem;
    cpu_hooks_del(d->c, h, n);
    d->n_exec = d->have_mem = 0;
    d->have_all = d->have_all && keep_all;
}

/* Install exactly the hooks the coming run needs, and only touch the CPU when that changes. */
void points_arm(struct debugger *d) {
    int want_all = d->stepping || d->until != UNTIL_NONE || n_watch(d) > 0;
    int want_exec = want_all ? 0 : d->n_pt - n_watch(d);
    int want_mem = n_watch(d) > 0;
    int same = want_all == d->have_all && want_mem == d->have_mem && want_exec == d->n_exec;
    for (int i = 0, k = 0; same && !want_all && i < d->n_pt; i++)
        if (d->pt[i].kind == PT_EXEC) same = d->exec_addr[k++] == d->pt[i].addr;
    if (same) return;
    unhook(d, want_all);
    if (want_all && !d->have_all) {
        d->have_all = cpu_hook_code(d->c, &d->h_all, 1, 0, on_insn, d) == 0;
        d->n_all_made += d->have_all;
    }
    for (int i = 0; !want_all && i < d->n_pt; i++) {
        if (d->pt[i].kind != PT_EXEC) continue;
        d->exec_addr[d->n_exec] = d->pt[i].addr;
        if (cpu_hook_code(d->c, &d->h_exec[d->n_exec], d->pt[i].addr, d->pt[i].addr, on_insn,
                          d) == 0)
            d->n_exec++;
    }
    if (want_mem) d->have_mem = cpu_hook_mem(d->c, &d->h_mem, on_mem, d) == 0;
    cpu_code_changed(d->c);   /* translations made before know nothing of the new hooks */
    cpu_flush_tlb(d->c);      /* nor do cached translations of data pages: memory hooks */
}

int points_add(struct debugger *d, int kind, uint32_t addr, uint32_t len) {
    for (int i = 0; i < d->n_pt; i++)
        if (d->pt[i].kind == kind && d->pt[i].addr == addr && d->pt[i].len == len) return 0;
    if (d->n_pt == DEBUG_MAX_POINTS || len == 0) return -1;
    d->pt[d->n_pt++] = (struct point){ kind, addr, len };
    return 0;
}

int points_remove(struct debugger *d, int kind, uint32_t addr, uint32_t len) {
    for (int i = 0; i < d->n_pt; i++) {
        if (d->pt[i].kind != kind || d->pt[i].addr != addr) continue;
        d->pt[i] = d->pt[--d->n_pt];
        return 0;
    }
    return 0;   /* removing what is not there is not an error for gdb */
}

void points_clear(struct debugger *d) {
    d->n_pt = 0;
    d->stepping = d->step_irq = 0;
    d->until = UNTIL_NONE;
    d->until_hit = d->watch_hit = 0;
    points_arm(d);
}
