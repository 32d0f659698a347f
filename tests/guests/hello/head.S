/* head.S - trap glue and trap triggers of the first lgsim test guest (ring 1). */
/* _start, hcall, read_cs and port I/O are lib.S's.  We run on the Host's linear map
 * (virtual = guest-physical) unless a scenario loads page tables. */
	.text
/* The #UD handler: the Host reflected the trap into our IDT entry 6, in ring 1. */
	.globl ud_entry
ud_entry:
	pushal
	pushl	%esp		/* struct trap_frame * */
	call	ud_handler
	addl	$4, %esp
	popal
	jmp	lguest_iret

/* #PF (bench=pf): the Host reflected a fault; the error code sits below the frame. */
	.globl pf_entry
pf_entry:
	pushal
	call	pf_handler
	popal
	addl	$4, %esp	/* the error code */
	jmp	lguest_iret

/* IRQ 0, the Guest's clockevent (bench=timer); falls through into lguest_iret. */
	.globl timer_entry
timer_entry:
	pushal
	call	timer_handler
	popal
	jmp	lguest_iret

	.globl do_ud2, do_int3, do_insb, do_gs_load, do_sse
/* SSE2 through %xmm0 (busybox does this): #UD unless the Host runs with CR4.OSFXSR. */
do_sse:
	movl	4(%esp), %eax
	movd	%eax, %xmm0
	paddd	%xmm0, %xmm0
	movd	%xmm0, %eax
	ret
do_ud2:
	ud2
	ret
do_int3:
	int3
	ret
do_insb:
	movl	$0x60, %edx
	movl	$scratch, %edi
	insb
	ret
do_gs_load:
	xorl	%eax, %eax
	movl	%eax, %gs
	movl	%gs:0x14, %eax	/* the stack-protector canary load of the write-up */
	ret

	.bss
	.align 16
scratch:
	.space	16
/* 8 KiB: the two pages SET_STACK pins. */
	.space	8192
	.globl stack_top
stack_top:

	.section .note.GNU-stack, "", @progbits
