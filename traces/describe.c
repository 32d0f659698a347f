/* describe.c - x86 and lguest values in words, for the commands that explain traces. */
#include "traces/describe.h"
#include "abi/lguest.h"
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void text_clear(struct text *t) {
    t->len = 0;
    t->buf[0] = 0;
}

void text_add(struct text *t, const char *fmt, ...) {
    size_t room = sizeof(t->buf) - t->len;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(t->buf + t->len, room, fmt, ap);
    va_end(ap);
    if (n > 0) t->len += (size_t)n < room ? (size_t)n : room - 1;
}

void text_add_quoted(struct text *t, const char *s, size_t len, size_t max) {
    text_add(t, "\"");
    for (size_t i = 0; i < len && i < max; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '\n') text_add(t, "\\n");
        else if (c == '"' || c == '\\') text_add(t, "\\%c", c);
        else if (c < 0x20 || c >= 0x7F) text_add(t, "\\x%02x", c);
        else text_add(t, "%c", c);
    }
    text_add(t, len > max ? "...\"" : "\"");
}

const char *describe_ring(uint32_t cs) {
    static const char *rings[] = { "ring 0, the host", "ring 1 guest kernel", "ring 2 code",
                                   "ring 3 user code" };
    return rings[cs & 3];
}

void describe_pf_err(struct text *t, uint32_t err) {
    text_add(t, "%s; %s; from %s", (err & 1) ? "the page was present, but the access broke "
             "its protection" : "the page was not present", (err & 2) ? "a write" : "a read",
             (err & 4) ? "user mode (ring 3)" : "supervisor mode (rings 0 to 2)");
    if (err & 8) text_add(t, "; a reserved bit was set in a paging entry");
    if (err & 16) text_add(t, "; an instruction fetch");
}

static void pte_flags(struct text *t, uint32_t pte) {
    text_add(t, "%s, %s, %s", (pte & 1) ? "present" : "not present",
             (pte & 2) ? "writable" : "read-only", (pte & 4) ? "user" : "supervisor only");
    if (pte & 0x20) text_add(t, ", accessed");
    if (pte & 0x40) text_add(t, ", dirty");
    if (pte & 0x80) text_add(t, ", 4 MiB page");
    if (pte & 0x100) text_add(t, ", global");
    if (pte & 0x18) text_add(t, ", caching bits %#x", pte & 0x18);
}

void describe_pte(struct text *t, uint32_t pte) {
    text_add(t, "frame %#010x; ", pte & 0xFFFFF000u);
    pte_flags(t, pte);
}

void describe_spte(struct text *t, uint32_t spte) {
    uint32_t frame = spte & 0xFFFFF000u;
    if (!spte) {
        text_add(t, "0, an empty entry");
        return;
    }
    text_add(t, "%#010x: host-physical frame %#010x", spte, frame);
    /* lgsim keeps guest RAM at one host-physical offset, so the guest's frame shows through. */
    if (frame >= GUEST_PHYS_BASE) text_add(t, " (guest-physical %#010x)", frame - GUEST_PHYS_BASE);
    text_add(t, "; ");
    pte_flags(t, spte);
}

int vector_has_errcode(uint32_t vector) {
    return vector == 8 || (vector >= 10 && vector <= 14) || vector == 17;
}

/* The page-table hypercalls, whose arguments a learner most wants decoded. */
static int describe_pagetable_hcall(struct text *t, const uint32_t *a) {
    switch (a[HC_NR]) {
    case 14:
        text_add(t, "SET_PTE: the guest wrote the entry for %#010x in its page directory %#010x"
                 " and tells the host: PTE %#010x (", a[HC_ARG2], a[HC_ARG1], a[HC_ARG3]);
        describe_pte(t, a[HC_ARG3]);
        text_add(t, ")");
        return 1;
    case 15:
        text_add(t, "SET_PGD: entry %u of page directory %#010x changed (the page table for "
                 "%#010x-%#010x)", a[HC_ARG2], a[HC_ARG1], a[HC_ARG2] << 22,
                 (a[HC_ARG2] << 22) + 0x3FFFFFu);
        return 1;
    case 4:
        text_add(t, "NEW_PGTABLE: the guest loads page directory %#010x (its CR3)", a[HC_ARG1]);
        return 1;
    case 5:
        text_add(t, "FLUSH_TLB: %s", a[HC_ARG1] ? "every mapping changed (a kernel one did)"
                                                : "the user mappings changed");
        return 1;
    }
    return 0;
}

void describe_hcall(struct text *t, const struct trace_rec *r) {
    const uint32_t *a = r->f;
    const char *name = trace_hcall_name(a[HC_NR]);
    if (describe_pagetable_hcall(t, a)) return;
    switch (a[HC_NR]) {
    case 7:
        text_add(t, "SET_STACK: the kernel stack for traps from ring 3 is ss %#x, esp %#010x, "
                 "%u pages (the host keeps them mapped in the shadow)", a[HC_ARG1], a[HC_ARG2],
                 a[HC_ARG3]);
        return;
    case 9:
        text_add(t, "SET_CLOCKEVENT: the guest wants a timer interrupt in %u ns", a[HC_ARG1]);
        return;
    case 2:
        text_add(t, "SHUTDOWN: the guest asks to be %s (its message is at %#010x)",
                 a[HC_ARG2] == 2 ? "restarted" : "powered off", a[HC_ARG1]);
        return;
    case 10:
        text_add(t, "HALT: the guest has nothing to do until its next interrupt");
        return;
    case 6:
        text_add(t, "LOAD_IDT_ENTRY: the guest's IDT entry %u becomes the gate 0x%08x%08x",
                 a[HC_ARG1], a[HC_ARG3], a[HC_ARG2]);
        return;
    case 18:
        text_add(t, "LOAD_GDT_ENTRY: the guest's GDT entry %u becomes the descriptor "
                 "0x%08x%08x", a[HC_ARG1], a[HC_ARG3], a[HC_ARG2]);
        return;
    case 19:
        text_add(t, "SEND_INTERRUPTS: the guest turned interrupts back on and asks for the "
                 "ones the host held back");
        return;
    }
    if (name)
        text_add(t, "%s(%#x, %#x, %#x, %#x)", name, a[HC_ARG1], a[HC_ARG2], a[HC_ARG3],
                 a[HC_ARG4]);
    else
        text_add(t, "hypercall %u, which Linux 4.4 does not know", a[HC_NR]);
}
