/* tour.c - the reading tour: lgsim's @tour comments, in reading order, as one document. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * A stop of the tour is a C comment that starts
 *
 *     / * @tour CHAPTER NUMBER: TITLE
 *
 * (without the space between / and *), in a C, header or assembly file; the rest of the
 * comment is its text.  The chapters are lguest's own, in this order; within a chapter the
 * stops go by number, and within one file a chapter's numbers must rise, so that reading a
 * file from the top follows the tour too.  A number used twice, a number lower than the one
 * before it in the same file, or an unknown chapter is an error.
 *
 *     lgsim-tour --write TOUR.md --root DIR FILE...    write the document
 *     lgsim-tour --check TOUR.md --root DIR FILE...    exit 1 unless TOUR.md is what it would write
 *
 * FILEs are relative to DIR; the document names them so.  Exit 2 for bad input.
 */

static const char *const chapters[] = { "Preparation", "Guest", "Drivers", "Launcher", "Host",
                                        "Switcher", "Mastery" };
#define N_CHAPTERS (sizeof(chapters) / sizeof(chapters[0]))
#define MAX_STOPS 512

struct stop {
    int chapter;
    long number;
    const char *file;
    int line;
    char *title;
    char *text;
    int seq;   /* the order it was read in: equal stops keep it, whatever the C library's qsort */
};

static struct stop stops[MAX_STOPS];
static int n_stops, errors;

static void error(const char *file, int line, const char *what, const char *detail) {
    fprintf(stderr, "lgsim-tour: %s:%d: %s%s\n", file, line, what, detail ? detail : "");
    errors++;
}

static char *read_all(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap + 1);
    size_t got;
    while (buf && (got = fread(buf + n, 1, cap - n, f)) > 0) {
        n += got;
        if (n == cap) {
            char *bigger = realloc(buf, (cap *= 2) + 1);
            if (!bigger) free(buf);
            buf = bigger;
        }
    }
    fclose(f);
    if (buf) buf[n] = 0;
    *len = n;
    return buf;
}

static int chapter_index(const char *name, size_t len) {
    for (size_t i = 0; i < N_CHAPTERS; i++)
        if (strlen(chapters[i]) == len && !strncmp(chapters[i], name, len)) return (int)i;
    return -1;
}

/* One line of a comment's body without its margin: leading blanks, a '*', one blank. */
static const char *strip_margin(const char *s, const char *end) {
    while (s < end && (*s == ' ' || *s == '\t')) s++;
    if (s < end && *s == '*' && !(s + 1 < end && s[1] == '/')) {
        s++;
        if (s < end && *s == ' ') s++;
    }
    return s;
}

static void append(char **buf, size_t *len, const char *s, size_t n) {
    char *bigger = realloc(*buf, *len + n + 1);
    if (!bigger) exit(2);
    memcpy(bigger + *len, s, n);
    *len += n;
    bigger[*len] = 0;
    *buf = bigger;
}

/* The comment's text from p (just after the header line) up to its end, margins removed and
 * trailing blank lines dropped. */
static char *body(const char *p, const char *end) {
    char *text = NULL;
    size_t len = 0, keep = 0;
    append(&text, &len, "", 0);
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *stop = nl ? nl : end;
        const char *s = strip_margin(p, stop);
        append(&text, &len, s, (size_t)(stop - s));
        while (len && (text[len - 1] == ' ' || text[len - 1] == '\t')) text[--len] = 0;
        if (len && text[len - 1] != '\n') keep = len + 1;
        append(&text, &len, "\n", 1);
        p = stop + 1;
    }
    text[keep] = 0;
    return text;
}

/* The last stop of this file in each chapter, for the order check. */
static void parse_file(const char *root, const char *file) {
    char path[4096];
    size_t len;
    snprintf(path, sizeof(path), "%s/%s", root, file);
    char *src = read_all(path, &len);
    if (!src) {
        error(file, 0, "cannot read the file", NULL);
        return;
    }
    long last[N_CHAPTERS];
    int last_line[N_CHAPTERS];
    for (size_t i = 0; i < N_CHAPTERS; i++) last[i] = -1, last_line[i] = 0;
    for (char *p = strstr(src, "/* @tour "); p; p = strstr(p + 1, "/* @tour ")) {
        int line = 1;
        for (const char *q = src; q < p; q++) line += *q == '\n';
        char *end = strstr(p, "*/");
        if (!end) {
            error(file, line, "a @tour comment that never ends", NULL);
            break;
        }
        char *h = p + 9, *name = h;
        while (h < end && *h != ' ') h++;
        int ch = chapter_index(name, (size_t)(h - name));
        char *num_end;
        long number = strtol(h, &num_end, 10);
        if (ch < 0) {
            error(file, line, "no such chapter (Preparation, Guest, Drivers, Launcher, Host, "
                  "Switcher, Mastery)", NULL);
            continue;
        }
        if (num_end == h || number <= 0 || *num_end != ':') {
            error(file, line, "a stop is \"@tour CHAPTER NUMBER: TITLE\"", NULL);
            continue;
        }
        if (number <= last[ch]) {
            char what[160];
            snprintf(what, sizeof(what), " comes after %s %ld (line %d) in this file",
                     chapters[ch], last[ch], last_line[ch]);
            error(file, line, "out of order: the stop", what);
        }
        last[ch] = number;
        last_line[ch] = line;
        char *title = num_end + 1, *eol = memchr(title, '\n', (size_t)(end - title));
        char *title_end = eol ? eol : end;
        while (*title == ' ') title++;
        while (title_end > title && (title_end[-1] == ' ' || title_end[-1] == '\t'))
            title_end--;
        if (n_stops == MAX_STOPS) {
            error(file, line, "too many stops", NULL);
            break;
        }
        struct stop *s = &stops[n_stops];
        *s = (struct stop){ .chapter = ch, .number = number, .file = file, .line = line,
                            .seq = n_stops++ };
        s->title = malloc((size_t)(title_end - title) + 1);
        memcpy(s->title, title, (size_t)(title_end - title));
        s->title[title_end - title] = 0;
        s->text = eol ? body(eol + 1, end) : body(end, end);
    }
    free(src);
}

static int by_place(const void *a, const void *b) {
    const struct stop *x = a, *y = b;
    if (x->chapter != y->chapter) return x->chapter - y->chapter;
    if (x->number != y->number) return x->number < y->number ? -1 : 1;
    return x->seq - y->seq;   /* qsort is not stable (msvcrt's puts equals either way) */
}

static void check_duplicates(void) {
    for (int i = 1; i < n_stops; i++)
        if (stops[i].chapter == stops[i - 1].chapter && stops[i].number == stops[i - 1].number) {
            char what[300];
            snprintf(what, sizeof(what), "%s %ld is also at %s:%d", chapters[stops[i].chapter],
                     stops[i].number, stops[i - 1].file, stops[i - 1].line);
            error(stops[i].file, stops[i].line, "duplicate stop: ", what);
        }
}

static char *document(void) {
    char *doc = NULL;
    size_t len = 0;
    static const char head[] =
        "# The lgsim tour\n\n"
        "Read this first.  It follows lguest as the Linux 4.4 lguest code is taught, chapter\n"
        "by chapter - Preparation, Guest, Drivers, Launcher, Host, Switcher, Mastery - and\n"
        "inside the chapters it follows one page fault of the teaching guest, with the\n"
        "hypercall its handler makes, in the order they happen: from the user instruction\n"
        "that faults to its retry.  Each stop names the file to open next to it.\n\n"
        "This file is generated: the stops are the `@tour` comments in the code, extracted by\n"
        "`scripts/tour.c`.  Edit the comments, then run `cmake --build build --target tour`; the\n"
        "test `tour_is_current` fails when this file and the comments disagree.\n";
    append(&doc, &len, head, sizeof(head) - 1);
    int chapter = -1;
    for (int i = 0; i < n_stops; i++) {
        const struct stop *s = &stops[i];
        char line[1200];
        if (s->chapter != chapter) {
            chapter = s->chapter;
            snprintf(line, sizeof(line), "\n## %s\n", chapters[chapter]);
            append(&doc, &len, line, strlen(line));
        }
        snprintf(line, sizeof(line), "\n### %s %ld: %s\n\n`%s`\n", chapters[chapter], s->number,
                 s->title, s->file);
        append(&doc, &len, line, strlen(line));
        if (s->text[0]) {
            append(&doc, &len, "\n", 1);
            append(&doc, &len, s->text, strlen(s->text));
        }
    }
    return doc;
}

/* Where the committed document and the extracted one first part. */
static void report_difference(const char *path, const char *have, const char *want) {
    int line = 1;
    while (*have && *have == *want) line += *have == '\n', have++, want++;
    fprintf(stderr, "lgsim-tour: %s is not what the @tour comments say (first difference at "
            "line %d); run: cmake --build build --target tour\n", path, line);
}

int main(int argc, char **argv) {
    if (argc < 5 || (strcmp(argv[1], "--write") && strcmp(argv[1], "--check")) ||
        strcmp(argv[3], "--root")) {
        fprintf(stderr, "usage: lgsim-tour --write|--check TOUR.md --root DIR FILE...\n");
        return 2;
    }
    for (int i = 5; i < argc; i++) parse_file(argv[4], argv[i]);
    qsort(stops, (size_t)n_stops, sizeof(stops[0]), by_place);
    check_duplicates();
    if (errors) return 2;
    char *doc = document();
    if (!strcmp(argv[1], "--write")) {
        FILE *f = fopen(argv[2], "wb");
        int bad = !f || fwrite(doc, 1, strlen(doc), f) != strlen(doc) || fclose(f);
        if (bad) fprintf(stderr, "lgsim-tour: cannot write %s\n", argv[2]);
        free(doc);
        return bad ? 2 : 0;
    }
    size_t len;
    char *have = read_all(argv[2], &len);
    if (!have) {
        fprintf(stderr, "lgsim-tour: cannot read %s\n", argv[2]);
        return 2;
    }
    int differs = strcmp(have, doc) != 0;
    if (differs) report_difference(argv[2], have, doc);
    else printf("lgsim-tour: %s has the %d stops of the tour, in order\n", argv[2], n_stops);
    free(have);
    free(doc);
    return differs;
}
