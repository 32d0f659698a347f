/* hello.c - the first lgsim guest: init, descriptor tables, early console, one trap, shutdown. */
#include "tests/guests/lib/guest.h"

extern char lguest_noirq_iret[], stack_top[], ud_entry[];
void do_ud2(void);
void do_int3(void);
void do_insb(void);
void do_gs_load(void);
uint32_t do_sse(uint32_t x);
void load_ucode_intel_bsp(void);
void collect_cpu_info_early(void);
void i386_start_kernel(void);
void console_echo(uint32_t mem_bytes, void (*gate)(uint32_t vec, void *handler, int dpl));

struct lguest_data lguest_data = {
    .blocked_interrupts = 1,
    /* 0xFF = free: a zero status would be a queued async hypercall (number 0) */
    .hcall_status = { [0 ... 63] = 0xFF },
    .noirq_iret = (uint32_t)lguest_noirq_iret,
    .kernel_address = 0xC0000000,
    .syscall_vec = 0x80,
};

/* --- traps --- */

struct trap_frame { uint32_t edi, esi, ebp, esp, ebx, edx, ecx, eax, eip, cs, eflags; };

void ud_handler(struct trap_frame *f);
void ud_handler(struct trap_frame *f) {
    gprintf("trap 6 (#UD) reflected to ring 1 at eip %x, cs %x\n", f->eip, f->cs);
    f->eip += 2;   /* skip the ud2 */
}

static void load_idt_gate(uint32_t vec, void *handler, int dpl) {
    uint32_t h = (uint32_t)handler;
    hcall(LHCALL_LOAD_IDT_ENTRY, vec, (0x61u << 16) | (h & 0xFFFF),
          (h & 0xFFFF0000u) | 0x8E00 | (uint32_t)dpl << 13, 0);
}

static void shutdown(const char *msg, uint32_t how) {
    hcall(LHCALL_SHUTDOWN, (uint32_t)msg, how, 0, 0);
}

/* --- page tables: the Guest's own, then the page-table hypercalls (4.4 page_tables.c) --- */

#define ALIAS 0xC0000000u   /* above kernel_address: the same in every address space */

static uint32_t pgdir_a[1024] __attribute__((aligned(4096)));
static uint32_t pgdir_b[1024] __attribute__((aligned(4096)));
static uint32_t pt_low[1024] __attribute__((aligned(4096)));
static uint32_t pt_alias[1024] __attribute__((aligned(4096)));
static uint32_t page_one[1024] __attribute__((aligned(4096)));
static uint32_t page_two[1024] __attribute__((aligned(4096)));

static uint32_t read_alias(void) { return *(volatile uint32_t *)ALIAS; }

/* Two directories: the low 4 MiB mapped to themselves, ALIAS to page_one. */
static void build_page_tables(void) {
    for (uint32_t i = 0; i < 1024; i++) pt_low[i] = i << 12 | 3;
    pt_alias[0] = (uint32_t)page_one | 3;
    pgdir_a[0] = pgdir_b[0] = (uint32_t)pt_low | 0x67;
    pgdir_a[ALIAS >> 22] = pgdir_b[ALIAS >> 22] = (uint32_t)pt_alias | 0x67;
    page_one[0] = 0x11111111;
    page_two[0] = 0x22222222;
}

/* Every value read through ALIAS depends on the Host having dropped or rebuilt a shadow
 * entry at the right moment; a stale shadow would print the other page's value. */
static void paging(void) {
    build_page_tables();
    hcall(LHCALL_NEW_PGTABLE, (uint32_t)pgdir_a, 0, 0, 0);
    gprintf("paging:%x", read_alias());
    pt_alias[0] = (uint32_t)page_two | 3;               /* neither accessed nor dirty */
    hcall(LHCALL_SET_PTE, (uint32_t)pgdir_a, ALIAS, pt_alias[0], 0);
    gprintf(" %x", read_alias());
    hcall(LHCALL_NEW_PGTABLE, (uint32_t)pgdir_b, 0, 0, 0);   /* a blank slot: stack pinned */
    gprintf(" %x", read_alias());
    pt_alias[0] = (uint32_t)page_one | 0x23;            /* accessed: installed at once */
    hcall(LHCALL_SET_PTE, (uint32_t)pgdir_b, ALIAS, pt_alias[0], 0);
    hcall(LHCALL_NEW_PGTABLE, (uint32_t)pgdir_a, 0, 0, 0);   /* a hit: all slots changed */
    gprintf(" %x", read_alias());
    hcall(LHCALL_FLUSH_TLB, 1, 0, 0, 0);
    pgdir_a[ALIAS >> 22] = 0;
    hcall(LHCALL_SET_PGD, (uint32_t)pgdir_a, ALIAS >> 22, 0, 0);
    pgdir_a[ALIAS >> 22] = (uint32_t)pt_alias | 0x67;
    hcall(LHCALL_FLUSH_TLB, 0, 0, 0, 0);
    gprintf(" %x\n", read_alias());
}

/* --- benchmarks for bench/ --- */

#define BENCH_VA 0x40000000u          /* a user-half 4 MiB the #PF handler fills in */
#define BENCH_ROUNDS 100              /* x 1000 pages = 100000 page-fault round trips */

extern char pf_entry[], timer_entry[];
static uint32_t pt_bench[1024] __attribute__((aligned(4096)));

/* Demand-zero the lguest way: the Guest's handler finds the address in lguest_data.cr2,
 * writes the PTE and tells the Host (SET_PTE); without A/D set the Host installs nothing yet,
 * so the retry faults once more and demand_page fixes it silently: 3 exits per fault. */
void pf_handler(void);
void pf_handler(void) {
    uint32_t va = lguest_data.cr2 & ~0xFFFu;
    pt_bench[(va >> 12) & 1023] = (uint32_t)page_two | 3;
    hcall(LHCALL_SET_PTE, (uint32_t)pgdir_a, va, pt_bench[(va >> 12) & 1023], 0);
}

static void bench_page_faults(void) {
    build_page_tables();
    pgdir_a[BENCH_VA >> 22] = (uint32_t)pt_bench | 0x67;
    load_idt_gate(14, pf_entry, 0);
    hcall(LHCALL_NEW_PGTABLE, (uint32_t)pgdir_a, 0, 0, 0);
    for (int r = 0; r < BENCH_ROUNDS; r++) {
        for (uint32_t i = 0; i < 1000; i++)
            *(volatile uint32_t *)(BENCH_VA + i * 4096) = i;
        for (uint32_t i = 0; i < 1024; i++) pt_bench[i] = 0;
        hcall(LHCALL_FLUSH_TLB, 0, 0, 0, 0);   /* drop the user half of the shadow */
    }
}

static volatile uint32_t ticks;
void timer_handler(void);
void timer_handler(void) { ticks++; }

/* 100000 x (arm a 1 us timer, halt, take IRQ 0): idle time costs nothing, delivery does. */
static void bench_timer(void) {
    load_idt_gate(32, timer_entry, 0);
    lguest_data.blocked_interrupts = 0;
    while (ticks < 100000) {
        hcall(LHCALL_SET_CLOCKEVENT, 1000, 0, 0, 0);
        lguest_data.irq_enabled = 0;   /* halt with interrupts "off", as Linux's safe_halt */
        hcall(LHCALL_HALT, 0, 0, 0, 0);
    }
}

/* --- hostile page tables: each must be refused or contained --- */

/* A PTE naming a frame outside guest RAM (here the last frame below 4 GiB, where the Host and
 * the Switcher would be if guest-physical were host-physical).  With the accessed bit set,
 * SET_PTE validates it at once; without, the access itself reaches demand_page. */
static void hostile_pte(int via_set_pte) {
    build_page_tables();
    pgdir_a[BENCH_VA >> 22] = (uint32_t)pt_bench | 0x67;
    hcall(LHCALL_NEW_PGTABLE, (uint32_t)pgdir_a, 0, 0, 0);
    pt_bench[1] = (uint32_t)page_two | 3;
    (void)*(volatile uint32_t *)(BENCH_VA + 4096);   /* the Host now shadows this 4 MiB */
    pt_bench[0] = 0xFFFFF000u | (via_set_pte ? 0x23 : 0x03);
    if (via_set_pte)   /* (4.4 ignores SET_PTE where it has no shadow page table yet) */
        hcall(LHCALL_SET_PTE, (uint32_t)pgdir_a, BENCH_VA, pt_bench[0], 0);
    console_puts("read ");   /* before the access that may kill us */
    gprintf("%x\n", *(volatile uint32_t *)BENCH_VA);
}

static uint32_t guest_mem;

/* A PTE in the device window just above RAM: the launcher is asked to emulate MMIO there,
 * finds no device, re-injects the #PF, and the Guest has no handler. */
static void device_window(uint32_t mem_bytes) {
    build_page_tables();
    pgdir_a[BENCH_VA >> 22] = (uint32_t)pt_bench | 0x67;
    hcall(LHCALL_NEW_PGTABLE, (uint32_t)pgdir_a, 0, 0, 0);
    pt_bench[0] = mem_bytes | 0x03;
    console_puts("read ");   /* before the access that may kill us */
    gprintf("%x\n", *(volatile uint32_t *)BENCH_VA);
}

/* A page directory that points at itself: walking it maps the directory's own entries as
 * pages.  Nothing escapes guest RAM: 0x40000000 + 4096*i reads the page pgdir_a[i] names. */
static void page_table_loop(void) {
    build_page_tables();
    pgdir_a[BENCH_VA >> 22] = (uint32_t)pgdir_a | 0x67;
    hcall(LHCALL_NEW_PGTABLE, (uint32_t)pgdir_a, 0, 0, 0);
    console_puts("loop: ");
    gprintf("%x", *(volatile uint32_t *)BENCH_VA);                             /* pt_low[0] */
    gprintf(" %x", *(volatile uint32_t *)(BENCH_VA + (BENCH_VA >> 22) * 4096)); /* pgdir_a[0] */
    gprintf(" %x\n", pgdir_a[0]);
}

/* --- boot=params...: what the launcher left at guest-physical 0 (4.4 lguest.c main()) --- */

static uint32_t bp32(const uint8_t *bp, uint32_t off) { return *(const uint32_t *)(bp + off); }

static int starts_with(const char *s, const char *prefix) {
    while (*prefix)
        if (*s++ != *prefix++) return 0;
    return 1;
}

/* The initrd's first line, and whether the rest of its last page is zero. */
static void show_initrd(uint32_t image, uint32_t size) {
    const char *p = (const char *)image;   /* the linear map: virtual = guest-physical */
    uint32_t n = 0;
    console_puts("initrd: ");
    while (n < size && n < 60 && p[n] && p[n] != '\n') gprintf("%c", p[n++]);
    while (n < size && p[n]) n++;
    uint32_t tail = n;
    while (n < size && !p[n]) n++;
    gprintf("\ninitrd: %u bytes up to the first zero, zero from there to the end: %s\n", tail,
            n == size ? "yes" : "no");
}

static void show_boot_params(const uint8_t *bp) {
    gprintf("e820: %u entries; [0] addr %x size %x type %u (high words %x %x)\n", bp[0x1E8],
            bp32(bp, 0x2D0), bp32(bp, 0x2D8), bp32(bp, 0x2E0), bp32(bp, 0x2D4), bp32(bp, 0x2DC));
    gprintf("hdr: version %x loadflags %x type_of_loader %x kernel_alignment %x "
            "hardware_subarch %x\n", bp32(bp, 0x206) & 0xFFFF, bp[0x211], bp[0x210],
            bp32(bp, 0x230), bp32(bp, 0x23C));
    gprintf("hdr: code32_start %x setup_sects %u header %x\n", bp32(bp, 0x214), bp[0x1F1],
            bp32(bp, 0x202));
    gprintf("cmdline at %x: \"%s\"\n", bp32(bp, 0x228), (const char *)bp32(bp, 0x228));
    gprintf("ramdisk: image %x size %x\n", bp32(bp, 0x218), bp32(bp, 0x21C));
    if (bp32(bp, 0x21C)) show_initrd(bp32(bp, 0x218), bp32(bp, 0x21C));
}

/* The console's BAR0 (RAM + 256 pages; linear mode maps it 1:1) in each instruction form the
 * launcher decodes (4.4 lguest.c emulate_mmio()): 88 and 8A (with AH), 66 8B, 89, 8B, and a
 * 32-bit displacement. */
static void mmio_forms(uint32_t mem_bytes) {
    uint32_t bar = mem_bytes + 256 * 4096, eax = 0x1234, ebx, ecx = 0xAAAA0000, cfg;
    __asm__ volatile("movb %%al, 20(%%edx)" : : "a"(1), "d"(bar) : "memory");   /* ACKNOWLEDGE */
    __asm__ volatile("movb %%al, 20(%%edx)" : : "a"(3), "d"(bar) : "memory");   /* DRIVER */
    __asm__ volatile("movb 20(%%edx), %%ah" : "+a"(eax) : "d"(bar) : "memory");
    __asm__ volatile("movw 18(%%edx), %%cx" : "+c"(ecx) : "d"(bar) : "memory"); /* num_queues */
    __asm__ volatile("movl %%eax, (%%edx)" : : "a"(1), "d"(bar) : "memory");    /* select hi */
    __asm__ volatile("movl 4(%%edx), %%ebx" : "=b"(ebx) : "d"(bar) : "memory");
    __asm__ volatile(".byte 0x8b, 0x9a, 0x3c, 0, 0, 0" : "=b"(cfg) : "d"(bar) : "memory");
    gprintf("mmio: status %x, queues %x, features hi %x, cols %x\n", eax, ecx, ebx, cfg);
}

/* An MMIO form the launcher does not decode (a SIB byte): the Guest is stopped. */
static void mmio_sib(uint32_t mem_bytes) {
    uint32_t bar = mem_bytes + 256 * 4096, v;
    __asm__ volatile("movl (%%edx,%%ecx,1), %%eax" : "=a"(v) : "d"(bar), "c"(0) : "memory");
    gprintf("read %x\n", v);
}

/* Scenarios for tests: "die=..." on the kernel command line. */
static void misbehave(const char *how) {
    if (streq(how, "paging")) paging();
    if (streq(how, "die=setpmd")) hcall(LHCALL_SET_PMD, 0, 0, 0, 0);
    if (streq(how, "die=setpgd")) hcall(LHCALL_SET_PGD, 0, 1025, 0, 0);
    if (streq(how, "die=setpte")) hcall(LHCALL_SET_PTE, 0, 0xFFC00000u, 0, 0);
    if (streq(how, "die=hcall")) hcall(99, 0, 0, 0, 0);
    if (streq(how, "die=int3")) do_int3();     /* DPL-0 gate from ring 1: #GP(0x1a) */
    if (streq(how, "die=insb")) do_insb();     /* I/O the launcher cannot emulate */
    if (streq(how, "die=gs")) do_gs_load();    /* null %gs: #GP(0), cannot be emulated */
    if (streq(how, "sse")) gprintf("sse: %x\n", do_sse(0x1234));
    if (streq(how, "die=gdt")) hcall(LHCALL_LOAD_GDT_ENTRY, 32, 0, 0, 0);
    if (streq(how, "die=stack")) hcall(LHCALL_SET_STACK, 0x68, (uint32_t)stack_top, 2, 0);
    if (streq(how, "restart")) shutdown("Restarting system", LGUEST_SHUTDOWN_RESTART);
    if (streq(how, "bench=hcall"))   /* 100000 hypercall round trips, for bench/ */
        for (int i = 0; i < 100000; i++) hcall(LHCALL_FLUSH_ASYNC, 0, 0, 0, 0);
    if (streq(how, "bench=pf")) bench_page_faults();
    if (streq(how, "hostile=pte-set")) hostile_pte(1);
    if (streq(how, "hostile=pte-touch")) hostile_pte(0);
    if (streq(how, "hostile=pt-loop")) page_table_loop();
    if (streq(how, "hostile=device")) device_window(guest_mem);
    if (streq(how, "mmio")) mmio_forms(guest_mem);
    if (streq(how, "die=mmio-sib")) mmio_sib(guest_mem);
    if (streq(how, "die=mmio-status"))   /* DRIVER before ACKNOWLEDGE: a bad driver */
        __asm__ volatile("movb %%al, (%%edx)" : : "a"(2), "d"(guest_mem + 256 * 4096 + 20));
    if (streq(how, "bench=timer")) bench_timer();
    if (streq(how, "echo")) console_echo(guest_mem, load_idt_gate);   /* echo.c */
    if (streq(how, "bench=gp"))      /* 100000 #GP-emulation round trips (io_delay) */
        for (int i = 0; i < 100000; i++) outb(0, 0x80);
    if (streq(how, "spin")) {   /* long enough for host timer ticks to cut in */
        for (volatile uint32_t i = 0; i < 3000000; i++) ;
        console_puts("spun\n");
    }
}

void guest_main(const uint8_t *boot_params);
void guest_main(const uint8_t *boot_params) {
    /* First, before page 0 is touched: lgsim raises the #GP for a null-%gs access only when the
     * offset is unmapped (cpu/segment.c), and boot_params live in page 0.  So the command line
     * is read where lguest always puts it, 0x1000, without the pointer at 0x228. */
    if (starts_with((const char *)0x1000, "die=ucode")) load_ucode_intel_bsp();
    if (starts_with((const char *)0x1000, "die=rdmsr")) collect_cpu_info_early();
    const char *cmdline = (const char *)*(const uint32_t *)(boot_params + 0x228);
    guest_mem = *(const uint32_t *)(boot_params + 0x2D0 + 8);   /* e820[0]: all of RAM */
    if (streq(cmdline, "die=preinit")) hcall(LHCALL_SHUTDOWN, 0, 1, 0, 0);
    if (*(const uint32_t *)(boot_params + 0x23C) != 1)   /* hardware_subarch: lguest */
        for (;;) ;
    hcall(LHCALL_LGUEST_INIT, (uint32_t)&lguest_data, 0, 0, 0);
    if (streq(cmdline, "die=early-ud")) do_ud2();   /* no IDT yet: the Host kills us */
    if (streq(cmdline, "die=cr4")) i386_start_kernel();   /* lguest_init's last call */
    /* Ring-3 code and data segments (the Host demotes DPL 0 to 1 and sets the accessed bit). */
    hcall(LHCALL_LOAD_GDT_ENTRY, 14, 0x0000FFFF, 0x00CFFA00, 0);
    hcall(LHCALL_LOAD_GDT_ENTRY, 15, 0x0000FFFF, 0x00CFF200, 0);
    hcall(LHCALL_LOAD_GDT_ENTRY, 27, 0x0000FFFF, 0x00CF9200, 0);
    hcall(LHCALL_SET_STACK, 0x69, (uint32_t)stack_top, 2, 0);
    load_idt_gate(6, ud_entry, 0);
    if (console_probe() < 0) shutdown("no early console", LGUEST_SHUTDOWN_POWEROFF);
    gprintf("hello from ring 1 (cs %x)\n", read_cs());
    if (starts_with(cmdline, "boot=params")) show_boot_params(boot_params);
    misbehave(cmdline);
    do_ud2();
    gprintf("reserve_mem %x, tsc_khz %x\n", lguest_data.reserve_mem, lguest_data.tsc_khz);
    shutdown("Power down", LGUEST_SHUTDOWN_POWEROFF);
}
