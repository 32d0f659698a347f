/* sites.c - the instructions Unicorn gets wrong, caught where they stand and done as the SDM says. */
#include "cpu/private.h"
#include <stdlib.h>
#include <string.h>

/*
 * A few instructions come out of Unicorn 2.1.1 differently from an i386 (Intel SDM vol. 2):
 *
 *   iret      QEMU's helper_ret_protected() returns to virtual-8086 mode whenever the popped
 *             EFLAGS has VM set; the SDM does that only at CPL 0.  At CPL 1 or 3 the VM bit of
 *             the image is ignored and the return is an ordinary protected-mode one.
 *   sysenter  only calls Unicorn's instruction hooks and falls through: with
 *             IA32_SYSENTER_CS = 0 (lguest 4.4's run_guest_once() sets it so around every
 *             run) it is #GP(0).
 *   syscall   likewise a no-op; outside 64-bit mode an Intel CPU raises #UD.
 *   mov/pop/lfs/lgs to FS or GS, and iret/retf (which may null them)
 *             leave a null FS or GS with QEMU's base 0, so an access through it at a mapped
 *             offset goes ahead instead of raising #GP(0) (see segment.c for the guard).
 *
 * Hooking every instruction would cost ten times the speed, so each such instruction is
 * hooked where it stands: a UC_HOOK_CODE hook on its one address, which costs nothing
 * anywhere else.  Where they stand is learnt when Unicorn translates a block (the
 * UC_HOOK_EDGE_GENERATED hook, which 2.1.1 calls for every block it generates except the very
 * first one of the engine, handled by on_block).  The block was translated before the hook
 * existed, so it is dropped and its start is run again: that first start is charged nothing,
 * so the virtual clock sees the block once (Unicorn's block sizes do not change with a code
 * hook, and neither does anything the program can see).
 *
 * The hook runs before its instruction, with EIP and EFLAGS exact, and decodes the
 * instruction again (the code may have changed since): sysenter and syscall become the
 * exception they raise on an i386; an iret at CPL > 0 whose image has VM set has that one
 * bit cleared in memory for the time of the instruction (QEMU then does the protected-mode
 * return the SDM describes, IOPL and IF rules included) and put back at the next block or
 * exception, so the program never sees the word changed; after a segment load the next
 * instruction (a second hook, at the address after the load) or the next block guards a null
 * FS or GS.
 *
 * Known limits: a block Capstone cannot decode to its end is scanned only up to there; the
 * scan reads code with the paging of the moment of translation.
 */

#define SITES_MAX 2048     /* hooks in one run at most: the translation-time cost grows with it */
#define SITES_KEEP 1024    /* more than this at the start of a run: drop them all, start afresh */
#define SITES_HASH 4096    /* open-addressed index of site addresses (a power of two) */
#define PENDING_MAX 64

enum site_kind {
    SITE_IRET = 1,        /* iret / iretd */
    SITE_SYSENTER = 2,
    SITE_SYSCALL = 4,
    SITE_AFTER_SEG = 8,   /* the instruction after a load of FS or GS */
    SITE_FAR_RET = 16,    /* retf: a return to an outer ring nulls data segments */
};

struct cpu_sites {
    csh dis;                       /* Capstone without operand details: lengths only */
    int n;
    uint32_t addr[SITES_MAX];
    uint8_t kind[SITES_MAX];
    uc_hook hook[SITES_MAX];
    uint16_t index[SITES_HASH];    /* 1 + position in addr[], 0: empty */
    uint32_t pending_addr[PENDING_MAX];
    uint8_t pending_kind[PENDING_MAX];
    int n_pending;
    uint64_t redo_pc;              /* the block translated before its sites' hooks existed */
    uint32_t redo_size;
    int reset_due;                 /* full: drop all hooks between two runs of the engine */
    /* an iret's EFLAGS image with VM cleared, to be put back */
    int patched;
    uint8_t *patch_at;
    uint8_t patch_old[4];
};

static unsigned hash_addr(uint32_t a) { return (a * 2654435761u) >> 20 & (SITES_HASH - 1); }

static int find_site(const struct cpu_sites *s, uint32_t a) {
    for (unsigned h = hash_addr(a);; h = (h + 1) & (SITES_HASH - 1)) {
        if (!s->index[h]) return -1;
        if (s->addr[s->index[h] - 1] == a) return s->index[h] - 1;
    }
}

/* What an instruction is to this file (0: nothing), from its bytes. */
static int classify(const uint8_t *b, size_t len, int *operand16) {
    size_t i = 0;
    *operand16 = 0;
    while (i < len && memchr("\x66\x67\xF0\xF2\xF3\x2E\x36\x3E\x26\x64\x65", b[i], 11)) {
        if (b[i] == 0x66) *operand16 = 1;
        i++;
    }
    if (i >= len) return 0;
    switch (b[i]) {
    case 0xCF: return SITE_IRET;
    case 0xCA: case 0xCB: return SITE_FAR_RET;
    case 0x8E:   /* mov r/m16, Sreg: reg field 4 is FS, 5 is GS */
        return i + 1 < len && ((b[i + 1] >> 3 & 7) == 4 || (b[i + 1] >> 3 & 7) == 5) ?
               SITE_AFTER_SEG : 0;
    case 0x0F:
        if (i + 1 >= len) return 0;
        switch (b[i + 1]) {
        case 0x34: return SITE_SYSENTER;
        case 0x05: return SITE_SYSCALL;
        case 0xA1: case 0xA9: case 0xB4: case 0xB5: return SITE_AFTER_SEG;  /* pop fs/gs, lfs/lgs */
        }
    }
    return 0;
}

static void note_pending(struct cpu_sites *s, uint32_t a, int kind) {
    int at = find_site(s, a);
    if (at >= 0) {   /* hooked already: every block holding it has the hook compiled in */
        s->kind[at] |= (uint8_t)kind;
        return;
    }
    for (int i = 0; i < s->n_pending; i++)
        if (s->pending_addr[i] == a) {
            s->pending_kind[i] |= (uint8_t)kind;
            return;
        }
    if (s->n_pending < PENDING_MAX) {
        s->pending_addr[s->n_pending] = a;
        s->pending_kind[s->n_pending++] = (uint8_t)kind;
    } else {
        s->reset_due = 1;   /* cannot even remember them: start afresh, which rescans */
    }
}

/* Look through a block just translated for the instructions above. */
static void scan_block(struct cpu *c, uint32_t pc, uint32_t size) {
    struct cpu_sites *s = c->sites;
    uint8_t code[2 * 4096];
    if (size > sizeof(code)) size = sizeof(code);
    uint32_t first = 0x1000 - (pc & 0xFFF), have = 0;
    if (first > size) first = size;
    if (cpu_read_linear(c, pc, code, first) == 0) {
        have = first;
        if (size > first && cpu_read_linear(c, pc + first, code + first, size - first) == 0)
            have = size;
    }
    const uint8_t *p = code;
    size_t left = have;
    uint64_t at = pc;
    cs_insn *insn = cs_malloc(s->dis);
    int before = s->n_pending;
    while (insn && cs_disasm_iter(s->dis, &p, &left, &at, insn)) {
        int o16;
        int kind = classify(insn->bytes, insn->size, &o16);
        if (kind == SITE_AFTER_SEG)
            note_pending(s, (uint32_t)insn->address + insn->size, kind);
        else if (kind)
            note_pending(s, (uint32_t)insn->address, kind);
    }
    if (insn) cs_free(insn, 1);
    if (s->n_pending > before || s->reset_due) {
        s->redo_pc = pc;
        s->redo_size = size ? size : 1;
        c->sites_due |= SITES_DUE_NEW;
        c->next_check = 0;
    }
}

static void on_site(uc_engine *uc, uint64_t addr, uint32_t size, void *user);

/* Hook the pending sites; 0, or -1 when the table is full. */
static int hook_pending(struct cpu *c) {
    struct cpu_sites *s = c->sites;
    for (int i = 0; i < s->n_pending; i++) {
        if (s->n >= SITES_MAX) {
            s->reset_due = 1;
            return -1;
        }
        uint32_t a = s->pending_addr[i];
        if (uc_hook_add(c->uc, &s->hook[s->n], UC_HOOK_CODE, (void *)on_site, c, a, a) !=
            UC_ERR_OK) {
            s->reset_due = 1;
            return -1;
        }
        s->addr[s->n] = a;
        s->kind[s->n] = s->pending_kind[i];
        unsigned h = hash_addr(a);
        while (s->index[h]) h = (h + 1) & (SITES_HASH - 1);
        s->index[h] = (uint16_t)(++s->n);
    }
    s->n_pending = 0;
    return 0;
}

static void on_new_block(uc_engine *uc, uc_tb *cur, uc_tb *prev, void *user) {
    struct cpu *c = user;
    c->n_translations++;
    cpu_progress_translated(c, (uint32_t)cur->pc);
    cpu_code_translated(c, (uint32_t)cur->pc, cur->size);
    scan_block(c, (uint32_t)cur->pc, cur->size);
}

/* Put back an iret image's EFLAGS word (sites_due told the CPU it is patched). */
void cpu_sites_unpatch(struct cpu *c) {
    struct cpu_sites *s = c->sites;
    if (s && s->patched) {
        memcpy(s->patch_at, s->patch_old, 4);
        s->patched = 0;
    }
}

/*
 * on_block, before anything else, when sites_due is set.  1: the block must not run now (it
 * is run again from its start, or the engine stops for a reset); nothing is charged for it.
 */
int cpu_sites_block(struct cpu *c, uint32_t addr, uint32_t size) {
    struct cpu_sites *s = c->sites;
    unsigned due = c->sites_due;
    c->sites_due = 0;
    if (due & SITES_DUE_UNPATCH) cpu_sites_unpatch(c);
    if (due & SITES_DUE_SEGS) cpu_guard_loaded_null_segments(c);
    if (due & SITES_DUE_FIRST) {
        cpu_code_translated(c, addr, size);
        scan_block(c, addr, size);
    }
    if (!s->n_pending && !s->reset_due)
        return 0;
    if (s->reset_due || hook_pending(c)) {
        c->sites_stop = 1;   /* cpu_run drops every site hook and starts the engine again */
        uc_emu_stop(c->uc);
        return 1;
    }
    uc_ctl_remove_cache(c->uc, s->redo_pc, s->redo_pc + s->redo_size);
    if (s->redo_pc != addr)
        return 0;   /* that block is not the one starting (a stop address's): run on */
    uc_reg_write(c->uc, UC_X86_REG_EIP, &addr);   /* again from the start, with the hooks */
    c->ctx_fresh = 0;
    return 1;
}

/* Between two runs of the engine: drop all site hooks when there are too many. */
void cpu_sites_between_runs(struct cpu *c) {
    struct cpu_sites *s = c->sites;
    cpu_sites_unpatch(c);
    if (!s->reset_due && s->n <= SITES_KEEP)
        return;
    cpu_engine_hooks_del(c, s->hook, s->n);   /* also drops every translation */
    s->n = 0;
    s->n_pending = 0;
    s->reset_due = 0;
    memset(s->index, 0, sizeof(s->index));
    c->n_site_resets++;
}

/* --- what each site does --- */

static void raise_fault(struct cpu *c, uint8_t vector, int has_error, uint32_t eip) {
    struct cpu_event ev = { .vector = vector, .kind = EV_FAULT, .has_error = (uint8_t)has_error,
                            .eip = eip };
    cpu_deliver(c, &ev);
    c->ctx_fresh = 0;
}

/* SYSENTER (SDM vol. 2): #GP(0) when IA32_SYSENTER_CS[15:2] is 0, as lguest 4.4 sets it for
 * the Guest.  lgsim's host never runs sysenter itself, so the other case is not modelled. */
static void do_sysenter(struct cpu *c, uint32_t eip) {
    uc_x86_msr m = { .rid = 0x174 };   /* MSR_IA32_SYSENTER_CS */
    uc_reg_read(c->uc, UC_X86_REG_MSR, &m);
    if ((m.value & 0xFFFC) == 0)
        raise_fault(c, 13, 1, eip);
    else
        cpu_request_stop(c, CPU_STOP_ERROR, "sysenter with IA32_SYSENTER_CS set is not modelled");
}

/*
 * IRET at CPL > 0 (SDM vol. 2 IRET): "IF tempEFLAGS(VM) = 1 and CPL = 0 THEN return to
 * virtual-8086 mode", else a protected-mode return that never loads VM.  QEMU tests only the
 * VM bit, so for the time of this one instruction the image's VM bit is cleared in memory.
 * A frame Unicorn could not read faults in QEMU exactly as on an i386: it is left alone.
 */
static void do_iret(struct cpu *c, int operand16) {
    c->sites_due |= SITES_DUE_SEGS;   /* a return to ring 3 may have nulled FS or GS */
    c->next_check = 0;
    uint32_t eflags = cpu_get(c, UC_X86_REG_EFLAGS);
    if (operand16 || cpu_cpl(c) == 0 || (eflags & EFLAGS_NT))
        return;   /* no VM bit in a 16-bit image; CPL 0 honours it; NT is a task return */
    uint32_t ss_base = 0, ss_limit = 0;
    if (cpu_segment_cache(c, CPU_REG_SS, &ss_base, &ss_limit))
        return;
    struct paging pg;
    struct walk w;
    cpu_paging(c, &pg);
    uint32_t la = ss_base + cpu_get(c, UC_X86_REG_ESP) + 8;
    if (walk(c->phys, &pg, la, 0, &w) || (la & 0xFFF) > 0xFFC)
        return;   /* not readable (QEMU faults as an i386 would), or split across pages */
    uint8_t *word = phys_ptr(c->phys, w.pa, 4);
    if (!word || !(le32(word) & EFLAGS_VM))
        return;
    struct cpu_sites *s = c->sites;
    cpu_sites_unpatch(c);
    memcpy(s->patch_old, word, 4);
    s->patch_at = word;
    s->patched = 1;
    put_le32(word, le32(word) & ~EFLAGS_VM);
    c->sites_due |= SITES_DUE_UNPATCH;
    c->n_vm_refused++;
}

/* How many of the 'max' bytes at addr can be read, up to the first that cannot: a page
 * at a time (one walk each, where a site runs thousands of times a second), byte by byte
 * only from a page that fails as a whole. */
static uint32_t readable_code(struct cpu *c, uint32_t addr, uint8_t *code, uint32_t max) {
    uint32_t got = 0;
    while (got < max) {
        uint32_t chunk = 0x1000 - ((addr + got) & 0xFFF);
        if (chunk > max - got) chunk = max - got;
        if (cpu_read_linear(c, addr + got, code + got, chunk) != 0)
            break;
        got += chunk;
    }
    while (got < max && cpu_read_linear(c, addr + got, code + got, 1) == 0)
        got++;
    return got;
}

static void on_site(uc_engine *uc, uint64_t addr, uint32_t size, void *user) {
    struct cpu *c = user;
    int at = find_site(c->sites, (uint32_t)addr);
    if (at < 0) return;
    unsigned kind = c->sites->kind[at];
    if (kind & SITE_AFTER_SEG)
        cpu_guard_loaded_null_segments(c);
    if (!(kind & ~SITE_AFTER_SEG))
        return;
    if ((kind & ~SITE_AFTER_SEG) == SITE_IRET && cpu_cpl(c) == 0) {
        /* The Switcher's two irets of every world switch: at CPL 0 only the host's own code
         * runs, which never changes, and do_iret() honours VM there, so all that is left is
         * the guard a return to ring 3 may need (harmless if these bytes are not an iret). */
        c->sites_due |= SITES_DUE_SEGS;
        c->next_check = 0;
        return;
    }
    uint8_t code[15];
    uint32_t got = readable_code(c, (uint32_t)addr, code, sizeof(code));
    int o16;
    switch (classify(code, got, &o16)) {   /* the code may have changed since the scan */
    case SITE_SYSENTER: do_sysenter(c, (uint32_t)addr); break;
    case SITE_SYSCALL: raise_fault(c, 6, 0, (uint32_t)addr); break;
    case SITE_IRET: do_iret(c, o16); break;
    case SITE_FAR_RET: c->sites_due |= SITES_DUE_SEGS; c->next_check = 0; break;
    }
}

int cpu_sites_open(struct cpu *c) {
    struct cpu_sites *s = calloc(1, sizeof(*s));
    if (!s) return -1;
    c->sites = s;
    if (cs_open(CS_ARCH_X86, CS_MODE_32, &s->dis) != CS_ERR_OK) {
        s->dis = 0;
        return -1;
    }
    c->sites_due = SITES_DUE_FIRST;   /* the engine's first block has no edge hook call */
    uc_hook h;
    if (uc_hook_add(c->uc, &h, UC_HOOK_EDGE_GENERATED, (void *)on_new_block, c, 1, 0) !=
        UC_ERR_OK)
        return -1;
    c->h_edge = h;
    cpu_recheck(c);
    return 0;
}

void cpu_sites_close(struct cpu *c) {
    if (!c->sites) return;
    if (c->sites->dis) cs_close(&c->sites->dis);
    free(c->sites);
    c->sites = NULL;
}
