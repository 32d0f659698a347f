/* symbols.c - finding the kernel a trace names, and reading names and code out of it. */
#include "ui/symbols.h"
#include "sim/host/layout.h"
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

static const struct trace_input *kernel_input(const struct run *run) {
    for (unsigned i = 0; i < run->h.n_inputs; i++)
        if (!strcmp(run->h.inputs[i].role, "kernel")) return &run->h.inputs[i];
    return NULL;
}

static int matches(const struct trace_input *in, const uint8_t *data, size_t len) {
    return in && in->size == len && in->hash == trace_hash(data, len);
}

/* The kernel file beside the trace, then in the current directory; it must be the one. */
static int find_kernel_file(struct ui_symbols *s, const struct run *run,
                            const struct trace_input *in) {
    char path[1200];
    const char *slash = strrchr(run->path, '/');
    for (int pass = 0; pass < 2; pass++) {
        if (pass == 0 && !slash) continue;
        if (pass == 0) snprintf(path, sizeof(path), "%.*s/%s", (int)(slash - run->path),
                                run->path, in->name);
        else snprintf(path, sizeof(path), "%s", in->name);
        size_t len = 0;
        uint8_t *data = slurp(path, &len);
        if (!data) continue;
        if (matches(in, data, len)) {
            s->kernel = data;
            s->kernel_len = len;
            s->own_kernel = 1;
            snprintf(s->where, sizeof(s->where), "symbols from %s", path);
            return 1;
        }
        free(data);
    }
    return 0;
}

static void open_elf(struct ui_symbols *s) {
    char err[200];
    if (elf_open(&s->elf, s->kernel, s->kernel_len, err, sizeof(err))) {
        size_t n = strlen(s->where);
        snprintf(s->where + n, sizeof(s->where) - n, "; but it is %s: no names (give the "
                 "vmlinux with --symbols=ELF)", err);
        return;
    }
    s->have_elf = 1;
}

static void from_option(struct ui_symbols *s, const struct trace_input *in, const char *path) {
    size_t len = 0;
    uint8_t *data = slurp(path, &len);
    if (!data) {
        snprintf(s->where, sizeof(s->where), "no symbols: cannot read %s: %s", path,
                 strerror(errno));
        return;
    }
    s->kernel = data;
    s->kernel_len = len;
    s->own_kernel = 1;
    snprintf(s->where, sizeof(s->where), "symbols from %s%s", path, in && !matches(in, data, len)
             ? " (not the kernel this trace was recorded with: names may be wrong)" : "");
}

static void from_header(struct ui_symbols *s, const struct run *run, const struct trace_input *in,
                        const struct ui_builtin *b) {
    if (!in) {
        snprintf(s->where, sizeof(s->where), "no symbols: the trace names no kernel");
        return;
    }
    if (!strcmp(in->name, "(built-in demo guest)")) {
        if (b && b->demo_guest && matches(in, b->demo_guest, b->demo_guest_len)) {
            s->kernel = (uint8_t *)b->demo_guest;
            s->kernel_len = b->demo_guest_len;
            snprintf(s->where, sizeof(s->where), "symbols from this lgsim's built-in demo guest");
        } else {
            snprintf(s->where, sizeof(s->where), "no symbols: this lgsim's built-in demo guest is "
                     "not the one that made this trace (give its ELF with --symbols=ELF)");
        }
        return;
    }
    if (!find_kernel_file(s, run, in))
        snprintf(s->where, sizeof(s->where), "no symbols: %s (%" PRIu64 " bytes, fnv64 %016"
                 PRIx64 ") is not next to the trace or in the current directory (give it "
                 "with --symbols=ELF)", in->name, in->size, in->hash);
}

/* The header's options say "switcher=lgsim" for lgsim's own Switcher. */
static void load_switcher(struct ui_symbols *s, const struct run *run) {
    char err[200];
    if (!strstr(run->h.options, "switcher=lgsim")) return;
    s->have_sw = !switcher_load(lgsim_switcher_obj, lgsim_switcher_obj_len, SWITCHER_ADDR, &s->sw,
                                err, sizeof(err));
}

void symbols_for_run(struct ui_symbols *s, const struct run *run, const char *path,
                     const struct ui_builtin *b) {
    memset(s, 0, sizeof(*s));
    const struct trace_input *in = kernel_input(run);
    if (path) from_option(s, in, path);
    else from_header(s, run, in, b);
    if (s->kernel) open_elf(s);
    load_switcher(s, run);
}

void symbols_free(struct ui_symbols *s) {
    if (s->own_kernel) free(s->kernel);
    s->kernel = NULL;
}

/* The ELF segment holding addr as linked; or, for code that runs before paging is on (a
 * kernel's entry runs at its physical address), as loaded.  *linked: addr as linked. */
static int kernel_segment(const struct ui_symbols *s, uint32_t addr, struct elf_segment *seg,
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

const char *symbols_lookup(const struct ui_symbols *s, uint32_t addr, uint32_t *off) {
    if (s->have_sw && addr >= s->sw.base && addr < s->sw.base + s->sw.text_size)
        return switcher_symbolize(&s->sw, addr, off);
    struct elf_segment seg;
    uint32_t linked;
    if (!kernel_segment(s, addr, &seg, &linked)) return NULL;
    return elf_symbolize(&s->elf, linked, off);
}

const char *symbols_tag(const struct ui_symbols *s, uint32_t addr, char *buf, size_t len) {
    uint32_t off = 0;
    const char *name = symbols_lookup(s, addr, &off);
    if (!name) snprintf(buf, len, "%s", "");
    else if (off) snprintf(buf, len, " <%s+%#x>", name, off);
    else snprintf(buf, len, " <%s>", name);
    return buf;
}

uint32_t symbols_code(const struct ui_symbols *s, uint32_t addr, uint8_t *buf, uint32_t len) {
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

uint32_t symbols_start(const struct ui_symbols *s, uint32_t addr) {
    uint32_t off = 0;
    return symbols_lookup(s, addr, &off) ? addr - off : 0;
}
