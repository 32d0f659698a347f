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

/* Jump into code_page with EAX, EBX, ECX, EDX, ESI, EDI, EBP from regs[] (never returns
 * unless the code happens to). */
	.globl run_code_page
run_code_page:
	movl	4(%esp), %eax
	pushl	%ebp
	pushl	%ebx
	pushl	%esi
	pushl	%edi
	movl	4(%eax), %ebx
	movl	8(%eax), %ecx
	movl	12(%eax), %edx
	movl	16(%eax), %esi
	movl	20(%eax), %edi
	movl	24(%eax), %ebp
	movl	(%eax), %eax
	call	code_page
	popl	%edi
	popl	%esi
	popl	%ebx
	popl	%ebp
	ret

/*
 * Two patches into one page of code that has run, one right after the other, as Linux's
 * apply_paravirt() makes them with text_poke_early(): the first writes site_a's bytes over
 * themselves (an unchanged site), the second turns site_b's "mov $1,%eax" into "mov $2,%eax".
 * An i386 then runs the new instruction: returns what site_b gives after the patches.
 */
	.globl patch_twice
patch_twice:
	movl	$0, patch_pad		/* the Host makes the page writable first (demand_page()) */
	call	site_a
	call	site_b
	movl	site_a, %eax
	movl	%eax, site_a
	movl	$0x000002b8, site_b
	call	site_b
	ret

	.p2align 12
site_a:	movl	$1, %eax
	ret
	.p2align 2
site_b:	movl	$1, %eax
	ret
	.p2align 2
patch_pad:
	.long	0
	.p2align 12

/* A loop that stores into itself: each store drops the block being run, so Unicorn
 * translates it again on every pass (an i386 just runs it). */
	.globl smc_loop
smc_loop:
1:	movb	$0x90, 2f
2:	nop
	jmp	1b

/* Handlers for the random code: skip one byte of whatever faulted and go on. */
	.macro SKIP vec, err
	.globl skip_\vec
skip_\vec:
	.if \err
	addl	$4, %esp
	.endif
	incl	(%esp)
	iret
	.endm
	SKIP 0, 0
	SKIP 1, 0
	SKIP 3, 0
	SKIP 4, 0
	SKIP 5, 0
	SKIP 6, 0
	SKIP 7, 0
	SKIP 9, 0
	SKIP 10, 1
	SKIP 11, 1
	SKIP 12, 1
	SKIP 13, 1
	SKIP 14, 1
	SKIP 16, 0
	SKIP 17, 1
	SKIP 18, 0
	SKIP 19, 0
	.data
	.globl skip_handlers
skip_handlers:
	.long 0, skip_0, 1, skip_1, 3, skip_3, 4, skip_4, 5, skip_5, 6, skip_6, 7, skip_7
	.long 9, skip_9, 10, skip_10, 11, skip_11, 12, skip_12, 13, skip_13, 14, skip_14
	.long 16, skip_16, 17, skip_17, 18, skip_18, 19, skip_19, 0xFFFFFFFF, 0
	.text

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
