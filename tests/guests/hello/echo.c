/* echo.c - the hello guest's console reader: just enough of a virtio driver to echo lines. */
#include "tests/guests/lib/guest.h"

/*
 * "echo" on the command line: the console's input queue set up through BAR0 (virtio 1.0, as
 * 4.4's launcher checks it), then one buffer at a time offered, the Guest halted until the
 * console's IRQ says it was filled, and each line printed back.  "quit" ends the scenario;
 * the end of lgsim's stdin ends the run (the Guest halts with no timer).
 */
extern char console_irq_entry[];
void console_irq_handler(void);

enum { FEAT_SEL = 8, FEAT = 12, STATUS = 20, Q_SELECT = 22, Q_SIZE = 24, Q_ENABLE = 28,
       Q_DESC = 32, Q_AVAIL = 40, Q_USED = 48, NOTIFY = 56, ISR = 58 };
#define QSIZE 4
#define LINE  48   /* shorter than a long line: the rest comes in the next buffer */

static struct { uint32_t addr, addr_hi, len; uint16_t flags, next; } desc[QSIZE]
    __attribute__((aligned(16)));
static struct { uint16_t flags, idx, ring[QSIZE]; } avail __attribute__((aligned(4)));
static struct { uint16_t flags, idx; struct { uint32_t id, len; } ring[QSIZE]; } used
    __attribute__((aligned(4)));
static char line[LINE + 1];
static uint32_t bar;
static volatile uint32_t irqs;

/* Only register moves: the launcher's MMIO emulation decodes no immediates (4.4 lguest.c
 * emulate_mmio()). */
static void w8(uint32_t off, uint32_t v) {
    __asm__ volatile("movb %%al, (%%edx)" : : "a"(v), "d"(bar + off) : "memory");
}
static void w16(uint32_t off, uint32_t v) {
    __asm__ volatile("movw %%ax, (%%edx)" : : "a"(v), "d"(bar + off) : "memory");
}
static void w32(uint32_t off, uint32_t v) {
    __asm__ volatile("movl %%eax, (%%edx)" : : "a"(v), "d"(bar + off) : "memory");
}
static uint32_t r8(uint32_t off) {
    uint32_t v = 0;
    __asm__ volatile("movb (%%edx), %%al" : "+a"(v) : "d"(bar + off) : "memory");
    return v;
}

/* IRQ 1: reading ISR acknowledges it. */
void console_irq_handler(void) {
    irqs++;
    (void)r8(ISR);
}

static void console_start(uint32_t mem_bytes) {
    bar = mem_bytes + 256 * 4096;   /* the console's BAR0, 1:1 in the linear map */
    w8(STATUS, 1);                  /* ACKNOWLEDGE */
    w8(STATUS, 3);                  /* DRIVER */
    w32(FEAT_SEL, 1);
    w32(FEAT, 1);                   /* VIRTIO_F_VERSION_1, and nothing else */
    w8(STATUS, 11);                 /* FEATURES_OK, then read back as the spec asks */
    (void)r8(STATUS);
    w16(Q_SELECT, 0);               /* port 0's input */
    w16(Q_SIZE, QSIZE);
    w32(Q_DESC, (uint32_t)desc);
    w32(Q_AVAIL, (uint32_t)&avail);
    w32(Q_USED, (uint32_t)&used);
    w16(Q_ENABLE, 1);
    w8(STATUS, 15);                 /* DRIVER_OK */
}

/* One buffer offered; halted until it comes back filled.  Returns its length. */
static uint32_t read_some(void) {
    uint16_t seen = used.idx;
    desc[0].addr = (uint32_t)line;
    desc[0].len = LINE;
    desc[0].flags = 2;              /* VRING_DESC_F_WRITE */
    avail.ring[avail.idx % QSIZE] = 0;
    __asm__ volatile("" : : : "memory");
    avail.idx++;
    w16(NOTIFY, 0);
    while (*(volatile uint16_t *)&used.idx == seen) hcall(LHCALL_HALT, 0, 0, 0, 0);
    return used.ring[seen % QSIZE].len;
}

void console_echo(uint32_t mem_bytes, void (*gate)(uint32_t vec, void *handler, int dpl));
void console_echo(uint32_t mem_bytes, void (*gate)(uint32_t vec, void *handler, int dpl)) {
    gate(33, console_irq_entry, 0);   /* IRQ 1: the console (IRQ 0, the timer, stays blocked) */
    console_start(mem_bytes);
    for (;;) {
        uint32_t n = read_some();
        int nl = n && line[n - 1] == '\n';
        line[n - nl] = 0;
        gprintf("echo: %u bytes%s [%s] (irqs %u)\n", n, nl ? ", a line" : "", line, irqs);
        if (streq(line, "quit")) return;
    }
}
