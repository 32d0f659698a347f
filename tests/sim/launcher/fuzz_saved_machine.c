/* fuzz_saved_machine.c - libFuzzer entry: any bytes through the saved-machine reader. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include "sim/launcher/launcher.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
void saved_fix_crcs(uint8_t *p, size_t n);   /* test_saved_file.c uses it too */

/*
 * A mutated byte almost never keeps the file's two crc32s right, so most inputs would stop at
 * the first check.  When the first byte is odd the rest is the file with its checksums put
 * right (where the lengths it states leave room for them), so the fuzzer reaches the fields
 * behind them: the payload's strings and counts, the inflate, the state's sections.
 */
void saved_fix_crcs(uint8_t *p, size_t n) {
    if (n < 16) return;
    uint32_t pay_len = le32(p + 12);
    if (pay_len > n - 16 || n - 16 - pay_len < 4) return;
    put_le32(p + 16 + pay_len, (uint32_t)crc32(0, p + 16, pay_len));
    size_t z_at = 16 + (size_t)pay_len + 4 + 12;
    if (z_at > n) return;
    put_le32(p + z_at - 4, (uint32_t)crc32(0, p + z_at, (uInt)(n - z_at)));
}

/* The reader must refuse whatever is not a whole saved machine, with a byte offset, and never
 * read outside the bytes it was given (sanitizers watch). */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    struct saved_machine m;
    char err[600];
    uint8_t *copy = NULL;
    if (size > 0 && (data[0] & 1)) {
        copy = malloc(size);
        if (!copy) return 0;
        memcpy(copy, data + 1, size - 1);
        saved_fix_crcs(copy, size - 1);
        data = copy;
        size--;
    }
    if (machine_file_parse(data, size, &m, err, sizeof(err)) == 0) machine_file_free(&m);
    free(copy);
    return 0;
}
