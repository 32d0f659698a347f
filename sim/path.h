/* path.h - a file name's last part, wherever the system's separators put it. */
#ifndef LGSIM_SIM_PATH_H
#define LGSIM_SIM_PATH_H

/* The file name after the path's folder: past the last '/', and on Windows also past the
 * last '\\' or a drive's ':' ("C:run.trc" is run.trc in drive C's current folder).  The
 * folder is then [path, path_base(path)), its separator included: a name joined to it as
 * "%.*s%s" is beside the file, as the system would find it. */
const char *path_base(const char *path);

/* path_base with Windows' rules or POSIX's, whichever this system is not (for the tests). */
const char *path_base_for(const char *path, int windows);
#endif
