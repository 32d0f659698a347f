/* symbols.h - one symbol table for every tool that shows an address: the guest kernel's, the
 * Switcher's and the host routine's names, looked up when shown (traces stay symbol-free). */
#ifndef LGSIM_SYMBOLS_H
#define LGSIM_SYMBOLS_H
#include <stddef.h>
#include <stdint.h>
#include "sim/elf.h"
#include "switcher-model/loader.h"
#include "traces/names.h"

/* An ELF's function and object symbols, sorted by address: a lookup is a binary search (a
 * vmlinux has tens of thousands, and a dump names every record). */
struct sym_entry { uint32_t addr, size, order; const char *name; };
struct sym_list { struct sym_entry *v; uint32_t n; };

struct symtab {
    const uint8_t *kernel;       /* the kernel's bytes (freed by symtab_free when own_kernel) */
    size_t kernel_len;
    int own_kernel;
    struct elf_exec elf;
    int have_elf;
    struct sym_list ksyms;
    struct switcher_image sw;
    int have_sw;
    struct elf_exec host;
    int have_host;
    struct sym_list hsyms;
    char where[1400];            /* which file the kernel's names come from, or why none */
};

void symtab_init(struct symtab *s);
void symtab_free(struct symtab *s);
/* Names from a kernel ELF that the caller keeps: 0, or -1 when it is no ELF (where says why). */
int symtab_set_kernel(struct symtab *s, const uint8_t *elf, size_t len);
/* The Switcher's names, from its object relocated at base, or from an image already loaded. */
int symtab_set_switcher(struct symtab *s, const uint8_t *obj, size_t len, uint32_t base);
void symtab_set_switcher_image(struct symtab *s, const struct switcher_image *img);
/* The host routine's names (ring 0 code), from its ELF, which the caller keeps. */
int symtab_set_host(struct symtab *s, const uint8_t *elf, size_t len);

/*
 * The names for a recorded run: the kernel named in the trace's header, found as the trace
 * tools would: the built-in demo guest (demo, demo_len) for "(built-in demo guest)", else a
 * file of that name next to the trace or in the current directory whose size and hash match
 * the header's.  symbols (a path, --symbols=ELF) wins over all of them.  The Switcher is lgsim's
 * own when the header says so.  Without a kernel where says why; -1 only when symbols was
 * given and cannot be read or is no ELF.
 */
struct trace_header;
int symtab_for_trace(struct symtab *s, const struct trace_header *h, const char *trace_path,
                     const char *symbols, const uint8_t *demo, size_t demo_len);

/* A guest address (the Switcher's page, the kernel as linked or, before paging, as loaded):
 * the symbol holding it and the offset into it, or NULL. */
const char *symtab_lookup(const struct symtab *s, uint32_t addr, uint32_t *off);
/* A host (ring 0) address: the host routine's symbol, else the Switcher's. */
const char *symtab_lookup_host(const struct symtab *s, uint32_t addr, uint32_t *off);
/* " <name+0x10>" (with its leading space), or "" when nothing is known. */
const char *symtab_tag(const struct symtab *s, uint32_t addr, char *buf, size_t len);
/* Up to len bytes of code at addr from the kernel's loaded segments or the Switcher's page;
 * how many were there. */
uint32_t symtab_code(const struct symtab *s, uint32_t addr, uint8_t *buf, uint32_t len);
/* Where the function holding addr starts (0 when unknown). */
uint32_t symtab_start(const struct symtab *s, uint32_t addr);

/* This table as the trace commands' namer (guest addresses). */
struct trace_namer symtab_namer(const struct symtab *s);
/* What "lgsim trace" opens a trace's names with (the demo guest is this lgsim's). */
struct trace_names_source symtab_trace_source(const uint8_t *demo, size_t demo_len);
#endif
