/* restart.c - a test guest that asks for a restart once, then powers off on the next boot. */
#include "tests/guests/lib/guest.h"

/*
 * A restarted lguest Guest starts from nothing: 4.4's launcher re-executes itself and loads the
 * same kernel again, so nothing in the Guest's memory says which boot this is.  But the TSC is
 * the host's (lguest passes RDTSC through, lgsim's counts virtual time) and it went on
 * counting, so a boot that finds it past 1 ms of the first boot's own spinning is a later one.
 */
#define RESTART_AFTER_TSC 1000000u

struct lguest_data lguest_data = {
    .blocked_interrupts = 1,
    .hcall_status = { [0 ... 63] = 0xFF },   /* 0xFF = free (0 would be a queued hypercall) */
    .kernel_address = 0xC0000000,
    .syscall_vec = 0x80,
};

/* 8 KiB of stack, the two pages SET_STACK would pin; lib.S's _start needs stack_top. */
__asm__(".bss\n.align 16\n.space 8192\n.globl stack_top\nstack_top:\n.text");

static void shutdown(const char *msg, uint32_t how) {
    hcall(LHCALL_SHUTDOWN, (uint32_t)msg, how, 0, 0);
}

void guest_main(const uint8_t *boot_params);
void guest_main(const uint8_t *boot_params) {
    (void)boot_params;
    uint32_t tsc = rdtsc_lo();   /* before anything: the first boot reads well below 1 ms */
    extern char lguest_noirq_iret[];
    lguest_data.noirq_iret = (uint32_t)lguest_noirq_iret;
    hcall(LHCALL_LGUEST_INIT, (uint32_t)&lguest_data, 0, 0, 0);
    if (console_probe() < 0) shutdown("no early console", LGUEST_SHUTDOWN_POWEROFF);
    if (tsc >= RESTART_AFTER_TSC) {
        gprintf("restart guest: booted again, the TSC went on (past %u)\n", RESTART_AFTER_TSC);
        shutdown("Power down", LGUEST_SHUTDOWN_POWEROFF);
    }
    console_puts("restart guest: first boot, asking for a restart\n");
    while (rdtsc_lo() < RESTART_AFTER_TSC) ;
    shutdown("Restarting system", LGUEST_SHUTDOWN_RESTART);
}
