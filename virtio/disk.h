/* disk.h - the file behind a block device: positioned reads and writes, and a sync. */
#ifndef LGSIM_DISK_H
#define LGSIM_DISK_H
#include <stddef.h>
#include <stdint.h>

struct disk;
/* Open read-write, or read-only when asked to or when the file (or its file system) allows
 * no writing; *readonly says which. */
struct disk *disk_open(const char *path, int *readonly, uint64_t *size, char *err, size_t errlen);
/* Bytes moved (short at the end of the file), or -1. */
int64_t disk_pread(struct disk *d, void *buf, uint32_t len, uint64_t at);
int64_t disk_pwrite(struct disk *d, const void *buf, uint32_t len, uint64_t at);
/* Until the data written so far is on the disk: 0, or -1. */
int disk_sync(struct disk *d);
void disk_close(struct disk *d);
/* A new empty file at path (refused if one is there), or an anonymous one that is gone when
 * closed, however lgsim ends (a copy-on-write overlay for --block=...,snapshot). */
struct disk *disk_create(const char *path, char *err, size_t errlen);
struct disk *disk_temp(char *err, size_t errlen);
/* Cut or extend (with zeros) the file to size bytes: 0, or -1. */
int disk_truncate(struct disk *d, uint64_t size);
#endif
