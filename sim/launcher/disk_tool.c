/* disk_tool.c - lgsim disk: commit a copy-on-write overlay into its base, or describe it. */
#include "sim/launcher/launcher.h"
#include "virtio/cow.h"
#include <inttypes.h>
#include <string.h>

static const char usage[] =
"usage: lgsim disk commit OVERLAY BASE   write the overlay's blocks into BASE, then empty it\n"
"       lgsim disk info OVERLAY          what the overlay holds\n"
"An overlay is made by --block=BASE,overlay=OVERLAY; BASE must be the file it was made on,\n"
"unchanged since (its size and hash are in the overlay's header).\n";

int disk_tool(int argc, char **argv) {
    char err[400] = "", out[400];
    if (argc == 2 && (!strcmp(argv[1], "help") || !strcmp(argv[1], "--help"))) {
        fputs(usage, stdout);
        return 0;
    }
    if (argc == 4 && !strcmp(argv[1], "commit")) {
        int64_t n = cow_commit(argv[2], argv[3], err, sizeof(err));
        if (n < 0) {
            fprintf(stderr, "lgsim: disk commit: %s\n", err);
            return 2;
        }
        printf("committed %" PRId64 " blocks of %u bytes from %s into %s; the overlay is empty\n",
               n, COW_BLOCK, argv[2], argv[3]);
        return 0;
    }
    if (argc == 3 && !strcmp(argv[1], "info")) {
        if (cow_info(argv[2], out, sizeof(out), err, sizeof(err))) {
            fprintf(stderr, "lgsim: disk info: %s\n", err);
            return 2;
        }
        fputs(out, stdout);
        return 0;
    }
    fputs(usage, stderr);
    return 2;
}
