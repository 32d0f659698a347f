/* test_boundary.c - the instructions Unicorn gets wrong at a privilege boundary, as an i386 does them. */
#include "tests/check.h"
#include "tests/cpu/harness.h"
#include <stdio.h>

/*
 * Each case runs one snippet of snippets.S at CPL 1 or 3 on a fresh rig and checks what an
 * i386 does (Intel SDM vol. 2 IRET, POPF, SYSENTER, SYSCALL; vol. 3 §5.4.1 for null
 * selectors), which is not what Unicorn 2.1.1 does by itself (cpu/sites.c).
 */

static struct rig M;

#define EF_BASE 0x00000202u   /* IF and the always-one bit 1 */
#define NULL_SEG_POISON 0xFFC03000u   /* what lgsim's host uses: nothing is mapped there */

static uint32_t reg(int r) { return cpu_get(&M.cpu, r); }

static uint16_t ring_cs(int cpl) { return cpl == 3 ? UCODE : R1CODE; }
static uint16_t ring_ss(int cpl) { return cpl == 3 ? UDATA : R1DATA; }
static uint32_t ring_esp(int cpl) { return cpl == 3 ? R3_PROG_STACK : R1_PROG_STACK; }

/* One fault from ring 'cpl' into the rig's ring-0 h_stop: vector, error code and saved EIP. */
static void check_fault(enum cpu_stop r, int vector, int has_error, uint32_t eip, int cpl) {
    CHECK_EQ(r, CPU_STOP_UNTIL);
    CHECK_EQ(M.n_delivered, 1);
    if (M.n_delivered != 1) return;
    const struct cpu_delivery *d = &M.log[0];
    CHECK_EQ(d->ev.vector, vector);
    CHECK_EQ(d->ev.kind, EV_FAULT);
    CHECK_EQ(d->ev.has_error, has_error);
    if (has_error) CHECK_EQ(d->ev.error, 0);
    CHECK_EQ(d->from_cpl, cpl);
    CHECK_EQ(d->to_cpl, 0);
    CHECK_EQ(reg(CPU_REG_EIP), sym("h_stop"));
    CHECK_EQ(cpu_cpl(&M.cpu), 0);
    int w = has_error ? 1 : 0;   /* the frame: [error,] EIP, CS, EFLAGS, ESP, SS */
    CHECK_EQ(d->frame_words, w + 5);
    CHECK_EQ(d->frame[w], eip);
    CHECK_EQ(d->frame[w + 1], ring_cs(cpl));
    CHECK_EQ(d->frame[w + 3], ring_esp(cpl));
    CHECK_EQ(d->frame[w + 4], ring_ss(cpl));
    CHECK_EQ(reg(CPU_REG_EAX), 0x5A5A5A5A);   /* nothing after the instruction ran */
}

/* ================= sysenter and syscall ================= */

/* lguest 4.4 runs the Guest with IA32_SYSENTER_CS = 0: sysenter is #GP(0) on itself. */
static void sysenter_gp0_at(int cpl) {
    if (rig_open(&M, PAGING_OFF)) { CHECK(!"rig_open"); return; }
    rig_enter(&M, cpl, EF_BASE);
    enum cpu_stop r = rig_run(&M, "s_sysenter", "h_stop");
    check_fault(r, 13, 1, sym("s_sysenter_insn"), cpl);
    rig_close(&M);
}
static void sysenter_cpl1_gp0(void) { sysenter_gp0_at(1); }
static void sysenter_cpl3_gp0(void) { sysenter_gp0_at(3); }

/* Outside 64-bit mode an Intel CPU does not know syscall: #UD on itself, no error code. */
static void syscall_ud_at(int cpl) {
    if (rig_open(&M, PAGING_OFF)) { CHECK(!"rig_open"); return; }
    rig_enter(&M, cpl, EF_BASE);
    enum cpu_stop r = rig_run(&M, "s_syscall", "h_stop");
    check_fault(r, 6, 0, sym("s_syscall_insn"), cpl);
    rig_close(&M);
}
static void syscall_cpl1_ud(void) { syscall_ud_at(1); }
static void syscall_cpl3_ud(void) { syscall_ud_at(3); }

/* ================= iret and popf: VM, IOPL and IF ================= */

/*
 * iret at CPL 1 or 3 through an image with VM, IOPL 3 and IF clear: an ordinary
 * protected-mode return.  VM is honoured only at CPL 0, IOPL changes only at CPL 0, IF only
 * when CPL <= IOPL; the arithmetic flags do come from the image.  The image itself stays
 * in memory as the program wrote it.
 */
static void iret_vm_image_at(int cpl, uint32_t start_flags, uint32_t want_flags) {
    if (rig_open(&M, PAGING_OFF)) { CHECK(!"rig_open"); return; }
    rig_enter(&M, cpl, start_flags);
    uint32_t image = 0x2 | EFLAGS_VM | EFLAGS_IOPL | 0x8D5;   /* VM, IOPL 3, OF DF SF ZF AF PF CF */
    cpu_set(&M.cpu, CPU_REG_EDX, image);
    enum cpu_stop r = rig_run(&M, "s_iret_image", "s_iret_image_done");
    CHECK_EQ(r, CPU_STOP_UNTIL);
    CHECK_EQ(M.n_delivered, 0);
    CHECK_EQ(reg(CPU_REG_EIP), sym("s_iret_image_done"));
    CHECK_EQ(reg(CPU_REG_EFLAGS), want_flags);
    CHECK_EQ(reg(CPU_REG_CS), ring_cs(cpl));
    CHECK_EQ(cpu_cpl(&M.cpu), cpl);
    CHECK_EQ(reg(CPU_REG_ESP), reg(CPU_REG_ESI));
    CHECK_EQ(reg(CPU_REG_ESP), ring_esp(cpl));
    CHECK_EQ(ram32(&M, ring_esp(cpl) - 4), image);   /* the popped image, unchanged */
    rig_close(&M);
}
/* CPL 1, IOPL 0: neither IOPL nor IF changes; VM is ignored. */
static void iret_vm_image_cpl1(void) {
    iret_vm_image_at(1, EF_BASE, EF_BASE | 0x8D5);
}
static void iret_vm_image_cpl3(void) {
    iret_vm_image_at(3, EF_BASE, EF_BASE | 0x8D5);
}
/* CPL 1 with IOPL 1: IF does follow the image (here: clear), IOPL still does not. */
static void iret_vm_image_cpl1_iopl1_takes_if(void) {
    iret_vm_image_at(1, EF_BASE | 0x1000, 0x2 | 0x1000 | 0x8D5);
}

/* The same from ring 1 out to ring 3: the outer return pops SS:ESP and still ignores VM. */
static void iret_vm_image_to_ring3(void) {
    if (rig_open(&M, PAGING_OFF)) { CHECK(!"rig_open"); return; }
    rig_enter(&M, 1, EF_BASE);
    cpu_set(&M.cpu, CPU_REG_EDX, 0x2 | EFLAGS_VM | EFLAGS_IOPL);
    enum cpu_stop r = rig_run(&M, "s_iret_to_ring3", "s_iret_to_ring3_done");
    CHECK_EQ(r, CPU_STOP_UNTIL);
    CHECK_EQ(M.n_delivered, 0);
    CHECK_EQ(reg(CPU_REG_EFLAGS), EF_BASE);
    CHECK_EQ(reg(CPU_REG_CS), UCODE);
    CHECK_EQ(reg(CPU_REG_SS), UDATA);
    CHECK_EQ(reg(CPU_REG_ESP), R3_PROG_STACK);
    CHECK_EQ(cpu_cpl(&M.cpu), 3);
    rig_close(&M);
}

/* popf at CPL > 0 never sets VM (nor clears it), changes IOPL only at CPL 0, IF only when
 * CPL <= IOPL; no fault in protected mode. */
static void popf_at(int cpl, uint32_t start_flags, uint32_t image, uint32_t want_flags) {
    if (rig_open(&M, PAGING_OFF)) { CHECK(!"rig_open"); return; }
    rig_enter(&M, cpl, start_flags);
    cpu_set(&M.cpu, CPU_REG_EDX, image);
    enum cpu_stop r = rig_run(&M, "s_popf", "s_popf_done");
    CHECK_EQ(r, CPU_STOP_UNTIL);
    CHECK_EQ(M.n_delivered, 0);
    CHECK_EQ(reg(CPU_REG_EFLAGS), want_flags);
    rig_close(&M);
}
static void popf_vm_iopl_cleared_if_cpl1(void) {
    popf_at(1, EF_BASE, 0x2 | EFLAGS_VM | EFLAGS_IOPL | 0x1, EF_BASE | 0x1);
}
static void popf_vm_iopl_cleared_if_cpl3(void) {
    popf_at(3, EF_BASE, 0x2 | EFLAGS_VM | EFLAGS_IOPL | 0x1, EF_BASE | 0x1);
}
static void popf_cpl3_iopl3_takes_if_not_iopl(void) {
    popf_at(3, EF_BASE | EFLAGS_IOPL, 0x2, 0x2 | EFLAGS_IOPL);
}

/* ================= null FS and GS the program loads itself ================= */

/* An access through a null FS or GS at an offset that is mapped is #GP(0), CR2 untouched. */
static void null_seg_case(int cpl, const char *snippet) {
    if (rig_open(&M, PAGING_ON)) { CHECK(!"rig_open"); return; }
    M.cpu.null_seg_poison = NULL_SEG_POISON;
    cpu_set(&M.cpu, CPU_REG_CR2, 0xCAFE000);
    set_ram32(&M, SCRATCH, 0x600DF00D);
    rig_enter(&M, 1, EF_BASE);
    char insn[64];
    snprintf(insn, sizeof(insn), "%s_insn", snippet);
    enum cpu_stop r = rig_run(&M, snippet, "h_stop");
    CHECK_EQ(r, CPU_STOP_UNTIL);
    CHECK_EQ(M.n_delivered, 1);
    CHECK_EQ(M.log[0].ev.vector, 13);
    CHECK_EQ(M.log[0].ev.error, 0);
    CHECK_EQ(M.log[0].from_cpl, cpl);
    CHECK_EQ(M.log[0].frame[1], sym(insn));
    CHECK_EQ(reg(CPU_REG_EAX), 0x5A5A5A5A);   /* the load did not happen */
    CHECK_EQ(reg(CPU_REG_CR2), 0xCAFE000);
    rig_close(&M);
}
static void pop_null_fs_mapped_offset_gp0(void) { null_seg_case(1, "s_pop_null_fs"); }
static void iret_nulled_gs_mapped_offset_gp0(void) { null_seg_case(3, "s_iret_nulls_gs"); }

/* ================= what the site hooks must not change ================= */

/* A block is charged once, although it is translated twice (once before its hook existed). */
static void site_block_charged_once(void) {
    if (rig_open(&M, PAGING_OFF)) { CHECK(!"rig_open"); return; }
    rig_enter(&M, 1, EF_BASE);
    cpu_set(&M.cpu, CPU_REG_EDX, EF_BASE);
    uint64_t t0 = M.cpu.now_ns;
    enum cpu_stop r = rig_run(&M, "s_iret_image", "s_iret_image_done");
    CHECK_EQ(r, CPU_STOP_UNTIL);
    CHECK_EQ(M.cpu.now_ns - t0, sym("s_iret_image_done") - sym("s_iret_image"));
    rig_close(&M);
}

/* ================= every run ends ================= */

/* An engine that keeps the CPU without the clock moving (here: a port hook that does not
 * return) is stopped by the wall-clock safety net, which says what it is.  The hook waits for
 * that stop, not for a time: the test asserts the outcome only. */
static void out_hook_waits_for_the_net(void *ctx, uint16_t port, int size, uint32_t val) {
    struct cpu *c = &((struct rig *)ctx)->cpu;
    /* The cap is for a broken net only: minutes of spinning on any machine.  A cap a fast
     * idle core could spin through in the net's first seconds made the test pass or fail by
     * the machine's speed. */
    for (long long spins = 0; !atomic_load(&c->stalled) && spins < 1000000000000LL; spins++) ;
}

static void frozen_clock_is_stopped_by_the_wall_clock_net(void) {
    if (rig_open(&M, PAGING_OFF)) { CHECK(!"rig_open"); return; }
    M.cpu.hooks.io_out = out_hook_waits_for_the_net;
    M.cpu.stall_limit_s = 1;
    rig_enter(&M, 0, 0x2);
    enum cpu_stop r = rig_run(&M, "s_out80", "s_out80_done");
    CHECK_EQ(r, CPU_STOP_STALLED);
    CHECK_STR_CONTAINS(M.cpu.stop_msg, "stood still");
    CHECK_STR_CONTAINS(M.cpu.stop_msg, "wall-clock safety net");
    CHECK_EQ(atomic_load(&M.cpu.stalled), 0);   /* reset for the next run */
    rig_close(&M);
}

int main(void) {
    RUN(sysenter_cpl1_gp0);
    RUN(sysenter_cpl3_gp0);
    RUN(syscall_cpl1_ud);
    RUN(syscall_cpl3_ud);
    RUN(iret_vm_image_cpl1);
    RUN(iret_vm_image_cpl3);
    RUN(iret_vm_image_cpl1_iopl1_takes_if);
    RUN(iret_vm_image_to_ring3);
    RUN(popf_vm_iopl_cleared_if_cpl1);
    RUN(popf_vm_iopl_cleared_if_cpl3);
    RUN(popf_cpl3_iopl3_takes_if_not_iopl);
    RUN(pop_null_fs_mapped_offset_gp0);
    RUN(iret_nulled_gs_mapped_offset_gp0);
    RUN(site_block_charged_once);
    RUN(frozen_clock_is_stopped_by_the_wall_clock_net);
    return check_report("cpu_boundary");
}
