/* io.c - I/O permission (IOPL and the TSS bitmap) and deterministic RDTSC. */
#include "cpu/private.h"
#include <string.h>

/*
 * Unicorn compiles IN/OUT with no permission check at all, yet lguest depends on every port
 * access from the Guest faulting with #GP(0).  The check itself is easy (SDM vol. 1 §18.5);
 * stopping the instruction precisely is not, because the IN/OUT hook runs in the middle of a
 * translated block that will carry on after it.  What does stop precisely is QEMU's I/O
 * breakpoint helper, which runs right after each I/O instruction when an I/O breakpoint is
 * enabled: so DR7 permanently enables breakpoint 0 as an I/O breakpoint on a port no access
 * can match (DR0 = 0xFFFFFFFF).  When the hook denies an access it performs nothing (an IN
 * returns the old register value), points DR0 at that port, and the helper raises #DB; on_intr
 * recognises it and delivers #GP(0) at the I/O instruction instead, as a real CPU would have.
 * Inside the hook Unicorn's EIP still holds the start of the block, so the instruction is found
 * by decoding forward from the block start to the instruction that ends where #DB stopped.
 *
 * Known difference: a denied INS has already stored (zero) at ES:EDI when the #GP is taken.
 */

#define DR7_IO_BREAKPOINT_0 0x00020001u   /* L0, R/W0 = 10b (I/O), LEN0 = 1 byte */
#define NO_PORT 0xFFFFFFFFu

static int io_allowed(struct cpu *c, uint16_t port, int size) {
    uint32_t eflags = cpu_get(c, UC_X86_REG_EFLAGS);
    uint32_t iopl = (eflags & EFLAGS_IOPL) >> 12;
    if ((uint32_t)cpu_cpl(c) <= iopl)
        return 1;
    uint32_t base, limit;
    cpu_get_table(c, UC_X86_REG_TR, &base, &limit);
    if (limit < 103)
        return 0;
    uint8_t raw[2];
    if (cpu_read_linear(c, base + 102, raw, 2))
        return 0;
    uint32_t byte = le16(raw) + port / 8u;
    /* the processor always reads two bitmap bytes; both must be inside the TSS limit */
    if (byte + 1 > limit || cpu_read_linear(c, base + byte, raw, 2))
        return 0;
    uint32_t bits = (uint32_t)le16(raw) >> (port & 7);
    return (bits & ((1u << size) - 1)) == 0;
}

static void deny(struct cpu *c, uint32_t port) {
    c->io_denied = 1;
    c->io_block = c->cur_block;
    c->io_saved_dr6 = cpu_get(c, UC_X86_REG_DR6);
    cpu_set(c, UC_X86_REG_DR0, port);
}

static uint32_t on_in(uc_engine *uc, uint32_t port, int size, void *user) {
    struct cpu *c = user;
    if (!io_allowed(c, (uint16_t)port, size)) {
        deny(c, port);
        return cpu_get(c, UC_X86_REG_EAX);   /* leave AL/AX/EAX as they were */
    }
    return c->hooks.io_in ? c->hooks.io_in(c->hooks.ctx, (uint16_t)port, size) : 0xFFFFFFFFu;
}

static void on_out(uc_engine *uc, uint32_t port, int size, uint32_t value, void *user) {
    struct cpu *c = user;
    if (!io_allowed(c, (uint16_t)port, size)) {
        deny(c, port);
        return;
    }
    if (c->hooks.io_out)
        c->hooks.io_out(c->hooks.ctx, (uint16_t)port, size, value);
}

void cpu_io_install(struct cpu *c) {
    uc_hook_add(c->uc, &c->h_in, UC_HOOK_INSN, (void *)on_in, c, 1, 0, UC_X86_INS_IN);
    uc_hook_add(c->uc, &c->h_out, UC_HOOK_INSN, (void *)on_out, c, 1, 0, UC_X86_INS_OUT);
    cpu_set(c, UC_X86_REG_DR0, NO_PORT);
    /* A DR7 written through the API is a plain store; hflags must also say "I/O breakpoint
     * enabled" so that translated blocks call the helper (cpu_force_cpl keeps the bit set). */
    cpu_set(c, UC_X86_REG_DR7, DR7_IO_BREAKPOINT_0);
}

/* The instruction of the block at 'start' that ends at 'next', decoded. */
static uint32_t decode_insn_ending_at(struct cpu *c, const uint8_t *code, uint32_t start,
                                      uint32_t next) {
    uint32_t found = next - 1;
    cs_insn *insn = cs_malloc(c->dis);
    const uint8_t *p = code;
    size_t left = next - start;
    uint64_t addr = start;
    while (cs_disasm_iter(c->dis, &p, &left, &addr, insn))
        if (addr == next) found = (uint32_t)insn->address;
    cs_free(insn, 1);
    return found;
}

/* Every denied access would decode its block again, a few instructions of Capstone each time,
 * though a Linux boot makes its 34,000 port accesses from a dozen places.  The answer depends
 * only on the block's address and bytes, so it is remembered for exactly those. */
static struct cpu_io_memo *io_memo_find(struct cpu *c, uint32_t start, uint32_t len,
                                        const uint8_t *code) {
    for (int i = 0; i < CPU_IO_MEMO; i++) {
        struct cpu_io_memo *m = &c->io_memo[i];
        if (m->start == start && m->len == len && memcmp(m->code, code, len) == 0)
            return m;
    }
    return NULL;
}

/* The instruction of the block at 'start' that ends at 'next'. */
static uint32_t insn_ending_at(struct cpu *c, uint32_t start, uint32_t next) {
    uint8_t code[4096];
    uint32_t len = next - start;
    if (len == 0 || len > sizeof(code) || cpu_read_linear(c, start, code, len))
        return next - 1;
    if (len > CPU_IO_MEMO_BYTES)
        return decode_insn_ending_at(c, code, start, next);
    struct cpu_io_memo *m = io_memo_find(c, start, len, code);
    if (!m) {   /* the oldest entry makes room */
        m = &c->io_memo[c->io_memo_next++ % CPU_IO_MEMO];
        m->start = start;
        m->len = len;
        memcpy(m->code, code, len);
        m->found = decode_insn_ending_at(c, code, start, next);
    }
    return m->found;
}

/* Called for #DB: was it our I/O breakpoint?  Then it is really #GP(0) on the I/O insn. */
int cpu_io_take_denied(struct cpu *c, uint32_t next_eip, struct cpu_event *ev) {
    if (!c->io_denied)
        return 0;
    c->io_denied = 0;
    cpu_set(c, UC_X86_REG_DR0, NO_PORT);
    cpu_set(c, UC_X86_REG_DR6, c->io_saved_dr6);
    c->n_io_gp++;
    *ev = (struct cpu_event){ .vector = 13, .kind = EV_FAULT, .has_error = 1, .error = 0,
                              .eip = insn_ending_at(c, c->io_block, next_eip) };
    return 1;
}

/*
 * RDTSC would read the host's time stamp counter, so no two runs would agree.  The hardware
 * CR4.TSD bit stays set, so RDTSC at CPL > 0 raises #GP(0); unless the program itself asked for
 * TSD, that #GP is answered here with the virtual clock.  (At CPL 0 Unicorn 2.1.1 offers no
 * hook; lgsim's own ring-0 code never reads the TSC.)
 */
int cpu_try_emulate_rdtsc(struct cpu *c, uint32_t eip) {
    uint8_t insn[2];
    if (c->cr4_tsd || cpu_read_linear(c, eip, insn, 2) || insn[0] != 0x0F || insn[1] != 0x31)
        return 0;
    uint64_t tsc = cpu_tsc(c);
    cpu_force_cpl(c, cpu_cpl(c));   /* clears the #GP Unicorn still has in flight */
    cpu_set(c, UC_X86_REG_EAX, (uint32_t)tsc);
    cpu_set(c, UC_X86_REG_EDX, (uint32_t)(tsc >> 32));
    cpu_set(c, UC_X86_REG_EIP, eip + 2);
    c->n_rdtsc++;
    return 1;
}
