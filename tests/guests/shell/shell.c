/* shell.c - a test guest that answers console lines as a Linux shell does: after a tick. */
#include "tests/guests/lib/guest.h"

/*
 * A Linux guest's shell keeps a virtio console buffer posted (hvc re-offers one as soon as
 * it took a line), and the command a line starts needs the guest's timers before it answers
 * (a fork, a sleep, poweroff's own waits).  This guest does the same with the least code:
 * each line is taken, the next buffer offered at once, one clock-event tick (1 ms) waited
 * for, and only then "answer: [line]" printed.  So it halts with the console wanting input
 * and a timer armed, and a program that waits for each answer before it writes the next line
 * hangs unless lgsim lets that timer come (tests/sim/launcher/console_driven.py).  "quit"
 * powers it off; the end of stdin, with no timer armed, ends the run.
 */

struct lguest_data lguest_data = {
    .blocked_interrupts = 0,                  /* IRQ 0 and 1 both wanted */
    .hcall_status = { [0 ... 63] = 0xFF },
    .kernel_address = 0xC0000000,
    .syscall_vec = 0x80,
};
__asm__(".bss\n.align 16\n.space 8192\n.globl stack_top\nstack_top:\n.text");
extern char stack_top[], lguest_noirq_iret[], timer_entry[], console_entry[];

enum { FEAT_SEL = 8, FEAT = 12, STATUS = 20, Q_SELECT = 22, Q_SIZE = 24, Q_ENABLE = 28,
       Q_DESC = 32, Q_AVAIL = 40, Q_USED = 48, NOTIFY = 56, ISR = 58 };
#define QSIZE 4
#define LINE  64

static struct { uint32_t addr, addr_hi, len; uint16_t flags, next; } desc[QSIZE]
    __attribute__((aligned(16)));
static struct { uint16_t flags, idx, ring[QSIZE]; } avail __attribute__((aligned(4)));
static volatile struct { uint16_t flags, idx; struct { uint32_t id, len; } ring[QSIZE]; } used
    __attribute__((aligned(4)));
static char buffer[LINE], line[LINE + 1];
static uint32_t bar;
static volatile uint32_t ticks;

/* Register moves only: 4.4's launcher decodes no immediates (lguest.c emulate_mmio()). */
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

void timer_handler(void);
void timer_handler(void) { ticks++; }
void console_handler(void);
void console_handler(void) { (void)r8(ISR); }   /* reading ISR acknowledges IRQ 1 */

static void gate(uint32_t vec, void *handler) {
    uint32_t h = (uint32_t)handler;
    hcall(LHCALL_LOAD_IDT_ENTRY, vec, (0x61u << 16) | (h & 0xFFFF),
          (h & 0xFFFF0000u) | 0x8E00, 0);
}

/* virtio 1.0 set-up of port 0's input queue, through BAR0 (RAM + 256 pages, linear). */
static void console_start(uint32_t mem_bytes) {
    bar = mem_bytes + 256 * 4096;
    w8(STATUS, 1);
    w8(STATUS, 3);
    w32(FEAT_SEL, 1);
    w32(FEAT, 1);                   /* VIRTIO_F_VERSION_1 */
    w8(STATUS, 11);
    (void)r8(STATUS);
    w16(Q_SELECT, 0);
    w16(Q_SIZE, QSIZE);
    w32(Q_DESC, (uint32_t)desc);
    w32(Q_AVAIL, (uint32_t)&avail);
    w32(Q_USED, (uint32_t)&used);
    w16(Q_ENABLE, 1);
    w8(STATUS, 15);                 /* DRIVER_OK */
}

static void offer(void) {
    desc[0] = (typeof(desc[0])){ (uint32_t)buffer, 0, LINE, 2, 0 };   /* device-writable */
    avail.ring[avail.idx % QSIZE] = 0;
    __asm__ volatile("" : : : "memory");
    avail.idx++;
    w16(NOTIFY, 0);
}

/* Halted until the buffer offered after 'seen' used entries is filled; a copy in line[]. */
static void take_line(uint16_t seen) {
    while (used.idx == seen) hcall(LHCALL_HALT, 0, 0, 0, 0);
    uint32_t n = used.ring[seen % QSIZE].len;
    n -= n && buffer[n - 1] == '\n';
    for (uint32_t i = 0; i < n; i++) line[i] = buffer[i];
    line[n] = 0;
}

static void sleep_tick(void) {
    uint32_t t = ticks;
    hcall(LHCALL_SET_CLOCKEVENT, 1000000, 0, 0, 0);
    while (ticks == t) hcall(LHCALL_HALT, 0, 0, 0, 0);
}

void guest_main(const uint8_t *boot_params);
void guest_main(const uint8_t *boot_params) {
    lguest_data.noirq_iret = (uint32_t)lguest_noirq_iret;
    hcall(LHCALL_LGUEST_INIT, (uint32_t)&lguest_data, 0, 0, 0);
    hcall(LHCALL_SET_STACK, 0x69, (uint32_t)stack_top, 2, 0);
    gate(32, timer_entry);
    gate(33, console_entry);
    if (console_probe() < 0) hcall(LHCALL_SHUTDOWN, (uint32_t)"no early console", 0, 0, 0);
    console_puts("shell guest: ready\n");
    console_start(*(const uint32_t *)(boot_params + 0x2D0 + 8));   /* e820[0]: all of RAM */
    offer();
    for (uint16_t seen = 0;; seen++) {
        take_line(seen);
        offer();                    /* before the answer, as Linux's hvc does */
        sleep_tick();
        gprintf("answer: [%s]\n", line);
        if (streq(line, "quit")) break;
    }
    hcall(LHCALL_SHUTDOWN, (uint32_t)"Power down", LGUEST_SHUTDOWN_POWEROFF, 0, 0);
}
