/* test_codebuf_win32.c - on Windows a translation buffer's reserved pages are committed to its end at the write that reaches them. */
#include "cpu/codebuf.h"
#include <windows.h>
#include <stdio.h>

#define PAGE 4096
#define STEP ((SIZE_T)4 << 20)        /* what Unicorn's own handler commits at once */
#define SIZE (2 * STEP)               /* the buffer size codebuf_prepare() is told */

static int committed(volatile unsigned char *at) {
    MEMORY_BASIC_INFORMATION m;
    return VirtualQuery((void *)at, &m, sizeof(m)) == sizeof(m) && m.State == MEM_COMMIT;
}

static volatile unsigned char *reserve(void) {
    return VirtualAlloc(NULL, SIZE, MEM_RESERVE, PAGE_EXECUTE_READWRITE);
}

/* A first write away from the start commits everything from its page on. */
static int first_write(void) {
    volatile unsigned char *buf = reserve();
    if (!buf) return 0;
    buf[2] = 1;
    int ok = buf[2] == 1 && committed(buf + SIZE - 1);
    buf[SIZE - 1] = 2;
    ok = ok && buf[SIZE - 1] == 2;
    VirtualFree((void *)buf, 0, MEM_RELEASE);
    return ok;
}

/* Unicorn's case (fuzz seed 35203): one step and a page committed already, the next write
 * two bytes into the page after them, less than a step before the end. */
static int last_stretch(void) {
    volatile unsigned char *buf = reserve();
    if (!buf || !VirtualAlloc((void *)buf, STEP + PAGE, MEM_COMMIT, PAGE_EXECUTE_READWRITE))
        return 0;
    buf[STEP + PAGE + 2] = 3;
    int ok = buf[STEP + PAGE + 2] == 3 && committed(buf + SIZE - 1);
    VirtualFree((void *)buf, 0, MEM_RELEASE);
    return ok;
}

int main(void) {
    codebuf_prepare(SIZE);
    codebuf_prepare(SIZE);   /* idempotent */
    int first = first_write(), last = last_stretch();
    if (!first || !last) {
        printf("FAIL: first write %s, last stretch %s\n", first ? "ok" : "wrong", last ? "ok" : "wrong");
        return 1;
    }
    puts("ok: reserved code pages committed to the buffer's end, from the first write and in the last stretch");
    return 0;
}
