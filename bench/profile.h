/* profile.h - where a run's CPU time goes: a sampling profiler that sorts samples by place. */
#ifndef LGSIM_BENCH_PROFILE_H
#define LGSIM_BENCH_PROFILE_H

/* The places a sample can fall in (profile_linux.c sorts them by shared object and symbol). */
enum prof_place {
    PROF_GUEST,        /* code Unicorn generated: the guest's instructions running */
    PROF_TRANSLATE,    /* Unicorn translating guest code (decode, TCG ops, host code out) */
    PROF_TLB,          /* Unicorn's soft TLB: fills, flushes, page-table walks */
    PROF_TB_LOOKUP,    /* Unicorn finding, chaining and entering translated blocks */
    PROF_HELPERS,      /* Unicorn's C helpers for guest instructions (segments, far jumps, ...) */
    PROF_UNICORN,      /* the rest of libunicorn (its API, hooks dispatch, ...) */
    PROF_LGSIM,        /* lgsim's own C: Host, Switcher model, launcher, devices, hooks */
    PROF_CAPSTONE,     /* decoding instructions */
    PROF_LIBC,         /* memset, memcpy, stdio, ... */
    PROF_OTHER,        /* any other library */
    PROF_N
};

struct profile {
    unsigned long n[PROF_N];
    unsigned long total;
    int available;     /* 0: no sampler on this platform, n[] all zero */
};

extern const char *const prof_place_name[PROF_N];

/* Sample the process's CPU time every period_us microseconds from now ... */
void profile_start(unsigned period_us);
/* ... until now, and sort what was sampled (once, after the run: dladdr is not for signals). */
void profile_stop(struct profile *p);

#endif
