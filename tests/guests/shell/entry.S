/* entry.S - the shell guest's interrupt entries: IRQ 0 (its clock event) and IRQ 1 (the console). */
	.text
	.globl timer_entry, console_entry
timer_entry:
	pushal
	call	timer_handler
	popal
	jmp	lguest_iret
console_entry:
	pushal
	call	console_handler
	popal
	jmp	lguest_iret

	.section .note.GNU-stack, "", @progbits
