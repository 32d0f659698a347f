/* user.c - the two ring-3 programs.  Every process maps these pages read-only: no globals. */
#include "syscall.h"

/* The kernel's functions are out of reach (its pages lack the user bit), so: int $0x80. */
static int syscall3(int nr, int a, int b, int c) {
    __asm__ volatile("int $0x80" : "+a"(nr) : "b"(a), "c"(b), "d"(c) : "memory");
    return nr;
}

static void exit(int code) __attribute__((noreturn));
static void exit(int code) {
    syscall3(SYS_exit, code, 0, 0);
    for (;;) ;
}

/* A line is built on the stack and written with one call, so lines of two processes never
 * mix even when the timer switches between them. */
struct line { char text[96]; int len; };

static void add(struct line *l, const char *s) {
    while (*s && l->len < 95) l->text[l->len++] = *s++;
}

static void add_num(struct line *l, unsigned v, unsigned base) {
    char digits[12];
    int n = 0;
    if (base == 16) add(l, "0x");
    do {
        digits[n++] = "0123456789abcdef"[v % base];
        v /= base;
    } while (v);
    while (n && l->len < 95) l->text[l->len++] = digits[--n];
}

static void say(struct line *l) {
    add(l, "\n");
    syscall3(SYS_write, 1, (int)l->text, l->len);
    l->len = 0;
}

/* Keep the CPU busy until the timer has ticked n times, so that it gets taken away from us.
 * Counting ticks, not loop iterations, makes the run the same whatever the compiler. */
static void compute(unsigned n) {
    unsigned end = (unsigned)syscall3(SYS_times, 0, 0, 0) + n;
    volatile unsigned x = 1;
    while ((unsigned)syscall3(SYS_times, 0, 0, 0) < end)
        for (int i = 0; i < 10000; i++) x = x * 1103515245u + 12345u;
}

/* Process 1: touches three heap pages nobody mapped (each touch is a page-fault round trip),
 * computes, waits for process 2 to finish, sleeps, exits. */
void prog_heap(void) {
    struct line l;
    l.len = 0;
    add(&l, "[heap] hello from ring 3");
    say(&l);
    for (unsigned i = 0; i < 3; i++) {
        volatile char *page = (volatile char *)(0x10000000 + i * 4096);
        /* @tour Guest 20: The instruction that faults
         * This is where the trip we follow begins.  The heap program, in ring 3, reads 0x10000000:
         * nothing is mapped there in its page directory.  The CPU raises #PF, and in lguest every
         * #PF goes to the Host first, because the CPU walks the Host's shadow of the Guest's page
         * tables, not the Guest's own.  The CPU's side of that is in the Switcher chapter, the
         * Host's in the Host chapter (Host 40); the Host will find the page missing in the Guest's
         * own table too and hand the fault back to this kernel.
         */
        int before = page[0];        /* #PF: the kernel maps a zeroed page, we retry */
        page[0] = (char)(i + 1);
        add(&l, "[heap] page ");
        add_num(&l, (unsigned)page, 16);
        add(&l, ": read ");
        add_num(&l, (unsigned)before, 10);
        add(&l, ", wrote ");
        add_num(&l, (unsigned)page[0], 10);
        say(&l);
    }
    add(&l, "[heap] computing for 6 ticks");
    say(&l);
    compute(6);
    add(&l, "[heap] done; waiting for pid 2");
    say(&l);
    syscall3(SYS_waitpid, 2, 0, 0);
    add(&l, "[heap] pid 2 has exited; sleeping for 3 ticks");
    say(&l);
    syscall3(SYS_sleep, 3, 0, 0);
    add(&l, "[heap] awake; exit(0)");
    say(&l);
    exit(0);
}

/* Each call takes about 1 KiB of stack: deeper calls run into fresh stack pages. */
static unsigned dig(unsigned depth, unsigned *deepest) {
    volatile char pad[1000];
    pad[0] = (char)depth;
    if ((unsigned)pad < *deepest) *deepest = (unsigned)pad;
    return depth ? pad[0] + dig(depth - 1, deepest) : 0;
}

/* Process 2: grows its stack downwards through new pages, yields, computes, exits. */
void prog_stack(void) {
    struct line l;
    l.len = 0;
    add(&l, "[stack] hello from ring 3");
    say(&l);
    unsigned deepest = 0xFFFFFFFF, sum = dig(12, &deepest);
    add(&l, "[stack] 12 calls deep: stack down to ");
    add_num(&l, deepest, 16);
    add(&l, ", sum ");
    add_num(&l, sum, 10);
    say(&l);
    syscall3(SYS_yield, 0, 0, 0);
    add(&l, "[stack] back from yield; computing for 2 ticks");
    say(&l);
    compute(2);
    add(&l, "[stack] exit(0)");
    say(&l);
    exit(0);
}
