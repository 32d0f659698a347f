/* head.S - entry, hypercall and trap glue of the first lgsim test guest (ring 1). */
	.section .text.entry, "ax"
/*
 * The Host starts us as Linux 4.4's launcher would: CS = 0x61 and DS = ES = SS = 0x69 (ring 1),
 * ESP = 0, ESI = 0 = the guest-physical address of boot_params.  We run on the Host's linear
 * map (virtual = guest-physical) and never ask for page tables.
 */
	.globl _start
_start:
	movl	$stack_top, %esp
	pushl	%esi
	call	guest_main
1:	jmp	1b

/* uint32_t hcall(nr, a1, a2, a3, a4): EAX = number, EBX, ECX, EDX, ESI = arguments. */
	.text
	.globl hcall
hcall:
	pushl	%ebx
	pushl	%esi
	movl	12(%esp), %eax
	movl	16(%esp), %ebx
	movl	20(%esp), %ecx
	movl	24(%esp), %edx
	movl	28(%esp), %esi
	int	$0x1f
	popl	%esi
	popl	%ebx
	ret

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

/* IRQ 0, the Guest's clockevent (bench=timer). */
	.globl timer_entry
timer_entry:
	pushal
	call	timer_handler
	popal
	jmp	lguest_iret

/*
 * Return from a trap the lguest way: the virtual interrupt flag (lguest_data.irq_enabled) takes
 * the IF from the frame's EFLAGS, then a real iret.  The Host never injects an interrupt at
 * lguest_noirq_iret, because there the flag and the stack would disagree.
 */
	.globl lguest_iret, lguest_noirq_iret
lguest_iret:
	pushl	%eax
	movl	12(%esp), %eax
	movl	%eax, %ss:lguest_data
	popl	%eax
lguest_noirq_iret:
	iret

	.globl read_cs
read_cs:
	movl	%cs, %eax
	ret

/* Port I/O: each of these traps (#GP in ring 1) and the launcher emulates it. */
	.globl outb, outl, inl
outb:
	movl	4(%esp), %eax
	movl	8(%esp), %edx
	outb	%al, %dx
	ret
outl:
	movl	4(%esp), %eax
	movl	8(%esp), %edx
	outl	%eax, %dx
	ret
inl:
	movl	4(%esp), %edx
	inl	%dx, %eax
	ret

	.globl do_ud2, do_int3, do_insb, do_gs_load
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
	.space	8192
	.globl stack_top
stack_top:

	.section .note.GNU-stack, "", @progbits
