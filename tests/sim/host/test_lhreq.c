/* test_lhreq.c - the launcher's requests get 4.4's answers (lguest_user.c, x86/core.c). */
#include "tests/check.h"
#include "sim/host/lg.h"
#include "sim/launcher/launcher.h"
#include "abi/lguest.h"
#include "sim/host/layout.h"
#include "switcher-model/lguest_pages.h"
#include <stdlib.h>

extern const uint8_t lgsim_hello_guest[];
extern const size_t lgsim_hello_guest_len;
static struct launcher launcher;
#define LG (launcher.lg)

static void open_machine(void) {
    char err[300];
    struct launcher_options opt = { .mem_mb = 16, .kernel = lgsim_hello_guest,
                                    .kernel_len = lgsim_hello_guest_len, .console = stdout };
    if (launcher_init(&launcher, &opt, err, sizeof(err))) {
        fprintf(stderr, "%s\n", err);
        exit(2);
    }
}

/* GETREG reads every pt_regs slot 4.4 keeps, from the regs page; orig_eax is not kept. */
static void getreg_reads_pt_regs_offsets(void) {
    static const struct { uint32_t pt; int regs; } pairs[] = {
        { PT_EBX, LGUEST_REGS_ebx }, { PT_ECX, LGUEST_REGS_ecx }, { PT_EDX, LGUEST_REGS_edx },
        { PT_ESI, LGUEST_REGS_esi }, { PT_EDI, LGUEST_REGS_edi }, { PT_EBP, LGUEST_REGS_ebp },
        { PT_EAX, LGUEST_REGS_eax }, { PT_DS, LGUEST_REGS_ds }, { PT_ES, LGUEST_REGS_es },
        { PT_FS, LGUEST_REGS_fs }, { PT_GS, LGUEST_REGS_gs }, { PT_EIP, LGUEST_REGS_eip },
        { PT_CS, LGUEST_REGS_cs }, { PT_EFLAGS, LGUEST_REGS_eflags }, { PT_ESP, LGUEST_REGS_esp },
        { PT_SS, LGUEST_REGS_ss },
    };
    for (size_t i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
        reg_set(LG, pairs[i].regs, 0x1000u + (uint32_t)i);
        uint32_t v = 0;
        CHECK_EQ(lhreq_getreg(LG, pairs[i].pt, &v), 0);
        CHECK_EQ(v, 0x1000u + i);
    }
    uint32_t v;
    CHECK_EQ(lhreq_getreg(LG, PT_ORIG_EAX, &v), LHREQ_ENOENT);
    CHECK_EQ(lhreq_getreg(LG, 68, &v), LHREQ_ENOENT);    /* past the end */
    CHECK_EQ(lhreq_getreg(LG, 2, &v), LHREQ_ENOENT);     /* not a register's offset */
}

/* SETREG changes the general registers, EIP and ESP; segments and EFLAGS are refused. */
static void setreg_refuses_what_44_refuses(void) {
    static const uint32_t ok[] = { PT_EBX, PT_ECX, PT_EDX, PT_ESI, PT_EDI, PT_EBP, PT_EAX,
                                   PT_EIP, PT_ESP };
    static const uint32_t refused[] = { PT_DS, PT_ES, PT_FS, PT_GS, PT_ORIG_EAX, PT_CS,
                                        PT_EFLAGS, PT_SS };
    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
        uint32_t v = 0;
        CHECK_EQ(lhreq_setreg(LG, ok[i], 0xC0DE0000u + ok[i]), 0);
        lhreq_getreg(LG, ok[i], &v);
        CHECK_EQ(v, 0xC0DE0000u + ok[i]);
    }
    uint32_t cs = reg_get(LG, LGUEST_REGS_cs);
    for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++)
        CHECK_EQ(lhreq_setreg(LG, refused[i], 0x3), LHREQ_ENOENT);
    CHECK_EQ(reg_get(LG, LGUEST_REGS_cs), cs);
}

/* TRAP needs a Guest IDT entry; before the Guest loads one, every trap is refused. */
static void trap_without_guest_idt_is_einval(void) {
    CHECK_EQ(lhreq_trap(LG, 13), LHREQ_EINVAL);
    CHECK_EQ(lhreq_trap(LG, 256), LHREQ_EINVAL);
}

/* IRQ sets the pending bit; numbers from LGUEST_IRQS up are refused. */
static void irq_sets_pending(void) {
    CHECK_EQ(lhreq_irq(LG, 3), 0);
    CHECK_EQ(LG->irqs_pending & (1u << 3), 1u << 3);
    CHECK_EQ(lhreq_irq(LG, LGUEST_IRQS), LHREQ_EINVAL);
}

/* The Host TSS busy bit is forgiven only for a run stopped on purpose inside the Switcher or
 * the Guest (guard.c): after runs that all came home through ltr, a busy bit that differs is
 * a containment failure, and the check names its byte. */
static void tss_busy_bit_caught_after_a_run_home(void) {
    CHECK_EQ(launcher_run_until(&launcher, 100000), 1);
    CHECK_EQ(LG->stopped_inside, 0);
    uint32_t at = 0, compared = 0, busy = HOST_GDT + TSS_SELECTOR + 5;
    CHECK_EQ(lguest_contained(LG, &at, &compared), 1);
    uint8_t *type = phys_ptr(&LG->phys, busy, 1);
    *type ^= 0x02;
    CHECK_EQ(lguest_contained(LG, &at, &compared), -1);
    CHECK_EQ(at, busy);
    LG->stopped_inside = 1;   /* as a debugger's kill in the Switcher leaves it */
    CHECK_EQ(lguest_contained(LG, &at, &compared), 1);
    LG->stopped_inside = 0;
    *type ^= 0x02;
}

int main(void) {
    open_machine();
    RUN(tss_busy_bit_caught_after_a_run_home);
    RUN(getreg_reads_pt_regs_offsets);
    RUN(setreg_refuses_what_44_refuses);
    RUN(trap_without_guest_idt_is_einval);
    RUN(irq_sets_pending);
    launcher_free(&launcher);
    return check_report("lhreq");
}
