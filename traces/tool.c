/* tool.c - "lgsim trace CMD ...": which command, and what they share. */
#include "traces/tool.h"
#include <stdio.h>
#include <string.h>

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
    fprintf(f, "\n'lgsim trace COMMAND --help' tells more.  Record a trace with "
               "'lgsim --trace=FILE ...'.\n");
}

int trace_tool(int argc, char **argv) {
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
