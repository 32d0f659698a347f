/* control.c - the machine-control interface's life: the pause callback, the run's mode, events. */
#include "debug/control.h"
#include "sim/host/lg.h"
#include "sim/host/layout.h"
#include "switcher-model/lguest_pages.h"
#include <string.h>

/* cpu/pause.c calls this with the CPU stopped between two instructions: the client's turn,
 * then the hooks the run it asked for needs. */
static void paused(void *ctx) {
    struct control *k = ctx;
    if (k->tr.phase != TR_IDLE && !travel_paused(k)) return;   /* a pass goes on, or the next */
    if (!k->stop_sig) k->stopped = CS_ATTENTION;
    if (k->client.paused) k->client.paused(k->client.ctx);
    control_resume(k);
}

void control_resume(struct control *k) {
    if (k->tr.phase == TR_IDLE) k->tr.here_known = 0;   /* on forward: where is not counted */
    k->stop_sig = 0;
    k->stop_info[0] = 0;
    k->stop_note[0] = 0;
    k->unreadable_told = 0;
    k->fresh = 1;
    k->resume_eip = cpu_get(k->c, CPU_REG_EIP);
    k->step_irq = 0;
    points_arm(k);
    /* A hook may stop the CPU in the middle of a block: then every block must go through
     * cpu/pause.c, which keeps what the block was charged (a stop before a block, as the
     * window's frames are, needs nothing of it). */
    int mid_block = k->have_all || k->have_mem || k->n_exec;
    k->c->pause.on = k->attached && (k->check_blocks || mid_block);
}

static int from_guest_to_switcher(const struct cpu_delivery *dv) {
    return dv->from_cpl != 0 && dv->to_eip >= SWITCHER_ADDR && dv->to_eip < SWITCHER_ADDR + 0x1000;
}

/* Is delivery dv one of event u's (a hypercall: of number nr, ~0 any)? */
static int delivery_is(struct control *k, const struct cpu_delivery *dv, enum until u,
                       uint32_t nr) {
    switch (u) {
    case UNTIL_SWITCH: return from_guest_to_switcher(dv);
    case UNTIL_PF: return dv->ev.vector == 14;
    case UNTIL_HCALL:
        return from_guest_to_switcher(dv) && dv->ev.vector == LGUEST_TRAP_ENTRY &&
               (nr == ~0u || cpu_get(k->c, CPU_REG_EAX) == nr);
    default: return 0;
    }
}

int control_event_here(struct control *k, enum until ev, uint32_t eip, int delivered) {
    return delivered || (ev == UNTIL_SWITCH && eip == k->lg->sw.switch_to_guest);
}

/* Every delivery through the IDT (stepping into traps, "until", going back to an event): the
 * Host calls it through lg->delivery_watcher (sim/host/switches.c). */
static void delivered(void *ctx, const struct cpu_delivery *dv) {
    struct control *k = ctx;
    k->last_delivery = *dv;
    k->n_deliveries++;
    if (!k->attached) return;
    if (k->stepping && k->skip_irqs && dv->ev.kind == EV_EXTINT && !k->step_irq) {
        k->step_irq = 1;   /* run the interrupt through; stop back where it struck */
        k->ret_eip = dv->ev.eip;
        k->ret_cs = dv->from_cs;
    }
    /* the stop comes at the handler's first instruction */
    if (k->until != UNTIL_NONE && delivery_is(k, dv, k->until, k->until_nr)) k->until_hit = 1;
    if (k->tr.phase != TR_IDLE && k->tr.to_hit == TRAVEL_TO_EVENT &&
        delivery_is(k, dv, k->tr.ev, k->tr.ev_nr))
        k->tr.ev_due = 1;
}

/* Every trace record: the client sees it; a round trip's end is an event to run to (the
 * stop comes at the next instruction the CPU runs, in the host or the Switcher). */
static void note_record(void *ctx, const struct trace_rec *r) {
    struct control *k = ctx;
    if (k->attached && k->until == UNTIL_RT_END && r->kind == TK_RT_END) k->until_hit = 1;
    if (k->client.record) k->client.record(k->client.ctx, r);
}

void control_open(struct control *k, struct lguest *lg, const struct symtab *symbols,
                  const struct control_client *cl) {
    memset(k, 0, sizeof(*k));
    k->lg = lg;
    k->c = &lg->cpu;
    k->symbols = symbols;
    k->client = *cl;
    k->c->pause.paused = paused;
    k->c->pause.ctx = k;
    lg->rec->tap = note_record;
    lg->rec->tap_ctx = k;
    lg->delivery_watcher = delivered;
    lg->delivery_watcher_ctx = k;
    lg->write_watcher = points_host_wrote;
    lg->write_watcher_ctx = k;
}

void control_close(struct control *k) {
    k->attached = 0;
    points_clear(k);
    k->c->pause.paused = NULL;
    k->c->pause.on = 0;
    k->lg->rec->tap = NULL;
    k->lg->delivery_watcher = NULL;
    k->lg->write_watcher = NULL;
}

/* --- how the machine goes on --- */

static void mode(struct control *k, int stepping, enum until u, uint32_t nr, uint64_t budget) {
    k->stepping = stepping;
    k->until = u;
    k->until_nr = nr;
    k->until_hit = 0;
    k->budget = budget;
}

void control_continue(struct control *k) { mode(k, 0, UNTIL_NONE, ~0u, 0); }
void control_step(struct control *k) { mode(k, 1, UNTIL_NONE, ~0u, 0); }
void control_until(struct control *k, enum until u, uint32_t nr) { mode(k, 0, u, nr, 0); }
void control_run_for(struct control *k, uint64_t n) { mode(k, 0, UNTIL_NONE, ~0u, n); }

void control_pause_soon(struct control *k) { cpu_pause_attention(k->c); }

/* Not exit(): the run ends the normal way, so a --trace file gets its death record and end
 * marker. */
void control_kill(struct control *k, const char *why) {
    kill_guest(k->lg, "%s", why);
    cpu_request_stop(k->c, CPU_STOP_REQUEST, why);
}

/* --- reading the machine --- */

static int in_switcher(uint32_t eip) {
    return eip >= SWITCHER_ADDR && eip < SWITCHER_ADDR + 0x1000;
}

enum control_world control_world(struct control *k) {
    if (in_switcher(cpu_get(k->c, CPU_REG_EIP))) return CW_SWITCHER;
    switch (cpu_cpl(k->c)) {
    case 0: return CW_HOST;
    case 1: return CW_KERNEL;
    case 3: return CW_USER;
    default: return CW_RING2;
    }
}

const char *control_world_name(enum control_world w) {
    static const char *names[] = { "host", "Switcher", "guest kernel", "guest user", "ring 2" };
    return w <= CW_RING2 ? names[w] : "?";
}

uint32_t control_console_pending(struct control *k, char *buf, uint32_t cap) {
    const struct recorder *r = k->lg->rec;
    uint32_t n = r->con_len < cap ? r->con_len : cap;
    memcpy(buf, r->con, n);
    return n;
}

uint64_t control_records(struct control *k) {
    return k->lg->rec->w ? k->lg->rec->w->n_records : 0;
}

int control_guest_ring(struct control *k) {
    return (int)(le32(guest_regs(k->lg) + LGUEST_REGS_cs) & 3);
}

const char *control_symbol(struct control *k, uint32_t eip, uint32_t *off) {
    struct lguest *lg = k->lg;
    if (in_switcher(eip)) return switcher_symbolize(&lg->sw, eip, off);
    if (cpu_cpl(k->c) == 0) return elf_symbolize(&lg->host_elf, eip, off);
    return k->symbols ? symtab_lookup(k->symbols, eip, off) : NULL;
}

void control_regs(struct control *k, struct control_regs *r) {
    static const int segs[6] = { CPU_REG_CS, CPU_REG_SS, CPU_REG_DS, CPU_REG_ES, CPU_REG_FS,
                                 CPU_REG_GS };
    struct cpu *c = k->c;
    memset(r, 0, sizeof(*r));
    r->eax = cpu_get(c, CPU_REG_EAX);
    r->ecx = cpu_get(c, CPU_REG_ECX);
    r->edx = cpu_get(c, CPU_REG_EDX);
    r->ebx = cpu_get(c, CPU_REG_EBX);
    r->esp = cpu_get(c, CPU_REG_ESP);
    r->ebp = cpu_get(c, CPU_REG_EBP);
    r->esi = cpu_get(c, CPU_REG_ESI);
    r->edi = cpu_get(c, CPU_REG_EDI);
    r->eip = cpu_get(c, CPU_REG_EIP);
    r->eflags = cpu_get(c, CPU_REG_EFLAGS);
    for (int i = 0; i < 6; i++) {
        r->seg[i] = (uint16_t)cpu_get(c, segs[i]);
        r->seg_known[i] = cpu_segment_cache(c, segs[i], &r->seg_base[i], &r->seg_limit[i]) == 0;
    }
    r->cr0 = cpu_get(c, CPU_REG_CR0);
    r->cr2 = cpu_get(c, CPU_REG_CR2);
    r->cr3 = cpu_get(c, CPU_REG_CR3);
    /* CR4.TSD as software set it: the hardware bit stays on to catch RDTSC (cpu/io.c) */
    r->cr4 = (cpu_get(c, CPU_REG_CR4) & ~CR4_TSD) | (c->cr4_tsd ? CR4_TSD : 0);
    cpu_get_table(c, CPU_REG_GDTR, &r->gdtr_base, &r->gdtr_limit);
    cpu_get_table(c, CPU_REG_IDTR, &r->idtr_base, &r->idtr_limit);
    r->tr = cpu_system_selector(c, CPU_REG_TR);
    r->ldtr = cpu_system_selector(c, CPU_REG_LDTR);
    r->cpl = cpu_cpl(c);
}
