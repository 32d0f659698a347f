/* diagnose.c - the death report: what real lguest never said about a dead Guest, and why. */
#include "sim/launcher/launcher.h"
#include "switcher-model/lguest_pages.h"
#include "traces/format.h"
#include <capstone/capstone.h>
#include <stdio.h>
#include <string.h>

/*
 * Two deaths that real lguest 4.4 reports only as "lguest: Reinjecting trap 13 for fault at
 * 0x...: Invalid argument": a privileged instruction at CPL 1 takes #GP(0), the Host hands it
 * to the launcher, emulate_insn() knows only port I/O, and re-injecting the #GP fails because
 * the Guest has no IDT yet.  Each is recognised from the instruction and the machine state,
 * and named from the kernel's symbols when it has them (4.4 tools/lguest/lguest.c emulate_insn(),
 * arch/x86/lguest/boot.c lguest_init()).
 */

/* A symbol for a Guest address.  Before paging is on, the kernel runs at physical addresses
 * while vmlinux's symbols are virtual: map through the PT_LOAD segment that holds it. */
static const char *kernel_symbol(struct launcher *l, uint32_t addr, uint32_t *off) {
    return symtab_lookup(&l->syms, addr, off);
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
static const char *find_caller(struct launcher *l, uint32_t *ret, uint32_t *off) {
    uint32_t esp = 0;
    lhreq_getreg(l->lg, PT_ESP, &esp);
    for (uint32_t i = 0; i < 8; i++) {
        uint8_t w[4], before[6];
        if (lguest_read_virtual(l->lg, esp + 4 * i, w, 4) != 4) return NULL;
        uint32_t r = le32(w);
        if (r < 6 || lguest_read_virtual(l->lg, r - 6, before, 6) != 6) continue;
        int call = before[1] == 0xE8 || (before[0] == 0xFF && before[1] == 0x15) ||
                   (before[4] == 0xFF && (before[5] & 0xF8) == 0xD0) ||
                   (before[3] == 0xFF && (before[4] & 0xF8) == 0x50);
        const char *sym = call ? kernel_symbol(l, r, off) : NULL;
        if (sym) { *ret = r; return sym; }
    }
    return NULL;
}

static const char *cmdline_has(struct launcher *l, const char *word) {
    const char *c = l->opt.cmdline ? l->opt.cmdline : "";
    size_t n = strlen(word);
    for (const char *p = strstr(c, word); p; p = strstr(p + 1, word))
        if ((p == c || p[-1] == ' ') && (p[n] == 0 || p[n] == ' ' || p[n] == '=')) return p;
    return NULL;
}

/* mov %crN,reg (0f 20 /r) or mov reg,%crN (0f 22 /r) at CPL 1. */
static void diagnose_cr_access(struct launcher *l, const uint8_t *b, const char *sym, FILE *f) {
    unsigned cr = (b[2] >> 3) & 7;
    int read = b[1] == 0x20;
    uint32_t ret, off;
    const char *caller = find_caller(l, &ret, &off);
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

static void ways_out_of_microcode(struct launcher *l, FILE *f) {
    fprintf(f, "lgsim: ways out: ");
    if (!cmdline_has(l, "dis_ucode_ldr"))
        fprintf(f, "put dis_ucode_ldr on the kernel command line (load_ucode_bsp() checks it "
                "first and returns), or ");
    fprintf(f, "build the Guest with CONFIG_MICROCODE=n\n");
}

/* A %gs-relative access while %gs is the null selector the Host starts every Guest with. */
static void diagnose_null_gs(struct launcher *l, const uint8_t *b, uint32_t len, const char *sym,
                             FILE *f) {
    int canary = (len == 6 && b[1] == 0xA1 && le32(b + 2) == 0x14) ||
                 (len == 7 && b[1] == 0x8B && (b[2] & 0xC7) == 0x05 && le32(b + 3) == 0x14);
    int early = lguest_death(l->lg).lguest_data == 0;   /* no LGUEST_INIT yet: startup_32 */
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
    ways_out_of_microcode(l, f);
    fprintf(f, "lgsim: (building without the stack protector only moves the death: the same "
            "loader then executes rdmsr, another #GP at CPL 1)\n");
}

/* rdmsr (0f 32) or wrmsr (0f 30): lguest 4.4 leaves the MSR ops native. */
static void diagnose_msr(struct launcher *l, const uint8_t *b, const char *sym, FILE *f) {
    fprintf(f, "lgsim: diagnosis: %s is privileged: at CPL 1 it is #GP(0); lguest 4.4 does not "
            "replace pv_cpu_ops.read_msr/write_msr and its launcher cannot emulate it\n",
            b[1] == 0x32 ? "rdmsr" : "wrmsr");
    if (in_microcode_loader(sym)) {
        fprintf(f, "lgsim: %s is the early microcode loader, run from startup_32 before "
                "lguest_init (CONFIG_MICROCODE=y)\n", sym);
        ways_out_of_microcode(l, f);
    }
}

/* After a death at a faulting instruction (insn, its length, its symbol or NULL): explain it
 * when it is a known one (%cr4 read, null-%gs canary load, MSR access at CPL 1). */
static void diagnose_fault(struct launcher *l, const uint8_t *insn, uint32_t len,
                           const char *sym, FILE *f) {
    uint32_t cs = 0, gs = 0;
    lhreq_getreg(l->lg, PT_CS, &cs);
    lhreq_getreg(l->lg, PT_GS, &gs);
    if ((cs & 3) != GUEST_PL || len < 2) return;
    if (insn[0] == 0x0F && (insn[1] == 0x20 || insn[1] == 0x22) && len >= 3)
        diagnose_cr_access(l, insn, sym, f);
    else if (insn[0] == 0x0F && (insn[1] == 0x32 || insn[1] == 0x30))
        diagnose_msr(l, insn, sym, f);
    else if (insn[0] == 0x65 && gs == 0)
        diagnose_null_gs(l, insn, len, sym, f);
}

/* --- the death report --- */

static uint32_t getreg(struct launcher *l, uint32_t pt_off) {
    uint32_t v = 0;
    lhreq_getreg(l->lg, pt_off, &v);
    return v;
}

/* The instruction at eip, disassembled: its length, or 0 when it cannot be read or decoded. */
static size_t disassemble(struct launcher *l, uint32_t eip, uint8_t *bytes, char *text,
                          size_t len) {
    uint8_t code[16] = { 0 };
    uint32_t have = lguest_read_virtual(l->lg, eip, code, sizeof(code));
    csh dis;
    cs_insn *insn;
    size_t size = 0;
    if (!have || cs_open(CS_ARCH_X86, CS_MODE_32, &dis) != CS_ERR_OK) return 0;
    if (cs_disasm(dis, code, have, eip, 1, &insn) == 1) {
        size = insn->size;
        memcpy(bytes, insn->bytes, size);
        snprintf(text, len, "%s %s", insn->mnemonic, insn->op_str);
        cs_free(insn, 1);
    }
    cs_close(&dis);
    return size;
}

/* What real lguest never told you: the faulting instruction, where it is, and the rings. */
void death_report(struct launcher *l, FILE *f) {
    struct lguest_death d = lguest_death(l->lg);
    uint32_t eip = getreg(l, PT_EIP), cs = getreg(l, PT_CS), off = 0;
    const char *sym = kernel_symbol(l, eip, &off);
    if (!strncmp(l->dead_reason, "bad page ", 9))
        fprintf(f, "lgsim: the entry was %#x\n", d.bad_entry);
    fprintf(f, "lgsim: guest was at eip %#x", eip);
    if (sym && off) fprintf(f, " <%s+%#x>", sym, off);   /* named as every other tool names it */
    else if (sym) fprintf(f, " <%s>", sym);
    fprintf(f, ", cpl %u, cs=%04x ss=%04x ds=%04x es=%04x fs=%04x gs=%04x\n", cs & 3, cs,
            getreg(l, PT_SS), getreg(l, PT_DS), getreg(l, PT_ES), getreg(l, PT_FS),
            getreg(l, PT_GS));
    /* A hypercall is a trap: the saved EIP is already past the int $0x1f. */
    int in_hcall = d.trapnum == LGUEST_TRAP_ENTRY;
    if (in_hcall) {
        uint32_t nr = getreg(l, PT_EAX);
        fprintf(f, "lgsim: killed in hypercall %u (LHCALL_%s), made by the int $0x1f just "
                "before eip %#x\n", nr, trace_hcall_name(nr) ? trace_hcall_name(nr) : "?", eip);
    }
    uint8_t bytes[16];
    char text[256];
    size_t size = disassemble(l, eip, bytes, text, sizeof(text));
    if (!size) return;
    fprintf(f, "lgsim: %s:", in_hcall ? "next instruction" : "faulting instruction");
    for (size_t i = 0; i < size; i++) fprintf(f, " %02x", bytes[i]);
    fprintf(f, "   %s\n", text);
    if (!in_hcall) diagnose_fault(l, bytes, (uint32_t)size, sym, f);
}

/* --- where a stopped Guest was --- */

static const char *ring_name(uint32_t cs) {
    switch (cs & 3) {
    case 0: return "ring 0";
    case 1: return "ring 1, the guest kernel";
    case 3: return "ring 3, guest user code";
    default: return "ring 2";
    }
}

void launcher_where(struct launcher *l, FILE *f) {
    uint32_t eip = 0, cs = 0, off = 0;
    lhreq_getreg(l->lg, PT_EIP, &eip);
    lhreq_getreg(l->lg, PT_CS, &cs);
    const char *sym = symtab_lookup(&l->syms, eip, &off);
    fprintf(f, "lgsim: the guest was at eip %#010x", eip);
    if (sym && off) fprintf(f, " <%s+%#x>", sym, off);
    else if (sym) fprintf(f, " <%s>", sym);
    fprintf(f, " in %s, at %.6f ms of virtual time\n", ring_name(cs),
            (double)lguest_time(l->lg) / 1e6);
    const struct rec_switch *s = &l->rec.last;
    if (!l->rec.n_switches) {
        fprintf(f, "lgsim: no world switch yet\n");
        return;
    }
    const char *v = trace_vector_name(s->vector);
    if (s->to_guest)
        fprintf(f, "lgsim: last world switch (%llu so far, both ways): host -> guest at %.6f ms\n",
                (unsigned long long)l->rec.n_switches, (double)s->now_ns / 1e6);
    else
        fprintf(f, "lgsim: last world switch (%llu so far, both ways): guest -> host at %.6f ms, vector "
                "%#x%s%s%s\n", (unsigned long long)l->rec.n_switches, (double)s->now_ns / 1e6,
                s->vector, v ? " (" : "", v ? v : "", v ? ")" : "");
}
