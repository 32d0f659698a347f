/* calibrate.c - find where Unicorn keeps the CPU state we must read and patch, by experiment. */
#include "cpu/private.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * Unicorn exposes no register for the error code of the exception in flight, for the CPL
 * (hflags), for the interrupt shadow, or for QEMU's "exception in flight" marker that turns the
 * next fault into #DF.  They all live in the CPU state that uc_context_save() copies verbatim,
 * at offsets that change between Unicorn versions.  So instead of trusting numbers we measure
 * them on a scratch engine: raise exceptions with known error codes and look where they land,
 * then prove each offset by patching it and watching the CPU obey.
 */

#define SCRATCH_SIZE 0x10000
#define GDT 0x1000
#define IDT 0x2000
#define CODE 0x3000

struct scratch {
    uc_engine *uc;
    uc_context *ctx;
    uint8_t *blob;          /* last saved context */
    size_t size;
    int stops;
    uint32_t last_intno;
};

static void desc(uint8_t *ram, int index, uint32_t hi) {
    put_le32(ram + GDT + index * 8, 0x0000FFFF);
    put_le32(ram + GDT + index * 8 + 4, hi);
}

static uint32_t blob32(const struct scratch *s, size_t off) {
    uint32_t v;
    memcpy(&v, s->blob + off, 4);
    return v;
}

static void save(struct scratch *s) {
    uc_context_save(s->uc, s->ctx);
    memcpy(s->blob, s->ctx, s->size);
}

static void on_scratch_intr(uc_engine *uc, uint32_t intno, void *user) {
    struct scratch *s = user;
    s->last_intno = intno;
    save(s);
    uc_emu_stop(uc);
}

static int run(struct scratch *s, uint32_t start, uint32_t until) {
    s->last_intno = 0xFFFFFFFF;
    return uc_emu_start(s->uc, start, until, 0, 0) == UC_ERR_OK ? 0 : -1;
}

static int setup(struct scratch *s, uint8_t *ram) {
    static const uint8_t code[] = {
        [0x000] = 0xCF,                                      /* iret */
        [0x200] = 0x66, 0xB8, 0x38, 0x12, 0x8E, 0xD8,        /* mov $0x1238,%ax; mov %ax,%ds */
        [0x300] = 0x66, 0xB8, 0x48, 0x23, 0x8E, 0xD8,        /* mov $0x2348,%ax; mov %ax,%ds */
        [0x400] = 0xCD, 0x41,                                /* int $0x41 */
    };
    memcpy(ram + CODE, code, sizeof(code));
    desc(ram, 1, 0x00CF9B00);   /* 0x08 ring-0 code */
    desc(ram, 2, 0x00CF9300);   /* 0x10 ring-0 data */
    desc(ram, 3, 0x00CFFB00);   /* 0x1B ring-3 code */
    desc(ram, 4, 0x00CFF300);   /* 0x23 ring-3 data */
    if (uc_mem_map_ptr(s->uc, 0, SCRATCH_SIZE, UC_PROT_ALL, ram)) return -1;
    uc_x86_mmr gdtr = { 0, GDT, 5 * 8 - 1, 0 }, idtr = { 0, IDT, 0x7FF, 0 };
    uc_reg_write(s->uc, UC_X86_REG_GDTR, &gdtr);
    uc_reg_write(s->uc, UC_X86_REG_IDTR, &idtr);
    uint32_t cs = 0x08, ds = 0x10, esp = 0x8000;
    if (uc_reg_write(s->uc, UC_X86_REG_CS, &cs) || uc_reg_write(s->uc, UC_X86_REG_SS, &ds) ||
        uc_reg_write(s->uc, UC_X86_REG_DS, &ds) || uc_reg_write(s->uc, UC_X86_REG_ESP, &esp))
        return -1;
    uc_hook h;
    return uc_hook_add(s->uc, &h, UC_HOOK_INTR, (void *)on_scratch_intr, s, 1, 0) ? -1 : 0;
}

/* EAX and ECX hold marker values: find regs[] by where they appear (8-byte slots). */
static int find_regs(struct scratch *s, struct cpu_layout *lay) {
    uint32_t eax = 0xA5C3E1F7, ecx = 0x3C5A7E19;
    uc_reg_write(s->uc, UC_X86_REG_EAX, &eax);
    uc_reg_write(s->uc, UC_X86_REG_ECX, &ecx);
    save(s);
    for (size_t o = 0; o + 16 <= s->size; o += 4)
        if (blob32(s, o) == eax && blob32(s, o + 4) == 0 && blob32(s, o + 8) == ecx) {
            lay->regs = o;
            /* QEMU's CPUX86State: regs[16], eip, eflags, cc_dst, cc_src, cc_src2 (8 bytes
             * each), cc_op, df, then hflags. */
            lay->hflags = o + 16 * 8 + 5 * 8 + 4 + 4;
            return 0;
        }
    return -1;
}

/* hflags must show PE|CS32|SS32 at CPL 0, and CPL 3 after an iret to ring 3. */
static int check_hflags(struct scratch *s, const struct cpu_layout *lay, uint8_t *ram) {
    if ((blob32(s, lay->hflags) & 0xB3) != 0xB0) return -1;
    uint32_t frame[5] = { CODE + 0x100, 0x1B, 0x2, 0x9000, 0x23 };
    memcpy(ram + 0x7000, frame, sizeof(frame));
    uint32_t esp = 0x7000;
    uc_reg_write(s->uc, UC_X86_REG_ESP, &esp);
    if (run(s, CODE, CODE + 0x100)) return -1;
    save(s);
    return (blob32(s, lay->hflags) & 3) == 3 ? 0 : -1;
}

/* Back to CPL 0 by patching hflags: this is exactly how delivery raises the CPL. */
static int patch_to_ring0(struct scratch *s, const struct cpu_layout *lay) {
    uint32_t hf = blob32(s, lay->hflags) & ~3u;
    memcpy((uint8_t *)s->ctx + lay->hflags, &hf, 4);
    uc_context_restore(s->uc, s->ctx);
    uint32_t cs = 0x08, ds = 0x10, esp = 0x8000;
    if (uc_reg_write(s->uc, UC_X86_REG_SS, &ds) || uc_reg_write(s->uc, UC_X86_REG_CS, &cs) ||
        uc_reg_write(s->uc, UC_X86_REG_DS, &ds) || uc_reg_write(s->uc, UC_X86_REG_ESP, &esp))
        return -1;
    return 0;
}

static int find_exception_fields(struct scratch *s, struct cpu_layout *lay) {
    /* #GP(0x1238): a selector beyond the GDT limit. */
    if (run(s, CODE + 0x200, CODE + 0x1000) || s->last_intno != 13) return -1;
    for (size_t e = 0; e + 120 <= s->size; e += 4) {
        /* error_code, exception_is_int, exception_next_eip, dr[8], 4 pointers, old_exception */
        if (blob32(s, e) != 0x1238 || blob32(s, e + 4) != 0 || blob32(s, e + 112) != 13)
            continue;
        lay->error_code = e;
        lay->is_int = e + 4;
        lay->old_exception = e + 112;
        /* Prove old_exception: clear it, and the next #GP must arrive as #GP, not #DF. */
        uint32_t none = 0xFFFFFFFF;
        memcpy((uint8_t *)s->ctx + lay->old_exception, &none, 4);
        uc_context_restore(s->uc, s->ctx);
        if (run(s, CODE + 0x300, CODE + 0x1000) || s->last_intno != 13 ||
            blob32(s, e) != 0x2348)
            return -1;
        memcpy((uint8_t *)s->ctx + lay->old_exception, &none, 4);
        uc_context_restore(s->uc, s->ctx);
        /* INT n: exception_is_int must read 1. */
        if (run(s, CODE + 0x400, CODE + 0x1000) || s->last_intno != 0x41 ||
            blob32(s, lay->is_int) != 1)
            return -1;
        return 0;
    }
    return -1;
}

int cpu_calibrate(struct cpu_layout *lay, char *err, size_t errlen) {
    struct scratch s = { 0 };
    uint8_t *ram = calloc(1, SCRATCH_SIZE);
    const char *step = "open";
    int rc = -1;
    if (!ram || uc_open(UC_ARCH_X86, UC_MODE_32, &s.uc)) goto out;
    if (cpu_context_alloc(s.uc, &s.ctx)) goto out;
    s.size = cpu_context_size(s.uc);
    s.blob = malloc(s.size);
    lay->ctx_size = s.size;
    step = "set-up";
    if (!s.blob || setup(&s, ram)) goto out;
    step = "general registers";
    if (find_regs(&s, lay)) goto out;
    step = "hflags (CPL)";
    if (check_hflags(&s, lay, ram) || patch_to_ring0(&s, lay)) goto out;
    step = "error code / exception state";
    if (find_exception_fields(&s, lay)) goto out;
    rc = 0;
out:
    if (rc) {
        unsigned major = 0, minor = 0;
        uc_version(&major, &minor);
        snprintf(err, errlen, "cannot calibrate Unicorn %u.%u: its private CPU state is not "
                 "laid out as lgsim expects (failed at: %s)", major, minor, step);
    }
    if (s.ctx) uc_context_free(s.ctx);
    if (s.uc) uc_close(s.uc);
    free(s.blob);
    free(ram);
    return rc;
}
