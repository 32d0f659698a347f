/* cow.c - copy-on-write disks: the overlay file, reads through it, writes into it, commit. */
#include "virtio/cow.h"
#include "mmu/phys.h"
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FNV_START 0xcbf29ce484222325ull

static uint64_t fnv_more(uint64_t h, const uint8_t *p, size_t n) {
    while (n--) h = (h ^ *p++) * 0x100000001b3ull;
    return h;
}

static void put_le64(uint8_t *p, uint64_t v) {
    put_le32(p, (uint32_t)v);
    put_le32(p + 4, (uint32_t)(v >> 32));
}
static uint64_t le64(const uint8_t *p) { return le32(p) | (uint64_t)le32(p + 4) << 32; }

int cow_hash_disk(struct disk *d, uint64_t size, uint64_t *hash) {
    static uint8_t buf[1 << 16];
    uint64_t h = FNV_START;
    for (uint64_t at = 0; at < size;) {
        uint32_t want = size - at < sizeof(buf) ? (uint32_t)(size - at) : (uint32_t)sizeof(buf);
        int64_t n = disk_pread(d, buf, want, at);
        if (n <= 0) return -1;
        h = fnv_more(h, buf, (size_t)n);
        at += (uint64_t)n;
    }
    *hash = h;
    return 0;
}

/* --- the header --- */

static void layout(struct cow *c) {
    c->blocks = (c->size + COW_BLOCK - 1) / COW_BLOCK;
    c->map_off = COW_HEADER;
    c->data_off = COW_HEADER + (c->blocks * 8 + COW_BLOCK - 1) / COW_BLOCK * COW_BLOCK;
}

static void encode_header(const struct cow *c, uint8_t h[COW_HEADER]) {
    memset(h, 0, COW_HEADER);
    memcpy(h, COW_MAGIC, 8);
    put_le32(h + 8, COW_VERSION);
    put_le32(h + 12, COW_BLOCK);
    put_le64(h + 16, c->size);
    put_le64(h + 24, c->hash);
    put_le64(h + 32, c->blocks);
    put_le64(h + 40, c->map_off);
    put_le64(h + 48, c->data_off);
    put_le64(h + 56, fnv_more(FNV_START, h, 56));
}

/* A fresh overlay: the header, a map of zeros, no data. */
static int write_empty(struct cow *c, char *err, size_t errlen) {
    uint8_t h[COW_HEADER];
    encode_header(c, h);
    if (disk_truncate(c->ov, 0) || disk_truncate(c->ov, c->data_off) ||
        disk_pwrite(c->ov, h, COW_HEADER, 0) != COW_HEADER || disk_sync(c->ov)) {
        snprintf(err, errlen, "cannot write the overlay");
        return -1;
    }
    c->data_end = c->data_off;
    c->n_copied = 0;
    return 0;
}

/* The header as this base wants it, or the first byte where it is not. */
static int check_header(const struct cow *c, const uint8_t h[COW_HEADER], uint64_t file_size,
                        char *err, size_t errlen) {
    const char *why = NULL;
    unsigned at = 0;
    if (memcmp(h, COW_MAGIC, 8)) why = "not an lgsim overlay (no LGSIMCOW)";
    else if ((at = 8, le32(h + 8) != COW_VERSION)) why = "an overlay of another version";
    else if ((at = (unsigned)file_size, file_size < COW_HEADER)) why = "cut short";
    else if ((at = 56, le64(h + 56) != fnv_more(FNV_START, h, 56))) why = "a damaged header";
    else if ((at = 12, le32(h + 12) != COW_BLOCK)) why = "another block size";
    else if ((at = 16, le64(h + 16) != c->size)) why = "made for a base of another size";
    else if ((at = 24, le64(h + 24) != c->hash)) why = "made for another base (or the base "
                                                        "changed since)";
    else if ((at = 32, le64(h + 32) != c->blocks || le64(h + 40) != c->map_off ||
                        le64(h + 48) != c->data_off)) why = "a damaged header";
    else if ((at = (unsigned)file_size, file_size < c->data_off ||
              (file_size - c->data_off) % COW_BLOCK)) why = "cut short";
    if (!why) return 0;
    snprintf(err, errlen, "%s at byte %u", why, at);
    return -1;
}

/* The map from the file; every entry must name a whole block inside the data. */
static int load_map(struct cow *c, uint64_t file_size, char *err, size_t errlen) {
    uint8_t e[COW_BLOCK];
    c->data_end = file_size;
    c->n_copied = 0;
    for (uint64_t i = 0; i < c->blocks; i++) {
        uint64_t at = c->map_off + i * 8;
        if (i % (COW_BLOCK / 8) == 0 && disk_pread(c->ov, e, COW_BLOCK, at) != COW_BLOCK) {
            snprintf(err, errlen, "cannot read the map at byte %" PRIu64, at);
            return -1;
        }
        uint64_t v = le64(e + i % (COW_BLOCK / 8) * 8);
        if (v && (v < c->data_off || v + COW_BLOCK > file_size || (v - c->data_off) % COW_BLOCK)) {
            snprintf(err, errlen, "a damaged map at byte %" PRIu64 " (block %" PRIu64 " at %"
                     PRIu64 ", outside the data)", at, i, v);
            return -1;
        }
        c->map[i] = v;
        c->n_copied += v != 0;
    }
    return 0;
}

static int open_overlay(struct cow *c, const char *path, char *err, size_t errlen) {
    char why[300];
    int ro = 0;
    uint64_t file_size = 0;
    if (!path) return (c->ov = disk_temp(err, errlen)) ? write_empty(c, err, errlen) : -1;
    c->ov = disk_open(path, &ro, &file_size, why, sizeof(why));
    if (!c->ov) c->ov = disk_create(path, err, errlen);
    else if (ro) {
        snprintf(err, errlen, "overlay %s cannot be written", path);
        return -1;
    }
    if (!c->ov) return -1;
    if (!file_size) return write_empty(c, err, errlen);
    uint8_t h[COW_HEADER];
    int64_t n = disk_pread(c->ov, h, COW_HEADER, 0);
    if (n < (int64_t)COW_HEADER) memset(h + (n > 0 ? n : 0), 0, COW_HEADER - (n > 0 ? n : 0));
    if (check_header(c, h, file_size, why, sizeof(why)) ||
        load_map(c, file_size, why, sizeof(why))) {
        snprintf(err, errlen, "overlay %s: %s", path, why);
        return -1;
    }
    return 0;
}

int cow_open(struct cow *c, struct disk *base, uint64_t base_size, const char *overlay_path,
             char *err, size_t errlen) {
    memset(c, 0, sizeof(*c));
    c->base = base;
    c->size = base_size;
    layout(c);
    if (cow_hash_disk(base, base_size, &c->hash)) {
        snprintf(err, errlen, "cannot read the base");
        cow_close(c);
        return -1;
    }
    c->map = calloc(c->blocks ? c->blocks : 1, sizeof(*c->map));
    if (!c->map) {
        snprintf(err, errlen, "out of memory");
        cow_close(c);
        return -1;
    }
    if (open_overlay(c, overlay_path, err, errlen)) {
        cow_close(c);
        return -1;
    }
    return 0;
}

/* --- the disk the Guest sees --- */

/* Block i as the Guest sees it: its copy, or the base's bytes (zeros past its end). */
static int read_block(struct cow *c, uint64_t i, uint8_t *buf) {
    if (c->map[i]) return disk_pread(c->ov, buf, COW_BLOCK, c->map[i]) == COW_BLOCK ? 0 : -1;
    uint64_t at = i * COW_BLOCK, n = c->size - at < COW_BLOCK ? c->size - at : COW_BLOCK;
    memset(buf, 0, COW_BLOCK);
    return disk_pread(c->base, buf, (uint32_t)n, at) == (int64_t)n ? 0 : -1;
}

int64_t cow_pread(struct cow *c, void *buf, uint32_t len, uint64_t at) {
    uint32_t done = 0;
    while (done < len && at + done < c->size) {
        uint64_t pos = at + done, i = pos / COW_BLOCK;
        uint32_t in = (uint32_t)(pos % COW_BLOCK), n = COW_BLOCK - in;
        if (n > len - done) n = len - done;
        if (n > c->size - pos) n = (uint32_t)(c->size - pos);
        int64_t got = c->map[i] ? disk_pread(c->ov, (uint8_t *)buf + done, n, c->map[i] + in)
                                : disk_pread(c->base, (uint8_t *)buf + done, n, pos);
        if (got != n) return -1;
        done += n;
    }
    return done;
}

/* The block's first write: the whole block into the overlay, then its map entry. */
static int copy_up(struct cow *c, uint64_t i) {
    uint8_t blk[COW_BLOCK], e[8];
    if (read_block(c, i, blk)) return -1;
    uint64_t where = c->data_end;
    put_le64(e, where);
    if (disk_pwrite(c->ov, blk, COW_BLOCK, where) != COW_BLOCK ||
        disk_pwrite(c->ov, e, 8, c->map_off + i * 8) != 8)
        return -1;
    c->map[i] = where;
    c->data_end += COW_BLOCK;
    c->n_copied++;
    return 0;
}

int64_t cow_pwrite(struct cow *c, const void *buf, uint32_t len, uint64_t at) {
    if (at > c->size || len > c->size - at) return -1;
    uint32_t done = 0;
    while (done < len) {
        uint64_t pos = at + done, i = pos / COW_BLOCK;
        uint32_t in = (uint32_t)(pos % COW_BLOCK), n = COW_BLOCK - in;
        if (n > len - done) n = len - done;
        if (!c->map[i] && copy_up(c, i)) return -1;
        if (disk_pwrite(c->ov, (const uint8_t *)buf + done, n, c->map[i] + in) != n) return -1;
        done += n;
    }
    return done;
}

int cow_sync(struct cow *c) { return disk_sync(c->ov); }

void cow_close(struct cow *c) {
    disk_close(c->ov);
    disk_close(c->base);
    free(c->map);
    memset(c, 0, sizeof(*c));
}

/* --- checkpoints: the overlay as it was --- */

int cow_save_state(struct cow *c, struct cow_state *s) {
    uint64_t bytes = c->data_end - c->data_off;
    s->data_end = c->data_end;
    s->map = malloc(c->blocks * sizeof(*s->map) + 1);
    s->data = malloc(bytes + 1);
    if (!s->map || !s->data ||
        (bytes && disk_pread(c->ov, s->data, (uint32_t)bytes, c->data_off) != (int64_t)bytes)) {
        cow_free_state(s);
        return -1;
    }
    memcpy(s->map, c->map, c->blocks * sizeof(*s->map));
    return 0;
}

int cow_restore_state(struct cow *c, const struct cow_state *s) {
    uint64_t bytes = s->data_end - c->data_off;
    uint8_t e[8];
    if (disk_truncate(c->ov, s->data_end) ||
        (bytes && disk_pwrite(c->ov, s->data, (uint32_t)bytes, c->data_off) != (int64_t)bytes))
        return -1;
    c->n_copied = 0;
    for (uint64_t i = 0; i < c->blocks; i++) {
        if (c->map[i] != s->map[i]) {
            put_le64(e, s->map[i]);
            if (disk_pwrite(c->ov, e, 8, c->map_off + i * 8) != 8) return -1;
            c->map[i] = s->map[i];
        }
        c->n_copied += c->map[i] != 0;
    }
    c->data_end = s->data_end;
    return 0;
}

void cow_free_state(struct cow_state *s) {
    free(s->map);
    free(s->data);
    s->map = NULL;
    s->data = NULL;
}

/* --- lgsim disk --- */

static int open_pair(struct cow *c, const char *overlay_path, const char *base_path,
                     int base_ro, char *err, size_t errlen) {
    int ro = base_ro, exists;
    uint64_t size;
    char why[300];
    struct disk *probe = disk_open(overlay_path, &(int){ 1 }, &size, why, sizeof(why));
    exists = probe != NULL;
    disk_close(probe);
    if (!exists || !size) {
        snprintf(err, errlen, "%s", exists ? "the overlay is empty" : why);
        return -1;
    }
    struct disk *base = disk_open(base_path, &ro, &size, err, errlen);
    if (!base) return -1;
    if (ro && !base_ro) {
        disk_close(base);
        snprintf(err, errlen, "cannot write %s", base_path);
        return -1;
    }
    return cow_open(c, base, size, overlay_path, err, errlen);
}

int64_t cow_commit(const char *overlay_path, const char *base_path, char *err, size_t errlen) {
    struct cow c;
    if (open_pair(&c, overlay_path, base_path, 0, err, errlen)) return -1;
    uint8_t blk[COW_BLOCK];
    int64_t n = 0;
    for (uint64_t i = 0; i < c.blocks; i++) {
        if (!c.map[i]) continue;
        uint64_t at = i * COW_BLOCK, len = c.size - at < COW_BLOCK ? c.size - at : COW_BLOCK;
        if (read_block(&c, i, blk) || disk_pwrite(c.base, blk, (uint32_t)len, at) != (int64_t)len) {
            snprintf(err, errlen, "cannot write block %" PRIu64 " into %s", i, base_path);
            cow_close(&c);
            return -1;
        }
        n++;
    }
    /* The base is whole on the disk before the overlay forgets what it held. */
    if (disk_sync(c.base) || cow_hash_disk(c.base, c.size, &c.hash) ||
        write_empty(&c, err, errlen)) {
        if (!err[0]) snprintf(err, errlen, "cannot sync %s", base_path);
        cow_close(&c);
        return -1;
    }
    cow_close(&c);
    return n;
}

int cow_info(const char *overlay_path, char *out, size_t outlen, char *err, size_t errlen) {
    int ro = 1;
    uint64_t size;
    struct disk *d = disk_open(overlay_path, &ro, &size, err, errlen);
    if (!d) return -1;
    uint8_t h[COW_HEADER] = { 0 };
    disk_pread(d, h, COW_HEADER, 0);
    struct cow c = { .size = le64(h + 16), .hash = le64(h + 24) };
    layout(&c);
    char why[300];
    int bad = check_header(&c, h, size, why, sizeof(why));
    if (!bad && c.blocks > (1ull << 28)) {   /* a 1 TiB base: more than lgsim would map */
        snprintf(why, sizeof(why), "a base too big for lgsim at byte 16");
        bad = 1;
    }
    c.ov = d;
    if (!bad && !(c.map = calloc(c.blocks ? c.blocks : 1, sizeof(*c.map)))) {
        snprintf(why, sizeof(why), "out of memory");
        bad = 1;
    }
    if (!bad) bad = load_map(&c, size, why, sizeof(why));
    disk_close(d);
    free(c.map);
    if (bad) {
        snprintf(err, errlen, "%s: %s", overlay_path, why);
        return -1;
    }
    snprintf(out, outlen, "lgsim overlay version %u: base %" PRIu64 " bytes, hash %016" PRIx64
             "; %" PRIu64 " of %" PRIu64 " blocks of %u bytes copied\n", COW_VERSION, c.size,
             c.hash, c.n_copied, c.blocks, COW_BLOCK);
    return 0;
}
