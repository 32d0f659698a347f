/* boundary.c - a test guest for the CPU boundary: one hostile scenario per kernel command line. */
#include "tests/guests/lib/guest.h"

/*
 * Each scenario tries, from ring 1, something Unicorn alone gets wrong at a privilege
 * boundary, and prints what an i386 would let it see (tests/sim/host/boundary.cmake):
 *
 *   iret-vm      its own iret through an EFLAGS image with VM and IOPL 3;
 *   noirq-image  the same image in the frame the Host re-uses at noirq_iret.
 */

struct lguest_data lguest_data = {
    .blocked_interrupts = 1,
    .hcall_status = { [0 ... 63] = 0xFF },   /* 0xFF = free */
    .kernel_address = 0xC0000000,
    .syscall_vec = 0x80,
};

/* 8 KiB of stack, the two pages SET_STACK would pin; lib.S's _start needs stack_top. */
__asm__(".bss\n.align 16\n.space 8192\n.globl stack_top\nstack_top:\n.text");

extern uint32_t hostile_image, hostile_result, timer_hits;
extern char noirq_image_iret[], timer_handler[];
void iret_image(void);
void noirq_image(void);

#define HOSTILE_EFLAGS 0x00023002u   /* VM, IOPL 3, IF clear */

static void power_off(const char *msg) {
    hcall(LHCALL_SHUTDOWN, (uint32_t)msg, LGUEST_SHUTDOWN_POWEROFF, 0, 0);
}

static void s_iret_vm(void) {
    hostile_image = HOSTILE_EFLAGS;
    iret_image();
    gprintf("iret image %x: resumed with eflags %x\n", hostile_image, hostile_result);
}

/* The timer (IRQ 0) pending while irq_enabled is 0, then delivered at noirq_iret. */
static void s_noirq_image(void) {
    hostile_image = HOSTILE_EFLAGS;
    uint32_t h = (uint32_t)timer_handler;
    hcall(LHCALL_LOAD_IDT_ENTRY, 32, (0x61u << 16) | (h & 0xFFFF),
          (h & 0xFFFF0000u) | 0x8E00, 0);   /* present interrupt gate, DPL 0 */
    lguest_data.irq_enabled = 0;
    lguest_data.blocked_interrupts = 0;
    hcall(LHCALL_SET_CLOCKEVENT, 1000000, 0, 0, 0);
    uint32_t t0 = rdtsc_lo();
    while (!*(volatile uint32_t *)&lguest_data.irq_pending && rdtsc_lo() - t0 < 10000000) ;
    noirq_image();
    gprintf("noirq image %x: %u timer interrupt, resumed with eflags %x\n", hostile_image,
            timer_hits, hostile_result);
}

void guest_main(const uint8_t *boot_params);
void guest_main(const uint8_t *boot_params) {
    const char *cmd = (const char *)*(const uint32_t *)(boot_params + 0x228);
    lguest_data.noirq_iret = (uint32_t)noirq_image_iret;
    hcall(LHCALL_LGUEST_INIT, (uint32_t)&lguest_data, 0, 0, 0);
    if (console_probe() < 0) power_off("no early console");
    if (streq(cmd, "iret-vm")) s_iret_vm();
    else if (streq(cmd, "noirq-image")) s_noirq_image();
    else gprintf("unknown scenario '%s'\n", cmd);
    power_off("Power down");
}
