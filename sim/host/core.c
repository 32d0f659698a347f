/* machine.c - builds the host (ring 0) in emulated memory and plays lg.ko's run_guest loop. */
#include "sim/host/lg.h"
#include "sim/host/page_tables.h"
#include "sim/host/layout.h"
#include "abi/lguest.h"
#include "sim/launcher/replay.h"
#include "sim/launcher/term.h"
#include "switcher-model/lguest_pages.h"
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

extern const uint8_t lgsim_host_elf[];
extern const size_t lgsim_host_elf_len;

void kill_guest(struct machine *m, const char *fmt, ...) {
    if (m->dead) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(m->dead_reason, sizeof(m->dead_reason), fmt, ap);
    va_end(ap);
    m->dead = 1;
    m->exit_code = 1;
}

/* --- the Guest's registers live in its regs page, just below the end of page 0 --- */

uint8_t *guest_regs(struct machine *m) {
    return phys_ptr(&m->phys, GUEST_REGS_PHYS + LGUEST_PAGES_regs, LGUEST_REGS_SIZE);
}
uint32_t reg_get(struct machine *m, int off) { return le32(guest_regs(m) + off); }
void reg_set(struct machine *m, int off, uint32_t v) { put_le32(guest_regs(m) + off, v); }

static uint8_t *state_page(struct machine *m) {
    return phys_ptr(&m->phys, SWITCHER_STATE_PHYS, 0x1000);
}

/* --- building the host --- */

static void put_desc(uint8_t *at, uint32_t lo, uint32_t hi) {
    put_le32(at, lo);
    put_le32(at + 4, hi);
}

static void tss_desc(uint8_t *at, uint32_t base, uint32_t type_bits) {
    put_desc(at, (base << 16) | 0x67,
             (base & 0xFF000000u) | ((base >> 16) & 0xFF) | type_bits);
}

static void build_host_tables(struct machine *m) {
    uint8_t *gdt = phys_ptr(&m->phys, HOST_GDT, 0x100);
    put_desc(gdt + LGUEST_CS, 0x0000FFFF, 0x00CF9B00);
    put_desc(gdt + LGUEST_DS, 0x0000FFFF, 0x00CF9300);
    put_desc(gdt + KERNEL_CS, 0x0000FFFF, 0x00CF9B00);
    put_desc(gdt + KERNEL_DS, 0x0000FFFF, 0x00CF9300);
    tss_desc(gdt + TSS_SELECTOR, HOST_TSS, 0x8B00);   /* busy: as after the host's own ltr */

    uint8_t *tss = phys_ptr(&m->phys, HOST_TSS, TSS_SIZE);
    put_le32(tss + TSS_esp0, HOST_STACK_TOP);
    put_le32(tss + TSS_ss0, KERNEL_DS);
    put_le16(tss + TSS_io_bitmap_base, TSS_SIZE);

    uint8_t *idt = phys_ptr(&m->phys, HOST_IDT, 0x800);
    for (int v = 0; v < 256; v++) {
        uint32_t h = v == HOST_TIMER_VECTOR ? m->host_timer : m->host_panic;
        put_desc(idt + v * 8, (KERNEL_CS << 16) | (h & 0xFFFF), (h & 0xFFFF0000u) | 0x8E00);
    }

    /* Host page tables: host RAM identity-mapped with 4 MiB pages; the Switcher on top. */
    uint8_t *pd = phys_ptr(&m->phys, HOST_PGDIR, 0x1000);
    for (uint32_t i = 0; i < HOST_RAM_SIZE >> 22; i++)
        put_le32(pd + i * 4, (i << 22) | PTE_PS | PTE_P | PTE_RW | PTE_A | PTE_D);
    put_le32(pd + 1023 * 4, HOST_SWITCHER_PT | PTE_P | PTE_RW | PTE_A | PTE_D);
    uint8_t *pt = phys_ptr(&m->phys, HOST_SWITCHER_PT, 0x1000);
    put_le32(pt + 0, SWITCHER_TEXT_PHYS | PTE_P | PTE_A | PTE_D);
    put_le32(pt + 4, SWITCHER_REGS_PHYS | PTE_P | PTE_RW | PTE_A | PTE_D);
    put_le32(pt + 8, SWITCHER_STATE_PHYS | PTE_P | PTE_RW | PTE_A | PTE_D);
}

static int load_host_code(struct machine *m, char *err, size_t errlen) {
    if (elf_open(&m->host_elf, lgsim_host_elf, lgsim_host_elf_len, err, errlen)) return -1;
    struct elf_segment s;
    for (int i = 0; elf_load_segment(&m->host_elf, i, &s) == 0; i++) {
        uint8_t *dst = phys_ptr(&m->phys, s.paddr, s.memsz);
        if (!dst) { snprintf(err, errlen, "host code does not fit in host RAM"); return -1; }
        memcpy(dst, m->host_elf.data + s.offset, s.filesz);
    }
    if (elf_symbol(&m->host_elf, "run_guest_once", &m->host_run) ||
        elf_symbol(&m->host_elf, "host_return", &m->host_return) ||
        elf_symbol(&m->host_elf, "host_panic", &m->host_panic) ||
        elf_symbol(&m->host_elf, "host_timer_handler", &m->host_timer) ||
        elf_symbol(&m->host_elf, "switcher_entry", &m->host_entry_ptr) ||
        elf_symbol(&m->host_elf, "host_data", &m->host_data) ||
        elf_symbol(&m->host_elf, "host_data_end", &m->host_data_end)) {
        snprintf(err, errlen, "host code lacks its entry symbols");
        return -1;
    }
    return 0;
}

/* Load the Switcher object (ours or --switcher FILE.o) through the one loader. */
static int load_switcher(struct machine *m, char *err, size_t errlen) {
    const uint8_t *obj = m->opt.switcher_obj ? m->opt.switcher_obj : lgsim_switcher_obj;
    size_t len = m->opt.switcher_obj ? m->opt.switcher_len : lgsim_switcher_obj_len;
    char why[200];
    if (switcher_load(obj, len, SWITCHER_ADDR, &m->sw, why, sizeof(why))) {
        snprintf(err, errlen, "%s: %s", m->opt.switcher_name ? m->opt.switcher_name :
                 "built-in Switcher", why);
        return -1;
    }
    memcpy(phys_ptr(&m->phys, SWITCHER_TEXT_PHYS, 0x1000), m->sw.text, 0x1000);
    phys_write32(&m->phys, m->host_entry_ptr, m->sw.switch_to_guest);
    return 0;
}

/* The state page as lguest_arch_host_init() and setup_guest_gdt() leave it. */
static void init_state_page(struct machine *m) {
    uint8_t *st = state_page(m) - 0x1000;   /* offsets below are from struct lguest_pages */
    put_le32(st + LGUEST_PAGES_host_cr3, HOST_PGDIR);
    put_le16(st + LGUEST_PAGES_host_idt_desc, 0x7FF);
    put_le32(st + LGUEST_PAGES_host_idt_desc + 2, HOST_IDT);
    put_le16(st + LGUEST_PAGES_host_gdt_desc, GDT_ENTRIES * 8 - 1);
    put_le32(st + LGUEST_PAGES_host_gdt_desc + 2, HOST_GDT);
    put_le16(st + LGUEST_PAGES_guest_idt_desc, 0x7FF);
    put_le32(st + LGUEST_PAGES_guest_idt_desc + 2, SWITCHER_PAGES_ADDR + LGUEST_PAGES_guest_idt);
    put_le16(st + LGUEST_PAGES_guest_gdt_desc, GDT_ENTRIES * 8 - 1);
    put_le32(st + LGUEST_PAGES_guest_gdt_desc + 2, SWITCHER_PAGES_ADDR + LGUEST_PAGES_guest_gdt);
    uint8_t *tss = st + LGUEST_PAGES_guest_tss;
    /* A trap from the Guest pushes its frame onto the end of the regs page, where the stub
     * completes struct lguest_regs. */
    put_le32(tss + TSS_esp0, SWITCHER_PAGES_ADDR + LGUEST_PAGES_regs + LGUEST_REGS_SIZE);
    put_le32(tss + TSS_ss0, LGUEST_DS);
    put_le16(tss + TSS_io_bitmap_base, TSS_SIZE);   /* past the limit: every port denied */
    uint8_t *gdt = st + LGUEST_PAGES_guest_gdt;
    put_desc(gdt + LGUEST_CS, 0x0000FFFF, 0x00CF9B00);
    put_desc(gdt + LGUEST_DS, 0x0000FFFF, 0x00CF9300);
    tss_desc(gdt + TSS_SELECTOR, SWITCHER_PAGES_ADDR + LGUEST_PAGES_guest_tss, 0x8900);
}

/* --- the Switcher's footprint in traces --- */

static void finish_switch_record(struct machine *m, struct rec_switch *r) {
    r->switcher_insns = (uint32_t)m->switch_insns_now;
    r->now_ns = m->cpu.now_ns;
    r->first_sym = switcher_symbolize(&m->sw, r->first_insn, &r->first_off);
    r->last_sym = switcher_symbolize(&m->sw, r->last_insn, &r->last_off);
    if (!r->first_sym) r->first_sym = "?";
    if (!r->last_sym) r->last_sym = "?";
    rec_switch(&m->rec, r);
    m->switch_insns_now = 0;
}

static void on_switcher_insn(void *ctx, uint32_t addr, uint32_t size) {
    struct machine *m = ctx;
    struct rec_switch *r = m->entering.to_guest ? &m->entering : &m->leaving;
    if (m->switch_insns_now++ == 0) r->first_insn = addr;
    r->last_insn = addr;
    m->n_switch_insns++;
}

/* The host -> guest record waits until the Guest has left the Switcher: its length is only
 * known then.  Whatever is recorded next during the run (a retry, the trap) writes it first. */
static void record_entering(struct machine *m) {
    if (!m->entering_unrecorded) return;
    m->entering_unrecorded = 0;
    const struct shadow *s = &m->shadow;
    REC(&m->rec, m->run_start_ns, TK_TO_GUEST, m->entering.eip, m->entering.cs,
        m->entering.cs & 3, s->linear ? 0 : s->pgdirs[s->cur].gpgdir, s->root,
        (uint32_t)(m->cpu.mark_end_ns - m->run_start_ns));
}

static void record_leaving(struct machine *m) {
    const struct shadow *s = &m->shadow;
    const struct rec_switch *l = &m->leaving;
    REC(&m->rec, m->trap_ns, TK_TO_HOST, l->vector, l->errcode, l->eip, l->cs, l->cs & 3,
        s->linear ? 0 : s->pgdirs[s->cur].gpgdir, s->root,
        (uint32_t)(m->cpu.mark_end_ns - m->trap_ns), l->vector == 14 ? m->cr2 : 0,
        reg_get(m, LGUEST_REGS_esp));
}

/* The CPU reached the instruction of an open page-fault round trip, in the same address
 * space: the Guest is retrying it. */
static void on_watched(void *ctx, uint32_t eip, uint64_t now) {
    struct machine *m = ctx;
    if (cpu_get(&m->cpu, CPU_REG_CR3) != m->rec.rt_shadow) return;
    m->cpu.watch_addr = UINT64_MAX;
    record_entering(m);
    REC(&m->rec, now, TK_RETRY, eip);
}

/* A delivery from the Guest into a Switcher stub starts a guest->host switch. */
static void on_delivered(void *ctx, const struct cpu_delivery *d) {
    struct machine *m = ctx;
    if (m->debug_delivered) m->debug_delivered(m->debug_ctx, d);
    int into_switcher = d->to_eip >= SWITCHER_ADDR && d->to_eip < SWITCHER_ADDR + 0x1000;
    if (!into_switcher || d->from_cpl == 0)
        return;
    record_entering(m);
    m->trap_ns = m->cpu.now_ns;
    m->trapped = 1;
    if (m->entering.to_guest) {
        finish_switch_record(m, &m->entering);
        m->entering.to_guest = 0;
    }
    m->leaving = (struct rec_switch){ .to_guest = 0, .cpl_before = (int)d->from_cpl };
}

/* --- timers on the virtual clock --- */

/* The CPU calls back at the earlier of the host's next tick and the Guest's clockevent. */
void machine_arm_timers(struct machine *m) {
    uint64_t next = m->next_tick_ns;
    if (m->clockevent_ns && m->clockevent_ns < next) next = m->clockevent_ns;
    cpu_set_deadline(&m->cpu, next);
}

/* Whatever is due at 'now': the Guest's clockevent raises its IRQ 0 (4.4's hrtimer callback
 * does set_interrupt(cpu, 0)); a tick that passed is not repeated.  Returns whether anything
 * fired. */
static int fire_timers(struct machine *m, uint64_t now) {
    int fired = 0;
    if (m->clockevent_ns && now >= m->clockevent_ns) {
        m->clockevent_ns = 0;
        set_interrupt(m, 0);
        fired = 1;
    }
    if (now >= m->next_tick_ns) {
        m->next_tick_ns += HOST_TIMER_PERIOD_NS * ((now - m->next_tick_ns) / HOST_TIMER_PERIOD_NS + 1);
        fired = 1;
    }
    machine_arm_timers(m);
    return fired;
}

/* A timer expired while the CPU runs: on a real host both come in as the local APIC timer
 * interrupt, which takes the Guest out through the Switcher (deliver_to_host). */
static void on_deadline(void *ctx, uint64_t now) {
    struct machine *m = ctx;
    record_entering(m);   /* a timer during a run comes after the switch that started it */
    if (fire_timers(m, now))
        cpu_raise_irq(&m->cpu, HOST_TIMER_VECTOR);
}

/* --- set-up --- */

static int map_memory(struct machine *m, char *err, size_t errlen) {
    /* Like the launcher: guest RAM plus 256 pages above it for the old device area. */
    uint32_t guest_bytes = m->mem + DEVICE_PAGES * 0x1000;
    if (phys_add(&m->phys, "host RAM", HOST_RAM_BASE, HOST_RAM_SIZE, err, errlen) ||
        phys_add(&m->phys, "guest RAM", GUEST_PHYS_BASE, guest_bytes, err, errlen))
        return -1;
    return 0;
}

static int start_host_cpu(struct machine *m, char *err, size_t errlen) {
    struct cpu_hooks hooks = { .ctx = m, .delivered = on_delivered, .deadline = on_deadline,
                               .watched = on_watched };
    if (cpu_open(&m->cpu, &m->phys, &hooks, err, errlen)) return -1;
    struct cpu *c = &m->cpu;
    cpu_set_table(c, CPU_REG_GDTR, HOST_GDT, GDT_ENTRIES * 8 - 1);
    cpu_set_table(c, CPU_REG_IDTR, HOST_IDT, 0x7FF);
    cpu_set_tr(c, TSS_SELECTOR, HOST_TSS, 0x67);
    cpu_set(c, CPU_REG_CR3, HOST_PGDIR);
    /* A Linux host on an SSE CPU runs with OSFXSR and OSXMMEXCPT on; the Guest inherits them
     * (it cannot write CR4), and its user programs use SSE because CPUID says they may. */
    cpu_set_cr4(c, CR4_PSE | CR4_OSFXSR | CR4_OSXMMEXCPT);
    cpu_set(c, CPU_REG_CR0, CR0_PG | CR0_WP | CR0_PE | 0x10);
    if (cpu_load_segments(c, KERNEL_CS, KERNEL_DS, KERNEL_DS, HOST_STACK_TOP)) {
        snprintf(err, errlen, "cannot enter the host's ring 0");
        return -1;
    }
    m->next_tick_ns = HOST_TIMER_PERIOD_NS;
    machine_arm_timers(m);
    /* The Switcher's page: its share of each switch goes into traces, and leaving it is when
     * the Guest's null FS/GS get their guard (cpu/segment.c). */
    c->mark_lo = SWITCHER_ADDR;
    c->mark_size = 0x1000;
    c->null_seg_poison = NULL_SEG_POISON;
    if (m->opt.trace_switches)
        cpu_hook_code(c, &m->h_switcher, SWITCHER_ADDR, SWITCHER_ADDR + 0xFFF, on_switcher_insn,
                      m);
    return 0;
}

static void name_input(struct trace_input *in, const char *role, const char *path) {
    const char *slash = path ? strrchr(path, '/') : NULL;
    snprintf(in->role, sizeof(in->role), "%s", role);
    snprintf(in->name, sizeof(in->name), "%s", !path ? "(built-in)" : slash ? slash + 1 : path);
}

/* A file the machine does not hold in memory (a disk image): hashed as it is at the start. */
static int hash_file(struct trace_input *in, const char *path, char *err, size_t errlen) {
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errlen, "cannot read %s for the trace header: %s", path, strerror(errno));
        return -1;
    }
    static uint8_t buf[1 << 16];
    size_t n;
    in->hash = TRACE_HASH_START;
    while ((n = fread(buf, 1, sizeof(buf), f)) > 0) {
        in->hash = trace_hash_more(in->hash, buf, n);
        in->size += n;
    }
    int bad = ferror(f);
    fclose(f);
    if (bad) snprintf(err, errlen, "cannot read %s for the trace header", path);
    return bad ? -1 : 0;
}

/* The trace header names the inputs by file name and hash, never by where they are. */
static int run_header(struct machine *m, struct trace_header *hp, char *err, size_t errlen) {
    static struct trace_header h;
    h = (struct trace_header){ .version = TRACE_VERSION, .n_inputs = 1 };
    snprintf(h.lgsim_version, sizeof(h.lgsim_version), "%s", LGSIM_VERSION);
    snprintf(h.options, sizeof(h.options), "%s", m->opt.options_text ? m->opt.options_text : "");
    struct trace_input *in = &h.inputs[0];
    name_input(in, "kernel", m->opt.kernel_path);
    in->size = m->opt.kernel_len;
    in->hash = trace_hash(m->opt.kernel, m->opt.kernel_len);
    if (m->opt.initrd) {
        in = &h.inputs[h.n_inputs++];
        name_input(in, "initrd", m->opt.initrd_path);
        in->size = m->opt.initrd_len;
        in->hash = trace_hash(m->opt.initrd, m->opt.initrd_len);
    }
    for (int i = 0; i < m->opt.n_devices && h.n_inputs < TRACE_INPUTS_MAX; i++) {
        if (m->opt.devices[i].kind != DEV_BLOCK) continue;
        in = &h.inputs[h.n_inputs++];
        name_input(in, "block", m->opt.devices[i].path);
        if (hash_file(in, m->opt.devices[i].path, err, errlen)) return -1;
    }
    *hp = h;
    return 0;
}

static int open_trace(struct machine *m, const struct trace_header *h, char *err,
                      size_t errlen) {
    if (trace_writer_open(&m->trace, m->opt.trace_path, h, err, errlen)) return -1;
    m->rec.w = &m->trace;
    return 0;
}

/* --replay: the old trace must be a run of this machine (replay.c says what is compared). */
static int open_replay(struct machine *m, const struct trace_header *h, char *err,
                       size_t errlen) {
    static struct replay rp;
    char warn[400];
    if (replay_open(&rp, m->opt.replay_path, h, warn, sizeof(warn), err, errlen)) return -1;
    if (warn[0]) fprintf(stderr, "lgsim: %s\n", warn);
    m->replay = &rp;
    return 0;
}

static int open_traces(struct machine *m, char *err, size_t errlen) {
    static struct trace_header h;
    if (!m->opt.trace_path && !m->opt.replay_path) return 0;
    if (run_header(m, &h, err, errlen)) return -1;
    if (m->opt.replay_path && open_replay(m, &h, err, errlen)) return -1;
    return m->opt.trace_path ? open_trace(m, &h, err, errlen) : 0;
}

int machine_close_trace(struct machine *m, char *err, size_t errlen) {
    if (!m->rec.w) return 0;
    m->rec.w = NULL;
    return trace_writer_close(&m->trace, err, errlen);
}

int machine_init(struct machine *m, const struct machine_options *opt, char *err, size_t errlen) {
    memset(m, 0, sizeof(*m));
    m->opt = *opt;
    m->mem = opt->mem_mb << 20;
    m->rec.switches = opt->trace_file;
    if (open_traces(m, err, errlen)) return -1;
    if (map_memory(m, err, errlen) || load_host_code(m, err, errlen)) return -1;
    build_host_tables(m);
    if (load_switcher(m, err, errlen)) return -1;
    init_state_page(m);
    setup_guest_gdt(m);
    if (devices_init(m, err, errlen)) return -1;
    shadow_init(&m->shadow, &m->phys, SHADOW_POOL, SHADOW_POOL_END, GUEST_PHYS_BASE, m->mem,
                devices_limit(m), SWITCHER_ADDR);
    m->shadow.sw_text = SWITCHER_TEXT_PHYS;
    m->shadow.sw_regs = GUEST_REGS_PHYS;
    m->shadow.sw_state = SWITCHER_STATE_PHYS;
    pagetables_trace(m);
    if (shadow_init_guest(&m->shadow, err, errlen)) return -1;
    m->changed_idt = 1;
    if (start_host_cpu(m, err, errlen)) return -1;
    return boot_guest(m, err, errlen);
}

void machine_free(struct machine *m) {
    char ignored[8];
    machine_close_trace(m, ignored, sizeof(ignored));
    if (m->replay) replay_close(m->replay);
    m->replay = NULL;
    devices_close(m);
    host_guard_free(m);
    cpu_close(&m->cpu);
    phys_free(&m->phys);
}

/* --- the loop (Linux 4.4 drivers/lguest/core.c run_guest) --- */

static void report_host_stop(struct machine *m, enum cpu_stop stop) {
    if (m->dead) return;   /* already killed during the run (by the debugger): that is why */
    uint32_t eip = cpu_get(&m->cpu, CPU_REG_EIP);
    m->dead = 1;
    m->exit_code = 2;
    if (stop == CPU_STOP_HLT && eip == m->host_panic + 1)
        snprintf(m->dead_reason, sizeof(m->dead_reason),
                 "simulator: exception in host mode (a bug in lgsim's host): %s",
                 m->cpu.stop_msg);
    else
        snprintf(m->dead_reason, sizeof(m->dead_reason), "simulator: CPU stopped (%s): %s",
                 cpu_stop_name(stop), m->cpu.stop_msg);
}

/* One trip into the Guest and back (run_guest_once), through the real Switcher. */
static void run_guest_once(struct machine *m) {
    copy_in_guest_info(m);
    reg_set(m, LGUEST_REGS_trapnum, 256);   /* no real trap has this number */
    struct cpu *c = &m->cpu;
    cpu_set(c, CPU_REG_EAX, SWITCHER_PAGES_ADDR);
    shadow_map_switcher_in_guest(&m->shadow);   /* 4.4 does it in copy_in_guest_info */
    cpu_set(c, CPU_REG_EBX, m->shadow.root); /* the current slot's shadow directory */
    cpu_set(c, CPU_REG_EFLAGS, 0x2);     /* host interrupts off, as local_irq_disable */
    uint32_t gcs = reg_get(m, LGUEST_REGS_cs);
    m->entering = (struct rec_switch){ .to_guest = 1, .eip = reg_get(m, LGUEST_REGS_eip),
                                    .cs = gcs, .cpl_before = 0, .cpl_after = (int)(gcs & 3) };
    m->switch_insns_now = 0;
    m->run_start_ns = c->now_ns;
    m->entering_unrecorded = m->rec.w != NULL;
    m->trapped = 0;
    int64_t watch = rec_retry_watch(&m->rec);
    c->watch_addr = watch < 0 ? UINT64_MAX : (uint64_t)watch;
    /* The Guest asked for CR0.TS (LHCALL_TS): run it with TS set so its first FPU instruction
     * raises #NM; the host clears TS again once the Guest is out. */
    if (m->ts) cpu_set(c, CPU_REG_CR0, cpu_get(c, CPU_REG_CR0) | CR0_TS);
    /* The run ends at the hlt at host_return: no stop address, so the host routine's code is
     * translated once for the whole run instead of on every world switch. */
    /* The Switcher will pop these; a null one gets its guard once the Guest runs. */
    c->guard_pending = ((reg_get(m, LGUEST_REGS_fs) & 0xFFFC) == 0 ? 1u : 0u) |
                       ((reg_get(m, LGUEST_REGS_gs) & 0xFFFC) == 0 ? 2u : 0u);
    m->running = 1;
    enum cpu_stop stop = cpu_run(c, m->host_run, CPU_RUN_TO_HLT);
    m->running = 0;
    if (stop == CPU_STOP_HLT && cpu_get(c, CPU_REG_EIP) == m->host_return + 1)
        stop = CPU_STOP_UNTIL;
    if (m->ts) cpu_set(c, CPU_REG_CR0, cpu_get(c, CPU_REG_CR0) & ~CR0_TS);
    m->n_runs++;
    if (stop != CPU_STOP_UNTIL) {
        report_host_stop(m, stop);
        return;
    }
    if (m->entering.to_guest) {   /* the Guest never ran (e.g. a fault in the Switcher's pops) */
        finish_switch_record(m, &m->entering);
        m->entering.to_guest = 0;
    }
    m->leaving.vector = reg_get(m, LGUEST_REGS_trapnum);
    m->leaving.errcode = reg_get(m, LGUEST_REGS_errcode);
    m->leaving.eip = reg_get(m, LGUEST_REGS_eip);
    m->leaving.cs = reg_get(m, LGUEST_REGS_cs);
    m->leaving.cpl_after = cpu_cpl(c);
    if (m->leaving.vector == 14) m->cr2 = cpu_get(c, CPU_REG_CR2);
    m->n_exits[m->leaving.vector <= 256 ? m->leaving.vector : 256]++;
    finish_switch_record(m, &m->leaving);
    record_entering(m);
    if (m->trapped) record_leaving(m);
}

static int out_of_time(struct machine *m) {
    if (!m->opt.max_ns || m->cpu.now_ns < m->opt.max_ns)
        return 0;
    kill_guest(m, "guest still running after %llu ms of virtual time (--max-time)",
               (unsigned long long)(m->opt.max_ns / 1000000));
    m->exit_code = 3;
    return 1;
}

/*
 * The Guest is halted and nothing it accepts is pending.  Real lguest sleeps until a timer or
 * a device wakes it; lgsim's clock is virtual, so idle time passes in one step.  First the
 * devices may give it input (devices.c says when); otherwise the clock jumps to the Guest's
 * next timer, or to a network backend's (the Guest then stays halted).  With no timer armed
 * and nothing that could ever wake it, waiting would be a hang: the run stops with a reason
 * (cleanly when the console's input has ended).
 */
static void idle(struct machine *m) {
    uint64_t wake = m->clockevent_ns;
    if (m->opt.max_ns && (!wake || wake > m->opt.max_ns)) wake = m->opt.max_ns;
    uint64_t guest_wake = wake;
    enum idle_input in = devices_idle_input(m, &wake);
    if (in == INPUT_DELIVERED || in == INPUT_INTERRUPTED || m->dead)
        return;
    if (!m->clockevent_ns && wake == guest_wake) {
        if (in == INPUT_ENDED) {
            m->dead = 1;
            m->exit_code = 0;
            snprintf(m->dead_reason, sizeof(m->dead_reason), "console input ended and the "
                     "guest is idle with no timer armed: stopping");
        } else {
            kill_guest(m, "guest halted with no timer armed and no device that could wake it");
        }
        return;
    }
    if (wake > m->cpu.now_ns) {
        REC(&m->rec, m->cpu.now_ns, TK_HALT, (uint32_t)(wake - m->cpu.now_ns));
        m->n_idle_ns += wake - m->cpu.now_ns;
        m->cpu.now_ns = wake;
    }
    fire_timers(m, m->cpu.now_ns);   /* the host was asleep: no interrupt reaches the CPU */
}

/* SIGINT, SIGTERM or SIGHUP: the run ends here, so the trace and disks are closed properly. */
static int stop_requested(struct machine *m) {
    int sig = term_stop_signal();
    if (!sig) return 0;
    kill_guest(m, "stopped by signal %d", sig);
    m->exit_code = 128 + sig;
    return 1;
}

int machine_run(struct machine *m) {
    host_guard_begin(m);
    while (!m->dead) {
        if (m->hcall_pending) {
            do_hypercall(m);
            if (m->dead) break;
        }
        if (m->pending.trap) {
            launcher_handle_pending(m);
            continue;
        }
        if (out_of_time(m) || stop_requested(m) || replay_stop_due(m))
            break;
        devices_poll_input(m);
        unsigned irq = interrupt_pending(m);
        if (irq < LGUEST_IRQS)
            try_deliver_interrupt(m, irq);
        if (m->dead)
            break;
        if (m->halted) {
            if (interrupt_pending(m) == LGUEST_IRQS) idle(m);
            continue;
        }
        run_guest_once(m);
        if (!m->dead) handle_trap(m);
    }
    rec_text(&m->rec, m->cpu.now_ns, TK_DEATH, (uint32_t)m->exit_code, m->dead_reason);
    rec_finish(&m->rec, m->cpu.now_ns);
    if (host_guard_end(m)) {
        fprintf(stderr, "lgsim: simulator bug: host memory at %#x changed while the guest ran "
                "(%s)\n", m->host_changed_at, m->dead_reason);
        m->exit_code = 2;
    }
    return m->exit_code;
}
