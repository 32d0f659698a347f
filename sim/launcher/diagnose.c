/* diagnose.c - when a Guest dies one of the known ways a 4.4 kernel dies under lguest, say so. */
#include "sim/host/lg.h"
#include "sim/launcher/diagnose.h"
#include "switcher-model/lguest_pages.h"
#include <stdio.h>
#include <string.h>

/*
 * Two deaths that real lguest 4.4 reports only as "lguest: Reinjecting trap 13 for fault at
 * 0x...: Invalid argument": a privileged instruction at CPL 1 takes #GP(0), the Host hands it
 * to the launcher, emulate_insn() knows only port I/O, and re-injecting the #GP fails because
 * the Guest has no IDT yet.  Each is recognised from the instruction and the machine state,
 * and named from the kernel's symbols when it has them (ABI §12.3).
 */

/* A symbol for a Guest address.  Before paging is on, the kernel runs at physical addresses
 * while vmlinux's symbols are virtual: map through the PT_LOAD segment that holds it. */
const char *kernel_symbol(struct machine *m, uint32_t addr, uint32_t *off) {
    if (!m->kernel_has_symbols) return NULL;
    struct elf_segment s;
    for (int i = 0; elf_load_segment(&m->kernel_elf, i, &s) == 0; i++)
        if (s.vaddr != s.paddr && addr >= s.paddr && addr - s.paddr < s.memsz)
            return elf_symbolize(&m->kernel_elf, addr - s.paddr + s.vaddr, off);
    return elf_symbolize(&m->kernel_elf, addr, off);
}

static int has_prefix(const char *s, const char *prefix) {
    return s && strncmp(s, prefix, strlen(prefix)) == 0;
}

/* The early microcode loader's functions (arch/x86/kernel/cpu/microcode/ in 4.4). */
static int in_microcode_loader(const char *sym) {
    static const char *const names[] = { "load_ucode_", "_load_ucode_", "collect_cpu_info_early",
        "check_loader_disabled", "apply_microcode_early", "get_builtin_microcode",
        "load_microcode", "scan_microcode", "generic_load_microcode_early",
        "save_microcode_in_initrd", "x86_vendor", "x86_family" };
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (has_prefix(sym, names[i])) return 1;
    return 0;
}

/* Who called the faulting function: the first stack word just after a call instruction that
 * lands in a named function (frame pointers or not).  NULL when nothing fits. */
static const char *find_caller(struct machine *m, uint32_t *ret, uint32_t *off) {
    uint32_t esp = reg_get(m, LGUEST_REGS_esp);
    for (uint32_t i = 0; i < 8; i++) {
        uint8_t w[4], before[6];
        if (guest_fetch(m, esp + 4 * i, w, 4) != 4) return NULL;
        uint32_t r = le32(w);
        if (r < 6 || guest_fetch(m, r - 6, before, 6) != 6) continue;
        int call = before[1] == 0xE8 || (before[0] == 0xFF && before[1] == 0x15) ||
                   (before[4] == 0xFF && (before[5] & 0xF8) == 0xD0) ||
                   (before[3] == 0xFF && (before[4] & 0xF8) == 0x50);
        const char *sym = call ? kernel_symbol(m, r, off) : NULL;
        if (sym) { *ret = r; return sym; }
    }
    return NULL;
}

static const char *cmdline_has(struct machine *m, const char *word) {
    const char *c = m->opt.cmdline ? m->opt.cmdline : "";
    size_t n = strlen(word);
    for (const char *p = strstr(c, word); p; p = strstr(p + 1, word))
        if ((p == c || p[-1] == ' ') && (p[n] == 0 || p[n] == ' ' || p[n] == '=')) return p;
    return NULL;
}

/* mov %crN,reg (0f 20 /r) or mov reg,%crN (0f 22 /r) at CPL 1. */
static void diagnose_cr_access(struct machine *m, const uint8_t *b, const char *sym, FILE *f) {
    unsigned cr = (b[2] >> 3) & 7;
    int read = b[1] == 0x20;
    uint32_t ret, off;
    const char *caller = find_caller(m, &ret, &off);
    if (!sym && !(read && cr == 4 && b[2] == 0xE0)) {
        fprintf(f, "lgsim: diagnosis: %%cr%u is a ring-0 register: at CPL 1 this is #GP(0), which "
                "the launcher cannot emulate; an lguest Guest must go through pv_cpu_ops\n", cr);
        return;
    }
    if (sym && strcmp(sym, "native_read_cr4_safe") != 0) {
        fprintf(f, "lgsim: diagnosis: %s touches %%cr%u directly: at CPL 1 that is #GP(0), and "
                "lguest 4.4's launcher cannot emulate it\n", sym, cr);
        return;
    }
    fprintf(f, "lgsim: diagnosis: %s reads %%cr4 natively: #GP(0) at CPL 1, which the launcher "
            "cannot emulate\n", sym ? "native_read_cr4_safe" : "'mov %cr4,%eax' (no symbols to "
            "confirm it, but this is native_read_cr4_safe's instruction)");
    fprintf(f, "lgsim: why: lguest 4.4's lguest_init() replaces pv_cpu_ops.read_cr4 but not "
            "read_cr4_safe; late 4.4-stable kernels (4.4.178 is one) call __read_cr4_safe() in "
            "cr4_init_shadow(), from i386_start_kernel(), which lguest_init() calls last, before "
            "trap_init() gives the Guest an IDT: real lguest dies here with the same message\n");
    if (caller)
        fprintf(f, "lgsim: called from %s+%#x (return address %#x)\n", caller, off, ret);
    fprintf(f, "lgsim: fix: in lguest_init() (arch/x86/lguest/boot.c) add "
            "'pv_cpu_ops.read_cr4_safe = lguest_read_cr4;' next to pv_cpu_ops.read_cr4, or run an "
            "early 4.4 kernel (4.4.0, 4.4.1: their cr4_init_shadow() uses __read_cr4(), which "
            "lguest provides)\n");
}

static void ways_out_of_microcode(struct machine *m, FILE *f) {
    fprintf(f, "lgsim: ways out: ");
    if (!cmdline_has(m, "dis_ucode_ldr"))
        fprintf(f, "put dis_ucode_ldr on the kernel command line (load_ucode_bsp() checks it "
                "first and returns), or ");
    fprintf(f, "build the Guest with CONFIG_MICROCODE=n\n");
}

/* A %gs-relative access while %gs is the null selector the Host starts every Guest with. */
static void diagnose_null_gs(struct machine *m, const uint8_t *b, uint32_t len, const char *sym,
                             FILE *f) {
    int canary = (len == 6 && b[1] == 0xA1 && le32(b + 2) == 0x14) ||
                 (len == 7 && b[1] == 0x8B && (b[2] & 0xC7) == 0x05 && le32(b + 3) == 0x14);
    int early = m->lguest_data == 0;   /* no LHCALL_LGUEST_INIT yet: still in startup_32 */
    fprintf(f, "lgsim: hint: %%gs is the null selector; on a real CPU a data access through it "
            "is #GP(0)\n");
    if (canary)
        fprintf(f, "lgsim: diagnosis: %%gs:0x14 is the stack-protector canary "
                "(CONFIG_CC_STACKPROTECTOR), which %s reads; %%gs becomes the canary segment "
                "only in lguest_init()'s switch_to_new_gdt()\n", sym ? sym : "this function");
    if (!(in_microcode_loader(sym) || (!sym && early && canary))) {
        if (early)
            fprintf(f, "lgsim: this is before lguest_init (no LHCALL_LGUEST_INIT yet), while "
                    "%%gs is still 0\n");
        return;
    }
    if (sym)
        fprintf(f, "lgsim: diagnosis: %s is the early microcode loader: with "
                "CONFIG_MICROCODE=y, head_32.S calls load_ucode_bsp() from startup_32, before "
                "lguest_entry and lguest_init\n", sym);
    else
        fprintf(f, "lgsim: diagnosis: most likely the early microcode loader (no symbols to "
                "confirm it): with CONFIG_MICROCODE=y, head_32.S calls load_ucode_bsp() from "
                "startup_32, the only C code 4.4 runs before lguest_entry and lguest_init\n");
    fprintf(f, "lgsim: why: the launcher cannot emulate the access and the Guest has no IDT "
            "yet: real lguest dies here with the same message\n");
    ways_out_of_microcode(m, f);
    fprintf(f, "lgsim: (building without the stack protector only moves the death: the same "
            "loader then executes rdmsr, another #GP at CPL 1)\n");
}

/* rdmsr (0f 32) or wrmsr (0f 30): lguest 4.4 leaves the MSR ops native. */
static void diagnose_msr(struct machine *m, const uint8_t *b, const char *sym, FILE *f) {
    fprintf(f, "lgsim: diagnosis: %s is privileged: at CPL 1 it is #GP(0); lguest 4.4 does not "
            "replace pv_cpu_ops.read_msr/write_msr and its launcher cannot emulate it\n",
            b[1] == 0x32 ? "rdmsr" : "wrmsr");
    if (in_microcode_loader(sym)) {
        fprintf(f, "lgsim: %s is the early microcode loader, run from startup_32 before "
                "lguest_init (CONFIG_MICROCODE=y)\n", sym);
        ways_out_of_microcode(m, f);
    }
}

void diagnose_fault(struct machine *m, const uint8_t *insn, uint32_t len, const char *sym,
                    FILE *f) {
    uint8_t *r = guest_regs(m);
    if ((le32(r + LGUEST_REGS_cs) & 3) != GUEST_PL || len < 2) return;
    if (insn[0] == 0x0F && (insn[1] == 0x20 || insn[1] == 0x22) && len >= 3)
        diagnose_cr_access(m, insn, sym, f);
    else if (insn[0] == 0x0F && (insn[1] == 0x32 || insn[1] == 0x30))
        diagnose_msr(m, insn, sym, f);
    else if (insn[0] == 0x65 && le32(r + LGUEST_REGS_gs) == 0)
        diagnose_null_gs(m, insn, len, sym, f);
}
