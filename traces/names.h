/* names.h - code addresses named "<function+offset>" as traces are shown.  traces/ reads no
 * ELF itself: whoever runs the commands hands it a namer (lgsim's is sim/symbols.h). */
#ifndef LGSIM_TRACE_NAMES_H
#define LGSIM_TRACE_NAMES_H
#include <stddef.h>
#include <stdint.h>

struct trace_rec;
struct trace_header;

/* The symbol holding a guest address and the offset into it, or NULL. */
struct trace_namer {
    const char *(*name)(void *ctx, uint32_t addr, uint32_t *off);
    void *ctx;
};

/* Where a trace command gets a namer for the trace it opened. */
struct trace_names_source {
    /* symbols: --symbols=ELF, or NULL for the kernel the header names.  0, or -1 with why in
     * err when the file given cannot be read (a kernel that is merely not found gives 0 and
     * a namer that names nothing). */
    int (*open)(const struct trace_names_source *src, const struct trace_header *h,
                const char *trace_path, const char *symbols, struct trace_namer *out,
                char *err, size_t errlen);
    void (*close)(struct trace_namer *n);
    const void *ctx;
};

/* Does this field of this kind hold a code address (eip, handler)? */
int trace_field_is_code(unsigned kind, unsigned field);
/* " <name+0x10>" (leading space), or "" when n is NULL or names nothing there. */
const char *trace_name_tag(const struct trace_namer *n, uint32_t addr, char *buf, size_t len);
/* trace_format(), with every code address followed by its name: "eip=0xc0101234 <f+0x4>". */
int trace_format_named(const struct trace_rec *r, const struct trace_namer *n, char *buf,
                       size_t len);
#endif
