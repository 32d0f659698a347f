/* symbols.c - the shared symbol table: reading names out of ELFs, finding a trace's kernel. */
#include "sim/symbols.h"
#include "mmu/phys.h"
#include "sim/path.h"
#include "sim/host/layout.h"
#include "traces/format.h"
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* --- sorted names out of an ELF's .symtab --- */

static int by_addr(const void *a, const void *b) {
    const struct sym_entry *x = a, *y = b;
    if (x->addr != y->addr) return x->addr < y->addr ? -1 : 1;
    return x->order < y->order ? -1 : x->order > y->order;
}

/* The symbols elf_symbolize() would consider: functions, objects and untyped labels, defined
 * in a section (undefined 0 and absolute 0xFFF1, e.g. vmlinux's phys_startup_32, name no code). */
static void list_symbols(struct sym_list *l, const struct elf_exec *e) {
    l->v = NULL;
    l->n = 0;
    if (!e->symnum || !(l->v = malloc((size_t)e->symnum * sizeof(*l->v)))) return;
    for (uint32_t i = 0; i < e->symnum; i++) {
        const uint8_t *sym = e->data + e->symoff + i * 16;
        int type = sym[12] & 0xF;
        uint32_t n = le32(sym), shndx = le16(sym + 14);
        if ((type != 0 && type != 1 && type != 2) || shndx == 0 || shndx == 0xFFF1) continue;
        if (n >= e->strsize) continue;
        const char *name = (const char *)e->data + e->stroff + n;
        if (!*name || !memchr(name, 0, e->strsize - n)) continue;
        l->v[l->n++] = (struct sym_entry){ le32(sym + 4), le32(sym + 8), i, name };
    }
    qsort(l->v, l->n, sizeof(*l->v), by_addr);
}

/* As elf_symbolize(): the highest-addressed symbol at or below addr that holds it (a sized
 * symbol ends at addr + size), the later one in the file among equals.  Sized symbols that
 * end before addr are stepped over, a bounded number of them. */
static const char *list_lookup(const struct sym_list *l, uint32_t addr, uint32_t *off) {
    uint32_t lo = 0, hi = l->n;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (l->v[mid].addr <= addr) lo = mid + 1;
        else hi = mid;
    }
    for (uint32_t i = lo, tries = 0; i-- > 0 && tries < 256; tries++) {
        const struct sym_entry *s = &l->v[i];
        if (s->size && addr - s->addr >= s->size) continue;
        if (off) *off = addr - s->addr;
        return s->name;
    }
    return NULL;
}

/* --- filling the table --- */

void symtab_init(struct symtab *s) {
    memset(s, 0, sizeof(*s));
}

void symtab_free(struct symtab *s) {
    if (s->own_kernel) free((void *)s->kernel);
    free(s->ksyms.v);
    free(s->hsyms.v);
    symtab_init(s);
}

int symtab_set_kernel(struct symtab *s, const uint8_t *elf, size_t len) {
    char err[200];
    free(s->ksyms.v);   /* a restart loads the kernel again */
    s->ksyms = (struct sym_list){ 0 };
    s->have_elf = 0;
    s->kernel = elf;
    s->kernel_len = len;
    if (elf_open(&s->elf, elf, len, err, sizeof(err))) {
        size_t n = strlen(s->where);
        snprintf(s->where + n, sizeof(s->where) - n, "%sbut it is %s: no names (give the "
                 "vmlinux with --symbols=ELF)", n ? "; " : "", err);
        return -1;
    }
    s->have_elf = 1;
    list_symbols(&s->ksyms, &s->elf);
    return 0;
}

int symtab_set_switcher(struct symtab *s, const uint8_t *obj, size_t len, uint32_t base) {
    char err[200];
    s->have_sw = !switcher_load(obj, len, base, &s->sw, err, sizeof(err));
    return s->have_sw ? 0 : -1;
}

void symtab_set_switcher_image(struct symtab *s, const struct switcher_image *img) {
    s->sw = *img;
    s->have_sw = 1;
}

int symtab_set_host(struct symtab *s, const uint8_t *elf, size_t len) {
    char err[200];
    if (elf_open(&s->host, elf, len, err, sizeof(err))) return -1;
    s->have_host = 1;
    list_symbols(&s->hsyms, &s->host);
    return 0;
}

/* --- the kernel a trace names --- */

static uint8_t *slurp(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    uint8_t *buf = NULL;
    long n = -1;
    if (!fseek(f, 0, SEEK_END) && (n = ftell(f)) >= 0 && !fseek(f, 0, SEEK_SET))
        buf = malloc((size_t)n + 1);
    if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    if (buf) *len = (size_t)n;
    return buf;
}

static const struct trace_input *kernel_input(const struct trace_header *h) {
    for (unsigned i = 0; i < h->n_inputs; i++)
        if (!strcmp(h->inputs[i].role, "kernel")) return &h->inputs[i];
    return NULL;
}

static int matches(const struct trace_input *in, const uint8_t *data, size_t len) {
    return in && in->size == len && in->hash == trace_hash(data, len);
}

static void own(struct symtab *s, uint8_t *data, size_t len) {
    s->kernel = data;
    s->kernel_len = len;
    s->own_kernel = 1;
}

/* The kernel file beside the trace, then in the current directory; it must be the one. */
static int find_kernel_file(struct symtab *s, const char *trace_path,
                            const struct trace_input *in) {
    char path[1200];
    int folder_len = (int)(path_base(trace_path) - trace_path);   /* its separator included */
    for (int pass = 0; pass < 2; pass++) {
        if (pass == 0 && !folder_len) continue;
        if (pass == 0) snprintf(path, sizeof(path), "%.*s%s", folder_len, trace_path, in->name);
        else snprintf(path, sizeof(path), "%s", in->name);
        size_t len = 0;
        uint8_t *data = slurp(path, &len);
        if (!data) continue;
        if (matches(in, data, len)) {
            own(s, data, len);
            snprintf(s->where, sizeof(s->where), "symbols from %s", path);
            return 1;
        }
        free(data);
    }
    return 0;
}

static int from_option(struct symtab *s, const struct trace_input *in, const char *path) {
    size_t len = 0;
    uint8_t *data = slurp(path, &len);
    if (!data) {
        snprintf(s->where, sizeof(s->where), "no symbols: cannot read %s: %s", path,
                 strerror(errno));
        return -1;
    }
    own(s, data, len);
    snprintf(s->where, sizeof(s->where), "symbols from %s%s", path, in && !matches(in, data, len)
             ? " (not the kernel this trace was recorded with: names may be wrong)" : "");
    return 0;
}

static void from_header(struct symtab *s, const struct trace_input *in, const char *trace_path,
                        const uint8_t *demo, size_t demo_len) {
    if (!in) {
        snprintf(s->where, sizeof(s->where), "no symbols: the trace names no kernel");
        return;
    }
    if (!strcmp(in->name, "(built-in demo guest)")) {
        if (demo && matches(in, demo, demo_len)) {
            s->kernel = demo;
            s->kernel_len = demo_len;
            snprintf(s->where, sizeof(s->where), "symbols from this lgsim's built-in demo guest");
        } else {
            snprintf(s->where, sizeof(s->where), "no symbols: this lgsim's built-in demo guest is "
                     "not the one that made this trace (give its ELF with --symbols=ELF)");
        }
        return;
    }
    if (!find_kernel_file(s, trace_path, in))
        snprintf(s->where, sizeof(s->where), "no symbols: %s (%" PRIu64 " bytes, fnv64 %016"
                 PRIx64 ") is not next to the trace or in the current directory (give it "
                 "with --symbols=ELF)", in->name, in->size, in->hash);
}

int symtab_for_trace(struct symtab *s, const struct trace_header *h, const char *trace_path,
                     const char *symbols, const uint8_t *demo, size_t demo_len) {
    symtab_init(s);
    const struct trace_input *in = kernel_input(h);
    int rc = 0;
    if (symbols) rc = from_option(s, in, symbols);
    else from_header(s, in, trace_path, demo, demo_len);
    if (s->kernel && symtab_set_kernel(s, s->kernel, s->kernel_len) && symbols) rc = -1;
    /* the header's options say "switcher=lgsim" for lgsim's own Switcher */
    if (strstr(h->options, "switcher=lgsim"))
        symtab_set_switcher(s, lgsim_switcher_obj, lgsim_switcher_obj_len, SWITCHER_ADDR);
    return rc;
}

/* --- looking up --- */

/* The ELF segment holding addr as linked; or, for code that runs before paging is on (a
 * kernel's entry runs at its physical address), as loaded.  *linked: addr as linked. */
static int kernel_segment(const struct symtab *s, uint32_t addr, struct elf_segment *seg,
                          uint32_t *linked) {
    if (!s->have_elf) return 0;
    for (int pass = 0; pass < 2; pass++) {
        for (int i = 0; elf_load_segment(&s->elf, i, seg) == 0; i++) {
            uint32_t base = pass ? seg->paddr : seg->vaddr;
            if (addr < base || addr - base >= seg->memsz) continue;
            *linked = addr - base + seg->vaddr;
            return 1;
        }
    }
    return 0;
}

static int in_switcher(const struct symtab *s, uint32_t addr) {
    return s->have_sw && addr >= s->sw.base && addr - s->sw.base < s->sw.text_size;
}

const char *symtab_lookup(const struct symtab *s, uint32_t addr, uint32_t *off) {
    if (in_switcher(s, addr)) return switcher_symbolize(&s->sw, addr, off);
    struct elf_segment seg;
    uint32_t linked;
    if (!kernel_segment(s, addr, &seg, &linked)) return NULL;
    return list_lookup(&s->ksyms, linked, off);
}

const char *symtab_lookup_host(const struct symtab *s, uint32_t addr, uint32_t *off) {
    if (in_switcher(s, addr)) return switcher_symbolize(&s->sw, addr, off);
    return s->have_host ? list_lookup(&s->hsyms, addr, off) : NULL;
}

const char *symtab_tag(const struct symtab *s, uint32_t addr, char *buf, size_t len) {
    uint32_t off = 0;
    const char *name = symtab_lookup(s, addr, &off);
    if (!name) snprintf(buf, len, "%s", "");
    else if (off) snprintf(buf, len, " <%s+%#x>", name, off);
    else snprintf(buf, len, " <%s>", name);
    return buf;
}

uint32_t symtab_code(const struct symtab *s, uint32_t addr, uint8_t *buf, uint32_t len) {
    if (s->have_sw && addr >= s->sw.base && addr < s->sw.base + SWITCHER_TEXT_MAX) {
        uint32_t room = s->sw.base + SWITCHER_TEXT_MAX - addr;
        uint32_t n = len < room ? len : room;
        memcpy(buf, s->sw.text + (addr - s->sw.base), n);
        return n;
    }
    struct elf_segment seg;
    uint32_t linked;
    if (!kernel_segment(s, addr, &seg, &linked) || linked - seg.vaddr >= seg.filesz) return 0;
    uint32_t room = seg.filesz - (linked - seg.vaddr);
    uint32_t n = len < room ? len : room;
    memcpy(buf, s->elf.data + seg.offset + (linked - seg.vaddr), n);
    return n;
}

uint32_t symtab_start(const struct symtab *s, uint32_t addr) {
    uint32_t off = 0;
    return symtab_lookup(s, addr, &off) ? addr - off : 0;
}

/* --- as the trace commands' namer --- */

static const char *namer_lookup(void *ctx, uint32_t addr, uint32_t *off) {
    return symtab_lookup(ctx, addr, off);
}

struct trace_namer symtab_namer(const struct symtab *s) {
    return (struct trace_namer){ namer_lookup, (void *)s };
}

struct demo_guest { const uint8_t *data; size_t len; };

static int source_open(const struct trace_names_source *src, const struct trace_header *h,
                       const char *trace_path, const char *symbols, struct trace_namer *out,
                       char *err, size_t errlen) {
    const struct demo_guest *demo = src->ctx;
    struct symtab *s = malloc(sizeof(*s));
    *out = (struct trace_namer){ NULL, NULL };
    if (!s) return 0;
    if (symtab_for_trace(s, h, trace_path, symbols, demo->data, demo->len)) {
        char why[200] = "";
        struct elf_exec e;
        if (!s->kernel) snprintf(err, errlen, "--symbols: %s", s->where + strlen("no symbols: "));
        else if (elf_open(&e, s->kernel, s->kernel_len, why, sizeof(why)))
            snprintf(err, errlen, "--symbols=%s: %s", symbols, why);
        symtab_free(s);
        free(s);
        return -1;
    }
    /* A kernel the header names but that is nowhere to be found: the names are missing, and
     * the user is told why (once, on stderr: what the command prints is unchanged). */
    if (!s->kernel && kernel_input(h)) fprintf(stderr, "lgsim trace: %s\n", s->where);
    *out = symtab_namer(s);
    return 0;
}

static void source_close(struct trace_namer *n) {
    if (n->ctx) {
        symtab_free(n->ctx);
        free(n->ctx);
    }
    *n = (struct trace_namer){ NULL, NULL };
}

struct trace_names_source symtab_trace_source(const uint8_t *demo, size_t demo_len) {
    static struct demo_guest d;
    d = (struct demo_guest){ demo, demo_len };
    return (struct trace_names_source){ source_open, source_close, &d };
}
