/* bench.c - lgsim's benchmarks (not tests): figures are ratios measured in the same run. */
#define _POSIX_C_SOURCE 200809L
#include "cpu/cpu.h"
#include "sim/machine.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

extern const uint8_t lgsim_hello_guest[];
extern const size_t lgsim_hello_guest_len;

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

/* The hello guest with a benchmark command line: time per round trip (whole run / count). */
static double guest_round_trip(const char *cmdline, uint64_t *runs) {
    static struct machine m;
    char err[300];
    struct machine_options opt = { .mem_mb = 64, .kernel = lgsim_hello_guest,
                                   .kernel_len = lgsim_hello_guest_len, .cmdline = cmdline,
                                   .console = fopen("/dev/null", "w") };
    if (!opt.console) opt.console = stdout;
    if (machine_init(&m, &opt, err, sizeof(err))) { fprintf(stderr, "%s\n", err); exit(1); }
    double t = now_s();
    machine_run(&m);
    t = now_s() - t;
    *runs = m.n_runs;
    machine_free(&m);
    if (opt.console != stdout) fclose(opt.console);
    return t / 100000.0;
}

int main(void) {
    double bare = alu_bare_unicorn(), ours = alu_lgsim_ring3();
    printf("ring-3 ALU loop (%u iterations): bare Unicorn %.3f s, lgsim %.3f s: "
           "lgsim runs at %.2fx bare Unicorn speed\n", LOOP_ITERS, bare, ours, bare / ours);
    uint64_t runs_h, runs_g, runs_base;
    double base = guest_round_trip("", &runs_base) * 100000.0;
    double hc = guest_round_trip("bench=hcall", &runs_h);
    double gp = guest_round_trip("bench=gp", &runs_g);
    /* subtract the boot and console work both runs share */
    double hc_net = (hc * 100000.0 - base) / 100000.0, gp_net = (gp * 100000.0 - base) / 100000.0;
    printf("hypercall round trip (guest -> Switcher -> host -> guest): %.2f us "
           "(%llu world switches per run)\n", hc_net * 1e6, (unsigned long long)runs_h);
    printf("#GP emulation round trip (out to port 0x80): %.2f us\n", gp_net * 1e6);
    printf("#GP round trip / hypercall round trip: %.2f\n", gp_net / hc_net);
    return 0;
}
