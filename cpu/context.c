/* context.c - what Unicorn keeps only in its private CPU state, read out for the debugger. */
#include "cpu/private.h"
#include <string.h>

/* In gdb's order cs ss ds es fs gs; QEMU's segs[] are ES CS SS DS FS GS. */
static int qemu_seg_index(int seg) {
    switch (seg) {
    case CPU_REG_ES: return 0;
    case CPU_REG_CS: return 1;
    case CPU_REG_SS: return 2;
    case CPU_REG_DS: return 3;
    case CPU_REG_FS: return 4;
    case CPU_REG_GS: return 5;
    default: return -1;
    }
}

/*
 * Unicorn offers no register for a segment's hidden base and limit, but the CPU state that
 * uc_context_save() copies holds QEMU's segs[6] right after hflags and hflags2 (calibrate.c
 * found hflags): { u32 selector; u64 base; u32 limit; u32 flags } each, 24 bytes.  Trust that
 * only when all six selectors found there equal what Unicorn reports; look again every time,
 * since the selectors change, and so does the check.
 */
int cpu_segment_cache(struct cpu *c, int seg, uint32_t *base, uint32_t *limit) {
    static const int by_qemu[6] = { UC_X86_REG_ES, UC_X86_REG_CS, UC_X86_REG_SS,
                                    UC_X86_REG_DS, UC_X86_REG_FS, UC_X86_REG_GS };
    size_t segs = c->lay.hflags + 8;
    int at = qemu_seg_index(seg);
    if (at < 0 || segs + 6 * 24 > c->lay.ctx_size) return -1;
    uc_context_save(c->uc, c->ctx);
    for (int i = 0; i < 6; i++)
        if (cpu_ctx_get32(c, segs + 24 * (size_t)i) != (cpu_get(c, by_qemu[i]) & 0xFFFF))
            return -1;
    *base = cpu_ctx_get32(c, segs + 24 * (size_t)at + 8);
    *limit = cpu_ctx_get32(c, segs + 24 * (size_t)at + 16);
    return 0;
}

uint16_t cpu_system_selector(struct cpu *c, int reg) {
    uc_x86_mmr m = { 0 };
    uc_reg_read(c->uc, reg, &m);
    return m.selector;
}

void cpu_get_st(struct cpu *c, int i, uint8_t out[10]) {
    uint8_t st[16] = { 0 };
    uc_reg_read(c->uc, UC_X86_REG_ST0 + i, st);
    memcpy(out, st, 10);
}

uint32_t cpu_get_fpu(struct cpu *c, int reg) {
    uint64_t v = 0;
    uc_reg_read(c->uc, reg, &v);
    return (uint32_t)v;
}
