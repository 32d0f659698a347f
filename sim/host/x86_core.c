/* traps.c - why did the Guest come back?  lguest_arch_handle_trap() of Linux 4.4. */
#include "sim/host/lg.h"
#include "sim/host/layout.h"
#include "abi/lguest.h"
#include "switcher-model/lguest_pages.h"
#include <string.h>

/* Up to max bytes at guest-virtual eip through the Guest's tables; how many could be read. */
uint32_t guest_fetch(struct machine *m, uint32_t eip, uint8_t *buf, uint32_t max) {
    uint32_t n = 0, gpa;
    uint8_t *p;
    for (; n < max; n++) {
        if (shadow_guest_pa(&m->shadow, eip + n, &gpa) ||
            !(p = shadow_guest_ptr(&m->shadow, gpa, 1)))
            break;
        buf[n] = *p;
    }
    return n;
}

/* The launcher gets the first 7 bytes of the instruction, zero-filled past a missing page. */
static void copy_insn(struct machine *m, uint8_t insn[7]) {
    memset(insn, 0, 7);
    guest_fetch(m, reg_get(m, LGUEST_REGS_eip), insn, 7);
}

/* The page-fault round trip, host side: demand_page fixes it silently, or the launcher
 * emulates a device access, or the Guest's own #PF handler sees it with cr2 in lguest_data. */
static void record_pf(struct machine *m, uint32_t err, uint32_t outcome) {
    REC(&m->rec, m->cpu.now_ns, TK_PF, m->cr2, err, reg_get(m, LGUEST_REGS_eip), outcome);
}

static int handle_page_fault(struct machine *m, uint32_t err) {
    uint32_t io_addr = 0;
    char why[128];
    switch (shadow_demand_page(&m->shadow, m->cr2, err, &io_addr, why, sizeof(why))) {
    case DEMAND_FIXED:
        m->n_pf_fixed++;
        record_pf(m, err, PF_FIXED);
        return 1;
    case DEMAND_IO:
        m->n_pf_io++;
        record_pf(m, err, PF_DEVICE);
        m->pending.trap = 14;
        m->pending.addr = io_addr;
        copy_insn(m, m->pending.insn);
        return 1;
    case DEMAND_KILL:
        record_pf(m, err, PF_KILLED);
        kill_guest(m, "%s", why);
        return 1;
    case DEMAND_REFLECT:
        break;
    }
    m->n_pf_reflected++;
    record_pf(m, err, PF_REFLECTED);
    if (m->initialized)
        lguest_data_put(m, LGD_cr2, m->cr2);
    return 0;
}

void handle_trap(struct machine *m) {
    uint32_t trapnum = reg_get(m, LGUEST_REGS_trapnum);
    uint32_t err = reg_get(m, LGUEST_REGS_errcode);
    switch (trapnum) {
    case 13:
        if (err == 0) {   /* probably I/O: the launcher will try to emulate it */
            m->pending.trap = 13;
            copy_insn(m, m->pending.insn);
            return;
        }
        break;
    case 14:
        if (handle_page_fault(m, err)) return;
        break;
    case 7:
        /* #NM: lgsim's host never touches the FPU, so the CPU had CR0.TS set only because the
         * Guest asked for it (LHCALL_TS); otherwise there is nothing for the Guest to see. */
        if (!m->ts) return;
        break;
    case LGUEST_TRAP_ENTRY:
        m->hcall_pending = 1;   /* done at the top of the next loop pass, as in 4.4 */
        return;
    default:
        if (trapnum >= FIRST_EXTERNAL_VECTOR && trapnum < 256) {
            m->n_host_irqs++;   /* a host interrupt; its handler already ran */
            return;
        }
    }
    if (deliver_trap(m, trapnum) < 0)
        kill_guest(m, "unhandled trap %li at %#lx (%#lx)", (long)trapnum,
                   (unsigned long)reg_get(m, LGUEST_REGS_eip),
                   (unsigned long)(trapnum == 14 ? m->cr2 : err));
}
