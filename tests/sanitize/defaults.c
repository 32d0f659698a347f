/* defaults.c - the sanitizers' options, linked into every program of a LGSIM_SANITIZE build. */

/*
 * A test run straight from ctest (or lgsim run by hand) then behaves as scripts/test.sh's:
 * leaks are checked, and lsan.supp (exact Unicorn frames only) is read from the source tree (its
 * path comes from CMake); Unicorn's context-sizing leak is exempted where cpu/ makes it
 * (cpu/private.h, cpu_context_alloc).
 * The fast unwinder stays: the slow one (fast_unwind_on_malloc=0) deadlocks in libgcc's
 * unwinder when Mesa's LLVM JIT allocates while registering its frames (lgsim ui's window).
 * An ASAN_OPTIONS or LSAN_OPTIONS in the environment still adds to these.
 */
const char *__asan_default_options(void);
const char *__lsan_default_options(void);
const char *__ubsan_default_options(void);

const char *__asan_default_options(void) {
    return "detect_leaks=1:abort_on_error=0";
}

/* print_suppressions=0: an expected leak must not add lines to what tests read. */
const char *__lsan_default_options(void) {
    return "print_suppressions=0:suppressions=" LGSIM_LSAN_SUPPRESSIONS;
}

const char *__ubsan_default_options(void) { return "print_stacktrace=1"; }
