/* lguest_pages.h - the Linux 4.4 per-CPU Switcher page layout, shared by C and assembly. */
#ifndef LGSIM_LGUEST_PAGES_H
#define LGSIM_LGUEST_PAGES_H

/* @tour Preparation 30: The pages the Switcher shares
 * struct lguest_pages: after the Switcher's text page, a regs page whose last 72 bytes are
 * struct lguest_regs (the Guest's registers while the Host looks at them) and a state page
 * (the host's saved tables, the Guest's GDT, IDT and TSS).  The Guest TSS points ring 0's
 * stack at the end of the regs page, so a trap in the Guest pushes its frame straight into
 * struct lguest_regs.  The offsets are 4.4's; lgsim's C and the Switcher's assembly share
 * them from here.
 */
/*
 * One text page, then two pages per CPU ("struct lguest_pages"): a regs/stack page whose last
 * 72 bytes are struct lguest_regs, and a state page (host/guest descriptor tables, guest TSS,
 * guest IDT and GDT).  Offsets are those of Linux 4.4's asm-offsets_32.c for i386 non-PAE.
 */
#define LGUEST_PAGES_regs              0x0FB8
#define LGUEST_PAGES_regs_trapnum      0x0FE4
#define LGUEST_PAGES_regs_errcode      0x0FE8
#define LGUEST_PAGES_host_cr3          0x1000
#define LGUEST_PAGES_host_idt_desc     0x1004
#define LGUEST_PAGES_host_gdt_desc     0x100A
#define LGUEST_PAGES_host_sp           0x1010
#define LGUEST_PAGES_guest_idt_desc    0x1014
#define LGUEST_PAGES_guest_gdt_desc    0x101A
#define LGUEST_PAGES_guest_tss         0x1020
#define LGUEST_PAGES_guest_idt         0x1088
#define LGUEST_PAGES_guest_gdt         0x1888
#define LGUEST_PAGES_SIZE              0x2000

/* struct lguest_regs: 18 words at LGUEST_PAGES_regs, in this order. */
#define LGUEST_REGS_eax      0x00
#define LGUEST_REGS_ebx      0x04
#define LGUEST_REGS_ecx      0x08
#define LGUEST_REGS_edx      0x0C
#define LGUEST_REGS_esi      0x10
#define LGUEST_REGS_edi      0x14
#define LGUEST_REGS_ebp      0x18
#define LGUEST_REGS_gs       0x1C
#define LGUEST_REGS_fs       0x20
#define LGUEST_REGS_ds       0x24
#define LGUEST_REGS_es       0x28
#define LGUEST_REGS_trapnum  0x2C
#define LGUEST_REGS_errcode  0x30
#define LGUEST_REGS_eip      0x34
#define LGUEST_REGS_cs       0x38
#define LGUEST_REGS_eflags   0x3C
#define LGUEST_REGS_esp      0x40
#define LGUEST_REGS_ss       0x44
#define LGUEST_REGS_SIZE     0x48

/* Offsets inside the 104-byte hardware TSS. */
#define TSS_esp0             4
#define TSS_ss0              8
#define TSS_esp1             12
#define TSS_ss1              16
#define TSS_io_bitmap_base   102
#define TSS_SIZE             104

/* GDT entries both worlds agree on (arch/x86/include/asm/segment.h, asm/lguest.h). */
#define GDT_ENTRY_TLS_MIN        6
#define GDT_ENTRY_LGUEST_CS      10
#define GDT_ENTRY_LGUEST_DS      11
#define GDT_ENTRY_KERNEL_CS      12
#define GDT_ENTRY_KERNEL_DS      13
#define GDT_ENTRY_TSS            16
#define GDT_ENTRY_DOUBLEFAULT_TSS 31
#define GDT_ENTRIES              32
#define IDT_ENTRIES              256
#define LGUEST_CS                (GDT_ENTRY_LGUEST_CS * 8)   /* 0x50 */
#define LGUEST_DS                (GDT_ENTRY_LGUEST_DS * 8)   /* 0x58 */
#define KERNEL_CS                (GDT_ENTRY_KERNEL_CS * 8)   /* 0x60: the host's own */
#define KERNEL_DS                (GDT_ENTRY_KERNEL_DS * 8)   /* 0x68 */
#define TSS_SELECTOR             (GDT_ENTRY_TSS * 8)         /* 0x80 */
#define GUEST_PL                 1
#define GUEST_KERNEL_CS          (KERNEL_CS | GUEST_PL)      /* 0x61 */
#define GUEST_KERNEL_DS          (KERNEL_DS | GUEST_PL)      /* 0x69 */
#define USER_CS                  0x73
#define USER_DS                  0x7B

#define LGUEST_TRAP_ENTRY        0x1F   /* the hypercall vector */
#define PAGE_SHIFT               12
#define PAGE_SIZE                4096

#endif
