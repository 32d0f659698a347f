/* monitor.c - lguest-aware "monitor" commands: where we are, the Host's view of the Guest. */
#include "debugger.h"
#include "sim/host/layout.h"
#include "abi/lguest.h"
#include "switcher-model/lguest_pages.h"
#include "traces/number.h"
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

void say(struct monitor_out *out, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0 || out->oom) return;
    if (out->len + (size_t)n + 1 > out->cap) {
        size_t cap = (out->len + (size_t)n + 1) * 2;
        char *bigger = realloc(out->text, cap);
        if (!bigger) {
            out->oom = 1;
            return;
        }
        out->text = bigger;
        out->cap = cap;
    }
    va_start(ap, fmt);
    vsnprintf(out->text + out->len, out->cap - out->len, fmt, ap);
    va_end(ap);
    out->len += (size_t)n;
}

static void help(struct monitor_out *out) {
    say(out,
"lgsim monitor commands:\n"
"  where                 the world (host, Switcher, guest kernel, guest user), CPL, symbol,\n"
"                        trace record number and page-fault round trip now open\n"
"  view [current|physical|host|shadow|guest]   the address space gdb reads and writes\n"
"  until switch|pf|hcall [N]|off   make the next continue stop at the next world switch,\n"
"                        page fault, or hypercall (of number N)\n"
"  regs                  the Guest's registers as the Host holds them (struct lguest_regs)\n"
"  lguest_data           the Guest's struct lguest_data\n"
"  idt | gdt             the Guest's IDT and GDT as the Host holds them\n"
"  walk ADDR             ADDR through the Guest's page table and the shadow, side by side;\n"
"                        ADDR is a number (0x... or decimal), eip, esp, ebp or cr2 (the CPU's\n"
"                        now), or a symbol of the guest kernel (lguest_data)\n"
"  pt [FROM TO]          the Guest's page tables and the shadow over [FROM, TO) (all of it\n"
"                        without), side by side: runs of pages mapped alike merged, flags\n"
"                        P W U A D G PS (W and U as the directory entry allows them too)\n"
"  trace [N]             the last N trace records (with --trace)\n"
"  back [N]              go N instructions back (1); gdb then needs\n"
"                        'maintenance flush register-cache' (lgsim-back N does both)\n"
"  back switch|pf|hcall[=NR] [N]   go back to the N-th last world switch, page fault or\n"
"                        hypercall (of number NR) before here (1), to the instruction where\n"
"                        'until' stops going forwards (lgsim-back-to pf N does the flush too)\n"
"  save FILE             save the machine at the next turn of the Launcher, for\n"
"                        lgsim --restore=FILE, and come back here\n"
"  step-irqs on|off      whether a step goes into interrupts (on) or runs them through\n"
"  host-writes on|off    whether gdb may write host memory outside the guest's (off: refused;\n"
"                        on: the containment check at exit names the debugger as writer)\n");
}

/* " <name+0x10>" for a Guest address, or "". */
static const char *guest_tag(struct debugger *d, uint32_t addr, char *buf, size_t len) {
    if (d->opt.symbols) return symtab_tag(d->opt.symbols, addr, buf, len);
    snprintf(buf, len, "%s", "");
    return buf;
}

static void where(struct debugger *d, struct monitor_out *out) {
    struct lguest *lg = d->lg;
    uint32_t eip = cpu_get(d->k.c, CPU_REG_EIP), off = 0;
    const char *sym = control_symbol(&d->k, eip, &off);
    say(out, "%s, cpl %d, eip %#x", control_world_name(control_world(&d->k)),
            cpu_cpl(d->k.c), eip);
    if (sym && off) say(out, " <%s+%#x>", sym, off);
    else if (sym) say(out, " <%s>", sym);
    say(out, ", cr3 %#x\n", cpu_get(d->k.c, CPU_REG_CR3));
    say(out, "virtual time %llu ns, world switches %llu\n",
            (unsigned long long)d->k.c->now_ns, (unsigned long long)lg->count.n_runs);
    say(out, "debugger pauses %llu; resumed blocks that ran past their paid end %llu\n",
            (unsigned long long)d->k.c->pause.n_pauses, (unsigned long long)d->k.c->pause.n_regrown);
    say(out, "hooks: %d breakpoint%s, every-instruction %s (made %llu times), memory %s; "
            "%llu hook calls\n", d->k.n_exec, d->k.n_exec == 1 ? "" : "s", d->k.have_all ? "on" : "off",
            (unsigned long long)d->k.n_all_made, d->k.have_mem ? "on" : "off",
            (unsigned long long)d->k.n_hook_calls);
    if (!lg->rec->w) {
        say(out, "trace: none (run with --trace=FILE for record numbers)\n");
        return;
    }
    say(out, "trace: record %llu is next", (unsigned long long)lg->rec->w->n_records);
    if (lg->rec->rt_state != RT_IDLE) say(out, "; round trip %u is open", lg->rec->rt);
    else say(out, "; no round trip open (last %u)", lg->rec->last_rt);
    say(out, "\n");
}

static int set_view(struct debugger *d, const char *arg, struct monitor_out *out) {
    for (int v = VIEW_CURRENT; v <= VIEW_GUEST; v++)
        if (!strcmp(arg, view_name((enum view)v))) d->view = (enum view)v;
    int bad = *arg && strcmp(arg, view_name(d->view));
    if (bad) say(out, "unknown view '%s'\n", arg);
    say(out, "memory view: %s\n", view_name(d->view));
    return bad ? -1 : 0;
}

static int until(struct debugger *d, const char *arg, struct monitor_out *out) {
    char what[16] = "";
    int used = 0;
    uint64_t nr = ~0u;
    sscanf(arg, "%15s %n", what, &used);
    const char *num = used ? arg + used : "";
    if (*num && (strcmp(what, "hcall") || number_parse(num, 0, 0, ~0u - 1, &nr))) {
        say(out, "until: bad number '%s' (until hcall N: a hypercall number)\n", num);
        return -1;
    }
    d->k.until_hit = 0;
    d->k.until_nr = (uint32_t)nr;
    if (!strcmp(what, "switch")) d->k.until = UNTIL_SWITCH;
    else if (!strcmp(what, "pf")) d->k.until = UNTIL_PF;
    else if (!strcmp(what, "hcall")) d->k.until = UNTIL_HCALL;
    else if (!strcmp(what, "off")) d->k.until = UNTIL_NONE;
    else { say(out, "until what? switch, pf, hcall [N] or off\n"); return -1; }
    if (d->k.until == UNTIL_NONE) say(out, "until: off\n");
    else if (d->k.until == UNTIL_HCALL && d->k.until_nr != ~0u)
        say(out, "the next continue stops at hypercall %u (%s)\n", d->k.until_nr,
                trace_hcall_name(d->k.until_nr) ? trace_hcall_name(d->k.until_nr) : "?");
    else say(out, "the next continue stops at the next %s\n", what);
    return 0;
}

static void show_regs(struct debugger *d, struct monitor_out *out) {
    static const char *names[] = { "eax", "ebx", "ecx", "edx", "esi", "edi", "ebp", "gs", "fs",
                                   "ds", "es", "trapnum", "errcode", "eip", "cs", "eflags",
                                   "esp", "ss" };
    uint8_t *r = guest_regs(d->lg);
    say(out, "lguest_regs (host-physical %#x):\n", GUEST_REGS_PHYS + LGUEST_PAGES_regs);
    for (int i = 0; i < 18; i++)
        say(out, "  %-8s 0x%08x%s", names[i], le32(r + 4 * i), i % 3 == 2 ? "\n" : "");
    uint32_t trap = le32(r + LGUEST_REGS_trapnum);
    say(out, "  trap %u%s\n", trap, trap == LGUEST_TRAP_ENTRY ? " (hypercall)" :
            trap == 256 ? " (none yet this run)" : "");
}

static void show_lguest_data(struct debugger *d, struct monitor_out *out) {
    static const struct { const char *name; uint32_t off; } f[] = {
        { "irq_enabled", LGD_irq_enabled }, { "blocked_interrupts", LGD_blocked_interrupts },
        { "cr2", LGD_cr2 }, { "time.tv_sec", LGD_time }, { "time.tv_nsec", LGD_time + 4 },
        { "irq_pending", LGD_irq_pending }, { "reserve_mem", LGD_reserve_mem },
        { "tsc_khz", LGD_tsc_khz }, { "noirq_iret", LGD_noirq_iret },
        { "kernel_address", LGD_kernel_address }, { "syscall_vec", LGD_syscall_vec },
    };
    if (!d->lg->lguest_data) {
        say(out, "lguest_data: not yet registered (no LHCALL_LGUEST_INIT)\n");
        return;
    }
    say(out, "lguest_data at guest-physical %#x:\n", d->lg->lguest_data);
    for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
        uint32_t v = 0;
        lguest_data_get(d->lg, f[i].off, &v);
        say(out, "  %-20s %#x\n", f[i].name, v);
    }
}

static void show_idt(struct debugger *d, struct monitor_out *out) {
    say(out, "Guest IDT as the Host holds it (entries set by LOAD_IDT_ENTRY):\n");
    for (int v = 0; v < 256; v++) {
        uint32_t lo = d->lg->idt[v][0], hi = d->lg->idt[v][1];
        if (!lo && !hi) continue;
        uint32_t handler = (hi & 0xFFFF0000u) | (lo & 0xFFFF);
        char tag[160];
        say(out, "  %3d (0x%02x): handler 0x%08x%s sel %#06x dpl %u %s%s\n", v, v, handler,
                guest_tag(d, handler, tag, sizeof(tag)), lo >> 16, (hi >> 13) & 3,
                ((hi >> 8) & 0xF) == 0xE ? "interrupt gate" : ((hi >> 8) & 0xF) == 0xF ?
                "trap gate" : "other", hi & 0x8000 ? "" : " (not present)");
    }
}

static void show_gdt(struct debugger *d, struct monitor_out *out) {
    say(out, "Guest GDT as the Host holds it:\n");
    for (int i = 0; i < GDT_ENTRIES; i++) {
        uint32_t lo = d->lg->gdt[i][0], hi = d->lg->gdt[i][1];
        if (!lo && !hi) continue;
        uint32_t base = (lo >> 16) | ((hi & 0xFF) << 16) | (hi & 0xFF000000u);
        uint32_t limit = (lo & 0xFFFF) | (hi & 0xF0000);
        if (hi & 0x800000) limit = limit << 12 | 0xFFF;
        char tag[160] = "";   /* a base that is a symbol: the per-cpu area, a TLS block */
        if (base) guest_tag(d, base, tag, sizeof(tag));
        say(out, "  %2d (sel %#06x): base 0x%08x%s limit 0x%08x type %#x dpl %u%s%s\n", i,
                i * 8, base, tag, limit, (hi >> 8) & 0x1F, (hi >> 13) & 3,
                hi & 0x8000 ? "" : " not present", hi & 0x400000 ? " 32-bit" : "");
    }
}

/* What "walk" and "pt" take: a number up to max, a register the CPU holds now, or a guest
 * kernel symbol. */
int monitor_address(struct debugger *d, const char *arg, uint64_t max, uint64_t *addr) {
    static const struct { const char *name; int reg; } regs[] = {
        { "eip", CPU_REG_EIP }, { "esp", CPU_REG_ESP }, { "ebp", CPU_REG_EBP },
        { "cr2", CPU_REG_CR2 },
    };
    const char *name = arg[0] == '$' ? arg + 1 : arg;
    for (size_t i = 0; i < sizeof(regs) / sizeof(regs[0]); i++)
        if (!strcmp(name, regs[i].name)) {
            *addr = cpu_get(d->k.c, regs[i].reg);
            return 0;
        }
    uint32_t value;
    if (d->opt.symbols && d->opt.symbols->have_elf && !elf_symbol(&d->opt.symbols->elf, arg, &value)) {
        *addr = value;
        return 0;
    }
    return number_parse(arg, 0, 0, max, addr);
}

/* The entries a walk met: none past the level that was missing. */
static void say_entries(struct monitor_out *out, uint32_t pde, uint32_t pte) {
    if (pde & PTE_P) say(out, "pde 0x%08x pte 0x%08x", pde, pte);
    else say(out, "pde 0x%08x", pde);
}

/* The Guest's own walk of la; whether it maps la. */
static int say_guest_walk(struct debugger *d, uint32_t la, struct monitor_out *out) {
    uint32_t pde, pte, gpa;
    char level[32];
    if (d->lg->shadow.linear) {
        say(out, "  guest : no page table yet (identity) -> guest-physical %#x%s\n", la,
            la < d->lg->mem ? "" : ", past the guest's memory");
        return la < d->lg->mem;
    }
    int mapped = guest_walk(&d->k, la, &pde, &pte, &gpa) == 0;
    say(out, "  guest : ");
    say_entries(out, pde, pte);
    if (mapped) say(out, " -> guest-physical %#x (host %#x)\n", gpa, GUEST_PHYS_BASE + gpa);
    else say(out, " -> not mapped: its %s is not present\n",
             walk_missing(la, pde, level, sizeof(level)));
    return mapped;
}

/* The shadow's walk of la.  An address the Guest maps that the shadow does not is one the
 * Guest has not touched since the shadow was made: 4.4 page_tables.c demand_page() fills it
 * at the fault the first access takes. */
static void say_shadow_walk(struct debugger *d, uint32_t la, int guest_maps,
                            struct monitor_out *out) {
    uint32_t pde, pte, spa, root;
    char level[32];
    int mapped = shadow_walk(&d->k, la, &pde, &pte, &spa, &root) == 0;
    say(out, "  shadow: ");
    say_entries(out, pde, pte);
    if (mapped)
        say(out, " -> host-physical %#x (root %#x)\n", spa, root);
    else if (guest_maps)
        say(out, " -> no entry yet: its %s is not present (root %#x); the host fills it at "
                "the guest's first access (demand_page)\n",
                walk_missing(la, pde, level, sizeof(level)), root);
    else
        say(out, " -> not mapped: its %s is not present (root %#x)\n",
                walk_missing(la, pde, level, sizeof(level)), root);
}

static int walk_side_by_side(struct debugger *d, const char *arg, struct monitor_out *out) {
    uint64_t addr;
    if (!*arg) {
        say(out, "walk which address? walk ADDR: a number, eip, esp, ebp, cr2 or a kernel "
                "symbol\n");
        return -1;
    }
    if (monitor_address(d, arg, 0xFFFFFFFFu, &addr)) {
        say(out, "walk: bad address '%s' (walk ADDR: 0 to 0xffffffff, eip, esp, ebp, cr2 "
                "or a kernel symbol)\n", arg);
        return -1;
    }
    uint32_t la = (uint32_t)addr;
    say(out, "linear %#x: directory index %u, table index %u\n", la, la >> 22,
            (la >> 12) & 0x3FF);
    int guest_maps = say_guest_walk(d, la, out);
    say_shadow_walk(d, la, guest_maps, out);
    return 0;
}

void monitor_note_record(void *ctx, const struct trace_rec *r) {
    struct debugger *d = ctx;
    d->ring[d->ring_next] = *r;
    d->ring_next = (d->ring_next + 1) % DEBUG_RING;
    d->ring_total++;
}

static int trace(struct debugger *d, const char *arg, struct monitor_out *out) {
    if (!d->lg->rec->w) {
        say(out, "no trace: run lgsim with --trace=FILE\n");
        return -1;
    }
    uint64_t want = 10;
    if (*arg && number_parse(arg, 0, 0, DEBUG_RING, &want)) {
        say(out, "trace: bad count '%s' (trace N: 0 to %d)\n", arg, DEBUG_RING);
        return -1;
    }
    unsigned n = (unsigned)want;
    if (n > d->ring_total) n = (unsigned)d->ring_total;
    for (unsigned i = n; i > 0; i--) {
        const struct trace_rec *r = &d->ring[(d->ring_next + DEBUG_RING - i) % DEBUG_RING];
        char line[512];
        struct trace_namer names = { NULL, NULL };
        if (d->opt.symbols) names = symtab_namer(d->opt.symbols);
        trace_format_named(r, &names, line, sizeof(line));
        say(out, "#%llu %s\n", (unsigned long long)r->index, line);
    }
    return 0;
}

/* "back switch|pf|hcall[=NR] [N]": the event's name, into *u and *nr; 0, or -1 (not one). */
static int event_name(const char *what, enum until *u, uint32_t *nr) {
    uint64_t v;
    *nr = ~0u;
    if (!strcmp(what, "switch")) *u = UNTIL_SWITCH;
    else if (!strcmp(what, "pf")) *u = UNTIL_PF;
    else if (!strncmp(what, "hcall", 5)) *u = UNTIL_HCALL;
    else return -1;
    if (*u != UNTIL_HCALL || !what[5]) return 0;
    if (what[5] != '=' || number_parse(what + 6, 0, 0, ~0u - 1, &v)) return -1;
    *nr = (uint32_t)v;
    return 0;
}

/* "back [N]": N instructions back (1 if not said); "back switch|pf|hcall[=NR] [N]": back to
 * the N-th last world switch, page fault or hypercall (of number NR), where "until" stops.
 * The reply comes from there. */
static int back(struct debugger *d, const char *arg, struct monitor_out *out) {
    char what[32] = "";
    int used = 0;
    enum until ev = UNTIL_NONE;
    uint32_t nr;
    sscanf(arg, "%31s %n", what, &used);
    if (*what && !event_name(what, &ev, &nr)) arg = used ? arg + used : "";
    uint64_t n = 1, most = ev == UNTIL_NONE ? UINT64_MAX : CONTROL_BACK_EVENTS;
    if (*arg && number_parse(arg, 0, 1, most, &n)) {
        say(out, "back: bad argument '%s' (back N: N instructions; back switch|pf|hcall[=NR] "
            "[N]: the N-th last world switch, page fault or hypercall, N up to %d)\n", arg,
            CONTROL_BACK_EVENTS);
        return -1;
    }
    int r = ev == UNTIL_NONE ? control_back(&d->k, n) : control_back_to_event(&d->k, ev, nr, n);
    if (r < 0) say(out, "cannot go back: %s\n", d->k.tr.why);
    if (r == 0) say(out, "at the start of what can be gone back to\n");
    d->save_said[0] = 0;
    d->back_event = ev;
    return r > 0 ? MONITOR_GOES : r;
}

/* "save FILE": the machine into FILE at the next turn of the Launcher (where the machine is
 * whole between two runs, as --save-at saves it), then back here. */
static int save(struct debugger *d, const char *arg, struct monitor_out *out) {
    if (!*arg || strlen(arg) >= sizeof(d->save_path)) {
        say(out, "save FILE: the file a later lgsim --restore=FILE goes on from\n");
        return -1;
    }
    if (control_to_turn(&d->k) < 0) {
        say(out, "cannot save: %s\n", d->k.tr.why);
        return -1;
    }
    snprintf(d->save_path, sizeof(d->save_path), "%s", arg);
    d->save_said[0] = 0;
    return MONITOR_GOES;
}

void monitor_arrived(struct debugger *d) {
    struct monitor_out out = { 0 };
    if (d->save_said[0]) say(&out, "%s", d->save_said);
    else if (d->k.tr.here_base)   /* counted from a little before here (debug/travel.c) */
        say(&out, "now %llu instructions after the first block from %.6f ms on, run from "
            "checkpoint %d (%.6f ms)\n", (unsigned long long)d->k.tr.here_n,
            d->k.tr.here_base / 1e6, d->k.tr.here_cp,
            d->k.cps->time(d->k.cps->ctx, d->k.tr.here_cp) / 1e6);
    else say(&out, "now %llu instructions after checkpoint %d (%.6f ms)%s\n",
             (unsigned long long)d->k.tr.here_n, d->k.tr.here_cp,
             d->k.cps->time(d->k.cps->ctx, d->k.tr.here_cp) / 1e6,
             !strstr(d->k.stop_info, "replaylog") ? "" : d->back_event == UNTIL_NONE ?
             ": the start of what can be gone back to" : ": fewer of them before here; the "
             "start of what can be gone back to");
    where(d, &out);
    stub_monitor_reply(d, &out, 0);
}

int monitor_command(struct debugger *d, const char *line, struct monitor_out *out) {
    char cmd[32] = "";
    int used = 0;
    sscanf(line, " %31s %n", cmd, &used);
    const char *arg = used ? line + used : "";
    if (!strcmp(cmd, "where")) where(d, out);
    else if (!strcmp(cmd, "view")) return set_view(d, arg, out);
    else if (!strcmp(cmd, "until")) return until(d, arg, out);
    else if (!strcmp(cmd, "regs")) show_regs(d, out);
    else if (!strcmp(cmd, "lguest_data")) show_lguest_data(d, out);
    else if (!strcmp(cmd, "idt")) show_idt(d, out);
    else if (!strcmp(cmd, "gdt")) show_gdt(d, out);
    else if (!strcmp(cmd, "walk")) return walk_side_by_side(d, arg, out);
    else if (!strcmp(cmd, "pt")) return monitor_pt(d, arg, out);
    else if (!strcmp(cmd, "trace")) return trace(d, arg, out);
    else if (!strcmp(cmd, "back")) return back(d, arg, out);
    else if (!strcmp(cmd, "save")) return save(d, arg, out);
    else if (!strcmp(cmd, "step-irqs")) {
        if (!strcmp(arg, "off")) d->k.skip_irqs = 1;
        else if (!strcmp(arg, "on")) d->k.skip_irqs = 0;
        say(out, "steps %s interrupts\n", d->k.skip_irqs ? "run through" : "go into");
    } else if (!strcmp(cmd, "host-writes")) {
        if (!strcmp(arg, "on")) d->k.host_writes = 1;
        else if (!strcmp(arg, "off")) d->k.host_writes = 0;
        else if (*arg) say(out, "host-writes on or off, not '%s'\n", arg);
        say(out, "writes to host memory outside the guest's: %s\n",
                d->k.host_writes ? "allowed (the debugger is named at exit)" : "refused");
    } else if (!strcmp(cmd, "help") || !*cmd) {
        help(out);
    } else {
        say(out, "unknown monitor command '%s' (monitor help lists them)\n", cmd);
        return -1;
    }
    return 0;
}
