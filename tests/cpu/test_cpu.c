/* test_cpu.c - one test case per i386 rule the cpu/ layer promises (Intel SDM vol. 3 ch. 5-6). */
#include "tests/check.h"
#include "tests/cpu/harness.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * Every case builds a fresh machine (harness.c), starts a snippet from snippets.S at CPL 0, 1
 * or 3, and stops either at the snippet's "_done" label or at the first byte of a handler.
 * At a handler stop the registers are exactly what delivery produced, so a case asserts the
 * delivery record (the delivered() hook), the frame bytes in emulated memory at the new ESP,
 * and CS, SS, ESP, EIP, EFLAGS and CPL.
 */

static struct rig M;

#define EF_BASE   0x00000202u           /* IF and the always-one bit 1 */
#define EF_IOPL1  0x00001000u
#define EF_IOPL3  0x00003000u
#define EF_AFTER_XOR (EF_BASE | 0x44)   /* after "xor %reg,%reg": ZF and PF set, the rest clear */

/* Open a machine or fail the case (and skip its remaining checks). */
#define OPEN(paging) do { \
    if (rig_open(&M, (paging))) { CHECK(!"rig_open"); return; } \
  } while (0)

static uint32_t reg(int r) { return cpu_get(&M.cpu, r); }

/* What one delivery must have produced. */
struct expect {
    int vector;
    int kind;                 /* enum cpu_event_kind */
    int has_error;
    uint32_t error;
    uint16_t cs, ss;          /* handler CS and SS */
    uint32_t esp;             /* handler ESP (bottom of the frame) */
    int n;                    /* frame words */
    uint32_t frame[7];        /* lowest address first: [error,] EIP, CS, EFLAGS [, ESP, SS] */
};

/* The delivery record at log[i] against e. */
static void check_record(int i, const struct expect *e) {
    CHECK(M.n_log > i);
    if (M.n_log <= i) return;
    const struct cpu_delivery *d = &M.log[i];
    CHECK_EQ(d->ev.vector, e->vector);
    CHECK_EQ(d->ev.kind, e->kind);
    CHECK_EQ(d->ev.has_error, e->has_error);
    if (e->has_error) CHECK_EQ(d->ev.error, e->error);
    CHECK_EQ(d->to_cs, e->cs);
    CHECK_EQ(d->to_ss, e->ss);
    CHECK_EQ(d->to_esp, e->esp);
    CHECK_EQ(d->to_cpl, e->cs & 3);
    CHECK_EQ(d->frame_words, e->n);
    for (int w = 0; w < e->n && w < d->frame_words; w++)
        CHECK_EQ(d->frame[w], e->frame[w]);
    /* the interrupted state, as the frame records it */
    int eip_at = e->has_error ? 1 : 0;
    CHECK_EQ(d->from_cs, e->frame[eip_at + 1]);
    CHECK_EQ(d->from_cpl, e->frame[eip_at + 1] & 3);
    if (e->n - eip_at == 5) {
        CHECK_EQ(d->from_esp, e->frame[eip_at + 3]);
        CHECK_EQ(d->from_ss, e->frame[eip_at + 4]);
    }
}

/* The machine is stopped on a handler's first instruction, entered as e says. */
static void check_entry(const char *handler, const struct expect *e) {
    CHECK_EQ(reg(CPU_REG_EIP), sym(handler));
    CHECK_EQ(reg(CPU_REG_CS), e->cs);
    CHECK_EQ(reg(CPU_REG_SS), e->ss);
    CHECK_EQ(reg(CPU_REG_ESP), e->esp);
    CHECK_EQ(cpu_cpl(&M.cpu), e->cs & 3);
    for (int w = 0; w < e->n; w++)
        CHECK_EQ(stack_word(&M, w), e->frame[w]);
    /* delivery always clears TF, NT, RF and VM */
    CHECK_EQ(reg(CPU_REG_EFLAGS) & (EFLAGS_TF | EFLAGS_NT | EFLAGS_RF | EFLAGS_VM), 0);
}

/* A single delivery that stopped at h_stop. */
static void check_single(enum cpu_stop r, const struct expect *e) {
    CHECK_EQ(r, CPU_STOP_UNTIL);
    CHECK_EQ(M.n_delivered, 1);
    check_record(0, e);
    CHECK_EQ(M.log[0].to_eip, sym("h_stop"));
    check_entry("h_stop", e);
}

/* A fault with an error code, taken from ring 'from' (1 or 3, on its program stack) into the
 * default ring-0 handler on the TSS esp0 stack. */
static struct expect fault_to_ring0(int vector, uint32_t error, uint32_t eip, int from,
                                    uint32_t eflags) {
    uint16_t cs = from == 3 ? UCODE : R1CODE, ss = from == 3 ? UDATA : R1DATA;
    uint32_t esp = from == 3 ? R3_PROG_STACK : R1_PROG_STACK;
    return (struct expect){ vector, EV_FAULT, 1, error, KCODE, KDATA, TSS_ESP0 - 24, 6,
                            { error, eip, cs, eflags | EFLAGS_RF, esp, ss } };
}

/* ================= #GP from privileged instructions ================= */

static void gp_cli_at(int cpl) {
    OPEN(PAGING_OFF);
    /* TF and NT set: the frame keeps them, the handler runs without them (and the faulting
     * CLI never completes, so no single-step trap follows it) */
    uint32_t flags = EF_BASE | EFLAGS_NT | EFLAGS_TF;
    rig_enter(&M, cpl, flags);
    enum cpu_stop r = rig_run(&M, "s_cli", "h_stop");
    struct expect e = fault_to_ring0(13, 0, sym("s_cli"), cpl, flags);
    check_single(r, &e);
    CHECK_EQ(M.log[0].from_cpl, cpl);
    CHECK_EQ(reg(CPU_REG_EFLAGS) & EFLAGS_IF, 0);   /* interrupt gate */
    rig_close(&M);
}

static void gp_cli_cpl1(void) { gp_cli_at(1); }
static void gp_cli_cpl3(void) { gp_cli_at(3); }

/* An interrupt gate clears IF in the handler; a trap gate leaves it as it was. */
static void gate_type_and_if(int type, uint32_t want_if) {
    OPEN(PAGING_OFF);
    set_gate(&M, 13, KCODE, sym("h_stop"), type, 0, 1);
    rig_enter(&M, 3, EF_BASE);
    enum cpu_stop r = rig_run(&M, "s_cli", "h_stop");
    struct expect e = fault_to_ring0(13, 0, sym("s_cli"), 3, EF_BASE);
    check_single(r, &e);
    CHECK_EQ(reg(CPU_REG_EFLAGS) & EFLAGS_IF, want_if);
    CHECK_EQ(M.log[0].to_eflags & EFLAGS_IF, want_if);
    rig_close(&M);
}

static void trap_gate_keeps_if(void) { gate_type_and_if(GATE_TRAP32, EFLAGS_IF); }
static void interrupt_gate_clears_if(void) { gate_type_and_if(GATE_INT32, 0); }

/* ================= which stack a handler runs on ================= */

/* A ring-1 handler entered from CPL 3 switches to the TSS's ss1:esp1. */
static void ring1_handler_from_cpl3(void) {
    OPEN(PAGING_OFF);
    set_gate(&M, 13, R1CODE, sym("h_stop"), GATE_INT32, 0, 1);
    rig_enter(&M, 3, EF_BASE);
    enum cpu_stop r = rig_run(&M, "s_cli", "h_stop");
    struct expect e = { 13, EV_FAULT, 1, 0, R1CODE, R1DATA, TSS_ESP1 - 24, 6,
                        { 0, sym("s_cli"), UCODE, EF_BASE | EFLAGS_RF, R3_PROG_STACK, UDATA } };
    check_single(r, &e);
    rig_close(&M);
}

/* A ring-1 handler entered from CPL 1 stays on the interrupted stack: no SS:ESP pushed. */
static void ring1_handler_from_cpl1_same_stack(void) {
    OPEN(PAGING_OFF);
    set_gate(&M, 13, R1CODE, sym("h_stop"), GATE_INT32, 0, 1);
    rig_enter(&M, 1, EF_BASE);
    enum cpu_stop r = rig_run(&M, "s_cli", "h_stop");
    struct expect e = { 13, EV_FAULT, 1, 0, R1CODE, R1DATA, R1_PROG_STACK - 16, 4,
                        { 0, sym("s_cli"), R1CODE, EF_BASE | EFLAGS_RF } };
    check_single(r, &e);
    rig_close(&M);
}

/* A ring-0 handler entered from CPL 0 stays on the same stack (here: #UD from ud2). */
static void ring0_handler_from_cpl0_same_stack(void) {
    OPEN(PAGING_OFF);
    rig_enter(&M, 0, 0x2);
    enum cpu_stop r = rig_run(&M, "s_ud2", "h_stop");
    struct expect e = { 6, EV_FAULT, 0, 0, KCODE, KDATA, R0_PROG_STACK - 12, 3,
                        { sym("s_ud2"), KCODE, 0x2 | EFLAGS_RF } };
    check_single(r, &e);
    rig_close(&M);
}

/* A handler less privileged than the interrupted code: #GP(selector), here for INT n at
 * CPL 0 through a gate to ring-1 code (EXT = 0). */
static void handler_less_privileged_gp(void) {
    OPEN(PAGING_OFF);
    set_gate(&M, 0x80, R1CODE, sym("h_stop"), GATE_INT32, 3, 1);
    rig_enter(&M, 0, 0x2);
    enum cpu_stop r = rig_run(&M, "s_int80", "h_stop");
    struct expect e = { 13, EV_FAULT, 1, R1CODE & ~3u, KCODE, KDATA, R0_PROG_STACK - 16, 4,
                        { R1CODE & ~3u, sym("s_int80"), KCODE, 0x2 | EFLAGS_RF } };
    check_single(r, &e);
    rig_close(&M);
}

/* ================= software interrupts and the gate DPL ================= */

/* INT n through a gate with DPL < CPL: #GP(vector*8+2) on the INT instruction itself. */
static void soft_int_gate_dpl_too_low(const char *snippet, int vector) {
    OPEN(PAGING_OFF);
    set_gate(&M, vector, KCODE, sym("h_stop"), GATE_INT32, 0, 1);
    rig_enter(&M, 3, EF_BASE);
    enum cpu_stop r = rig_run(&M, snippet, "h_stop");
    struct expect e = fault_to_ring0(13, (uint32_t)vector * 8 + 2, sym(snippet), 3, EF_BASE);
    check_single(r, &e);
    rig_close(&M);
}

static void int80_dpl0_gate_from_cpl3_gp402(void) { soft_int_gate_dpl_too_low("s_int80", 0x80); }
static void int3_dpl0_gate_from_cpl3_gp1a(void) { soft_int_gate_dpl_too_low("s_int3", 3); }

/* INTO takes the gate check too: #GP(4*8+2) at the INTO. */
static void into_dpl0_gate_from_cpl3_gp22(void) {
    OPEN(PAGING_OFF);
    rig_enter(&M, 3, EF_BASE);
    enum cpu_stop r = rig_run(&M, "s_into", "h_stop");
    CHECK_EQ(r, CPU_STOP_UNTIL);
    CHECK_EQ(M.n_delivered, 1);
    CHECK_EQ(M.log[0].ev.vector, 13);
    CHECK_EQ(M.log[0].ev.error, 0x22);
    CHECK_EQ(M.log[0].frame[1], sym("s_into_insn"));
    rig_close(&M);
}

/* An allowed software interrupt: a trap-like frame, EIP of the next instruction, no RF. */
static void soft_int_allowed(const char *snippet, int vector, const char *next, uint32_t flags) {
    OPEN(PAGING_OFF);
    set_gate(&M, vector, KCODE, sym("h_stop"), GATE_INT32, 3, 1);
    rig_enter(&M, 3, EF_BASE);
    enum cpu_stop r = rig_run(&M, snippet, "h_stop");
    struct expect e = { vector, EV_SOFTINT, 0, 0, KCODE, KDATA, TSS_ESP0 - 20, 5,
                        { sym(next), UCODE, flags, R3_PROG_STACK, UDATA } };
    check_single(r, &e);
    rig_close(&M);
}

static void int80_dpl3_gate_allowed(void) {
    soft_int_allowed("s_int80", 0x80, "s_int80_next", EF_BASE);
}
static void int3_breakpoint_after_int3(void) {
    soft_int_allowed("s_int3", 3, "s_int3_next", EF_BASE);
}
/* 0x7FFFFFFF + 1 leaves OF and SF set (and AF, PF clear: 0x80000000 has no bits in AL). */
static void into_overflow_after_into(void) {
    soft_int_allowed("s_into", 4, "s_into_next", EF_BASE | 0x800 | 0x80 | 0x10 | 0x4);
}

/* ================= not-present gates and the IDT limit ================= */

static void gate_not_present_int_n(void) {
    OPEN(PAGING_OFF);
    set_gate(&M, 0x40, KCODE, sym("h_stop"), GATE_INT32, 3, 0);
    rig_enter(&M, 3, EF_BASE);
    enum cpu_stop r = rig_run(&M, "s_int40", "h_stop");
    struct expect e = fault_to_ring0(11, 0x40 * 8 + 2, sym("s_int40"), 3, EF_BASE);
    check_single(r, &e);
    rig_close(&M);
}

static void gate_not_present_exception(void) {
    OPEN(PAGING_OFF);
    set_gate(&M, 6, KCODE, sym("h_stop"), GATE_INT32, 0, 0);
    rig_enter(&M, 3, EF_BASE);
    enum cpu_stop r = rig_run(&M, "s_ud2", "h_stop");
    struct expect e = fault_to_ring0(11, 6 * 8 + 3, sym("s_ud2"), 3, EF_BASE);
    check_single(r, &e);
    rig_close(&M);
}

/* An external interrupt through a missing gate: #NP with EXT=1, EIP where it struck. */
static void gate_not_present_external(void) {
    OPEN(PAGING_OFF);
    set_gate(&M, 0x30, KCODE, sym("h_stop"), GATE_INT32, 0, 0);
    rig_enter(&M, 3, EF_BASE);
    cpu_raise_irq(&M.cpu, 0x30);
    enum cpu_stop r = rig_run(&M, "s_spin", "h_stop");
    struct expect e = fault_to_ring0(11, 0x30 * 8 + 3, sym("s_spin"), 3, EF_BASE);
    check_single(r, &e);
    rig_close(&M);
}

static void idt_limit_int_n(void) {
    OPEN(PAGING_OFF);
    cpu_set_table(&M.cpu, CPU_REG_IDTR, IDT_BASE, 0x30 * 8 - 1);
    rig_enter(&M, 3, EF_BASE);
    enum cpu_stop r = rig_run(&M, "s_int40", "h_stop");
    struct expect e = fault_to_ring0(13, 0x40 * 8 + 2, sym("s_int40"), 3, EF_BASE);
    check_single(r, &e);
    rig_close(&M);
}

static void idt_limit_external(void) {
    OPEN(PAGING_OFF);
    cpu_set_table(&M.cpu, CPU_REG_IDTR, IDT_BASE, 0x30 * 8 - 1);
    rig_enter(&M, 3, EF_BASE);
    cpu_raise_irq(&M.cpu, 0x30);
    enum cpu_stop r = rig_run(&M, "s_spin", "h_stop");
    struct expect e = fault_to_ring0(13, 0x30 * 8 + 3, sym("s_spin"), 3, EF_BASE);
    check_single(r, &e);
    rig_close(&M);
}

/* ================= other exceptions ================= */

static void divide_error_no_error_code(void) {
    OPEN(PAGING_OFF);
    rig_enter(&M, 3, EF_BASE);
    enum cpu_stop r = rig_run(&M, "s_div0", "h_stop");
    struct expect e = { 0, EV_FAULT, 0, 0, KCODE, KDATA, TSS_ESP0 - 20, 5,
                        { sym("s_div0_insn"), UCODE, EF_AFTER_XOR | EFLAGS_RF, R3_PROG_STACK,
                          UDATA } };
    check_single(r, &e);
    rig_close(&M);
}

static void invalid_opcode_ud2(void) {
    OPEN(PAGING_OFF);
    rig_enter(&M, 3, EF_BASE);
    enum cpu_stop r = rig_run(&M, "s_ud2", "h_stop");
    struct expect e = { 6, EV_FAULT, 0, 0, KCODE, KDATA, TSS_ESP0 - 20, 5,
                        { sym("s_ud2"), UCODE, EF_BASE | EFLAGS_RF, R3_PROG_STACK, UDATA } };
    check_single(r, &e);
    rig_close(&M);
}

/* ================= consecutive faults, #DF, triple fault ================= */

/* 1000 #GPs, each handled and returned from: no #DF (QEMU's old_exception is reset). */
static void thousand_gps_no_double_fault(void) {
    OPEN(PAGING_OFF);
    set_gate(&M, 13, KCODE, sym("h_skip1"), GATE_INT32, 0, 1);
    rig_enter(&M, 3, EF_BASE);
    enum cpu_stop r = rig_run(&M, "s_gp_loop", "s_gp_loop_done");
    CHECK_EQ(r, CPU_STOP_UNTIL);
    CHECK_EQ(M.n_delivered, 1000);
    int all_gp = 1;
    for (int i = 0; i < M.n_log; i++) all_gp &= M.log[i].ev.vector == 13;
    CHECK(all_gp);
    CHECK_EQ(reg(CPU_REG_ECX), 0);
    CHECK_EQ(cpu_cpl(&M.cpu), 3);
    CHECK_EQ(reg(CPU_REG_ESP), R3_PROG_STACK);
    rig_close(&M);
}

/* #GP whose frame cannot be pushed (TSS esp0 on a not-present page): the #PF that follows a
 * contributory fault is handled serially (SDM table 6-5), with CR2 = the first push. */
static void pf_while_pushing_gp_is_serial(void) {
    OPEN(PAGING_ON);
    set_ram32(&M, TSS_BASE + 4, UNMAPPED_STACK);
    set_gate(&M, 14, R1CODE, sym("h_stop"), GATE_INT32, 0, 1);
    rig_enter(&M, 3, EF_BASE);
    enum cpu_stop r = rig_run(&M, "s_cli", "h_stop");
    struct expect e = { 14, EV_FAULT, 1, PF_W, R1CODE, R1DATA, TSS_ESP1 - 24, 6,
                        { PF_W, sym("s_cli"), UCODE, EF_BASE | EFLAGS_RF, R3_PROG_STACK, UDATA } };
    check_single(r, &e);
    CHECK_EQ(reg(CPU_REG_CR2), UNMAPPED_STACK - 4);
    rig_close(&M);
}

/* ... and when the #PF's own frame cannot be pushed either, page fault + page fault = #DF,
 * delivered here to a ring-1 handler whose stack is fine. */
static void double_fault_from_nested_pf(void) {
    OPEN(PAGING_ON);
    set_ram32(&M, TSS_BASE + 4, UNMAPPED_STACK);
    set_gate(&M, 8, R1CODE, sym("h_stop"), GATE_INT32, 0, 1);
    rig_enter(&M, 3, EF_BASE);
    enum cpu_stop r = rig_run(&M, "s_cli", "h_stop");
    struct expect e = { 8, EV_FAULT, 1, 0, R1CODE, R1DATA, TSS_ESP1 - 24, 6,
                        { 0, sym("s_cli"), UCODE, EF_BASE | EFLAGS_RF, R3_PROG_STACK, UDATA } };
    check_single(r, &e);
    CHECK(M.log[0].nested > 0);
    rig_close(&M);
}

/* ... and when #DF cannot be delivered either, the processor shuts down. */
static void triple_fault_shuts_down(void) {
    OPEN(PAGING_ON);
    set_ram32(&M, TSS_BASE + 4, UNMAPPED_STACK);
    rig_enter(&M, 3, EF_BASE);
    enum cpu_stop r = rig_run(&M, "s_cli", "h_stop");
    CHECK_EQ(r, CPU_STOP_SHUTDOWN);
    CHECK_EQ(M.n_delivered, 0);
    CHECK_STR_CONTAINS(M.cpu.stop_msg, "triple fault");
    rig_close(&M);
}

/* ================= page faults ================= */

/* Set TEST_PAGE's PTE (identity address plus these bits) and flush the TLB. */
static void set_test_pte(uint32_t bits) {
    set_ram32(&M, pte_addr(TEST_PAGE), bits ? TEST_PAGE | bits : 0);
    cpu_flush_tlb(&M.cpu);
}

/* The walker's verdict on the same access must equal the CPU's error code. */
static void check_walker_agrees(uint32_t la, int flags, uint32_t error) {
    struct paging pg;
    struct walk w;
    cpu_paging(&M.cpu, &pg);
    CHECK_EQ(walk(&M.phys, &pg, la, flags, &w), -1);
    CHECK_EQ(w.pf_error, error);
}

/* Run 'snippet' (one load or store to TEST_PAGE + 0x10) at 'cpl' with TEST_PAGE's PTE bits
 * 'pte' and CR0.WP=1; expect #PF(error) on it, CR2 = the address, delivered to ring 0. */
static void page_fault_case(int cpl, const char *snippet, uint32_t pte, uint32_t error) {
    OPEN(PAGING_ON);
    set_test_pte(pte);
    rig_enter(&M, cpl, EF_BASE);
    enum cpu_stop r = rig_run(&M, snippet, "h_stop");
    uint16_t cs = cpl == 3 ? UCODE : cpl == 1 ? R1CODE : KCODE;
    uint32_t la = TEST_PAGE + 0x10;
    struct expect e;
    if (cpl == 0) {
        e = (struct expect){ 14, EV_FAULT, 1, error, KCODE, KDATA, R0_PROG_STACK - 16, 4,
                             { error, sym(snippet), cs, EF_BASE | EFLAGS_RF } };
    } else {
        e = fault_to_ring0(14, error, sym(snippet), cpl, EF_BASE);
    }
    check_single(r, &e);
    CHECK_EQ(reg(CPU_REG_CR2), la);
    CHECK_EQ(M.log[0].cr2, la);
    int flags = (error & PF_W ? WALK_WRITE : 0) | (cpl == 3 ? WALK_USER : 0);
    check_walker_agrees(la, flags, error);
    rig_close(&M);
}

static void pf_not_present_read_cpl0_err0(void) { page_fault_case(0, "s_read_test", 0, 0); }
static void pf_not_present_write_cpl1_err2(void) { page_fault_case(1, "s_write_test", 0, 2); }
static void pf_not_present_read_cpl3_err4(void) { page_fault_case(3, "s_read_test", 0, 4); }
static void pf_not_present_write_cpl3_err6(void) { page_fault_case(3, "s_write_test", 0, 6); }
static void pf_user_read_supervisor_err5(void) {
    page_fault_case(3, "s_read_test", PTE_P | PTE_RW, 5);
}
static void pf_user_write_readonly_err7(void) {
    page_fault_case(3, "s_write_test", PTE_P | PTE_US, 7);
}
static void pf_cpl1_write_readonly_wp1_err3(void) {
    page_fault_case(1, "s_write_test", PTE_P | PTE_US, 3);
}

/* With CR0.WP=0, rings 0-2 write to read-only pages. */
static void no_pf_cpl1_write_readonly_wp0(void) {
    OPEN(PAGING_ON);
    cpu_set(&M.cpu, CPU_REG_CR0, reg(CPU_REG_CR0) & ~CR0_WP);
    set_test_pte(PTE_P | PTE_US);
    rig_enter(&M, 1, EF_BASE);
    enum cpu_stop r = rig_run(&M, "s_write_test", "s_write_test_done");
    CHECK_EQ(r, CPU_STOP_UNTIL);
    CHECK_EQ(M.n_delivered, 0);
    CHECK_EQ(ram32(&M, TEST_PAGE + 0x10), 0x11223344);
    CHECK_EQ(ram32(&M, pte_addr(TEST_PAGE)), TEST_PAGE | PTE_P | PTE_US | PTE_A | PTE_D);
    rig_close(&M);
}

/* ================= null selectors ================= */

/*
 * A data access through a null DS/ES/FS/GS raises #GP(0) before any paging (SDM vol. 3
 * §3.4.2, §5.4.1).  Unicorn performs such accesses at base 0; cpu/ catches them when that
 * access faults (page 0 is not present in any sane address space) and raises the #GP the
 * processor would have raised, leaving CR2 alone.
 */
static void null_selector_case(int cpl, const char *snippet) {
    OPEN(PAGING_ON);
    cpu_set(&M.cpu, CPU_REG_CR2, 0xCAFE000);
    rig_enter(&M, cpl, EF_BASE);
    char insn[64];
    snprintf(insn, sizeof(insn), "%s_insn", snippet);
    enum cpu_stop r = rig_run(&M, snippet, "h_stop");
    struct expect e;
    if (cpl == 0) {
        e = (struct expect){ 13, EV_FAULT, 1, 0, KCODE, KDATA, R0_PROG_STACK - 16, 4,
                             { 0, sym(insn), KCODE, EF_AFTER_XOR | EFLAGS_RF } };
    } else {
        e = fault_to_ring0(13, 0, sym(insn), cpl, EF_AFTER_XOR);
    }
    check_single(r, &e);
    CHECK_EQ(reg(CPU_REG_EAX), 0x5A5A5A5A);        /* the load did not happen */
    CHECK_EQ(reg(CPU_REG_CR2), 0xCAFE000);         /* a #GP leaves CR2 alone */
    CHECK_EQ(reg(CPU_REG_CR3), PD_BASE);
    rig_close(&M);
}

static void null_gs_read_cpl1_gp0(void) { null_selector_case(1, "s_null_gs"); }
static void null_gs_read_cpl3_gp0(void) { null_selector_case(3, "s_null_gs"); }
static void null_gs_read_cpl0_gp0(void) { null_selector_case(0, "s_null_gs"); }
static void null_ds_read_cpl1_gp0(void) { null_selector_case(1, "s_null_ds"); }

static void null_es_string_store_cpl1_gp0(void) {
    OPEN(PAGING_ON);
    rig_enter(&M, 1, EF_BASE);
    enum cpu_stop r = rig_run(&M, "s_null_es_stos", "h_stop");
    struct expect e = fault_to_ring0(13, 0, sym("s_null_es_stos_insn"), 1, EF_AFTER_XOR);
    check_single(r, &e);
    CHECK_EQ(ram32(&M, 0x14), 0);   /* nothing stored */
    rig_close(&M);
}

/* A null %gs the program loads itself, then an access through it at a mapped offset: #GP(0)
 * as on an i386 (the load is followed by the guard, cpu/sites.c), CR2 untouched. */
static void null_gs_mapped_offset_gp0(void) {
    OPEN(PAGING_ON);
    M.cpu.null_seg_poison = 0xFFC03000u;   /* as lgsim's host sets it */
    cpu_set(&M.cpu, CPU_REG_CR2, 0xCAFE000);
    set_ram32(&M, SCRATCH, 0x600DF00D);
    rig_enter(&M, 1, EF_BASE);
    enum cpu_stop r = rig_run(&M, "s_null_gs_mapped", "h_stop");
    struct expect e = fault_to_ring0(13, 0, sym("s_null_gs_mapped_insn"), 1, EF_AFTER_XOR);
    check_single(r, &e);
    CHECK_EQ(reg(CPU_REG_EAX), 0x5A5A5A5A);
    CHECK_EQ(reg(CPU_REG_CR2), 0xCAFE000);
    rig_close(&M);
}

/* A null %gs the code is entered with is guarded (cpu_guard_null_segments, as lgsim does when
 * the Switcher enters the Guest): its hidden base points where nothing is mapped, so even an
 * offset that is mapped takes the #GP(0) an i386 raises, and CR2 keeps its value. */
static void null_gs_guarded_mapped_offset_gp0(void) {
    OPEN(PAGING_ON);
    cpu_set(&M.cpu, CPU_REG_CR2, 0xCAFE000);
    rig_enter(&M, 1, EF_BASE);
    cpu_set(&M.cpu, CPU_REG_GS, 0);
    cpu_set(&M.cpu, CPU_REG_EAX, 0x5A5A5A5A);
    M.cpu.null_seg_poison = 0xFFC03000u;
    cpu_guard_null_segments(&M.cpu);
    enum cpu_stop r = rig_run(&M, "s_null_gs_mapped_insn", "h_stop");
    struct expect e = fault_to_ring0(13, 0, sym("s_null_gs_mapped_insn"), 1, EF_BASE);
    check_single(r, &e);
    CHECK_EQ(reg(CPU_REG_EAX), 0x5A5A5A5A);
    CHECK_EQ(reg(CPU_REG_CR2), 0xCAFE000);
    CHECK_EQ(reg(CPU_REG_GS), 0);                  /* the selector itself is untouched */
    rig_close(&M);
}

/* The guard never touches a usable %gs: the same offset through it is read as usual. */
static void valid_gs_not_guarded(void) {
    OPEN(PAGING_ON);
    rig_enter(&M, 1, EF_BASE);
    set_ram32(&M, SCRATCH, 0x600DF00D);
    M.cpu.null_seg_poison = 0xFFC03000u;
    cpu_guard_null_segments(&M.cpu);
    enum cpu_stop r = rig_run(&M, "s_null_gs_mapped_insn", "s_null_gs_mapped_done");
    CHECK_EQ(r, CPU_STOP_UNTIL);
    CHECK_EQ(M.n_delivered, 0);
    CHECK_EQ(reg(CPU_REG_EAX), 0x600DF00D);
    rig_close(&M);
}

/* Control: the same access through a valid %gs is an ordinary #PF on page 0. */
static void valid_gs_page0_is_page_fault(void) {
    OPEN(PAGING_ON);
    rig_enter(&M, 1, EF_BASE);
    enum cpu_stop r = rig_run(&M, "s_valid_gs_page0", "h_stop");
    struct expect e = fault_to_ring0(14, 0, sym("s_valid_gs_page0_insn"), 1, EF_BASE);
    check_single(r, &e);
    CHECK_EQ(reg(CPU_REG_CR2), 0x14);
    rig_close(&M);
}

/* Control: a null %gs that the faulting instruction does not use changes nothing. */
static void null_gs_unused_push_is_page_fault(void) {
    OPEN(PAGING_ON);
    rig_enter(&M, 1, EF_BASE);
    enum cpu_stop r = rig_run(&M, "s_null_gs_unused", "h_stop");
    struct expect e = { 14, EV_FAULT, 1, PF_W, KCODE, KDATA, TSS_ESP0 - 24, 6,
                        { PF_W, sym("s_null_gs_unused_insn"), R1CODE, EF_AFTER_XOR | EFLAGS_RF,
                          0x14, R1DATA } };
    check_single(r, &e);
    CHECK_EQ(reg(CPU_REG_CR2), 0x10);
    rig_close(&M);
}

/* ================= port I/O permission ================= */

/* A denied I/O instruction: #GP(0) with EIP = the IN/OUT itself, nothing performed. */
static void io_denied_case(int cpl, const char *snippet, uint32_t eflags) {
    OPEN(PAGING_OFF);
    rig_enter(&M, cpl, eflags);
    char insn[64];
    snprintf(insn, sizeof(insn), "%s_insn", snippet);
    enum cpu_stop r = rig_run(&M, snippet, "h_stop");
    struct expect e = fault_to_ring0(13, 0, sym(insn), cpl, eflags);
    check_single(r, &e);
    CHECK_EQ(M.n_in + M.n_out, 0);
    CHECK_EQ(M.cpu.n_io_gp, 1);
    rig_close(&M);
}

static void io_out_denied_cpl1(void) { io_denied_case(1, "s_out80", EF_BASE); }
static void io_out_denied_cpl3(void) { io_denied_case(3, "s_out80", EF_BASE); }
static void io_in_denied_cpl3(void) { io_denied_case(3, "s_in60", EF_BASE); }

/* IN leaves AL as it was when denied. */
static void io_in_denied_cpl1_keeps_al(void) {
    OPEN(PAGING_OFF);
    rig_enter(&M, 1, EF_BASE);
    rig_run(&M, "s_in60", "h_stop");
    CHECK_EQ(reg(CPU_REG_EAX), 0x12345678);
    CHECK_EQ(M.n_in, 0);
    rig_close(&M);
}

/* Allowed by the bitmap: the hooks see the access and IN's reply lands in AL. */
static void io_bitmap_allows_out(void) {
    OPEN(PAGING_OFF);
    io_permit(&M, 0x80, 1);
    rig_enter(&M, 3, EF_BASE);
    CHECK_EQ(rig_run(&M, "s_out80", "s_out80_done"), CPU_STOP_UNTIL);
    CHECK_EQ(M.n_delivered, 0);
    CHECK_EQ(M.n_out, 1);
    CHECK_EQ(M.io_port, 0x80);
    CHECK_EQ(M.io_size, 1);
    CHECK_EQ(M.io_value, 0x42);
    rig_close(&M);
}

static void io_bitmap_allows_in(void) {
    OPEN(PAGING_OFF);
    io_permit(&M, 0x60, 1);
    M.in_reply = 0xA5;
    rig_enter(&M, 1, EF_BASE);
    CHECK_EQ(rig_run(&M, "s_in60", "s_in60_done"), CPU_STOP_UNTIL);
    CHECK_EQ(M.n_delivered, 0);
    CHECK_EQ(M.n_in, 1);
    CHECK_EQ(M.io_port, 0x60);
    CHECK_EQ(M.io_size, 1);
    CHECK_EQ(reg(CPU_REG_EAX), 0x123456A5);
    rig_close(&M);
}

/* CPL <= IOPL: no bitmap check at all. */
static void io_iopl3_allows_all(void) {
    OPEN(PAGING_OFF);
    rig_enter(&M, 3, EF_BASE | EF_IOPL3);
    CHECK_EQ(rig_run(&M, "s_out80", "s_out80_done"), CPU_STOP_UNTIL);
    CHECK_EQ(M.n_delivered, 0);
    CHECK_EQ(M.n_out, 1);
    rig_close(&M);
}

static void io_iopl1_allows_cpl1_not_cpl3(void) {
    OPEN(PAGING_OFF);
    rig_enter(&M, 1, EF_BASE | EF_IOPL1);
    CHECK_EQ(rig_run(&M, "s_out80", "s_out80_done"), CPU_STOP_UNTIL);
    CHECK_EQ(M.n_out, 1);
    rig_enter(&M, 3, EF_BASE | EF_IOPL1);
    CHECK_EQ(rig_run(&M, "s_out80", "h_stop"), CPU_STOP_UNTIL);
    CHECK_EQ(M.n_out, 1);
    CHECK_EQ(M.n_delivered, 1);
    CHECK_EQ(M.log[0].ev.vector, 13);
    rig_close(&M);
}

/* A TSS too short to hold the bitmap denies every port. */
static void io_tss_without_bitmap_denies(void) {
    OPEN(PAGING_OFF);
    io_permit(&M, 0x80, 1);
    cpu_set_tr(&M.cpu, TSS_SEL, TSS_BASE, 103);
    rig_enter(&M, 3, EF_BASE);
    CHECK_EQ(rig_run(&M, "s_out80", "h_stop"), CPU_STOP_UNTIL);
    CHECK_EQ(M.n_out, 0);
    CHECK_EQ(M.n_delivered, 1);
    CHECK_EQ(M.log[0].ev.vector, 13);
    CHECK_EQ(M.log[0].frame[1], sym("s_out80_insn"));
    rig_close(&M);
}

/* The processor reads two bitmap bytes: if the second is beyond the TSS limit, denied. */
static void io_tss_limit_cuts_second_byte(void) {
    OPEN(PAGING_OFF);
    io_permit(&M, 0x80, 1);
    cpu_set_tr(&M.cpu, TSS_SEL, TSS_BASE, TSS_IOMAP + 0x80 / 8);
    rig_enter(&M, 3, EF_BASE);
    CHECK_EQ(rig_run(&M, "s_out80", "h_stop"), CPU_STOP_UNTIL);
    CHECK_EQ(M.n_out, 0);
    CHECK_EQ(M.n_delivered, 1);
    /* one more byte of limit and the same access is allowed */
    cpu_set_tr(&M.cpu, TSS_SEL, TSS_BASE, TSS_IOMAP + 0x80 / 8 + 1);
    rig_enter(&M, 3, EF_BASE);
    CHECK_EQ(rig_run(&M, "s_out80", "s_out80_done"), CPU_STOP_UNTIL);
    CHECK_EQ(M.n_out, 1);
    CHECK_EQ(M.n_delivered, 1);
    rig_close(&M);
}

/* A 16- or 32-bit access needs every port it covers: one denied port denies it. */
static void io_wide_access_needs_every_port(const char *snippet, int size, uint32_t value) {
    OPEN(PAGING_OFF);
    for (int p = 0; p < size - 1; p++) io_permit(&M, (uint16_t)(0x80 + p), 1);
    rig_enter(&M, 3, EF_BASE);
    char insn[64], done[64];
    snprintf(insn, sizeof(insn), "%s_insn", snippet);
    snprintf(done, sizeof(done), "%s_done", snippet);
    CHECK_EQ(rig_run(&M, snippet, "h_stop"), CPU_STOP_UNTIL);
    CHECK_EQ(M.n_out, 0);
    CHECK_EQ(M.n_delivered, 1);
    CHECK_EQ(M.log[0].frame[1], sym(insn));
    io_permit(&M, (uint16_t)(0x80 + size - 1), 1);   /* the last port too: allowed */
    rig_enter(&M, 3, EF_BASE);
    CHECK_EQ(rig_run(&M, snippet, done), CPU_STOP_UNTIL);
    CHECK_EQ(M.n_out, 1);
    CHECK_EQ(M.io_size, size);
    CHECK_EQ(M.io_value, value);
    rig_close(&M);
}

static void io_word_spanning_denied_port(void) {
    io_wide_access_needs_every_port("s_outw80", 2, 0xBEEF);
}
static void io_dword_spanning_denied_port(void) {
    io_wide_access_needs_every_port("s_outl80", 4, 0xCAFEF00D);
}

/* After a denied access, the handler grants the port and the retried OUT goes through. */
static void io_denied_then_granted_retry(void) {
    OPEN(PAGING_OFF);
    set_gate(&M, 13, KCODE, sym("h_grant_port80"), GATE_INT32, 0, 1);
    rig_enter(&M, 3, EF_BASE);
    CHECK_EQ(rig_run(&M, "s_out80", "s_out80_done"), CPU_STOP_UNTIL);
    CHECK_EQ(M.n_delivered, 1);
    CHECK_EQ(M.log[0].frame[1], sym("s_out80_insn"));
    CHECK_EQ(M.n_out, 1);
    CHECK_EQ(M.io_port, 0x80);
    CHECK_EQ(M.io_value, 0x42);
    rig_close(&M);
}

/* A denied OUT to 0x80 (skipped by the handler), then an allowed OUT to 0x81 in the same run. */
static void io_denied_then_other_port_allowed(void) {
    OPEN(PAGING_OFF);
    io_permit(&M, 0x81, 1);
    set_gate(&M, 13, KCODE, sym("h_skip2"), GATE_INT32, 0, 1);
    rig_enter(&M, 3, EF_BASE);
    CHECK_EQ(rig_run(&M, "s_out80_then_81", "s_out80_then_81_done"), CPU_STOP_UNTIL);
    CHECK_EQ(M.n_delivered, 1);
    CHECK_EQ(M.log[0].frame[1], sym("s_out80_then_81_insn"));
    CHECK_EQ(M.n_out, 1);
    CHECK_EQ(M.io_port, 0x81);
    CHECK_EQ(M.io_value, 0x43);
    /* and across runs: the same denied port, later permitted, is performed */
    io_permit(&M, 0x80, 1);
    rig_enter(&M, 3, EF_BASE);
    CHECK_EQ(rig_run(&M, "s_out80", "s_out80_done"), CPU_STOP_UNTIL);
    CHECK_EQ(M.n_delivered, 1);
    CHECK_EQ(M.n_out, 2);
    CHECK_EQ(M.io_port, 0x80);
    rig_close(&M);
}

/* ================= RDTSC ================= */

static uint64_t edx_eax(void) {
    return (uint64_t)reg(CPU_REG_EDX) << 32 | reg(CPU_REG_EAX);
}

/* RDTSC at CPL cpl in a fresh machine: returns EDX:EAX (asserting nothing was delivered). */
static uint64_t rdtsc_once(int cpl, const char *snippet, const char *done) {
    if (rig_open(&M, PAGING_OFF)) { CHECK(!"rig_open"); return 0; }
    rig_enter(&M, cpl, EF_BASE);
    CHECK_EQ(rig_run(&M, snippet, done), CPU_STOP_UNTIL);
    CHECK_EQ(M.n_delivered, 0);
    CHECK_EQ(M.cpu.n_rdtsc, 1);
    uint64_t tsc = edx_eax();
    rig_close(&M);
    return tsc;
}

/* The TSC is the virtual clock: two identical runs read the same value. */
static void rdtsc_cpl3_deterministic(void) {
    uint64_t a = rdtsc_once(3, "s_rdtsc", "s_rdtsc_done");
    uint64_t b = rdtsc_once(3, "s_rdtsc", "s_rdtsc_done");
    CHECK(a > 0);
    CHECK_EQ(a, b);
}

static void rdtsc_cpl1_same_as_cpl3(void) {
    CHECK_EQ(rdtsc_once(1, "s_rdtsc", "s_rdtsc_done"), rdtsc_once(3, "s_rdtsc", "s_rdtsc_done"));
}

/* 16 more bytes of executed code before the RDTSC: 16 ns more at 1 ns per byte (1 GHz TSC). */
static void rdtsc_advances_with_code(void) {
    uint64_t a = rdtsc_once(3, "s_rdtsc", "s_rdtsc_done");
    uint64_t b = rdtsc_once(3, "s_rdtsc_after16", "s_rdtsc_after16_done");
    CHECK_EQ(b - a, 16);
}

/* When the program itself sets CR4.TSD, RDTSC at CPL 3 is #GP(0). */
static void rdtsc_with_tsd_is_gp(void) {
    OPEN(PAGING_OFF);
    cpu_set_cr4(&M.cpu, CR4_TSD);
    rig_enter(&M, 3, EF_BASE);
    enum cpu_stop r = rig_run(&M, "s_rdtsc", "h_stop");
    struct expect e = fault_to_ring0(13, 0, sym("s_rdtsc"), 3, EF_BASE);
    check_single(r, &e);
    CHECK_EQ(M.cpu.n_rdtsc, 0);
    rig_close(&M);
}

/* ================= CPUID and CR0.TS ================= */

/* CPUID at cpl with EAX = leaf, ECX = 0; r[] = EAX, EBX, ECX, EDX afterwards. */
static void cpuid_at(int cpl, uint32_t leaf, uint32_t r[4]) {
    OPEN(PAGING_OFF);
    rig_enter(&M, cpl, EF_BASE);
    cpu_set(&M.cpu, CPU_REG_EAX, leaf);
    cpu_set(&M.cpu, CPU_REG_ECX, 0);
    CHECK_EQ(rig_run(&M, "s_cpuid", "s_cpuid_done"), CPU_STOP_UNTIL);
    CHECK_EQ(M.n_delivered, 0);
    CHECK_EQ(M.cpu.n_cpuid, 1);
    r[0] = reg(CPU_REG_EAX);
    r[1] = reg(CPU_REG_EBX);
    r[2] = reg(CPU_REG_ECX);
    r[3] = reg(CPU_REG_EDX);
    rig_close(&M);
}

/* Leaf 0: "GenuineIntel" (EBX, EDX, ECX), whatever Unicorn's own model says, at every CPL. */
static void cpuid_vendor_is_intel(void) {
    for (int cpl = 0; cpl <= 3; cpl += 1 + (cpl == 1)) {
        uint32_t r[4] = { 0 };
        cpuid_at(cpl, 0, r);
        char vendor[13] = { 0 };
        memcpy(vendor, &r[1], 4);
        memcpy(vendor + 4, &r[3], 4);
        memcpy(vendor + 8, &r[2], 4);
        CHECK(strcmp(vendor, "GenuineIntel") == 0);
        CHECK_EQ(r[0], 0xD);
    }
}

/* Leaf 1: family 6 (what the microcode loader tests), no hypervisor bit, PGE/PAE/TSC/FXSR on. */
static void cpuid_family6_bare_metal(void) {
    uint32_t r[4] = { 0 };
    cpuid_at(3, 1, r);
    CHECK_EQ((r[0] >> 8) & 0xF, 6);
    CHECK_EQ(r[2] >> 31, 0);
    CHECK_EQ(r[3] & 0x01002050u, 0x01002050u);
}

/* Leaves beyond the table read as zero, never as Unicorn's own values. */
static void cpuid_unknown_leaf_is_zero(void) {
    uint32_t r[4] = { 1, 1, 1, 1 };
    cpuid_at(1, 0x40000000, r);
    CHECK_EQ(r[0] | r[1] | r[2] | r[3], 0);
}

/* With CR0.TS set by the host, the first x87 instruction at CPL 1 is #NM (vector 7, a fault
 * with no error code): this is how lguest lets a Guest switch FPU state lazily (LHCALL_TS). */
static void ts_makes_fpu_fault_nm(void) {
    OPEN(PAGING_OFF);
    cpu_set(&M.cpu, CPU_REG_CR0, reg(CPU_REG_CR0) | CR0_TS);
    rig_enter(&M, 1, EF_BASE);
    enum cpu_stop r = rig_run(&M, "s_fld1", "h_stop");
    struct expect e = { 7, EV_FAULT, 0, 0, KCODE, KDATA, TSS_ESP0 - 20, 5,
                        { sym("s_fld1"), R1CODE, EF_BASE | EFLAGS_RF, R1_PROG_STACK, R1DATA } };
    check_single(r, &e);
    rig_close(&M);
}

/* Control: with TS clear the same instruction just runs. */
static void no_ts_fpu_runs(void) {
    OPEN(PAGING_OFF);
    rig_enter(&M, 1, EF_BASE);
    CHECK_EQ(rig_run(&M, "s_fld1", "s_fld1_done"), CPU_STOP_UNTIL);
    CHECK_EQ(M.n_delivered, 0);
    rig_close(&M);
}

/* ================= external interrupts ================= */

/* With IF=1 a pending interrupt is taken at the next block boundary: here before the first
 * instruction, so the frame's EIP is the snippet's start. */
static void irq_taken_when_if_set(void) {
    OPEN(PAGING_OFF);
    rig_enter(&M, 3, EF_BASE);
    cpu_raise_irq(&M.cpu, 0x30);
    enum cpu_stop r = rig_run(&M, "s_spin", "h_stop");
    struct expect e = { 0x30, EV_EXTINT, 0, 0, KCODE, KDATA, TSS_ESP0 - 20, 5,
                        { sym("s_spin"), UCODE, EF_BASE, R3_PROG_STACK, UDATA } };
    check_single(r, &e);
    CHECK(!cpu_irq_is_pending(&M.cpu, 0x30));
    rig_close(&M);
}

/* The highest pending vector goes first. */
static void irq_highest_vector_first(void) {
    OPEN(PAGING_OFF);
    rig_enter(&M, 3, EF_BASE);
    cpu_raise_irq(&M.cpu, 0x31);
    cpu_raise_irq(&M.cpu, 0x40);
    rig_run(&M, "s_spin", "h_stop");
    CHECK_EQ(M.n_delivered, 1);
    CHECK_EQ(M.log[0].ev.vector, 0x40);
    CHECK(cpu_irq_is_pending(&M.cpu, 0x31));
    rig_close(&M);
}

/* IF=0: the interrupt waits; STI opens the window only after the next instruction. */
static void irq_waits_for_sti_and_its_shadow(void) {
    OPEN(PAGING_OFF);
    rig_enter(&M, 0, 0x2);
    cpu_raise_irq(&M.cpu, 0x30);
    enum cpu_stop r = rig_run(&M, "s_sti_nop", "h_stop");
    struct expect e = { 0x30, EV_EXTINT, 0, 0, KCODE, KDATA, R0_PROG_STACK - 12, 3,
                        { sym("s_sti_nop_after"), KCODE, EF_BASE } };
    check_single(r, &e);
    CHECK_EQ(reg(CPU_REG_EFLAGS) & EFLAGS_IF, 0);
    rig_close(&M);
}

/* STI immediately followed by CLI: IF is 1 only inside the shadow, so no interrupt at all. */
static void irq_sti_cli_takes_nothing(void) {
    OPEN(PAGING_OFF);
    rig_enter(&M, 0, 0x2);
    cpu_raise_irq(&M.cpu, 0x30);
    CHECK_EQ(rig_run(&M, "s_sti_cli", "s_sti_cli_done"), CPU_STOP_UNTIL);
    CHECK_EQ(M.n_delivered, 0);
    CHECK(cpu_irq_is_pending(&M.cpu, 0x30));
    rig_close(&M);
}

/* A deadline whose hook raises an interrupt: taken at the first block boundary after it, at
 * the same virtual time and place in two identical runs. */
static void deadline_irq_once(uint64_t *now, uint32_t *eip, uint32_t *ecx) {
    if (rig_open(&M, PAGING_OFF)) { CHECK(!"rig_open"); return; }
    M.deadline_vector = 0x30;
    rig_enter(&M, 3, EF_BASE);
    cpu_set_deadline(&M.cpu, 5000);
    CHECK_EQ(rig_run(&M, "s_spin", "h_stop"), CPU_STOP_UNTIL);
    CHECK_EQ(M.n_delivered, 1);
    CHECK_EQ(M.log[0].ev.vector, 0x30);
    CHECK_EQ(M.log[0].ev.kind, EV_EXTINT);
    CHECK(M.deadline_fired_ns >= 5000 && M.deadline_fired_ns < 5000 + 16);
    CHECK_EQ(M.log_now_ns[0], M.deadline_fired_ns);
    *now = M.log_now_ns[0];
    *eip = M.log[0].frame[0];
    *ecx = reg(CPU_REG_ECX);
    rig_close(&M);
}

static void deadline_irq_deterministic(void) {
    uint64_t now1 = 0, now2 = 1;
    uint32_t eip1 = 0, eip2 = 1, ecx1 = 0, ecx2 = 1;
    deadline_irq_once(&now1, &eip1, &ecx1);
    deadline_irq_once(&now2, &eip2, &ecx2);
    CHECK_EQ(now1, now2);
    CHECK_EQ(eip1, eip2);
    CHECK_EQ(ecx1, ecx2);
    CHECK(eip1 > sym("s_spin") && eip1 < sym("s_spin_done"));
}

/* ================= paging: the CPU against mmu/walk ================= */

static void paging_read_sets_accessed(void) {
    OPEN(PAGING_ON);
    set_ram32(&M, TEST_PAGE + 0x10, 0xA1B2C3D4);
    rig_enter(&M, 3, EF_BASE);
    CHECK_EQ(rig_run(&M, "s_read_test", "s_read_test_done"), CPU_STOP_UNTIL);
    CHECK_EQ(reg(CPU_REG_EAX), 0xA1B2C3D4);
    uint32_t pte = ram32(&M, pte_addr(TEST_PAGE));
    CHECK_EQ(pte & (PTE_A | PTE_D), PTE_A);
    CHECK(ram32(&M, PD_BASE) & PTE_A);
    struct paging pg;
    struct walk w;
    cpu_paging(&M.cpu, &pg);
    CHECK_EQ(walk(&M.phys, &pg, TEST_PAGE + 0x10, WALK_USER, &w), 0);
    CHECK_EQ(w.pa, TEST_PAGE + 0x10);
    CHECK_EQ(w.pte, pte);
    CHECK_EQ(w.large, 0);
    rig_close(&M);
}

static void paging_write_sets_dirty(void) {
    OPEN(PAGING_ON);
    rig_enter(&M, 3, EF_BASE);
    CHECK_EQ(rig_run(&M, "s_write_test", "s_write_test_done"), CPU_STOP_UNTIL);
    CHECK_EQ(ram32(&M, TEST_PAGE + 0x10), 0x11223344);
    CHECK_EQ(ram32(&M, pte_addr(TEST_PAGE)) & (PTE_A | PTE_D), PTE_A | PTE_D);
    rig_close(&M);
}

/* The walker, told to set A/D, leaves the entries exactly as the CPU did. */
static void paging_walker_sets_ad_like_cpu(void) {
    OPEN(PAGING_ON);
    rig_enter(&M, 3, EF_BASE);
    CHECK_EQ(rig_run(&M, "s_write_test", "s_write_test_done"), CPU_STOP_UNTIL);
    uint32_t cpu_pte = ram32(&M, pte_addr(TEST_PAGE));
    set_ram32(&M, pte_addr(TEST_PAGE), TEST_PAGE | PTE_P | PTE_RW | PTE_US);
    struct paging pg;
    struct walk w;
    cpu_paging(&M.cpu, &pg);
    CHECK_EQ(walk(&M.phys, &pg, TEST_PAGE + 0x10, WALK_USER | WALK_WRITE | WALK_SET_AD, &w), 0);
    CHECK_EQ(ram32(&M, pte_addr(TEST_PAGE)), cpu_pte);
    rig_close(&M);
}

/* A 4 MiB PSE page: translation to LARGE_PA, A and D on the directory entry. */
static void paging_large_page(void) {
    OPEN(PAGING_ON);
    set_ram32(&M, LARGE_PA + 0x1234, 0x0BADCAFE);
    set_ram32(&M, LARGE_VA + 0x1234, 0xFFFFFFFF);   /* what an untranslated read would see */
    rig_enter(&M, 3, EF_BASE);
    CHECK_EQ(rig_run(&M, "s_read_large", "s_read_large_done"), CPU_STOP_UNTIL);
    CHECK_EQ(reg(CPU_REG_EAX), 0x0BADCAFE);
    uint32_t pde_pa = PD_BASE + (LARGE_VA >> 22) * 4;
    CHECK_EQ(ram32(&M, pde_pa) & (PTE_A | PTE_D), PTE_A);
    rig_enter(&M, 3, EF_BASE);
    CHECK_EQ(rig_run(&M, "s_write_large", "s_write_large_done"), CPU_STOP_UNTIL);
    CHECK_EQ(ram32(&M, LARGE_PA + 0x2000), 0x55667788);
    CHECK_EQ(ram32(&M, pde_pa) & (PTE_A | PTE_D), PTE_A | PTE_D);
    struct paging pg;
    struct walk w;
    cpu_paging(&M.cpu, &pg);
    CHECK_EQ(walk(&M.phys, &pg, LARGE_VA + 0x2000, WALK_USER | WALK_WRITE, &w), 0);
    CHECK_EQ(w.large, 1);
    CHECK_EQ(w.pa, LARGE_PA + 0x2000);
    CHECK_EQ(w.pde, ram32(&M, pde_pa));
    rig_close(&M);
}

/* ================= TLB and translated code ================= */

/* The host makes TEST_PAGE not present after the CPU has used it: the documented rule is that
 * the change is visible after cpu_flush_tlb() or the program's own CR3 reload. */
static void tlb_change_visible_after(int flush_from_host) {
    OPEN(PAGING_ON);
    rig_enter(&M, 0, 0x2);
    CHECK_EQ(rig_run(&M, "s_read_test", "s_read_test_done"), CPU_STOP_UNTIL);
    set_ram32(&M, pte_addr(TEST_PAGE), 0);
    const char *snippet = flush_from_host ? "s_read_test" : "s_cr3_reload_read";
    const char *insn = flush_from_host ? "s_read_test" : "s_cr3_reload_read_insn";
    if (flush_from_host) cpu_flush_tlb(&M.cpu);
    rig_enter(&M, 0, 0x2);
    CHECK_EQ(rig_run(&M, snippet, "h_stop"), CPU_STOP_UNTIL);
    CHECK_EQ(M.n_delivered, 1);
    CHECK_EQ(M.log[0].ev.vector, 14);
    CHECK_EQ(M.log[0].ev.error, 0);
    CHECK_EQ(M.log[0].frame[1], sym(insn));
    CHECK_EQ(reg(CPU_REG_CR2), TEST_PAGE + 0x10);
    rig_close(&M);
}

static void tlb_host_pte_change_after_flush(void) { tlb_change_visible_after(1); }
static void tlb_host_pte_change_after_cr3_reload(void) { tlb_change_visible_after(0); }

/* Code rewritten by the host and announced with cpu_code_changed() runs as rewritten. */
static void code_changed_runs_new_code(void) {
    OPEN(PAGING_OFF);
    rig_enter(&M, 0, 0x2);
    CHECK_EQ(rig_run(&M, "s_code_patch", "s_code_patch_done"), CPU_STOP_UNTIL);
    CHECK_EQ(reg(CPU_REG_EAX), 1);
    uint32_t imm = sym("s_code_patch") + 1;          /* movl $imm32, %eax = B8 imm32 */
    CHECK_EQ(ram32(&M, imm), 1);
    set_ram32(&M, imm, 2);
    cpu_code_changed(&M.cpu);
    rig_enter(&M, 0, 0x2);
    CHECK_EQ(rig_run(&M, "s_code_patch", "s_code_patch_done"), CPU_STOP_UNTIL);
    CHECK_EQ(reg(CPU_REG_EAX), 2);
    rig_close(&M);
}

/* Code rewritten by the host and announced only as a host write (cpu_host_wrote, as lg.ko's
 * lguest_write does) runs as rewritten too: its page's translations were dropped. */
static void host_write_runs_new_code(void) {
    OPEN(PAGING_ON);
    rig_enter(&M, 1, EF_BASE);
    CHECK_EQ(rig_run(&M, "s_code_patch_kept", "s_code_patch_kept_done"), CPU_STOP_UNTIL);
    CHECK_EQ(reg(CPU_REG_EAX), 1);
    uint32_t imm = sym("s_code_patch_kept") + 1;     /* movl $imm32, %eax = B8 imm32 */
    set_ram32(&M, imm, 2);
    cpu_host_wrote(&M.cpu, M.ram + imm, 4);
    rig_enter(&M, 1, EF_BASE);
    CHECK_EQ(rig_run(&M, "s_code_patch_kept", "s_code_patch_kept_done"), CPU_STOP_UNTIL);
    CHECK_EQ(reg(CPU_REG_EAX), 2);
    CHECK_EQ(M.cpu.n_code_drops, 1);
    CHECK_EQ(reg(CPU_REG_CR3), PD_BASE);             /* paging is back as it was */
    CHECK(reg(CPU_REG_CR0) & CR0_PG);
    /* a write to a page no code was translated from drops nothing */
    cpu_host_wrote(&M.cpu, M.ram + SCRATCH, 4);
    CHECK_EQ(M.cpu.n_code_drops, 1);
    rig_close(&M);
}

/*
 * One run that translates more code than the translation buffer holds, then stores into the
 * pages it translated first: Unicorn must empty the full buffer and go on (cpu.c
 * start_translation_buffer()), not write new code over translations it still lists.
 * FILL_BYTES of pusha/popa pairs (about a kilobyte of host code per guest byte) fill the
 * 32 MiB buffer; the SMALL_BLOCKS blocks of different lengths after them are translated
 * where the first translations were; then a store into each page of the pusha/popa code
 * makes Unicorn look up that page's translations (Unicorn 2.1.1 alone dies of SIGBUS here).
 */
#define FILL_AT 0x900000u
#define FILL_BYTES 0xC000u
#define SMALL_BLOCKS 30000u
static void run_filling_translation_buffer_goes_on(void) {
    OPEN(PAGING_OFF);
    uint8_t *p = M.ram + FILL_AT;
    for (uint32_t i = 0; i < FILL_BYTES; i += 2) {
        *p++ = 0x60;   /* pusha */
        *p++ = 0x61;   /* popa */
    }
    uint32_t incs = 0;
    for (uint32_t i = 0; i < SMALL_BLOCKS; i++) {
        for (uint32_t j = 0; j <= i % 7; j++, incs++)
            *p++ = 0x43;   /* inc %ebx */
        *p++ = 0xEB;       /* jmp to the next block */
        *p++ = 0x00;
    }
    for (uint32_t page = 0; page < FILL_BYTES / 0x1000; page++) {
        uint32_t at = FILL_AT + page * 0x1000 + 1;   /* a popa run before: store its byte */
        uint8_t store[] = { 0xC6, 0x05, (uint8_t)at, (uint8_t)(at >> 8), (uint8_t)(at >> 16),
                            (uint8_t)(at >> 24), 0x61 };   /* movb $0x61, at */
        memcpy(p, store, sizeof(store));
        p += sizeof(store);
    }
    static const uint8_t tail[] = { 0xB8, 0x78, 0x56, 0x34, 0x12 };   /* mov $0x12345678, %eax */
    memcpy(p, tail, sizeof(tail));
    uint32_t end = (uint32_t)(p + sizeof(tail) - M.ram);
    rig_enter(&M, 0, 0x2);
    cpu_set(&M.cpu, CPU_REG_EBX, 0);
    CHECK_EQ(cpu_run(&M.cpu, FILL_AT, end), CPU_STOP_UNTIL);
    CHECK_EQ(reg(CPU_REG_EIP), end);
    CHECK_EQ(reg(CPU_REG_EBX), incs);
    CHECK_EQ(reg(CPU_REG_EAX), 0x12345678);
    CHECK_EQ(reg(CPU_REG_ESP), R0_PROG_STACK);
    rig_close(&M);
}

/* ================= the cpu/ API itself ================= */

/* cpu_run stops at 'until' even inside a block translated by an earlier run that stopped
 * elsewhere (Unicorn compiles the stop into the translated block).  The first run leaves the
 * block "16 nops; rdtsc" translated: its RDTSC faults (CR4.TSD) and the run ends at h_stop. */
static void run_stops_inside_block_translated_before(void) {
    OPEN(PAGING_OFF);
    cpu_set_cr4(&M.cpu, CR4_TSD);
    rig_enter(&M, 3, EF_BASE);
    CHECK_EQ(rig_run(&M, "s_rdtsc_after16", "h_stop"), CPU_STOP_UNTIL);
    CHECK_EQ(M.n_delivered, 1);
    uint32_t middle = sym("s_rdtsc_after16") + 8;    /* the ninth of sixteen nops */
    rig_enter(&M, 3, EF_BASE);
    CHECK_EQ(cpu_run(&M.cpu, sym("s_rdtsc_after16"), middle), CPU_STOP_UNTIL);
    CHECK_EQ(reg(CPU_REG_EIP), middle);
    CHECK_EQ(M.n_delivered, 1);
    rig_close(&M);
}

/* Writing CR2 must not touch CR3 (Unicorn 2.1.1 routes CR2 writes through its CR3 update). */
static void cr2_write_keeps_cr3(void) {
    OPEN(PAGING_ON);
    cpu_set(&M.cpu, CPU_REG_CR2, 0x12345678);
    CHECK_EQ(reg(CPU_REG_CR2), 0x12345678);
    CHECK_EQ(reg(CPU_REG_CR3), PD_BASE);
    rig_enter(&M, 3, EF_BASE);
    CHECK_EQ(rig_run(&M, "s_read_test", "s_read_test_done"), CPU_STOP_UNTIL);
    CHECK_EQ(M.n_delivered, 0);
    rig_close(&M);
}

int main(void) {
    RUN(gp_cli_cpl1);
    RUN(gp_cli_cpl3);
    RUN(trap_gate_keeps_if);
    RUN(interrupt_gate_clears_if);
    RUN(ring1_handler_from_cpl3);
    RUN(ring1_handler_from_cpl1_same_stack);
    RUN(ring0_handler_from_cpl0_same_stack);
    RUN(handler_less_privileged_gp);
    RUN(int80_dpl0_gate_from_cpl3_gp402);
    RUN(int3_dpl0_gate_from_cpl3_gp1a);
    RUN(into_dpl0_gate_from_cpl3_gp22);
    RUN(int80_dpl3_gate_allowed);
    RUN(int3_breakpoint_after_int3);
    RUN(into_overflow_after_into);
    RUN(gate_not_present_int_n);
    RUN(gate_not_present_exception);
    RUN(gate_not_present_external);
    RUN(idt_limit_int_n);
    RUN(idt_limit_external);
    RUN(divide_error_no_error_code);
    RUN(invalid_opcode_ud2);
    RUN(thousand_gps_no_double_fault);
    RUN(pf_while_pushing_gp_is_serial);
    RUN(double_fault_from_nested_pf);
    RUN(triple_fault_shuts_down);
    RUN(pf_not_present_read_cpl0_err0);
    RUN(pf_not_present_write_cpl1_err2);
    RUN(pf_not_present_read_cpl3_err4);
    RUN(pf_not_present_write_cpl3_err6);
    RUN(pf_user_read_supervisor_err5);
    RUN(pf_user_write_readonly_err7);
    RUN(pf_cpl1_write_readonly_wp1_err3);
    RUN(no_pf_cpl1_write_readonly_wp0);
    RUN(null_gs_read_cpl1_gp0);
    RUN(null_gs_read_cpl3_gp0);
    RUN(null_gs_read_cpl0_gp0);
    RUN(null_ds_read_cpl1_gp0);
    RUN(null_es_string_store_cpl1_gp0);
    RUN(null_gs_mapped_offset_gp0);
    RUN(null_gs_guarded_mapped_offset_gp0);
    RUN(valid_gs_not_guarded);
    RUN(valid_gs_page0_is_page_fault);
    RUN(null_gs_unused_push_is_page_fault);
    RUN(io_out_denied_cpl1);
    RUN(io_out_denied_cpl3);
    RUN(io_in_denied_cpl3);
    RUN(io_in_denied_cpl1_keeps_al);
    RUN(io_bitmap_allows_out);
    RUN(io_bitmap_allows_in);
    RUN(io_iopl3_allows_all);
    RUN(io_iopl1_allows_cpl1_not_cpl3);
    RUN(io_tss_without_bitmap_denies);
    RUN(io_tss_limit_cuts_second_byte);
    RUN(io_word_spanning_denied_port);
    RUN(io_dword_spanning_denied_port);
    RUN(io_denied_then_granted_retry);
    RUN(io_denied_then_other_port_allowed);
    RUN(rdtsc_cpl3_deterministic);
    RUN(rdtsc_cpl1_same_as_cpl3);
    RUN(rdtsc_advances_with_code);
    RUN(rdtsc_with_tsd_is_gp);
    RUN(cpuid_vendor_is_intel);
    RUN(cpuid_family6_bare_metal);
    RUN(cpuid_unknown_leaf_is_zero);
    RUN(ts_makes_fpu_fault_nm);
    RUN(no_ts_fpu_runs);
    RUN(irq_taken_when_if_set);
    RUN(irq_highest_vector_first);
    RUN(irq_waits_for_sti_and_its_shadow);
    RUN(irq_sti_cli_takes_nothing);
    RUN(deadline_irq_deterministic);
    RUN(paging_read_sets_accessed);
    RUN(paging_write_sets_dirty);
    RUN(paging_walker_sets_ad_like_cpu);
    RUN(paging_large_page);
    RUN(tlb_host_pte_change_after_flush);
    RUN(tlb_host_pte_change_after_cr3_reload);
    RUN(code_changed_runs_new_code);
    RUN(host_write_runs_new_code);
    RUN(run_filling_translation_buffer_goes_on);
    RUN(run_stops_inside_block_translated_before);
    RUN(cr2_write_keeps_cr3);
    return check_report("cpu");
}
