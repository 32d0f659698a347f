/* bzimage.c - what lguest 4.4's launcher does with a bzImage: load it at 1 MiB, enter it there. */
#include "sim/launcher/launcher.h"
#include "abi/lguest.h"
#include "mmu/phys.h"
#include <stdio.h>
#include <string.h>

/*
 * Linux 4.4 tools/lguest/lguest.c load_bzimage() reads the boot sector and setup header from
 * the file into a local struct boot_params, checks for "HdrS", and copies everything from file
 * offset (setup_sects + 1) * 512 to the end into guest-physical 0x100000.  The vCPU starts at
 * hdr.code32_start as the file has it (0x100000).  Nothing else: the setup header is NOT
 * copied into the Guest's boot_params, and setup_sects == 0 is not read as 4.
 *
 * So the Guest starts in the bzImage's own decompressor, arch/x86/boot/compressed/head_32.S
 * startup_32, in ring 1 on the Host's linear map, with ESI = 0 = boot_params.  That works
 * (it is what Jeremy Fitzhardinge's "jump over the tricky bits" change in the launcher's
 * comment refers to): KEEP_SEGMENTS in loadflags makes it skip its cli and segment loads;
 * its temporary stack is boot_params' scratch field; "pushl $0; popfl" cannot touch IF or
 * IOPL at CPL 1 and does not fault; decompress_kernel() prints nothing because
 * screen_info is all zero (no VGA) and there is no earlyprintk=serial (with it, the serial
 * port I/O would be emulated by the launcher: writes ignored, reads all ones); the kernel is
 * decompressed at LOAD_PHYSICAL_ADDR, aligned to kernel_alignment (16 MiB, set by the
 * launcher), relocated, and entered at its physical startup_32 with ESI still 0.  There,
 * hardware_subarch = 1 sends it to lguest_entry as a vmlinux would be.  A decompressor
 * error() ends in hlt, which at CPL 1 is a #GP the launcher cannot emulate: "Reinjecting
 * trap 13".  lgsim does the same with the same file: no decompression of its own.
 */

#define SETUP_SECTS    0x1F1
#define SYSSIZE        0x1F4   /* the protected-mode part, in 16-byte paragraphs */
#define HDR_MAGIC      0x202
#define LOADFLAGS      0x211
#define CODE32_START   0x214
#define HDR_VERSION    0x206
#define RELOCATABLE    0x234   /* boot protocol 2.05 */
#define PREF_ADDRESS   0x258   /* boot protocol 2.10 */
#define INIT_SIZE      0x260   /* boot protocol 2.10 */
#define LOADED_HIGH    0x01
#define BZ_LOAD_ADDR   0x100000u

int load_bzimage(struct launcher *l, uint32_t *entry, uint32_t *end, char *err, size_t errlen) {
    const uint8_t *k = l->opt.kernel;
    size_t len = l->opt.kernel_len;
    if (len < 0x264 || memcmp(k + HDR_MAGIC, "HdrS", 4) != 0) {
        snprintf(err, errlen, "not an ELF vmlinux or a bzImage (no \"HdrS\" setup header at "
                 "offset 0x202)");
        return -1;
    }
    unsigned sects = k[SETUP_SECTS];
    if (sects == 0) {   /* the boot protocol reads 0 as 4; lguest 4.4 would load from 512 */
        snprintf(err, errlen, "bzImage: setup_sects is 0 (a pre-2.00 image); lguest 4.4 would "
                 "load it from the wrong offset");
        return -1;
    }
    if (!(k[LOADFLAGS] & LOADED_HIGH)) {
        snprintf(err, errlen, "a zImage, not a bzImage (LOADED_HIGH clear in loadflags): "
                 "lguest 4.4 loads only bzImages, at 1 MiB");
        return -1;
    }
    size_t off = ((size_t)sects + 1) * 512;
    if (off >= len) {
        snprintf(err, errlen, "bzImage is truncated: setup_sects %u puts the kernel at offset "
                 "%#zx, but the file has %zu bytes", sects, off, len);
        return -1;
    }
    size_t size = len - off;
    uint64_t want = (uint64_t)le32(k + SYSSIZE) * 16;
    if (want > size + 15) {   /* real lguest would load what there is and run into zeros */
        snprintf(err, errlen, "bzImage is truncated: its header says %#llx bytes of kernel "
                 "after the setup sectors, the file has %#zx", (unsigned long long)want, size);
        return -1;
    }
    uint8_t *dst = size <= l->mem - BZ_LOAD_ADDR && l->mem > BZ_LOAD_ADDR ?
        guest_ptr(l, BZ_LOAD_ADDR, (uint32_t)size) : NULL;
    if (!dst) {
        snprintf(err, errlen, "bzImage: %zu bytes at 1 MiB do not fit in %u MiB of guest memory",
                 size, l->mem >> 20);
        return -1;
    }
    *entry = le32(k + CODE32_START);
    if (*entry < BZ_LOAD_ADDR || *entry >= BZ_LOAD_ADDR + size) {
        snprintf(err, errlen, "bzImage: code32_start %#x is outside the kernel loaded at "
                 "%#x-%#zx", *entry, BZ_LOAD_ADDR, BZ_LOAD_ADDR + size);
        return -1;
    }
    memcpy(dst, k + off, size);
    *end = BZ_LOAD_ADDR + (uint32_t)size;
    /* Where the decompressor will put the kernel: LOAD_PHYSICAL_ADDR (pref_address), or for a
     * relocatable one at least 1 MiB aligned up to the launcher's 16 MiB kernel_alignment.
     * Real lguest does not look; but an initrd there would be overwritten, and too little
     * memory would fail only deep in the decompressor. */
    if (le16(k + HDR_VERSION) >= 0x020A) {
        uint64_t at = le32(k + PREF_ADDRESS);
        if (k[RELOCATABLE] && at < 0x1000000) at = 0x1000000;
        uint64_t need = at + le32(k + INIT_SIZE);
        if (need > l->mem)
            fprintf(stderr, "lgsim: note: this bzImage decompresses at %#llx and needs memory "
                    "up to %#llx (init_size); %u MiB of guest memory is too little\n",
                    (unsigned long long)at, (unsigned long long)need, l->mem >> 20);
        if (need > *end) *end = need > l->mem ? l->mem : (uint32_t)need;
    }
    return 0;
}
