/* boundary.S - the boundary guest's routines: irets through hostile EFLAGS images, its handler. */

	.text
/*
 * iret at CPL 1 through a frame whose EFLAGS image is hostile_image (VM, IOPL 3, IF clear):
 * an i386 ignores VM there and keeps IOPL and IF, so this returns to the caller in protected
 * mode with the EFLAGS it had; hostile_result is what pushf then sees.
 */
	.globl iret_image
iret_image:
	pushl	hostile_image
	pushl	%cs
	pushl	$1f
	iret
1:	pushfl
	popl	hostile_result
	ret

/*
 * The same frame, but the iret is the one lguest_data.noirq_iret names and an interrupt is
 * pending: the Host emulates that iret while it delivers (4.4 try_deliver_interrupt(),
 * restore_eflags()), and the handler below returns through the frame with its own iret.
 */
	.globl noirq_image, noirq_image_iret
noirq_image:
	pushl	hostile_image
	pushl	%cs
	pushl	$1f
	movl	$0x200, lguest_data	/* irq_enabled: the pending IRQ is now deliverable */
	movl	$19, %eax		/* LHCALL_SEND_INTERRUPTS */
	int	$0x1f
noirq_image_iret:
	iret
1:	pushfl
	popl	hostile_result
	ret

/* The timer's handler (an interrupt gate): count, and return through the frame as it is. */
	.globl timer_handler
timer_handler:
	incl	timer_hits
	iret

	.bss
	.align 16
	.globl hostile_image, hostile_result, timer_hits
hostile_image:	.long 0
hostile_result:	.long 0
timer_hits:	.long 0

	.section .note.GNU-stack, "", @progbits
