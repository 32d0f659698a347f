/* boot.c - a kernel into Guest memory the way 4.4 tools/lguest/lguest.c main() puts it there. */
#include "sim/launcher/launcher.h"
#include "abi/lguest.h"
#include <stdio.h>
#include <string.h>

/* vmlinux: each PT_LOAD at its physical address; BSS is already zero.  *end: the byte after
 * the highest one the kernel image occupies. */
static int load_elf_kernel(struct launcher *l, uint32_t *entry, uint32_t *end, char *err,
                           size_t errlen) {
    struct elf_exec *e = &l->kernel_elf;
    if (elf_open(e, l->opt.kernel, l->opt.kernel_len, err, errlen)) return -1;
    struct elf_segment s;
    *end = 0;
    for (int i = 0; elf_load_segment(e, i, &s) == 0; i++) {
        uint8_t *dst = guest_ptr(l, s.paddr, s.memsz);
        if (!dst || s.paddr < 0x2000) {
            snprintf(err, errlen, "kernel segment at %#x+%#x does not fit in %u MiB of guest "
                     "memory", s.paddr, s.memsz, l->mem >> 20);
            return -1;
        }
        memcpy(dst, e->data + s.offset, s.filesz);
        if (s.paddr + s.memsz > *end) *end = s.paddr + s.memsz;
    }
    l->kernel_has_symbols = e->symnum > 0;
    symtab_set_kernel(&l->syms, l->opt.kernel, l->opt.kernel_len);
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
static int load_initrd(struct launcher *l, uint32_t below, char *err, size_t errlen) {
    uint64_t len = ((uint64_t)l->opt.initrd_len + 4095) & ~4095ull;
    const char *name = l->opt.initrd_path ? l->opt.initrd_path : "initrd";
    if (len > l->mem || l->mem - len < below) {
        snprintf(err, errlen, "initrd %s (%zu bytes, %#llx with its last page) does not fit "
                 "in %u MiB of guest memory above the kernel, which ends at %#x", name,
                 l->opt.initrd_len, (unsigned long long)len, l->mem >> 20, below);
        return -1;
    }
    uint32_t at = l->mem - (uint32_t)len;
    if (len) memcpy(guest_ptr(l, at, (uint32_t)len), l->opt.initrd, l->opt.initrd_len);
    uint8_t *bp = guest_ptr(l, 0, BP_SIZE);
    put_le32(bp + BP_ramdisk_image, at);
    put_le32(bp + BP_ramdisk_size, (uint32_t)len);
    bp[BP_type_of_loader] = 0xFF;
    return 0;
}

/* The rest of lguest.c main()'s boot_params: one e820 RAM entry, the command line in the
 * page after boot_params, and the four fields that make a kernel an lguest Guest. */
static int write_boot_params(struct launcher *l, char *err, size_t errlen) {
    uint8_t *bp = guest_ptr(l, 0, BP_SIZE);
    const char *cmd = l->opt.cmdline ? l->opt.cmdline : "";
    size_t n = strlen(cmd) + 1;
    uint8_t *cl = guest_ptr(l, BP_SIZE, (uint32_t)n);
    if (!bp || !cl || n > 4096) {
        snprintf(err, errlen, "kernel command line too long");
        return -1;
    }
    memcpy(cl, cmd, n);
    bp[BP_e820_entries] = 1;
    put_le32(bp + BP_e820_map + 8, l->mem);   /* {addr 0, size mem, type RAM} */
    put_le32(bp + BP_e820_map + 16, 1);
    put_le32(bp + BP_cmd_line_ptr, BP_SIZE);
    put_le32(bp + BP_kernel_alignment, 0x1000000);   /* "16M (CONFIG_PHYSICAL_ALIGN)" */
    put_le16(bp + BP_hdr_version, 0x0207);   /* 2.07: the first with hardware_subarch */
    put_le32(bp + BP_hardware_subarch, X86_SUBARCH_LGUEST);
    bp[BP_loadflags] |= KEEP_SEGMENTS;       /* the entry code must not reload segments */
    return 0;
}

/* @tour Launcher 30: The kernel in Guest memory
 * A vmlinux's PT_LOAD segments at their physical addresses (or a bzImage at 1 MiB), the
 * initrd at the top of RAM, and boot_params at guest-physical 0 with hardware_subarch = 1:
 * what makes a Linux kernel take the lguest path at startup_32.
 */
/* lguest.c main(): the kernel, then the initrd at the top of RAM, then boot_params; *entry
 * goes to the Host with LHREQ_INITIALIZE, which sets up the registers there. */
int boot_guest(struct launcher *l, uint32_t *entry, char *err, size_t errlen) {
    uint32_t end;
    int elf = l->opt.kernel_len >= 4 && memcmp(l->opt.kernel, "\177ELF", 4) == 0;
    int r = elf ? load_elf_kernel(l, entry, &end, err, errlen)
                : load_bzimage(l, entry, &end, err, errlen);
    if (r) return -1;
    uint32_t cmdline_end = BP_SIZE + (uint32_t)strlen(l->opt.cmdline ? l->opt.cmdline : "") + 1;
    if (l->opt.initrd && load_initrd(l, end > cmdline_end ? end : cmdline_end, err, errlen))
        return -1;
    return write_boot_params(l, err, errlen);
}
