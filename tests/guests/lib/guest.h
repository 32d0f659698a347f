/* guest.h - what an lgsim test guest needs: lguest's Guest ABI, hypercalls, early console. */
#ifndef LGSIM_TEST_GUEST_H
#define LGSIM_TEST_GUEST_H
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* Hypercall numbers and shutdown codes: the Host's copy of the ABI (plain #defines). */
#include "abi/lguest.h"

/* struct lguest_data of Linux 4.4 (include/linux/lguest.h). */
struct lguest_data {
    uint32_t irq_enabled, blocked_interrupts, cr2, time[2], irq_pending;
    uint8_t hcall_status[64];
    uint32_t hcalls[64][5];
    uint32_t reserve_mem, tsc_khz, noirq_iret, kernel_address, syscall_vec;
};
_Static_assert(offsetof(struct lguest_data, syscall_vec) == 0x568, "lguest_data layout");

/* lib.S: a trapping hypercall (EAX = nr; EBX, ECX, EDX, ESI = a1..a4), port I/O, RDTSC. */
void hcall(uint32_t nr, uint32_t a1, uint32_t a2, uint32_t a3, uint32_t a4);
void outb(uint32_t v, uint32_t port);
void outl(uint32_t v, uint32_t port);
uint32_t inl(uint32_t port);
uint32_t rdtsc_lo(void);
uint32_t read_cs(void);

/* console.c: the early console of Linux 4.4's lguest guest (virtio console emerg_wr written
 * through PCI configuration cycles, 4.4 arch/x86/lguest/boot.c early_put_chars()), and a
 * printf with %x (0x%08x), %u, %s, %c. */
int console_probe(void);
void console_puts(const char *s);
void gprintf(const char *fmt, ...);

int streq(const char *a, const char *b);
#endif
