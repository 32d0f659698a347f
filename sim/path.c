/* path.c - path_base(): a file name's last part, by POSIX's rules or Windows'. */
#include "sim/path.h"

static int is_letter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

const char *path_base_for(const char *path, int windows) {
    const char *base = path;
    for (const char *p = path; *p; p++) {
        int sep = *p == '/' || (windows && (*p == '\\' || (*p == ':' && p == path + 1 &&
                                                         is_letter(path[0]))));
        if (sep) base = p + 1;
    }
    return base;
}

const char *path_base(const char *path) {
#ifdef _WIN32
    return path_base_for(path, 1);
#else
    return path_base_for(path, 0);
#endif
}
