/* fuzz_saved_machine.c - libFuzzer entry: any bytes through the saved-machine reader. */
#include <stddef.h>
#include <stdint.h>
#include "sim/launcher/launcher.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The reader must refuse whatever is not a whole saved machine, with a byte offset, and never
 * read outside the bytes it was given (sanitizers watch). */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    struct saved_machine m;
    char err[600];
    if (machine_file_parse(data, size, &m, err, sizeof(err)) == 0) machine_file_free(&m);
    return 0;
}
