/* same_file.h: a test's check that two files hold the same bytes (a straight run's trace and
 * one that went back), read with the Launcher's own reader. */
#ifndef LGSIM_TESTS_SAME_FILE_H
#define LGSIM_TESTS_SAME_FILE_H
#include "tests/check.h"
#include "sim/launcher/launcher.h"
#include <stdlib.h>
#include <string.h>

static void check_same_file(const char *a_path, const char *b_path) {
    size_t a = 0, b = 0;
    uint8_t *x = launcher_read_file(a_path, &a, NULL, 0), *y = launcher_read_file(b_path, &b, NULL, 0);
    CHECK(x && y);
    CHECK_EQ(a, b);
    CHECK(x && y && a == b && !memcmp(x, y, a));
    free(x);
    free(y);
}
#endif
