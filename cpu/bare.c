/* bare.c - the floor bench/ compares lgsim with: plain Unicorn doing the least it can (bare.h). */
#include "cpu/bare.h"
#include "cpu/private.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct cpu_bare { uc_engine *uc; };

static void bare_block(uc_engine *uc, uint64_t addr, uint32_t size, void *user) {}

struct cpu_bare *cpu_bare_open(uint8_t *ram, size_t size, int with_block_hook) {
    struct cpu_bare *b = calloc(1, sizeof(*b));
    if (!b) return NULL;
    uc_open(UC_ARCH_X86, UC_MODE_32, &b->uc);
    uc_mem_map_ptr(b->uc, 0, size, UC_PROT_ALL, ram);
    uc_hook h;
    if (with_block_hook) uc_hook_add(b->uc, &h, UC_HOOK_BLOCK, (void *)bare_block, b, 1, 0);
    return b;
}

void cpu_bare_run(struct cpu_bare *b, uint32_t start, uint32_t until) {
    uc_emu_start(b->uc, start, until, 0, 0);
}

void cpu_bare_close(struct cpu_bare *b) {
    uc_close(b->uc);
    free(b);
}

/* --- the hypercall round trip (bare.h) --- */

#define FLOOR_GDT 0x1000
#define FLOOR_HOST_PD 0x2000
#define FLOOR_GUEST_PD 0x3000
#define FLOOR_HOST_CODE 0x5000
#define FLOOR_GUEST_CODE 0x6000
#define FLOOR_STUB 0x7000
#define FLOOR_R0_STACK 0x9000
#define FLOOR_R1_STACK 0xA000

static const uint8_t floor_host[] = { 0x6A, 0x21, 0x68, 0x00, 0xA0, 0x00, 0x00, 0x6A, 0x02,
                                      0x6A, 0x19, 0x68, 0x00, 0x60, 0x00, 0x00,
                                      0x0F, 0x22, 0xDB, 0xCF };  /* push x5; mov %ebx,%cr3; iret */
static const uint8_t floor_guest[] = { 0xCD, 0x1F };             /* int $0x1f */
static const uint8_t floor_stub[] = { 0x0F, 0x22, 0xDA, 0xF4 };  /* mov %edx,%cr3; hlt */

struct cpu_floor {
    uc_engine *uc;
    uc_context *ctx;
    uint8_t *ram;
    size_t hflags;
    uint64_t exits;
};

static void floor_block(uc_engine *uc, uint64_t addr, uint32_t size, void *user) {}

static void floor_intr(uc_engine *uc, uint32_t intno, void *user) {
    struct cpu_floor *f = user;
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

static void floor_memory(uint8_t *ram) {
    uint8_t *gdt = ram + FLOOR_GDT;
    put_le32(gdt + 0x08, 0x0000FFFF); put_le32(gdt + 0x0C, 0x00CF9B00);   /* ring-0 code */
    put_le32(gdt + 0x10, 0x0000FFFF); put_le32(gdt + 0x14, 0x00CF9300);   /* ring-0 data */
    put_le32(gdt + 0x18, 0x0000FFFF); put_le32(gdt + 0x1C, 0x00CFBB00);   /* ring-1 code */
    put_le32(gdt + 0x20, 0x0000FFFF); put_le32(gdt + 0x24, 0x00CFB300);   /* ring-1 data */
    put_le32(ram + FLOOR_HOST_PD, 0x000000E3);    /* 0-4 MiB: P RW A D PS */
    put_le32(ram + FLOOR_GUEST_PD, 0x000000E3);
    memcpy(ram + FLOOR_HOST_CODE, floor_host, sizeof(floor_host));
    memcpy(ram + FLOOR_GUEST_CODE, floor_guest, sizeof(floor_guest));
    memcpy(ram + FLOOR_STUB, floor_stub, sizeof(floor_stub));
}

static void floor_registers(uc_engine *uc) {
    uc_x86_mmr gdtr = { 0, FLOOR_GDT, 0x27, 0 };
    uc_reg_write(uc, UC_X86_REG_GDTR, &gdtr);
    uint32_t v = FLOOR_HOST_PD;
    uc_reg_write(uc, UC_X86_REG_CR3, &v);
    v = 0x10;  uc_reg_write(uc, UC_X86_REG_CR4, &v);                     /* PSE */
    v = 0x80000011; uc_reg_write(uc, UC_X86_REG_CR0, &v);                /* PG ET PE */
    v = 0x08;  uc_reg_write(uc, UC_X86_REG_CS, &v);
    v = 0x10;  uc_reg_write(uc, UC_X86_REG_SS, &v);
    v = 0x10;  uc_reg_write(uc, UC_X86_REG_DS, &v);
    v = 0x10;  uc_reg_write(uc, UC_X86_REG_ES, &v);
    v = FLOOR_GUEST_PD; uc_reg_write(uc, UC_X86_REG_EBX, &v);
    v = FLOOR_HOST_PD;  uc_reg_write(uc, UC_X86_REG_EDX, &v);
    v = FLOOR_R0_STACK - 20; uc_reg_write(uc, UC_X86_REG_ESP, &v);
}

struct cpu_floor *cpu_floor_open(int with_block_hook, char *err, size_t errlen) {
    struct cpu_layout lay;
    if (cpu_calibrate(&lay, err, errlen)) return NULL;
    struct cpu_floor *f = calloc(1, sizeof(*f));
    if (!f || !(f->ram = calloc(1, 0x400000))) {
        snprintf(err, errlen, "out of memory");
        free(f);
        return NULL;
    }
    f->hflags = lay.hflags;
    floor_memory(f->ram);
    uc_open(UC_ARCH_X86, UC_MODE_32, &f->uc);
    uc_mem_map_ptr(f->uc, 0, 0x400000, UC_PROT_ALL, f->ram);
    cpu_context_alloc(f->uc, &f->ctx);
    uc_hook h;
    uc_hook_add(f->uc, &h, UC_HOOK_INTR, (void *)floor_intr, f, 1, 0);
    if (with_block_hook) uc_hook_add(f->uc, &h, UC_HOOK_BLOCK, (void *)floor_block, f, 1, 0);
    floor_registers(f->uc);
    return f;
}

void cpu_floor_round_trip(struct cpu_floor *f) {
    uc_emu_start(f->uc, FLOOR_HOST_CODE, 0, 0, 0);
}

int cpu_floor_check(struct cpu_floor *f, uint64_t rounds, char *err, size_t errlen) {
    uint32_t eip = 0, cr3 = 0;
    uc_reg_read(f->uc, UC_X86_REG_EIP, &eip);
    uc_reg_read(f->uc, UC_X86_REG_CR3, &cr3);
    if (f->exits == rounds && eip == FLOOR_STUB + sizeof(floor_stub) && cr3 == FLOOR_HOST_PD)
        return 0;
    snprintf(err, errlen, "bare-Unicorn floor did not run as designed (%llu exits, eip %#x)",
             (unsigned long long)f->exits, eip);
    return -1;
}

void cpu_floor_close(struct cpu_floor *f) {
    uc_context_free(f->ctx);
    uc_close(f->uc);
    free(f->ram);
    free(f);
}
