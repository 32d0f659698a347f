/* control_regs.h - the registers as the machine-control interface reads them (no CPU types). */
#ifndef LGSIM_CONTROL_REGS_H
#define LGSIM_CONTROL_REGS_H
#include <stdint.h>

/* Separate from control.h so that a client's model (ui/model.h) can hold them without the
 * CPU's own header. */
struct control_regs {
    uint32_t eax, ecx, edx, ebx, esp, ebp, esi, edi, eip, eflags;
    uint16_t seg[6];                 /* cs ss ds es fs gs */
    uint32_t seg_base[6], seg_limit[6];
    int seg_known[6];                /* the hidden parts could be read */
    uint32_t cr0, cr2, cr3, cr4;
    uint32_t gdtr_base, gdtr_limit, idtr_base, idtr_limit;
    uint16_t tr, ldtr;
    int cpl;
};
#endif
