/* segments.c - the Guest's GDT and IDT as the Host keeps them (segments.c, interrupts_and_traps.c). */
#include "sim/machine.h"
#include "sim/layout.h"
#include "sim/lguest.h"
#include "switcher-model/lguest_pages.h"
#include <string.h>

static uint8_t *pages(struct machine *m) {
    return phys_ptr(&m->phys, SWITCHER_REGS_PHYS, LGUEST_PAGES_SIZE);
}

/* Entries the Host owns in the Guest's GDT: the Guest may not touch them. */
static int ignored_gdt(unsigned i) {
    return i == GDT_ENTRY_TSS || i == GDT_ENTRY_LGUEST_CS || i == GDT_ENTRY_LGUEST_DS ||
           i == GDT_ENTRY_DOUBLEFAULT_TSS;
}

/* 4.4's fix-up: DPL 0 becomes DPL 1 (the Guest kernel runs in ring 1), and the accessed bit is
 * forced on so the CPU never needs to write to the read-only GDT page. */
static void fixup_gdt_entry(struct machine *m, unsigned i) {
    if (ignored_gdt(i)) return;
    if (((m->gdt[i][1] >> 13) & 3) == 0)
        m->gdt[i][1] |= GUEST_PL << 13;
    m->gdt[i][1] |= 0x100;
}

void setup_guest_gdt(struct machine *m) {
    memset(m->gdt, 0, sizeof(m->gdt));
    m->gdt[GDT_ENTRY_KERNEL_CS][0] = 0x0000FFFF;
    m->gdt[GDT_ENTRY_KERNEL_CS][1] = 0x00CFBB00;
    m->gdt[GDT_ENTRY_KERNEL_DS][0] = 0x0000FFFF;
    m->gdt[GDT_ENTRY_KERNEL_DS][1] = 0x00CFB300;
    m->changed_gdt = 1;
}

void load_guest_gdt_entry(struct machine *m, uint32_t num, uint32_t lo, uint32_t hi) {
    if (num >= GDT_ENTRIES) {
        kill_guest(m, "too many gdt entries %i", (int)num);
        return;
    }
    m->gdt[num][0] = lo;
    m->gdt[num][1] = hi;
    fixup_gdt_entry(m, num);
    m->changed_gdt = 1;
}

/* --- the IDT --- */

static int idt_present(const uint32_t e[2]) { return (e[1] & 0x8000) != 0; }
static int idt_type(const uint32_t e[2]) { return (int)(e[1] >> 8) & 0xF; }

void load_guest_idt_entry(struct machine *m, uint32_t num, uint32_t lo, uint32_t hi) {
    /* NMI, double fault, spurious and the hypercall vector stay the Host's. */
    if (num == 2 || num == 8 || num == 15 || num == LGUEST_TRAP_ENTRY)
        return;
    m->changed_idt = 1;
    if (num >= IDT_ENTRIES) {
        kill_guest(m, "Setting idt entry %u", num);
        return;
    }
    uint32_t e[2] = { lo, hi };
    if (!idt_present(e)) {
        m->idt[num][0] = m->idt[num][1] = 0;
        return;
    }
    if (idt_type(e) != 0xE && idt_type(e) != 0xF) {
        kill_guest(m, "bad IDT type %i", idt_type(e));
        return;
    }
    m->idt[num][0] = ((uint32_t)GUEST_KERNEL_CS << 16) | (lo & 0xFFFF);
    m->idt[num][1] = hi & 0xFFFFEF00;
}

/* Traps the Guest may take without a world switch: never 7 (FPU), 13 (I/O emulation), 14
 * (shadow paging) or the hypercall vector, and only exceptions and the system-call vector. */
static int direct_trap(unsigned num) {
    if (num >= FIRST_EXTERNAL_VECTOR && num != SYSCALL_VECTOR)
        return 0;
    return num != 7 && num != 13 && num != 14 && num != LGUEST_TRAP_ENTRY;
}

static void default_idt_entry(uint8_t *at, unsigned vec, uint32_t stub, const uint32_t *guest) {
    uint32_t flags = 0x8E00;   /* present, DPL 0, 32-bit interrupt gate */
    if (vec == LGUEST_TRAP_ENTRY)
        flags |= GUEST_PL << 13;            /* the Guest kernel may make hypercalls */
    else if (guest)
        flags |= guest[1] & 0x6000;         /* keep the Guest's DPL, e.g. int3 from user */
    put_le32(at, ((uint32_t)LGUEST_CS << 16) | (stub & 0xFFFF));
    put_le32(at + 4, (stub & 0xFFFF0000u) | flags);
}

/* copy_traps(): the real IDT the CPU uses while the Guest runs. */
static void copy_traps(struct machine *m) {
    uint8_t *idt = pages(m) + LGUEST_PAGES_guest_idt;
    for (unsigned i = 0; i < IDT_ENTRIES; i++) {
        if (!direct_trap(i)) {
            default_idt_entry(idt + i * 8, i, m->sw.idt_stubs[i], NULL);
        } else if (idt_type(m->idt[i]) == 0xF && idt_present(m->idt[i])) {
            put_le32(idt + i * 8, m->idt[i][0]);   /* straight to the Guest, in ring 1 */
            put_le32(idt + i * 8 + 4, m->idt[i][1]);
        } else {
            default_idt_entry(idt + i * 8, i, m->sw.idt_stubs[i], m->idt[i]);
        }
    }
}

static void copy_gdt(struct machine *m) {
    uint8_t *gdt = pages(m) + LGUEST_PAGES_guest_gdt;
    for (unsigned i = 0; i < GDT_ENTRIES; i++)
        if (!ignored_gdt(i)) {
            put_le32(gdt + i * 8, m->gdt[i][0]);
            put_le32(gdt + i * 8 + 4, m->gdt[i][1]);
        }
}

/* copy_in_guest_info(): what changed since the last run goes into the Switcher's pages. */
void copy_in_guest_info(struct machine *m) {
    uint8_t *tss = pages(m) + LGUEST_PAGES_guest_tss;
    put_le32(tss + TSS_esp1, m->esp1);
    put_le16(tss + TSS_ss1, (uint16_t)m->ss1);
    if (m->changed_idt) copy_traps(m);
    if (m->changed_gdt) copy_gdt(m);
    m->changed_idt = m->changed_gdt = 0;
}

/* --- reflecting a trap or interrupt into the Guest (set_guest_interrupt) --- */

static int has_err(unsigned trap) {
    return trap == 8 || (trap >= 10 && trap <= 14) || trap == 17;
}

/* Push onto the Guest's stack, through guest-physical memory, as 4.4's push_guest_stack. */
static void push_guest_stack(struct machine *m, uint32_t *gstack, uint32_t val) {
    *gstack -= 4;
    uint8_t v[4];
    put_le32(v, val);
    lguest_write(m, *gstack, v, 4);
}

static void set_guest_interrupt(struct machine *m, const uint32_t e[2], int err) {
    uint32_t ss, virtstack, gstack, origstack = reg_get(m, LGUEST_REGS_esp);
    if ((reg_get(m, LGUEST_REGS_ss) & 3) != GUEST_PL) {
        virtstack = m->esp1;           /* from user: the kernel stack SET_STACK gave us */
        ss = m->ss1;
    } else {
        virtstack = origstack;
        ss = reg_get(m, LGUEST_REGS_ss);
    }
    /* Like 4.4, translate the stack top once and assume the frame is physically contiguous. */
    if (shadow_guest_pa(&m->shadow, virtstack, &gstack)) {
        kill_guest(m, "Bad address %#x", virtstack);
        return;
    }
    uint32_t start = gstack;
    if ((reg_get(m, LGUEST_REGS_ss) & 3) != GUEST_PL) {
        push_guest_stack(m, &gstack, reg_get(m, LGUEST_REGS_ss));
        push_guest_stack(m, &gstack, origstack);
    }
    /* The Guest's virtual interrupt flag goes into the EFLAGS it will see. */
    uint32_t irq_enabled = 0, eflags = reg_get(m, LGUEST_REGS_eflags);
    lguest_data_get(m, LGD_irq_enabled, &irq_enabled);
    eflags = (eflags & ~EFLAGS_IF) | (irq_enabled & EFLAGS_IF);
    push_guest_stack(m, &gstack, eflags);
    push_guest_stack(m, &gstack, reg_get(m, LGUEST_REGS_cs));
    push_guest_stack(m, &gstack, reg_get(m, LGUEST_REGS_eip));
    if (err) push_guest_stack(m, &gstack, reg_get(m, LGUEST_REGS_errcode));

    reg_set(m, LGUEST_REGS_ss, ss);
    reg_set(m, LGUEST_REGS_esp, virtstack + (gstack - start));
    reg_set(m, LGUEST_REGS_cs, GUEST_KERNEL_CS);
    reg_set(m, LGUEST_REGS_eip, (e[0] & 0xFFFF) | (e[1] & 0xFFFF0000u));
    reg_set(m, LGUEST_REGS_eflags, reg_get(m, LGUEST_REGS_eflags) &
            ~(EFLAGS_TF | EFLAGS_VM | EFLAGS_RF | EFLAGS_NT));
    if (idt_type(e) == 0xE)   /* an interrupt gate disables (virtual) interrupts */
        lguest_data_put(m, LGD_irq_enabled, 0);
    m->n_traps_reflected++;
}

/* deliver_trap(): 0 when the Guest has a handler for num, -1 when it cannot be delivered. */
int deliver_trap(struct machine *m, unsigned num) {
    if (num >= IDT_ENTRIES || !idt_present(m->idt[num]))
        return -1;
    set_guest_interrupt(m, m->idt[num], has_err(num));
    return 0;
}
