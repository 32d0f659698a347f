/* build.c - the machine lg.ko runs on: host RAM, its tables, the ring-0 routine, the Switcher. */
#include "sim/host/lg.h"
#include "sim/host/layout.h"
#include "switcher-model/lguest_pages.h"
#include <string.h>

/*
 * A real Host is a running Linux kernel: its GDT, IDT, TSS and page tables exist before lg.ko
 * loads, and lg.ko's init() maps the Switcher's pages at the top of every address space (4.4
 * core.c init(), map_switcher(); x86/core.c lguest_arch_host_init()).  lgsim builds that
 * machine in emulated memory first: a small ring-0 kernel whose only job is to call into the
 * Switcher (host.S) and take its own timer interrupt.
 */

extern const uint8_t lgsim_host_elf[];
extern const size_t lgsim_host_elf_len;

static uint8_t *state_page(struct lguest *lg) {
    return phys_ptr(&lg->phys, SWITCHER_STATE_PHYS, 0x1000);
}

static void put_desc(uint8_t *at, uint32_t lo, uint32_t hi) {
    put_le32(at, lo);
    put_le32(at + 4, hi);
}

static void tss_desc(uint8_t *at, uint32_t base, uint32_t type_bits) {
    put_desc(at, (base << 16) | 0x67,
             (base & 0xFF000000u) | ((base >> 16) & 0xFF) | type_bits);
}

static void build_host_tables(struct lguest *lg) {
    uint8_t *gdt = phys_ptr(&lg->phys, HOST_GDT, 0x100);
    put_desc(gdt + LGUEST_CS, 0x0000FFFF, 0x00CF9B00);
    put_desc(gdt + LGUEST_DS, 0x0000FFFF, 0x00CF9300);
    put_desc(gdt + KERNEL_CS, 0x0000FFFF, 0x00CF9B00);
    put_desc(gdt + KERNEL_DS, 0x0000FFFF, 0x00CF9300);
    tss_desc(gdt + TSS_SELECTOR, HOST_TSS, 0x8B00);   /* busy: as after the host's own ltr */

    uint8_t *tss = phys_ptr(&lg->phys, HOST_TSS, TSS_SIZE);
    put_le32(tss + TSS_esp0, HOST_STACK_TOP);
    put_le32(tss + TSS_ss0, KERNEL_DS);
    put_le16(tss + TSS_io_bitmap_base, TSS_SIZE);

    uint8_t *idt = phys_ptr(&lg->phys, HOST_IDT, 0x800);
    for (int v = 0; v < 256; v++) {
        uint32_t h = v == HOST_TIMER_VECTOR ? lg->host_timer : lg->host_panic;
        put_desc(idt + v * 8, (KERNEL_CS << 16) | (h & 0xFFFF), (h & 0xFFFF0000u) | 0x8E00);
    }

    /* Host page tables: host RAM identity-mapped with 4 MiB pages; the Switcher on top. */
    uint8_t *pd = phys_ptr(&lg->phys, HOST_PGDIR, 0x1000);
    for (uint32_t i = 0; i < HOST_RAM_SIZE >> 22; i++)
        put_le32(pd + i * 4, (i << 22) | PTE_PS | PTE_P | PTE_RW | PTE_A | PTE_D);
    put_le32(pd + 1023 * 4, HOST_SWITCHER_PT | PTE_P | PTE_RW | PTE_A | PTE_D);
    uint8_t *pt = phys_ptr(&lg->phys, HOST_SWITCHER_PT, 0x1000);
    put_le32(pt + 0, SWITCHER_TEXT_PHYS | PTE_P | PTE_A | PTE_D);
    put_le32(pt + 4, SWITCHER_REGS_PHYS | PTE_P | PTE_RW | PTE_A | PTE_D);
    put_le32(pt + 8, SWITCHER_STATE_PHYS | PTE_P | PTE_RW | PTE_A | PTE_D);
}

static int load_host_code(struct lguest *lg, char *err, size_t errlen) {
    if (elf_open(&lg->host_elf, lgsim_host_elf, lgsim_host_elf_len, err, errlen)) return -1;
    struct elf_segment s;
    for (int i = 0; elf_load_segment(&lg->host_elf, i, &s) == 0; i++) {
        uint8_t *dst = phys_ptr(&lg->phys, s.paddr, s.memsz);
        if (!dst) { snprintf(err, errlen, "host code does not fit in host RAM"); return -1; }
        memcpy(dst, lg->host_elf.data + s.offset, s.filesz);
    }
    if (elf_symbol(&lg->host_elf, "run_guest_once", &lg->host_run) ||
        elf_symbol(&lg->host_elf, "host_return", &lg->host_return) ||
        elf_symbol(&lg->host_elf, "host_panic", &lg->host_panic) ||
        elf_symbol(&lg->host_elf, "host_timer_handler", &lg->host_timer) ||
        elf_symbol(&lg->host_elf, "switcher_entry", &lg->host_entry_ptr) ||
        elf_symbol(&lg->host_elf, "host_data", &lg->host_data) ||
        elf_symbol(&lg->host_elf, "host_data_end", &lg->host_data_end)) {
        snprintf(err, errlen, "host code lacks its entry symbols");
        return -1;
    }
    return 0;
}

/* Load the Switcher object (ours or --switcher FILE.o) through the one loader. */
static int load_switcher(struct lguest *lg, const struct lguest_open *o, char *err,
                         size_t errlen) {
    const uint8_t *obj = o->switcher_obj ? o->switcher_obj : lgsim_switcher_obj;
    size_t len = o->switcher_obj ? o->switcher_len : lgsim_switcher_obj_len;
    char why[200];
    if (switcher_load(obj, len, SWITCHER_ADDR, &lg->sw, why, sizeof(why))) {
        snprintf(err, errlen, "%s: %s", o->switcher_name ? o->switcher_name :
                 "built-in Switcher", why);
        return -1;
    }
    memcpy(phys_ptr(&lg->phys, SWITCHER_TEXT_PHYS, 0x1000), lg->sw.text, 0x1000);
    phys_write32(&lg->phys, lg->host_entry_ptr, lg->sw.switch_to_guest);
    return 0;
}

/* The state page as lguest_arch_host_init() and setup_guest_gdt() leave it. */
static void init_state_page(struct lguest *lg) {
    uint8_t *st = state_page(lg) - 0x1000;   /* offsets below are from struct lguest_pages */
    put_le32(st + LGUEST_PAGES_host_cr3, HOST_PGDIR);
    put_le16(st + LGUEST_PAGES_host_idt_desc, 0x7FF);
    put_le32(st + LGUEST_PAGES_host_idt_desc + 2, HOST_IDT);
    put_le16(st + LGUEST_PAGES_host_gdt_desc, GDT_ENTRIES * 8 - 1);
    put_le32(st + LGUEST_PAGES_host_gdt_desc + 2, HOST_GDT);
    put_le16(st + LGUEST_PAGES_guest_idt_desc, 0x7FF);
    put_le32(st + LGUEST_PAGES_guest_idt_desc + 2, SWITCHER_PAGES_ADDR + LGUEST_PAGES_guest_idt);
    put_le16(st + LGUEST_PAGES_guest_gdt_desc, GDT_ENTRIES * 8 - 1);
    put_le32(st + LGUEST_PAGES_guest_gdt_desc + 2, SWITCHER_PAGES_ADDR + LGUEST_PAGES_guest_gdt);
    uint8_t *tss = st + LGUEST_PAGES_guest_tss;
    /* A trap from the Guest pushes its frame onto the end of the regs page, where the stub
     * completes struct lguest_regs. */
    put_le32(tss + TSS_esp0, SWITCHER_PAGES_ADDR + LGUEST_PAGES_regs + LGUEST_REGS_SIZE);
    put_le32(tss + TSS_ss0, LGUEST_DS);
    put_le16(tss + TSS_io_bitmap_base, TSS_SIZE);   /* past the limit: every port denied */
    uint8_t *gdt = st + LGUEST_PAGES_guest_gdt;
    put_desc(gdt + LGUEST_CS, 0x0000FFFF, 0x00CF9B00);
    put_desc(gdt + LGUEST_DS, 0x0000FFFF, 0x00CF9300);
    tss_desc(gdt + TSS_SELECTOR, SWITCHER_PAGES_ADDR + LGUEST_PAGES_guest_tss, 0x8900);
}

/* Host RAM, and the Guest's memory at GUEST_PHYS_BASE: RAM plus the device area above it. */
static int map_memory(struct lguest *lg, uint32_t guest_bytes, char *err, size_t errlen) {
    if (phys_add(&lg->phys, "host RAM", HOST_RAM_BASE, HOST_RAM_SIZE, err, errlen) ||
        phys_add(&lg->phys, "guest RAM", GUEST_PHYS_BASE, guest_bytes, err, errlen))
        return -1;
    lg->guest_bytes = guest_bytes;
    return 0;
}

/* @tour Preparation 50: lg.ko is loaded
 * Before any Guest exists the Host is in place: host RAM and the Guest's memory mapped, the
 * host routine (host.S) loaded, the host's descriptor tables and page tables built, the
 * Switcher loaded at 0xFFC00000 and its state page filled in as 4.4's lguest_arch_host_init()
 * leaves it.  The Launcher gets all this by opening the door (lguest_open()).
 */
int build_host(struct lguest *lg, const struct lguest_open *o, char *err, size_t errlen) {
    if (map_memory(lg, o->guest_bytes, err, errlen) || load_host_code(lg, err, errlen))
        return -1;
    build_host_tables(lg);
    if (load_switcher(lg, o, err, errlen)) return -1;
    init_state_page(lg);
    setup_guest_gdt(lg);
    return 0;
}

/* The CPU, standing in the host's ring 0 with its tables loaded. */
int start_host_cpu(struct lguest *lg, char *err, size_t errlen) {
    struct cpu_hooks hooks = { .ctx = lg, .delivered = on_delivered, .deadline = on_deadline,
                               .watched = on_watched };
    if (cpu_open(&lg->cpu, &lg->phys, &hooks, err, errlen)) return -1;
    struct cpu *c = &lg->cpu;
    cpu_set_table(c, CPU_REG_GDTR, HOST_GDT, GDT_ENTRIES * 8 - 1);
    cpu_set_table(c, CPU_REG_IDTR, HOST_IDT, 0x7FF);
    cpu_set_tr(c, TSS_SELECTOR, HOST_TSS, 0x67);
    cpu_set(c, CPU_REG_CR3, HOST_PGDIR);
    /* A Linux host on an SSE CPU runs with OSFXSR and OSXMMEXCPT on; the Guest inherits them
     * (it cannot write CR4), and its user programs use SSE because CPUID says they may. */
    cpu_set_cr4(c, CR4_PSE | CR4_OSFXSR | CR4_OSXMMEXCPT);
    cpu_set(c, CPU_REG_CR0, CR0_PG | CR0_WP | CR0_PE | 0x10);
    if (cpu_load_segments(c, KERNEL_CS, KERNEL_DS, KERNEL_DS, HOST_STACK_TOP)) {
        snprintf(err, errlen, "cannot enter the host's ring 0");
        return -1;
    }
    /* The host's periodic tick has run since the clock's zero; a restarted Guest joins it. */
    c->now_ns = lg->start_ns;
    lg->next_tick_ns = (lg->start_ns / HOST_TIMER_PERIOD_NS + 1) * HOST_TIMER_PERIOD_NS;
    arm_timers(lg);
    /* The Switcher's page: its share of each switch goes into traces, and leaving it is when
     * the Guest's null FS/GS get their guard (cpu/segment.c). */
    c->mark_lo = SWITCHER_ADDR;
    c->mark_size = 0x1000;
    c->null_seg_poison = NULL_SEG_POISON;
    switches_hook(lg);
    return 0;
}
