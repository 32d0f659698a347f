/* lguest.h - the Linux 4.4 lguest Host/Guest ABI (hypercalls, lguest_data, boot protocol), and
 * the one fact of lgsim's machine a trace's reader needs: where Guest RAM is. */
#ifndef LGSIM_ABI_LGUEST_H
#define LGSIM_ABI_LGUEST_H

/* @tour Preparation 40: What Host and Guest agree on
 * The Guest asks with a hypercall: int $0x1f with the call in EAX and its arguments in EBX,
 * ECX, EDX (LHCALL_* below).  The Host answers in memory the Guest registered at
 * LHCALL_LGUEST_INIT, struct lguest_data: the virtual interrupt flag, the page-fault address
 * (a ring-1 kernel has no CR2), the time, the asynchronous hypercall ring.
 */
/*
 * Nothing here includes anything: sim/ (host and launcher), traces/, debug/ and the test guests
 * all read these numbers, and none of them has to reach up into another room for them.
 */

/* Hypercall numbers (arch/x86/include/asm/lguest_hcall.h). */
#define LHCALL_FLUSH_ASYNC      0
#define LHCALL_LGUEST_INIT      1
#define LHCALL_SHUTDOWN         2
#define LHCALL_NEW_PGTABLE      4
#define LHCALL_FLUSH_TLB        5
#define LHCALL_LOAD_IDT_ENTRY   6
#define LHCALL_SET_STACK        7
#define LHCALL_TS               8
#define LHCALL_SET_CLOCKEVENT   9
#define LHCALL_HALT             10
#define LHCALL_SET_PMD          13
#define LHCALL_SET_PTE          14
#define LHCALL_SET_PGD          15
#define LHCALL_LOAD_TLS         16
#define LHCALL_LOAD_GDT_ENTRY   18
#define LHCALL_SEND_INTERRUPTS  19

#define LGUEST_SHUTDOWN_POWEROFF 1
#define LGUEST_SHUTDOWN_RESTART  2

/* struct lguest_data (include/linux/lguest.h), offsets in guest memory. */
#define LGD_irq_enabled        0x000
#define LGD_blocked_interrupts 0x004
#define LGD_cr2                0x008
#define LGD_time               0x00C
#define LGD_irq_pending        0x014
#define LGD_hcall_status       0x018
#define LGD_hcalls             0x058
#define LGD_reserve_mem        0x558
#define LGD_tsc_khz            0x55C
#define LGD_noirq_iret         0x560
#define LGD_kernel_address     0x564
#define LGD_syscall_vec        0x568
#define LGD_SIZE               0x56C
#define LHCALL_RING_SIZE       64

/* boot_params (arch/x86/include/uapi/asm/bootparam.h). */
#define BP_e820_entries        0x1E8
#define BP_hdr_version         0x206
#define BP_type_of_loader      0x210
#define BP_loadflags           0x211
#define BP_ramdisk_image       0x218
#define BP_ramdisk_size        0x21C
#define BP_cmd_line_ptr        0x228
#define BP_kernel_alignment    0x230
#define BP_hardware_subarch    0x23C
#define BP_e820_map            0x2D0
#define BP_SIZE                0x1000
#define KEEP_SEGMENTS          0x40
#define X86_SUBARCH_LGUEST     1

#define LGUEST_IRQS            32
#define SYSCALL_VECTOR         0x80
#define FIRST_EXTERNAL_VECTOR  0x20
/* The host's timer (Linux's LOCAL_TIMER_VECTOR): an exit the Guest can take without asking. */
#define HOST_TIMER_VECTOR      0xEF

/* lgsim's machine: guest-physical p is host-physical GUEST_PHYS_BASE + p (lguest's
 * "guest_base"), so a shadow PTE in a trace names a host-physical frame above it. */
#define GUEST_PHYS_BASE        0x40000000u
#define GUEST_MEM_MAX_MB       2048u
#endif
