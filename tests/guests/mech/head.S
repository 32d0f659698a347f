/* head.S - trap stubs and the exact-stack test routines of the mechanisms guest. */
	.text
/*
 * Trap stubs: save the registers and call trap_c(vector, regs).  pushal's saved ESP is the ESP
 * at handler entry, i.e. the address of the frame the Host (or the CPU) built, so the C side
 * sees that frame untouched.  Vectors with an error code drop it before returning.
 */
.macro STUB vec, err
	.globl stub_\vec
stub_\vec:
	pushal
	pushl	%esp
	pushl	$\vec
	call	trap_c
	addl	$8, %esp
	popal
	.if \err
	addl	$4, %esp
	.endif
	jmp	lguest_iret
.endm
	STUB 6, 0
	STUB 7, 0
	STUB 13, 1
	STUB 14, 1
	STUB 32, 0
	STUB 128, 0

/*
 * Test routines run on test_stack with ESP = test_stack_top exactly, so the frame a handler
 * finds can be given relative to that top.  on_test_stack(routine) jumps to the routine, which
 * ends with "jmp test_return"; a handler may also resume at test_return.
 */
	.globl on_test_stack, test_return
on_test_stack:
	pushl	%ebp
	pushl	%ebx
	pushl	%esi
	pushl	%edi
	movl	%esp, saved_esp
	movl	20(%esp), %eax
	movl	$test_stack_top, %esp
	jmp	*%eax
test_return:
	movl	saved_esp, %esp
	popl	%edi
	popl	%esi
	popl	%ebx
	popl	%ebp
	ret

/* #UD with arithmetic flags cleared: the real EFLAGS is then 0x202 (IF stays 1 in ring 1). */
	.globl t_ud2, ud_site
t_ud2:
	pushl	$0
	popfl
ud_site:
	ud2
	jmp	test_return

/* int $0x30 meets the Switcher's DPL-0 stub gate: #GP with error 0x30*8+2 (IDT bit). */
	.globl t_int30, int30_site
t_int30:
	pushl	$0
	popfl
int30_site:
	int	$0x30
	jmp	test_return

/* A read of the unmapped page above the Switcher's state page: #PF, error code 0. */
	.globl t_pf_read, pf_read_site
t_pf_read:
	pushl	$0
	popfl
pf_read_site:
	movl	0xFFC03000, %eax
	jmp	test_return

/* A write to the read-only state page (the Guest's own GDT/IDT/TSS): #PF, error code 3. */
	.globl t_pf_write, pf_write_site
t_pf_write:
	pushl	$0
	popfl
pf_write_site:
	movl	%eax, 0xFFC02000
	jmp	test_return

/* Spin until the timer handler has run; a one-block loop, so it is interrupted at its top. */
	.globl t_spin, spin_loop
t_spin:
spin_loop:
	cmpl	$0, timer_hits
	je	spin_loop
	jmp	test_return

/* SEND_INTERRUPTS; the Host delivers the pending IRQ as the hypercall returns. */
	.globl send_interrupts, after_send
send_interrupts:
	pushl	%ebx
	movl	$19, %eax
	int	$0x1f
after_send:
	popl	%ebx
	ret

/* HALT: the Host idles until IRQ 0 and delivers it as the hypercall returns. */
	.globl t_halt, after_halt
t_halt:
	movl	$10, %eax
	int	$0x1f
after_halt:
	jmp	test_return

/*
 * noirq_iret: an iret frame {noirq_resume, 0x61, 0x202} is on the stack and the hypercall
 * returns to noirq_label, the iret.  If the Host knows that address as lguest_data.noirq_iret,
 * it delivers the pending IRQ through the frame already there instead of pushing another.
 */
	.globl t_noirq, noirq_label, noirq_resume
t_noirq:
	pushl	$0x202
	pushl	$0x61
	pushl	$noirq_resume
	movl	$0x200, lguest_data	/* irq_enabled: the IRQ is pending and now deliverable */
	movl	$19, %eax
	int	$0x1f
noirq_label:
	iret
noirq_resume:
	movl	%esp, resume_esp
	jmp	test_return

/* FPU use after LHCALL_TS(8): the first x87 instruction raises #NM. */
	.globl t_fpu, fpu_site
t_fpu:
fpu_site:
	fninit
	fld1
	fistpl	fpu_result
	jmp	test_return

/* Jump into the Switcher's text as the Guest (ring 1) with %eax at a scratch area. */
	.globl t_ud2_scratch_eax
t_ud2_scratch_eax:
	movl	$scratch + 0x2000, %eax
	ud2
	jmp	test_return

	.globl t_int80
t_int80:
	int	$0x80
	jmp	test_return

	.bss
	.align 16
	.globl saved_esp, resume_esp, fpu_result
saved_esp:	.long 0
resume_esp:	.long 0
fpu_result:	.long 0
	.align 4096
	.globl scratch
scratch:
	.space	0x3000
	.space	8192
	.globl stack_top
stack_top:
	.space	4096
	.globl test_stack_top
test_stack_top:

	.section .note.GNU-stack, "", @progbits
