/* disk_posix.c - disk.h on POSIX: pread/pwrite write through to the OS, then a sync for flush. */
#define _POSIX_C_SOURCE 200809L
#if defined(__APPLE__)
#define _DARWIN_C_SOURCE   /* F_FULLFSYNC */
#endif
#include "virtio/disk.h"
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct disk { int fd; };

static struct disk *wrap(int fd, char *err, size_t errlen) {
    struct disk *d = malloc(sizeof(*d));
    if (!d) {
        close(fd);
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    d->fd = fd;
    return d;
}

struct disk *disk_open(const char *path, int *readonly, uint64_t *size, char *err, size_t errlen) {
    int fd = *readonly ? -1 : open(path, O_RDWR);
    if (*readonly || (fd < 0 && (errno == EACCES || errno == EROFS || errno == EPERM))) {
        fd = open(path, O_RDONLY);
        *readonly = 1;
    }
    struct stat st;
    if (fd < 0 || fstat(fd, &st) < 0) {
        snprintf(err, errlen, "cannot open %s: %s", path, strerror(errno));
        if (fd >= 0) close(fd);
        return NULL;
    }
    if (!S_ISREG(st.st_mode)) {
        snprintf(err, errlen, "%s: not a regular file", path);
        close(fd);
        return NULL;
    }
    struct disk *d = wrap(fd, err, errlen);
    if (d) *size = (uint64_t)st.st_size;
    return d;
}

struct disk *disk_create(const char *path, char *err, size_t errlen) {
    int fd = open(path, O_RDWR | O_CREAT | O_EXCL, 0644);
    if (fd < 0) {
        snprintf(err, errlen, "cannot create %s: %s", path, strerror(errno));
        return NULL;
    }
    return wrap(fd, err, errlen);
}

/* Unlinked as soon as it is made: nothing is left behind even after a SIGKILL. */
struct disk *disk_temp(char *err, size_t errlen) {
    const char *dir = getenv("TMPDIR");
    char path[4096];
    snprintf(path, sizeof(path), "%s/lgsim-overlay-XXXXXX", dir && *dir ? dir : "/tmp");
    int fd = mkstemp(path);
    if (fd < 0) {
        snprintf(err, errlen, "cannot create a temporary overlay in %s: %s",
                 dir && *dir ? dir : "/tmp", strerror(errno));
        return NULL;
    }
    unlink(path);
    return wrap(fd, err, errlen);
}

int disk_truncate(struct disk *d, uint64_t size) {
    return ftruncate(d->fd, (off_t)size) == 0 ? 0 : -1;
}

int64_t disk_pread(struct disk *d, void *buf, uint32_t len, uint64_t at) {
    uint32_t done = 0;
    while (done < len) {
        ssize_t n = pread(d->fd, (char *)buf + done, len - done, (off_t)(at + done));
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return -1;
        if (n == 0) break;   /* end of file */
        done += (uint32_t)n;
    }
    return done;
}

int64_t disk_pwrite(struct disk *d, const void *buf, uint32_t len, uint64_t at) {
    uint32_t done = 0;
    while (done < len) {
        ssize_t n = pwrite(d->fd, (const char *)buf + done, len - done, (off_t)(at + done));
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return -1;
        done += (uint32_t)n;
    }
    return done;
}

/* macOS's fsync() hands the data to the drive, which may keep it in its cache; F_FULLFSYNC
 * asks the drive to write it out.  A file system that cannot (some network ones) gets fsync. */
int disk_sync(struct disk *d) {
#if defined(__APPLE__)
    if (fcntl(d->fd, F_FULLFSYNC) == 0) return 0;
    return fsync(d->fd);
#else
    return fdatasync(d->fd);
#endif
}

void disk_close(struct disk *d) {
    if (!d) return;
    disk_sync(d);   /* written data is already the OS's; this puts it on the disk too */
    close(d->fd);
    free(d);
}
