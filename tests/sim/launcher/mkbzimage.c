/* mkbzimage.c - wrap a test guest ELF in the bzImage format (a setup header, the rest at 1 MiB). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * usage: mkbzimage GUEST.elf OUT [good|bad-magic|truncated|setup-sects|zimage]
 *
 * The protected-mode part is the guest's PT_LOAD segments laid out flat from 0x100000 (those
 * below, the ELF headers' segment, are left out), and code32_start is the ELF entry: what
 * lguest 4.4's launcher loads and enters.  No decompressor: the launcher never looks inside.
 * The variants break one thing each, as a damaged or wrong file would.
 */

#define LOAD 0x100000u
#define SETUP_SECTS 4

static uint32_t rd32(const uint8_t *p) { return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24; }
static uint16_t rd16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }
static void wr32(uint8_t *p, uint32_t v) { for (int i = 0; i < 4; i++) p[i] = (uint8_t)(v >> 8 * i); }
static void wr16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); }

static uint8_t *slurp(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    rewind(f);
    uint8_t *b = n > 0 ? malloc((size_t)n) : NULL;
    if (b && fread(b, 1, (size_t)n, f) != (size_t)n) { free(b); b = NULL; }
    fclose(f);
    *len = (size_t)n;
    return b;
}

/* The flat image of the segments at or above 1 MiB; its size in *size. */
static uint8_t *flatten(const uint8_t *e, size_t len, size_t *size) {
    uint32_t phoff = rd32(e + 28), phnum = rd16(e + 44), end = LOAD;
    for (uint32_t i = 0; i < phnum; i++) {
        const uint8_t *ph = e + phoff + 32 * i;
        if (rd32(ph) == 1 && rd32(ph + 12) >= LOAD && rd32(ph + 12) + rd32(ph + 16) > end)
            end = rd32(ph + 12) + rd32(ph + 16);
    }
    uint8_t *img = calloc(1, end - LOAD);
    for (uint32_t i = 0; img && i < phnum; i++) {
        const uint8_t *ph = e + phoff + 32 * i;
        uint32_t off = rd32(ph + 4), pa = rd32(ph + 12), fsz = rd32(ph + 16);
        if (rd32(ph) != 1 || pa < LOAD) continue;
        if (off + fsz > len) { free(img); return NULL; }
        memcpy(img + (pa - LOAD), e + off, fsz);
    }
    *size = end - LOAD;
    return img;
}

int main(int argc, char **argv) {
    const char *variant = argc > 3 ? argv[3] : "good";
    size_t len, size;
    uint8_t *elf = argc > 2 ? slurp(argv[1], &len) : NULL;
    if (!elf || len < 52 || memcmp(elf, "\177ELF", 4) != 0) {
        fprintf(stderr, "usage: mkbzimage GUEST.elf OUT [variant]\n");
        return 2;
    }
    uint8_t *img = flatten(elf, len, &size);
    if (!img) { fprintf(stderr, "mkbzimage: bad ELF\n"); return 2; }
    uint8_t hdr[(SETUP_SECTS + 1) * 512] = { 0 };
    hdr[0x1F1] = SETUP_SECTS;
    wr32(hdr + 0x1F4, (uint32_t)(size + 15) / 16);   /* syssize, in 16-byte paragraphs */
    wr16(hdr + 0x1FE, 0xAA55);
    memcpy(hdr + 0x202, "HdrS", 4);
    wr16(hdr + 0x206, 0x020A);
    hdr[0x211] = 0x01;                                /* LOADED_HIGH */
    wr32(hdr + 0x214, rd32(elf + 24));                /* code32_start = the entry */
    wr32(hdr + 0x230, 0x100000);                      /* kernel_alignment */
    wr32(hdr + 0x258, LOAD);                          /* pref_address */
    wr32(hdr + 0x260, (uint32_t)size + 0x10000);      /* init_size: image, bss and stack */
    size_t out_size = size;
    if (!strcmp(variant, "bad-magic")) memcpy(hdr + 0x202, "HdrZ", 4);
    else if (!strcmp(variant, "truncated")) out_size = size / 2;
    else if (!strcmp(variant, "setup-sects")) hdr[0x1F1] = 200;
    else if (!strcmp(variant, "zimage")) hdr[0x211] = 0;
    else if (strcmp(variant, "good")) { fprintf(stderr, "mkbzimage: no variant %s\n", variant); return 2; }
    FILE *f = fopen(argv[2], "wb");
    if (!f || fwrite(hdr, 1, sizeof(hdr), f) != sizeof(hdr) ||
        fwrite(img, 1, out_size, f) != out_size || fclose(f)) {
        fprintf(stderr, "mkbzimage: cannot write %s\n", argv[2]);
        return 2;
    }
    free(img);
    free(elf);
    return 0;
}
