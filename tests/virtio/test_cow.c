/* test_cow.c - copy-on-write disks: the block device on a base and an overlay, real files. */
#define _POSIX_C_SOURCE 200809L
#include "tests/check.h"
#include "tests/virtio/harness.h"
#include "virtio/block.h"
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define SECTORS 16        /* two overlay blocks of 4096 bytes */
#define HDR   0x30000
#define DATA  0x31000
#define STAT  0x33000

static struct fake F;
static struct virtio_block blk;
static struct ring ring;
static char base[4096], ov[4096];

/* The base: sector s filled with the byte 0x40 + s. */
static void make_base(void) {
    int fd = open(base, O_RDWR | O_CREAT | O_TRUNC, 0644);
    CHECK(fd >= 0);
    uint8_t sector[512];
    for (int s = 0; s < SECTORS; s++) {
        memset(sector, 0x40 + s, sizeof(sector));
        CHECK_EQ(write(fd, sector, sizeof(sector)), 512);
    }
    close(fd);
}

static uint8_t file_byte(const char *p, uint64_t at) {
    uint8_t b = 0;
    int fd = open(p, O_RDONLY);
    CHECK_EQ(pread(fd, &b, 1, (off_t)at), 1);
    close(fd);
    return b;
}

static uint64_t file_size(const char *p) {
    struct stat st;
    return stat(p, &st) == 0 ? (uint64_t)st.st_size : 0;
}

/* The device on base with the overlay at ov (NULL: a snapshot); 0 or -1 with err. */
static int cow_up(const char *overlay, char *err, size_t errlen) {
    virtio_block_close(&blk);
    fake_init(&F);
    if (virtio_block_init_cow(&blk, &F.bus, base, overlay, err, errlen)) return -1;
    ring_place(&ring, 0x10000, 16);
    driver_up(&blk.dev, &ring, 1ull << 32);
    return 0;
}

static void cow_up_ok(const char *overlay) {
    char err[300] = "";
    CHECK_EQ(cow_up(overlay, err, sizeof(err)), 0);
    CHECK_EQ(err[0], 0);
    if (err[0]) fprintf(stderr, "  (%s)\n", err);
}

static void request(uint32_t type, uint64_t sector, uint32_t len, int out) {
    put_le32(gp(&F, HDR), type);
    put_le32(gp(&F, HDR + 4), 0);
    put_le32(gp(&F, HDR + 8), (uint32_t)sector);
    put_le32(gp(&F, HDR + 12), 0);
    *gp(&F, STAT) = 0xEE;
    struct seg s[] = { { HDR, 16, 0 }, { DATA, len, !out }, { STAT, 1, 1 } };
    if (len) chain(&F, &ring, s, 3);
    else chain(&F, &ring, (struct seg[]){ s[0], s[2] }, 2);
    kick(&blk.dev, 0);
}

static void write_sector(uint64_t sector, uint8_t fill) {
    memset(gp(&F, DATA), fill, 512);
    request(1, sector, 512, 1);
    CHECK_EQ(*gp(&F, STAT), 0);
}

/* The first byte and the last of a sector, as the Guest reads it. */
static uint8_t read_sector(uint64_t sector) {
    memset(gp(&F, DATA), 0, 512);
    request(0, sector, 512, 0);
    CHECK_EQ(*gp(&F, STAT), 0);
    CHECK_EQ(*gp(&F, DATA), *gp(&F, DATA + 511));
    return *gp(&F, DATA);
}

static void reads_fall_through(void) {
    unlink(ov);
    cow_up_ok(ov);
    CHECK_EQ(read_sector(3), 0x43);
    CHECK_EQ(read_sector(15), 0x4F);
    CHECK(!blk.readonly);                        /* writable, though the base is only read */
    CHECK_EQ(blk.cow.n_copied, 0);
    CHECK_EQ(file_size(ov), 8192);               /* header and a one-block map, no data */
}

static void writes_go_to_the_overlay(void) {
    cow_up_ok(ov);
    write_sector(5, 0xA5);
    CHECK_EQ(file_byte(base, 5 * 512), 0x45);    /* the base is never written */
    CHECK_EQ(read_sector(5), 0xA5);
    CHECK_EQ(read_sector(4), 0x44);              /* same block, copied up whole */
    CHECK_EQ(read_sector(8), 0x48);              /* the next block: still the base's */
    CHECK_EQ(blk.cow.n_copied, 1);
    CHECK_EQ(file_size(ov), 8192 + 4096);
    cow_up_ok(ov);                               /* opened again: the overlay has it */
    CHECK_EQ(read_sector(5), 0xA5);
    char out[400], err[300] = "";
    CHECK_EQ(cow_info(ov, out, sizeof(out), err, sizeof(err)), 0);
    CHECK_STR_CONTAINS(out, "base 8192 bytes");
    CHECK_STR_CONTAINS(out, "; 1 of 2 blocks of 4096 bytes copied");
}

static void snapshot_discards(void) {
    cow_up_ok(NULL);
    CHECK_EQ(read_sector(5), 0x45);              /* a snapshot starts from the base alone */
    write_sector(5, 0x5B);
    CHECK_EQ(read_sector(5), 0x5B);
    cow_up_ok(NULL);
    CHECK_EQ(read_sector(5), 0x45);              /* and its writes are gone */
    CHECK_EQ(file_byte(base, 5 * 512), 0x45);
}

/* A child writes and flushes, then dies by SIGKILL: the write is in the overlay. */
static void flushed_write_survives_sigkill(void) {
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        cow_up_ok(ov);
        write_sector(9, 0x99);
        request(4, 0, 0, 0);                     /* flush */
        raise(SIGKILL);
        _exit(3);
    }
    int st = 0;
    CHECK_EQ(waitpid(pid, &st, 0), pid);
    CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
    cow_up_ok(ov);
    CHECK_EQ(read_sector(9), 0x99);
    CHECK_EQ(read_sector(5), 0xA5);
    CHECK_EQ(file_byte(base, 9 * 512), 0x49);
}

/* Rewrite ov's byte at 'at' with v (or cut the file to 'at' bytes) and try to open it. */
static void refused(uint64_t at, int v, const char *want) {
    char copy[4200], cmd[9000], err[300] = "";
    snprintf(copy, sizeof(copy), "%s.bad", ov);
    snprintf(cmd, sizeof(cmd), "cp '%s' '%s'", ov, copy);
    CHECK_EQ(system(cmd), 0);
    int fd = open(copy, O_RDWR);
    uint8_t b = (uint8_t)v;
    if (v < 0) CHECK_EQ(ftruncate(fd, (off_t)at), 0);
    else CHECK_EQ(pwrite(fd, &b, 1, (off_t)at), 1);
    close(fd);
    CHECK_EQ(cow_up(copy, err, sizeof(err)), -1);
    CHECK_STR_CONTAINS(err, want);
    CHECK_EQ(blk.cowed, 0);                      /* nothing half-opened */
    unlink(copy);
}

static void bad_overlays_refused(void) {
    refused(0, 'X', "not an lgsim overlay (no LGSIMCOW) at byte 0");
    refused(8, 2, "an overlay of another version at byte 8");
    refused(30, 0x11, "a damaged header at byte 56");
    refused(4000, -1, "cut short at byte 4000");
    refused(8192 + 100, -1, "cut short at byte 8292");
    refused(4096 + 6, 0x7F, "a damaged map at byte 4096 (block 0 at ");
    char err[300] = "";
    int fd = open(base, O_RDWR);                 /* the base changed under its overlay */
    CHECK_EQ(pwrite(fd, "Z", 1, 100), 1);
    close(fd);
    CHECK_EQ(cow_up(ov, err, sizeof(err)), -1);
    CHECK_STR_CONTAINS(err, "made for another base (or the base changed since) at byte 24");
    fd = open(base, O_RDWR);
    CHECK_EQ(pwrite(fd, "@", 1, 100), 1);        /* back as it was (sector 0 is 0x40) */
    close(fd);
    cow_up_ok(ov);
}

static void commit_into_base(void) {
    virtio_block_close(&blk);
    char err[300] = "", out[400];
    CHECK_EQ(cow_commit(ov, base, err, sizeof(err)), 2);   /* blocks 0 and 1 */
    CHECK_EQ(file_byte(base, 5 * 512), 0xA5);
    CHECK_EQ(file_byte(base, 9 * 512), 0x99);
    CHECK_EQ(file_byte(base, 4 * 512), 0x44);
    CHECK_EQ(cow_info(ov, out, sizeof(out), err, sizeof(err)), 0);
    CHECK_STR_CONTAINS(out, "; 0 of 2 blocks");
    cow_up_ok(ov);                               /* the emptied overlay fits the new base */
    CHECK_EQ(read_sector(9), 0x99);
    char other[4200];
    snprintf(other, sizeof(other), "%s.other", base);
    int fd = open(other, O_RDWR | O_CREAT | O_TRUNC, 0644);
    CHECK_EQ(ftruncate(fd, 4096), 0);
    close(fd);
    CHECK_EQ(cow_commit(ov, other, err, sizeof(err)), -1);
    CHECK_STR_CONTAINS(err, "made for a base of another size at byte 16");
    CHECK_EQ(file_size(other), 4096);
    unlink(other);
}

/* A checkpoint's view of the overlay, and going back to it over later writes. */
static void state_saved_and_restored(void) {
    cow_up_ok(ov);
    write_sector(2, 0x22);
    struct cow_state s;
    CHECK_EQ(cow_save_state(&blk.cow, &s), 0);
    write_sector(2, 0x33);                       /* a rewrite of a copied block */
    write_sector(12, 0x34);                      /* a block copied after the checkpoint */
    CHECK_EQ(blk.cow.n_copied, 2);
    CHECK_EQ(cow_restore_state(&blk.cow, &s), 0);
    CHECK_EQ(read_sector(2), 0x22);
    CHECK_EQ(read_sector(12), 0x4C);
    CHECK_EQ(blk.cow.n_copied, 1);
    CHECK_EQ(file_size(ov), 8192 + 4096);
    cow_free_state(&s);
    cow_up_ok(ov);                               /* and the file says the same */
    CHECK_EQ(read_sector(2), 0x22);
    CHECK_EQ(read_sector(12), 0x4C);
}

int main(int argc, char **argv) {
    const char *dir = argc > 1 ? argv[1] : ".";
    snprintf(base, sizeof(base), "%s/cow-base.img", dir);
    snprintf(ov, sizeof(ov), "%s/cow-overlay.lgcow", dir);
    make_base();
    RUN(reads_fall_through);
    RUN(writes_go_to_the_overlay);
    RUN(snapshot_discards);
    RUN(flushed_write_survives_sigkill);
    RUN(bad_overlays_refused);
    RUN(commit_into_base);
    RUN(state_saved_and_restored);
    virtio_block_close(&blk);
    return check_report("copy-on-write disks");
}
