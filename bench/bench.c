/* bench.c - lgsim's benchmarks (not tests): figures are ratios measured in the same run. */
#define _POSIX_C_SOURCE 200809L
#include "cpu/cpu.h"
#include "sim/machine.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

extern const uint8_t lgsim_hello_guest[], lgsim_demo_guest[];
extern const size_t lgsim_hello_guest_len, lgsim_demo_guest_len;

static double now_s(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

/* mov $N,%ecx; 1: add %eax,%ebx; xor %ebx,%edx; inc %eax; dec %ecx; jnz 1b; (then 'until') */
#define LOOP_ITERS 100000000u
static void put_alu_loop(uint8_t *code) {
    static const uint8_t loop[] = { 0xB9, 0, 0, 0, 0, 0x01, 0xC3, 0x31, 0xDA, 0x40, 0x49,
                                    0x75, 0xF8 };
    memcpy(code, loop, sizeof(loop));
    put_le32(code + 1, LOOP_ITERS);
}
#define ALU_LOOP_END 13

static double alu_bare_unicorn(void) {
    uc_engine *uc;
    uint8_t *ram = calloc(1, 0x10000);
    put_alu_loop(ram + 0x1000);
    uc_open(UC_ARCH_X86, UC_MODE_32, &uc);
    uc_mem_map_ptr(uc, 0, 0x10000, UC_PROT_ALL, ram);
    double t = now_s();
    uc_emu_start(uc, 0x1000, 0x1000 + ALU_LOOP_END, 0, 0);
    t = now_s() - t;
    uc_close(uc);
    free(ram);
    return t;
}

/* The same loop in ring 3 on lgsim's CPU (block hook, virtual clock, I/O breakpoint armed). */
static double alu_lgsim_ring3(void) {
    struct phys phys = { 0 };
    struct cpu c;
    char err[200];
    phys_add(&phys, "ram", 0, 0x100000, err, sizeof(err));
    uint8_t *ram = phys.r[0].mem;
    put_le32(ram + 0x1000 + 0x18, 0x0000FFFF); put_le32(ram + 0x1000 + 0x1C, 0x00CFFA00);
    put_le32(ram + 0x1000 + 0x20, 0x0000FFFF); put_le32(ram + 0x1000 + 0x24, 0x00CFF200);
    put_alu_loop(ram + 0x4000);
    if (cpu_open(&c, &phys, NULL, err, sizeof(err))) { fprintf(stderr, "%s\n", err); exit(1); }
    cpu_set_table(&c, UC_X86_REG_GDTR, 0x1000, 0x27);
    cpu_load_segments(&c, 0x1B, 0x23, 0x23, 0x8000);
    double t = now_s();
    enum cpu_stop s = cpu_run(&c, 0x4000, 0x4000 + ALU_LOOP_END);
    t = now_s() - t;
    if (s != CPU_STOP_UNTIL || cpu_cpl(&c) != 3) fprintf(stderr, "alu loop did not run in ring 3\n");
    cpu_close(&c);
    phys_free(&phys);
    return t;
}

/*
 * The bare-Unicorn floor of a hypercall round trip: the least plain Unicorn 2.1.1 must do for an
 * honest one, with none of lgsim.  Physical memory is identity-mapped by 4 MiB pages through two
 * page directories (host and guest); paging is on throughout.  Per round trip:
 *
 *   uc_emu_start at the ring-0 host code, which pushes the guest's SS, ESP, EFLAGS, CS, EIP,
 *     loads the guest's CR3 (a real mov %ebx,%cr3: QEMU flushes its whole TLB) and irets into
 *     ring 1 (a privilege-changing iret, done by QEMU);
 *   ring 1 executes int $0x1f; Unicorn never delivers through the IDT, it calls UC_HOOK_INTR;
 *   the hook "delivers" with the minimum: reads EIP, ESP, EFLAGS, CS, SS for the frame, writes
 *     the 5-word frame straight into RAM (no Unicorn call), changes CPL to 0 the only way the
 *     API allows (uc_context_save, patch hflags, uc_context_restore: a ring-0 SS is refused
 *     at CPL 1), then writes SS, ESP, CS, EFLAGS, EIP;
 *   the ring-0 stub loads the host's CR3 (the second TLB flush) and executes hlt, which ends
 *     uc_emu_start: one emu_start per exit, as lgsim does with CPU_RUN_TO_HLT;
 *   the host's "C handler" does nothing.
 *
 * Not included, though the real Switcher does them: lgdt/lidt/ltr both ways, the register
 * pushes and pops, reading the gate and descriptors in C, a block hook for a virtual clock.
 * with_block_hook adds just the last: an empty UC_HOOK_BLOCK, since lgsim's clock needs one.
 */
#define FLOOR_ROUNDS 200000
#define FLOOR_GDT 0x1000
#define FLOOR_HOST_PD 0x2000
#define FLOOR_GUEST_PD 0x3000
#define FLOOR_HOST_CODE 0x5000
#define FLOOR_GUEST_CODE 0x6000
#define FLOOR_STUB 0x7000
#define FLOOR_R0_STACK 0x9000
#define FLOOR_R1_STACK 0xA000

struct floor {
    uc_engine *uc;
    uc_context *ctx;
    uint8_t *ram;
    size_t hflags;
    uint64_t exits;
};

static void floor_block(uc_engine *uc, uint64_t addr, uint32_t size, void *user) {}

static void floor_intr(uc_engine *uc, uint32_t intno, void *user) {
    struct floor *f = user;
    uint32_t eip, esp, eflags, cs, ss;
    uc_reg_read(uc, UC_X86_REG_EIP, &eip);
    uc_reg_read(uc, UC_X86_REG_ESP, &esp);
    uc_reg_read(uc, UC_X86_REG_EFLAGS, &eflags);
    uc_reg_read(uc, UC_X86_REG_CS, &cs);
    uc_reg_read(uc, UC_X86_REG_SS, &ss);
    uint32_t frame[5] = { eip, cs, eflags, esp, ss }, new_esp = FLOOR_R0_STACK - 20;
    memcpy(f->ram + new_esp, frame, sizeof(frame));
    uc_context_save(uc, f->ctx);
    uint32_t hf;
    memcpy(&hf, (uint8_t *)f->ctx + f->hflags, 4);
    hf &= ~3u;                                    /* CPL 0 */
    memcpy((uint8_t *)f->ctx + f->hflags, &hf, 4);
    uc_context_restore(uc, f->ctx);
    uint32_t ss0 = 0x10, cs0 = 0x08, fl = eflags & ~0x200u, stub = FLOOR_STUB;
    uc_reg_write(uc, UC_X86_REG_SS, &ss0);
    uc_reg_write(uc, UC_X86_REG_ESP, &new_esp);
    uc_reg_write(uc, UC_X86_REG_CS, &cs0);
    uc_reg_write(uc, UC_X86_REG_EFLAGS, &fl);
    uc_reg_write(uc, UC_X86_REG_EIP, &stub);
    f->exits++;
}

static double floor_round_trip(int with_block_hook) {
    static const uint8_t host[] = { 0x6A, 0x21, 0x68, 0x00, 0xA0, 0x00, 0x00, 0x6A, 0x02,
                                    0x6A, 0x19, 0x68, 0x00, 0x60, 0x00, 0x00,
                                    0x0F, 0x22, 0xDB, 0xCF };  /* push x5; mov %ebx,%cr3; iret */
    static const uint8_t guest[] = { 0xCD, 0x1F };             /* int $0x1f */
    static const uint8_t stub[] = { 0x0F, 0x22, 0xDA, 0xF4 };  /* mov %edx,%cr3; hlt */
    struct floor f = { 0 };
    struct cpu_layout lay;
    char err[200];
    if (cpu_calibrate(&lay, err, sizeof(err))) { fprintf(stderr, "%s\n", err); exit(1); }
    f.hflags = lay.hflags;
    f.ram = calloc(1, 0x400000);
    uint8_t *gdt = f.ram + FLOOR_GDT;
    put_le32(gdt + 0x08, 0x0000FFFF); put_le32(gdt + 0x0C, 0x00CF9B00);   /* ring-0 code */
    put_le32(gdt + 0x10, 0x0000FFFF); put_le32(gdt + 0x14, 0x00CF9300);   /* ring-0 data */
    put_le32(gdt + 0x18, 0x0000FFFF); put_le32(gdt + 0x1C, 0x00CFBB00);   /* ring-1 code */
    put_le32(gdt + 0x20, 0x0000FFFF); put_le32(gdt + 0x24, 0x00CFB300);   /* ring-1 data */
    put_le32(f.ram + FLOOR_HOST_PD, 0x000000E3);    /* 0-4 MiB: P RW A D PS */
    put_le32(f.ram + FLOOR_GUEST_PD, 0x000000E3);
    memcpy(f.ram + FLOOR_HOST_CODE, host, sizeof(host));
    memcpy(f.ram + FLOOR_GUEST_CODE, guest, sizeof(guest));
    memcpy(f.ram + FLOOR_STUB, stub, sizeof(stub));

    uc_open(UC_ARCH_X86, UC_MODE_32, &f.uc);
    uc_mem_map_ptr(f.uc, 0, 0x400000, UC_PROT_ALL, f.ram);
    uc_context_alloc(f.uc, &f.ctx);
    uc_hook h;
    uc_hook_add(f.uc, &h, UC_HOOK_INTR, (void *)floor_intr, &f, 1, 0);
    if (with_block_hook) uc_hook_add(f.uc, &h, UC_HOOK_BLOCK, (void *)floor_block, &f, 1, 0);
    uc_x86_mmr gdtr = { 0, FLOOR_GDT, 0x27, 0 };
    uc_reg_write(f.uc, UC_X86_REG_GDTR, &gdtr);
    uint32_t v = FLOOR_HOST_PD;
    uc_reg_write(f.uc, UC_X86_REG_CR3, &v);
    v = 0x10;  uc_reg_write(f.uc, UC_X86_REG_CR4, &v);                     /* PSE */
    v = 0x80000011; uc_reg_write(f.uc, UC_X86_REG_CR0, &v);                /* PG ET PE */
    v = 0x08;  uc_reg_write(f.uc, UC_X86_REG_CS, &v);
    v = 0x10;  uc_reg_write(f.uc, UC_X86_REG_SS, &v);
    v = 0x10;  uc_reg_write(f.uc, UC_X86_REG_DS, &v);
    v = 0x10;  uc_reg_write(f.uc, UC_X86_REG_ES, &v);
    v = FLOOR_GUEST_PD; uc_reg_write(f.uc, UC_X86_REG_EBX, &v);
    v = FLOOR_HOST_PD;  uc_reg_write(f.uc, UC_X86_REG_EDX, &v);
    v = FLOOR_R0_STACK - 20; uc_reg_write(f.uc, UC_X86_REG_ESP, &v);

    double t = now_s();
    for (int i = 0; i < FLOOR_ROUNDS; i++)
        uc_emu_start(f.uc, FLOOR_HOST_CODE, 0, 0, 0);
    t = now_s() - t;
    uint32_t eip = 0, cr3 = 0;
    uc_reg_read(f.uc, UC_X86_REG_EIP, &eip);
    uc_reg_read(f.uc, UC_X86_REG_CR3, &cr3);
    if (f.exits != FLOOR_ROUNDS || eip != FLOOR_STUB + sizeof(stub) || cr3 != FLOOR_HOST_PD)
        fprintf(stderr, "bare-Unicorn floor did not run as designed (%llu exits, eip %#x)\n",
                (unsigned long long)f.exits, eip);
    uc_context_free(f.ctx);
    uc_close(f.uc);
    free(f.ram);
    return t / FLOOR_ROUNDS;
}

/* One whole lgsim run of a guest: wall time in seconds; the machine's counters in *out. */
static double run_guest(const uint8_t *image, size_t len, const char *cmdline, struct machine *m) {
    char err[300];
    struct machine_options opt = { .mem_mb = 64, .kernel = image, .kernel_len = len,
                                   .cmdline = cmdline, .console = fopen("/dev/null", "w") };
    if (!opt.console) opt.console = stdout;
    if (machine_init(m, &opt, err, sizeof(err))) { fprintf(stderr, "%s\n", err); exit(1); }
    double t = now_s();
    int code = machine_run(m);
    t = now_s() - t;
    if (code != 0) fprintf(stderr, "bench: %s ended with %d: %s\n", cmdline, code, m->dead_reason);
    machine_free(m);
    if (opt.console != stdout) fclose(opt.console);
    return t;
}

/* The hello guest with a benchmark command line doing 100000 of something: seconds per one,
 * after taking away the boot and console work a run with no benchmark does too. */
static struct machine M;
static uint64_t base_runs;
static double per_op(const char *cmdline, double base) {
    return (run_guest(lgsim_hello_guest, lgsim_hello_guest_len, cmdline, &M) - base) / 100000.0;
}
/* World switches (exits) per operation of the last per_op() run. */
static double exits_per_op(void) {
    return (double)(M.n_runs - base_runs) / 100000.0;
}

int main(void) {
    double bare = alu_bare_unicorn(), ours = alu_lgsim_ring3();
    printf("ring-3 ALU loop (%u iterations): bare Unicorn %.3f s, lgsim %.3f s: "
           "lgsim runs at %.2fx bare Unicorn speed\n", LOOP_ITERS, bare, ours, bare / ours);

    double floor = floor_round_trip(0), floor_bh = floor_round_trip(1);
    printf("bare-Unicorn floor of a hypercall round trip (ring-1 int, UC_HOOK_INTR, CPL change "
           "through the context, 2 CR3 loads, 1 emu_start): %.2f us; with an empty block hook "
           "%.2f us\n", floor * 1e6, floor_bh * 1e6);
    double base = run_guest(lgsim_hello_guest, lgsim_hello_guest_len, "", &M);
    base_runs = M.n_runs;
    double hc = per_op("bench=hcall", base);
    printf("hypercall round trip (guest -> Switcher -> host -> guest): %.2f us = %.2fx the "
           "bare-Unicorn floor (%.2fx the floor with a block hook)\n", hc * 1e6, hc / floor,
           hc / floor_bh);
    double gp = per_op("bench=gp", base);
    printf("#GP emulation round trip (out to port 0x80): %.2f us = %.2fx a hypercall\n",
           gp * 1e6, gp / hc);
    double pf = per_op("bench=pf", base);
    printf("page-fault round trip (demand-zero: #PF reflected, guest handler, SET_PTE, retry "
           "fixed by demand_page; %llu reflected, %llu fixed): %.2f us = %.2fx a hypercall\n",
           (unsigned long long)M.n_pf_reflected, (unsigned long long)M.n_pf_fixed, pf * 1e6,
           pf / hc);
    double pf_exits = exits_per_op();
    printf("  %.2f exits per page fault; the bare-Unicorn floor for that many exits: %.2f us "
           "(lgsim = %.2fx)\n", pf_exits, pf_exits * floor * 1e6, pf / (pf_exits * floor));
    double tm = per_op("bench=timer", base);
    printf("timer interrupt (SET_CLOCKEVENT, HALT, idle jump, IRQ 0 delivered to the guest): "
           "%.2f us = %.2fx a hypercall; delivery alone (minus the two hypercalls) %.2f us\n",
           tm * 1e6, tm / hc, (tm - 2 * hc) * 1e6);
    double tm_exits = exits_per_op();
    printf("  %.2f exits per tick; the bare-Unicorn floor for that many exits: %.2f us "
           "(lgsim = %.2fx)\n", tm_exits, tm_exits * floor * 1e6, tm / (tm_exits * floor));

    double teach = run_guest(lgsim_demo_guest, lgsim_demo_guest_len, "", &M);
    uint64_t switches = M.n_runs;
    printf("teaching guest: %.3f s wall for %.3f ms virtual, %llu world switches = %.0f per "
           "second\n", teach, M.cpu.now_ns / 1e6, (unsigned long long)switches,
           switches / teach);
    return 0;
}
