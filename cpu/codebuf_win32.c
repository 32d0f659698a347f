/* codebuf_win32.c - codebuf.h on Windows: the translation buffer's pages committed to its end. */
#include "cpu/codebuf.h"
#include <windows.h>

/*
 * On Windows Unicorn (2.1.2 to 2.1.4 at least) only reserves the translation buffer and
 * commits it 4 MiB at a time from a vectored exception handler, at the first write past
 * what it has committed.  Near the buffer's end its handler asks to commit 4 MiB all the
 * same: the request runs past the reservation, fails, and the write is an unhandled access
 * violation.  When that happens depends on how much code was translated: a Linux boot and a
 * few commands got there (a fault at 32 MiB - 4 MiB + 8 KiB into the buffer).
 *
 * This handler runs before Unicorn's and takes such a fault first: an access to a reserved,
 * not yet committed page of a private PAGE_EXECUTE_READWRITE reservation exactly the size of
 * lgsim's translation buffer.  It commits from that page to the end of the reservation, so
 * the buffer is whole from then on and Unicorn's handler is never asked.  Any other fault is
 * left to the next handler, as before.
 */
static size_t buffer_size;

static LONG CALLBACK commit_rest(PEXCEPTION_POINTERS ep) {
    PEXCEPTION_RECORD r = ep->ExceptionRecord;
    if (r->ExceptionCode != EXCEPTION_ACCESS_VIOLATION || r->NumberParameters < 2)
        return EXCEPTION_CONTINUE_SEARCH;
    void *at = (void *)r->ExceptionInformation[1];
    MEMORY_BASIC_INFORMATION m;
    if (!VirtualQuery(at, &m, sizeof(m)) || m.State != MEM_RESERVE || m.Type != MEM_PRIVATE ||
        m.AllocationProtect != PAGE_EXECUTE_READWRITE)
        return EXCEPTION_CONTINUE_SEARCH;
    char *end = (char *)m.BaseAddress + m.RegionSize;
    if ((size_t)(end - (char *)m.AllocationBase) != buffer_size)
        return EXCEPTION_CONTINUE_SEARCH;   /* not a translation buffer's last stretch */
    if (!VirtualAlloc(m.BaseAddress, m.RegionSize, MEM_COMMIT, PAGE_EXECUTE_READWRITE))
        return EXCEPTION_CONTINUE_SEARCH;
    return EXCEPTION_CONTINUE_EXECUTION;
}

void codebuf_prepare(size_t size) {
    static volatile LONG installed;
    if (InterlockedCompareExchange(&installed, 1, 0)) return;
    buffer_size = size;
    AddVectoredExceptionHandler(1, commit_rest);   /* 1: before Unicorn's own */
}
