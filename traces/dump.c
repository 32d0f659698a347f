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

/* A round trip's end told in words: how the host handled its fault (the first pf record of
 * the round trip says) and how long it took. */
struct rt_seen { uint32_t rt, outcome; int have; };

static void note_fault(struct rt_seen *s, const struct trace_rec *r) {
    if (r->kind != TK_PF || !r->rt || (s->have && s->rt == r->rt)) return;
    *s = (struct rt_seen){ r->rt, r->f[PF_OUTCOME], 1 };
}

static void rt_end_words(const struct rt_seen *s, const struct trace_rec *r, char *buf,
                         size_t len) {
    static const char *how[] = { "fixed silently by the host", "reflected to the guest's "
                                 "handler", "a device access the launcher emulated",
                                 "the guest was killed" };
    const char *h = s->have && s->rt == r->rt && s->outcome < 4 ? how[s->outcome] : "no fault "
                    "decision recorded";
    snprintf(buf, len, " [%s; %u records, %u ns]", h, r->f[RE_STEPS], r->f[RE_DURATION_NS]);
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
    struct rt_seen seen = { 0, 0, 0 };
    int rc;
    while ((rc = trace_read(&r, &rec)) > 0) {
        note_fault(&seen, &rec);
        if (!trace_filter_match(&flt, &rec)) continue;
        trace_format_named(&rec, &names, line, sizeof(line));
        char words[160] = "";
        if (rec.kind == TK_RT_END) rt_end_words(&seen, &rec, words, sizeof(words));
        printf("#%" PRIu64 " %s%s\n", rec.index, line, words);
    }
    rc = tool_read_end(&r, rc);
    tool_names_close(&names);
    trace_reader_close(&r);
    return rc ? 2 : 0;
}
