/* disk_win32.c - disk.h on Windows: positioned ReadFile/WriteFile, FlushFileBuffers for flush. */
#include "virtio/disk.h"
#include <windows.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct disk {
    HANDLE h;
    int readonly;
};

/* The C library's words for the usual reasons, so a message reads as on POSIX. */
static const char *why(DWORD e) {
    switch (e) {
    case ERROR_FILE_NOT_FOUND: case ERROR_PATH_NOT_FOUND: case ERROR_INVALID_NAME:
        return strerror(ENOENT);
    case ERROR_ACCESS_DENIED: case ERROR_SHARING_VIOLATION: case ERROR_LOCK_VIOLATION:
        return strerror(EACCES);
    case ERROR_WRITE_PROTECT: return strerror(EROFS);
    default: return strerror(EIO);
    }
}

static HANDLE open_file(const char *path, DWORD access) {
    return CreateFileA(path, access, FILE_SHARE_READ | FILE_SHARE_WRITE, NULL, OPEN_EXISTING,
                       FILE_ATTRIBUTE_NORMAL, NULL);
}

struct disk *disk_open(const char *path, int *readonly, uint64_t *size, char *err, size_t errlen) {
    DWORD attr = GetFileAttributesA(path);
    if (attr != INVALID_FILE_ATTRIBUTES && (attr & FILE_ATTRIBUTE_DIRECTORY)) {
        snprintf(err, errlen, "cannot open %s: %s", path, strerror(EISDIR));
        return NULL;
    }
    /* A read-only file is offered read-only, as one the user cannot write is on POSIX: the
     * attribute says so, rather than the open's refusal (which Wine run as root never gives). */
    if (attr != INVALID_FILE_ATTRIBUTES && (attr & FILE_ATTRIBUTE_READONLY)) *readonly = 1;
    HANDLE h = *readonly ? INVALID_HANDLE_VALUE : open_file(path, GENERIC_READ | GENERIC_WRITE);
    DWORD e = GetLastError();
    if (*readonly || (h == INVALID_HANDLE_VALUE &&
                      (e == ERROR_ACCESS_DENIED || e == ERROR_WRITE_PROTECT))) {
        h = open_file(path, GENERIC_READ);
        *readonly = 1;
    }
    LARGE_INTEGER sz;
    if (h == INVALID_HANDLE_VALUE || !GetFileSizeEx(h, &sz)) {
        snprintf(err, errlen, "cannot open %s: %s", path, why(GetLastError()));
        if (h != INVALID_HANDLE_VALUE) CloseHandle(h);
        return NULL;
    }
    if (GetFileType(h) != FILE_TYPE_DISK) {
        snprintf(err, errlen, "%s: not a regular file", path);
        CloseHandle(h);
        return NULL;
    }
    struct disk *d = malloc(sizeof(*d));
    if (!d) {
        CloseHandle(h);
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    *d = (struct disk){ .h = h, .readonly = *readonly };
    *size = (uint64_t)sz.QuadPart;
    return d;
}

static struct disk *wrap(HANDLE h, char *err, size_t errlen) {
    struct disk *d = malloc(sizeof(*d));
    if (!d) {
        CloseHandle(h);
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    *d = (struct disk){ .h = h, .readonly = 0 };
    return d;
}

struct disk *disk_create(const char *path, char *err, size_t errlen) {
    HANDLE h = CreateFileA(path, GENERIC_READ | GENERIC_WRITE, FILE_SHARE_READ, NULL, CREATE_NEW,
                           FILE_ATTRIBUTE_NORMAL, NULL);
    if (h == INVALID_HANDLE_VALUE) {
        DWORD e = GetLastError();
        snprintf(err, errlen, "cannot create %s: %s", path,
                 e == ERROR_FILE_EXISTS || e == ERROR_ALREADY_EXISTS ? strerror(EEXIST) : why(e));
        return NULL;
    }
    return wrap(h, err, errlen);
}

/* Deleted by Windows when its handle closes, however lgsim ends. */
struct disk *disk_temp(char *err, size_t errlen) {
    char dir[MAX_PATH + 1], path[MAX_PATH + 1];
    DWORD n = GetTempPathA(sizeof(dir), dir);
    if (n == 0 || n > sizeof(dir) || !GetTempFileNameA(dir, "lgs", 0, path)) {
        snprintf(err, errlen, "cannot create a temporary overlay: %s", why(GetLastError()));
        return NULL;
    }
    HANDLE h = CreateFileA(path, GENERIC_READ | GENERIC_WRITE, 0, NULL, CREATE_ALWAYS,
                           FILE_ATTRIBUTE_TEMPORARY | FILE_FLAG_DELETE_ON_CLOSE, NULL);
    if (h == INVALID_HANDLE_VALUE) {
        snprintf(err, errlen, "cannot create a temporary overlay in %s: %s", dir,
                 why(GetLastError()));
        DeleteFileA(path);
        return NULL;
    }
    return wrap(h, err, errlen);
}

int disk_truncate(struct disk *d, uint64_t size) {
    FILE_END_OF_FILE_INFO eof;
    eof.EndOfFile.QuadPart = (LONGLONG)size;
    return SetFileInformationByHandle(d->h, FileEndOfFileInfo, &eof, sizeof(eof)) ? 0 : -1;
}

/* An OVERLAPPED on a synchronous handle is only the position: pread/pwrite in one call. */
static OVERLAPPED at_offset(uint64_t at) {
    OVERLAPPED o;
    memset(&o, 0, sizeof(o));
    o.Offset = (DWORD)at;
    o.OffsetHigh = (DWORD)(at >> 32);
    return o;
}

int64_t disk_pread(struct disk *d, void *buf, uint32_t len, uint64_t at) {
    uint32_t done = 0;
    while (done < len) {
        OVERLAPPED o = at_offset(at + done);
        DWORD n = 0;
        if (!ReadFile(d->h, (char *)buf + done, len - done, &n, &o)) {
            if (GetLastError() == ERROR_HANDLE_EOF) break;
            return -1;
        }
        if (n == 0) break;   /* end of file */
        done += n;
    }
    return done;
}

int64_t disk_pwrite(struct disk *d, const void *buf, uint32_t len, uint64_t at) {
    uint32_t done = 0;
    while (done < len) {
        OVERLAPPED o = at_offset(at + done);
        DWORD n = 0;
        if (!WriteFile(d->h, (const char *)buf + done, len - done, &n, &o) || n == 0) return -1;
        done += n;
    }
    return done;
}

/* WriteFile leaves the data in the system's cache; only FlushFileBuffers puts it on the disk
 * (and a read-only handle, which wrote nothing, may not ask). */
int disk_sync(struct disk *d) {
    if (d->readonly) return 0;
    return FlushFileBuffers(d->h) ? 0 : -1;
}

void disk_close(struct disk *d) {
    if (!d) return;
    disk_sync(d);
    CloseHandle(d->h);
    free(d);
}
