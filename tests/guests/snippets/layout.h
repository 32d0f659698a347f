/* layout.h - the test machine's memory map and selectors, shared by harness.c and snippets.S. */
#ifndef LGSIM_TESTS_CPU_LAYOUT_H
#define LGSIM_TESTS_CPU_LAYOUT_H
/* Plain numbers only: the assembler reads this file too. */

#define RAM_SIZE      0x1000000   /* 16 MiB of RAM at physical 0 */

#define GDT_BASE      0x1000
#define IDT_BASE      0x2000      /* 256 gates */
#define TSS_BASE      0x3000
#define TSS_IOMAP     0x68        /* the I/O bitmap starts right after the 104-byte TSS */
#define IOMAP_BASE    0x3068      /* TSS_BASE + TSS_IOMAP; 8192 bytes + the 0xFF terminator */
#define TSS_LIMIT     0x2068      /* 104 + 8192: the terminator byte is the last one inside */
#define PD_BASE       0x8000      /* page directory */
#define PT0_BASE      0x9000      /* page table for linear 0 - 4 MiB */

/* Stacks.  Each ring runs its program on one stack and the TSS names a different one, so a
 * test can tell "stayed on the same stack" from "switched to the TSS stack". */
#define R0_PROG_STACK 0x2E000
#define TSS_ESP0      0x30000
#define R1_PROG_STACK 0x3E000
#define TSS_ESP1      0x40000
#define R3_PROG_STACK 0x50000
#define UNMAPPED_STACK 0x61000    /* top of the page 0x60000, which paging leaves not present */

#define TEST_PAGE     0x70000     /* the page whose PTE the paging tests rewrite */
#define SCRATCH       0x80000     /* data the snippets read and write */

#define LARGE_VA      0x400000    /* one 4 MiB PSE page ... */
#define LARGE_PA      0x800000    /* ... mapped here, so translation is visible */

#define CODE_BASE     0x100000    /* where snippets.S is linked */

/* GDT selectors: flat 4 GiB code and data for rings 0, 1 and 3, then the TSS. */
#define KCODE         0x08
#define KDATA         0x10
#define R1CODE        0x19
#define R1DATA        0x21
#define UCODE         0x2B
#define UDATA         0x33
#define TSS_SEL       0x38
#define GDT_ENTRIES   8
#endif
