/* test_saved_file.c - the saved-machine reader on a real saved file, cut and damaged everywhere. */
#include "tests/check.h"
#include "sim/launcher/launcher.h"
#include <stdlib.h>

void saved_fix_crcs(uint8_t *p, size_t n);   /* fuzz_saved_machine.c */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint8_t *file;
static size_t len;

static void load(const char *path) {
    FILE *f = fopen(path, "rb");
    CHECK(f != NULL);
    if (!f) exit(1);
    fseek(f, 0, SEEK_END);
    len = (size_t)ftell(f);
    fseek(f, 0, SEEK_SET);
    file = malloc(len);
    CHECK_EQ(fread(file, 1, len, f), len);
    fclose(f);
}

/* Refused, with a byte offset in the reason, and nothing left allocated. */
static int refused(const uint8_t *p, size_t n) {
    struct saved_machine m;
    char err[600] = "";
    if (machine_file_parse(p, n, &m, err, sizeof(err)) == 0) {
        machine_file_free(&m);
        return 0;
    }
    CHECK_STR_CONTAINS(err, " at byte ");
    CHECK(m.state == NULL && m.argv == NULL);
    return 1;
}

static void whole_file_reads(void) {
    struct saved_machine m;
    char err[600] = "";
    CHECK_EQ(machine_file_parse(file, len, &m, err, sizeof(err)), 0);
    CHECK_STR_CONTAINS(m.lgsim_version, ".");
    CHECK_STR_CONTAINS(m.engine, "unicorn 2.");
    CHECK_STR_CONTAINS(m.inputs.options, "mem=64M");
    CHECK_EQ(m.inputs.n_inputs, 1);
    CHECK(m.t >= 45000000 && m.t < 50000000);   /* the first turn from 45 ms on */
    CHECK(m.state_len > 64u << 20);          /* guest RAM is in it, uncompressed */
    machine_file_free(&m);
}

static void every_cut_refused(void) {
    int n = 0, all = 0;
    for (size_t cut = 0; cut < len; cut += cut < 600 ? 1 : len / 331 + 1, all++)
        n += refused(file, cut);
    CHECK_EQ(n, all);
}

/* One byte changed anywhere in the header, and all through the compressed state. */
static void every_flip_refused(void) {
    uint8_t *copy = malloc(len);
    int n = 0, all = 0;
    for (size_t at = 0; at < len; at += at < 600 ? 1 : len / 499 + 1, all++) {
        memcpy(copy, file, len);
        copy[at] ^= 0x5A;
        n += refused(copy, len);
    }
    CHECK_EQ(n, all);
    free(copy);
}

/* The same flips with the checksums put right after them, as the fuzz target does: what is
 * behind the checksums (the header's fields, the zlib stream) is checked on its own; a flip
 * there is read as a file that says something else, or refused with the byte.  The fuzz
 * entry itself goes through each, both ways. */
static void every_flip_behind_the_checksums(void) {
    uint8_t *copy = malloc(len + 1);
    int read = 0, refusals = 0;
    size_t z_at = 16 + (size_t)le32(file + 12) + 16;
    /* each one reads the whole state (tens of MiB): some places in every field, a few in
     * the zlib stream */
    for (size_t at = 8; at < len; at += at < z_at ? z_at / 24 + 1 : (len - z_at) / 6 + 1) {
        memcpy(copy + 1, file, len);
        copy[1 + at] ^= 0x5A;
        copy[0] = 0;
        LLVMFuzzerTestOneInput(copy, len + 1);   /* read as it is: no LGSIMSAV at byte 0 */
        saved_fix_crcs(copy + 1, len);
        struct saved_machine m;
        char err[600] = "";
        if (machine_file_parse(copy + 1, len, &m, err, sizeof(err)) == 0) {
            machine_file_free(&m);
            read++;
        } else {
            CHECK_STR_CONTAINS(err, " at byte ");
            CHECK(m.state == NULL && m.argv == NULL);
            refusals++;
        }
    }
    copy[0] = 1;   /* the fuzz entry's own way: the checksums put right */
    memcpy(copy + 1, file, len);
    copy[1 + z_at + 100] ^= 0x5A;
    LLVMFuzzerTestOneInput(copy, len + 1);
    CHECK(refusals > 0);   /* the lengths, the zlib stream */
    CHECK(read > 0);       /* a letter of the version or the options: a file that says so */
    free(copy);
}

static void messages_name_the_byte(void) {
    char err[600];
    struct saved_machine m;
    CHECK_EQ(machine_file_parse((const uint8_t *)"LGSIMTRC", 8, &m, err, sizeof(err)), -1);
    CHECK_STR_CONTAINS(err, "not a saved lgsim machine (no LGSIMSAV) at byte 0");
    uint8_t *copy = malloc(len + 5);
    memcpy(copy, file, len);
    copy[8] = 9;
    CHECK_EQ(machine_file_parse(copy, len, &m, err, sizeof(err)), -1);
    CHECK_STR_CONTAINS(err, "a saved machine of another version at byte 8");
    memcpy(copy, file, len);
    CHECK_EQ(machine_file_parse(copy, len - 1, &m, err, sizeof(err)), -1);
    char want[64];
    snprintf(want, sizeof(want), "cut short at byte %zu", len - 1);
    CHECK_STR_CONTAINS(err, want);
    memcpy(copy + len, "junk!", 5);
    CHECK_EQ(machine_file_parse(copy, len + 5, &m, err, sizeof(err)), -1);
    snprintf(want, sizeof(want), "longer than its header says at byte %zu", len);
    CHECK_STR_CONTAINS(err, want);
    free(copy);
}

/* Bytes that are nothing at all (a fixed-seed stream), of many lengths. */
static void noise_refused(void) {
    uint64_t x = 0x9E3779B97F4A7C15ull;
    uint8_t buf[2048] = { 0 };   /* (gcc with -fsanitize sees l = 0 as reading it unset) */
    int n = 0;
    for (int i = 0; i < 2000; i++) {
        size_t l = (size_t)(i % 2048);
        for (size_t j = 0; j < l; j++) {
            x ^= x << 13; x ^= x >> 7; x ^= x << 17;
            buf[j] = (uint8_t)x;
        }
        if (i % 3 == 0 && l >= 8) memcpy(buf, "LGSIMSAV", 8);   /* get past the magic */
        n += refused(buf, l);
    }
    CHECK_EQ(n, 2000);
}

int main(int argc, char **argv) {
    if (argc < 2) return 2;
    load(argv[1]);
    RUN(whole_file_reads);
    RUN(every_cut_refused);
    RUN(every_flip_refused);
    RUN(every_flip_behind_the_checksums);
    RUN(messages_name_the_byte);
    RUN(noise_refused);
    free(file);
    return check_report("saved machine reader");
}
