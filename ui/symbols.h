/* symbols.h - names and code for the addresses a run shows: the guest kernel's, the Switcher's. */
#ifndef LGSIM_UI_SYMBOLS_H
#define LGSIM_UI_SYMBOLS_H
#include <stddef.h>
#include <stdint.h>
#include "sim/elf.h"
#include "switcher-model/loader.h"
#include "ui/run.h"
#include "ui/ui.h"

struct ui_symbols {
    uint8_t *kernel;             /* the kernel's bytes (ours to free when own_kernel) */
    size_t kernel_len;
    int own_kernel;
    struct elf_exec elf;
    int have_elf;
    char where[1400];            /* which file the names come from, or why there are none */
    struct switcher_image sw;
    int have_sw;
};

/*
 * The kernel named in the trace's header, found as the trace tools would: the built-in demo
 * guest for "(built-in demo guest)", else a file of that name next to the trace or in the
 * current directory whose size and hash match the header's.  --symbols=ELF (path) wins over
 * all of them.  The Switcher is lgsim's own when the header says so.  Never fails: without a
 * kernel the window shows addresses without names, and where says why.
 */
void symbols_for_run(struct ui_symbols *s, const struct run *run, const char *path,
                     const struct ui_builtin *b);
void symbols_free(struct ui_symbols *s);

/* The symbol holding addr and the offset into it, or NULL. */
const char *symbols_lookup(const struct ui_symbols *s, uint32_t addr, uint32_t *off);
/* " <name+0x10>" (with its leading space), or "" when nothing is known. */
const char *symbols_tag(const struct ui_symbols *s, uint32_t addr, char *buf, size_t len);
/* Up to len bytes of code at addr from the kernel's loaded segments or the Switcher's page;
 * how many were there. */
uint32_t symbols_code(const struct ui_symbols *s, uint32_t addr, uint8_t *buf, uint32_t len);
/* Where the function holding addr starts (0 when unknown): disassembly starts there. */
uint32_t symbols_start(const struct ui_symbols *s, uint32_t addr);
#endif
