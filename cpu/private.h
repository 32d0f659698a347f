/* private.h - what the files of cpu/ share and nobody else sees: Unicorn, and the helpers. */
#ifndef LGSIM_CPU_PRIVATE_H
#define LGSIM_CPU_PRIVATE_H
#include <unicorn/unicorn.h>
#include "cpu/cpu.h"

/* enum cpu_reg is Unicorn's numbering, so the rest of lgsim never needs Unicorn's header. */
#define CPU_REG_IS_UNICORNS(r) ((int)CPU_REG_##r == (int)UC_X86_REG_##r)

/* A rarely taken path kept out of line, so that the hot function calling it saves no
 * registers for it (the per-block hook).  Only an optimisation: nothing depends on it. */
#if defined(__GNUC__)
#define CPU_COLD __attribute__((noinline, cold))
#else
#define CPU_COLD
#endif
_Static_assert(CPU_REG_IS_UNICORNS(CS) && CPU_REG_IS_UNICORNS(DS) && CPU_REG_IS_UNICORNS(ES) &&
               CPU_REG_IS_UNICORNS(FS) && CPU_REG_IS_UNICORNS(GS) && CPU_REG_IS_UNICORNS(SS),
               "segment register ids");
_Static_assert(CPU_REG_IS_UNICORNS(EAX) && CPU_REG_IS_UNICORNS(EBX) &&
               CPU_REG_IS_UNICORNS(ECX) && CPU_REG_IS_UNICORNS(EDX) &&
               CPU_REG_IS_UNICORNS(ESI) && CPU_REG_IS_UNICORNS(EDI) &&
               CPU_REG_IS_UNICORNS(EBP) && CPU_REG_IS_UNICORNS(ESP) &&
               CPU_REG_IS_UNICORNS(EIP) && CPU_REG_IS_UNICORNS(EFLAGS), "general register ids");
_Static_assert(CPU_REG_IS_UNICORNS(CR0) && CPU_REG_IS_UNICORNS(CR2) &&
               CPU_REG_IS_UNICORNS(CR3) && CPU_REG_IS_UNICORNS(CR4) &&
               CPU_REG_IS_UNICORNS(GDTR) && CPU_REG_IS_UNICORNS(IDTR) &&
               CPU_REG_IS_UNICORNS(TR) && CPU_REG_IS_UNICORNS(LDTR), "system register ids");
_Static_assert(CPU_REG_IS_UNICORNS(ST0) && CPU_REG_IS_UNICORNS(FPCW) &&
               CPU_REG_IS_UNICORNS(FPSW) && CPU_REG_IS_UNICORNS(FPTAG) &&
               CPU_REG_IS_UNICORNS(FIP) && CPU_REG_IS_UNICORNS(FOP), "x87 register ids");
_Static_assert(sizeof(uc_hook) == sizeof(size_t), "Unicorn's hook handles are size_t");

/* No block is longer than this many bytes (QEMU ends an i386 block before it crosses into a
 * second page), so a block starting this far before pause.before_ns cannot reach it. */
#define CPU_BLOCK_MAX 8192u
static inline int cpu_pause_watching(struct cpu *c) {   /* must on_block call pause.c? */
    return c->pause.on || c->pause.resuming ||
           atomic_load_explicit(&c->pause.attention, memory_order_relaxed) ||
           (c->pause.before_ns && c->now_ns + CPU_BLOCK_MAX >= c->pause.before_ns);
}
int cpu_pause_block(struct cpu *c, uint32_t addr, uint32_t size);
uc_err cpu_pause_serve(struct cpu *c, uint32_t until);
int cpu_calibrate(struct cpu_layout *lay, char *err, size_t errlen);
uint32_t cpu_ctx_get32(struct cpu *c, size_t off);
void cpu_ctx_put32(struct cpu *c, size_t off, uint32_t v);
void cpu_io_install(struct cpu *c);
int cpu_cpuid_install(struct cpu *c);
int cpu_io_take_denied(struct cpu *c, uint32_t next_eip, struct cpu_event *ev);
int cpu_try_emulate_rdtsc(struct cpu *c, uint32_t eip);
int cpu_null_segment_used(struct cpu *c, uint32_t eip);
/* cpu_guard_null_segments() told which are null (1: FS, 2: GS) instead of reading them. */
void cpu_guard_segments(struct cpu *c, unsigned which);
void cpu_recheck(struct cpu *c);
/* sites.c: the instructions Unicorn gets wrong.  sites_due bits: */
#define SITES_DUE_FIRST   1u   /* the engine's first block: scan it (no edge hook for it) */
#define SITES_DUE_NEW     2u   /* a block was translated before its sites were hooked */
#define SITES_DUE_SEGS    4u   /* guard a null FS or GS the program may have loaded */
#define SITES_DUE_UNPATCH 8u   /* put back the EFLAGS word of an iret image */
int cpu_sites_open(struct cpu *c);
void cpu_sites_close(struct cpu *c);
int cpu_sites_block(struct cpu *c, uint32_t addr, uint32_t size);
void cpu_sites_unpatch(struct cpu *c);
void cpu_sites_between_runs(struct cpu *c);
/* code.c */
int cpu_code_open(struct cpu *c);
void cpu_code_close(struct cpu *c);
void cpu_code_translated(struct cpu *c, uint32_t pc, uint32_t size);
/* progress.c */
void cpu_progress_translated(struct cpu *c, uint32_t pc);
int cpu_progress_open(struct cpu *c);
void cpu_progress_flushed(struct cpu *c);
void cpu_progress_between_runs(struct cpu *c);
void cpu_progress_close(struct cpu *c);
int cpu_progress_stalled(struct cpu *c);
/* hooks.c: delete engine hooks without Unicorn's side effects; drops every translation. */
void cpu_engine_hooks_del(struct cpu *c, const uc_hook *h, int n);
/* segment.c: guard whatever null FS or GS is loaded now (CPL > 0), leaving guard_pending. */
void cpu_guard_loaded_null_segments(struct cpu *c);
void cpu_force_cpl(struct cpu *c, int cpl);

#define HF_CPL_MASK      3u
#define HF_INHIBIT_IRQ   (1u << 3)
#define HF_IOBPT         (1u << 24)

/* Unicorn 2.1.1 leaks 32 bytes each time it sizes a context (uc_context_size(), which
 * uc_context_alloc() calls, mallocs a scratch object it never frees).  In a leak-checking build
 * LeakSanitizer is told to ignore what this thread allocates inside exactly these two calls,
 * rather than every allocation made below a Unicorn frame: a leak of lgsim's own, even one made
 * in a hook Unicorn calls, is still reported. */
#ifdef LGSIM_LSAN
#include <sanitizer/lsan_interface.h>
static inline void unicorns_leak_begins(void) { __lsan_disable(); }
static inline void unicorns_leak_ends(void) { __lsan_enable(); }
#else
static inline void unicorns_leak_begins(void) {}
static inline void unicorns_leak_ends(void) {}
#endif
static inline uc_err cpu_context_alloc(uc_engine *uc, uc_context **ctx) {
    unicorns_leak_begins();
    uc_err r = uc_context_alloc(uc, ctx);
    unicorns_leak_ends();
    return r;
}
static inline size_t cpu_context_size(uc_engine *uc) {
    unicorns_leak_begins();
    size_t n = uc_context_size(uc);
    unicorns_leak_ends();
    return n;
}
#endif
