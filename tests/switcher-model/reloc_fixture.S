/* reloc_fixture.S - a tiny Switcher-shaped object whose text needs R_386_32 and R_386_PC32 fixups. */

/*
 * lgsim's own switcher.S is position independent, so its text has no relocations at all.  This
 * fixture exercises the loader's .rel.text path instead.  It is never executed.
 */
	.text
	/* Bytes before the start marker: the page starts at start_switcher_text, not at .text. */
	.fill	8, 1, 0xCC

	.globl	start_switcher_text
start_switcher_text:
	nop

	.globl	switch_to_guest
switch_to_guest:
	movl	$the_stub, %eax		/* R_386_32 against the .text section symbol, addend in place */
	movl	$switch_to_guest, %ebx	/* R_386_32 against a named global symbol */
	call	weak_target		/* R_386_PC32: a weak symbol is never resolved by the assembler */

	.weak	weak_target
weak_target:
	ret

the_stub:
	iret

	.globl	end_switcher_text
end_switcher_text:

	/* After the end marker: not part of the page, so its relocation must be skipped. */
	.long	the_stub
	.fill	12, 1, 0xCC

	.data
	.p2align 2
	.long	0x12345678		/* unrelated data before the table */
	.globl	default_idt_entries
default_idt_entries:
	.rept	256
	.long	the_stub
	.endr

	.section .note.GNU-stack, "", @progbits
