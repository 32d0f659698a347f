/* summary.c - what happened in a run, for people: switches by reason, hypercalls, faults, time. */
#include "sim/launcher/launcher.h"
#include "abi/lguest.h"
#include "switcher-model/lguest_pages.h"

static const char *exit_name(unsigned v) {
    static const char *exc[32] = {
        "#DE divide error", "#DB debug", "NMI", "#BP breakpoint", "#OF overflow",
        "#BR bound", "#UD invalid opcode", "#NM FPU not available", "#DF double fault", NULL,
        "#TS invalid TSS", "#NP not present", "#SS stack fault", "#GP general protection",
        "#PF page fault", NULL, "#MF FPU error", "#AC alignment", "#MC machine check",
        "#XM SIMD error",
    };
    if (v < 32 && exc[v]) return exc[v];
    if (v == LGUEST_TRAP_ENTRY) return "hypercall (int $0x1f)";
    if (v == HOST_TIMER_VECTOR) return "host timer interrupt";
    if (v == SYSCALL_VECTOR) return "int $0x80 (not a direct trap)";
    if (v >= FIRST_EXTERNAL_VECTOR && v < 256) return "host interrupt";
    return "no exit recorded";
}

static void print_ms(FILE *f, uint64_t ns) {
    fprintf(f, "%llu.%06llu ms", (unsigned long long)(ns / 1000000),
            (unsigned long long)(ns % 1000000));
}

static void print_exits(const struct lguest_counts *c, FILE *f) {
    uint64_t total = 0;
    for (unsigned v = 0; v <= 256; v++) total += c->n_exits[v];
    fprintf(f, "  world switches   %llu into the guest, %llu back to the host:\n",
            (unsigned long long)c->n_runs, (unsigned long long)total);
    for (unsigned v = 0; v <= 256; v++)
        if (c->n_exits[v])
            fprintf(f, "    %10llu  vector %3u  %s\n", (unsigned long long)c->n_exits[v], v,
                    exit_name(v));
}

static void print_hypercalls(const struct lguest_counts *c, FILE *f) {
    fprintf(f, "  hypercalls       %llu:\n", (unsigned long long)c->n_hypercalls);
    for (unsigned n = 0; n < 32; n++)
        if (c->n_hcall[n])
            fprintf(f, "    %10llu  %2u LHCALL_%s\n", (unsigned long long)c->n_hcall[n], n,
                    trace_hcall_name(n) ? trace_hcall_name(n) : "(unknown)");
}

void launcher_summary(struct launcher *l, FILE *f) {
    const struct lguest_counts *n = lguest_counts(l->lg);
    fprintf(f, "lgsim: summary\n");
    fprintf(f, "  virtual time     ");
    print_ms(f, lguest_time(l->lg));
    fprintf(f, " (");
    print_ms(f, n->n_idle_ns);
    fprintf(f, " halted)\n");
    print_exits(n, f);
    print_hypercalls(n, f);
    fprintf(f, "  page faults      %llu fixed by the host's demand_page, %llu round trips "
            "through the guest's handler, %llu device accesses\n",
            (unsigned long long)n->n_pf_fixed, (unsigned long long)n->n_pf_reflected,
            (unsigned long long)n->n_pf_io);
    fprintf(f, "  traps            %llu reflected into the guest, %llu #GP emulated by the "
            "launcher\n", (unsigned long long)n->n_traps_reflected,
            (unsigned long long)l->n_gp_emulated);
    fprintf(f, "  guest interrupts %llu delivered, %llu held back (irq_enabled = 0), %llu halts\n",
            (unsigned long long)n->n_irqs_delivered, (unsigned long long)n->n_irqs_deferred,
            (unsigned long long)n->n_halts);
    if (l->opt.trace_switches)
        fprintf(f, "  switcher         %llu instructions executed\n",
                (unsigned long long)n->n_switch_insns);
    if (l->host_checked)
        fprintf(f, "  host memory      unchanged outside the guest's (%u bytes compared)\n",
                l->host_compared);
    struct tt_stats st = tt_stats(l);
    if (st.n)   /* (real time, so never in a trace) */
        fprintf(f, "  checkpoints      %u kept in %.1f MiB (a whole state is %.1f MiB), %.1f ms "
                "of real time taking them\n", st.n, st.bytes / 1048576.0,
                st.host_bytes / 1048576.0, st.ns_taking / 1e6);
}
