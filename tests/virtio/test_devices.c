/* test_devices.c - the block device on a real temporary file, and the rng's fixed stream. */
#define _POSIX_C_SOURCE 200809L
#include "tests/check.h"
#include "tests/virtio/harness.h"
#include "virtio/block.h"
#include "virtio/rng.h"
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#define SECTORS 16
#define HDR   0x30000     /* request header */
#define DATA  0x31000     /* data buffers */
#define STAT  0x33000     /* status byte */

static struct fake F;
static struct virtio_block blk;
static struct ring ring;
static char path[4096];

/* A disk in dir whose sector s is filled with the byte 's' + 0x40. */
static void make_disk(const char *dir) {
    snprintf(path, sizeof(path), "%s/lgsim-blk-XXXXXX", dir);
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    uint8_t sector[512];
    for (int s = 0; s < SECTORS; s++) {
        memset(sector, 0x40 + s, sizeof(sector));
        CHECK_EQ(write(fd, sector, sizeof(sector)), 512);
    }
    close(fd);
}

static void block_up(int readonly) {
    virtio_block_close(&blk);
    fake_init(&F);
    char err[200] = "";
    CHECK_EQ(virtio_block_init(&blk, &F.bus, path, readonly, err, sizeof(err)), 0);
    ring_place(&ring, 0x10000, 16);
    driver_up(&blk.dev, &ring, 1ull << 32);
    CHECK_EQ(F.why[0], 0);
}

static void header(uint32_t type, uint64_t sector) {
    put_le32(gp(&F, HDR), type);
    put_le32(gp(&F, HDR + 4), 0);
    put_le32(gp(&F, HDR + 8), (uint32_t)sector);
    put_le32(gp(&F, HDR + 12), (uint32_t)(sector >> 32));
    *gp(&F, STAT) = 0xEE;
}

/* header, len bytes of data (written by the device unless 'out'), status: one request. */
static void request(uint32_t type, uint64_t sector, uint32_t len, int out) {
    header(type, sector);
    struct seg s[] = { { HDR, 16, 0 }, { DATA, len, !out }, { STAT, 1, 1 } };
    if (len) chain(&F, &ring, s, 3);
    else chain(&F, &ring, (struct seg[]){ s[0], s[2] }, 2);
    kick(&blk.dev, 0);
}

static void file_sector(unsigned s, uint8_t *buf) {
    FILE *f = fopen(path, "rb");
    CHECK(f != NULL);
    CHECK_EQ(fseek(f, (long)s * 512, SEEK_SET), 0);
    CHECK_EQ(fread(buf, 1, 512, f), 512);
    fclose(f);
}

/* Root opens a file read-write whatever its mode says; on Windows nobody does. */
static int writes_readonly_files(void) {
#ifdef _WIN32
    return 0;
#else
    return geteuid() == 0;
#endif
}

static void block_config(void) {
    block_up(0);
    CHECK_EQ(blk.dev.pci.cfg[0x02], 0x42);                     /* device 0x1042 */
    CHECK_EQ(blk.dev.pci.cfg[0x3C], 1);                        /* (the only device here) */
    CHECK_EQ(le32(blk.dev.mmio + VM_DEVICE_CONFIG), SECTORS);  /* capacity */
    CHECK_EQ(le32(blk.dev.mmio + VM_DEVICE_CONFIG + 12), 254); /* seg_max */
    CHECK_EQ(blk.dev.features, (1ull << 32) | (1u << 2));      /* VERSION_1, SEG_MAX */
    CHECK_EQ(blk.dev.mmio_size, 96);
}

static void block_read(void) {
    block_up(0);
    request(0, 3, 1024, 0);
    CHECK_EQ(*gp(&F, STAT), 0);
    CHECK_EQ(*gp(&F, DATA), 0x43);
    CHECK_EQ(*gp(&F, DATA + 1023), 0x44);
    CHECK_EQ(used_idx(&F, &ring), 1);
    CHECK_EQ(used_len(&F, &ring, 0), 1025);    /* the data and the status byte */
    CHECK_EQ(F.irqs, 1);
    CHECK_EQ(F.why[0], 0);
}

static void block_write_flush(void) {
    block_up(0);
    memset(gp(&F, DATA), 0xA5, 512);
    request(1, 5, 512, 1);
    CHECK_EQ(*gp(&F, STAT), 0);
    CHECK_EQ(used_len(&F, &ring, 0), 1);
    uint8_t buf[512];
    file_sector(5, buf);                        /* already in the file: written through */
    CHECK_EQ(buf[0], 0xA5);
    CHECK_EQ(buf[511], 0xA5);
    file_sector(6, buf);
    CHECK_EQ(buf[0], 0x46);
    request(4, 0, 0, 0);                        /* flush */
    CHECK_EQ(*gp(&F, STAT), 0);
    CHECK_EQ(used_idx(&F, &ring), 2);
    CHECK_EQ(F.why[0], 0);
}

/* 4.4 has no GET_ID case: type 8 is served as a read at the header's sector. */
static void block_get_id(void) {
    block_up(0);
    memset(gp(&F, DATA), 0, 20);
    request(8, 0, 20, 0);
    CHECK_EQ(*gp(&F, STAT), 0);
    CHECK_EQ(*gp(&F, DATA), 0x40);
    CHECK_EQ(*gp(&F, DATA + 19), 0x40);
    CHECK_EQ(used_len(&F, &ring, 0), 21);
}

static void block_readonly(void) {
    block_up(1);
    CHECK(blk.dev.features & (1u << 5));        /* VIRTIO_BLK_F_RO */
    memset(gp(&F, DATA), 0x5A, 512);
    request(1, 2, 512, 1);
    CHECK_EQ(*gp(&F, STAT), 1);                 /* IOERR, and the file is untouched */
    uint8_t buf[512];
    file_sector(2, buf);
    CHECK_EQ(buf[0], 0x42);
    request(0, 2, 512, 0);                      /* reads still work */
    CHECK_EQ(*gp(&F, STAT), 0);
    CHECK_EQ(*gp(&F, DATA), 0x42);
    CHECK_EQ(F.why[0], 0);
    /* A file the user cannot write (unless root) is offered read-only by itself. */
    chmod(path, 0444);
    if (!writes_readonly_files()) {
        block_up(0);
        CHECK(blk.readonly);
    }
    chmod(path, 0644);
}

static void block_out_of_range(void) {
    block_up(0);
    memset(gp(&F, DATA), 0x77, 512);
    request(0, SECTORS, 512, 0);                /* past the end: nothing read, still OK */
    CHECK_EQ(*gp(&F, STAT), 0);
    CHECK_EQ(used_len(&F, &ring, 0), 1);
    CHECK_EQ(*gp(&F, DATA), 0x77);
    request(0, SECTORS - 1, 1024, 0);           /* half of it: the half there is */
    CHECK_EQ(used_len(&F, &ring, 1), 513);
    CHECK_EQ(F.why[0], 0);
    /* What the device reported storing, by whom: the status byte alone, the used ring; then
     * the half read (not the whole buffer), the status byte, the used ring. */
    CHECK_EQ(F.n_wrote, 7);
    CHECK_EQ(F.wrote_gpa[0], STAT);
    CHECK_EQ(F.wrote_len[0], 1);
    CHECK(!strcmp(F.wrote_dev[0], "block") && !strcmp(F.wrote_fn[0], "blk_one"));
    CHECK_EQ(F.wrote_gpa[3], DATA);
    CHECK_EQ(F.wrote_len[3], 512);
    CHECK(!strcmp(F.wrote_dev[3], "block") && !strcmp(F.wrote_fn[3], "blk_read"));
    CHECK_EQ(F.wrote_gpa[4], STAT);
    CHECK(!strcmp(F.wrote_fn[5], "vq_push") && !strcmp(F.wrote_fn[6], "vq_push"));
    request(1, SECTORS - 1, 1024, 1);           /* a write past the end stops the Guest */
    CHECK_STR_CONTAINS(F.why, "block vq request: bad driver: Write past end 7680+1024");
    uint8_t buf[512];
    file_sector(SECTORS - 1, buf);              /* ... before anything was written */
    CHECK_EQ(buf[0], 0x4F);
    struct stat st;
    CHECK_EQ(stat(path, &st), 0);
    CHECK_EQ(st.st_size, SECTORS * 512);
    block_up(0);
    request(0, 1ull << 60, 512, 0);
    CHECK_STR_CONTAINS(F.why, "Bad seek to sector 1152921504606846976");
}

static void block_bad_layout(void) {
    block_up(0);
    header(0, 0);
    chain(&F, &ring, (struct seg[]){ { HDR, 8, 0 }, { STAT, 1, 1 } }, 2);
    kick(&blk.dev, 0);
    CHECK_STR_CONTAINS(F.why, "block: bad driver: iovec too short!");
    block_up(0);
    header(0, 0);
    chain(&F, &ring, (struct seg[]){ { HDR, 16, 0 } }, 1);
    kick(&blk.dev, 0);
    CHECK_STR_CONTAINS(F.why, "block vq request: bad driver: Bad virtblk cmd with no room for status");
}

/* --- rng --- */

static struct virtio_rng rng;

static void rng_run(uint8_t *got, uint32_t len) {
    virtio_free(&rng.dev);
    fake_init(&F);
    CHECK_EQ(virtio_rng_init(&rng, &F.bus), 0);
    CHECK_EQ(rng.dev.mmio_size, 60);
    ring_place(&ring, 0x10000, 8);
    driver_up(&rng.dev, &ring, 1ull << 32);
    chain(&F, &ring, (struct seg[]){ { DATA, len / 2, 1 }, { DATA + 0x800, len - len / 2, 1 } }, 2);
    kick(&rng.dev, 0);
    CHECK_EQ(used_len(&F, &ring, 0), len);
    CHECK_EQ(F.irqs, 1);
    memcpy(got, gp(&F, DATA), len / 2);
    memcpy(got + len / 2, gp(&F, DATA + 0x800), len - len / 2);
}

static void rng_deterministic(void) {
    uint8_t a[64], b[64], want[64];
    rng_run(a, 64);
    rng_run(b, 64);
    CHECK(!memcmp(a, b, sizeof(a)));            /* every run, the same bytes */
    uint64_t st = RNG_SEED;
    rng_fill(&st, want, 32);
    rng_fill(&st, want + 32, 32);
    CHECK(!memcmp(a, want, sizeof(a)));
    int differ = 0;
    for (int i = 1; i < 64; i++) differ += a[i] != a[0];
    CHECK(differ > 50);
    CHECK_EQ(a[0], 0x7F);   /* the stream's first byte, pinned so a change is noticed */
    chain(&F, &ring, (struct seg[]){ { DATA, 8, 0 } }, 1);
    kick(&rng.dev, 0);
    CHECK_STR_CONTAINS(F.why, "rng vq input: bad driver: Output buffers in rng?");
    virtio_free(&rng.dev);
}

int main(int argc, char **argv) {
    make_disk(argc > 1 ? argv[1] : ".");
    RUN(block_config);
    RUN(block_read);
    RUN(block_write_flush);
    RUN(block_get_id);
    RUN(block_readonly);
    RUN(block_out_of_range);
    RUN(block_bad_layout);
    virtio_block_close(&blk);
    unlink(path);
    RUN(rng_deterministic);
    return check_report("virtio devices");
}
