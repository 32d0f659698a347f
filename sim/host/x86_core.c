/* x86_core.c - one trip into the Guest and back, and why it came back (4.4 x86/core.c). */
#include "sim/host/lg.h"
#include "sim/host/layout.h"
#include "abi/lguest.h"
#include "switcher-model/lguest_pages.h"
#include <string.h>

/* lguest_arch_setup_regs(): ring 1, interrupts (virtually) on, ESI = 0 = boot_params. */
void lguest_arch_setup_regs(struct lguest *lg, uint32_t start) {
    memset(guest_regs(lg), 0, LGUEST_REGS_SIZE);
    reg_set(lg, LGUEST_REGS_ds, GUEST_KERNEL_DS);
    reg_set(lg, LGUEST_REGS_es, GUEST_KERNEL_DS);
    reg_set(lg, LGUEST_REGS_ss, GUEST_KERNEL_DS);
    reg_set(lg, LGUEST_REGS_cs, GUEST_KERNEL_CS);
    reg_set(lg, LGUEST_REGS_eflags, 0x202);
    reg_set(lg, LGUEST_REGS_eip, start);
}

/* --- into the Guest --- */

/* @tour Host 30: copy_in_guest_info()
 * Before each trip, what changed goes into the Switcher's pages: this CPU's pages mapped into
 * the current shadow, the kernel stack the Guest gave with SET_STACK into the Guest TSS, and
 * the IDT and GDT entries the Guest loaded since the last trip (4.4 x86/core.c).
 */
/* copy_in_guest_info(): what changed since the last run goes into the Switcher's pages. */
void copy_in_guest_info(struct lguest *lg) {
    uint8_t *pages = phys_ptr(&lg->phys, SWITCHER_REGS_PHYS, LGUEST_PAGES_SIZE);
    shadow_map_switcher_in_guest(&lg->shadow);   /* this CPU's pages, seen from the Guest */
    uint8_t *tss = pages + LGUEST_PAGES_guest_tss;
    put_le32(tss + TSS_esp1, lg->shadow.esp1);
    put_le16(tss + TSS_ss1, (uint16_t)lg->ss1);
    if (lg->changed_idt) copy_traps(lg, pages + LGUEST_PAGES_guest_idt);
    if (lg->changed_gdt)
        copy_gdt(lg);
    else if (lg->changed_tls)
        copy_gdt_tls(lg);
    lg->changed_idt = lg->changed_gdt = lg->changed_tls = 0;
}

/* The CPU was stopped in the middle of the Guest (no trap saved its registers): put them in
 * the regs page as a trap would, so the Launcher's report names where the Guest was. */
static void save_guest_state(struct lguest *lg) {
    static const struct { int reg, off; } map[] = {
        { CPU_REG_EAX, LGUEST_REGS_eax }, { CPU_REG_EBX, LGUEST_REGS_ebx },
        { CPU_REG_ECX, LGUEST_REGS_ecx }, { CPU_REG_EDX, LGUEST_REGS_edx },
        { CPU_REG_ESI, LGUEST_REGS_esi }, { CPU_REG_EDI, LGUEST_REGS_edi },
        { CPU_REG_EBP, LGUEST_REGS_ebp }, { CPU_REG_GS, LGUEST_REGS_gs },
        { CPU_REG_FS, LGUEST_REGS_fs }, { CPU_REG_DS, LGUEST_REGS_ds },
        { CPU_REG_ES, LGUEST_REGS_es }, { CPU_REG_EIP, LGUEST_REGS_eip },
        { CPU_REG_CS, LGUEST_REGS_cs }, { CPU_REG_EFLAGS, LGUEST_REGS_eflags },
        { CPU_REG_ESP, LGUEST_REGS_esp }, { CPU_REG_SS, LGUEST_REGS_ss },
    };
    for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
        reg_set(lg, map[i].off, cpu_get(&lg->cpu, map[i].reg));
}

/* The host routine stopped anywhere but at host_return: lg.ko itself failed. */
static void report_host_stop(struct lguest *lg, enum cpu_stop stop) {
    if (lg->dead) return;   /* already killed during the run (by the debugger): that is why */
    uint32_t eip = cpu_get(&lg->cpu, CPU_REG_EIP);
    lg->dead = 1;
    lg->status = 2;
    if (stop == CPU_STOP_HLT && eip == lg->host_panic + 1)
        snprintf(lg->dead_reason, sizeof(lg->dead_reason),
                 "simulator: exception in host mode (a bug in lgsim's host): %s",
                 lg->cpu.stop_msg);
    else
        snprintf(lg->dead_reason, sizeof(lg->dead_reason), "simulator: CPU stopped (%s): %s",
                 cpu_stop_name(stop), lg->cpu.stop_msg);
}

/* Where a run stopped on purpose (a debugger's kill, the window closed) left the CPU: in the
 * Guest or the Switcher, past the host routine's far call and not yet back at host_return. */
static int stopped_past_host(struct lguest *lg) {
    uint32_t eip = cpu_get(&lg->cpu, CPU_REG_EIP);
    return cpu_cpl(&lg->cpu) > 0 || (eip >= SWITCHER_ADDR && eip < SWITCHER_ADDR + 0x1000);
}

/* @tour Host 40: run_guest_once()
 * The host routine calls the Switcher exactly as 4.4 does (Switcher 10): pushf and a far call
 * with EAX = this CPU's lguest_pages and EBX = the shadow page directory.  The CPU runs host
 * code, the Switcher and the Guest until the Guest traps out and the Switcher returns to
 * host_return.  Our heap program's read faults: the Switcher comes back with trapnum 14, and
 * the Host keeps CR2 (4.4's last_pagefault).
 */
/* One trip into the Guest and back (run_guest_once), through the real Switcher: the host
 * routine (host.S) pushes EFLAGS and makes the far call with EAX = this CPU's lguest_pages
 * and EBX = the shadow page directory, exactly as 4.4 does. */
void run_guest_once(struct lguest *lg) {
    copy_in_guest_info(lg);
    reg_set(lg, LGUEST_REGS_trapnum, 256);   /* no real trap has this number */
    struct cpu *c = &lg->cpu;
    cpu_set(c, CPU_REG_EAX, SWITCHER_PAGES_ADDR);
    cpu_set(c, CPU_REG_EBX, lg->shadow.root); /* the current slot's shadow directory */
    cpu_set(c, CPU_REG_EFLAGS, 0x2);     /* host interrupts off, as local_irq_disable */
    switch_entering(lg);
    /* The Guest asked for CR0.TS (LHCALL_TS): run it with TS set so its first FPU instruction
     * raises #NM; the host clears TS again once the Guest is out. */
    if (lg->ts) cpu_set(c, CPU_REG_CR0, cpu_get(c, CPU_REG_CR0) | CR0_TS);
    /* The run ends at the hlt at host_return: no stop address, so the host routine's code is
     * translated once for the whole run instead of on every world switch. */
    /* The Switcher will pop these; a null one gets its guard once the Guest runs. */
    c->guard_pending = ((reg_get(lg, LGUEST_REGS_fs) & 0xFFFC) == 0 ? 1u : 0u) |
                       ((reg_get(lg, LGUEST_REGS_gs) & 0xFFFC) == 0 ? 2u : 0u);
    lg->running = 1;
    enum cpu_stop stop = cpu_run(c, lg->host_run, CPU_RUN_TO_HLT);
    lg->running = 0;
    if (lg->unwinding) return;   /* a debugger went back in time: nothing of this run counts */
    if (stop == CPU_STOP_REQUEST && stopped_past_host(lg)) lg->stopped_inside = 1;
    if (stop == CPU_STOP_HLT && cpu_get(c, CPU_REG_EIP) == lg->host_return + 1)
        stop = CPU_STOP_UNTIL;
    if (lg->ts) cpu_set(c, CPU_REG_CR0, cpu_get(c, CPU_REG_CR0) & ~CR0_TS);
    lg->count.n_runs++;
    if ((stop == CPU_STOP_NO_PROGRESS || stop == CPU_STOP_STALLED) && cpu_cpl(c) > 0) {
        /* The Guest kept the CPU without moving time (cpu/progress.c): lgsim's own guard,
         * which 4.4 has no need of (its Guest runs on real hardware). */
        save_guest_state(lg);
        /* The Switcher cleared the Host TSS's busy bit on the way in; its ltr on the way
         * home would set it again, and that way is never taken now. */
        uint8_t *host_tss_type = phys_ptr(&lg->phys, HOST_GDT + TSS_SELECTOR + 5, 1);
        if (host_tss_type) *host_tss_type |= 2;
        kill_guest(lg, "%s", c->stop_msg);
        return;
    }
    if (stop != CPU_STOP_UNTIL) {
        report_host_stop(lg, stop);
        return;
    }
    uint32_t trapnum = reg_get(lg, LGUEST_REGS_trapnum);
    if (trapnum == 14) lg->cr2 = cpu_get(c, CPU_REG_CR2);   /* cpu->arch.last_pagefault */
    lg->count.n_exits[trapnum <= 256 ? trapnum : 256]++;
    switch_left(lg);
}

/* @tour Host 50: Why did the Guest come back?
 * lguest_arch_handle_trap() decides (below): #GP with error code 0 is probably port I/O for
 * the Launcher, #PF goes to demand_page(), 0x1f is a hypercall for the next pass, vectors 32
 * and up were host interrupts, everything else is reflected into the Guest.
 */
/* --- back from the Guest: lguest_arch_handle_trap() --- */

/* The launcher gets the first 7 bytes of the instruction, zero-filled past a missing page. */
static void copy_insn(struct lguest *lg, uint8_t insn[7]) {
    memset(insn, 0, 7);
    guest_fetch(lg, reg_get(lg, LGUEST_REGS_eip), insn, 7);
}

/* The page-fault round trip, host side: demand_page fixes it silently, or the launcher
 * emulates a device access, or the Guest's own #PF handler sees it with cr2 in lguest_data. */
static void record_pf(struct lguest *lg, uint32_t err, uint32_t outcome) {
    REC(lg->rec, lg->cpu.now_ns, TK_PF, lg->cr2, err, reg_get(lg, LGUEST_REGS_eip), outcome);
}

/* @tour Host 60: A page fault: demand_page() first
 * Most page faults are the Host's business alone: the Guest's PTE is fine and only the
 * shadow lacks it (Host 70 fixes that silently), or the frame is in the device area and the
 * Launcher emulates the access.  Ours is a real fault, the Guest's own table has nothing at
 * 0x10000000: the address goes into lguest_data.cr2 and the fault is reflected (Host 80).
 */
static int handle_page_fault(struct lguest *lg, uint32_t err) {
    uint32_t io_addr = 0;
    char why[128];
    switch (shadow_demand_page(&lg->shadow, lg->cr2, err, &io_addr, why, sizeof(why))) {
    case DEMAND_FIXED:
        lg->count.n_pf_fixed++;
        record_pf(lg, err, PF_FIXED);
        return 1;
    case DEMAND_IO:
        lg->count.n_pf_io++;
        record_pf(lg, err, PF_DEVICE);
        lg->pending.trap = 14;
        lg->pending.addr = io_addr;
        copy_insn(lg, lg->pending.insn);
        return 1;
    case DEMAND_KILL:
        record_pf(lg, err, PF_KILLED);
        kill_guest(lg, "%s", why);
        return 1;
    case DEMAND_REFLECT:
        break;
    }
    lg->count.n_pf_reflected++;
    record_pf(lg, err, PF_REFLECTED);
    if (lg->initialized)
        lguest_data_put(lg, LGD_cr2, lg->cr2);
    return 0;
}

void lguest_arch_handle_trap(struct lguest *lg) {
    uint32_t trapnum = reg_get(lg, LGUEST_REGS_trapnum);
    uint32_t err = reg_get(lg, LGUEST_REGS_errcode);
    switch (trapnum) {
    case 13:
        if (err == 0) {   /* probably I/O: the launcher will try to emulate it */
            lg->pending.trap = 13;
            copy_insn(lg, lg->pending.insn);
            return;
        }
        break;
    case 14:
        if (handle_page_fault(lg, err)) return;
        break;
    case 7:
        /* #NM: lgsim's host never touches the FPU, so the CPU had CR0.TS set only because the
         * Guest asked for it (LHCALL_TS); otherwise there is nothing for the Guest to see. */
        if (!lg->ts) return;
        break;
    /* @tour Host 90: A hypercall is noted, not done
     * The handler's SET_PGD and SET_PTE come back as trapnum 0x1f.  Like 4.4, the Host only notes
     * it here; the next pass of the loop does it, before anything else.
     */
    case LGUEST_TRAP_ENTRY:
        lg->hcall_pending = 1;   /* done at the top of the next loop pass, as in 4.4 */
        return;
    default:
        if (trapnum >= FIRST_EXTERNAL_VECTOR && trapnum < 256) {
            lg->count.n_host_irqs++;   /* a host interrupt; its handler already ran */
            return;
        }
    }
    if (deliver_trap(lg, trapnum) < 0)
        kill_guest(lg, "unhandled trap %li at %#lx (%#lx)", (long)trapnum,
                   (unsigned long)reg_get(lg, LGUEST_REGS_eip),
                   (unsigned long)(trapnum == 14 ? lg->cr2 : err));
}
