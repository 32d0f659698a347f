/* loader.h - load a Switcher ELF32 relocatable object (ours or Linux's) into a relocated text page. */
#ifndef LGSIM_SWITCHER_LOADER_H
#define LGSIM_SWITCHER_LOADER_H

#include <stddef.h>
#include <stdint.h>

#define SWITCHER_TEXT_MAX 4096

struct switcher_symbol { char name[48]; uint32_t addr; };

struct switcher_image {
    uint8_t  text[SWITCHER_TEXT_MAX]; /* relocated text page (rest zero-filled) */
    uint32_t text_size;               /* end_switcher_text - start_switcher_text */
    uint32_t base;                    /* virtual address the text was relocated for */
    uint32_t switch_to_guest;         /* absolute addresses, i.e. base + offset */
    uint32_t idt_stubs[256];          /* default_idt_entries[], relocated to absolute addresses */
    int      nsyms;                   /* every named symbol that lies in .text (for tracing/debugging) */
    struct switcher_symbol syms[64];
};

/* Returns 0, or -1 with a human-readable reason in err (e.g. "switcher object: no symbol
 * 'default_idt_entries'", "switcher object: text is 5120 bytes, more than one page (4096)",
 * "switcher object: not an ELF32 i386 relocatable object", "switcher object: unsupported
 * relocation type 10 in .rel.text", truncated/out-of-range offsets). Never crashes on hostile input. */
int switcher_load(const uint8_t *obj, size_t len, uint32_t base, struct switcher_image *out,
                  char *err, size_t errlen);

/* Name of the symbol containing addr (largest sym addr <= addr within text), or NULL; *off = addr - sym. */
const char *switcher_symbolize(const struct switcher_image *img, uint32_t addr, uint32_t *off);

/* lgsim's own Switcher (switcher.S), assembled at build time and embedded as bytes. */
extern const uint8_t lgsim_switcher_obj[];
extern const size_t lgsim_switcher_obj_len;

#endif
