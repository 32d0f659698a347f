/* test_path.c - path_base(): a file name's last part by POSIX's rules and by Windows'. */
#include "sim/path.h"
#include "tests/check.h"

#define BASE_IS(path, windows, want) CHECK(strcmp(path_base_for(path, windows), want) == 0)

static void posix_splits_at_slashes_only(void) {
    BASE_IS("run.trc", 0, "run.trc");
    BASE_IS("dir/run.trc", 0, "run.trc");
    BASE_IS("/a/b/run.trc", 0, "run.trc");
    BASE_IS("dir/", 0, "");
    BASE_IS("a\\b.trc", 0, "a\\b.trc");      /* a backslash is part of a POSIX name */
    BASE_IS("C:run.trc", 0, "C:run.trc");
}

static void windows_splits_at_either_slash_and_a_drive(void) {
    BASE_IS("run.trc", 1, "run.trc");
    BASE_IS("C:\\traces\\run.trc", 1, "run.trc");
    BASE_IS("C:/traces\\sub/run.trc", 1, "run.trc");
    BASE_IS("..\\run.trc", 1, "run.trc");
    BASE_IS("\\\\server\\share\\run.trc", 1, "run.trc");
    BASE_IS("C:run.trc", 1, "run.trc");        /* drive C's current folder */
    BASE_IS("1:run.trc", 1, "1:run.trc");      /* no drive is named 1 */
    BASE_IS("dir\\a:b", 1, "a:b");             /* a colon further on is no drive */
}

/* The folder is what comes before the base, its separator included: the joins stay right. */
static void folder_keeps_its_separator(void) {
    const char *p = "C:\\traces\\run.trc";
    CHECK_EQ(path_base_for(p, 1) - p, 10);
    p = "C:run.trc";
    CHECK_EQ(path_base_for(p, 1) - p, 2);
    p = "/run.trc";
    CHECK_EQ(path_base_for(p, 0) - p, 1);
    p = "run.trc";
    CHECK_EQ(path_base(p) - p, 0);
}

/* path_base is the rule of the system it was built for. */
static void this_systems_rule(void) {
#ifdef _WIN32
    CHECK(strcmp(path_base("a\\b.trc"), "b.trc") == 0);
    CHECK(strcmp(path_base("C:run.trc"), "run.trc") == 0);
#else
    CHECK(strcmp(path_base("a\\b.trc"), "a\\b.trc") == 0);
#endif
    CHECK(strcmp(path_base("a/b.trc"), "b.trc") == 0);
}

int main(void) {
    RUN(posix_splits_at_slashes_only);
    RUN(windows_splits_at_either_slash_and_a_drive);
    RUN(folder_keeps_its_separator);
    RUN(this_systems_rule);
    return check_report("path");
}
