/* mech.c - the mechanisms guest: one host mechanism per kernel command line, exact facts out. */
#include "tests/guests/mech/mech.h"

#define VOL(x) (*(volatile uint32_t *)&(x))
#define STATE_GDT 0xFFC02888u   /* the Switcher's copy of our GDT, readable from ring 1 */

struct lguest_data lguest_data = {
    .blocked_interrupts = 1,                  /* the timer starts masked, as in Linux */
    .hcall_status = { [0 ... 63] = 0xFF },    /* 0xFF = free; 0 would be a queued call */
    .noirq_iret = (uint32_t)lguest_noirq_iret,
    .kernel_address = 0xC0000000,
    .syscall_vec = 0x80,
};

struct trap_rec traps[16];
unsigned ntraps;
volatile uint32_t timer_hits;
void (*on_trap)(uint32_t vec, uint32_t *frame);

/* --- the trap side --- */

struct saved_regs { uint32_t edi, esi, ebp, esp, ebx, edx, ecx, eax, frame[]; };

static int has_err(uint32_t vec) { return vec == 8 || (vec >= 10 && vec <= 14) || vec == 17; }

void trap_c(uint32_t vec, struct saved_regs *r);
void trap_c(uint32_t vec, struct saved_regs *r) {
    int e = has_err(vec);
    struct trap_rec *t = &traps[ntraps < 15 ? ntraps++ : 15];
    *t = (struct trap_rec){ .vec = vec, .esp = r->esp, .err = e ? r->frame[0] : NO_ERR,
                            .eip = r->frame[e], .cs = r->frame[e + 1], .eflags = r->frame[e + 2],
                            .irq_enabled = lguest_data.irq_enabled, .cr2 = lguest_data.cr2,
                            .time = { lguest_data.time[0], lguest_data.time[1] },
                            .cs_now = read_cs() };
    if (vec == 32) timer_hits++;
    if (on_trap) on_trap(vec, &r->frame[e]);
}

void set_gate(uint32_t vec, uint32_t h, uint32_t sel, uint32_t type, uint32_t dpl) {
    hcall(LHCALL_LOAD_IDT_ENTRY, vec, (sel << 16) | (h & 0xFFFF),
          (h & 0xFFFF0000u) | 0x8000 | dpl << 13 | type << 8, 0);
}

uint32_t top_rel(uint32_t esp) { return (uint32_t)test_stack_top - esp; }

/* One line per trap: where the frame starts, its words, and the handler's own view. */
void print_trap_at(const struct trap_rec *t, const char *site_name, uint32_t site) {
    gprintf("vector %u: frame at top-%x: eip %s+%x cs %x eflags %x", t->vec, top_rel(t->esp),
            site_name, t->eip - site, t->cs, t->eflags);
    if (t->err != NO_ERR) gprintf(" error %x", t->err);
    gprintf(", handler cs %x irq_enabled %x\n", t->cs_now, t->irq_enabled);
}

static struct { const char *what; uint32_t v; } notes[16];
static unsigned nnotes;
void note(const char *what, uint32_t v) {
    if (nnotes < 16) notes[nnotes].what = what, notes[nnotes++].v = v;
}
void print_notes(void) {
    for (unsigned i = 0; i < nnotes; i++) gprintf("%u. %s %x\n", i + 1, notes[i].what, notes[i].v);
}

void power_off(void) { hcall(LHCALL_SHUTDOWN, (uint32_t)"Power down", LGUEST_SHUTDOWN_POWEROFF, 0, 0); }

static void skip2(uint32_t vec, uint32_t *frame) { if (vec == 6 || vec == 13) frame[0] += 2; }
static void skip5(uint32_t vec, uint32_t *frame) { if (vec == 14) frame[0] += 5; }

/* Queue a call in the async ring: arguments first, then status 0 = queued. */
static void queue(unsigned slot, uint32_t a0, uint32_t a1, uint32_t a2, uint32_t a3) {
    uint32_t *a = lguest_data.hcalls[slot];
    a[0] = a0, a[1] = a1, a[2] = a2, a[3] = a3, a[4] = 0;
    __asm__ volatile("" ::: "memory");
    lguest_data.hcall_status[slot] = 0;
}

/* Spin (without leaving ring 1 on purpose) until irq_pending is set or ns pass. */
static void wait_pending(uint32_t ns) {
    uint32_t t0 = rdtsc_lo();
    while (!VOL(lguest_data.irq_pending) && rdtsc_lo() - t0 < ns) ;
}

/* --- 1. reflected trap frames --- */

static void s_frame_ud(uint32_t arg) {
    set_gate(6, (uint32_t)stub_6, 0x61, 0xE, 0);
    on_trap = skip2;
    lguest_data.irq_enabled = 0x200;
    on_test_stack(t_ud2);
    lguest_data.irq_enabled = 0;
    on_test_stack(t_ud2);
    for (unsigned i = 0; i < ntraps; i++) print_trap_at(&traps[i], "ud_site", (uint32_t)ud_site);
}

static void s_frame_gp(uint32_t arg) {
    set_gate(13, (uint32_t)stub_13, 0x61, 0xE, 0);
    on_trap = skip2;
    lguest_data.irq_enabled = 0x200;
    on_test_stack(t_int30);
    print_trap_at(&traps[0], "int30_site", (uint32_t)int30_site);
}

static void s_frame_pf(uint32_t arg) {
    set_gate(14, (uint32_t)stub_14, 0x61, 0xE, 0);
    on_trap = skip5;
    lguest_data.irq_enabled = 0x200;
    on_test_stack(t_pf_read);
    print_trap_at(&traps[0], "pf_read_site", (uint32_t)pf_read_site);
    gprintf("lguest_data.cr2 %x\n", traps[0].cr2);
}

/* --- 2. int $0x80: direct through a trap gate, a host interrupt through an interrupt gate --- */

static void int80(uint32_t n, uint32_t type) {
    set_gate(0x80, (uint32_t)stub_128, 0x61, type, 3);
    lguest_data.irq_enabled = 0;
    for (uint32_t i = 0; i < n; i++) on_test_stack(t_int80);
    gprintf("int $0x80 x%u: handler ran %u times\n", n, ntraps);
    if (ntraps) print_trap_at(&traps[0], "t_int80", (uint32_t)t_int80);
}
static void s_int80_trap(uint32_t n) { int80(n, 0xF); }
static void s_int80_intr(uint32_t n) { int80(n, 0xE); }

/* --- 3, 4. the timer: delivered, held back by irq_enabled = 0, blocked --- */

static void timer_setup(uint32_t irq_enabled, uint32_t blocked) {
    set_gate(32, (uint32_t)stub_32, 0x61, 0xE, 0);
    lguest_data.blocked_interrupts = blocked;
    lguest_data.irq_enabled = irq_enabled;
}

static void print_time(const struct trap_rec *t, uint32_t t0) {
    gprintf("lguest_data.time %u s %u ns, %u ns after arming\n", t->time[0], t->time[1],
            t->time[1] - t0);
}

static void s_timer(uint32_t arg) {
    timer_setup(0x200, 0);
    uint32_t t0 = rdtsc_lo();
    hcall(LHCALL_SET_CLOCKEVENT, 1000000, 0, 0, 0);
    on_test_stack(t_spin);
    print_trap_at(&traps[0], "spin_loop", (uint32_t)spin_loop);
    print_time(&traps[0], t0);
}

static void note_interrupt(uint32_t vec, uint32_t *frame) {
    if (vec == 32) note("interrupt on vector 32, frame eip after_send +", frame[0] - (uint32_t)after_send);
}

static void s_timer_deferred(uint32_t arg) {
    timer_setup(0, 0);
    on_trap = note_interrupt;
    hcall(LHCALL_SET_CLOCKEVENT, 1000000, 0, 0, 0);
    wait_pending(10000000);
    note("irq_pending seen:", VOL(lguest_data.irq_pending));
    note("interrupts so far:", timer_hits);
    VOL(lguest_data.irq_enabled) = 0x200;
    note("irq_enabled set to", 0x200);
    if (VOL(lguest_data.irq_pending)) {
        note("LHCALL_SEND_INTERRUPTS", LHCALL_SEND_INTERRUPTS);
        send_interrupts();
    }
    note("back, interrupts:", timer_hits);
    note("irq_pending still", VOL(lguest_data.irq_pending));
    print_notes();
}

static void s_timer_blocked(uint32_t arg) {
    timer_setup(0x200, 1);
    on_trap = note_interrupt;
    uint32_t t0 = rdtsc_lo();
    hcall(LHCALL_SET_CLOCKEVENT, 1000000, 0, 0, 0);
    while (rdtsc_lo() - t0 < 3000000) ;
    gprintf("blocked for 3 ms: %u interrupts, irq_pending %x: not delivered\n", timer_hits,
            VOL(lguest_data.irq_pending));
    VOL(lguest_data.blocked_interrupts) = 0;   /* unmask: the IRQ is still pending */
    send_interrupts();
    print_notes();
}

/* --- 5. HALT --- */

static void s_halt(uint32_t arg) {
    timer_setup(0, 0);
    uint32_t t0 = rdtsc_lo();
    queue(0, LHCALL_SET_CLOCKEVENT, 5000000, 0, 0);   /* same host pass as the HALT */
    on_test_stack(t_halt);
    print_trap_at(&traps[0], "after_halt", (uint32_t)after_halt);
    print_time(&traps[0], t0);
}

static void s_halt_notimer(uint32_t arg) {
    timer_setup(0, 0);
    on_test_stack(t_halt);
    gprintf("woke up\n");
}

/* --- 6. noirq_iret --- */

static void s_noirq(uint32_t arg) {
    timer_setup(0, 0);
    hcall(LHCALL_SET_CLOCKEVENT, 1000000, 0, 0, 0);
    wait_pending(10000000);
    on_test_stack(t_noirq);
    gprintf("noirq_iret %s\n", lguest_data.noirq_iret == (uint32_t)noirq_label ?
            "= noirq_label" : "elsewhere");
    if (traps[0].eip == (uint32_t)noirq_label)
        print_trap_at(&traps[0], "noirq_label", (uint32_t)noirq_label);
    else
        print_trap_at(&traps[0], "noirq_resume", (uint32_t)noirq_resume);
    gprintf("resumed at noirq_resume with esp top-%x\n", top_rel(resume_esp));
}

/* --- 7. LHCALL_TS and #NM --- */

static void clear_ts(uint32_t vec, uint32_t *frame) {
    if (vec == 7) hcall(LHCALL_TS, 0, 0, 0, 0);   /* as clts would; the x87 insn then runs */
}

static void fpu(uint32_t ts) {
    set_gate(7, (uint32_t)stub_7, 0x61, 0xE, 0);
    on_trap = clear_ts;
    lguest_data.irq_enabled = 0x200;
    if (ts) hcall(LHCALL_TS, 8, 0, 0, 0);
    on_test_stack(t_fpu);
    gprintf("TS %u: %u #NM traps, fistp stored %u\n", ts, ntraps, fpu_result);
    if (ntraps) print_trap_at(&traps[0], "fpu_site", (uint32_t)fpu_site);
}
static void s_ts(uint32_t arg) { fpu(8); }
static void s_ts_off(uint32_t arg) { fpu(0); }

/* --- 8. LOAD_TLS and LOAD_GDT_ENTRY, read back from the Switcher's state page --- */

static void print_gdt(unsigned i) {
    const uint32_t *g = (const uint32_t *)STATE_GDT + 2 * i;
    gprintf("gdt[%u] %x %x\n", i, g[0], g[1]);
}

static uint32_t read_seg0(uint32_t sel, int fs) {
    uint32_t v;
    if (fs)
        __asm__ volatile("movw %w1, %%fs; movl %%fs:0, %0; movw %w2, %%fs"
                         : "=r"(v) : "r"(sel), "r"(0) : "memory");
    else
        __asm__ volatile("movw %w1, %%gs; movl %%gs:0, %0; movw %w2, %%gs"
                         : "=r"(v) : "r"(sel), "r"(0) : "memory");
    return v;
}

#define TLS_BASE 0x00300000u   /* guest RAM the image does not use */

static void s_tls(uint32_t arg) {
    static const uint32_t tls[6] = {
        0x0000FFFF, 0x00CF9230,   /* entry 6: base 0x300000, data, DPL 0, not accessed */
        0x0000FFFF, 0x00CFF230,   /* entry 7: the same with DPL 3 */
        0, 0,                     /* entry 8: empty */
    };
    *(volatile uint32_t *)TLS_BASE = 0x7e57c0de;
    hcall(LHCALL_LOAD_TLS, (uint32_t)tls, 0, 0, 0);
    for (unsigned i = 6; i <= 8; i++) print_gdt(i);
    gprintf("gs 0x30 (RPL 0, entry 6): gs:0 = %x\n", read_seg0(0x30, 0));
}

static void s_gdt(uint32_t arg) {
    hcall(LHCALL_LOAD_GDT_ENTRY, 20, 0x0000FFFF, 0x00CF9A00, 0);   /* code, DPL 0 */
    hcall(LHCALL_LOAD_GDT_ENTRY, 21, 0x0000FFFF, 0x00CF9230, 0);   /* data, DPL 0 */
    hcall(LHCALL_LOAD_GDT_ENTRY, 22, 0x0000FFFF, 0x00CFFA00, 0);   /* code, DPL 3 */
    static const unsigned host_owned[] = { 10, 11, 16, 31 };
    for (unsigned i = 0; i < 4; i++)   /* a ring-3 code segment over the Host's entries */
        hcall(LHCALL_LOAD_GDT_ENTRY, host_owned[i], 0x0000FFFF, 0x00CFFA00, 0);
    static const unsigned show[] = { 10, 11, 12, 13, 16, 20, 21, 22, 31 };
    for (unsigned i = 0; i < 9; i++) print_gdt(show[i]);
    *(volatile uint32_t *)TLS_BASE = 0x600dda7a;
    gprintf("fs 0xa8 (RPL 0, entry 21): fs:0 = %x\n", read_seg0(0xA8, 1));
}

/* --- 9. the async hypercall ring --- */

static void print_ring(const char *when) {
    gprintf("%s: slots not free:", when);
    for (unsigned i = 0; i < 64; i++)
        if (lguest_data.hcall_status[i] != 0xFF) gprintf(" %u=%x", i, lguest_data.hcall_status[i]);
    gprintf("\n");
}

static uint32_t gate_lo(const char *h) { return 0x610000u | ((uint32_t)h & 0xFFFF); }
static uint32_t gate_hi(const char *h) { return ((uint32_t)h & 0xFFFF0000u) | 0x8E00; }

static void s_async(uint32_t arg) {
    for (unsigned i = 0; i < 62; i++) queue(i, LHCALL_FLUSH_ASYNC, 0, 0, 0);
    hcall(LHCALL_FLUSH_ASYNC, 0, 0, 0, 0);
    print_ring("after 62 queued calls");
    lguest_data.blocked_interrupts = 0;
    lguest_data.irq_enabled = 0x200;
    /* The Host's cursor is now at 62: these wrap.  Vector 6 is set twice; the later wins. */
    queue(62, LHCALL_LOAD_IDT_ENTRY, 32, gate_lo(stub_32), gate_hi(stub_32));
    queue(63, LHCALL_LOAD_IDT_ENTRY, 6, gate_lo(stub_7), gate_hi(stub_7));
    queue(0, LHCALL_LOAD_IDT_ENTRY, 6, gate_lo(stub_6), gate_hi(stub_6));
    queue(1, LHCALL_SET_CLOCKEVENT, 100000, 0, 0);
    queue(3, LHCALL_FLUSH_ASYNC, 0, 0, 0);   /* behind free slot 2: stays queued */
    hcall(LHCALL_FLUSH_ASYNC, 0, 0, 0, 0);
    print_ring("after slots 62, 63, 0, 1 and 3");
    on_test_stack(t_spin);
    gprintf("timer interrupts %u\n", timer_hits);
    on_trap = skip2;
    on_test_stack(t_ud2);
    gprintf("ud2 went to the handler stub for vector %u\n", traps[ntraps - 1].vec);
}

/* --- 10. CPUID --- */

static void cpuid(uint32_t leaf, uint32_t r[4]) {
    __asm__ volatile("cpuid" : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3]) : "a"(leaf), "c"(0));
}

static void s_cpuid(uint32_t arg) {
    uint32_t r[4], v[4];
    cpuid(0, r);
    char vendor[13];
    v[0] = r[1], v[1] = r[3], v[2] = r[2], v[3] = 0;
    for (int i = 0; i < 12; i++) vendor[i] = (char)(v[i / 4] >> (8 * (i % 4)));
    vendor[12] = 0;
    cpuid(1, r);
    gprintf("cpuid in ring %u: vendor %s, family %u, hypervisor bit %u\n", read_cs() & 3, vendor,
            (r[0] >> 8) & 0xF, r[2] >> 31);
}

/* --- the command line: "scenario" or "scenario=N" --- */

static const struct { const char *name; void (*run)(uint32_t); } scenarios[] = {
    { "frame-ud", s_frame_ud }, { "frame-gp", s_frame_gp }, { "frame-pf", s_frame_pf },
    { "int80-trap", s_int80_trap }, { "int80-intr", s_int80_intr },
    { "timer", s_timer }, { "timer-deferred", s_timer_deferred },
    { "timer-blocked", s_timer_blocked }, { "halt", s_halt }, { "halt-notimer", s_halt_notimer },
    { "noirq", s_noirq }, { "noirq-off", s_noirq }, { "ts", s_ts }, { "ts-off", s_ts_off },
    { "tls", s_tls }, { "gdt", s_gdt }, { "async", s_async }, { "cpuid", s_cpuid },
};

static uint32_t split_arg(const char *cmd, char *name, unsigned len) {
    unsigned i = 0;
    uint32_t arg = 0;
    while (cmd[i] && cmd[i] != '=' && cmd[i] != ' ' && i + 1 < len) name[i] = cmd[i], i++;
    name[i] = 0;
    if (cmd[i] == '=')
        for (i++; cmd[i] >= '0' && cmd[i] <= '9'; i++) arg = arg * 10 + (uint32_t)(cmd[i] - '0');
    return arg;
}

void guest_main(const uint8_t *boot_params);
void guest_main(const uint8_t *boot_params) {
    char name[32];
    uint32_t arg = split_arg((const char *)*(const uint32_t *)(boot_params + 0x228), name, 32);
    if (streq(name, "noirq")) lguest_data.noirq_iret = (uint32_t)noirq_label;
    if (hostile_before_init(name, arg)) for (;;) ;
    hcall(LHCALL_LGUEST_INIT, (uint32_t)&lguest_data, 0, 0, 0);
    hcall(LHCALL_SET_STACK, 0x69, (uint32_t)stack_top, 2, 0);
    /* Have the Host map the test stack (and the words on_test_stack writes) now: a frame
     * pushed onto a page not yet shadowed faults first, and the retried instruction then
     * runs with EFLAGS.RF set, which would show in the frames the tests print. */
    VOL(*(uint32_t *)((uint32_t)test_stack_top - 4)) = 0;
    saved_esp = 0;
    if (console_probe() < 0)
        hcall(LHCALL_SHUTDOWN, (uint32_t)"no early console", LGUEST_SHUTDOWN_POWEROFF, 0, 0);
    for (unsigned i = 0; i < sizeof(scenarios) / sizeof(scenarios[0]); i++)
        if (streq(name, scenarios[i].name)) {
            scenarios[i].run(arg);
            power_off();
        }
    if (!hostile_scenario(name, arg)) gprintf("unknown scenario '%s'\n", name);
    power_off();
}
