/* loader.c - read a Switcher ELF32 i386 relocatable object and relocate its text page to a base. */
#include "switcher-model/loader.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

/* The few ELF32 numbers we need (System V gABI and the i386 psABI). */
enum {
    EHDR_SIZE = 52, SHDR_SIZE = 40, SYM_SIZE = 16, REL_SIZE = 8,
    ET_REL = 1, EM_386 = 3, ELFCLASS32 = 1, ELFDATA2LSB = 1,
    SHT_PROGBITS = 1, SHT_SYMTAB = 2, SHT_STRTAB = 3, SHT_REL = 9, SHT_NOBITS = 8,
    SHN_UNDEF = 0, SHN_LORESERVE = 0xFF00, SHN_ABS = 0xFFF1,
    STT_SECTION = 3, STT_FILE = 4, STB_GLOBAL = 1,
    R_386_NONE = 0, R_386_32 = 1, R_386_PC32 = 2,
};

#define TABLE_ENTRIES 256
#define TABLE_BYTES   (TABLE_ENTRIES * 4)

struct section {
    uint32_t name, type, offset, size, link, info, entsize;
};

struct symbol {
    const char *name;
    uint32_t value;
    uint16_t shndx;
    uint8_t type, bind;
};

/* Everything the loader learns about the object, plus where to report errors. */
struct elf {
    const uint8_t *obj;
    size_t len;
    uint32_t shoff, shentsize, shnum, shstrndx;
    uint32_t symtab, nsyms;        /* section index of .symtab and its symbol count */
    uint32_t text;                 /* section index of .text */
    struct section text_sec;
    char *err;
    size_t errlen;
};

/* The text-page facts that relocation needs. */
struct layout {
    uint32_t base, start, end;     /* base address; start/end offsets inside .text */
};

static int fail(struct elf *e, const char *fmt, ...) {
    if (e->err && e->errlen) {
        int n = snprintf(e->err, e->errlen, "switcher object: ");
        if (n >= 0 && (size_t)n < e->errlen) {
            va_list ap;
            va_start(ap, fmt);
            vsnprintf(e->err + n, e->errlen - (size_t)n, fmt, ap);
            va_end(ap);
        }
    }
    return -1;
}

static uint16_t rd16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }
static uint32_t rd32(const uint8_t *p) {
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static void wr32(uint8_t *p, uint32_t v) {
    p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); p[2] = (uint8_t)(v >> 16); p[3] = (uint8_t)(v >> 24);
}

/* Is [off, off+size) inside the file?  64-bit sums, so hostile values cannot wrap. */
static bool in_file(const struct elf *e, uint64_t off, uint64_t size) {
    return off <= e->len && size <= e->len - off;
}

static int check_header(struct elf *e) {
    const uint8_t *h = e->obj;
    if (e->len < EHDR_SIZE)
        return fail(e, "truncated: %zu bytes is too short for an ELF header", e->len);
    if (memcmp(h, "\177ELF", 4) != 0 || h[4] != ELFCLASS32 || h[5] != ELFDATA2LSB ||
        rd16(h + 16) != ET_REL || rd16(h + 18) != EM_386)
        return fail(e, "not an ELF32 i386 relocatable object");
    e->shoff = rd32(h + 32);
    e->shentsize = rd16(h + 46);
    e->shnum = rd16(h + 48);
    e->shstrndx = rd16(h + 50);
    if (e->shoff == 0 || e->shnum == 0)
        return fail(e, "no section header table");
    if (e->shentsize < SHDR_SIZE)
        return fail(e, "section header entries are %u bytes, fewer than %d", e->shentsize, SHDR_SIZE);
    if (!in_file(e, e->shoff, (uint64_t)e->shnum * e->shentsize))
        return fail(e, "truncated or corrupt: section header table at 0x%x (%u x %u bytes) lies "
                    "past the end of the %zu-byte file", e->shoff, e->shnum, e->shentsize, e->len);
    if (e->shstrndx >= e->shnum)
        return fail(e, "section name table index %u out of range (%u sections)", e->shstrndx, e->shnum);
    return 0;
}

/* Section headers are bounds-checked as a whole in check_header; idx is checked here. */
static bool get_section(const struct elf *e, uint32_t idx, struct section *s) {
    if (idx >= e->shnum)
        return false;
    const uint8_t *p = e->obj + e->shoff + (size_t)idx * e->shentsize;
    s->name = rd32(p);
    s->type = rd32(p + 4);
    s->offset = rd32(p + 16);
    s->size = rd32(p + 20);
    s->link = rd32(p + 24);
    s->info = rd32(p + 28);
    s->entsize = rd32(p + 36);
    return true;
}

/* A NUL-terminated string at off inside string-table section idx, or NULL if it is not one. */
static const char *string_at(const struct elf *e, uint32_t idx, uint32_t off) {
    struct section s;
    if (!get_section(e, idx, &s) || s.type != SHT_STRTAB || !in_file(e, s.offset, s.size) ||
        off >= s.size)
        return NULL;
    const char *str = (const char *)e->obj + s.offset + off;
    return memchr(str, '\0', s.size - off) ? str : NULL;
}

static const char *section_name(const struct elf *e, uint32_t idx) {
    struct section s;
    const char *name = get_section(e, idx, &s) ? string_at(e, e->shstrndx, s.name) : NULL;
    return name ? name : "?";
}

/* Section contents must lie in the file (SHT_NOBITS has none). */
static int check_section_data(struct elf *e, uint32_t idx, const struct section *s) {
    if (s->type != SHT_NOBITS && !in_file(e, s->offset, s->size))
        return fail(e, "truncated or corrupt: section '%s' at offset 0x%x, size %u lies past the "
                    "end of the %zu-byte file", section_name(e, idx), s->offset, s->size, e->len);
    return 0;
}

static int find_text(struct elf *e) {
    for (uint32_t i = 1; i < e->shnum; i++) {
        struct section s;
        get_section(e, i, &s);
        const char *name = string_at(e, e->shstrndx, s.name);
        if (name && strcmp(name, ".text") == 0 && s.type == SHT_PROGBITS) {
            e->text = i;
            e->text_sec = s;
            return check_section_data(e, i, &s);
        }
    }
    return fail(e, "no .text section");
}

static int find_symtab(struct elf *e) {
    for (uint32_t i = 1; i < e->shnum; i++) {
        struct section s;
        get_section(e, i, &s);
        if (s.type != SHT_SYMTAB)
            continue;
        if (check_section_data(e, i, &s))
            return -1;
        if (s.entsize != SYM_SIZE || s.size % SYM_SIZE)
            return fail(e, "symbol table entries are not %d bytes", SYM_SIZE);
        struct section strtab;
        if (!get_section(e, s.link, &strtab) || strtab.type != SHT_STRTAB)
            return fail(e, "symbol table has no string table");
        if (check_section_data(e, s.link, &strtab))
            return -1;
        e->symtab = i;
        e->nsyms = s.size / SYM_SIZE;
        return 0;
    }
    return fail(e, "no symbol table");
}

/* Symbol i of .symtab; a bad name offset yields an empty name rather than a failure. */
static bool get_symbol(const struct elf *e, uint32_t i, struct symbol *sym) {
    struct section s;
    if (i >= e->nsyms || !get_section(e, e->symtab, &s))
        return false;
    const uint8_t *p = e->obj + s.offset + (size_t)i * SYM_SIZE;
    const char *name = string_at(e, s.link, rd32(p));
    sym->name = name ? name : "";
    sym->value = rd32(p + 4);
    sym->type = p[12] & 0xF;
    sym->bind = p[12] >> 4;
    sym->shndx = rd16(p + 14);
    return true;
}

/* The defined symbol called name (a global one wins over a local one of the same name). */
static bool find_symbol(const struct elf *e, const char *name, struct symbol *out) {
    bool found = false;
    for (uint32_t i = 1; i < e->nsyms; i++) {
        struct symbol sym;
        get_symbol(e, i, &sym);
        if (sym.shndx == SHN_UNDEF || strcmp(sym.name, name) != 0)
            continue;
        if (!found || (sym.bind == STB_GLOBAL && out->bind != STB_GLOBAL))
            *out = sym;
        found = true;
    }
    return found;
}

static int require_symbols(struct elf *e, struct symbol *start, struct symbol *end,
                           struct symbol *entry, struct symbol *table) {
    static const char *const names[] = {
        "start_switcher_text", "end_switcher_text", "switch_to_guest", "default_idt_entries"
    };
    struct symbol *syms[] = { start, end, entry, table };
    for (int i = 0; i < 4; i++)
        if (!find_symbol(e, names[i], syms[i]))
            return fail(e, "no symbol '%s'", names[i]);
    return 0;
}

/* Check the text bounds and the entry point; fills in lay. */
static int check_text_layout(struct elf *e, const struct symbol *start, const struct symbol *end,
                             const struct symbol *entry, uint32_t base, struct layout *lay) {
    const struct symbol *in_text[] = { start, end, entry };
    for (int i = 0; i < 3; i++)
        if (in_text[i]->shndx != e->text)
            return fail(e, "symbol '%s' is not in .text", in_text[i]->name);
    if (end->value <= start->value)
        return fail(e, "end_switcher_text (0x%x) is not after start_switcher_text (0x%x)",
                    end->value, start->value);
    uint32_t size = end->value - start->value;
    if (size > SWITCHER_TEXT_MAX)
        return fail(e, "text is %u bytes, more than one page (%d)", size, SWITCHER_TEXT_MAX);
    if (end->value > e->text_sec.size)
        return fail(e, "end_switcher_text (0x%x) lies past the end of .text (%u bytes)",
                    end->value, e->text_sec.size);
    if (entry->value < start->value || entry->value >= end->value)
        return fail(e, "switch_to_guest (0x%x) lies outside the switcher text", entry->value);
    if ((uint64_t)base + size > 0x100000000ull)
        return fail(e, "text of %u bytes at base 0x%08x would wrap past 4 GiB", size, base);
    lay->base = base;
    lay->start = start->value;
    lay->end = end->value;
    return 0;
}

/* Where symbol symidx ends up once the text lives at lay->base. */
static int resolve(struct elf *e, const struct layout *lay, uint32_t symidx, uint32_t rel_sec,
                   uint32_t *value) {
    struct symbol sym;
    if (!get_symbol(e, symidx, &sym))
        return fail(e, "relocation in %s names symbol %u, but there are only %u",
                    section_name(e, rel_sec), symidx, e->nsyms);
    if (sym.shndx == e->text) {
        *value = lay->base + (sym.value - lay->start);
        return 0;
    }
    if (sym.shndx == SHN_ABS) {
        *value = sym.value;
        return 0;
    }
    const char *what = sym.type == STT_SECTION && sym.shndx < SHN_LORESERVE
                           ? section_name(e, sym.shndx) : sym.name;
    return fail(e, "relocation in %s refers to '%s', which is not in .text (the switcher text "
                "must not depend on anything outside its page)", section_name(e, rel_sec), what);
}

/* The checks every REL section we apply must pass; returns its entry count in *count. */
static int check_rel_section(struct elf *e, uint32_t idx, const struct section *s, uint32_t *count) {
    if (check_section_data(e, idx, s))
        return -1;
    if (s->entsize != REL_SIZE || s->size % REL_SIZE)
        return fail(e, "relocation section %s has entries that are not %d bytes",
                    section_name(e, idx), REL_SIZE);
    if (s->link != e->symtab)
        return fail(e, "relocation section %s does not use the symbol table", section_name(e, idx));
    *count = s->size / REL_SIZE;
    return 0;
}

/* Apply the .rel.text entries that fall in [start, end) to the copied text. */
static int relocate_text(struct elf *e, const struct layout *lay, uint8_t *text) {
    for (uint32_t i = 1; i < e->shnum; i++) {
        struct section s;
        uint32_t count;
        get_section(e, i, &s);
        if (s.type != SHT_REL || s.info != e->text)
            continue;
        if (check_rel_section(e, i, &s, &count))
            return -1;
        for (uint32_t r = 0; r < count; r++) {
            const uint8_t *rel = e->obj + s.offset + (size_t)r * REL_SIZE;
            uint32_t where = rd32(rel), type = rd32(rel + 4) & 0xFF, symidx = rd32(rel + 4) >> 8;
            if (type == R_386_NONE)
                continue;
            if (type != R_386_32 && type != R_386_PC32)
                return fail(e, "unsupported relocation type %u in %s", type, section_name(e, i));
            if ((uint64_t)where + 4 > e->text_sec.size)
                return fail(e, "relocation at 0x%x in %s lies outside .text", where,
                            section_name(e, i));
            if ((uint64_t)where + 4 <= lay->start || where >= lay->end)
                continue;   /* not part of the copied page */
            if (where < lay->start || (uint64_t)where + 4 > lay->end)
                return fail(e, "relocation at 0x%x in %s straddles the switcher text bounds",
                            where, section_name(e, i));
            uint32_t sym_value;
            if (resolve(e, lay, symidx, i, &sym_value))
                return -1;
            uint8_t *place = text + (where - lay->start);
            uint32_t addend = rd32(place);  /* REL: the addend is stored in the place itself */
            uint32_t place_addr = lay->base + (where - lay->start);
            wr32(place, type == R_386_32 ? sym_value + addend : sym_value + addend - place_addr);
        }
    }
    return 0;
}

/* Read default_idt_entries[] and relocate each entry to an absolute stub address. */
static int read_stub_table(struct elf *e, const struct layout *lay, const struct symbol *table,
                           uint32_t *stubs) {
    struct section sec;
    if (table->shndx >= SHN_LORESERVE || !get_section(e, table->shndx, &sec) ||
        sec.type != SHT_PROGBITS)
        return fail(e, "default_idt_entries is not in a section with contents");
    if (check_section_data(e, table->shndx, &sec))
        return -1;
    if ((uint64_t)table->value + TABLE_BYTES > sec.size)
        return fail(e, "default_idt_entries (at 0x%x) needs %d bytes but %s has only %u",
                    table->value, TABLE_BYTES, section_name(e, table->shndx), sec.size);
    const uint8_t *raw = e->obj + sec.offset + table->value;
    for (int v = 0; v < TABLE_ENTRIES; v++)
        stubs[v] = rd32(raw + 4 * v);

    for (uint32_t i = 1; i < e->shnum; i++) {
        struct section s;
        uint32_t count;
        get_section(e, i, &s);
        if (s.type != SHT_REL || s.info != table->shndx)
            continue;
        if (check_rel_section(e, i, &s, &count))
            return -1;
        for (uint32_t r = 0; r < count; r++) {
            const uint8_t *rel = e->obj + s.offset + (size_t)r * REL_SIZE;
            uint32_t where = rd32(rel), type = rd32(rel + 4) & 0xFF, symidx = rd32(rel + 4) >> 8;
            if (type == R_386_NONE)
                continue;
            if ((uint64_t)where + 4 <= table->value || where >= table->value + TABLE_BYTES)
                continue;   /* some other data */
            if (type != R_386_32)
                return fail(e, "unsupported relocation type %u in %s", type, section_name(e, i));
            if (where < table->value || (where - table->value) % 4)
                return fail(e, "relocation at 0x%x in %s is not aligned to an entry of "
                            "default_idt_entries", where, section_name(e, i));
            uint32_t sym_value;
            if (resolve(e, lay, symidx, i, &sym_value))
                return -1;
            uint32_t v = (where - table->value) / 4;
            stubs[v] = sym_value + rd32(raw + 4 * v);
        }
    }
    return 0;
}

static int check_stubs_in_page(struct elf *e, const struct layout *lay, const uint32_t *stubs) {
    uint32_t size = lay->end - lay->start;
    for (int v = 0; v < TABLE_ENTRIES; v++)
        if (stubs[v] - lay->base >= size)
            return fail(e, "default_idt_entries[%d] = 0x%08x lies outside the text [0x%08x, "
                        "0x%08x)", v, stubs[v], lay->base, lay->base + size);
    return 0;
}

/* Record every named symbol of .text inside [start, end] for symbolize and tracing. */
static void collect_symbols(const struct elf *e, const struct layout *lay,
                            struct switcher_image *out) {
    int max = (int)(sizeof out->syms / sizeof out->syms[0]);
    for (uint32_t i = 1; i < e->nsyms && out->nsyms < max; i++) {
        struct symbol sym;
        get_symbol(e, i, &sym);
        if (sym.shndx != e->text || !sym.name[0] || sym.type == STT_SECTION || sym.type == STT_FILE ||
            sym.value < lay->start || sym.value > lay->end)
            continue;
        struct switcher_symbol *dst = &out->syms[out->nsyms++];
        snprintf(dst->name, sizeof dst->name, "%s", sym.name);
        dst->addr = lay->base + (sym.value - lay->start);
    }
}

int switcher_load(const uint8_t *obj, size_t len, uint32_t base, struct switcher_image *out,
                  char *err, size_t errlen) {
    struct elf e = { .obj = obj, .len = obj ? len : 0, .err = err, .errlen = errlen };
    struct symbol start = { 0 }, end = { 0 }, entry = { 0 }, table = { 0 };
    struct layout lay = { 0 };

    if (err && errlen)
        err[0] = '\0';
    memset(out, 0, sizeof *out);
    if (check_header(&e) || find_text(&e) || find_symtab(&e) ||
        require_symbols(&e, &start, &end, &entry, &table) ||
        check_text_layout(&e, &start, &end, &entry, base, &lay))
        return -1;

    memcpy(out->text, obj + e.text_sec.offset + lay.start, lay.end - lay.start);
    if (relocate_text(&e, &lay, out->text) || read_stub_table(&e, &lay, &table, out->idt_stubs) ||
        check_stubs_in_page(&e, &lay, out->idt_stubs)) {
        memset(out, 0, sizeof *out);
        return -1;
    }
    out->text_size = lay.end - lay.start;
    out->base = base;
    out->switch_to_guest = base + (entry.value - lay.start);
    collect_symbols(&e, &lay, out);
    return 0;
}

/* Names that only mark the page bounds lose ties to a real entry point at the same address. */
static bool is_bound_marker(const char *name) {
    return strcmp(name, "start_switcher_text") == 0 || strcmp(name, "end_switcher_text") == 0;
}

const char *switcher_symbolize(const struct switcher_image *img, uint32_t addr, uint32_t *off) {
    if (!img || addr - img->base >= img->text_size)
        return NULL;
    const struct switcher_symbol *best = NULL;
    for (int i = 0; i < img->nsyms; i++) {
        const struct switcher_symbol *s = &img->syms[i];
        if (s->addr - img->base > addr - img->base)
            continue;   /* above addr (compared as offsets, so a base near 4 GiB cannot wrap) */
        if (!best || s->addr > best->addr ||
            (s->addr == best->addr && is_bound_marker(best->name) && !is_bound_marker(s->name)))
            best = s;
    }
    if (!best)
        return NULL;
    if (off)
        *off = addr - best->addr;
    return best->name;
}
