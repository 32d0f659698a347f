/* snippets.S - the i386 code the CPU tests run: handlers, then one short snippet per rule. */
#include "layout.h"

/*
 * The harness finds every label here by name in the linked ELF's symbol table, so labels are
 * the interface: "s_x" is where a test starts, "s_x_insn" the instruction a rule is about, and
 * "s_x_done" where a run that should not fault stops.  Every run stops at an 'until' label
 * before it executes, so nothing after a stop point matters.
 */
        .text
        .code32
        .globl _start
_start:

/* ---- handlers (the IDT points at these) ---- */

/* Most tests stop here: cpu_run's 'until' is the handler's first byte, so the state at the
 * stop is exactly what the CPU produced on entry to the handler. */
h_stop:
        hlt

/* #GP handler for a faulting one-byte instruction: skip it and return. */
h_skip1:
        addl $1, 4(%esp)        /* saved EIP sits above the error code */
        addl $4, %esp           /* drop the error code */
        iret

/* The same for a two-byte instruction (OUT imm8, IN imm8). */
h_skip2:
        addl $2, 4(%esp)
        addl $4, %esp
        iret

/* Return from an interrupt without an error code. */
h_iret:
        iret

/* #GP handler that grants port 0x80 in the I/O bitmap, then retries the instruction. */
h_grant_port80:
        andb $0xFE, IOMAP_BASE + 0x80 / 8
        addl $4, %esp
        iret

/* ---- exceptions ---- */

s_cli:
        cli
s_cli_done:
        nop

/* 1000 #GPs in a row, each skipped by h_skip1. */
s_gp_loop:
        movl $1000, %ecx
1:      cli
        loop 1b
s_gp_loop_done:
        nop

s_int80:
        int $0x80
s_int80_next:
        nop

s_int40:
        int $0x40
s_int40_next:
        nop

s_int3:
        int3
s_int3_next:
        nop

s_into:
        movl $0x7FFFFFFF, %eax
        addl $1, %eax           /* sets OF */
s_into_insn:
        into
s_into_next:
        nop

s_div0:
        xorl %ecx, %ecx
        movl $1, %eax
        xorl %edx, %edx
s_div0_insn:
        divl %ecx
        nop

s_ud2:
        ud2
        nop

/* A run of straight-line code for external interrupts to land in. */
s_spin:
        movl $200000, %ecx
1:      decl %ecx
        jnz 1b
s_spin_done:
        nop

/* ---- memory and paging: plain loads and stores at fixed addresses ---- */

s_read_test:
        movl TEST_PAGE + 0x10, %eax
s_read_test_done:
        nop

s_write_test:
        movl $0x11223344, TEST_PAGE + 0x10
s_write_test_done:
        nop

s_read_large:
        movl LARGE_VA + 0x1234, %eax
s_read_large_done:
        nop

s_write_large:
        movl $0x55667788, LARGE_VA + 0x2000
s_write_large_done:
        nop

/* Same load, after software reloads CR3 (which flushes the TLB). */
s_cr3_reload_read:
        movl %cr3, %ebx
        movl %ebx, %cr3
s_cr3_reload_read_insn:
        movl TEST_PAGE + 0x10, %eax
s_cr3_reload_read_done:
        nop

/* Null selectors: a data access through a null DS/ES/FS/GS is #GP(0) (SDM vol. 3 §3.4.2). */
s_null_gs:
        xorl %ecx, %ecx
        movw %cx, %gs
        movl $0x5A5A5A5A, %eax
s_null_gs_insn:
        movl %gs:0x14, %eax
s_null_gs_done:
        nop

s_null_ds:
        xorl %ecx, %ecx
        movw %cx, %ds
        movl $0x14, %ebx
        movl $0x5A5A5A5A, %eax
s_null_ds_insn:
        movl (%ebx), %eax
s_null_ds_done:
        nop

/* A null %gs at an offset that is mapped: the known limit of cpu/segment.c. */
s_null_gs_mapped:
        xorl %ecx, %ecx
        movw %cx, %gs
        movl $0x5A5A5A5A, %eax
s_null_gs_mapped_insn:
        movl %gs:SCRATCH, %eax
s_null_gs_mapped_done:
        nop

/* A null ES is only used by string instructions' destination. */
s_null_es_stos:
        xorl %ecx, %ecx
        movw %cx, %es
        movl $0x14, %edi
s_null_es_stos_insn:
        stosl
s_null_es_stos_done:
        nop

/* The same offset through a valid %gs: an ordinary page fault on page 0. */
s_valid_gs_page0:
        movl $0x5A5A5A5A, %eax
s_valid_gs_page0_insn:
        movl %gs:0x14, %eax
s_valid_gs_page0_done:
        nop

/* A null %gs that this instruction does not use: the stack push faults as a normal #PF. */
s_null_gs_unused:
        xorl %ecx, %ecx
        movw %cx, %gs
        movl $0x14, %esp
s_null_gs_unused_insn:
        pushl %eax
s_null_gs_unused_done:
        nop

/* ---- port I/O ---- */

s_out80:
        movb $0x42, %al
        nop                     /* so the OUT is not the first instruction of its block */
s_out80_insn:
        outb %al, $0x80
s_out80_done:
        nop

s_in60:
        movl $0x12345678, %eax
        nop
s_in60_insn:
        inb $0x60, %al
s_in60_done:
        nop

s_outw80:
        movw $0x80, %dx
        movl $0xBEEF, %eax
s_outw80_insn:
        outw %ax, %dx
s_outw80_done:
        nop

s_outl80:
        movw $0x80, %dx
        movl $0xCAFEF00D, %eax
s_outl80_insn:
        outl %eax, %dx
s_outl80_done:
        nop

/* Denied OUT to port 0x80, then an allowed one to port 0x81, in one run. */
s_out80_then_81:
        movb $0x42, %al
s_out80_then_81_insn:
        outb %al, $0x80
        movb $0x43, %al
        outb %al, $0x81
s_out80_then_81_done:
        nop

/* ---- time ---- */

s_rdtsc:
        rdtsc
s_rdtsc_done:
        nop

s_rdtsc_after16:
        .fill 16, 1, 0x90       /* sixteen nops: 16 more bytes of executed code */
s_rdtsc_after16_insn:
        rdtsc
s_rdtsc_after16_done:
        nop

/* ---- interrupt shadow (run at CPL 0 with IF=0 and an interrupt pending) ---- */

s_sti_nop:
        nop
        nop
        sti
s_sti_nop_shadowed:
        nop                     /* inside the STI shadow: no interrupt before it */
s_sti_nop_after:
        nop
        nop
s_sti_nop_done:
        nop

s_sti_cli:
        nop
        sti
        cli                     /* IF was 1 only for the shadowed instruction: no interrupt */
s_sti_cli_done:
        nop

/* ---- instructions Unicorn gets wrong (cpu/sites.c) ---- */

s_sysenter:
        movl $0x5A5A5A5A, %eax
s_sysenter_insn:
        sysenter
s_sysenter_done:
        nop

s_syscall:
        movl $0x5A5A5A5A, %eax
s_syscall_insn:
        syscall
s_syscall_done:
        nop

/* iret to the same ring through an image with EDX as its EFLAGS (VM, IOPL and IF set by the
 * test); ESI is what ESP should be after it. */
s_iret_image:
        pushl %edx
        pushl %cs
        pushl $s_iret_image_done
        movl %esp, %esi
        addl $12, %esi
s_iret_image_insn:
        iret
s_iret_image_done:
        nop

/* iret from ring 1 to ring 3 through an image with EDX as its EFLAGS. */
s_iret_to_ring3:
        pushl $UDATA
        pushl $R3_PROG_STACK
        pushl %edx
        pushl $UCODE
        pushl $s_iret_to_ring3_done
s_iret_to_ring3_insn:
        iret
s_iret_to_ring3_done:
        nop

/* popf of EDX. */
s_popf:
        pushl %edx
s_popf_insn:
        popfl
s_popf_done:
        nop

/* A null %fs the program pops itself, then an access through it at a mapped offset. */
s_pop_null_fs:
        pushl $0
        popl %fs
        movl $0x5A5A5A5A, %eax
s_pop_null_fs_insn:
        movl %fs:SCRATCH, %eax
s_pop_null_fs_done:
        nop

/* A null %gs the program gets from an iret to ring 3 (its DPL-1 data selector is nulled). */
s_iret_nulls_gs:
        movl $R1DATA, %ecx
        movw %cx, %gs
        pushl $UDATA
        pushl $R3_PROG_STACK
        pushl $0x202
        pushl $UCODE
        pushl $s_iret_nulls_gs_user
        iret
s_iret_nulls_gs_user:
        movl $0x5A5A5A5A, %eax
s_iret_nulls_gs_insn:
        movl %gs:SCRATCH, %eax
s_iret_nulls_gs_done:
        nop

/* ---- translated code ---- */

s_code_patch:
        movl $1, %eax
s_code_patch_done:
        nop

/* The same, but the block holding the mov ends at the jmp, away from the stop address (whose
 * block Unicorn drops after every run): its translation outlives the run. */
s_code_patch_kept:
        movl $1, %eax
        jmp 1f
1:      nop
s_code_patch_kept_done:
        nop

/* ---- CPUID and the FPU ---- */

s_cpuid:
        cpuid
s_cpuid_done:
        nop

s_fld1:
        fld1                    /* any x87 instruction: #NM while CR0.TS is set */
s_fld1_done:
        nop

        .section .note.GNU-stack, "", @progbits   /* no executable stack (silences ld) */
