/* trace_variant.c - test helper: a copy of a trace with one known change, for diff's tests. */
#include "traces/reader.h"
#include "traces/writer.h"
#include <stdlib.h>
#include <string.h>

/*
 *   rechunk        the same records in small chunks at another zlib level (other bytes)
 *   extra=N        a console record "extra line" inserted before record N
 *   drop=N         record N left out
 *   field=N        record N's first field plus one
 *   head=N         only the first N records (a run that stopped early)
 *   cut=BYTES      only the first BYTES bytes of the file (a trace cut short)
 *   flip=BYTES     the byte at offset BYTES inverted (a corrupt trace)
 */
struct variant { const char *mode; unsigned long n; };

static int copy_bytes(const char *in, const char *out, const struct variant *v) {
    FILE *f = fopen(in, "rb"), *g = fopen(out, "wb");
    if (!f || !g) return perror("trace_variant"), 2;
    int c;
    for (unsigned long at = 0; (c = fgetc(f)) != EOF; at++) {
        if (!strcmp(v->mode, "cut") && at == v->n) break;
        if (!strcmp(v->mode, "flip") && at == v->n) c ^= 0xFF;
        fputc(c, g);
    }
    fclose(f);
    return fclose(g) ? 2 : 0;
}

static void write_changed(struct trace_writer *w, struct trace_rec *r, const struct variant *v) {
    int here = r->index == v->n;
    if (here && !strcmp(v->mode, "drop")) return;
    if (r->index >= v->n && !strcmp(v->mode, "head")) return;
    if (here && !strcmp(v->mode, "extra")) {
        struct trace_rec x = { .t = r->t, .kind = TK_CONSOLE };
        x.text_len = (uint32_t)snprintf(x.text, sizeof(x.text), "extra line\n");
        trace_write(w, &x);
    }
    if (here && !strcmp(v->mode, "field")) r->f[0]++;
    trace_write(w, r);
    if (!strcmp(v->mode, "rechunk") && r->index % 1000 == 999) trace_writer_flush(w);
}

static int copy_records(const char *in, const char *out, const struct variant *v) {
    struct trace_reader r;
    struct trace_writer w;
    struct trace_rec rec;
    char err[700];
    if (trace_reader_open(&r, in, err, sizeof(err)) ||
        trace_writer_open(&w, out, &r.h, err, sizeof(err)))
        return fprintf(stderr, "trace_variant: %s\n", err), 2;
    if (!strcmp(v->mode, "rechunk")) w.level = 1;
    int rc;
    while ((rc = trace_read(&r, &rec)) > 0) write_changed(&w, &rec, v);
    if (rc < 0) fprintf(stderr, "trace_variant: %s\n", r.err);
    trace_reader_close(&r);
    if (trace_writer_close(&w, err, sizeof(err)))
        return fprintf(stderr, "trace_variant: %s\n", err), 2;
    return rc < 0 ? 2 : 0;
}

int main(int argc, char **argv) {
    if (argc != 4) {
        fprintf(stderr, "usage: trace_variant MODE[=N] IN OUT\n");
        return 2;
    }
    char mode[16];
    struct variant v = { mode, 0 };
    const char *eq = strchr(argv[1], '=');
    snprintf(mode, sizeof(mode), "%.*s", eq ? (int)(eq - argv[1]) : 15, argv[1]);
    if (eq) v.n = strtoul(eq + 1, NULL, 0);
    if (!strcmp(mode, "cut") || !strcmp(mode, "flip")) return copy_bytes(argv[2], argv[3], &v);
    return copy_records(argv[2], argv[3], &v);
}
