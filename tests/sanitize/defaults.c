/* defaults.c - the sanitizers' options, linked into every program of a LGSIM_SANITIZE build. */

/*
 * A test run straight from ctest (or lgsim run by hand) then behaves as scripts/test.sh's:
 * leaks are checked with whole stacks (libunicorn has no frame pointers, so the fast unwinder
 * would stop inside it and the one suppression could not see uc_context_alloc), and
 * lsan.supp is read from the source tree (its path comes from CMake).  An ASAN_OPTIONS or
 * LSAN_OPTIONS in the environment still adds to these.
 */
const char *__asan_default_options(void);
const char *__lsan_default_options(void);
const char *__ubsan_default_options(void);

const char *__asan_default_options(void) {
    return "fast_unwind_on_malloc=0:detect_leaks=1:abort_on_error=0";
}

const char *__lsan_default_options(void) { return "suppressions=" LGSIM_LSAN_SUPPRESSIONS; }

const char *__ubsan_default_options(void) { return "print_stacktrace=1"; }
