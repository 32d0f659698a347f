/* cpu.c - the Unicorn engine wrapped: memory, registers, the run loop, time and interrupts. */
#include "cpu/private.h"
#include "cpu/codebuf.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *cpu_stop_name(enum cpu_stop s) {
    static const char *names[] = { "until", "hlt", "budget", "shutdown", "bus-error",
                                   "request", "error", "no-progress", "stalled" };
    return (unsigned)s < sizeof(names) / sizeof(names[0]) ? names[s] : "?";
}

uint32_t cpu_get(struct cpu *c, int reg) {
    uint32_t v = 0;
    uc_reg_read(c->uc, reg, &v);
    return v;
}

/* Unicorn 2.1.1 writes CR1 and CR2 through cpu_x86_update_cr3(): CR3 takes the value too (and
 * the TLB is flushed).  So a CR2 write puts CR3 back afterwards. */
void cpu_set(struct cpu *c, int reg, uint32_t val) {
    if (reg == UC_X86_REG_CR2) {
        uint32_t cr3 = cpu_get(c, UC_X86_REG_CR3);
        uc_reg_write(c->uc, reg, &val);
        uc_reg_write(c->uc, UC_X86_REG_CR3, &cr3);
        c->cr2 = val;
        c->ctx_fresh = 0;
        return;
    }
    uc_reg_write(c->uc, reg, &val);
    c->ctx_fresh = 0;
}

void cpu_set_table(struct cpu *c, int reg, uint32_t base, uint32_t limit) {
    uc_x86_mmr m = { 0, base, limit, 0 };
    uc_reg_write(c->uc, reg, &m);
    c->ctx_fresh = 0;
}

void cpu_get_table(struct cpu *c, int reg, uint32_t *base, uint32_t *limit) {
    uc_x86_mmr m = { 0 };
    uc_reg_read(c->uc, reg, &m);
    *base = (uint32_t)m.base;
    *limit = m.limit;
}

/* Unicorn keeps TR's cached flags in QEMU's format; "available 32-bit TSS" must be 0x8900
 * (a busy type here makes QEMU abort on the next ring switch). */
void cpu_set_tr(struct cpu *c, uint16_t sel, uint32_t base, uint32_t limit) {
    uc_x86_mmr m = { sel, base, limit, 0x00008900 };
    uc_reg_write(c->uc, UC_X86_REG_TR, &m);
    c->ctx_fresh = 0;
}

void cpu_paging(struct cpu *c, struct paging *pg) {
    pg->cr0 = cpu_get(c, UC_X86_REG_CR0);
    pg->cr3 = cpu_get(c, UC_X86_REG_CR3);
    pg->cr4 = cpu_get(c, UC_X86_REG_CR4);
}

void cpu_set_cr4(struct cpu *c, uint32_t cr4) {
    c->cr4_tsd = (cr4 & CR4_TSD) != 0;
    cpu_set(c, UC_X86_REG_CR4, cr4 | CR4_TSD);
}

/* --- private CPU state, through the calibrated offsets --- */

/* The context is 5.5 KB; a delivery saves it once (on_intr) and restores it once (the CPL
 * change), so ctx_fresh says whether the saved copy still matches the CPU: every register write
 * through this file, and every return to the emulator from a hook, makes it stale. */
static void ctx_save(struct cpu *c) { uc_context_save(c->uc, c->ctx); c->ctx_fresh = 1; }
static void ctx_restore(struct cpu *c) { uc_context_restore(c->uc, c->ctx); c->ctx_fresh = 1; }

uint32_t cpu_ctx_get32(struct cpu *c, size_t off) {
    uint32_t v;
    memcpy(&v, (uint8_t *)c->ctx + off, 4);
    return v;
}

void cpu_ctx_put32(struct cpu *c, size_t off, uint32_t v) {
    memcpy((uint8_t *)c->ctx + off, &v, 4);
}

int cpu_interrupt_shadow(struct cpu *c) {
    ctx_save(c);
    return (cpu_ctx_get32(c, c->lay.hflags) & HF_INHIBIT_IRQ) != 0;
}

/* Set the CPL directly (QEMU derives it from SS on loads, and the API refuses an SS whose DPL
 * differs from the current CPL), and forget any exception in flight. */
void cpu_force_cpl(struct cpu *c, int cpl) {
    if (!c->ctx_fresh) ctx_save(c);
    uint32_t hf = cpu_ctx_get32(c, c->lay.hflags);
    cpu_ctx_put32(c, c->lay.hflags, (hf & ~HF_CPL_MASK & ~HF_INHIBIT_IRQ) | HF_IOBPT |
                                    (uint32_t)cpl);
    cpu_ctx_put32(c, c->lay.old_exception, 0xFFFFFFFF);
    ctx_restore(c);
}

int cpu_load_segments(struct cpu *c, uint16_t cs, uint16_t ss, uint16_t ds, uint32_t esp) {
    cpu_force_cpl(c, ss & 3);
    int regs[] = { UC_X86_REG_SS, UC_X86_REG_CS, UC_X86_REG_DS, UC_X86_REG_ES,
                   UC_X86_REG_FS, UC_X86_REG_GS, UC_X86_REG_ESP };
    uint32_t vals[] = { ss, cs, ds, ds, ds, ds, esp };
    c->ctx_fresh = 0;
    for (size_t i = 0; i < sizeof(regs) / sizeof(regs[0]); i++)
        if (uc_reg_write(c->uc, regs[i], &vals[i]) != UC_ERR_OK)
            return -1;
    return 0;
}

/* --- time and interrupts --- */

void cpu_recheck(struct cpu *c) {
    uint64_t next = c->deadline < c->budget_end ? c->deadline : c->budget_end;
    for (int i = 0; i < 8; i++)
        if (c->irq_pending[i]) next = 0;
    if (cpu_pause_watching(c))
        next = 0;   /* a debugger looks at every block (pause.c) */
    else if (c->pause.before_ns && c->pause.before_ns - CPU_BLOCK_MAX < next)
        next = c->pause.before_ns - CPU_BLOCK_MAX;   /* from there on it does (watching says
                                                      * so when before_ns is nearer) */
    if (c->sites_due)
        next = 0;   /* sites.c has work at the next block */
    c->next_check = next;
}

void cpu_raise_irq(struct cpu *c, uint8_t vector) {
    c->irq_pending[vector >> 5] |= 1u << (vector & 31);
    c->next_check = 0;
}

int cpu_irq_is_pending(const struct cpu *c, uint8_t vector) {
    return (c->irq_pending[vector >> 5] >> (vector & 31)) & 1;
}

void cpu_set_deadline(struct cpu *c, uint64_t when_ns) {
    c->deadline = when_ns;
    cpu_recheck(c);
}

void cpu_set_budget(struct cpu *c, uint64_t ns_from_now) {
    c->budget_end = ns_from_now == UINT64_MAX ? UINT64_MAX : c->now_ns + ns_from_now;
    cpu_recheck(c);
}

uint64_t cpu_tsc(const struct cpu *c) {
    return c->now_ns * c->tsc_per_ns_num / c->tsc_per_ns_den;
}

/* The highest pending vector is the most urgent, as with the local APIC. */
static int highest_pending(const struct cpu *c) {
    for (int i = 7; i >= 0; i--)
        if (c->irq_pending[i])
            return i * 32 + 31 - __builtin_clz(c->irq_pending[i]);
    return -1;
}

/* Take an external interrupt between instructions if EFLAGS.IF allows and no STI / MOV SS
 * shadow is in effect.  'eip' is where execution would continue. */
static int maybe_take_interrupt(struct cpu *c, uint32_t eip) {
    int vec = highest_pending(c);
    if (vec < 0 || !(cpu_get(c, UC_X86_REG_EFLAGS) & EFLAGS_IF) || cpu_interrupt_shadow(c))
        return 0;
    c->irq_pending[vec >> 5] &= ~(1u << (vec & 31));
    struct cpu_event ev = { .vector = (uint8_t)vec, .kind = EV_EXTINT, .eip = eip };
    cpu_deliver(c, &ev);
    return 1;   /* delivered, or the CPU stopped trying */
}

void cpu_request_stop(struct cpu *c, enum cpu_stop why, const char *msg) {
    if (!c->stopping) {
        c->stopping = 1;
        c->stop = why;
        snprintf(c->stop_msg, sizeof(c->stop_msg), "%s", msg ? msg : "");
    }
    uc_emu_stop(c->uc);
}

/* Every translated block starts here: advance the virtual clock by the block's size, and on
 * the rare passes where something is due, fire timers and take interrupts. */
static inline void note_block(struct cpu *c, uint64_t addr, uint32_t size) {
    if ((uint32_t)addr - c->mark_lo < c->mark_size) {
        c->mark_end_ns = c->now_ns + size;
        c->in_mark = 1;
    } else if (c->in_mark) {   /* the first block after the Switcher */
        c->in_mark = 0;
        if (c->guard_pending) cpu_guard_segments(c, c->guard_pending);
    }
    if (addr == c->watch_addr && c->hooks.watched)
        c->hooks.watched(c->hooks.ctx, (uint32_t)addr, c->now_ns);
}

/* The rare block start where something is due (next_check reached): sites to patch, a pause,
 * the budget, the deadline, an interrupt to take.  1: the block is not charged here (it starts
 * again, was paid for already, or an interrupt was delivered instead). */
static int block_due(struct cpu *c, uint64_t addr, uint32_t size) {
    if (c->sites_due && cpu_sites_block(c, (uint32_t)addr, size)) {
        c->n_blocks--;   /* this start did not run: the block starts again (sites.c) */
        return 1;
    }
    if (cpu_pause_watching(c) && cpu_pause_block(c, (uint32_t)addr, size))
        return 1;   /* paused before the block, or a resumed block already paid for */
    if (c->now_ns >= c->budget_end) {
        cpu_request_stop(c, CPU_STOP_BUDGET, "virtual-time budget used up");
        return 1;
    }
    if (c->now_ns >= c->deadline) {
        c->deadline = UINT64_MAX;
        if (c->hooks.deadline) c->hooks.deadline(c->hooks.ctx, c->now_ns);
    }
    cpu_recheck(c);
    if (c->next_check == 0) {
        /* The block has not run yet: its first instruction is the return address.  Block
         * addresses are linear; every segment lgsim runs code in is flat. */
        int taken = maybe_take_interrupt(c, (uint32_t)addr);
        c->ctx_fresh = 0;   /* the CPU runs on */
        if (taken)
            return 1;   /* delivered: this block is skipped, time moves on at the handler */
    }
    return 0;
}

/* A block start that is due for checks, in or just after the Switcher, or watched: what
 * on_block does for every block, out of line. */
CPU_COLD static void block_rare(struct cpu *c, uint64_t addr, uint32_t size) {
    if (c->now_ns >= c->next_check && block_due(c, addr, size))
        return;
    note_block(c, addr, size);
    c->now_ns += size;
}

/* @tour Mastery 10: The clock
 * Every translated block starts here: the clock advances by the block's size, and only at a
 * block start are timers and interrupts checked.  That is what makes a run repeat, trace for
 * trace: the Guest sees the same time at the same instruction on every machine.
 */
static void on_block(uc_engine *uc, uint64_t addr, uint32_t size, void *user) {
    struct cpu *c = user;
    c->n_blocks++;
    c->cur_block = (uint32_t)addr;
    /* for the wall-clock safety net's thread (progress.c): a plain store on the machines
     * lgsim runs on */
    atomic_store_explicit(&c->clock_seen, c->now_ns, memory_order_relaxed);
    /* one test for everything rare, so that the common block start only adds its size */
    if (c->now_ns >= c->next_check || c->in_mark || addr == c->watch_addr ||
        (uint32_t)addr - c->mark_lo < c->mark_size) {
        block_rare(c, addr, size);
        return;
    }
    c->now_ns += size;
}

/* --- exceptions reported by Unicorn --- */

static int has_error_code(int vec) {
    return vec == 8 || (vec >= 10 && vec <= 14) || vec == 17;
}

/* @tour Mastery 20: What Unicorn reports
 * The heap program's #PF reaches lgsim as Unicorn's interrupt hook with vector 14.  Here it
 * becomes the architectural event: a fault, its error code, the EIP of the faulting
 * instruction; a denied port access becomes a precise #GP, a null segment's access a #GP
 * before paging sees it.
 */
/* Turn what Unicorn reports into the architectural event, then deliver it. */
static void take_exception(struct cpu *c, uint32_t intno) {
    struct cpu_event ev = { .vector = (uint8_t)intno };
    uint32_t eip = cpu_get(c, UC_X86_REG_EIP);
    if (c->sites_due & SITES_DUE_UNPATCH)
        cpu_sites_unpatch(c);   /* the handler sees the iret's frame as the program left it */
    ctx_save(c);
    int is_int = cpu_ctx_get32(c, c->lay.is_int) == 1;
    uint32_t error = cpu_ctx_get32(c, c->lay.error_code);

    if (intno == 1 && cpu_io_take_denied(c, eip, &ev)) {
        /* an IN/OUT the TSS bitmap denies: #GP(0) on the I/O instruction itself (io.c) */
    } else if (intno == 13 && error == 0 && !is_int && cpu_try_emulate_rdtsc(c, eip)) {
        return;
    } else if (intno == 14 && !is_int && cpu_null_segment_used(c, eip)) {
        /* the processor raises #GP(0) before paging sees the access (segment.c); QEMU has
         * already set CR2 for its #PF, so put back the value the program can know */
        cpu_set(c, UC_X86_REG_CR2, c->cr2);
        ev = (struct cpu_event){ .vector = 13, .kind = EV_FAULT, .has_error = 1, .eip = eip };
    } else if (is_int) {
        /* INT3 (0xCC) and INTO (0xCE) are one byte long, INT n two; only vectors 3 and 4 can
         * come from either, so only those look at the instruction. */
        uint8_t b = 0;
        if (intno == 3 || intno == 4)
            cpu_read_linear(c, eip - 1, &b, 1);
        ev.kind = EV_SOFTINT;
        ev.insn_len = (intno == 3 && b == 0xCC) || (intno == 4 && b == 0xCE) ? 1 : 2;
        ev.eip = eip;
    } else {
        ev.kind = intno == 1 ? EV_TRAP : EV_FAULT;
        ev.eip = eip;
        ev.has_error = (uint8_t)has_error_code((int)intno);
        ev.error = ev.has_error ? error : 0;
    }
    cpu_deliver(c, &ev);
}

static void on_intr(uc_engine *uc, uint32_t intno, void *user) {
    struct cpu *c = user;
    take_exception(c, intno);
    c->ctx_fresh = 0;   /* the CPU runs on */
}

/* Unicorn reports #UD here first.  Up to 2.1.1, answering "handled" makes it call on_intr
 * with vector 6; from 2.1.2 on, it drops the exception and runs on at the same instruction
 * (ud2 would then run for ever), so the #UD is delivered here, as on_intr would. */
static bool on_invalid(uc_engine *uc, void *user) {
    struct cpu *c = user;
    if (c->ud_is_ours) on_intr(uc, 6, c);
    return true;
}

static bool on_unmapped(uc_engine *uc, uc_mem_type type, uint64_t addr, int size, int64_t value,
                        void *user) {
    struct cpu *c = user;
    c->bus_addr = (uint32_t)addr;
    char msg[96];
    snprintf(msg, sizeof(msg), "%s of physical address 0x%08x, where there is no memory",
             type == UC_MEM_WRITE_UNMAPPED ? "write" : type == UC_MEM_FETCH_UNMAPPED ?
             "instruction fetch" : "read", (uint32_t)addr);
    cpu_request_stop(c, CPU_STOP_BUS_ERROR, msg);
    return false;
}

/* --- set-up --- */

static int map_memory(struct cpu *c, char *err, size_t errlen) {
    for (int i = 0; i < c->phys->n; i++) {
        struct phys_region *r = &c->phys->r[i];
        if (uc_mem_map_ptr(c->uc, r->base, r->size, UC_PROT_ALL, r->mem) != UC_ERR_OK) {
            snprintf(err, errlen, "cannot map %s at 0x%08x into the CPU", r->name, r->base);
            return -1;
        }
    }
    return 0;
}

static int add_hooks(struct cpu *c) {
    uc_err e = uc_hook_add(c->uc, &c->h_intr, UC_HOOK_INTR, (void *)on_intr, c, 1, 0);
    e |= uc_hook_add(c->uc, &c->h_block, UC_HOOK_BLOCK, (void *)on_block, c, 1, 0);
    e |= uc_hook_add(c->uc, &c->h_invalid, UC_HOOK_INSN_INVALID, (void *)on_invalid, c, 1, 0);
    e |= uc_hook_add(c->uc, &c->h_unmapped, UC_HOOK_MEM_UNMAPPED, (void *)on_unmapped, c, 1, 0);
    return e == UC_ERR_OK ? 0 : -1;
}

#define CPU_TCG_BUFFER_SIZE (32u << 20)

/*
 * Unicorn 2.1.1's tcg_region_init() leaves the count of regions handed out at 0, so the first
 * time the translation buffer fills up, tcg_tb_alloc() is handed the same buffer again: it is
 * cleared and written over without tb_flush(), while the page descriptors, the hash table and
 * the jump cache still point at the translations that were there.  The next store into a page
 * of code follows those pointers into new host code, and lgsim dies of SIGBUS or SIGSEGV in
 * libunicorn (later Unicorns make that first allocation in tcg_region_init() itself).  One
 * flush before anything is translated does what tcg_region_init() leaves undone
 * (tcg_region_reset_all() counts the region as handed out); from then on a full buffer makes
 * Unicorn flush every translation and go on translating at the same instruction, as QEMU
 * does, which nothing the program can see depends on.
 */
static void start_translation_buffer(struct cpu *c) {
    uc_ctl_flush_tb(c->uc);
}

int cpu_open(struct cpu *c, struct phys *phys, const struct cpu_hooks *hooks,
             char *err, size_t errlen) {
    memset(c, 0, sizeof(*c));
    c->phys = phys;
    if (hooks) c->hooks = *hooks;
    c->deadline = c->budget_end = c->watch_addr = UINT64_MAX;
    c->tsc_per_ns_num = c->tsc_per_ns_den = 1;   /* a 1 GHz TSC */
    cpu_recheck(c);
    if (cpu_calibrate(&c->lay, err, errlen)) return -1;
    uc_engine *uc = NULL;
    codebuf_prepare(CPU_TCG_BUFFER_SIZE);
    uc_err opened = uc_open(UC_ARCH_X86, UC_MODE_32, &uc);
    c->uc = uc;
    if (opened != UC_ERR_OK) {
        snprintf(err, errlen, "cannot open a Unicorn i386 engine");
        return -1;
    }
    /* Unicorn 2.1's default translation buffer is 1 GiB, and every flush of translated code
     * (a debugger's new hooks or memory write) memsets all of it: the first flush faulted in
     * the whole GiB, seconds of page clearing.  32 MiB holds a Linux boot's code; set before
     * the engine's lazy set-up, which the first context or mapping triggers. */
    uc_ctl_set_tcg_buffer_size(uc, CPU_TCG_BUFFER_SIZE);
    c->ud_is_ours = uc_version(NULL, NULL) >= 0x02010200u;   /* 2.1.2 (see on_invalid) */
    uc_context *ctx = NULL;
    int no_ctx = cpu_context_alloc(c->uc, &ctx) != UC_ERR_OK;
    c->ctx = ctx;
    if (no_ctx || map_memory(c, err, errlen) ||
        add_hooks(c)) {
        if (!*err) snprintf(err, errlen, "cannot set up the Unicorn engine");
        cpu_close(c);
        return -1;
    }
    if (cs_open(CS_ARCH_X86, CS_MODE_32, &c->dis) != CS_ERR_OK) {
        snprintf(err, errlen, "cannot open the Capstone disassembler");
        cpu_close(c);
        return -1;
    }
    cs_option(c->dis, CS_OPT_DETAIL, CS_OPT_ON);
    start_translation_buffer(c);
    if (cpu_sites_open(c)) {
        snprintf(err, errlen, "cannot hook the instructions Unicorn gets wrong");
        cpu_close(c);
        return -1;
    }
    cpu_io_install(c);
    if (cpu_progress_open(c) || cpu_code_open(c)) {
        snprintf(err, errlen, "cannot set up the progress guards");
        cpu_close(c);
        return -1;
    }
    if (cpu_cpuid_install(c)) {
        snprintf(err, errlen, "cannot hook CPUID");
        cpu_close(c);
        return -1;
    }
    /* rdtsc must not read the host's clock: keep CR4.TSD set so CPL>0 reads trap to us. */
    cpu_set_cr4(c, 0);
    cpu_force_cpl(c, 0);
    return 0;
}

void cpu_close(struct cpu *c) {
    cpu_progress_close(c);
    cpu_code_close(c);
    cpu_sites_close(c);
    if (c->dis) cs_close(&c->dis);
    if (c->ctx) uc_context_free(c->ctx);
    if (c->uc) uc_close(c->uc);
    c->ctx = NULL;
    c->uc = NULL;
}

void cpu_flush_tlb(struct cpu *c) {
    uc_ctl_flush_tlb(c->uc);
}

void cpu_code_changed(struct cpu *c) {
    uc_ctl_flush_tb(c->uc);
    cpu_progress_flushed(c);
}

int cpu_read_linear(struct cpu *c, uint32_t la, void *buf, uint32_t len) {
    struct paging pg;
    struct walk w;
    cpu_paging(c, &pg);
    return walk_read(c->phys, &pg, la, buf, len, 0, NULL, &w);
}

/* Unicorn compiles the stop at 'until' into the translated code (and drops that code when the
 * run ends).  Code translated during a run with another 'until' knows nothing of this one and
 * would run straight through it, so drop whatever covers the stop address: a block running
 * into it and a block starting at it. */
static void forget_code_at(struct cpu *c, uint32_t until) {
    if (until == c->last_until || until == CPU_RUN_TO_HLT)
        return;   /* everything translated since the last drop already stops there */
    c->last_until = until;
    uc_ctl_remove_cache(c->uc, (uint64_t)until - 1, until);
    uc_ctl_remove_cache(c->uc, until, (uint64_t)until + 1);
}

enum cpu_stop cpu_run(struct cpu *c, uint32_t eip, uint32_t until) {
    forget_code_at(c, until);
    c->ctx_fresh = 0;
    c->stopping = 0;
    c->stop_msg[0] = 0;
    c->cr2 = cpu_get(c, UC_X86_REG_CR2);
    c->pause.resuming = 0;
    cpu_recheck(c);
    cpu_sites_between_runs(c);
    cpu_progress_between_runs(c);
    atomic_store(&c->clock_seen, c->now_ns);
    atomic_store(&c->in_engine, 1);
    uc_err e = uc_emu_start(c->uc, eip, until, 0, 0);
    for (;;) {
        if (e == UC_ERR_OK && !c->stopping && cpu_progress_stalled(c)) {
            break;
        } else if (e == UC_ERR_OK && !c->stopping && c->pause.pending) {
            atomic_store(&c->in_engine, 0);   /* the debugger's turn is no stall */
            e = cpu_pause_serve(c, until);   /* a debugger's pause: its turn, then go on */
        } else if (e == UC_ERR_OK && !c->stopping && c->sites_stop) {
            c->sites_stop = 0;               /* too many site hooks: drop them, go on */
            cpu_sites_between_runs(c);
            e = uc_emu_start(c->uc, cpu_get(c, UC_X86_REG_EIP), until, 0, 0);
        } else {
            break;
        }
    }
    atomic_store(&c->in_engine, 0);
    atomic_store(&c->stalled, 0);
    cpu_sites_between_runs(c);
    if (c->stopping)
        return c->stop;
    if (e != UC_ERR_OK) {
        snprintf(c->stop_msg, sizeof(c->stop_msg), "unicorn: %s at eip 0x%08x", uc_strerror(e),
                 cpu_get(c, UC_X86_REG_EIP));
        return CPU_STOP_ERROR;
    }
    uint32_t now = cpu_get(c, UC_X86_REG_EIP);
    if (now == until)
        return CPU_STOP_UNTIL;
    /* Every world switch ends here, so no snprintf: "hlt at eip 0x%08x" by hand. */
    static const char hex[] = "0123456789abcdef";
    char *p = c->stop_msg + sizeof("hlt at eip 0x") - 1;
    memcpy(c->stop_msg, "hlt at eip 0x", sizeof("hlt at eip 0x") - 1);
    for (int i = 7; i >= 0; i--)
        *p++ = hex[((now - 1) >> (4 * i)) & 0xF];
    *p = 0;
    return CPU_STOP_HLT;
}
