/* head.S - boot at physical addresses, the boot page tables, and every way in and out of ring 1. */
#include "kernel.h"

/* Until paging is on, an absolute address must be the physical one: PA(). */
#define PA(sym) ((sym) - PAGE_OFFSET)

/*
 * 1. Boot.  The launcher put us at physical 1 MiB and starts us at startup_32's physical address
 * in ring 1: CS 0x61, DS = ES = SS = 0x69, ESI = physical address of boot_params, ESP = 0.
 * The Host runs us in "linear mode" (virtual = physical) until our first LHCALL_NEW_PGTABLE.
 * We are linked at PAGE_OFFSET + physical, so this code only uses relative jumps and PA().
 */
	.section .text.entry, "ax"
	.globl startup_32
startup_32:
	movl	$PA(boot_stack_top), %esp

	/* Clear .bss (the launcher gave us zeroed RAM, but a kernel should not rely on it). */
	movl	$PA(__bss_start), %edi
	movl	$PA(__bss_end), %ecx
	subl	%edi, %ecx
	shrl	$2, %ecx
	xorl	%eax, %eax
	cld
	rep stosl

/* @tour Guest 10: A kernel that knows it is a Guest
 * The teaching guest starts where the Launcher put it, in ring 1 with paging as the Host
 * pretends (virtual = physical, "linear mode").  Its first act is a hypercall: int $0x1f with
 * LHCALL_LGUEST_INIT and the address of lguest_data.  From then on it never touches a
 * privileged register: page tables, the IDT, the stack for traps and the timer all go through
 * hypercalls, and "interrupts off" is a store into lguest_data.irq_enabled.
 */
	/* First hypercall, always: LHCALL_LGUEST_INIT(physical address of lguest_data). */
	movl	$LHCALL_LGUEST_INIT, %eax
	movl	$PA(lguest_data), %ebx
	int	$LGUEST_TRAP_ENTRY

	/* Boot page tables: PTEs for physical 0 .. KERNEL_MAP_SIZE, kernel-only, writable. */
	movl	$PA(boot_page_tables), %edi
	movl	$(PTE_P | PTE_RW | PTE_A | PTE_D), %eax		/* page 0 */
.Lfill_ptes:
	stosl
	addl	$PAGE_SIZE, %eax
	cmpl	$KERNEL_MAP_SIZE, %eax
	jb	.Lfill_ptes

	/* The directory points at those page tables twice, like Linux's initial_page_table: at
	 * virtual 0 (identity: where this code runs now) and at PAGE_OFFSET (where it is linked). */
	movl	$PA(swapper_pg_dir), %edi
	movl	$(PA(boot_page_tables) + PDE_KERNEL), %eax
	movl	$BOOT_PT_COUNT, %ecx
.Lfill_pdes:
	movl	%eax, (%edi)				/* entry i */
	movl	%eax, (PAGE_OFFSET >> 20)(%edi)		/* entry 768 + i (4 bytes each) */
	addl	$4, %edi
	addl	$PAGE_SIZE, %eax
	loop	.Lfill_pdes

	/* Paging on: from now on the Host walks our tables instead of faking an identity map. */
	movl	$LHCALL_NEW_PGTABLE, %eax
	movl	$PA(swapper_pg_dir), %ebx
	int	$LGUEST_TRAP_ENTRY

	/* Still running at a low address, through the identity map.  An absolute jump takes us
	 * up to the linked address; then C can run. */
	movl	$.Lvirtual, %eax
	jmp	*%eax
.Lvirtual:
	movl	$boot_stack_top, %esp
	addl	$PAGE_OFFSET, %esi			/* boot_params, seen from the kernel */
	pushl	%esi
	call	start_kernel				/* main.c; never returns */

/* @tour Guest 30: The fault comes back, as a trap
 * The Host reflects the fault the way the CPU would have delivered it: a frame on this
 * kernel's stack (the one it gave with LHCALL_SET_STACK), EIP at our IDT entry 14, and because
 * that is an interrupt gate, the virtual interrupt flag cleared.  exc_page_fault pushes the
 * vector, trap_common saves the registers as a struct trap_frame and calls trap_dispatch().
 */
/*
 * 2. The way in.  Every IDT vector lands on a stub that makes all frames alike: the CPU (or
 * the Host, when it reflects a trap) pushed [ss esp] eflags cs eip [error code]; the stub adds
 * a 0 error code where there is none, then the vector.  trap_common saves the rest, which
 * makes a struct trap_frame (kernel.h), and calls trap_dispatch(frame) in trap.c.
 */
	.text
.macro STUB name, vector, has_error_code
	.globl	\name
\name:
	.if \has_error_code == 0
	pushl	$0
	.endif
	pushl	$\vector
	jmp	trap_common
.endm
	STUB exc_divide_error,   0, 0
	STUB exc_debug,          1, 0
	STUB exc_int3,           3, 0
	STUB exc_overflow,       4, 0
	STUB exc_bounds,         5, 0
	STUB exc_invalid_op,     6, 0
	STUB exc_no_fpu,         7, 0
	STUB exc_coproc_overrun, 9, 0
	STUB exc_invalid_tss,    10, 1
	STUB exc_no_segment,     11, 1
	STUB exc_stack_fault,    12, 1
	STUB exc_general_prot,   13, 1
	STUB exc_page_fault,     14, 1
	STUB exc_fpu_error,      16, 0
	STUB exc_alignment,      17, 1
	STUB exc_machine_check,  18, 0
	STUB exc_simd_error,     19, 0
	STUB irq_timer,          TIMER_VECTOR, 0
	STUB syscall_entry,      SYSCALL_VECTOR, 0

trap_common:
	pushl	%ds
	pushl	%es
	pushal
	movl	$KERNEL_DS, %eax	/* ring 3 left its own data segments loaded */
	movl	%eax, %ds
	movl	%eax, %es
	cld
	pushl	%esp			/* the argument: the struct trap_frame just built */
	call	trap_dispatch
	/* trap_dispatch returns the frame to resume: this one, or another process's.  Resuming a
	 * frame means loading ESP with it: that is the whole context switch of this kernel. */
	jmp	restore_frame

/* 3. The way out.  void enter_frame(struct trap_frame *f): resume f; also starts processes. */
	.globl enter_frame
enter_frame:
	movl	4(%esp), %eax
restore_frame:
	movl	%eax, %esp
	popal
	popl	%es
	popl	%ds
	addl	$8, %esp		/* drop vector and error code: an iret frame is left */
	/* fall through */

/* @tour Guest 80: Back to ring 3, and the retry
 * trap_common restores the registers and ends here: the EFLAGS.IF of the frame becomes the
 * virtual interrupt flag, then a real iret returns to the heap program at the very instruction
 * that faulted.  It runs again: the retry (Host 140).
 */
/*
 * lguest_iret.  In ring 1 a real iret cannot change the interrupt flag, so ours lives in
 * lguest_data.irq_enabled: set it from the IF of the EFLAGS we are returning to, then iret.
 * Between those two instructions the flag says "on" but we are still on the kernel stack, so
 * the Host never injects an interrupt at lguest_noirq_iret (we told it that address at INIT);
 * it reuses the frame instead.  %ss, not %ds: %ds may already be the user's segment.
 */
	.globl lguest_iret, lguest_noirq_iret
lguest_iret:
	pushl	%eax
	movl	12(%esp), %eax		/* EFLAGS, above our EAX, the EIP and the CS */
	andl	$X86_EFLAGS_IF, %eax
	movl	%eax, %ss:lguest_data + LGUEST_DATA_irq_enabled
	popl	%eax
lguest_noirq_iret:
	iret

/* Boot-time memory: the kernel's page directory, its first page tables, the boot stack. */
	.bss
	.balign	PAGE_SIZE
	.globl	swapper_pg_dir
swapper_pg_dir:
	.space	PAGE_SIZE
boot_page_tables:
	.space	BOOT_PT_COUNT * PAGE_SIZE
boot_stack:
	.space	KSTACK_SIZE
boot_stack_top:
