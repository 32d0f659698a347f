/* lhreq.h - what the launcher may ask of the Host (writes to /dev/lguest), as 4.4 answers. */
#ifndef LGSIM_LHREQ_H
#define LGSIM_LHREQ_H
#include <stdint.h>
#include "sim/host/lg.h"

/*
 * The 4.4 launcher never touches the Guest's registers directly: it asks the Host with
 * LHREQ_GETREG / LHREQ_SETREG, naming a register by its offset in i386 struct pt_regs (the
 * layout of userspace's user_regs_struct), and it re-injects a trap with LHREQ_TRAP and raises
 * device interrupts with LHREQ_IRQ (ABI §10.1, §2.1).  lgsim's launcher goes through the same
 * doors, with the same refusals, so its emulation can do no more than the real one could.
 */
enum pt_regs_offset {
    PT_EBX = 0, PT_ECX = 4, PT_EDX = 8, PT_ESI = 12, PT_EDI = 16, PT_EBP = 20, PT_EAX = 24,
    PT_DS = 28, PT_ES = 32, PT_FS = 36, PT_GS = 40, PT_ORIG_EAX = 44, PT_EIP = 48, PT_CS = 52,
    PT_EFLAGS = 56, PT_ESP = 60, PT_SS = 64,
};

#define LHREQ_ENOENT (-2)    /* Linux's errno values, as the launcher would see them */
#define LHREQ_EINVAL (-22)

int lhreq_getreg(struct machine *m, uint32_t pt_off, uint32_t *val);   /* 0 or -ENOENT */
int lhreq_setreg(struct machine *m, uint32_t pt_off, uint32_t val);    /* 0 or -ENOENT */
int lhreq_trap(struct machine *m, uint32_t trap);                      /* 0 or -EINVAL */
int lhreq_irq(struct machine *m, uint32_t irq);                        /* 0 or -EINVAL */
#endif
