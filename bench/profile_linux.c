/* profile_linux.c - profile.h on Linux (x86-64, i386): SIGPROF samples of the interrupted PC. */
#define _GNU_SOURCE
#include "bench/profile.h"
#include <dlfcn.h>
#include <signal.h>
#include <string.h>
#include <sys/time.h>
#include <ucontext.h>

const char *const prof_place_name[PROF_N] = {
    "guest code (TCG-generated)", "translation (TCG)", "soft TLB fill/flush",
    "block lookup/chaining", "Unicorn helpers", "other libunicorn", "lgsim's C",
    "Capstone", "libc", "other",
};

#define MAX_SAMPLES (1u << 18)
static void *samples[MAX_SAMPLES];
static volatile sig_atomic_t n_samples;

static void on_sigprof(int sig, siginfo_t *si, void *uc_) {
    (void)sig; (void)si;
    ucontext_t *uc = uc_;
    if ((unsigned)n_samples >= MAX_SAMPLES) return;
#if defined(__x86_64__)
    samples[n_samples] = (void *)uc->uc_mcontext.gregs[REG_RIP];
#elif defined(__i386__)
    samples[n_samples] = (void *)uc->uc_mcontext.gregs[REG_EIP];
#else
    (void)uc;
    return;
#endif
    n_samples = n_samples + 1;
}

void profile_start(unsigned period_us) {
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_sigaction = on_sigprof;
    sa.sa_flags = SA_SIGINFO | SA_RESTART;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGPROF, &sa, NULL);
    n_samples = 0;
    struct itimerval it = { { 0, (long)period_us }, { 0, (long)period_us } };
    setitimer(ITIMER_PROF, &it, NULL);
}

static int has(const char *s, const char *part) { return s && strstr(s, part) != NULL; }

/* Unicorn exports its QEMU functions (name_x86_64), so the nearest symbol names the part;
 * a static function counts under the exported one before it (an approximation). */
static enum prof_place unicorn_place(const char *sym) {
    if (has(sym, "tcg_tb_lookup") || has(sym, "tb_htable") || has(sym, "lookup_tb") ||
        has(sym, "cpu_exec") || has(sym, "tb_find") || has(sym, "tb_add_jump"))
        return PROF_TB_LOOKUP;
    if (has(sym, "tlb") || has(sym, "get_page_addr_code") || has(sym, "probe_access") ||
        has(sym, "mmu_translate") || has(sym, "get_physical_address"))
        return PROF_TLB;
    if (has(sym, "tcg_") || has(sym, "gen_") || has(sym, "disas") || has(sym, "translat") ||
        has(sym, "liveness") || has(sym, "tb_gen_code") ||
        has(sym, "tb_link") || has(sym, "page_collection") || has(sym, "tb_invalidate"))
        return PROF_TRANSLATE;
    if (has(sym, "helper_")) return PROF_HELPERS;
    return PROF_UNICORN;
}

static enum prof_place place_of(void *pc, const char *self) {
    Dl_info di;
    if (!dladdr(pc, &di) || !di.dli_fname) return PROF_GUEST;
    if (has(di.dli_fname, "unicorn")) return unicorn_place(di.dli_sname);
    if (has(di.dli_fname, "capstone")) return PROF_CAPSTONE;
    if (has(di.dli_fname, "libc.") || has(di.dli_fname, "libc-")) return PROF_LIBC;
    if (self && !strcmp(di.dli_fname, self)) return PROF_LGSIM;
    return PROF_OTHER;
}

void profile_stop(struct profile *p) {
    struct itimerval off = { { 0, 0 }, { 0, 0 } };
    setitimer(ITIMER_PROF, &off, NULL);
    signal(SIGPROF, SIG_IGN);
    memset(p, 0, sizeof(*p));
#if defined(__x86_64__) || defined(__i386__)
    p->available = 1;
#endif
    Dl_info me;
    const char *self = dladdr((void *)profile_stop, &me) ? me.dli_fname : NULL;
    for (unsigned i = 0; i < (unsigned)n_samples; i++) {
        p->n[place_of(samples[i], self)]++;
        p->total++;
    }
}
