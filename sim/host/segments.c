/* segments.c - the Guest's GDT as the Host keeps it (4.4 drivers/lguest/segments.c). */
#include "sim/host/lg.h"
#include "sim/host/layout.h"
#include "abi/lguest.h"
#include "switcher-model/lguest_pages.h"
#include <string.h>

static uint8_t *pages(struct lguest *lg) {
    return phys_ptr(&lg->phys, SWITCHER_REGS_PHYS, LGUEST_PAGES_SIZE);
}

/* Entries the Host owns in the Guest's GDT: the Guest may not touch them. */
static int ignored_gdt(unsigned i) {
    return i == GDT_ENTRY_TSS || i == GDT_ENTRY_LGUEST_CS || i == GDT_ENTRY_LGUEST_DS ||
           i == GDT_ENTRY_DOUBLEFAULT_TSS;
}

/* 4.4's fix-up: DPL 0 becomes DPL 1 (the Guest kernel runs in ring 1), and the accessed bit is
 * forced on so the CPU never needs to write to the read-only GDT page. */
static void fixup_gdt_entry(struct lguest *lg, unsigned i) {
    if (ignored_gdt(i)) return;
    if (((lg->gdt[i][1] >> 13) & 3) == 0)
        lg->gdt[i][1] |= GUEST_PL << 13;
    lg->gdt[i][1] |= 0x100;
}

void setup_guest_gdt(struct lguest *lg) {
    memset(lg->gdt, 0, sizeof(lg->gdt));
    lg->gdt[GDT_ENTRY_KERNEL_CS][0] = 0x0000FFFF;
    lg->gdt[GDT_ENTRY_KERNEL_CS][1] = 0x00CFBB00;
    lg->gdt[GDT_ENTRY_KERNEL_DS][0] = 0x0000FFFF;
    lg->gdt[GDT_ENTRY_KERNEL_DS][1] = 0x00CFB300;
    lg->changed_gdt = 1;
}

void load_guest_gdt_entry(struct lguest *lg, uint32_t num, uint32_t lo, uint32_t hi) {
    if (num >= GDT_ENTRIES) {
        kill_guest(lg, "too many gdt entries %i", (int)num);
        return;
    }
    lg->gdt[num][0] = lo;
    lg->gdt[num][1] = hi;
    fixup_gdt_entry(lg, num);
    lg->changed_gdt = 1;
}

/* LHCALL_LOAD_TLS: the three thread-local-storage descriptors, read from Guest memory. */
void guest_load_tls(struct lguest *lg, uint32_t gtls) {
    uint8_t tls[3 * 8];
    if (lguest_read(lg, gtls, tls, sizeof(tls))) return;
    for (unsigned i = 0; i < 3; i++) {
        lg->gdt[GDT_ENTRY_TLS_MIN + i][0] = le32(tls + i * 8);
        lg->gdt[GDT_ENTRY_TLS_MIN + i][1] = le32(tls + i * 8 + 4);
        fixup_gdt_entry(lg, GDT_ENTRY_TLS_MIN + i);
    }
    lg->changed_tls = 1;   /* a context switch does this: copy only these three */
}

static void copy_gdt_entries(struct lguest *lg, unsigned from, unsigned to) {
    uint8_t *gdt = pages(lg) + LGUEST_PAGES_guest_gdt;
    for (unsigned i = from; i < to; i++)
        if (!ignored_gdt(i)) {
            put_le32(gdt + i * 8, lg->gdt[i][0]);
            put_le32(gdt + i * 8 + 4, lg->gdt[i][1]);
        }
}

/* copy_gdt(): every entry the Guest may change, into the GDT the CPU uses in the Guest. */
void copy_gdt(struct lguest *lg) { copy_gdt_entries(lg, 0, GDT_ENTRIES); }

/* copy_gdt_tls(): after a context switch only the three TLS entries changed. */
void copy_gdt_tls(struct lguest *lg) {
    copy_gdt_entries(lg, GDT_ENTRY_TLS_MIN, GDT_ENTRY_TLS_MIN + 3);
}
