/* boot.c - putting a kernel into Guest memory the way the 4.4 launcher does (ABI §9). */
#include "sim/host/lg.h"
#include "abi/lguest.h"
#include "switcher-model/lguest_pages.h"
#include <stdio.h>
#include <string.h>

static uint8_t *gptr(struct machine *m, uint32_t gpa, uint32_t len) {
    return shadow_guest_ptr(&m->shadow, gpa, len);
}

/* vmlinux: each PT_LOAD at its physical address; BSS is already zero.  *end: the byte after
 * the highest one the kernel image occupies. */
static int load_elf_kernel(struct machine *m, uint32_t *entry, uint32_t *end, char *err,
                           size_t errlen) {
    struct elf_exec *e = &m->kernel_elf;
    if (elf_open(e, m->opt.kernel, m->opt.kernel_len, err, errlen)) return -1;
    struct elf_segment s;
    *end = 0;
    for (int i = 0; elf_load_segment(e, i, &s) == 0; i++) {
        uint8_t *dst = gptr(m, s.paddr, s.memsz);
        if (!dst || s.paddr < 0x2000) {
            snprintf(err, errlen, "kernel segment at %#x+%#x does not fit in %u MiB of guest "
                     "memory", s.paddr, s.memsz, m->mem >> 20);
            return -1;
        }
        memcpy(dst, e->data + s.offset, s.filesz);
        if (s.paddr + s.memsz > *end) *end = s.paddr + s.memsz;
    }
    m->kernel_has_symbols = e->symnum > 0;
    *entry = e->entry;
    return 0;
}

/*
 * lguest.c load_initrd(): the file at the very top of RAM.  mmap() wants a page-aligned
 * address, so the size is rounded up to a page first, and ramdisk_size is that rounded size
 * (the tail of the last page reads as zeros).  type_of_loader 0xFF, "unknown", goes with it.
 * Real lguest checks nothing here; lgsim refuses an initrd that would overlap the kernel or
 * the boot page and command line below it, or that is larger than RAM.
 */
static int load_initrd(struct machine *m, uint32_t below, char *err, size_t errlen) {
    uint64_t len = ((uint64_t)m->opt.initrd_len + 4095) & ~4095ull;
    const char *name = m->opt.initrd_path ? m->opt.initrd_path : "initrd";
    if (len > m->mem || m->mem - len < below) {
        snprintf(err, errlen, "initrd %s (%zu bytes, %#llx with its last page) does not fit "
                 "in %u MiB of guest memory above the kernel, which ends at %#x", name,
                 m->opt.initrd_len, (unsigned long long)len, m->mem >> 20, below);
        return -1;
    }
    uint32_t at = m->mem - (uint32_t)len;
    if (len) memcpy(gptr(m, at, (uint32_t)len), m->opt.initrd, m->opt.initrd_len);
    uint8_t *bp = gptr(m, 0, BP_SIZE);
    put_le32(bp + BP_ramdisk_image, at);
    put_le32(bp + BP_ramdisk_size, (uint32_t)len);
    bp[BP_type_of_loader] = 0xFF;
    return 0;
}

/* The rest of lguest.c main()'s boot_params: one e820 RAM entry, the command line in the
 * page after boot_params, and the four fields that make a kernel an lguest Guest. */
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
    put_le32(bp + BP_cmd_line_ptr, BP_SIZE);
    put_le32(bp + BP_kernel_alignment, 0x1000000);   /* "16M (CONFIG_PHYSICAL_ALIGN)" */
    put_le16(bp + BP_hdr_version, 0x0207);   /* 2.07: the first with hardware_subarch */
    put_le32(bp + BP_hardware_subarch, X86_SUBARCH_LGUEST);
    bp[BP_loadflags] |= KEEP_SEGMENTS;       /* the entry code must not reload segments */
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

/* lguest.c main(): the kernel, then the initrd at the top of RAM, then boot_params. */
int boot_guest(struct machine *m, char *err, size_t errlen) {
    uint32_t entry, end;
    int elf = m->opt.kernel_len >= 4 && memcmp(m->opt.kernel, "\177ELF", 4) == 0;
    int r = elf ? load_elf_kernel(m, &entry, &end, err, errlen)
                : load_bzimage(m, &entry, &end, err, errlen);
    if (r) return -1;
    uint32_t cmdline_end = BP_SIZE + (uint32_t)strlen(m->opt.cmdline ? m->opt.cmdline : "") + 1;
    if (m->opt.initrd && load_initrd(m, end > cmdline_end ? end : cmdline_end, err, errlen))
        return -1;
    if (write_boot_params(m, err, errlen)) return -1;
    setup_regs(m, entry);
    return 0;
}
