/* boot.c - putting a kernel into Guest memory the way the 4.4 launcher does (ABI §9). */
#include "sim/machine.h"
#include "sim/lguest.h"
#include "switcher-model/lguest_pages.h"
#include <stdio.h>
#include <string.h>

static uint8_t *gptr(struct machine *m, uint32_t gpa, uint32_t len) {
    return shadow_guest_ptr(&m->shadow, gpa, len);
}

/* vmlinux: each PT_LOAD at its physical address; BSS is already zero. */
static int load_elf_kernel(struct machine *m, uint32_t *entry, char *err, size_t errlen) {
    struct elf_exec *e = &m->kernel_elf;
    if (elf_open(e, m->opt.kernel, m->opt.kernel_len, err, errlen)) return -1;
    struct elf_segment s;
    for (int i = 0; elf_load_segment(e, i, &s) == 0; i++) {
        uint8_t *dst = gptr(m, s.paddr, s.memsz);
        if (!dst || s.paddr < 0x2000) {
            snprintf(err, errlen, "kernel segment at %#x+%#x does not fit in %u MiB of guest "
                     "memory", s.paddr, s.memsz, m->mem >> 20);
            return -1;
        }
        memcpy(dst, e->data + s.offset, s.filesz);
    }
    m->kernel_has_symbols = e->symnum > 0;
    *entry = e->entry;
    return 0;
}

/* bzImage: everything after the setup sectors goes to 0x100000; start at code32_start. */
static int load_bzimage(struct machine *m, uint32_t *entry, char *err, size_t errlen) {
    const uint8_t *k = m->opt.kernel;
    size_t len = m->opt.kernel_len;
    if (len < 0x300 || memcmp(k + 0x202, "HdrS", 4) != 0) {
        snprintf(err, errlen, "not an ELF vmlinux or a bzImage (no \"HdrS\" header)");
        return -1;
    }
    size_t off = ((size_t)k[0x1F1] + 1) * 512;
    uint8_t *dst = off < len ? gptr(m, 0x100000, (uint32_t)(len - off)) : NULL;
    if (!dst) {
        snprintf(err, errlen, "bzImage is truncated or does not fit in guest memory");
        return -1;
    }
    memcpy(dst, k + off, len - off);
    *entry = le32(k + 0x214);
    return 0;
}

static int write_boot_params(struct machine *m, char *err, size_t errlen) {
    uint8_t *bp = gptr(m, 0, BP_SIZE);
    const char *cmd = m->opt.cmdline ? m->opt.cmdline : "";
    size_t n = strlen(cmd) + 1;
    uint8_t *cl = gptr(m, BP_SIZE, (uint32_t)n);
    if (!bp || !cl || n > 4096) {
        snprintf(err, errlen, "kernel command line too long");
        return -1;
    }
    memcpy(cl, cmd, n);
    bp[BP_e820_entries] = 1;
    put_le32(bp + BP_e820_map + 8, m->mem);   /* {addr 0, size mem, type RAM} */
    put_le32(bp + BP_e820_map + 16, 1);
    put_le16(bp + BP_hdr_version, 0x0207);
    bp[BP_loadflags] |= KEEP_SEGMENTS;
    put_le32(bp + BP_cmd_line_ptr, BP_SIZE);
    put_le32(bp + BP_kernel_alignment, 0x1000000);
    put_le32(bp + BP_hardware_subarch, X86_SUBARCH_LGUEST);
    return 0;
}

/* lguest_arch_setup_regs(): ring 1, interrupts (virtually) on, ESI = 0 = boot_params. */
static void setup_regs(struct machine *m, uint32_t entry) {
    memset(guest_regs(m), 0, LGUEST_REGS_SIZE);
    reg_set(m, LGUEST_REGS_ds, GUEST_KERNEL_DS);
    reg_set(m, LGUEST_REGS_es, GUEST_KERNEL_DS);
    reg_set(m, LGUEST_REGS_ss, GUEST_KERNEL_DS);
    reg_set(m, LGUEST_REGS_cs, GUEST_KERNEL_CS);
    reg_set(m, LGUEST_REGS_eflags, 0x202);
    reg_set(m, LGUEST_REGS_eip, entry);
}

int boot_guest(struct machine *m, char *err, size_t errlen) {
    uint32_t entry;
    int elf = m->opt.kernel_len >= 4 && memcmp(m->opt.kernel, "\177ELF", 4) == 0;
    int r = elf ? load_elf_kernel(m, &entry, err, errlen) : load_bzimage(m, &entry, err, errlen);
    if (r || write_boot_params(m, err, errlen)) return -1;
    setup_regs(m, entry);
    return 0;
}
