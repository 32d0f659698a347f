/* elf.h - reading i386 ELF executables: program headers to load, symbols to name addresses. */
#ifndef LGSIM_ELF_H
#define LGSIM_ELF_H
#include <stddef.h>
#include <stdint.h>

struct elf_exec {
    const uint8_t *data;
    size_t len;
    uint32_t entry;
    uint32_t phoff, phnum;
    uint32_t symoff, symnum, stroff, strsize;   /* .symtab and its string table, if any */
};

struct elf_segment { uint32_t paddr, vaddr, offset, filesz, memsz; };

/* Check that data is an ELF32 i386 ET_EXEC with sane program headers. */
int elf_open(struct elf_exec *e, const uint8_t *data, size_t len, char *err, size_t errlen);
/* The i-th PT_LOAD segment (0..), or -1 when there are no more. */
int elf_load_segment(const struct elf_exec *e, int i, struct elf_segment *s);
int elf_symbol(const struct elf_exec *e, const char *name, uint32_t *value);
/* The function or object symbol containing addr: name, and *off from its start. */
const char *elf_symbolize(const struct elf_exec *e, uint32_t addr, uint32_t *off);
#endif
