/* host.S - the ring-0 host routine: lg.ko's run_guest_once, and the host's interrupt handlers. */
#include "switcher-model/lguest_pages.h"

	.text
/*
 * The C host model (run_guest_once() in x86_core.c) runs this with host interrupts off,
 * EAX = the host-virtual address of this CPU's struct lguest_pages and EBX = the physical
 * address of the Guest's shadow page directory, exactly as Linux 4.4's run_guest_once()
 * calls the Switcher.
 *
 * pushf followed by a far call leaves EFLAGS, CS, EIP on our stack: the same shape as an
 * interrupt frame taken without a privilege change, so the Switcher (or a host interrupt
 * handler it jumps to) can come back here with a plain iret.
 */
/* @tour Switcher 10: The far call
 * The host routine's whole job: pushf, then a far call through {switch_to_guest, LGUEST_CS}.
 * The host stack now holds EFLAGS, CS, EIP, the shape of an interrupt frame, so whatever brings
 * the CPU back can end with a plain iret.
 */
	.globl run_guest_once, _start
_start:
run_guest_once:
	pushfl
	lcall	*switcher_entry
/* @tour Switcher 50: host_return
 * The hlt here ends cpu_run(); run_guest_once() reads trapnum from the regs page (Host 40).
 */
	/* Back from the Guest.  The simulator stops here and decodes the exit in C. */
	.globl host_return
host_return:
	hlt

	/* Far pointer to switch_to_guest through LGUEST_CS; the loader fills in the offset. */
	.globl switcher_entry
switcher_entry:
	.long	0
	.word	LGUEST_CS

/*
 * The host's timer tick.  When it fires while the Guest runs, the CPU enters the Guest-side
 * IDT stub, the Switcher's deliver_to_host restores the host and jumps here; our iret then
 * returns to host_return, just as Linux's real interrupt handler would.
 */
	.globl host_timer_handler
host_timer_handler:
	incl	host_ticks
	iret

/* Any other exception or interrupt in host mode is a simulator bug: stop. */
	.globl host_panic
host_panic:
	hlt
	jmp	host_panic

	.data
	.globl host_data, host_ticks
host_data:
host_ticks:
	.long	0
	/* The end of the host's variables: host memory the containment check lets change. */
	.globl host_data_end
host_data_end:
