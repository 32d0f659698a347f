/* lguest_user.c - the door's Host side: /dev/lguest's open, requests and read (4.4's file). */
#include "sim/host/lg.h"
#include "sim/host/layout.h"
#include "sim/host/page_tables.h"
#include "abi/lguest.h"
#include "switcher-model/lguest_pages.h"
#include <stdlib.h>
#include <string.h>

/* --- open() and close() --- */

struct lguest *lguest_open(const struct lguest_open *o, char *err, size_t errlen) {
    static struct recorder quiet;   /* no trace: records go nowhere */
    struct lguest *lg = calloc(1, sizeof(*lg));
    if (!lg) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    lg->rec = o->rec ? o->rec : &quiet;
    lg->count_switcher_insns = o->count_switcher_insns;
    lg->start_ns = o->clock_ns;
    lg->turn.at_ns = UINT64_MAX;
    if (build_host(lg, o, err, errlen)) {
        lguest_close(lg);
        return NULL;
    }
    return lg;
}

void lguest_close(struct lguest *lg) {
    if (!lg) return;
    host_guard_free(lg);
    cpu_close(&lg->cpu);
    phys_free(&lg->phys);
    free(lg);
}

/* Not counted as changed here (phys_ptr_quiet): the Launcher tells its stores through it,
 * with lguest_wrote() or lguest_loaded(). */
uint8_t *lguest_guest_base(struct lguest *lg) {
    return (uint8_t *)phys_ptr_quiet(&lg->phys, GUEST_PHYS_BASE, lg->guest_bytes);
}

void lguest_loaded(struct lguest *lg, uint32_t gpa, uint32_t len) {
    if (gpa < lg->guest_bytes) phys_mark(&lg->phys, GUEST_PHYS_BASE + gpa, len);
}

/* --- LHREQ_INITIALIZE: 4.4 initialize() --- */

int lguest_initialize(struct lguest *lg, uint32_t pfn_limit, uint32_t start,
                      uint32_t device_limit, char *err, size_t errlen) {
    lg->mem = pfn_limit << 12;
    shadow_init(&lg->shadow, &lg->phys, SHADOW_POOL, SHADOW_POOL_END, GUEST_PHYS_BASE, lg->mem,
                device_limit, SWITCHER_ADDR);
    lg->shadow.sw_text = SWITCHER_TEXT_PHYS;
    lg->shadow.sw_regs = GUEST_REGS_PHYS;
    lg->shadow.sw_state = SWITCHER_STATE_PHYS;
    pagetables_trace(lg);
    if (shadow_init_guest(&lg->shadow, err, errlen)) return -1;
    lg->changed_idt = 1;
    if (start_host_cpu(lg, err, errlen)) return -1;
    lguest_arch_setup_regs(lg, start);
    return 0;
}

/* --- LHREQ_GETREG, LHREQ_SETREG, LHREQ_TRAP, LHREQ_IRQ --- */

/* Where each pt_regs register lives in the regs page, and whether SETREG may change it
 * (4.4's lguest_arch_regptr() refuses the segment registers, EFLAGS and orig_eax, which it
 * does not keep). */
static int regptr(uint32_t pt_off, int for_set, uint32_t *regs_off) {
    static const struct { int32_t at; uint8_t settable; } map[] = {
        [PT_EBX / 4] = { LGUEST_REGS_ebx, 1 }, [PT_ECX / 4] = { LGUEST_REGS_ecx, 1 },
        [PT_EDX / 4] = { LGUEST_REGS_edx, 1 }, [PT_ESI / 4] = { LGUEST_REGS_esi, 1 },
        [PT_EDI / 4] = { LGUEST_REGS_edi, 1 }, [PT_EBP / 4] = { LGUEST_REGS_ebp, 1 },
        [PT_EAX / 4] = { LGUEST_REGS_eax, 1 }, [PT_DS / 4] = { LGUEST_REGS_ds, 0 },
        [PT_ES / 4] = { LGUEST_REGS_es, 0 }, [PT_FS / 4] = { LGUEST_REGS_fs, 0 },
        [PT_GS / 4] = { LGUEST_REGS_gs, 0 }, [PT_ORIG_EAX / 4] = { -1, 0 },
        [PT_EIP / 4] = { LGUEST_REGS_eip, 1 }, [PT_CS / 4] = { LGUEST_REGS_cs, 0 },
        [PT_EFLAGS / 4] = { LGUEST_REGS_eflags, 0 }, [PT_ESP / 4] = { LGUEST_REGS_esp, 1 },
        [PT_SS / 4] = { LGUEST_REGS_ss, 0 },
    };
    if (pt_off % 4 || pt_off / 4 >= sizeof(map) / sizeof(map[0]) || map[pt_off / 4].at < 0 ||
        (for_set && !map[pt_off / 4].settable))
        return LHREQ_ENOENT;
    *regs_off = (uint32_t)map[pt_off / 4].at;
    return 0;
}

int lhreq_getreg(struct lguest *lg, uint32_t pt_off, uint32_t *val) {
    uint32_t at;
    int rc = regptr(pt_off, 0, &at);
    if (rc == 0) *val = reg_get(lg, (int)at);
    return rc;
}

int lhreq_setreg(struct lguest *lg, uint32_t pt_off, uint32_t val) {
    uint32_t at;
    int rc = regptr(pt_off, 1, &at);
    if (rc == 0) reg_set(lg, (int)at, val);
    return rc;
}

/* deliver_trap() uses the error code already in the regs page, as 4.4's trap() does. */
int lhreq_trap(struct lguest *lg, uint32_t trap) {
    return trap < 256 && deliver_trap(lg, trap) == 0 ? 0 : LHREQ_EINVAL;
}

int lhreq_irq(struct lguest *lg, uint32_t irq) {
    if (irq >= LGUEST_IRQS) return LHREQ_EINVAL;
    set_interrupt(lg, irq);
    return 0;
}

/* @tour Host 10: read()
 * The Launcher's read() lands here: acknowledge the last pending exit, then run_guest().
 */
/* --- read(): run the Guest --- */

enum lguest_stop lguest_run(struct lguest *lg, const struct lguest_turn *turn,
                            struct lguest_pending *pending) {
    if (!lg->guard_begun) {     /* the Guest is about to run for the first time */
        lg->guard_begun = 1;
        host_guard_begin(lg);
    }
    if (lg->dead) return LGUEST_DEAD;
    lg->pending.trap = 0;       /* this read() acknowledges the last exit */
    lg->turn = *turn;
    enum lguest_stop why = run_guest(lg);
    if (why == LGUEST_PENDING) *pending = lg->pending;
    return why;
}

/* --- the virtual clock --- */

uint64_t lguest_time(const struct lguest *lg) { return lg->cpu.now_ns; }

uint64_t lguest_clockevent(const struct lguest *lg) { return lg->clockevent_ns; }

void lguest_sleep(struct lguest *lg, uint64_t wake) {
    if (wake > lg->cpu.now_ns) {
        REC(lg->rec, lg->cpu.now_ns, TK_HALT, (uint32_t)(wake - lg->cpu.now_ns));
        lg->count.n_idle_ns += wake - lg->cpu.now_ns;
        lg->cpu.now_ns = wake;
    }
    fire_timers(lg, lg->cpu.now_ns);   /* the host was asleep: no interrupt reaches the CPU */
}

/* --- the Launcher's stores --- */

void lguest_wrote(struct lguest *lg, uint32_t gpa, uint32_t len, const char *device,
                  const char *writer) {
    if (!len || gpa >= lg->guest_bytes || len > lg->guest_bytes - gpa) return;
    /* code there runs anew; and the pages count as changed (phys_ptr) */
    cpu_host_wrote(&lg->cpu, phys_ptr(&lg->phys, GUEST_PHYS_BASE + gpa, len), len);
    if (lg->write_watcher) lg->write_watcher(lg->write_watcher_ctx, gpa, len, device, writer);
}

/* --- what is left when the Guest has died --- */

struct lguest_death lguest_death(const struct lguest *lg) {
    uint8_t *r = guest_regs((struct lguest *)lg);
    return (struct lguest_death){ .reason = lg->dead ? lg->dead_reason : NULL,
                                  .status = lg->status,
                                  .trapnum = le32(r + LGUEST_REGS_trapnum),
                                  .bad_entry = lg->shadow.bad_entry,
                                  .lguest_data = lg->lguest_data };
}

uint32_t lguest_read_virtual(struct lguest *lg, uint32_t va, uint8_t *buf, uint32_t max) {
    return guest_fetch(lg, va, buf, max);
}

const struct lguest_counts *lguest_counts(const struct lguest *lg) { return &lg->count; }

int lguest_contained(struct lguest *lg, uint32_t *changed_at, uint32_t *compared) {
    *compared = host_guard_size();
    if (host_guard_end(lg)) {
        *changed_at = lg->host_changed_at;
        return -1;
    }
    return lg->host_checked ? 1 : 0;
}

uint32_t lguest_debugger_changed(const struct lguest *lg, uint32_t *first) {
    *first = lg->debugger_changed_at;
    return lg->debugger_changed;
}
