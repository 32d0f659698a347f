/* test_loader.c - the Switcher loader: our embedded object, relocation, hostile objects, Linux's object. */
#include "switcher-model/loader.h"
#include "tests/check.h"

#include <stdbool.h>
#include <stdlib.h>

extern const uint8_t reloc_fixture_obj[];
extern const size_t reloc_fixture_obj_len;

#define BASE      0xFFC00000u
#define OTHER     0xC0100000u
#define ERRLEN    256

static struct switcher_image img, img2;   /* large: keep them off the stack */
static char err[ERRLEN];

/* ---- Little-endian access and a minimal walk of a well-formed ELF32 object ---- */

static uint16_t rd16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }
static uint32_t rd32(const uint8_t *p) {
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static void wr16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); }
static void wr32(uint8_t *p, uint32_t v) { wr16(p, (uint16_t)v); wr16(p + 2, (uint16_t)(v >> 16)); }

static uint8_t *copy_of(const uint8_t *obj, size_t len) {
    uint8_t *c = malloc(len ? len : 1);
    if (!c) { perror("malloc"); exit(2); }
    memcpy(c, obj, len);
    return c;
}

/* The section header called name, or NULL. */
static uint8_t *section_header(uint8_t *o, const char *name) {
    uint32_t shoff = rd32(o + 32), shnum = rd16(o + 48), shstrndx = rd16(o + 50);
    const uint8_t *strs = o + rd32(o + shoff + shstrndx * 40 + 16);
    for (uint32_t i = 0; i < shnum; i++) {
        uint8_t *sh = o + shoff + i * 40;
        if (strcmp((const char *)strs + rd32(sh), name) == 0)
            return sh;
    }
    return NULL;
}

/* The .symtab entry called name, or NULL. */
static uint8_t *symbol_entry(uint8_t *o, const char *name) {
    uint8_t *symtab = section_header(o, ".symtab");
    if (!symtab)
        return NULL;
    uint32_t shoff = rd32(o + 32), link = rd32(symtab + 24);
    const char *strs = (const char *)o + rd32(o + shoff + link * 40 + 16);
    for (uint32_t off = 0; off < rd32(symtab + 20); off += 16) {
        uint8_t *sym = o + rd32(symtab + 16) + off;
        if (strcmp(strs + rd32(sym), name) == 0)
            return sym;
    }
    return NULL;
}

/* ---- Reading the loaded image ---- */

static uint32_t symbol_addr(const struct switcher_image *im, const char *name) {
    for (int i = 0; i < im->nsyms; i++)
        if (strcmp(im->syms[i].name, name) == 0)
            return im->syms[i].addr;
    fprintf(stderr, "note: symbol %s not in image\n", name);
    return 0;
}

static bool vector_has_error_code(int v) {
    return v == 8 || (v >= 10 && v <= 14) || v == 17;
}

struct stub {
    bool ok;            /* decoded as push(es) then jmp */
    bool pushed_zero;   /* pushed a 0 error code before the vector */
    uint32_t vector;
    uint32_t target;    /* absolute jump target */
};

/* One "push imm8" (6A, sign-extended) or "push imm32" (68) at p; returns its length or 0. */
static size_t decode_push(const uint8_t *p, size_t avail, uint32_t *value) {
    if (avail >= 2 && p[0] == 0x6A) { *value = (uint32_t)(int32_t)(int8_t)p[1]; return 2; }
    if (avail >= 5 && p[0] == 0x68) { *value = rd32(p + 1); return 5; }
    return 0;
}

/* One "jmp rel32" (E9) or "jmp rel8" (EB) at p, located at addr; returns its length or 0. */
static size_t decode_jmp(const uint8_t *p, size_t avail, uint32_t addr, uint32_t *target) {
    if (avail >= 5 && p[0] == 0xE9) { *target = addr + 5 + rd32(p + 1); return 5; }
    if (avail >= 2 && p[0] == 0xEB) { *target = addr + 2 + (uint32_t)(int32_t)(int8_t)p[1]; return 2; }
    return 0;
}

static struct stub decode_stub(const struct switcher_image *im, uint32_t addr) {
    struct stub s = { 0 };
    uint32_t off = addr - im->base, first, second;
    if (off >= im->text_size)
        return s;
    const uint8_t *p = im->text + off;
    size_t avail = im->text_size - off, n = decode_push(p, avail, &first), m;
    if (!n)
        return s;
    m = decode_push(p + n, avail - n, &second);
    if (m) {            /* two pushes: the error-code zero, then the vector */
        s.pushed_zero = first == 0;
        s.vector = second;
        n += m;
    } else {
        s.vector = first;
    }
    s.ok = decode_jmp(p + n, avail - n, addr + (uint32_t)n, &s.target) != 0 && (!m || first == 0);
    return s;
}

/* The exit every vector must reach, as 4.4 x86/switcher_32.S's IRQ_STUBS lay it out. */
static uint32_t expected_target(const struct switcher_image *im, int v) {
    if (v == 2)
        return symbol_addr(im, "handle_nmi");
    if (v < 32 || v == 128)
        return symbol_addr(im, "return_to_host");
    return symbol_addr(im, "deliver_to_host");
}

/* The properties any valid Switcher image has, whoever assembled it. */
static void check_structure(const struct switcher_image *im, uint32_t base) {
    CHECK_EQ(im->base, base);
    CHECK(im->text_size > 0 && im->text_size <= SWITCHER_TEXT_MAX);
    CHECK(im->switch_to_guest - base < im->text_size);
    CHECK_EQ(im->switch_to_guest, symbol_addr(im, "switch_to_guest"));
    CHECK_EQ(symbol_addr(im, "start_switcher_text"), base);
    CHECK_EQ(symbol_addr(im, "end_switcher_text"), base + im->text_size);

    int in_page = 0, decoded = 0, right_push = 0, right_target = 0;
    for (int v = 0; v < 256; v++) {
        struct stub s = decode_stub(im, im->idt_stubs[v]);
        in_page += im->idt_stubs[v] - base < im->text_size;
        decoded += s.ok && s.vector == (uint32_t)v;
        right_push += s.ok && s.pushed_zero == !vector_has_error_code(v);
        right_target += s.ok && s.target == expected_target(im, v);
    }
    CHECK_EQ(in_page, 256);
    CHECK_EQ(decoded, 256);
    CHECK_EQ(right_push, 256);
    CHECK_EQ(right_target, 256);

    /* Both entries start with the register saves of ABI 4.2 step 1 and 4.4 step 1. */
    static const uint8_t save_host[] = { 0x06, 0x1E, 0x0F, 0xA8, 0x0F, 0xA0, 0x55 };
    static const uint8_t save_guest[] = { 0x06, 0x1E, 0x0F, 0xA0, 0x0F, 0xA8, 0x55, 0x57,
                                          0x56, 0x52, 0x51, 0x53, 0x50 };
    CHECK(memcmp(im->text + (im->switch_to_guest - base), save_host, sizeof save_host) == 0);
    CHECK(memcmp(im->text + (symbol_addr(im, "return_to_host") - base), save_guest,
                 sizeof save_guest) == 0);
    CHECK(memcmp(im->text + (symbol_addr(im, "deliver_to_host") - base), save_guest,
                 sizeof save_guest) == 0);
    /* handle_nmi: add $8,%esp; iret */
    static const uint8_t nmi[] = { 0x83, 0xC4, 0x08, 0xCF };
    CHECK(memcmp(im->text + (symbol_addr(im, "handle_nmi") - base), nmi, sizeof nmi) == 0);

    bool zero_tail = true;
    for (uint32_t i = im->text_size; i < SWITCHER_TEXT_MAX; i++)
        zero_tail = zero_tail && im->text[i] == 0;
    CHECK(zero_tail);
}

/* ---- Our own object ---- */

static void test_own_object_loads(void) {
    int rc = switcher_load(lgsim_switcher_obj, lgsim_switcher_obj_len, BASE, &img, err, ERRLEN);
    CHECK_EQ(rc, 0);
    if (rc) { fprintf(stderr, "  %s\n", err); return; }
    CHECK_EQ(err[0], 0);
    check_structure(&img, BASE);
    CHECK_EQ(img.switch_to_guest, BASE);   /* switch_to_guest opens the page */
    printf("own switcher: %u bytes of text; switch_to_guest +0x%x, return_to_host +0x%x, "
           "deliver_to_host +0x%x, handle_nmi +0x%x, first stub +0x%x, last stub +0x%x\n",
           img.text_size, img.switch_to_guest - BASE, symbol_addr(&img, "return_to_host") - BASE,
           symbol_addr(&img, "deliver_to_host") - BASE, symbol_addr(&img, "handle_nmi") - BASE,
           img.idt_stubs[0] - BASE, img.idt_stubs[255] - BASE);
}

static void test_specific_stubs(void) {
    CHECK_EQ(switcher_load(lgsim_switcher_obj, lgsim_switcher_obj_len, BASE, &img, err, ERRLEN), 0);
    const uint8_t *s0 = img.text + (img.idt_stubs[0] - BASE);
    const uint8_t *s14 = img.text + (img.idt_stubs[14] - BASE);
    const uint8_t *s128 = img.text + (img.idt_stubs[0x80] - BASE);

    /* vector 0: push $0 (error code), push $0 (vector), jmp */
    CHECK(s0[0] == 0x6A && s0[1] == 0x00 && s0[2] == 0x6A && s0[3] == 0x00 && s0[4] == 0xE9);
    /* vector 14: the CPU supplies the error code, so only push $14, then jmp */
    CHECK(s14[0] == 0x6A && s14[1] == 14 && s14[2] == 0xE9);
    /* vector 128 does not fit a sign-extended imm8: push $0, push imm32 0x80, jmp */
    CHECK(s128[0] == 0x6A && s128[1] == 0 && s128[2] == 0x68 && rd32(s128 + 3) == 0x80);

    struct stub st;
    st = decode_stub(&img, img.idt_stubs[14]);
    CHECK(st.ok && !st.pushed_zero);
    CHECK_EQ(st.vector, 14);
    CHECK_EQ(st.target, symbol_addr(&img, "return_to_host"));
    st = decode_stub(&img, img.idt_stubs[0]);
    CHECK(st.ok && st.pushed_zero);
    CHECK_EQ(st.target, symbol_addr(&img, "return_to_host"));
    st = decode_stub(&img, img.idt_stubs[0x80]);
    CHECK_EQ(st.target, symbol_addr(&img, "return_to_host"));
    st = decode_stub(&img, img.idt_stubs[0x1F]);
    CHECK_EQ(st.target, symbol_addr(&img, "return_to_host"));
    st = decode_stub(&img, img.idt_stubs[0x20]);
    CHECK_EQ(st.target, symbol_addr(&img, "deliver_to_host"));
    st = decode_stub(&img, img.idt_stubs[0xFF]);
    CHECK_EQ(st.target, symbol_addr(&img, "deliver_to_host"));
    st = decode_stub(&img, img.idt_stubs[2]);
    CHECK(st.ok && st.pushed_zero);
    CHECK_EQ(st.target, symbol_addr(&img, "handle_nmi"));
    st = decode_stub(&img, img.idt_stubs[8]);
    CHECK(st.ok && !st.pushed_zero);
    st = decode_stub(&img, img.idt_stubs[17]);
    CHECK(st.ok && !st.pushed_zero);
    st = decode_stub(&img, img.idt_stubs[9]);
    CHECK(st.ok && st.pushed_zero);
}

static void test_other_base_relocates(void) {
    CHECK_EQ(switcher_load(lgsim_switcher_obj, lgsim_switcher_obj_len, BASE, &img, err, ERRLEN), 0);
    CHECK_EQ(switcher_load(lgsim_switcher_obj, lgsim_switcher_obj_len, OTHER, &img2, err, ERRLEN), 0);
    check_structure(&img2, OTHER);
    CHECK_EQ(img2.switch_to_guest - img.switch_to_guest, OTHER - BASE);
    int shifted = 0;
    for (int v = 0; v < 256; v++)
        shifted += img2.idt_stubs[v] - img.idt_stubs[v] == OTHER - BASE;
    CHECK_EQ(shifted, 256);
    /* Our text is position independent: the bytes do not change with the base. */
    CHECK(memcmp(img.text, img2.text, SWITCHER_TEXT_MAX) == 0);
}

static void test_symbolize(void) {
    CHECK_EQ(switcher_load(lgsim_switcher_obj, lgsim_switcher_obj_len, BASE, &img, err, ERRLEN), 0);
    uint32_t off = 0xDEAD;
    /* switch_to_guest shares its address with start_switcher_text and wins the tie */
    CHECK_STR_CONTAINS(switcher_symbolize(&img, BASE + 5, &off), "switch_to_guest");
    CHECK_EQ(off, 5);
    uint32_t rth = symbol_addr(&img, "return_to_host");
    const char *name = switcher_symbolize(&img, rth + 3, &off);
    CHECK(name && strcmp(name, "return_to_host") == 0);
    CHECK_EQ(off, 3);
    name = switcher_symbolize(&img, img.idt_stubs[0x20], &off);
    CHECK(name && strcmp(name, "vector_stubs") == 0);
    CHECK_EQ(off, img.idt_stubs[0x20] - symbol_addr(&img, "vector_stubs"));
    CHECK(switcher_symbolize(&img, BASE - 1, &off) == NULL);
    CHECK(switcher_symbolize(&img, BASE + img.text_size, &off) == NULL);
    CHECK(switcher_symbolize(&img, 0, &off) == NULL);
}

/* ---- The fixture: a text that really needs .rel.text ---- */

static void check_fixture_at(uint32_t base) {
    int rc = switcher_load(reloc_fixture_obj, reloc_fixture_obj_len, base, &img, err, ERRLEN);
    CHECK_EQ(rc, 0);
    if (rc) { fprintf(stderr, "  %s\n", err); return; }
    uint32_t entry = img.switch_to_guest, stub = symbol_addr(&img, "the_stub");
    uint32_t weak = symbol_addr(&img, "weak_target");
    const uint8_t *p = img.text + (entry - base);
    CHECK_EQ(img.text_size, 0x12);         /* end (0x1a) - start (0x08) */
    CHECK_EQ(entry, base + 1);
    CHECK_EQ(img.text[0], 0x90);           /* the page starts at start_switcher_text's nop */
    CHECK_EQ(p[0], 0xB8);                  /* mov $the_stub, %eax: section symbol + addend */
    CHECK_EQ(rd32(p + 1), stub);
    CHECK_EQ(p[5], 0xBB);                  /* mov $switch_to_guest, %ebx: named symbol */
    CHECK_EQ(rd32(p + 6), entry);
    CHECK_EQ(p[10], 0xE8);                 /* call weak_target: pc-relative */
    CHECK_EQ(entry + 15 + rd32(p + 11), weak);
    int all = 0;
    for (int v = 0; v < 256; v++)
        all += img.idt_stubs[v] == stub;
    CHECK_EQ(all, 256);
}

static void test_fixture_text_relocations(void) {
    check_fixture_at(BASE);
    check_fixture_at(OTHER);
    check_fixture_at(0xFFFFF000u);         /* the very top page of the address space */
    CHECK_EQ(switcher_load(reloc_fixture_obj, reloc_fixture_obj_len, 0xFFFFFFF8u, &img, err,
                           ERRLEN), -1);
    CHECK_STR_CONTAINS(err, "wrap past 4 GiB");
}

/* ---- Objects that must be rejected, each with its own message ---- */

static int load_copy(const uint8_t *c, size_t len) {
    memset(err, 0, sizeof err);
    return switcher_load(c, len, BASE, &img, err, ERRLEN);
}

static void test_rejects_truncated(void) {
    CHECK_EQ(load_copy(lgsim_switcher_obj, 10), -1);
    CHECK_STR_CONTAINS(err, "switcher object: truncated");
    CHECK_EQ(load_copy(lgsim_switcher_obj, lgsim_switcher_obj_len / 2), -1);
    CHECK_STR_CONTAINS(err, "switcher object: truncated or corrupt: section header table");
    CHECK_EQ(load_copy(lgsim_switcher_obj, lgsim_switcher_obj_len - 1), -1);
    CHECK_STR_CONTAINS(err, "truncated");
    CHECK_EQ(switcher_load(NULL, 100, BASE, &img, err, ERRLEN), -1);
    CHECK_STR_CONTAINS(err, "truncated");
    CHECK_EQ(img.text_size, 0);            /* a failed load leaves an empty image */
}

static void test_rejects_wrong_machine(void) {
    uint8_t *c = copy_of(lgsim_switcher_obj, lgsim_switcher_obj_len);
    wr16(c + 18, 62);                      /* EM_X86_64 */
    CHECK_EQ(load_copy(c, lgsim_switcher_obj_len), -1);
    CHECK_STR_CONTAINS(err, "switcher object: not an ELF32 i386 relocatable object");
    wr16(c + 18, 3);
    c[4] = 2;                              /* ELFCLASS64 */
    CHECK_EQ(load_copy(c, lgsim_switcher_obj_len), -1);
    CHECK_STR_CONTAINS(err, "not an ELF32 i386 relocatable object");
    c[4] = 1;
    wr16(c + 16, 2);                       /* ET_EXEC */
    CHECK_EQ(load_copy(c, lgsim_switcher_obj_len), -1);
    CHECK_STR_CONTAINS(err, "not an ELF32 i386 relocatable object");
    free(c);
}

/* Alter the first byte of name in the string table, then expect "no symbol 'name'". */
static void expect_missing(const char *name) {
    uint8_t *c = copy_of(lgsim_switcher_obj, lgsim_switcher_obj_len);
    uint8_t *strtab = section_header(c, ".strtab");
    CHECK(strtab != NULL);
    if (!strtab) { free(c); return; }
    uint8_t *strs = c + rd32(strtab + 16);
    size_t n = strlen(name) + 1;
    int patched = 0;
    for (uint32_t i = 0; i + n <= rd32(strtab + 20); i++)
        if ((i == 0 || strs[i - 1] == 0) && memcmp(strs + i, name, n) == 0) {
            strs[i] = 'X';
            patched++;
        }
    CHECK_EQ(patched, 1);
    CHECK_EQ(load_copy(c, lgsim_switcher_obj_len), -1);
    char want[96];
    snprintf(want, sizeof want, "switcher object: no symbol '%s'", name);
    CHECK_STR_CONTAINS(err, want);
    free(c);
}

static void test_rejects_missing_symbols(void) {
    expect_missing("default_idt_entries");
    expect_missing("switch_to_guest");
    expect_missing("start_switcher_text");
    expect_missing("end_switcher_text");
}

static void test_rejects_text_over_a_page(void) {
    uint8_t *c = copy_of(lgsim_switcher_obj, lgsim_switcher_obj_len);
    uint8_t *start = symbol_entry(c, "start_switcher_text"), *end = symbol_entry(c, "end_switcher_text");
    CHECK(start && end);
    if (!start || !end) { free(c); return; }
    wr32(end + 4, rd32(start + 4) + 5120);
    CHECK_EQ(load_copy(c, lgsim_switcher_obj_len), -1);
    CHECK_STR_CONTAINS(err, "switcher object: text is 5120 bytes, more than one page (4096)");
    wr32(end + 4, rd32(start + 4));        /* empty text */
    CHECK_EQ(load_copy(c, lgsim_switcher_obj_len), -1);
    CHECK_STR_CONTAINS(err, "is not after start_switcher_text");
    wr32(end + 4, rd32(start + 4) + 4000); /* fits a page but not .text */
    CHECK_EQ(load_copy(c, lgsim_switcher_obj_len), -1);
    CHECK_STR_CONTAINS(err, "lies past the end of .text");
    free(c);
}

/* Set the type of the first relocation in section relname of a copy of obj. */
static void expect_bad_reloc_type(const uint8_t *obj, size_t len, const char *relname,
                                  const char *want) {
    uint8_t *c = copy_of(obj, len);
    uint8_t *rel = section_header(c, relname);
    CHECK(rel != NULL);
    if (!rel) { free(c); return; }
    uint8_t *info = c + rd32(rel + 16) + 4;
    wr32(info, (rd32(info) & ~0xFFu) | 10);   /* R_386_GOTPC */
    CHECK_EQ(load_copy(c, len), -1);
    CHECK_STR_CONTAINS(err, want);
    free(c);
}

static void test_rejects_unsupported_relocation(void) {
    expect_bad_reloc_type(reloc_fixture_obj, reloc_fixture_obj_len, ".rel.text",
                          "switcher object: unsupported relocation type 10 in .rel.text");
    expect_bad_reloc_type(lgsim_switcher_obj, lgsim_switcher_obj_len, ".rel.data",
                          "switcher object: unsupported relocation type 10 in .rel.data");
}

static void test_rejects_out_of_range_offsets(void) {
    uint8_t *c = copy_of(lgsim_switcher_obj, lgsim_switcher_obj_len);
    uint8_t *text = section_header(c, ".text");
    uint32_t saved = rd32(text + 16);
    wr32(text + 16, 0xFFFFFF00u);
    CHECK_EQ(load_copy(c, lgsim_switcher_obj_len), -1);
    CHECK_STR_CONTAINS(err, "switcher object: truncated or corrupt: section '.text'");
    wr32(text + 16, saved);
    wr32(text + 20, 0xFFFFFFF0u);          /* size that wraps when added to the offset */
    CHECK_EQ(load_copy(c, lgsim_switcher_obj_len), -1);
    CHECK_STR_CONTAINS(err, "section '.text'");
    free(c);

    c = copy_of(lgsim_switcher_obj, lgsim_switcher_obj_len);
    wr32(c + 32, 0xFFFFFFF0u);             /* e_shoff */
    CHECK_EQ(load_copy(c, lgsim_switcher_obj_len), -1);
    CHECK_STR_CONTAINS(err, "section header table");
    free(c);

    c = copy_of(lgsim_switcher_obj, lgsim_switcher_obj_len);
    uint8_t *first_rel = c + rd32(section_header(c, ".rel.data") + 16);
    wr32(first_rel + 4, 0xFFFF00u | 1);    /* R_386_32 against symbol 65535 */
    CHECK_EQ(load_copy(c, lgsim_switcher_obj_len), -1);
    CHECK_STR_CONTAINS(err, "names symbol 65535");
    free(c);

    c = copy_of(reloc_fixture_obj, reloc_fixture_obj_len);
    first_rel = c + rd32(section_header(c, ".rel.text") + 16);
    wr32(first_rel, 0x7FFFFFF0u);          /* a place far outside .text */
    CHECK_EQ(load_copy(c, reloc_fixture_obj_len), -1);
    CHECK_STR_CONTAINS(err, "relocation at 0x7ffffff0 in .rel.text lies outside .text");
    free(c);
}

static void test_rejects_stub_outside_page(void) {
    uint8_t *c = copy_of(lgsim_switcher_obj, lgsim_switcher_obj_len);
    uint8_t *table = symbol_entry(c, "default_idt_entries"), *data = section_header(c, ".data");
    uint8_t *entry5 = c + rd32(data + 16) + rd32(table + 4) + 5 * 4;
    wr32(entry5, 0x5000);                  /* the addend: .text + 0x5000 is beyond the page */
    CHECK_EQ(load_copy(c, lgsim_switcher_obj_len), -1);
    CHECK_STR_CONTAINS(err, "default_idt_entries[5] = 0xffc05000 lies outside the text");
    free(c);
}

/* ---- Hostile input never crashes ---- */

static uint32_t rng_state = 0x2545F491u;
static uint32_t next_random(void) {       /* xorshift32: fixed seed, same run every time */
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 17;
    rng_state ^= rng_state << 5;
    return rng_state;
}

/* A load either fails with a message or yields an image that keeps the loader's promises. */
static bool outcome_is_sane(int rc) {
    if (rc != 0)
        return rc == -1 && strncmp(err, "switcher object: ", 17) == 0;
    if (img.text_size == 0 || img.text_size > SWITCHER_TEXT_MAX ||
        img.switch_to_guest - BASE >= img.text_size || img.nsyms > 64)
        return false;
    for (int v = 0; v < 256; v++)
        if (img.idt_stubs[v] - BASE >= img.text_size)
            return false;
    uint32_t off;
    (void)switcher_symbolize(&img, img.idt_stubs[0], &off);
    return true;
}

static void fuzz_object(const uint8_t *obj, size_t len, int flips, int *loaded, int *rejected,
                        int *insane) {
    /* Every truncation. */
    for (size_t cut = 0; cut <= len; cut++) {
        uint8_t *c = copy_of(obj, cut);
        int rc = load_copy(c, cut);
        *insane += !outcome_is_sane(rc);
        *(rc ? rejected : loaded) += 1;
        free(c);
    }
    /* Random byte changes: half anywhere, half aimed at the headers and tables the loader walks. */
    uint8_t *c = copy_of(obj, len);
    uint32_t shoff = rd32(obj + 32);
    for (int round = 0; round < flips; round++) {
        memcpy(c, obj, len);
        int n = 1 + (int)(next_random() % 8);
        for (int i = 0; i < n; i++) {
            uint32_t r = next_random();
            size_t at = (r & 1) ? next_random() % len
                                : (r & 2) ? next_random() % 52
                                          : shoff + next_random() % (len - shoff);
            c[at] = (r & 4) ? (uint8_t)(next_random() >> 24) : (uint8_t)(c[at] ^ (1u << (r >> 29)));
        }
        int rc = load_copy(c, len);
        *insane += !outcome_is_sane(rc);
        *(rc ? rejected : loaded) += 1;
    }
    free(c);
}

static void test_fuzz_never_crashes(void) {
    int loaded = 0, rejected = 0, insane = 0;
    fuzz_object(lgsim_switcher_obj, lgsim_switcher_obj_len, 20000, &loaded, &rejected, &insane);
    fuzz_object(reloc_fixture_obj, reloc_fixture_obj_len, 20000, &loaded, &rejected, &insane);
    printf("fuzz: %d loads, %d accepted, %d rejected\n", loaded + rejected, loaded, rejected);
    CHECK_EQ(insane, 0);
    CHECK(loaded > 0 && rejected > 0);
}

/* ---- Linux's own switcher_32.S, when the environment provides an object ---- */

static uint8_t *read_file(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    uint8_t *buf = NULL;
    long n = fseek(f, 0, SEEK_END) == 0 ? ftell(f) : -1;
    if (n >= 0 && fseek(f, 0, SEEK_SET) == 0)
        buf = malloc((size_t)n + 1);
    if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    *len = buf ? (size_t)n : 0;
    return buf;
}

static void test_linux_switcher(void) {
    const char *path = getenv("LGSIM_LINUX_SWITCHER");
    if (!path || !*path) {
        printf("note: LGSIM_LINUX_SWITCHER not set; skipping the Linux switcher object\n");
        return;
    }
    size_t len = 0;
    uint8_t *obj = read_file(path, &len);
    CHECK(obj != NULL);
    if (!obj) { fprintf(stderr, "  cannot read %s\n", path); return; }
    int rc = switcher_load(obj, len, BASE, &img, err, ERRLEN);
    CHECK_EQ(rc, 0);
    if (rc == 0) {
        check_structure(&img, BASE);
        CHECK_EQ(switcher_load(obj, len, OTHER, &img2, err, ERRLEN), 0);
        check_structure(&img2, OTHER);
        printf("linux switcher: %u bytes of text; switch_to_guest +0x%x, return_to_host +0x%x, "
               "deliver_to_host +0x%x, handle_nmi +0x%x\n", img.text_size,
               img.switch_to_guest - BASE, symbol_addr(&img, "return_to_host") - BASE,
               symbol_addr(&img, "deliver_to_host") - BASE, symbol_addr(&img, "handle_nmi") - BASE);
    } else {
        fprintf(stderr, "  %s\n", err);
    }
    free(obj);
}

int main(void) {
    RUN(test_own_object_loads);
    RUN(test_specific_stubs);
    RUN(test_other_base_relocates);
    RUN(test_symbolize);
    RUN(test_fixture_text_relocations);
    RUN(test_rejects_truncated);
    RUN(test_rejects_wrong_machine);
    RUN(test_rejects_missing_symbols);
    RUN(test_rejects_text_over_a_page);
    RUN(test_rejects_unsupported_relocation);
    RUN(test_rejects_out_of_range_offsets);
    RUN(test_rejects_stub_outside_page);
    RUN(test_fuzz_never_crashes);
    RUN(test_linux_switcher);
    return check_report("switcher_loader");
}
