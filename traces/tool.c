/* tool.c - "lgsim trace CMD ...": which command, and what they share. */
#include "traces/tool.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Where the commands get names for code addresses, and --symbols=ELF if it was given. */
static const struct trace_names_source *names_source;
static const char *symbols_path;

static const struct { const char *name; int (*run)(int, char **); const char *what; } cmds[] = {
    { "dump", trace_dump, "one line per record, with filters" },
    { "stats", trace_stats, "counts per kind, hypercall and vector; round-trip figures" },
    { "diff", trace_diff, "the first divergence between two traces (exit 0 same, 1 not)" },
    { "explain", trace_explain, "narrate a page-fault round trip step by step" },
    { "export", trace_export, "Chrome trace-event JSON for Perfetto / chrome://tracing" },
};

static void help(FILE *f) {
    fprintf(f, "usage: lgsim trace COMMAND [options] FILE...\n\ncommands:\n");
    for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
        fprintf(f, "  %-8s %s\n", cmds[i].name, cmds[i].what);
    fprintf(f, "\nEvery command names code addresses <function+offset> from the kernel the "
               "trace's header\nnames (the built-in demo guest, or that file next to the trace "
               "or here); give\nanother with --symbols=ELF, or none with --no-symbols.\n");
    fprintf(f, "\n'lgsim trace COMMAND --help' tells more.  Record a trace with "
               "'lgsim --trace=FILE ...'.\n");
}

/* --symbols=ELF and --no-symbols, wherever they stand, are for every command: taken out of
 * argv before the command reads its own options. */
static int take_symbols_options(int argc, char **argv) {
    int n = 0;
    for (int i = 0; i < argc; i++) {
        if (!strncmp(argv[i], "--symbols=", 10)) {
            if (!argv[i][10]) {
                fprintf(stderr, "lgsim trace: --symbols= needs a file name\n");
                return -1;
            }
            symbols_path = argv[i] + 10;
        } else if (!strcmp(argv[i], "--no-symbols")) {
            names_source = NULL;
        } else {
            argv[n++] = argv[i];
        }
    }
    argv[n] = NULL;
    return n;
}

int trace_tool(int argc, char **argv, const struct trace_names_source *names) {
    names_source = names;
    symbols_path = NULL;
    if ((argc = take_symbols_options(argc, argv)) < 0) return 2;
    if (argc < 2 || !strcmp(argv[1], "help") || !strcmp(argv[1], "--help") ||
        !strcmp(argv[1], "-h")) {
        help(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
        if (!strcmp(argv[1], cmds[i].name)) return cmds[i].run(argc - 1, argv + 1);
    fprintf(stderr, "lgsim trace: unknown command '%s' (see lgsim trace help)\n", argv[1]);
    return 2;
}

int tool_open(struct trace_reader *r, const char *path) {
    char err[512];
    if (trace_reader_open(r, path, err, sizeof(err))) {
        fprintf(stderr, "lgsim trace: %s\n", err);
        return -1;
    }
    return 0;
}

int tool_read_end(struct trace_reader *r, int rc) {
    if (rc >= 0) return 0;
    fprintf(stderr, "lgsim trace: %s\n", r->err);
    return -1;
}

int tool_names(struct trace_namer *n, const struct trace_reader *r, const char *path) {
    char err[1600];
    *n = (struct trace_namer){ NULL, NULL };
    if (!names_source) return 0;
    if (names_source->open(names_source, &r->h, path, symbols_path, n, err, sizeof(err))) {
        fprintf(stderr, "lgsim trace: %s\n", err);
        return -1;
    }
    return 0;
}

void tool_names_close(struct trace_namer *n) {
    if (names_source && n->ctx) names_source->close(n);
    *n = (struct trace_namer){ NULL, NULL };
}
