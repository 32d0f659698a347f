/* hostile.c - a Guest that breaks the rules: each bad argument gets 4.4's kill message, and
 * each attempt on the Host's own structures is contained. */
#include "tests/guests/mech/mech.h"

#define GUEST_MEM (64u << 20)   /* the tests run these scenarios with 64 MiB */

/* LHCALL_LGUEST_INIT with a bad lguest_data (checked before anything else happens). */
int hostile_before_init(const char *name, uint32_t arg) {
    uint32_t pa = (uint32_t)&lguest_data;
    if (streq(name, "die-init-page"))
        pa = GUEST_MEM - 0x100;   /* lguest_data (0x56c bytes) would end past guest RAM */
    else if (streq(name, "die-init-vec"))
        lguest_data.syscall_vec = 0x81;
    else if (streq(name, "die-init-kaddr"))
        lguest_data.kernel_address = 0xFFC00000;   /* = the Switcher's address */
    else
        return 0;
    hcall(LHCALL_LGUEST_INIT, pa, 0, 0, 0);
    return 1;
}

/* Arguments the Host must refuse: each of these kills the Guest. */
static int bad_arguments(const char *name, uint32_t arg) {
    if (streq(name, "die-init-twice")) hcall(LHCALL_LGUEST_INIT, (uint32_t)&lguest_data, 0, 0, 0);
    else if (streq(name, "die-stack-pages")) hcall(LHCALL_SET_STACK, 0x69, (uint32_t)stack_top, 3, 0);
    else if (streq(name, "die-stack-io"))      /* the first page above RAM is I/O memory */
        hcall(LHCALL_SET_STACK, 0x69, GUEST_MEM + 0x1000, 1, 0);
    else if (streq(name, "die-stack-far"))     /* far beyond RAM and the device area */
        hcall(LHCALL_SET_STACK, 0x69, 0x10000000, 1, 0);
    else if (streq(name, "die-idt-256")) set_gate(256, (uint32_t)stub_6, 0x61, 0xE, 0);
    else if (streq(name, "die-idt-type")) set_gate(0x21, (uint32_t)stub_32, 0x61, 0x5, 0);
    else if (streq(name, "die-tls-addr")) hcall(LHCALL_LOAD_TLS, GUEST_MEM - 16, 0, 0, 0);
    else if (streq(name, "die-shutdown-addr"))
        hcall(LHCALL_SHUTDOWN, GUEST_MEM, LGUEST_SHUTDOWN_POWEROFF, 0, 0);
    else if (streq(name, "die-hcall")) hcall(arg, 0, 0, 0, 0);
    else return 0;
    gprintf("still alive after %s\n", name);
    return 1;
}

/* The Host keeps vectors 2, 8, 15 and 0x1f: task gates there would otherwise kill us. */
static void s_idt_ignored(void) {
    static const uint32_t vecs[] = { 2, 8, 15, 0x1f };
    for (unsigned i = 0; i < 4; i++) set_gate(vecs[i], (uint32_t)stub_6, 0x61, 0x5, 0);
    gprintf("task gates for vectors 2, 8, 15 and 0x1f ignored\n");
}

/* Gates into the Switcher's text: the handler runs there, but in ring 1, where the first
 * privileged instruction (lgdt) faults.  Our #GP handler then takes us back to safety. */
static void back_to_safety(uint32_t vec, uint32_t *frame) {
    if (vec == 13) frame[0] = (uint32_t)test_return;
}

static void s_gate_into_switcher(uint32_t direct) {
    set_gate(13, (uint32_t)stub_13, 0x61, 0xE, 0);
    if (direct)   /* a trap gate at 0x80 is copied into the real IDT: selector 0x50 = ring 0 */
        set_gate(0x80, 0xFFC00000, 0x50, 0xF, 3);
    else
        set_gate(6, 0xFFC00000, 0x60, 0xE, 0);
    on_trap = back_to_safety;
    on_test_stack(direct ? t_int80 : t_ud2_scratch_eax);
    const struct trap_rec *t = &traps[0];
    gprintf("gate to 0xffc00000 via %s: vector %u at Switcher text +%x, cs %x, error %x, "
            "handler cs %x\n", direct ? "int $0x80" : "ud2", t->vec, t->eip - 0xFFC00000u, t->cs,
            t->err, t->cs_now);
}

static void skip_mov(uint32_t vec, uint32_t *frame) { if (vec == 14) frame[0] += 5; }
static void skip_ud2(uint32_t vec, uint32_t *frame) { if (vec == 6) frame[0] += 2; }

/* Gates that ask for the Host's code segments: the Host forces the Guest's 0x61. */
static void s_gate_selectors(void) {
    set_gate(6, (uint32_t)stub_6, 0x60, 0xE, 0);      /* reflected, selector 0x60 */
    set_gate(0x80, (uint32_t)stub_128, 0x50, 0xF, 3); /* direct, selector 0x50 (LGUEST_CS) */
    on_trap = skip_ud2;
    on_test_stack(t_ud2);
    on_test_stack(t_int80);
    for (unsigned i = 0; i < ntraps; i++)
        gprintf("vector %u: frame cs %x, handler cs %x\n", traps[i].vec, traps[i].cs,
                traps[i].cs_now);
}

/* A write to the read-only state page (our GDT, IDT and TSS as the CPU uses them). */
static void s_state_write(uint32_t handler) {
    if (handler) set_gate(14, (uint32_t)stub_14, 0x61, 0xE, 0);
    on_trap = skip_mov;
    lguest_data.irq_enabled = 0x200;
    on_test_stack(t_pf_write);
    print_trap_at(&traps[0], "pf_write_site", (uint32_t)pf_write_site);
    gprintf("lguest_data.cr2 %x\n", traps[0].cr2);
}

int hostile_scenario(const char *name, uint32_t arg) {
    if (bad_arguments(name, arg)) return 1;
    if (streq(name, "idt-ignored")) s_idt_ignored();
    else if (streq(name, "gate-into-switcher")) s_gate_into_switcher(arg);
    else if (streq(name, "gate-selectors")) s_gate_selectors();
    else if (streq(name, "state-write")) s_state_write(arg);
    else if (streq(name, "spin-forever")) for (;;) ;
    else return 0;
    return 1;
}
