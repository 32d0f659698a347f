/* test_record_console.c - console records through the recorder, built with UBSan that aborts:
 * a text-only record (console output, console input) has no fields, and the recorder must not
 * hand memcpy a null source for them (issue 11, defect 8). */
#include "tests/check.h"
#include "traces/reader.h"
#include "traces/record.h"

#include <stdlib.h>
#include <string.h>

#define FILE_NAME "record_console.trc"

static void record_console_and_input(void) {
    struct trace_writer w;
    struct trace_header h;
    memset(&h, 0, sizeof(h));
    char err[256];
    CHECK_EQ(trace_writer_open(&w, FILE_NAME, &h, err, sizeof(err)), 0);
    struct recorder r;
    memset(&r, 0, sizeof(r));
    r.w = &w;
    for (const char *p = "hello\n"; *p; p++) rec_console(&r, 100, (uint8_t)*p);
    rec_bytes(&r, 200, TK_CONSOLE_IN, "ls\n", 3);
    rec_console(&r, 300, 'x');           /* no line end: rec_finish writes it */
    rec_finish(&r, 400);
    CHECK_EQ(trace_writer_close(&w, err, sizeof(err)), 0);

    struct trace_reader rd;
    CHECK_EQ(trace_reader_open(&rd, FILE_NAME, err, sizeof(err)), 0);
    static struct trace_rec rec[4];
    int n = 0;
    while (n < 4 && trace_read(&rd, &rec[n]) == 1) n++;
    trace_reader_close(&rd);
    CHECK_EQ(n, 3);
    CHECK_EQ(rec[0].kind, TK_CONSOLE);
    CHECK_EQ(rec[0].t, 100);
    CHECK_EQ(rec[0].nfields, 0);
    CHECK(rec[0].text_len == 6 && !memcmp(rec[0].text, "hello\n", 6));
    CHECK_EQ(rec[1].kind, TK_CONSOLE_IN);
    CHECK(rec[1].text_len == 3 && !memcmp(rec[1].text, "ls\n", 3));
    CHECK_EQ(rec[2].kind, TK_CONSOLE);
    CHECK_EQ(rec[2].t, 300);
    CHECK(rec[2].text_len == 1 && rec[2].text[0] == 'x');
}

int main(void) {
    RUN(record_console_and_input);
    return check_report("trace_record_console");
}
