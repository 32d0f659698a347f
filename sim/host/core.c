/* core.c - lg.ko's heart (4.4 drivers/lguest/core.c): the run loop, and the Guest's memory. */
#include "sim/host/lg.h"
#include "sim/host/layout.h"
#include "abi/lguest.h"
#include "switcher-model/lguest_pages.h"
#include <stdarg.h>
#include <string.h>

/* 4.4 kill_guest(): the first reason stands; the Launcher reads it once read() says so. */
void kill_guest(struct lguest *lg, const char *fmt, ...) {
    if (lg->dead) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(lg->dead_reason, sizeof(lg->dead_reason), fmt, ap);
    va_end(ap);
    lg->dead = 1;
    lg->status = 1;
}

/* --- the Guest's registers live in its regs page, just below the end of page 0 --- */

uint8_t *guest_regs(struct lguest *lg) {
    return phys_ptr(&lg->phys, GUEST_REGS_PHYS + LGUEST_PAGES_regs, LGUEST_REGS_SIZE);
}
uint32_t reg_get(struct lguest *lg, int off) { return le32(guest_regs(lg) + off); }
void reg_set(struct lguest *lg, int off, uint32_t v) { put_le32(guest_regs(lg) + off, v); }

/* @tour Host 15: How the Host touches Guest memory
 * Before the loop, one rule: every Host access to the Guest's memory is bounds-checked, and a
 * Guest that hands the Host a bad address is killed (4.4's lguest_address_ok(), __lgread(),
 * __lgwrite()).  The frame the Host pushes for the reflected fault (Host 80) goes through
 * lguest_write().
 */
/* --- Dealing With Guest Memory: every Host access is bounds-checked (lguest_address_ok) --- */

/* 4.4 __lgread(): a Guest that hands the Host a bad address is killed. */
int lguest_read(struct lguest *lg, uint32_t gpa, void *buf, uint32_t len) {
    uint8_t *p = shadow_guest_ptr(&lg->shadow, gpa, len);
    if (!p) {
        kill_guest(lg, "bad read address %#x len %u", gpa, len);
        return -1;
    }
    memcpy(buf, p, len);
    return 0;
}

/* 4.4 __lgwrite(); a debugger's watchpoints hear of it. */
int lguest_write_by(struct lguest *lg, uint32_t gpa, const void *buf, uint32_t len,
                    const char *writer) {
    uint8_t *p = shadow_guest_ptr(&lg->shadow, gpa, len);
    if (!p) {
        kill_guest(lg, "bad write address %#x len %u", gpa, len);
        return -1;
    }
    memcpy(p, buf, len);
    cpu_host_wrote(&lg->cpu, p, len);   /* a store, as far as code there is concerned */
    if (lg->write_watcher) lg->write_watcher(lg->write_watcher_ctx, gpa, len, NULL, writer);
    return 0;
}

/* A field of struct lguest_data, once LHCALL_LGUEST_INIT said where it is. */
int lguest_data_get(struct lguest *lg, uint32_t off, uint32_t *v) {
    uint8_t b[4];
    if (!lg->initialized || lguest_read(lg, lg->lguest_data + off, b, 4)) return -1;
    *v = le32(b);
    return 0;
}

void lguest_data_put_by(struct lguest *lg, uint32_t off, uint32_t v, const char *writer) {
    uint8_t b[4];
    put_le32(b, v);
    if (lg->initialized) lguest_write_by(lg, lg->lguest_data + off, b, 4, writer);
}

/* The bytes from eip to the end of its page (at most max) in one walk of the Guest's tables,
 * or 0 when that page, or any byte of that run, cannot be read. */
static uint32_t guest_fetch_page(struct lguest *lg, uint32_t eip, uint8_t *buf, uint32_t max) {
    uint32_t run = 0x1000 - (eip & 0xFFF), gpa;
    uint8_t *p;
    if (run > max) run = max;
    if (shadow_guest_pa(&lg->shadow, eip, &gpa) || !(p = shadow_guest_ptr(&lg->shadow, gpa, run)))
        return 0;
    memcpy(buf, p, run);
    return run;
}

/* Up to max bytes at guest-virtual eip through the Guest's tables; how many could be read.
 * A page at a time; byte by byte only from a run that cannot be read whole, to find where
 * the readable bytes end. */
uint32_t guest_fetch(struct lguest *lg, uint32_t eip, uint8_t *buf, uint32_t max) {
    uint32_t n = 0, gpa, got;
    uint8_t *p;
    while (n < max && (got = guest_fetch_page(lg, eip + n, buf + n, max - n)) != 0)
        n += got;
    for (; n < max; n++) {
        if (shadow_guest_pa(&lg->shadow, eip + n, &gpa) ||
            !(p = shadow_guest_ptr(&lg->shadow, gpa, 1)))
            break;
        buf[n] = *p;
    }
    return n;
}

/* --- the loop (4.4 core.c run_guest) --- */

void lguest_unwind(struct lguest *lg) {
    lg->unwinding = 1;
    cpu_request_stop(&lg->cpu, CPU_STOP_REQUEST, "time travel");
}

int lguest_unwound(const struct lguest *lg) { return lg->unwinding; }

void lguest_want_turn(struct lguest *lg) { lg->turn_wanted = 1; }

/* When the Launcher asked to have its turn back (struct lguest_turn): 4.4 checks
 * signal_pending() here and returns -ERESTARTSYS. */
static int turn_due(struct lguest *lg) {
    const struct lguest_turn *t = &lg->turn;
    if (lg->turn_wanted) {
        lg->turn_wanted = 0;
        return 1;
    }
    if ((t->signal && *t->signal) || lg->cpu.now_ns >= t->at_ns)
        return 1;
    return t->every_passes && ++lg->turn_passes % t->every_passes == 0;
}

/* @tour Host 20: run_guest(), the loop
 * One pass: a pending hypercall first, then anything for the Launcher, the Launcher's own
 * turn, interrupts to deliver, and a trip into the Guest, with a look at why it came back.
 * Our page fault takes several passes: the fault, the reflection into the Guest's handler,
 * one pass per hypercall and port write of that handler, and the retry.
 */
/*
 * Each pass: the hypercall the Guest trapped with (done here, not in the trap handler, as in
 * 4.4), anything the Launcher must see to, interrupts to deliver, then one trip into the
 * Guest and a look at why it came back.  A halted Guest with nothing to deliver goes back to
 * the Launcher: 4.4 sleeps here until a timer or a device wakes it, lgsim's Launcher decides
 * how long that is on the virtual clock (lguest_sleep).
 */
enum lguest_stop run_guest(struct lguest *lg) {
    while (!lg->dead) {
        /* @tour Host 100: The hypercall, at the top of the next pass
         * do_hypercalls() runs it, then the loop goes on to enter the Guest again, after its int.
         */
        if (lg->hcall_pending) {
            do_hypercalls(lg);
            if (lg->dead) break;
        }
        if (lg->pending.trap)
            return LGUEST_PENDING;
        if (turn_due(lg))
            return LGUEST_INTERRUPTED;
        unsigned irq = interrupt_pending(lg);
        if (irq < LGUEST_IRQS)
            try_deliver_interrupt(lg, irq);
        if (lg->dead)
            break;
        if (lg->halted) {
            if (interrupt_pending(lg) == LGUEST_IRQS) return LGUEST_HALTED;
            continue;
        }
        /* @tour Host 140: The retry
         * The handler returns through lguest_iret (Guest 80) and the heap program's read runs
         * again.  It faults once more: the shadow still has no entry for 0x10000000.  This time
         * demand_page() (Host 70) finds the Guest's new PTE, builds the shadow entry, and the next
         * trip resumes the read, which now succeeds.  The page fault is over: one reflected fault,
         * two hypercalls, the printk's port writes, and faults the Guest never saw (its handler's
         * first touches of the new pages, and the retry's).  "lgsim trace explain" tells it all.
         */
        run_guest_once(lg);
        if (lg->unwinding) return LGUEST_INTERRUPTED;
        if (!lg->dead) lguest_arch_handle_trap(lg);
    }
    return LGUEST_DEAD;
}
