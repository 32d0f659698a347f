/* guard.c - containment check: host memory outside the Guest's is the same after the run. */
#include "sim/host/lg.h"
#include "sim/host/layout.h"
#include "switcher-model/lguest_pages.h"
#include <stdlib.h>
#include <string.h>

/* @tour Mastery 60: Nothing else changed
 * And after every run, the proof that the Guest stayed in its box: host memory outside the
 * Guest's is compared with what it was before the Guest first ran.
 */
/*
 * A Guest is untrusted.  Whatever it does, it may change only its own memory, the shadow page
 * tables built for it, its regs page and the shared state page.  Everything else the host owns
 * below the shadow pool (its GDT, IDT, TSS, page tables, code, the Switcher's text) must be
 * byte-for-byte what it was before the Guest ran.  lgsim checks that after every run: a
 * difference is a containment bug in lgsim, and is reported as one.
 */

/* Host memory that legitimately changes while the Guest runs. */
static int host_may_change(const struct lguest *lg, uint32_t pa) {
    return (pa >= HOST_STACK_BOTTOM && pa < HOST_STACK_TOP) ||
           (pa >= lg->host_data && pa < lg->host_data_end) ||
           (pa >= SWITCHER_REGS_PHYS && pa < GUEST_REGS_PHYS + 0x1000);
}

/* The Host TSS descriptor's busy bit is the Switcher's own: switch_to_guest clears it (4.4
 * switcher_32.S does the same) and the way back sets it again with ltr.  A run stopped on
 * purpose between the two (a debugger's kill, the window closed, in the guest or in the
 * Switcher: run_guest_once() notes it in stopped_inside) leaves it clear: that, and only
 * that, is no containment failure.  Any other run came home through ltr. */
static int only_tss_busy_bit(const struct lguest *lg, uint32_t pa, uint8_t now, uint8_t was) {
    return lg->stopped_inside && pa == HOST_GDT + TSS_SELECTOR + 5 && (now ^ was) == 0x02;
}

uint32_t host_guard_size(void) { return SHADOW_POOL - HOST_RAM_BASE; }

void host_guard_begin(struct lguest *lg) {
    free(lg->host_snapshot);
    lg->host_snapshot = malloc(host_guard_size());
    if (lg->host_snapshot)
        memcpy(lg->host_snapshot, phys_ptr(&lg->phys, HOST_RAM_BASE, host_guard_size()),
               host_guard_size());
}

/* A debugger may write host memory when its user turns that on ("monitor host-writes on"):
 * those bytes are noted here, and a difference in them is the debugger's, counted apart. */
int host_guard_debugger_wrote(struct lguest *lg, uint32_t pa, uint32_t len) {
    if (pa >= host_guard_size()) return 0;
    if (len > host_guard_size() - pa) len = host_guard_size() - pa;
    if (!lg->debugger_wrote && !(lg->debugger_wrote = calloc(1, host_guard_size()))) return -1;
    memset(lg->debugger_wrote + pa, 1, len);
    return 0;
}

/* Compare [pa, pa + len) byte by byte: 0, or -1 at the first byte nobody may have changed. */
static int guard_bytes(struct lguest *lg, const uint8_t *now, uint32_t pa, uint32_t len) {
    for (uint32_t end = pa + len; pa < end; pa++) {
        if (host_may_change(lg, pa) || now[pa] == lg->host_snapshot[pa] ||
            only_tss_busy_bit(lg, pa, now[pa], lg->host_snapshot[pa]))
            continue;
        if (lg->debugger_wrote && lg->debugger_wrote[pa]) {
            if (!lg->debugger_changed++) lg->debugger_changed_at = pa;
            continue;
        }
        lg->host_changed = 1;
        lg->host_changed_at = pa;
        return -1;
    }
    return 0;
}

/* 0 when unchanged but for what a debugger wrote (counted in debugger_changed); otherwise -1
 * with host_changed_at set to the first byte nobody may have changed.  A page that compares
 * equal as a whole needs no look at its bytes: most of the 2 MiB never changes. */
int host_guard_end(struct lguest *lg) {
    const uint8_t *now = phys_ptr(&lg->phys, HOST_RAM_BASE, host_guard_size());
    if (!lg->host_snapshot) return 0;
    lg->debugger_changed = 0;
    for (uint32_t pa = 0; pa < host_guard_size(); pa += 0x1000) {
        uint32_t len = host_guard_size() - pa < 0x1000 ? host_guard_size() - pa : 0x1000;
        if (memcmp(now + pa, lg->host_snapshot + pa, len) != 0 && guard_bytes(lg, now, pa, len))
            return -1;
    }
    lg->host_checked = 1;
    return 0;
}

void host_guard_free(struct lguest *lg) {
    free(lg->host_snapshot);
    free(lg->debugger_wrote);
    lg->host_snapshot = lg->debugger_wrote = NULL;
}
