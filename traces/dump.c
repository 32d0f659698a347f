/* dump.c - "lgsim trace dump": every record (that the filters let through) on its own line. */
#include "traces/filter.h"
#include "traces/tool.h"
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

static void usage(FILE *f) {
    fprintf(f, "usage: lgsim trace dump [filters] [--header] FILE\n"
               "  --header          print the header line first\n%s", trace_filter_help);
}

int trace_dump(int argc, char **argv) {
    struct trace_filter flt;
    const char *path = NULL;
    int header = 0;
    trace_filter_init(&flt);
    for (int i = 1; i < argc; i++) {
        int t = trace_filter_arg(&flt, argv[i]);
        if (t < 0) return 2;
        if (t) continue;
        if (!strcmp(argv[i], "--help")) { usage(stdout); return 0; }
        if (!strcmp(argv[i], "--header")) header = 1;
        else if (argv[i][0] == '-' || path) { usage(stderr); return 2; }
        else path = argv[i];
    }
    if (!path) { usage(stderr); return 2; }
    struct trace_reader r;
    if (tool_open(&r, path)) return 2;
    struct trace_namer names;
    if (tool_names(&names, &r, path)) {
        trace_reader_close(&r);
        return 2;
    }
    static char line[4096];
    if (header) {
        trace_format_header(&r.h, line, sizeof(line));
        printf("%s\n", line);
    }
    struct trace_rec rec;
    int rc;
    while ((rc = trace_read(&r, &rec)) > 0) {
        if (!trace_filter_match(&flt, &rec)) continue;
        trace_format_named(&rec, &names, line, sizeof(line));
        printf("#%" PRIu64 " %s\n", rec.index, line);
    }
    rc = tool_read_end(&r, rc);
    tool_names_close(&names);
    trace_reader_close(&r);
    return rc ? 2 : 0;
}
