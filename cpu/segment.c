/* segment.c - data accesses through a null segment selector raise #GP(0), as on an i386. */
#include "cpu/cpu.h"
#include <capstone/capstone.h>

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
 * Known difference: an access through a null segment at an offset that is mapped (or, without
 * paging, backed by RAM) goes ahead silently.  Catching those would need a check on every
 * access, which Unicorn offers no cheap way to add.
 */

static const int data_seg_regs[] = { UC_X86_REG_DS, UC_X86_REG_ES, UC_X86_REG_FS,
                                     UC_X86_REG_GS };

static int any_null_data_segment(struct cpu *c) {
    for (size_t i = 0; i < sizeof(data_seg_regs) / sizeof(data_seg_regs[0]); i++)
        if ((cpu_get(c, data_seg_regs[i]) & 0xFFFC) == 0)
            return 1;
    return 0;
}

static int capstone_to_unicorn_seg(x86_reg r) {
    switch (r) {
    case X86_REG_DS: return UC_X86_REG_DS;
    case X86_REG_ES: return UC_X86_REG_ES;
    case X86_REG_FS: return UC_X86_REG_FS;
    case X86_REG_GS: return UC_X86_REG_GS;
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

static int seg_is_null(struct cpu *c, x86_reg seg) {
    int reg = capstone_to_unicorn_seg(seg);
    return reg && (cpu_get(c, reg) & 0xFFFC) == 0;
}

static int insn_uses_null_segment(struct cpu *c, const cs_insn *insn) {
    const cs_x86 *x = &insn->detail->x86;
    if (insn->id == X86_INS_LEA || insn->id == X86_INS_NOP)
        return 0;   /* a memory operand that is never accessed */
    if (insn->id == X86_INS_XLATB)   /* its DS:[EBX+AL] operand is implicit */
        return seg_is_null(c, override_prefix_seg(x));
    for (int i = 0; i < x->op_count; i++)
        if (x->operands[i].type == X86_OP_MEM && seg_is_null(c, operand_seg(&x->operands[i].mem)))
            return 1;
    return 0;
}

/* Does the instruction at eip access memory through a null DS, ES, FS or GS? */
int cpu_null_segment_used(struct cpu *c, uint32_t eip) {
    if (!(cpu_get(c, UC_X86_REG_CR0) & CR0_PE) || !any_null_data_segment(c))
        return 0;
    uint8_t code[15];
    uint32_t len = 0;
    while (len < sizeof(code) && cpu_read_linear(c, eip + len, code + len, 1) == 0)
        len++;   /* up to the end of what is mapped: the instruction may end near a page end */
    csh h;
    if (len == 0 || cs_open(CS_ARCH_X86, CS_MODE_32, &h) != CS_ERR_OK)
        return 0;
    cs_option(h, CS_OPT_DETAIL, CS_OPT_ON);
    cs_insn *insn = NULL;
    int used = cs_disasm(h, code, len, eip, 1, &insn) == 1 && insn_uses_null_segment(c, insn);
    if (insn) cs_free(insn, 1);
    cs_close(&h);
    return used;
}
