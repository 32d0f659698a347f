/* switcher.S - lgsim's Switcher: the one page of code that moves a CPU between Host and Guest. */

/*
 * How to read this file
 * ---------------------
 * The Host and the Guest are two different "worlds": each has its own page tables (CR3), its own
 * GDT, IDT and TSS, and its own stack.  No single instruction swaps all of those at once, so the
 * swap is done step by step by code that is mapped at the SAME virtual address in both worlds:
 * this page.  The Host copies it to switcher_addr (lgsim uses 0xFFC00000) and maps it there in
 * its own page tables and in every Guest shadow page table, read-only and supervisor-only.
 *
 * Next to this page lie two pages per CPU, "struct lguest_pages" (see lguest_pages.h):
 *   - the regs page, whose last 72 bytes are "struct lguest_regs".  The Guest TSS sets
 *     ss0:esp0 to the END of that struct, so when the Guest traps, the CPU pushes the trap
 *     frame straight into it, and our pushes complete it;
 *   - the state page: the Host's saved CR3/GDT/IDT/ESP and the Guest's GDT, IDT and TSS.
 *
 * The ordering of every step below follows Linux 4.4's switcher exactly; the comments say why
 * each step must come where it is.  All code runs at CPL 0 with CS = LGUEST_CS (0x50), a flat
 * ring-0 code segment that exists, at the same index, in both the Host and the Guest GDT.
 */

#include "switcher-model/lguest_pages.h"

/* Byte 5 of a descriptor holds its type; for a TSS, bit 1 of it is "busy". */
#define DESC_TYPE_BYTE      5
#define TSS_NOT_BUSY_MASK   0xFD

	.text

	.globl	start_switcher_text
start_switcher_text:

/* @tour Switcher 20: switch_to_guest
 * The host's stack pointer goes into the state page; then, in 4.4's order, the Guest's GDT,
 * IDT and TSS are loaded, CR3 becomes the Guest's shadow page directory, the Guest's
 * registers are popped from the regs page, and an iret drops into ring 1 or 3.  This page is
 * mapped at the same address in both worlds, so it keeps running while CR3 changes under it.
 */
/*
 * switch_to_guest: Host -> Guest.
 *
 * Entered by "pushf" and then a far call through the pointer {switch_to_guest, LGUEST_CS},
 * with host interrupts disabled.  The Host stack thus already holds EFLAGS, CS, EIP: the
 * same shape as an interrupt frame.  Whoever brings us back to the Host finishes with an
 * iret on that frame.
 *   %eax = host-virtual address of this CPU's struct lguest_pages
 *   %ebx = physical address of the Guest's shadow page directory
 * The caller treats every other general register as clobbered; only %ebp and the segment
 * registers have to survive, so only those are saved.
 */
	.globl	switch_to_guest
switch_to_guest:
	/* The Host's segment registers and frame pointer go on the Host stack, where the
	 * switch back will find them once %esp points at that stack again. */
	pushl	%es
	pushl	%ds
	pushl	%gs
	pushl	%fs
	pushl	%ebp

	/* Remember the Host stack in the state page: the way back has no other way to find it. */
	movl	%esp, LGUEST_PAGES_host_sp(%eax)

	/* Move the stack onto the saved Guest registers, so the pops further down load them.
	 * The address is built in %edx and moved in one go: %esp must be a usable stack at
	 * every instruction, because an NMI can still arrive. */
	leal	LGUEST_PAGES_regs(%eax), %edx
	movl	%edx, %esp

	/* Switch descriptor tables to the Guest's copies in the state page.  From here on an
	 * NMI or a fault enters the Switcher's stubs rather than the Host's handlers. */
	lgdt	LGUEST_PAGES_guest_gdt_desc(%eax)
	lidt	LGUEST_PAGES_guest_idt_desc(%eax)

	/* Load the Guest TSS (GDT entry 16 of the Guest GDT): it tells the CPU to push the next
	 * Guest trap onto the regs page.  This must happen before CR3 changes, because the CPU
	 * writes the busy bit into the descriptor, and the Guest maps the GDT read-only. */
	movl	$TSS_SELECTOR, %edx
	ltr	%dx

	/* The Host's own TSS descriptor is busy too (the Host loaded it long ago), and "ltr"
	 * refuses a busy TSS.  Clear the bit now, while the Host GDT (base at host_gdt_desc+2)
	 * is still mapped, so the way back can load the Host TSS again. */
	movl	LGUEST_PAGES_host_gdt_desc+2(%eax), %edx
	andb	$TSS_NOT_BUSY_MASK, TSS_SELECTOR+DESC_TYPE_BYTE(%edx)

	/* The point of no return: the Guest's shadow page tables.  This code page and the state
	 * page stay at the same addresses, but the page under %esp is now the Guest's own regs
	 * page, holding the registers the Host wants the Guest to resume with. */
	movl	%ebx, %cr3

	/* Load the Guest's registers in struct lguest_regs order.  A segment pop can fault on a
	 * bad selector.  We are at CPL 0, so the CPU pushes that fault's frame where %esp is,
	 * part-way up the struct, and every push lands below the trapnum slot.  regs.trapnum
	 * thus keeps the 256 the Host stored before entry, a number no real trap produces, and
	 * the Host treats the exit as fatal instead of as a Guest trap. */
	popl	%eax
	popl	%ebx
	popl	%ecx
	popl	%edx
	popl	%esi
	popl	%edi
	popl	%ebp
	popl	%gs
	popl	%fs
	popl	%ds
	popl	%es

	/* trapnum and errcode only matter on the way out: step over them. */
	addl	$8, %esp

	/* What is left is a privilege-changing interrupt frame: EIP, CS, EFLAGS, ESP, SS.
	 * iret drops to the Guest's ring (1 or 3), on the Guest's stack, with interrupts on. */
	iret

/* @tour Switcher 30: A trap in the Guest
 * The heap program's #PF goes through the IDT the Guest runs with: every entry the Guest may
 * not take directly points at a stub at the end of this file.  The CPU switches to the stack
 * the Guest TSS names, the end of struct lguest_regs, and pushes the frame there; the stub adds
 * the vector, and switch_to_host completes struct lguest_regs and puts the host's CR3,
 * tables, stack and TSS back.
 */
/*
 * switch_to_host: Guest -> Host, shared by both exits below.
 *
 * We get here from a stub.  The CPU has switched to ss0:esp0 from the Guest TSS (LGUEST_DS :
 * end of struct lguest_regs) and pushed SS, ESP, EFLAGS, CS, EIP and maybe an error code; the
 * stub pushed the missing error code and the vector.  Everything else is still the Guest's:
 * CR3, GDT, IDT, and the data segment registers.
 */
.macro switch_to_host
	/* Complete struct lguest_regs on the regs page: the Host reads the Guest's registers
	 * there, through its own mapping of that page, without any copying. */
	pushl	%es
	pushl	%ds
	pushl	%fs
	pushl	%gs
	pushl	%ebp
	pushl	%edi
	pushl	%esi
	pushl	%edx
	pushl	%ecx
	pushl	%ebx
	pushl	%eax

	/* %ds still holds whatever the Guest had loaded (even a null selector from user mode).
	 * Memory accesses below need a known flat segment: use the Switcher's own data segment. */
	movl	$LGUEST_DS, %eax
	movl	%eax, %ds

	/* Which CPU are we?  The stack tells us: it lies in the first page of this CPU's struct
	 * lguest_pages, so rounding %esp down to its page gives the base.  That still holds if
	 * the trap came from a half-done switch_to_guest (a faulting segment pop). */
	movl	%esp, %eax
	andl	$~(PAGE_SIZE - 1), %eax

	/* Keep the vector in %ebx: once CR3 is the Host's, this address maps the Host's own
	 * per-CPU page, not the Guest's regs page, so the trap number is out of sight. */
	movl	LGUEST_PAGES_regs_trapnum(%eax), %ebx

	/* Back to the Host's page tables.  This page and the state page are mapped at the same
	 * address there, so we keep running and keep reading the state page. */
	movl	LGUEST_PAGES_host_cr3(%eax), %edx
	movl	%edx, %cr3

	/* The Guest TSS descriptor was marked busy by our ltr; clear it so the next
	 * switch_to_guest can load it again.  The Host maps the state page writable. */
	andb	$TSS_NOT_BUSY_MASK, LGUEST_PAGES_guest_gdt+TSS_SELECTOR+DESC_TYPE_BYTE(%eax)

	/* The Host's descriptor tables, as saved in the state page. */
	lgdt	LGUEST_PAGES_host_gdt_desc(%eax)
	lidt	LGUEST_PAGES_host_idt_desc(%eax)

	/* The Host stack, as switch_to_guest left it. */
	movl	LGUEST_PAGES_host_sp(%eax), %esp

	/* The Host TSS last: it needs the Host GDT loaded, and its busy bit was cleared on the
	 * way in. */
	movl	$TSS_SELECTOR, %edx
	ltr	%dx

	/* Undo the pushes at the top of switch_to_guest, in reverse order. */
	popl	%ebp
	popl	%fs
	popl	%gs
	popl	%ds
	popl	%es
.endm

/* @tour Switcher 40: return_to_host
 * The iret consumes the pushf + far call frame: the host routine continues at host_return.
 */
/*
 * return_to_host: a Guest trap (fault, hypercall, int3...).  The Host decodes regs.trapnum.
 * The iret consumes the pushf + far call frame and resumes the Host right after its lcall.
 */
	.globl	return_to_host
return_to_host:
	switch_to_host
	iret

/*
 * deliver_to_host: a real hardware interrupt arrived while the Guest ran.  It belongs to the
 * Host, so after switching back we run the Host's own handler for that vector, as if the
 * interrupt had come in just after the lcall.  The Host stack already looks like an interrupt
 * frame, so the handler's closing iret returns to the Host's run loop.
 * %eax = lguest_pages base, %ebx = vector (both set by switch_to_host).
 */
	.globl	deliver_to_host
deliver_to_host:
	switch_to_host
	/* Find the gate: the Host IDT base sits after the 2-byte limit of host_idt_desc, and
	 * each gate is 8 bytes. */
	movl	LGUEST_PAGES_host_idt_desc+2(%eax), %edx
	leal	(%edx,%ebx,8), %edx
	/* A gate splits the handler address: bits 31..16 are the top half of its second word,
	 * bits 15..0 the bottom half of its first word. */
	movl	4(%edx), %eax
	andl	$0xFFFF0000, %eax
	movw	(%edx), %ax
	jmp	*%eax

/*
 * handle_nmi: an NMI while the Guest ran.  lguest ignores it: drop the error code and vector
 * the stub pushed and return to exactly where the NMI struck.  It may have struck in the
 * middle of a switch, so nothing else may be touched.
 */
	.globl	handle_nmi
handle_nmi:
	addl	$8, %esp
	iret

/*
 * The 256 entry stubs, one per vector.  The Host points every Guest IDT gate it does not hand
 * to the Guest directly at one of these.  Each stub makes the stack uniform: an error code
 * slot (pushed by the CPU for vectors 8, 10-14 and 17, by the stub otherwise), then the vector
 * number; then it joins a common exit.
 *
 * Each stub's address is also stored in default_idt_entries[] in .data, so the Host can find
 * stub N without knowing how long the stubs are.  The table holds link-time addresses; the
 * loader relocates them to where the page really lives.
 */
.macro idt_stub vector, target
	/* Append this stub's address (label 1 just below) to default_idt_entries. */
	.pushsection .data
	.long	1f
	.popsection
1:
	/* Only these vectors come with an error code from the CPU; fake one for the rest. */
	.if !((\vector == 8) || (\vector >= 10 && \vector <= 14) || (\vector == 17))
	pushl	$0
	.endif
	pushl	$\vector
	jmp	\target
.endm

/* Stubs for vectors first..last that all share one target; stub_vector counts. */
.macro idt_stubs first, last, target
	.set	stub_vector, \first
	.rept	\last - \first + 1
	idt_stub stub_vector, \target
	.set	stub_vector, stub_vector + 1
	.endr
.endm

	.data
	.p2align 2
	.globl	default_idt_entries
default_idt_entries:

	.text
/* A local label, kept in the symbol table only so that traces can say "vector_stubs+0x1a4". */
vector_stubs:
	idt_stubs 0, 1, return_to_host		/* divide error, debug */
	idt_stubs 2, 2, handle_nmi		/* NMI: ignored */
	idt_stubs 3, 31, return_to_host		/* other exceptions, and 0x1F, the hypercall */
	idt_stubs 32, 127, deliver_to_host	/* hardware interrupts belong to the Host */
	idt_stubs 128, 128, return_to_host	/* int $0x80, when not a direct Guest gate */
	idt_stubs 129, 255, deliver_to_host	/* more hardware interrupts */

	.globl	end_switcher_text
end_switcher_text:

	/* This object never needs an executable stack. */
	.section .note.GNU-stack, "", @progbits
