/* elf.c - a bounds-checked reader for i386 ELF executables (vmlinux, test guests, host code). */
#include "sim/elf.h"
#include "mmu/phys.h"
#include <stdio.h>
#include <string.h>

#define ET_EXEC 2
#define EM_386 3
#define PT_LOAD 1
#define SHT_SYMTAB 2

static int in_file(const struct elf_exec *e, uint64_t off, uint64_t len) {
    return off <= e->len && len <= e->len - off;
}

static void find_symtab(struct elf_exec *e, uint32_t shoff, uint32_t shnum, uint32_t shentsize) {
    if (shentsize != 40 || !in_file(e, shoff, (uint64_t)shnum * 40)) return;
    for (uint32_t i = 0; i < shnum; i++) {
        const uint8_t *sh = e->data + shoff + i * 40;
        if (le32(sh + 4) != SHT_SYMTAB) continue;
        uint32_t off = le32(sh + 16), size = le32(sh + 20), link = le32(sh + 24);
        if (link >= shnum || !in_file(e, off, size)) return;
        const uint8_t *str = e->data + shoff + link * 40;
        if (!in_file(e, le32(str + 16), le32(str + 20))) return;
        e->symoff = off;
        e->symnum = size / 16;
        e->stroff = le32(str + 16);
        e->strsize = le32(str + 20);
        return;
    }
}

int elf_open(struct elf_exec *e, const uint8_t *d, size_t len, char *err, size_t errlen) {
    memset(e, 0, sizeof(*e));
    e->data = d;
    e->len = len;
    if (len < 52 || memcmp(d, "\177ELF", 4) != 0) {
        snprintf(err, errlen, "not an ELF file");
        return -1;
    }
    if (d[4] != 1 || d[5] != 1) {
        snprintf(err, errlen, "not a 32-bit little-endian ELF file");
        return -1;
    }
    if (le16(d + 16) != ET_EXEC || le16(d + 18) != EM_386) {
        snprintf(err, errlen, "not an i386 executable (ELF type %u, machine %u)",
                 le16(d + 16), le16(d + 18));
        return -1;
    }
    e->entry = le32(d + 24);
    e->phoff = le32(d + 28);
    e->phnum = le16(d + 44);
    if (le16(d + 42) != 32 || e->phnum == 0 || e->phnum > 64 ||
        !in_file(e, e->phoff, (uint64_t)e->phnum * 32)) {
        snprintf(err, errlen, "bad ELF program headers (%u of size %u at offset %u)",
                 e->phnum, le16(d + 42), e->phoff);
        return -1;
    }
    for (int i = 0; ; i++) {
        struct elf_segment s;
        if (elf_load_segment(e, i, &s) < 0) break;
        if (!in_file(e, s.offset, s.filesz) || s.filesz > s.memsz) {
            snprintf(err, errlen, "ELF segment %d lies outside the file", i);
            return -1;
        }
    }
    find_symtab(e, le32(d + 32), le16(d + 48), le16(d + 46));
    return 0;
}

int elf_load_segment(const struct elf_exec *e, int i, struct elf_segment *s) {
    int seen = 0;
    for (uint32_t k = 0; k < e->phnum; k++) {
        const uint8_t *ph = e->data + e->phoff + k * 32;
        if (le32(ph) != PT_LOAD) continue;
        if (seen++ != i) continue;
        *s = (struct elf_segment){ .offset = le32(ph + 4), .vaddr = le32(ph + 8),
                                   .paddr = le32(ph + 12), .filesz = le32(ph + 16),
                                   .memsz = le32(ph + 20) };
        return 0;
    }
    return -1;
}

static const char *sym_name(const struct elf_exec *e, const uint8_t *sym) {
    uint32_t n = le32(sym);
    if (n >= e->strsize) return NULL;
    const char *s = (const char *)e->data + e->stroff + n;
    return memchr(s, 0, e->strsize - n) ? s : NULL;
}

int elf_symbol(const struct elf_exec *e, const char *name, uint32_t *value) {
    for (uint32_t i = 0; i < e->symnum; i++) {
        const uint8_t *sym = e->data + e->symoff + i * 16;
        const char *n = sym_name(e, sym);
        if (n && strcmp(n, name) == 0) {
            *value = le32(sym + 4);
            return 0;
        }
    }
    return -1;
}

const char *elf_symbolize(const struct elf_exec *e, uint32_t addr, uint32_t *off) {
    const char *best = NULL;
    uint32_t best_val = 0;
    for (uint32_t i = 0; i < e->symnum; i++) {
        const uint8_t *sym = e->data + e->symoff + i * 16;
        int type = sym[12] & 0xF;
        uint32_t val = le32(sym + 4);
        if ((type != 1 && type != 2 && type != 0) || val > addr || (best && val < best_val))
            continue;
        const char *n = sym_name(e, sym);
        /* undefined (0) and absolute (0xFFF1, e.g. vmlinux's phys_startup_32) name no code */
        if (!n || !*n || le16(sym + 14) == 0 || le16(sym + 14) == 0xFFF1) continue;
        uint32_t size = le32(sym + 8);
        if (size && addr >= val + size) continue;
        best = n;
        best_val = val;
    }
    if (best && off) *off = addr - best_val;
    return best;
}
