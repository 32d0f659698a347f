/* lib.S - entry, hypercall, port I/O and RDTSC helpers for lgsim test guests (ring 1, cdecl). */
	.section .text.entry, "ax"
/* Started as Linux 4.4's launcher starts a kernel: CS = 0x61, DS = ES = SS = 0x69 (ring 1),
 * ESI = boot_params (0), the Host's linear map.  The guest defines stack_top and guest_main. */
	.globl _start
_start:
	movl	$stack_top, %esp
	pushl	%esi
	call	guest_main
1:	jmp	1b

	.text
/* hcall(nr, a1, a2, a3, a4): EAX = number, EBX, ECX, EDX, ESI = arguments; nothing returned. */
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

/* Port I/O: each one is a #GP in ring 1 that the launcher emulates. */
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

/* The low half of the TSC: lgsim's virtual TSC counts nanoseconds of virtual time. */
	.globl rdtsc_lo
rdtsc_lo:
	rdtsc
	ret

/*
 * Return from a trap the lguest way: the frame's EFLAGS.IF becomes the virtual interrupt flag
 * (lguest_data.irq_enabled, addressed through %ss because %ds may be the user's), then a real
 * iret.  The Host never injects an interrupt at lguest_noirq_iret: there the flag and the
 * stack would disagree (it re-uses the frame instead: 4.4 try_deliver_interrupt()).
 */
	.globl lguest_iret, lguest_noirq_iret
lguest_iret:
	pushl	8(%esp)
	popl	%ss:lguest_data
lguest_noirq_iret:
	iret

	.globl read_cs
read_cs:
	movl	%cs, %eax
	ret

	.section .note.GNU-stack, "", @progbits
