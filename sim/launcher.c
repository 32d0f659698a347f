/* launcher.c - the launcher's side of a Guest exit: emulate the instruction, or re-inject. */
#include "sim/machine.h"
#include "sim/lguest.h"
#include "switcher-model/lguest_pages.h"
#include <stdio.h>

/*
 * Linux 4.4 tools/lguest/lguest.c emulate_insn(): only port I/O from the Guest kernel (and a
 * stray cli) is emulated.  Anything else goes back into the Guest as the trap it was; if the
 * Guest has no handler yet, the launcher gives up with err(), as lgsim does here.
 */
static void record(struct machine *m, uint32_t what, uint32_t addr, uint32_t size, uint32_t val) {
    REC(&m->rec, m->cpu.now_ns, TK_LAUNCHER, what, addr, size, val, reg_get(m, LGUEST_REGS_eip));
}

static int emulate_insn(struct machine *m, const uint8_t insn[7]) {
    uint32_t len = 0, port, mask, eax = reg_get(m, LGUEST_REGS_eax);
    int in = 0, small = 0;
    if ((reg_get(m, LGUEST_REGS_cs) & 3) != GUEST_PL)
        return -1;
    if (insn[0] == 0xFA) {   /* cli: harmless, skip it */
        len = 1;
        record(m, LN_CLI, 0, 0, 0);
        goto skip;
    }
    if (insn[0] == 0x66) {
        small = 1;
        len = 1;
    }
    uint8_t op = insn[len];
    switch (op & 0xFE) {
    case 0xE4: port = insn[len + 1]; len += 2; in = 1; break;
    case 0xEC: port = reg_get(m, LGUEST_REGS_edx) & 0xFFFF; len += 1; in = 1; break;
    case 0xE6: port = insn[len + 1]; len += 2; break;
    case 0xEE: port = reg_get(m, LGUEST_REGS_edx) & 0xFFFF; len += 1; break;
    default: return -1;
    }
    int size = !(op & 1) ? 1 : small ? 2 : 4;
    mask = size == 1 ? 0xFF : size == 2 ? 0xFFFF : 0xFFFFFFFFu;
    if (in) {
        uint32_t val = 0xFFFFFFFFu;
        if (port == 0x64)
            val = 1;   /* the PS/2 controller is "ready" */
        else if (pci_is_port((uint16_t)port))
            val = pci_port_in(&m->pci, (uint16_t)port, size);
        reg_set(m, LGUEST_REGS_eax, (eax & ~mask) | (val & mask));
        record(m, LN_PORT_IN, port, (uint32_t)size, val & mask);
    } else {
        record(m, LN_PORT_OUT, port, (uint32_t)size, eax & mask);
    }
    if (!in && pci_is_port((uint16_t)port)) {
        if (pci_port_out(&m->pci, (uint16_t)port, size, eax & mask) < 0) {
            if (m->opt.verbose)
                fprintf(stderr, "lgsim: Attempt to write to port %#x (size %d) rejected\n",
                        port, size);
            return -1;
        }
    }   /* every other port (0x80 delays, serial, RTC) is ignored */
skip:
    reg_set(m, LGUEST_REGS_eip, reg_get(m, LGUEST_REGS_eip) + len);
    m->n_gp_emulated++;
    return 0;
}

static void reinject(struct machine *m, int trap) {
    record(m, LN_REINJECT, (uint32_t)trap, 0, 0);
    if (deliver_trap(m, (unsigned)trap) == 0)
        return;
    record(m, LN_FAILED, (uint32_t)trap, 0, 0);
    /* LHREQ_TRAP failed: the launcher exits through err(), with errno EINVAL. */
    m->dead = 1;
    m->exit_code = 1;
    snprintf(m->dead_reason, sizeof(m->dead_reason),
             "Reinjecting trap %d for fault at %#x: Invalid argument", trap,
             reg_get(m, LGUEST_REGS_eip));
}

void launcher_handle_pending(struct machine *m) {
    struct lguest_pending p = m->pending;
    m->pending.trap = 0;   /* the next read() acknowledges this exit */
    if (p.trap == 13) {
        if (m->opt.verbose)
            fprintf(stderr, "lgsim: Emulating instruction at %#x\n", reg_get(m, LGUEST_REGS_eip));
        if (emulate_insn(m, p.insn) < 0)
            reinject(m, 13);
    } else if (p.trap == 14) {
        record(m, LN_MMIO, p.addr, 0, 0);
        fprintf(stderr, "lgsim: MMIO touching %#08x (not a device)\n", p.addr);
        reinject(m, 14);
    }
}
