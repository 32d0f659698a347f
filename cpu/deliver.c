/* deliver.c - exception and interrupt delivery through the IDT, as Intel SDM vol. 3 §6.12 says. */
#include "cpu/private.h"
#include "cpu/desc.h"
#include <stdio.h>
#include <string.h>

/*
 * Unicorn hands us an exception with nothing done: no gate read, no stack switch, no frame.
 * cpu_deliver() does all of it in the order the processor does:
 *
 *   1. fetch the gate from the IDT (limit, type, DPL for software interrupts, present);
 *   2. fetch the handler's code segment from the GDT (code, present, DPL <= CPL);
 *   3. if the handler is more privileged, take the new SS:ESP from the TSS (ss0/esp0 for a
 *      ring-0 handler, ss1/esp1 for ring 1) and check that stack segment;
 *   4. push [old SS, old ESP,] EFLAGS, CS, EIP [, error code];
 *   5. load CS:EIP from the gate, clear TF, NT, RF and VM, and IF for an interrupt gate.
 *
 * Any step can fault.  Such a fault is delivered instead, or becomes #DF when the two events
 * are both contributory or page faults (SDM table 6-5); a fault while delivering #DF shuts the
 * processor down (triple fault).
 */

/* A fault raised while delivering: which vector, what error code, and CR2 for #PF. */
struct nested { uint8_t vector; uint32_t error; uint32_t cr2; };

enum { DELIVERED = 0, NESTED = 1, STOPPED = -1 };

/*
 * The translations one delivery uses, cached as a TLB would cache them: the page tables cannot
 * change while one event is delivered, and a walk that already set the accessed (and, for a
 * write, dirty) bits would only set them again.  In lguest the IDT, GDT and TSS share the
 * Switcher's state page and the frame fits in one or two pages, so a delivery walks two or
 * three pages instead of ten.  Entries are per access kind (read, write, user write).
 */
#define DTLB_SIZE 4
struct dtlb_entry { uint32_t page; int flags; uint8_t *host; };

struct machine_view {
    struct paging pg;
    uint32_t eflags, cs, ss, esp, cpl;
    uint32_t gdt_base, gdt_limit, idt_base, idt_limit, tr_base, tr_limit;
    uint16_t tr_sel;
    int n_dtlb;
    struct dtlb_entry dtlb[DTLB_SIZE];
};

static void get_tr(struct cpu *c, struct machine_view *m) {
    uc_x86_mmr tr = { 0 };
    uc_reg_read(c->uc, UC_X86_REG_TR, &tr);
    m->tr_sel = tr.selector;
    m->tr_base = (uint32_t)tr.base;
    m->tr_limit = tr.limit;
}

static void snapshot(struct cpu *c, struct machine_view *m) {
    cpu_paging(c, &m->pg);
    m->eflags = cpu_get(c, UC_X86_REG_EFLAGS);
    m->cs = cpu_get(c, UC_X86_REG_CS);
    m->ss = cpu_get(c, UC_X86_REG_SS);
    m->esp = cpu_get(c, UC_X86_REG_ESP);
    m->cpl = m->cs & 3;
    cpu_get_table(c, UC_X86_REG_GDTR, &m->gdt_base, &m->gdt_limit);
    cpu_get_table(c, UC_X86_REG_IDTR, &m->idt_base, &m->idt_limit);
    get_tr(c, m);
    m->n_dtlb = 0;
}

/* Copy between [la, la+len) and buf as walk_read/walk_write would, through the delivery's TLB:
 * page by page, and on a failure the linear address of the page that failed in *fault_la. */
static int dtlb_access(struct cpu *c, struct machine_view *m, uint32_t la, uint8_t *buf,
                       uint32_t len, int flags, uint32_t *fault_la, struct walk *w) {
    while (len) {
        uint32_t chunk = 0x1000 - (la & 0xFFF), page = la & ~0xFFFu;
        if (chunk > len) chunk = len;
        uint8_t *host = NULL;
        for (int i = 0; i < m->n_dtlb; i++)
            if (m->dtlb[i].page == page && m->dtlb[i].flags == flags) {
                host = m->dtlb[i].host;
                break;
            }
        if (!host) {
            if (walk(c->phys, &m->pg, la, flags, w) < 0) {
                *fault_la = la;
                return -1;
            }
            /* Regions are whole pages, so the page is memory if any byte of it is. */
            host = phys_ptr(c->phys, w->pa & ~0xFFFu, 0x1000);
            if (!host) {
                w->bus_error = 1;
                *fault_la = la;
                return -1;
            }
            struct dtlb_entry e = { page, flags, host };
            m->dtlb[m->n_dtlb < DTLB_SIZE ? m->n_dtlb++ : DTLB_SIZE - 1] = e;
        }
        host += la & 0xFFF;
        if (flags & WALK_WRITE) memcpy(host, buf, chunk);
        else memcpy(buf, host, chunk);
        la += chunk;
        buf += chunk;
        len -= chunk;
    }
    return 0;
}

static int raise_fault(struct nested *f, uint8_t vector, uint32_t error) {
    f->vector = vector;
    f->error = error;
    return NESTED;
}

/* A system-table read (IDT, GDT, TSS) is a supervisor access; a #PF there is a nested fault. */
static int read_system(struct cpu *c, struct machine_view *m, uint32_t la, void *buf,
                       uint32_t len, struct nested *f) {
    struct walk w;
    uint32_t fault_la;
    if (dtlb_access(c, m, la, buf, len, WALK_SET_AD, &fault_la, &w) == 0)
        return DELIVERED;
    if (w.bus_error) {
        char msg[96];
        snprintf(msg, sizeof(msg), "descriptor table at 0x%08x is not in memory", la);
        cpu_request_stop(c, CPU_STOP_BUS_ERROR, msg);
        return STOPPED;
    }
    f->cr2 = fault_la;
    return raise_fault(f, 14, w.pf_error);
}

static int read_gdt_desc(struct cpu *c, struct machine_view *m, uint16_t sel,
                         struct desc *d, uint8_t bad_vector, uint32_t ext, struct nested *f) {
    if ((sel & 4) || (uint32_t)(sel & ~7u) + 7 > m->gdt_limit)   /* no LDT in this model */
        return raise_fault(f, bad_vector, (sel & 0xFFFCu) | ext);
    return read_system(c, m, m->gdt_base + (sel & ~7u), d, 8, f);
}

/* Step 3: the inner stack from the TSS, checked as the SDM requires (#TS / #SS). */
static int inner_stack(struct cpu *c, struct machine_view *m, int new_cpl, uint32_t ext,
                       uint16_t *ss, uint32_t *esp, uint32_t *ss_base, struct nested *f) {
    uint32_t off = 4 + 8 * (uint32_t)new_cpl;
    uint8_t raw[8];
    uint16_t tr_sel = m->tr_sel;
    if (off + 5 > m->tr_limit)
        return raise_fault(f, 10, (tr_sel & 0xFFFCu) | ext);
    int r = read_system(c, m, m->tr_base + off, raw, 8, f);
    if (r) return r;
    *esp = le32(raw);
    *ss = le16(raw + 4);
    if ((*ss & 0xFFFC) == 0)
        return raise_fault(f, 10, ext);
    if ((*ss & 3) != (uint32_t)new_cpl)
        return raise_fault(f, 10, (*ss & 0xFFFCu) | ext);
    struct desc d;
    r = read_gdt_desc(c, m, *ss, &d, 10, ext, f);
    if (r) return r;
    if (desc_dpl(d) != new_cpl || !desc_is_writable_data(d))
        return raise_fault(f, 10, (*ss & 0xFFFCu) | ext);
    if (!desc_present(d))
        return raise_fault(f, 12, (*ss & 0xFFFCu) | ext);
    *ss_base = desc_base(d);
    return DELIVERED;
}

/* Step 4: write the frame as the processor pushes it, one word at a time from the highest
 * address down, so that a #PF here (a nested fault) names the first push that failed in CR2:
 * the old SS for a stack switch, as on hardware and in QEMU. */
static int push_frame(struct cpu *c, struct machine_view *m, uint32_t la,
                      const uint32_t *words, int n, int new_cpl, struct nested *f) {
    int flags = WALK_SET_AD | WALK_WRITE | (new_cpl == 3 ? WALK_USER : 0);
    for (int i = n - 1; i >= 0; i--) {
        struct walk w;
        uint32_t fault_la;
        uint8_t word[4];
        put_le32(word, words[i]);
        if (dtlb_access(c, m, la + 4u * (uint32_t)i, word, 4, flags, &fault_la, &w) == 0)
            continue;
        if (w.bus_error) {
            cpu_request_stop(c, CPU_STOP_BUS_ERROR, "interrupt stack is not in memory");
            return STOPPED;
        }
        f->cr2 = fault_la;
        return raise_fault(f, 14, w.pf_error);
    }
    return DELIVERED;
}

/* Does the architecture push an error code for this event? */
static int pushes_error(const struct cpu_event *ev) {
    return ev->kind == EV_FAULT && ev->has_error;
}

/* Step 5: make it so.  The CPL is set first, because Unicorn checks selector loads against it. */
static void commit(struct cpu *c, int inter, uint16_t ss, uint32_t esp, uint16_t cs,
                   uint32_t eflags, uint32_t eip, int new_cpl) {
    cpu_force_cpl(c, new_cpl);
    if (inter) cpu_set(c, UC_X86_REG_SS, ss);
    cpu_set(c, UC_X86_REG_ESP, esp);
    cpu_set(c, UC_X86_REG_CS, cs);
    cpu_set(c, UC_X86_REG_EFLAGS, eflags);
    cpu_set(c, UC_X86_REG_EIP, eip);   /* last: Unicorn resumes here */
}

static int try_deliver(struct cpu *c, const struct cpu_event *ev, int nested,
                       struct cpu_delivery *d, struct nested *f) {
    struct machine_view m;
    snapshot(c, &m);
    uint32_t vec = ev->vector;
    /* EXT: the event came from outside the program (an interrupt or an earlier exception). */
    uint32_t ext = (ev->kind == EV_SOFTINT && !nested) ? 0 : 1;
    uint32_t idt_error = vec * 8 + 2 + ext;

    /* 1. The gate. */
    if (vec * 8 + 7 > m.idt_limit)
        return raise_fault(f, 13, idt_error);
    struct desc gate;
    int r = read_system(c, &m, m.idt_base + vec * 8, &gate, 8, f);
    if (r) return r;
    int type = desc_type(gate);
    if (type == GATE_TASK) {
        cpu_request_stop(c, CPU_STOP_ERROR, "task gates are not modelled");
        return STOPPED;
    }
    if (!desc_is_system(gate) || (type != GATE_INT32 && type != GATE_TRAP32))
        return raise_fault(f, 13, idt_error);
    if (ev->kind == EV_SOFTINT && desc_dpl(gate) < (int)m.cpl)
        return raise_fault(f, 13, vec * 8 + 2);
    if (!desc_present(gate))
        return raise_fault(f, 11, idt_error);

    /* 2. The handler's code segment. */
    uint16_t sel = gate_selector(gate);
    if ((sel & 0xFFFC) == 0)
        return raise_fault(f, 13, ext);
    struct desc code;
    r = read_gdt_desc(c, &m, sel, &code, 13, ext, f);
    if (r) return r;
    if (!desc_is_code(code) || desc_dpl(code) > (int)m.cpl)
        return raise_fault(f, 13, (sel & 0xFFFCu) | ext);
    if (!desc_present(code))
        return raise_fault(f, 11, (sel & 0xFFFCu) | ext);

    /* 3. Same ring, or a more privileged one with a new stack from the TSS. */
    int inter = !desc_is_conforming(code) && desc_dpl(code) < (int)m.cpl;
    int new_cpl = inter ? desc_dpl(code) : (int)m.cpl;
    uint16_t new_ss = (uint16_t)m.ss;
    uint32_t new_esp = m.esp, ss_base = 0;
    if (inter) {
        r = inner_stack(c, &m, new_cpl, ext, &new_ss, &new_esp, &ss_base, f);
        if (r) return r;
    }

    /* 4. The frame.  Faults other than an instruction breakpoint save EFLAGS with RF set, so
     * that the restarted instruction does not trip a breakpoint again (SDM §17.3.1.1). */
    uint32_t pushed_flags = m.eflags | (ev->kind == EV_FAULT && vec != 1 ? EFLAGS_RF : 0);
    uint32_t words[7];
    int n = 0;
    if (pushes_error(ev)) words[n++] = ev->error;
    words[n++] = ev->eip;
    words[n++] = m.cs;
    words[n++] = pushed_flags;
    if (inter) { words[n++] = m.esp; words[n++] = m.ss; }
    /* words[] runs from the lowest address (the last push) up to the first push */
    new_esp -= (uint32_t)n * 4;
    r = push_frame(c, &m, ss_base + new_esp, words, n, new_cpl, f);
    if (r) return r;

    /* 5. Enter the handler. */
    uint32_t new_eflags = m.eflags & ~(EFLAGS_TF | EFLAGS_NT | EFLAGS_RF | EFLAGS_VM);
    if (type == GATE_INT32) new_eflags &= ~EFLAGS_IF;
    uint16_t new_cs = (uint16_t)((sel & ~3u) | (uint32_t)new_cpl);

    *d = (struct cpu_delivery){
        .ev = *ev, .from_cs = m.cs, .from_ss = m.ss, .from_esp = m.esp,
        .from_eflags = m.eflags, .from_cpl = m.cpl, .to_cs = new_cs, .to_ss = new_ss,
        .to_esp = new_esp, .to_eip = gate_offset(gate), .to_eflags = new_eflags,
        .to_cpl = (uint32_t)new_cpl, .frame_words = n, .nested = nested,
    };
    memcpy(d->frame, words, sizeof(uint32_t) * (size_t)n);
    if (vec == 14) d->cr2 = cpu_get(c, UC_X86_REG_CR2);
    commit(c, inter, new_ss, new_esp, new_cs, new_eflags, gate_offset(gate), new_cpl);
    return DELIVERED;
}

static int is_contributory(uint8_t v) { return v == 0 || (v >= 10 && v <= 13); }

/* SDM table 6-5: which pairs of events make a double fault. */
static int makes_double_fault(const struct cpu_event *first, uint8_t second) {
    if (first->kind == EV_SOFTINT || first->kind == EV_EXTINT)
        return 0;
    if (is_contributory(first->vector))
        return is_contributory(second);
    if (first->vector == 14)
        return is_contributory(second) || second == 14;
    return 0;
}

/* The saved EIP for a fault raised while delivering ev: the instruction that started it. */
static uint32_t restart_eip(const struct cpu_event *ev) {
    return ev->kind == EV_SOFTINT ? ev->eip - ev->insn_len : ev->eip;
}

/* @tour Mastery 30: Delivery through the IDT
 * What Unicorn leaves out and an i386 does: read the gate, check its type, presence and DPL,
 * switch to the ring-0 stack from the TSS, push SS, ESP, EFLAGS, CS, EIP and the error code,
 * load CS:EIP from the gate; a fault while doing so makes a #DF, and a third a shutdown.
 * This is how our fault reached the Switcher's stub (Switcher 30).
 */
int cpu_deliver(struct cpu *c, const struct cpu_event *first) {
    struct cpu_event ev = *first;
    for (int depth = 0; depth < 3; depth++) {
        struct cpu_delivery d;
        struct nested f = { 0 };
        int r = try_deliver(c, &ev, depth, &d, &f);
        if (r == DELIVERED) {
            c->n_deliveries++;
            /* a null FS or GS the handler inherits gets its guard before the handler runs */
            c->sites_due |= SITES_DUE_SEGS;
            c->next_check = 0;
            if (d.ev.vector == 14) c->cr2 = d.cr2;   /* segment.c restores it after a #GP */
            if (c->hooks.delivered) c->hooks.delivered(c->hooks.ctx, &d);
            return 0;
        }
        if (r == STOPPED)
            return -1;
        if (ev.vector == 8 && ev.kind == EV_FAULT && depth > 0) {
            char msg[128];
            snprintf(msg, sizeof(msg), "triple fault: vector %u while delivering #DF",
                     f.vector);
            cpu_request_stop(c, CPU_STOP_SHUTDOWN, msg);
            return -1;
        }
        struct cpu_event next = { .vector = f.vector, .kind = EV_FAULT, .has_error = 1,
                                  .error = f.error, .eip = restart_eip(&ev) };
        if (makes_double_fault(&ev, f.vector))
            next = (struct cpu_event){ .vector = 8, .kind = EV_FAULT, .has_error = 1,
                                       .error = 0, .eip = restart_eip(&ev) };
        else if (f.vector == 14)
            cpu_set(c, UC_X86_REG_CR2, f.cr2);
        ev = next;
    }
    cpu_request_stop(c, CPU_STOP_SHUTDOWN, "triple fault");
    return -1;
}
