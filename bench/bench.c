/* bench.c - lgsim's benchmarks (not tests): figures are ratios measured in the same run. */
#define _POSIX_C_SOURCE 200809L
#include "cpu/bare.h"
#include "cpu/cpu.h"
#include "sim/launcher/launcher.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

extern const uint8_t lgsim_hello_guest[], lgsim_demo_guest[];
extern const size_t lgsim_hello_guest_len, lgsim_demo_guest_len;

/* CPU time: on a shared machine wall time mostly measures the other programs. */
static double now_s(void) {
    struct timespec t;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
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

static double alu_bare_unicorn(int with_block_hook) {
    uint8_t *ram = calloc(1, 0x10000);
    put_alu_loop(ram + 0x1000);
    struct cpu_bare *b = cpu_bare_open(ram, 0x10000, with_block_hook);
    double t = now_s();
    cpu_bare_run(b, 0x1000, 0x1000 + ALU_LOOP_END);
    t = now_s() - t;
    cpu_bare_close(b);
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
    cpu_set_table(&c, CPU_REG_GDTR, 0x1000, 0x27);
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
 * Self-modifying code (cpu/README.md): a zero-filled code page is "add %al,(%eax)" over and
 * over, each run once.  With EAX pointing into the code every store lands in a page holding
 * translated code; with EAX pointing at a data page none does.  Seconds of CPU time per
 * millisecond of virtual time, in ring 3, for a budget of virtual time.
 */
#define SMC_BUDGET_NS 200000u
static double zero_page_cpu_per_virtual_ms(uint32_t eax) {
    struct phys phys = { 0 };
    struct cpu c;
    char err[200];
    phys_add(&phys, "ram", 0, 0x100000, err, sizeof(err));
    uint8_t *ram = phys.r[0].mem;
    put_le32(ram + 0x1000 + 0x18, 0x0000FFFF); put_le32(ram + 0x1000 + 0x1C, 0x00CFFA00);
    put_le32(ram + 0x1000 + 0x20, 0x0000FFFF); put_le32(ram + 0x1000 + 0x24, 0x00CFF200);
    if (cpu_open(&c, &phys, NULL, err, sizeof(err))) { fprintf(stderr, "%s\n", err); exit(1); }
    cpu_set_table(&c, CPU_REG_GDTR, 0x1000, 0x27);
    cpu_load_segments(&c, 0x1B, 0x23, 0x23, 0x8000);
    cpu_set(&c, CPU_REG_EAX, eax);
    cpu_set_budget(&c, SMC_BUDGET_NS);
    uint64_t t0 = c.now_ns;
    double t = now_s();
    enum cpu_stop s = cpu_run(&c, 0x10000, CPU_RUN_TO_HLT);
    t = now_s() - t;
    if (s != CPU_STOP_BUDGET) fprintf(stderr, "zero page: stopped by %s\n", cpu_stop_name(s));
    double ms = (double)(c.now_ns - t0) / 1e6;
    cpu_close(&c);
    phys_free(&phys);
    return t / ms;
}

/* The bare-Unicorn floor of a hypercall round trip (cpu/bare.h says what it does). */
#define FLOOR_ROUNDS 200000
static double floor_round_trip(int with_block_hook) {
    char err[200];
    struct cpu_floor *f = cpu_floor_open(with_block_hook, err, sizeof(err));
    if (!f) { fprintf(stderr, "%s\n", err); exit(1); }
    double t = now_s();
    for (int i = 0; i < FLOOR_ROUNDS; i++)
        cpu_floor_round_trip(f);
    t = now_s() - t;
    if (cpu_floor_check(f, FLOOR_ROUNDS, err, sizeof(err))) fprintf(stderr, "%s\n", err);
    cpu_floor_close(f);
    return t / FLOOR_ROUNDS;
}

/* One whole lgsim run of a guest: CPU time in seconds; the Host's counters in M, its clock
 * in M_now. */
static struct lguest_counts M;
static uint64_t M_now;
static double run_guest(const uint8_t *image, size_t len, const char *cmdline) {
    static struct launcher l;
    char err[300];
    struct launcher_options opt = { .mem_mb = 64, .kernel = image, .kernel_len = len,
                                    .cmdline = cmdline, .console = fopen("/dev/null", "w") };
    if (!opt.console) opt.console = stdout;
    if (launcher_init(&l, &opt, err, sizeof(err))) { fprintf(stderr, "%s\n", err); exit(1); }
    double t = now_s();
    int code = launcher_run(&l);
    t = now_s() - t;
    if (code != 0) fprintf(stderr, "bench: %s ended with %d: %s\n", cmdline, code, l.dead_reason);
    M = *lguest_counts(l.lg);
    M_now = lguest_time(l.lg);
    launcher_free(&l);
    if (opt.console != stdout) fclose(opt.console);
    return t;
}

/* The hello guest with a benchmark command line doing 100000 of something: seconds per one,
 * after taking away the boot and console work a run with no benchmark does too. */
static uint64_t base_runs;
static double per_op(const char *cmdline, double base) {
    return (run_guest(lgsim_hello_guest, lgsim_hello_guest_len, cmdline) - base) / 100000.0;
}
/* World switches (exits) per operation of the last per_op() run. */
static double exits_per_op(void) {
    return (double)(M.n_runs - base_runs) / 100000.0;
}

int main(void) {
    double bare = alu_bare_unicorn(0), ours = alu_lgsim_ring3(), hooked = alu_bare_unicorn(1);
    printf("ring-3 ALU loop (%u iterations, CPU time): bare Unicorn %.3f s, lgsim %.3f s: "
           "lgsim runs at %.2fx bare Unicorn speed\n", LOOP_ITERS, bare, ours, bare / ours);
    printf("  bare Unicorn with an empty block hook (the least a per-block clock costs): "
           "%.3f s = %.2fx bare; lgsim = %.2fx that\n", hooked, bare / hooked, hooked / ours);

    double smc = zero_page_cpu_per_virtual_ms(0x10000), data = zero_page_cpu_per_virtual_ms(0x90000);
    double alu = ours / (LOOP_ITERS * 8.0 / 1e6);   /* 8 bytes of code = 8 ns per iteration */
    printf("zero-filled code (add %%al,(%%eax), 2 ns of virtual time each, every instruction run "
           "once): %.3f s of CPU time per ms of virtual time storing into itself (%.2f us per "
           "instruction), %.3f s storing into data: self-modifying / not = %.2fx; run-once code / "
           "the ALU loop = %.0fx (%.5f s per ms)\n", smc, smc * 2.0, data, smc / data, smc / alu,
           alu);
    double floor = floor_round_trip(0), floor_bh = floor_round_trip(1);
    printf("bare-Unicorn floor of a hypercall round trip (CPU time; ring-1 int, Unicorn's interrupt hook, CPL change "
           "through the context, 2 CR3 loads, 1 emu_start): %.2f us; with an empty block hook "
           "%.2f us\n", floor * 1e6, floor_bh * 1e6);
    double base = run_guest(lgsim_hello_guest, lgsim_hello_guest_len, "");
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

    double teach = run_guest(lgsim_demo_guest, lgsim_demo_guest_len, "");
    uint64_t switches = M.n_runs;
    printf("teaching guest: %.3f s of CPU time for %.3f ms virtual, %llu world switches = %.0f per "
           "second\n", teach, M_now / 1e6, (unsigned long long)switches,
           switches / teach);
    return 0;
}
