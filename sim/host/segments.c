/* segments.c - the Guest's GDT as the Host keeps it, and what goes to the Switcher before a run. */
#include "sim/host/lg.h"
#include "sim/host/layout.h"
#include "abi/lguest.h"
#include "switcher-model/lguest_pages.h"
#include <string.h>

static uint8_t *pages(struct machine *m) {
    return phys_ptr(&m->phys, SWITCHER_REGS_PHYS, LGUEST_PAGES_SIZE);
}

/* Entries the Host owns in the Guest's GDT: the Guest may not touch them. */
static int ignored_gdt(unsigned i) {
    return i == GDT_ENTRY_TSS || i == GDT_ENTRY_LGUEST_CS || i == GDT_ENTRY_LGUEST_DS ||
           i == GDT_ENTRY_DOUBLEFAULT_TSS;
}

/* 4.4's fix-up: DPL 0 becomes DPL 1 (the Guest kernel runs in ring 1), and the accessed bit is
 * forced on so the CPU never needs to write to the read-only GDT page. */
static void fixup_gdt_entry(struct machine *m, unsigned i) {
    if (ignored_gdt(i)) return;
    if (((m->gdt[i][1] >> 13) & 3) == 0)
        m->gdt[i][1] |= GUEST_PL << 13;
    m->gdt[i][1] |= 0x100;
}

void setup_guest_gdt(struct machine *m) {
    memset(m->gdt, 0, sizeof(m->gdt));
    m->gdt[GDT_ENTRY_KERNEL_CS][0] = 0x0000FFFF;
    m->gdt[GDT_ENTRY_KERNEL_CS][1] = 0x00CFBB00;
    m->gdt[GDT_ENTRY_KERNEL_DS][0] = 0x0000FFFF;
    m->gdt[GDT_ENTRY_KERNEL_DS][1] = 0x00CFB300;
    m->changed_gdt = 1;
}

void load_guest_gdt_entry(struct machine *m, uint32_t num, uint32_t lo, uint32_t hi) {
    if (num >= GDT_ENTRIES) {
        kill_guest(m, "too many gdt entries %i", (int)num);
        return;
    }
    m->gdt[num][0] = lo;
    m->gdt[num][1] = hi;
    fixup_gdt_entry(m, num);
    m->changed_gdt = 1;
}

/* LHCALL_LOAD_TLS: the three thread-local-storage descriptors, read from Guest memory. */
void guest_load_tls(struct machine *m, uint32_t gtls) {
    uint8_t tls[3 * 8];
    if (lguest_read(m, gtls, tls, sizeof(tls))) return;
    for (unsigned i = 0; i < 3; i++) {
        m->gdt[GDT_ENTRY_TLS_MIN + i][0] = le32(tls + i * 8);
        m->gdt[GDT_ENTRY_TLS_MIN + i][1] = le32(tls + i * 8 + 4);
        fixup_gdt_entry(m, GDT_ENTRY_TLS_MIN + i);
    }
    m->changed_tls = 1;   /* a context switch does this: copy only these three */
}

static void copy_gdt_entries(struct machine *m, unsigned from, unsigned to) {
    uint8_t *gdt = pages(m) + LGUEST_PAGES_guest_gdt;
    for (unsigned i = from; i < to; i++)
        if (!ignored_gdt(i)) {
            put_le32(gdt + i * 8, m->gdt[i][0]);
            put_le32(gdt + i * 8 + 4, m->gdt[i][1]);
        }
}

/* copy_in_guest_info(): what changed since the last run goes into the Switcher's pages. */
void copy_in_guest_info(struct machine *m) {
    uint8_t *tss = pages(m) + LGUEST_PAGES_guest_tss;
    put_le32(tss + TSS_esp1, m->shadow.esp1);
    put_le16(tss + TSS_ss1, (uint16_t)m->ss1);
    if (m->changed_idt) copy_traps(m, pages(m) + LGUEST_PAGES_guest_idt);
    if (m->changed_gdt)
        copy_gdt_entries(m, 0, GDT_ENTRIES);
    else if (m->changed_tls)
        copy_gdt_entries(m, GDT_ENTRY_TLS_MIN, GDT_ENTRY_TLS_MIN + 3);
    m->changed_idt = m->changed_gdt = m->changed_tls = 0;
}
