/* explain_steps.c - each record of a page-fault round trip, told as a step a learner can follow. */
#include "traces/explain.h"
#include "abi/lguest.h"
#include <string.h>

#define SWITCHER_BASE 0xFFC00000u   /* never demand-paged: see mmu/shadow.c */

/* " <function+0x12>" for a code address when the explain has names, else "".  Four at a time
 * can be in one sentence. */
static const char *nm(struct explain *e, uint32_t addr) {
    static char buf[4][160];
    static unsigned next;
    char *b = buf[next++ % 4];
    return trace_name_tag(e->names, addr, b, sizeof(buf[0]));
}

static void say(struct explain *e, uint64_t t, struct text *w) {
    explain_say(e, t, w);
    text_clear(w);
}

/* Where in lgsim a host step is done, for a learner to open the code there: " [lgsim:
 * FILE FUNCTION(), ...]" at the end of the step.  tests/traces/explain_code.cmake checks that
 * each function named is defined in the file named. */
static void code(struct text *w, const char *where) { text_add(w, " [lgsim: %s]", where); }

/* The host's code for hypercall nr (sim/host/hypercalls.c do_hcall() sends each on). */
static const char *hcall_code(uint32_t nr, uint32_t arg1) {
    switch (nr) {
    case LHCALL_LGUEST_INIT: return "sim/host/hypercalls.c initialize()";
    case LHCALL_SHUTDOWN: return "sim/host/hypercalls.c shutdown()";
    case LHCALL_NEW_PGTABLE:
        return "sim/host/page_tables.c do_pagetable_hcall(), mmu/shadow.c shadow_new_pgtable()";
    case LHCALL_FLUSH_TLB:
        return arg1 ? "sim/host/page_tables.c do_pagetable_hcall(), mmu/shadow.c "
                      "shadow_clear_all()"
                    : "sim/host/page_tables.c do_pagetable_hcall(), mmu/shadow.c "
                      "shadow_flush_user()";
    case LHCALL_LOAD_IDT_ENTRY: return "sim/host/interrupts_and_traps.c load_guest_idt_entry()";
    case LHCALL_SET_STACK: return "sim/host/hypercalls.c guest_set_stack()";
    case LHCALL_SET_CLOCKEVENT: return "sim/host/interrupts_and_traps.c guest_set_clockevent()";
    case LHCALL_SET_PTE:
        return "sim/host/page_tables.c do_pagetable_hcall(), mmu/shadow.c shadow_set_pte()";
    case LHCALL_SET_PGD:
        return "sim/host/page_tables.c do_pagetable_hcall(), mmu/shadow.c shadow_set_pgd()";
    case LHCALL_LOAD_TLS: return "sim/host/segments.c guest_load_tls()";
    case LHCALL_LOAD_GDT_ENTRY: return "sim/host/segments.c load_guest_gdt_entry()";
    default: return "sim/host/hypercalls.c do_hcall()";   /* FLUSH_ASYNC, HALT, TS, ... */
    }
}

/* --- the host's side effects, told with the decision that caused them --- */

static void keep_spte(struct explain *e, const struct trace_rec *r) {
    if (e->n_sptes < EXPLAIN_SPTES) e->sptes[e->n_sptes] = *r;
    e->n_sptes++;
}

static void tell_sptes(struct explain *e, struct text *w) {
    unsigned shown = e->n_sptes < EXPLAIN_SPTES ? e->n_sptes : EXPLAIN_SPTES;
    for (unsigned i = 0; i < shown; i++) {
        const uint32_t *f = e->sptes[i].f;
        if (!f[SP_SPTE])
            text_add(w, " The host cleared its shadow entry for %#010x (shadow slot %u): "
                     "demand_page builds it when the page is next used.", f[SP_VADDR], f[SP_SLOT]);
        else {
            text_add(w, " The host wrote the shadow PTE for %#010x (shadow slot %u): ",
                     f[SP_VADDR], f[SP_SLOT]);
            describe_spte(w, f[SP_SPTE]);
            text_add(w, ".");
        }
    }
    if (e->n_sptes > shown) text_add(w, " And %u more shadow entries.", e->n_sptes - shown);
    e->n_sptes = 0;
}

static void tell_flush(struct explain *e, struct text *w) {
    static const char *what[] = {
        [FLUSH_USER] = "The host cleared the user part of the current shadow page directory.",
        [FLUSH_ALL] = "The host dropped every shadow page table it had.",
        [FLUSH_NEW_PGTABLE] = "The host made its shadow of that directory current (a blank "
                              "one if it had none).",
        [FLUSH_SET_PGD] = "The host dropped its shadow page table for that range, if it had "
                          "one; demand_page rebuilds entries as they are used.",
    };
    uint32_t k = e->flush.f[FL_WHAT];
    if (e->have_flush && k < sizeof(what) / sizeof(what[0])) text_add(w, " %s", what[k]);
    e->have_flush = 0;
}

/* --- port I/O runs --- */

static void flush_io(struct explain *e) {
    struct io_run *io = &e->io;
    if (!io->exits && !io->outs && !io->ins && !io->clis && !io->console.len) return;
    struct text w;
    text_clear(&w);
    text_add(&w, "%s", e->in_handler ? "The guest's handler" : "The guest");
    if (io->console.len)
        text_add(&w, " printed %s on its console (%u line%s)", io->console.buf, io->lines,
                 io->lines == 1 ? "" : "s");
    else
        text_add(&w, " did port I/O");
    text_add(&w, ": %u port write%s and %u port read%s", io->outs, io->outs == 1 ? "" : "s",
             io->ins, io->ins == 1 ? "" : "s");
    if (io->clis) text_add(&w, " and %u cli", io->clis);
    text_add(&w, ", instructions ring 1 may not run. Each one was a #GP exit to the host (%u "
             "in all, %u world switches with the way back) that the launcher emulated.",
             io->exits, 2 * io->exits);
    code(&w, "sim/host/x86_core.c lguest_arch_handle_trap(), sim/launcher/emulate.c "
         "emulate_insn()");
    say(e, io->t, &w);
    memset(io, 0, sizeof(*io));
}

static void io_step(struct explain *e, uint64_t t) {
    if (!e->io.exits && !e->io.outs && !e->io.ins && !e->io.clis && !e->io.console.len)
        e->io.t = t;
}

static void add_console(struct explain *e, const struct trace_rec *r) {
    struct text w;
    if (r->t < e->t0) {   /* bytes printed before the fault, written out only now */
        text_clear(&w);
        text_add(&w, "The console line the guest had begun before the fault is recorded now: ");
        text_add_quoted(&w, r->text, r->text_len, 200);
        text_add(&w, ".");
        say(e, e->t0, &w);
        return;
    }
    io_step(e, r->t);
    struct text *c = &e->io.console;
    if (c->len) text_add(c, " ");
    text_add_quoted(c, r->text, r->text_len, 200);
    e->io.lines++;
}

/* --- exits to the host --- */

static void tell_exit(struct explain *e) {
    const uint32_t *f = e->exit.f;
    const char *v = trace_vector_name(f[TH_VECTOR]);
    struct text w;
    text_clear(&w);
    if (f[TH_VECTOR] >= 32 && f[TH_VECTOR] != 0x80)
        text_add(&w, "A host interrupt (vector %#x%s%s) took the CPU out of the guest at eip "
                 "%#010x%s (%s); the host handled it.", f[TH_VECTOR], v ? ", " : "", v ? v : "",
                 f[TH_EIP], nm(e, f[TH_EIP]), describe_ring(f[TH_CS]));
    else
        text_add(&w, "The guest left for the host: %s (vector %u) at eip %#010x%s (%s).",
                 v ? v : "a trap", f[TH_VECTOR], f[TH_EIP], nm(e, f[TH_EIP]),
                 describe_ring(f[TH_CS]));
    code(&w, f[TH_VECTOR] >= 32 && f[TH_VECTOR] != 0x80 ?
         "switcher-model/switcher.S deliver_to_host, sim/host/x86_core.c "
         "lguest_arch_handle_trap()" :
         "switcher-model/switcher.S return_to_host, sim/host/x86_core.c "
         "lguest_arch_handle_trap()");
    e->exit_open = 0;
    say(e, e->exit.t, &w);
}

static void tell_fault(struct explain *e, const struct trace_rec *r) {
    const uint32_t *f = r->f;
    struct text w;
    text_clear(&w);
    text_add(&w, "The fault. The CPU was running %s (cs %#06x) at eip %#010x%s, ",
             describe_ring(f[TH_CS]), f[TH_CS], f[TH_EIP], nm(e, f[TH_EIP]));
    if (f[TH_PGDIR])
        text_add(&w, "in the address space of guest page directory %#010x (CR3 held the "
                 "host's shadow of it, %#010x), ", f[TH_PGDIR], f[TH_SHADOW]);
    else
        text_add(&w, "before the guest had page tables of its own (CR3 held the host's shadow "
                 "%#010x, which maps guest memory one to one), ", f[TH_SHADOW]);
    text_add(&w, "and raised a page fault (#PF, vector 14). It pushed the error code %#x: ",
             f[TH_ERR]);
    describe_pf_err(&w, f[TH_ERR]);
    text_add(&w, ". CR2 holds the address it could not use: %#010x%s.", f[TH_CR2],
             f[TH_CR2] == f[TH_EIP] ? ", the instruction itself (the fault hit its fetch)" : "");
    say(e, r->t, &w);
    text_add(&w, "Into the Switcher (%u ns). In lguest every fault goes to the host first: the "
             "guest's IDT entry 14 leads to a Switcher stub, which pushed the vector. The "
             "Switcher saved the guest's registers on the regs page (struct lguest_regs), loaded "
             "the host's CR3, GDT, IDT and TSS, and returned to the host's run loop.",
             f[TH_SWITCHER_NS]);
    code(&w, "switcher-model/switcher.S return_to_host, sim/host/x86_core.c run_guest_once()");
    say(e, r->t, &w);
}

static void tell_refault(struct explain *e, const struct trace_rec *r) {
    struct text w;
    text_clear(&w);
    text_add(&w, "The retried instruction faulted again, error code %#x: ", r->f[TH_ERR]);
    describe_pf_err(&w, r->f[TH_ERR]);
    text_add(&w, ". The same round trip goes on: through the Switcher (%u ns) to the host.",
             r->f[TH_SWITCHER_NS]);
    code(&w, "switcher-model/switcher.S return_to_host");
    say(e, r->t, &w);
}

static void on_to_host(struct explain *e, const struct trace_rec *r) {
    e->to_host++;
    if (e->exit_open) tell_exit(e);
    if (e->to_host == 1 && r->f[TH_VECTOR] == 14) {
        tell_fault(e, r);
        return;
    }
    if (e->retries && r->f[TH_VECTOR] == 14 && r->f[TH_EIP] == e->eip && r->f[TH_CR2] == e->cr2) {
        e->refault = 1;
        e->decided = 0;
        tell_refault(e, r);
        return;
    }
    if (r->f[TH_VECTOR] == 13 && r->f[TH_ERR] == 0) io_step(e, r->t);
    e->exit = *r;
    e->exit_open = 1;
}

/* --- the host's decision on a page fault --- */

static void tell_mapped(struct explain *e, struct text *w, const uint32_t *f, uint32_t pgdir) {
    text_add(w, "The host looked %#010x up in the guest's own page tables (demand_page): ",
             f[PF_CR2]);
    if (!pgdir)
        text_add(w, "the guest has none yet, so guest-virtual %#010x is guest-physical "
                 "%#010x", f[PF_CR2] & 0xFFFFF000u, f[PF_CR2] & 0xFFFFF000u);
    else
        text_add(w, "the guest's entry is present and allows this access");
    text_add(w, ". Only the shadow lacked the entry, so the host filled it in.");
    int read_only = e->n_sptes == 1 && !(e->sptes[0].f[SP_SPTE] & 2);
    tell_sptes(e, w);
    if (read_only && !(f[PF_ERR] & 2))
        text_add(w, " It is read-only for now: demand_page maps a clean page read-only, so the "
                 "first write faults too and the host can set the guest's Dirty bit (unless the "
                 "guest's own entry is read-only).");
}

static void tell_decision(struct explain *e, const struct trace_rec *r, int own,
                          uint32_t pgdir) {
    const uint32_t *f = r->f;
    struct text w;
    text_clear(&w);
    switch (f[PF_OUTCOME]) {
    case PF_FIXED:
        tell_mapped(e, &w, f, pgdir);
        text_add(&w, own ? " Fixed silently: the guest never sees this fault."
                         : " Fixed silently: the guest never saw this fault.");
        break;
    case PF_REFLECTED:
        if (f[PF_CR2] >= SWITCHER_BASE)
            text_add(&w, "The address lies in the Switcher's page, which is never demand-paged");
        else
            text_add(&w, "The host looked %#010x up in the guest's own page tables (demand_page): "
                     "the guest does not map it (its directory or page table entry is not "
                     "present), or its entry forbids this access", f[PF_CR2]);
        text_add(&w, ". So the fault is the guest's to handle: the host put %#010x in "
                 "lguest_data.cr2 (a ring-1 kernel cannot read the real CR2) and reflects the "
                 "fault into the guest.", f[PF_CR2]);
        break;
    case PF_DEVICE:
        text_add(&w, "The guest's own page table maps %#010x to a page past the end of its RAM, "
                 "in the launcher's device window: memory-mapped I/O. The host leaves the "
                 "instruction to the launcher to emulate.", f[PF_CR2]);
        break;
    case PF_KILLED:
        text_add(&w, "The host could not use the guest's page tables for %#010x (an entry it "
                 "must refuse, or no memory for a shadow page table) and kills the guest.",
                 f[PF_CR2]);
        break;
    }
    code(&w, "sim/host/x86_core.c handle_page_fault(), mmu/shadow.c shadow_demand_page()");
    say(e, r->t, &w);
}

static void tell_nested_fault(struct explain *e, const struct trace_rec *r) {
    const uint32_t *f = r->f;
    struct text w;
    text_clear(&w);
    text_add(&w, "A fault inside the round trip: %s at eip %#010x%s touched %#010x (error code "
             "%#x: ", describe_ring(e->exit.f[TH_CS]), f[PF_EIP], nm(e, f[PF_EIP]), f[PF_CR2],
             f[PF_ERR]);
    describe_pf_err(&w, f[PF_ERR]);
    text_add(&w, "), out through the Switcher (%u ns).", e->exit.f[TH_SWITCHER_NS]);
    code(&w, "switcher-model/switcher.S return_to_host");
    say(e, e->exit.t, &w);
    tell_decision(e, r, 0, e->exit.f[TH_PGDIR]);
}

static void on_pf(struct explain *e, const struct trace_rec *r) {
    int own = !e->decided && (e->to_host == 1 || e->refault);
    if (own) {
        e->decided = 1;
        e->device = r->f[PF_OUTCOME] == PF_DEVICE;
        tell_decision(e, r, 1, e->pgdir);
    } else if (e->exit_open) {
        e->exit_open = 0;
        tell_nested_fault(e, r);
    } else {
        tell_decision(e, r, 0, e->exit_open ? e->exit.f[TH_PGDIR] : e->pgdir);
    }
}

/* --- the way back into the guest --- */

static void tell_reflect(struct explain *e, const struct trace_rec *r) {
    const uint32_t *f = r->f;
    const char *v = trace_vector_name(f[RF_VECTOR]);
    int from_user = (f[RF_CS] & 3) == 3;
    struct text w;
    text_clear(&w);
    if (e->exit_open && f[RF_VECTOR] != 14) {
        text_add(&w, "The guest's %s (vector %u) at eip %#010x%s goes back to the guest. ",
                 v ? v : "trap", f[RF_VECTOR], f[RF_EIP], nm(e, f[RF_EIP]));
        e->exit_open = 0;
    }
    text_add(&w, "The host reflected the %s as the CPU would have delivered it: it pushed %s"
             "eflags, cs %#06x, eip %#010x%s", v ? v : "trap", from_user ? "the ring-3 ss and "
             "esp, " : "", f[RF_CS], f[RF_EIP], nm(e, f[RF_EIP]));
    if (vector_has_errcode(f[RF_VECTOR])) text_add(&w, " and the error code %#x", f[RF_ERR]);
    text_add(&w, " onto the guest's %s, leaving esp at %#010x, and set the guest to resume at "
             "%#010x%s, its handler in IDT entry %u.", from_user ? "kernel stack (the one "
             "SET_STACK named: the trap came from ring 3)" : "current stack", f[RF_ESP],
             f[RF_HANDLER], nm(e, f[RF_HANDLER]), f[RF_VECTOR]);
    code(&w, "sim/host/interrupts_and_traps.c deliver_trap()");
    say(e, r->t, &w);
    if (f[RF_VECTOR] == 14 && e->decided && !e->in_handler) e->in_handler = 1;
}

static void tell_entry(struct explain *e, const struct trace_rec *r) {
    const uint32_t *f = r->f;
    struct text w;
    text_clear(&w);
    text_add(&w, "Back to the guest through the Switcher (%u ns): it loaded the guest's GDT, "
             "IDT and TSS and the shadow page directory %#010x into CR3, popped the guest's "
             "registers from the regs page and ran iret, to %s at eip %#010x%s",
             f[TG_SWITCHER_NS], f[TG_SHADOW], describe_ring(f[TG_CS]), f[TG_EIP],
             nm(e, f[TG_EIP]));
    if (f[TG_EIP] == e->eip && f[TG_CS] == e->cs) text_add(&w, ", the faulting instruction");
    else if (e->in_handler && e->to_guest == 1) text_add(&w, ", the guest's handler");
    text_add(&w, ".");
    code(&w, "sim/host/x86_core.c run_guest_once(), switcher-model/switcher.S switch_to_guest");
    say(e, r->t, &w);
}

static void on_to_guest(struct explain *e, const struct trace_rec *r) {
    e->to_guest++;
    if (e->exit_open) tell_exit(e);
    e->last_entry_cpl = r->f[TG_CPL];
    if (e->to_guest == 1 || e->refault) tell_entry(e, r);
    e->refault = 0;
}

/* --- what the guest asked for --- */

static void on_hcall(struct explain *e, const struct trace_rec *r) {
    const uint32_t *f = r->f;
    struct text w;
    text_clear(&w);
    flush_io(e);
    if (f[HC_ASYNC]) {
        text_add(&w, "A hypercall the guest had queued in the async ring: ");
    } else if (e->exit_open) {
        text_add(&w, "Hypercall from %s at eip %#010x%s: ", describe_ring(e->exit.f[TH_CS]),
                 e->exit.f[TH_EIP], nm(e, e->exit.f[TH_EIP]));
        e->exit_open = 0;
    } else {
        text_add(&w, "Hypercall: ");
    }
    describe_hcall(&w, r);
    text_add(&w, ".");
    if (f[HC_OUTCOME] == HC_POSTPONED)
        text_add(&w, " The host postpones it until the launcher has handled a pending trap.");
    tell_flush(e, &w);
    if (f[HC_NR] == 14 && !e->n_sptes)
        text_add(&w, " The host's shadow held no page table covering %#010x, so it had nothing "
                 "to update: the next use of the page faults and demand_page fills it in.",
                 f[HC_ARG2]);
    tell_sptes(e, &w);
    if (f[HC_OUTCOME] == HC_KILLED)
        text_add(&w, f[HC_NR] == 2 ? " The host stops the guest, as asked."
                                   : " The host killed the guest for it.");
    if (f[HC_OUTCOME] == HC_POSTPONED) code(&w, "sim/host/hypercalls.c do_hypercalls()");
    else if (f[HC_ASYNC]) {
        text_add(&w, " [lgsim: sim/host/hypercalls.c do_async_hcalls(), %s]",
                 hcall_code(f[HC_NR], f[HC_ARG1]));
    } else {
        text_add(&w, " [lgsim: sim/host/hypercalls.c do_hypercalls(), %s]",
                 hcall_code(f[HC_NR], f[HC_ARG1]));
    }
    say(e, r->t, &w);
}

static void on_irq(struct explain *e, const struct trace_rec *r) {
    static const char *what[] = {
        [IRQ_RAISED] = "The host raised IRQ %u for the guest.",
        [IRQ_MASKED] = "IRQ %u waits: the guest masks it in lguest_data.blocked_interrupts.",
        [IRQ_DEFERRED] = "IRQ %u waits: the guest has interrupts off (lguest_data.irq_enabled "
                         "is 0), so the host sets irq_pending and the guest will ask for it "
                         "with SEND_INTERRUPTS.",
        [IRQ_DELIVERED] = "The host delivered IRQ %u: an interrupt frame on the guest's stack, "
                          "and the guest resumes at its handler.",
        [IRQ_WOKE] = "IRQ %u woke the halted guest.",
    };
    uint32_t a = r->f[IQ_ACTION];
    if (e->exit_open && e->exit.f[TH_VECTOR] >= 32) tell_exit(e);
    flush_io(e);
    struct text w;
    text_clear(&w);
    if (a < sizeof(what) / sizeof(what[0])) text_add(&w, what[a], r->f[IQ_IRQ]);
    code(&w, a == IRQ_RAISED ? "sim/host/interrupts_and_traps.c set_interrupt()" :
             a == IRQ_MASKED ? "sim/host/interrupts_and_traps.c interrupt_pending()" :
                               "sim/host/interrupts_and_traps.c try_deliver_interrupt()");
    say(e, r->t, &w);
}

/* A virtio device at work (the device is named by its IRQ line). */
static void device_step(struct text *w, const uint32_t *f) {
    switch (f[LN_WHAT]) {
    case LN_MMIO_READ:
    case LN_MMIO_WRITE:
        text_add(w, "The launcher emulates a %u-byte MMIO %s at guest-physical %#010x: %#x.",
                 f[LN_SIZE], f[LN_WHAT] == LN_MMIO_READ ? "read" : "write", f[LN_ADDR],
                 f[LN_VALUE]);
        break;
    case LN_NOTIFY:
        text_add(w, "The guest notifies queue %u of the device on IRQ %u%s.", f[LN_SIZE],
                 f[LN_ADDR], f[LN_VALUE] ? "" : " (not started: ignored)");
        break;
    case LN_USED:
        text_add(w, "The device on IRQ %u uses buffer %u (%u bytes written).", f[LN_ADDR],
                 f[LN_SIZE], f[LN_VALUE]);
        break;
    case LN_DEVICE_IRQ:
        text_add(w, "The device on IRQ %u sets its ISR and raises its interrupt (queue %u).",
                 f[LN_ADDR], f[LN_SIZE]);
        break;
    case LN_BLOCK:
        text_add(w, "Block request type %u at sector %u: %u bytes read, status %u.",
                 f[LN_VALUE] >> 8, f[LN_ADDR], f[LN_SIZE], f[LN_VALUE] & 0xFF);
        break;
    case LN_NET_TX:
        text_add(w, "The network device on IRQ %u sends a %u-byte frame.", f[LN_ADDR],
                 f[LN_SIZE]);
        break;
    default:
        text_add(w, "The console's input (stdin) has ended.");
    }
    static const char *const where[] = {
        [LN_MMIO_READ] = "sim/launcher/emulate.c emulate_mmio()",
        [LN_MMIO_WRITE] = "sim/launcher/emulate.c emulate_mmio()",
        [LN_NOTIFY] = "virtio/virtio.c notify()",
        [LN_USED] = "virtio/vring.c vq_push()",
        [LN_DEVICE_IRQ] = "virtio/vring.c vq_trigger()",
        [LN_BLOCK] = "virtio/block.c blk_one()",
        [LN_NET_TX] = "virtio/net.c net_output()",
        [LN_INPUT_EOF] = "sim/launcher/devices.c read_more()",
    };
    if (f[LN_WHAT] < sizeof(where) / sizeof(where[0]) && where[f[LN_WHAT]])
        code(w, where[f[LN_WHAT]]);
}

static void on_launcher(struct explain *e, const struct trace_rec *r) {
    const uint32_t *f = r->f;
    uint32_t what = f[LN_WHAT];
    if (what == LN_PORT_IN || what == LN_PORT_OUT || what == LN_CLI) {
        io_step(e, r->t);
        if (e->exit_open) e->io.exits++;
        e->exit_open = 0;
        e->io.ins += what == LN_PORT_IN;
        e->io.outs += what == LN_PORT_OUT;
        e->io.clis += what == LN_CLI;
        return;
    }
    flush_io(e);
    e->exit_open = 0;
    struct text w;
    text_clear(&w);
    if (what == LN_MMIO)
        text_add(&w, "The launcher looks for a device at guest-physical %#010x and finds none.",
                 f[LN_ADDR]);
    else if (what >= LN_MMIO_READ && what <= LN_NET_TX)
        device_step(&w, f);
    else if (what == LN_REINJECT)
        text_add(&w, "The launcher cannot emulate the instruction: it hands trap %u back to the "
                 "guest.", f[LN_ADDR]);
    else
        text_add(&w, "The guest has no handler for trap %u: the launcher gives up.", f[LN_ADDR]);
    if (what == LN_MMIO) code(&w, "sim/launcher/emulate.c emulate_mmio()");
    else if (what == LN_REINJECT || what == LN_FAILED) code(&w, "sim/launcher/emulate.c reinject()");
    say(e, r->t, &w);
}

static void on_retry(struct explain *e, const struct trace_rec *r) {
    struct text w;
    text_clear(&w);
    flush_io(e);
    if (e->exit_open) tell_exit(e);
    text_add(&w, "The CPU is at eip %#010x%s again, in the same address space: the faulting "
             "instruction runs again%s.", r->f[RY_EIP], nm(e, r->f[RY_EIP]),
             e->retries ? " (another try)" : "");
    if (e->last_entry_cpl != (e->cs & 3))
        text_add(&w, " The last world switch entered %s; the guest's own iret took it back to "
                 "%s, with no world switch.", describe_ring(e->last_entry_cpl),
                 describe_ring(e->cs));
    e->retries++;
    say(e, r->t, &w);
}

static void on_rt_end(struct explain *e, const struct trace_rec *r) {
    static const char *how[] = {
        [RT_OK] = "ended well: the retried instruction did not fault again.",
        [RT_ABANDONED] = "was abandoned: the instruction never ran again. The guest came back "
                         "to the faulting ring, in the same address space, somewhere else, past "
                         "the frame its handler got: the handler skipped the instruction or "
                         "ended the process.",
        [RT_UNFINISHED] = "was unfinished: the guest stopped (or the recording ended) before "
                          "the instruction ran again or the guest moved on.",
    };
    const uint32_t *f = r->f;
    struct text w;
    text_clear(&w);
    flush_io(e);
    if (e->exit_open) tell_exit(e);
    int emulated = e->device && f[RE_OUTCOME] == RT_OK;
    text_add(&w, "Round trip %u %s ", e->rt, emulated ? "ended well: the launcher emulated the "
             "instruction and the guest went on after it." :
             f[RE_OUTCOME] < 3 ? how[f[RE_OUTCOME]] : "?");
    text_add(&w, "%s %u ns of virtual time; %u records; %u world switch%s (%u to the host, %u "
             "back to the guest).", emulated ? "From the fault to the host's decision:" :
             f[RE_OUTCOME] == RT_OK ? "From the fault to the retry:" :
             "From the fault to the end:", f[RE_DURATION_NS], f[RE_STEPS],
             e->to_host + e->to_guest, e->to_host + e->to_guest == 1 ? "" : "es", e->to_host,
             e->to_guest);
    say(e, r->t, &w);
}

void explain_record(struct explain *e, const struct trace_rec *r) {
    switch (r->kind) {
    case TK_TO_HOST:  on_to_host(e, r); break;
    case TK_TO_GUEST: on_to_guest(e, r); break;
    case TK_PF:       flush_io(e); on_pf(e, r); break;
    case TK_SPTE:     keep_spte(e, r); break;
    case TK_FLUSH:    e->flush = *r; e->have_flush = 1; break;
    case TK_REFLECT:  flush_io(e); tell_reflect(e, r); break;
    case TK_HCALL:    on_hcall(e, r); break;
    case TK_IRQ:      on_irq(e, r); break;
    case TK_LAUNCHER: on_launcher(e, r); break;
    case TK_CONSOLE:  add_console(e, r); break;
    case TK_RETRY:    on_retry(e, r); break;
    case TK_RT_END:   on_rt_end(e, r); break;
    default: {
        struct text w;
        char line[512];
        flush_io(e);
        trace_format_named(r, e->names, line, sizeof(line));
        text_clear(&w);
        if (r->kind == TK_HALT)
            text_add(&w, "The guest halted; the host idles %u ns until the next timer "
                     "interrupt. [lgsim: sim/launcher/launcher.c idle(), sim/host/lguest_user.c "
                     "lguest_sleep()]", r->f[HL_IDLE_NS]);
        else
            text_add(&w, "Record: %s", line);
        say(e, r->t, &w);
    }
    }
}

void explain_flush(struct explain *e) {
    flush_io(e);
    if (e->exit_open) tell_exit(e);
}

/* An abandoned round trip: the exit that showed the guest elsewhere. */
static void tell_elsewhere(struct explain *e, const struct trace_rec *next) {
    struct text w;
    text_clear(&w);
    text_add(&w, "That exit: %s at eip %#010x%s, esp %#010x, not the faulting instruction.",
             describe_ring(next->f[TH_CS]), next->f[TH_EIP], nm(e, next->f[TH_EIP]),
             next->f[TH_ESP]);
    say(e, next->t, &w);
}

void explain_after(struct explain *e, const struct trace_rec *next, uint32_t outcome) {
    if (outcome == RT_ABANDONED && next->kind == TK_TO_HOST) tell_elsewhere(e, next);
    if (next->kind != TK_DEATH) return;
    struct text w;
    text_clear(&w);
    text_add(&w, "The guest stopped, exit status %u: ", next->f[DT_EXIT_CODE]);
    text_add_quoted(&w, next->text, next->text_len, 300);
    text_add(&w, ".");
    say(e, next->t, &w);
}
