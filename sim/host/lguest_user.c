/* lhreq.c - LHREQ_GETREG/SETREG/TRAP/IRQ: Linux 4.4 lguest_user.c and lguest_arch_regptr(). */
#include "sim/host/lguest_launcher.h"
#include "abi/lguest.h"
#include "switcher-model/lguest_pages.h"

/* Where each pt_regs register lives in the regs page, and whether SETREG may change it
 * (4.4 refuses the segment registers, EFLAGS and orig_eax, which it does not keep). */
static int regptr(uint32_t pt_off, int for_set, uint32_t *regs_off) {
    static const struct { int32_t at; uint8_t settable; } map[] = {
        [PT_EBX / 4] = { LGUEST_REGS_ebx, 1 }, [PT_ECX / 4] = { LGUEST_REGS_ecx, 1 },
        [PT_EDX / 4] = { LGUEST_REGS_edx, 1 }, [PT_ESI / 4] = { LGUEST_REGS_esi, 1 },
        [PT_EDI / 4] = { LGUEST_REGS_edi, 1 }, [PT_EBP / 4] = { LGUEST_REGS_ebp, 1 },
        [PT_EAX / 4] = { LGUEST_REGS_eax, 1 }, [PT_DS / 4] = { LGUEST_REGS_ds, 0 },
        [PT_ES / 4] = { LGUEST_REGS_es, 0 }, [PT_FS / 4] = { LGUEST_REGS_fs, 0 },
        [PT_GS / 4] = { LGUEST_REGS_gs, 0 }, [PT_ORIG_EAX / 4] = { -1, 0 },
        [PT_EIP / 4] = { LGUEST_REGS_eip, 1 }, [PT_CS / 4] = { LGUEST_REGS_cs, 0 },
        [PT_EFLAGS / 4] = { LGUEST_REGS_eflags, 0 }, [PT_ESP / 4] = { LGUEST_REGS_esp, 1 },
        [PT_SS / 4] = { LGUEST_REGS_ss, 0 },
    };
    if (pt_off % 4 || pt_off / 4 >= sizeof(map) / sizeof(map[0]) || map[pt_off / 4].at < 0 ||
        (for_set && !map[pt_off / 4].settable))
        return LHREQ_ENOENT;
    *regs_off = (uint32_t)map[pt_off / 4].at;
    return 0;
}

int lhreq_getreg(struct machine *m, uint32_t pt_off, uint32_t *val) {
    uint32_t at;
    int rc = regptr(pt_off, 0, &at);
    if (rc == 0) *val = reg_get(m, (int)at);
    return rc;
}

int lhreq_setreg(struct machine *m, uint32_t pt_off, uint32_t val) {
    uint32_t at;
    int rc = regptr(pt_off, 1, &at);
    if (rc == 0) reg_set(m, (int)at, val);
    return rc;
}

/* deliver_trap() uses the error code already in the regs page, as 4.4's trap() does. */
int lhreq_trap(struct machine *m, uint32_t trap) {
    return trap < 256 && deliver_trap(m, trap) == 0 ? 0 : LHREQ_EINVAL;
}

int lhreq_irq(struct machine *m, uint32_t irq) {
    if (irq >= LGUEST_IRQS) return LHREQ_EINVAL;
    set_interrupt(m, irq);
    return 0;
}
