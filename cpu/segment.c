/* segment.c - data accesses through a null segment selector raise #GP(0), as on an i386. */
#include "cpu/private.h"
#include <string.h>

/*
 * Loading a null selector (0-3) into DS, ES, FS or GS is legal at any CPL, but a memory access
 * through that segment raises #GP(0) before paging is even consulted (SDM vol. 3 §3.4.2 and
 * §5.4.1).  QEMU's TCG never checks: the null selector's cached base is 0, so the access is
 * made at linear address = offset.  Such offsets are small in practice (%gs:0x14 is the stack
 * protector's canary) and no sane address space maps page 0, so the access ends in a #PF.
 * on_intr asks cpu_null_segment_used() about every #PF while a null data selector is loaded;
 * if the faulting instruction reads or writes through it, the #GP(0) that the processor would
 * have raised is delivered instead (and CR2 keeps its old value).
 *
 * An offset that is mapped would go ahead silently: early in a Linux boot page 0 is mapped, and
 * that is exactly where the write-up's %gs:0x14 (stack protector, null %gs) must fault.  So a
 * null FS or GS that the Guest enters with (the Switcher pops them from the regs page) gets a
 * hidden base nothing maps: cpu_guard_null_segments() points it at null_seg_poison, just past
 * the Switcher's pages, where no shadow entry can ever be made.  The access then takes a #PF
 * there, and the rule above turns it into the #GP(0).  The hidden base of a null selector is
 * invisible to the program (an i386 never uses it), and a later segment load replaces it.
 *
 * A null FS or GS the program loads itself (mov, pop, lfs/lgs, or an iret or retf to an outer
 * ring that nulls it) is guarded the same way right after the load: sites.c hooks those
 * instructions, and every delivery guards what the handler inherits.
 *
 * Known difference: an access whose offset is large enough to wrap past the top of the
 * address space from the poisoned base goes ahead; a null DS or ES is caught only when its
 * access faults (Unicorn lets a program set no hidden base but FS's and GS's).
 */

static const int data_seg_regs[] = { UC_X86_REG_DS, UC_X86_REG_ES, UC_X86_REG_FS,
                                     UC_X86_REG_GS };

/* Bit i set: data_seg_regs[i] holds a null selector (1 DS, 2 ES, 4 FS, 8 GS). */
static unsigned null_data_segments(struct cpu *c) {
    unsigned mask = 0;
    for (size_t i = 0; i < sizeof(data_seg_regs) / sizeof(data_seg_regs[0]); i++)
        if ((cpu_get(c, data_seg_regs[i]) & 0xFFFC) == 0)
            mask |= 1u << i;
    return mask;
}

/* Does the instruction carry an FS (0x64) or GS (0x65) override among its legacy prefixes? */
static int has_prefix(const uint8_t *code, uint32_t len, uint8_t which) {
    static const uint8_t legacy[] = { 0xF0, 0xF2, 0xF3, 0x2E, 0x36, 0x3E, 0x26, 0x64, 0x65,
                                      0x66, 0x67 };
    for (uint32_t i = 0; i < len; i++) {
        if (code[i] == which) return 1;
        if (!memchr(legacy, code[i], sizeof(legacy))) return 0;
    }
    return 0;
}

/* The bit of null_data_segments() for a Capstone segment register. */
static unsigned seg_bit(x86_reg r) {
    switch (r) {
    case X86_REG_DS: return 1;
    case X86_REG_ES: return 2;
    case X86_REG_FS: return 4;
    case X86_REG_GS: return 8;
    default: return 0;   /* CS and SS cannot hold a null selector in protected mode */
    }
}

static x86_reg override_prefix_seg(const cs_x86 *x) {
    switch (x->prefix[1]) {
    case X86_PREFIX_ES: return X86_REG_ES;
    case X86_PREFIX_CS: return X86_REG_CS;
    case X86_PREFIX_SS: return X86_REG_SS;
    case X86_PREFIX_FS: return X86_REG_FS;
    case X86_PREFIX_GS: return X86_REG_GS;
    default: return X86_REG_DS;
    }
}

/* The segment a memory operand goes through: the override, or DS (SS for ESP/EBP bases). */
static x86_reg operand_seg(const x86_op_mem *mem) {
    if (mem->segment != X86_REG_INVALID)
        return mem->segment;
    return mem->base == X86_REG_ESP || mem->base == X86_REG_EBP ? X86_REG_SS : X86_REG_DS;
}

static int insn_uses_null_segment(unsigned null, const cs_insn *insn) {
    const cs_x86 *x = &insn->detail->x86;
    if (insn->id == X86_INS_LEA || insn->id == X86_INS_NOP)
        return 0;   /* a memory operand that is never accessed */
    if (insn->id == X86_INS_XLATB)   /* its DS:[EBX+AL] operand is implicit */
        return (null & seg_bit(override_prefix_seg(x))) != 0;
    for (int i = 0; i < x->op_count; i++)
        if (x->operands[i].type == X86_OP_MEM && (null & seg_bit(operand_seg(&x->operands[i].mem))))
            return 1;
    return 0;
}

/* Read the instruction bytes the program could fetch (with its CPL's page permissions), up to
 * the first one it could not.  If the #PF was the fetch itself, the instruction cannot be
 * decoded from them: x86 decoding never looks past the instruction's last byte. */
static uint32_t fetchable(struct cpu *c, uint32_t eip, uint8_t *code, uint32_t max) {
    struct paging pg;
    struct walk w;
    int flags = cpu_cpl(c) == 3 ? WALK_USER : 0;
    cpu_paging(c, &pg);
    uint32_t first = 0x1000 - (eip & 0xFFF);   /* bytes on eip's page */
    if (first > max) first = max;
    if (walk_read(c->phys, &pg, eip, code, first, flags, NULL, &w))
        return 0;
    if (first < max && walk_read(c->phys, &pg, eip + first, code + first, max - first, flags,
                                 NULL, &w) == 0)
        return max;
    return first;
}

/* Does the instruction at eip access memory through a null DS, ES, FS or GS? */
int cpu_null_segment_used(struct cpu *c, uint32_t eip) {
    unsigned null = cpu_get(c, UC_X86_REG_CR0) & CR0_PE ? null_data_segments(c) : 0;
    if (!null)
        return 0;
    uint8_t code[15];
    uint32_t len = fetchable(c, eip, code, sizeof(code));
    /* The common case is a user program with a null %fs or %gs taking page faults: only an
     * override prefix can reach those, so most faults need no decoding at all. */
    if (!(null & 3) && !(null & 4 && has_prefix(code, len, 0x64)) &&
        !(null & 8 && has_prefix(code, len, 0x65)))
        return 0;
    if (len == 0)
        return 0;
    cs_insn *insn = NULL;
    int used = cs_disasm(c->dis, code, len, eip, 1, &insn) == 1 &&
               insn_uses_null_segment(null, insn);
    if (insn) cs_free(insn, 1);
    return used;
}

/* QEMU keeps FS and GS bases in MSRs it lets the host write; a 32-bit program cannot. */
static void set_hidden_base(struct cpu *c, uint32_t msr, uint32_t base) {
    uc_x86_msr m = { .rid = msr, .value = base };
    uc_reg_write(c->uc, UC_X86_REG_MSR, &m);
}

/* Guard the segments in 'which' (1: FS, 2: GS), known to hold null selectors, if the CPU
 * runs a program (CPL > 0): the host's own null segments are never touched. */
void cpu_guard_segments(struct cpu *c, unsigned which) {
    c->guard_pending = 0;
    if (!c->null_seg_poison || !which || cpu_cpl(c) == 0)
        return;
    if (which & 1) set_hidden_base(c, 0xC0000100u, c->null_seg_poison);   /* MSR_FS_BASE */
    if (which & 2) set_hidden_base(c, 0xC0000101u, c->null_seg_poison);   /* MSR_GS_BASE */
}

void cpu_guard_loaded_null_segments(struct cpu *c) {
    if (!c->null_seg_poison || cpu_cpl(c) == 0)
        return;
    if ((cpu_get(c, UC_X86_REG_FS) & 0xFFFC) == 0)
        set_hidden_base(c, 0xC0000100u, c->null_seg_poison);   /* MSR_FS_BASE */
    if ((cpu_get(c, UC_X86_REG_GS) & 0xFFFC) == 0)
        set_hidden_base(c, 0xC0000101u, c->null_seg_poison);   /* MSR_GS_BASE */
}

void cpu_guard_null_segments(struct cpu *c) {
    unsigned which = ((cpu_get(c, UC_X86_REG_FS) & 0xFFFC) == 0 ? 1u : 0u) |
                     ((cpu_get(c, UC_X86_REG_GS) & 0xFFFC) == 0 ? 2u : 0u);
    cpu_guard_segments(c, which);
}
