/* fuzz_guest.c - a hostile guest kernel: from a seed, random code, hypercalls, tables, devices. */
#include "tests/guests/lib/guest.h"

/*
 * The kernel command line says "seed=N".  From it a splitmix64 stream picks ACTIONS actions:
 * random instruction bytes run in ring 1 or in ring 3, random hypercalls (trapping and through
 * the async ring) with random and boundary arguments, random IDT and GDT entries and page-table
 * entries, random port I/O (PCI configuration cycles among it) and MMIO, and once, perhaps, a
 * switch to page tables of its own (identity, user-accessible) instead of the Host's linear
 * map (even seeds only run code and touch devices).  Every trap, fault and timer interrupt comes back to fuzz_trap (all 256 gates), which
 * resets the stack and segments and goes on with the next action; the timer fires 100 us
 * after each action starts, so random code that loops ends too.  What lgsim must do with all
 * of it: kill the guest with a message, or let it power off or run out of --max-time.  Never a
 * crash, a hang, "simulator bug" or host memory changed (tests/fuzz/fuzz.py classifies).
 */

#define ACTIONS 48
#define USER_CS 0x73
#define USER_DS 0x7B
#define KERNEL_CS 0x61
#define KERNEL_DS 0x69

struct lguest_data lguest_data = {
    .blocked_interrupts = 0,
    .hcall_status = { [0 ... 63] = 0xFF },
    .kernel_address = 0xC0000000,
    .syscall_vec = 0x80,
};

/* Stacks: the main one (lib.S's _start), the one traps from ring 3 land on, ring 3's own. */
__asm__(".bss\n.align 4096\n.space 8192\n.globl stack_top\nstack_top:\n"
        ".space 8192\n.globl trap_stack_top\ntrap_stack_top:\n"
        ".space 4096\n.globl user_stack_top\nuser_stack_top:\n.text");
extern char trap_stack_top[], user_stack_top[], fuzz_trap[];

static uint8_t code_page[2][4096] __attribute__((aligned(4096)));
static uint32_t pgdir[1024] __attribute__((aligned(4096)));
static uint32_t ptes[4][1024] __attribute__((aligned(4096)));
static uint64_t rng;
static uint32_t guest_mem, actions_done, own_tables, profile_code;

static uint32_t next(void) {
    uint64_t z = (rng += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return (uint32_t)((z ^ (z >> 31)) >> 16);
}
static uint32_t below(uint32_t n) { return next() % n; }

/* An argument: often a boundary or an address that means something, else anything. */
static uint32_t arg(void) {
    const uint32_t edges[] = { 0, 1, 2, 0xFFFFFFFFu, 0x7FFFFFFFu, 0x80000000u, 0xFFFFF000u,
                               guest_mem, guest_mem - 4, guest_mem - 4096, guest_mem + 4096,
                               0xC0000000u, 0xFFC00000u, 0xFFC01000u, 0x1000, 0x100000,
                               (uint32_t)&lguest_data, (uint32_t)code_page, (uint32_t)pgdir,
                               (uint32_t)trap_stack_top - 64, 0x61, 0x69, 0x73, 0x7B, 256, 32 };
    uint32_t pick = below(4);
    if (pick == 0) return next() << 16 | next();
    if (pick == 1) return below(64);
    return edges[below(sizeof(edges) / sizeof(edges[0]))];
}

static void shutdown(const char *msg) {
    hcall(LHCALL_SHUTDOWN, (uint32_t)msg, LGUEST_SHUTDOWN_POWEROFF, 0, 0);
}

static void gate(uint32_t vector, uint32_t handler, uint32_t dpl) {
    hcall(LHCALL_LOAD_IDT_ENTRY, vector, (uint32_t)KERNEL_CS << 16 | (handler & 0xFFFF),
          (handler & 0xFFFF0000u) | 0x8E00u | dpl << 13, 0);
}

static void flat_segment(uint32_t index, uint32_t type, uint32_t dpl) {
    hcall(LHCALL_LOAD_GDT_ENTRY, index, 0x0000FFFF, 0x00CF9000u | dpl << 13 | type << 8, 0);
}

/* Fill a code page with random bytes (sometimes mostly zeros, which is "add %al,(%eax)"). */
static uint32_t random_code(int user) {
    uint8_t *p = code_page[user];
    int sparse = below(4) == 0;
    for (int i = 0; i < 4096; i++) p[i] = sparse && below(8) ? 0 : (uint8_t)next();
    return (uint32_t)p + below(256);
}

static void run_ring1(void) {
    uint32_t at = random_code(0);
    __asm__ volatile("movl %0, %%esp\n\tjmp *%1" :: "r"((uint32_t)trap_stack_top - 256), "r"(at)
                     : "memory");
}

static void run_ring3(void) {
    uint32_t at = random_code(1);
    __asm__ volatile("pushl %0\n\tpushl %1\n\tpushl $0x202\n\tpushl %2\n\tpushl %3\n\tiret"
                     :: "i"(USER_DS), "r"((uint32_t)user_stack_top - 16), "i"(USER_CS), "r"(at)
                     : "memory");
}

/* Mostly hypercalls 4.4 has (a bad number kills the guest at once, ending the run). */
static uint32_t hypercall_number(void) {
    static const uint32_t known[] = { LHCALL_FLUSH_ASYNC, LHCALL_NEW_PGTABLE, LHCALL_FLUSH_TLB,
                                      LHCALL_LOAD_IDT_ENTRY, LHCALL_SET_STACK, LHCALL_TS,
                                      LHCALL_SET_CLOCKEVENT, LHCALL_HALT, LHCALL_SET_PTE,
                                      LHCALL_SET_PGD, LHCALL_LOAD_TLS, LHCALL_LOAD_GDT_ENTRY,
                                      LHCALL_SEND_INTERRUPTS };
    uint32_t pick = below(32);
    if (pick == 0) return arg();
    if (pick == 1) return below(3) ? LHCALL_SHUTDOWN : LHCALL_LGUEST_INIT;
    return known[pick % (sizeof(known) / sizeof(known[0]))];
}

static void random_hypercall(void) { hcall(hypercall_number(), arg(), arg(), arg(), arg()); }

/* Entries in the async ring, some marked ready (status 0), then a flush. */
static void random_async(void) {
    for (uint32_t n = below(8); n; n--) {
        uint32_t i = below(LHCALL_RING_SIZE);
        lguest_data.hcalls[i][0] = hypercall_number();
        for (int a = 1; a < 5; a++) lguest_data.hcalls[i][a] = arg();
        lguest_data.hcall_status[i] = below(4) ? 0 : (uint8_t)next();
    }
    hcall(LHCALL_FLUSH_ASYNC, 0, 0, 0, 0);
}

static void random_idt(void) {
    uint32_t v = below(3) ? below(64) : below(256);
    if (below(2)) gate(v, arg(), below(4));
    else hcall(LHCALL_LOAD_IDT_ENTRY, v, arg(), arg(), 0);
}

static void random_gdt(void) {
    hcall(LHCALL_LOAD_GDT_ENTRY, below(3) ? 14 + below(18) : arg(), arg(), arg(), 0);
}

static void random_page_tables(void) {
    uint32_t which = below(3);
    uint32_t table = own_tables && below(2) ? (uint32_t)pgdir : arg();
    if (which == 0) hcall(LHCALL_SET_PTE, table, arg() & 0xFFFFF000u, arg(), 0);
    else if (which == 1) hcall(LHCALL_SET_PGD, table, below(1024), 0, 0);
    else hcall(LHCALL_SET_PMD, table, below(1024), 0, 0);
    if (own_tables && below(2)) ptes[below(4)][below(1024)] = arg();   /* behind its back */
}

static void random_port_io(void) {
    static const uint32_t ports[] = { 0xCF8, 0xCFC, 0xCFD, 0xCFE, 0xCFF, 0x20, 0x21, 0x60,
                                      0x64, 0x70, 0x71, 0x3F8, 0x80 };
    uint32_t port = below(4) ? ports[below(sizeof(ports) / sizeof(ports[0]))] : below(65536);
    uint32_t v = port == 0xCF8 ? 0x80000000u | below(8) << 11 | below(256) : arg();
    switch (below(3)) {
    case 0: outl(v, port); break;
    case 1: outb(v, port); break;
    default: (void)inl(port);
    }
}

/* An access the launcher emulates (mov through a register) into the device BARs past RAM. */
static void random_mmio(void) {
    uint32_t a = guest_mem + (below(4) ? below(0x4000) : below(0x100000));
    uint32_t v = arg();
    switch (below(6)) {
    case 0: __asm__ volatile("movl %0, (%1)" :: "a"(v), "d"(a) : "memory"); break;
    case 1: __asm__ volatile("movw %w0, (%1)" :: "a"(v), "d"(a) : "memory"); break;
    case 2: __asm__ volatile("movb %b0, (%1)" :: "a"(v), "d"(a) : "memory"); break;
    case 3: __asm__ volatile("movl (%1), %0" : "=a"(v) : "d"(a) : "memory"); break;
    case 4: __asm__ volatile("movb (%1), %b0" : "=a"(v) : "d"(a) : "memory"); break;
    default: __asm__ volatile("addl %0, (%1)" :: "a"(v), "d"(a) : "memory");   /* unknown */
    }
}

/* Our own page tables: the first 16 MiB mapped to themselves, user-accessible. */
static void own_page_tables(void) {
    for (uint32_t t = 0; t < 4; t++) {
        for (uint32_t i = 0; i < 1024; i++) ptes[t][i] = (t << 22 | i << 12) | 7;
        pgdir[t] = (uint32_t)ptes[t] | 7;
    }
    own_tables = 1;
    hcall(LHCALL_NEW_PGTABLE, (uint32_t)pgdir, 0, 0, 0);
}

void fuzz_resume(void);
static void action(void) {
    lguest_data.irq_enabled = 0x200;   /* an interrupt gate cleared it */
    hcall(LHCALL_SET_CLOCKEVENT, 100000, 0, 0, 0);
    /* Seeds whose profile is "code" only run code and touch devices: hypercalls with random
     * arguments soon kill a guest (as 4.4 does), and then its random code never runs. */
    uint32_t what = profile_code ? (uint32_t[]){ 0, 2, 9, 10, 11 }[below(5)] : below(12);
    switch (what) {
    case 0: case 1: run_ring1(); break;
    case 2: case 3: run_ring3(); break;
    case 4: random_hypercall(); break;
    case 5: random_async(); break;
    case 6: random_idt(); break;
    case 7: random_gdt(); break;
    case 8: random_page_tables(); break;
    case 9: random_port_io(); break;
    case 10: random_mmio(); break;
    default:
        if (!own_tables && below(2)) own_page_tables();
        else if (!profile_code) random_hypercall();
    }
}

/* Every trap and interrupt ends here, on a fresh stack (fuzz_trap in the asm below). */
void fuzz_resume(void) {
    while (++actions_done < ACTIONS) action();
    shutdown("fuzz guest: all actions done");
    for (;;) {}
}

__asm__(".text\n.globl fuzz_trap\nfuzz_trap:\n"
        "\tmovl $0x69, %eax\n\tmovl %eax, %ds\n\tmovl %eax, %es\n\tmovl %eax, %fs\n"
        "\tmovl %eax, %gs\n\tmovl %eax, %ss\n\tmovl $trap_stack_top, %esp\n"
        "\tjmp fuzz_resume\n");

static uint64_t seed_from(const char *cmdline) {
    uint64_t s = 0;
    for (const char *p = cmdline; *p; p++) {
        if (p[0] != 's' || p[1] != 'e' || p[2] != 'e' || p[3] != 'd' || p[4] != '=') continue;
        for (p += 5; *p >= '0' && *p <= '9'; p++) s = s * 10 + (uint64_t)(*p - '0');
        break;
    }
    return s;
}

void guest_main(const uint8_t *boot_params);
void guest_main(const uint8_t *boot_params) {
    const char *cmdline = (const char *)*(const uint32_t *)(boot_params + 0x228);
    guest_mem = *(const uint32_t *)(boot_params + 0x2D0 + 8);   /* e820[0]: all of RAM */
    rng = seed_from(cmdline);
    profile_code = rng % 2 == 0;
    extern char lguest_noirq_iret[];
    lguest_data.noirq_iret = (uint32_t)lguest_noirq_iret;
    hcall(LHCALL_LGUEST_INIT, (uint32_t)&lguest_data, 0, 0, 0);
    if (console_probe() == 0) gprintf("fuzz guest: seed %u\n", (uint32_t)rng);
    for (uint32_t v = 0; v < 256; v++) gate(v, (uint32_t)fuzz_trap, 3);
    flat_segment(USER_CS >> 3, 0xA, 3);
    flat_segment(USER_DS >> 3, 0x2, 3);
    hcall(LHCALL_SET_STACK, KERNEL_DS, (uint32_t)trap_stack_top, 2, 0);
    fuzz_resume();
}
