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

/* IRQ 1, the virtio console (echo). */
	.globl console_irq_entry
console_irq_entry:
	pushal
	call	console_irq_handler
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

/*
 * The two documented deaths of real 4.4 kernels under lguest, under the kernel's own function
 * names so that lgsim's diagnosis finds them in this guest's symbols as it would in vmlinux's.
 * die=ucode: the microcode loader's stack-protector canary load, before LHCALL_LGUEST_INIT,
 * with the null %gs the Host starts every Guest with.  die=rdmsr: the same loader's MSR read.
 * die=cr4: lguest_init()'s last call, i386_start_kernel(), reaching native_read_cr4_safe().
 */
	.globl load_ucode_intel_bsp, collect_cpu_info_early, i386_start_kernel, native_read_cr4_safe
	.type	load_ucode_intel_bsp, @function
load_ucode_intel_bsp:
	pushl	%ebp
	movl	%esp, %ebp
	subl	$16, %esp
	movl	%gs:0x14, %eax
	movl	%eax, -4(%ebp)
	leave
	ret
	.size	load_ucode_intel_bsp, . - load_ucode_intel_bsp

	.type	collect_cpu_info_early, @function
collect_cpu_info_early:
	movl	$0x17, %ecx	/* MSR_IA32_PLATFORM_ID */
	rdmsr
	ret
	.size	collect_cpu_info_early, . - collect_cpu_info_early

	.type	i386_start_kernel, @function
i386_start_kernel:
	call	native_read_cr4_safe
	ret
	.size	i386_start_kernel, . - i386_start_kernel

	.type	native_read_cr4_safe, @function
native_read_cr4_safe:
	xorl	%eax, %eax
	movl	%cr4, %eax
	ret
	.size	native_read_cr4_safe, . - native_read_cr4_safe

	.bss
	.align 16
scratch:
	.space	16
/* 8 KiB: the two pages SET_STACK pins. */
	.space	8192
	.globl stack_top
stack_top:

	.section .note.GNU-stack, "", @progbits
