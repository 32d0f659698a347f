/* pt.c - "monitor pt": the Guest's page tables and the shadow over a range, side by side. */
#include "debugger.h"
#include "sim/host/layout.h"
#include <string.h>

/*
 * What QEMU's "info tlb" and Bochs' "info tab" give, for both tables a Guest address goes
 * through: its own (guest-virtual to guest-physical, read in guest memory from the directory
 * its CR3 names) and the Host's shadow (guest-virtual to host-physical, the one the CPU
 * walks).  Each line is a run of pages over which both sides go on alike: each is unmapped
 * throughout, or maps consecutive frames with the same flags.  A run where neither side maps
 * anything is left out.  The walks are monitor walk's (views.c): no accessed or dirty bit is
 * set by looking.
 */

/* One page as one side maps it. */
struct side {
    int mapped;
    uint32_t pa;       /* the frame */
    uint32_t flags;    /* PTE_ bits: the page's own, W and U only where its directory allows */
};

#define SHOWN_FLAGS (PTE_P | PTE_RW | PTE_US | PTE_A | PTE_D | PTE_G | PTE_PS)

/* What the access rights of a page are: the table entry's, within what the directory entry
 * allows (Intel SDM vol. 3 §4.6); a 4 MiB page has only its directory entry. */
static struct side side_of(int mapped, uint32_t pde, uint32_t pte, uint32_t pa) {
    struct side s = { mapped, pa & ~0xFFFu, 0 };
    if (!mapped) return (struct side){ 0, 0, 0 };
    s.flags = pte & SHOWN_FLAGS & ~(PTE_RW | PTE_US);
    s.flags |= pde & pte & (PTE_RW | PTE_US);
    if (pde & PTE_PS) s.flags |= PTE_PS;
    return s;
}

/* Both sides of one page; *empty_dir when neither directory entry is present, so the rest of
 * its 4 MiB holds nothing either. */
static void page_sides(struct debugger *d, uint32_t la, struct side *g, struct side *s,
                       int *empty_dir) {
    uint32_t pde, pte, pa, root, gpde = 0;
    if (d->lg->shadow.linear) *g = side_of(0, 0, 0, 0);   /* said once, in the heading */
    else {
        int ok = guest_walk(&d->k, la, &pde, &pte, &pa) == 0;
        *g = side_of(ok, pde, pte, pa);
        gpde = pde;
    }
    int ok = shadow_walk(&d->k, la, &pde, &pte, &pa, &root) == 0;
    *s = side_of(ok, pde, pte, pa);
    *empty_dir = !(gpde & PTE_P) && !(pde & PTE_P);
}

/* Does page number n of a run that began with first go on as next does? */
static int goes_on(const struct side *first, const struct side *next, uint32_t n) {
    if (!first->mapped || !next->mapped) return first->mapped == next->mapped;
    return next->flags == first->flags && next->pa == first->pa + n * 0x1000u;
}

static const char *flag_text(const struct side *s, char *buf, size_t len) {
    static const struct { uint32_t bit; const char *name; } f[] = {
        { PTE_P, "P" }, { PTE_RW, "W" }, { PTE_US, "U" }, { PTE_A, "A" }, { PTE_D, "D" },
        { PTE_G, "G" }, { PTE_PS, "PS" },
    };
    size_t at = 0;
    for (size_t i = 0; i < sizeof(f) / sizeof(f[0]) && at + 4 < len; i++)
        at += (size_t)snprintf(buf + at, len - at, "%s%s", i ? " " : "",
                               (s->flags & f[i].bit) ? f[i].name : (i == 6 ? "--" : "-"));
    return buf;
}

/* One side's column; the last one (the shadow's) carries no padding.  Where the Guest maps
 * pages the shadow does not, the shadow has no entry for them yet: 4.4 page_tables.c
 * demand_page() makes one at the fault the Guest's first access there takes. */
static void say_side(struct monitor_out *out, const struct side *s, uint32_t pages, int last,
                     int guest_maps) {
    char flags[32];
    if (!s->mapped) {
        say(out, "  %-*s", last ? 1 : 33, last && guest_maps ? "no entry yet" : "-");
        return;
    }
    say(out, "  %08x-%08x  %-*s", s->pa, s->pa + pages * 0x1000u - 1, last ? 1 : 14,
        flag_text(s, flags, sizeof(flags)));
}

struct run {
    uint64_t start;          /* linear address of the first page */
    uint32_t pages;
    struct side g, s;        /* its first page */
};

static void say_run(struct monitor_out *out, const struct run *r, unsigned *lines) {
    if (!r->pages || (!r->g.mapped && !r->s.mapped)) return;
    say(out, "%08x-%08x", (uint32_t)r->start, (uint32_t)(r->start + r->pages * 0x1000ull - 1));
    say_side(out, &r->g, r->pages, 0, 0);
    say_side(out, &r->s, r->pages, 1, r->g.mapped);
    say(out, "\n");
    ++*lines;
}

static void heading(struct debugger *d, uint64_t from, uint64_t to, struct monitor_out *out) {
    const struct shadow *sh = &d->lg->shadow;
    say(out, "page tables from %#llx to %#llx: the Guest's own ", (unsigned long long)from,
            (unsigned long long)to);
    if (sh->linear) say(out, "(none yet: the Host treats the Guest as identity-mapped)");
    else say(out, "(directory at guest-physical %#x)", sh->pgdirs[sh->cur].gpgdir);
    say(out, " and the shadow (root at host-physical %#x)\n", sh->root);
    say(out, "%-17s  %-17s  %-14s  %-17s  %s\n", "guest-virtual", "guest-physical",
            "guest flags", "host-physical", "shadow flags");
}

/* [from, to), whole pages. */
static void list(struct debugger *d, uint64_t from, uint64_t to, struct monitor_out *out) {
    struct run r = { from, 0, { 0, 0, 0 }, { 0, 0, 0 } };
    unsigned lines = 0;
    heading(d, from, to, out);
    for (uint64_t la = from; la < to;) {
        struct side g, s;
        int empty_dir;
        page_sides(d, (uint32_t)la, &g, &s, &empty_dir);
        if (!r.pages || !goes_on(&r.g, &g, r.pages) || !goes_on(&r.s, &s, r.pages)) {
            say_run(out, &r, &lines);
            r = (struct run){ la, 0, g, s };
        }
        uint64_t next = empty_dir ? (la | 0x3FFFFFu) + 1 : la + 0x1000u;
        if (next > to) next = to;
        r.pages += (uint32_t)((next - la) >> 12);
        la = next;
    }
    say_run(out, &r, &lines);
    if (!lines) say(out, "nothing mapped on either side\n");
}

int monitor_pt(struct debugger *d, const char *arg, struct monitor_out *out) {
    char a[64] = "", b[64] = "";
    int used = 0;
    uint64_t from = 0, to = 0x100000000ull;
    sscanf(arg, "%63s %63s %n", a, b, &used);
    int words = !*a ? 0 : !*b ? 1 : 2;
    if (words == 1 || (words == 2 && arg[used])) {
        say(out, "pt: 'pt' alone, or 'pt FROM TO' (two addresses), not '%s'\n", arg);
        return -1;
    }
    if (words == 2 && (monitor_address(d, a, 0xFFFFFFFFu, &from) ||
                       monitor_address(d, b, 0x100000000ull, &to))) {
        say(out, "pt: bad address in '%s' (pt FROM TO: 0 to 0x100000000, eip, esp, ebp, cr2 or "
                "a kernel symbol; TO is not included)\n", arg);
        return -1;
    }
    if (from >= to) {
        say(out, "pt: FROM %#llx is not below TO %#llx\n", (unsigned long long)from,
                (unsigned long long)to);
        return -1;
    }
    list(d, from & ~0xFFFull, (to + 0xFFF) & ~0xFFFull, out);
    return 0;
}
