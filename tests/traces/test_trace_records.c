/* test_trace_records.c - what a trace says matches what the machine did, record by record. */
#define _POSIX_C_SOURCE 200809L
#include "tests/check.h"
#include "abi/lguest.h"
#include "sim/host/lg.h"
#include "sim/launcher/launcher.h"
#include "traces/reader.h"
#include <stdlib.h>

/*
 * Each case runs a guest in-process with a trace open, then reads the trace back and checks it
 * against two independent witnesses: the machine's own counters, and the rules a record must
 * obey (a round trip starts at its fault and ends at its retry, switches alternate, ...).
 * Addresses that depend on the compiler are never written down here: relations are checked.
 */

extern const uint8_t lgsim_demo_guest[];
extern const size_t lgsim_demo_guest_len;
static const char *hello_path, *mech_path, *tmp_dir;

#define MAX_RECS 200000
static struct trace_rec *recs;
static size_t n_recs;
static struct launcher launcher;
static struct lguest_counts mach;   /* the Host's counters of the last run */
static uint64_t mach_now, mach_blocks;
static char console[65536];

static uint8_t *slurp(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f) { fprintf(stderr, "cannot open %s\n", path); exit(2); }
    static uint8_t buf[4 << 20];
    *len = fread(buf, 1, sizeof(buf), f);
    fclose(f);
    return buf;
}

/* The Host's counters and clock, kept when a run ends (the Launcher frees the Host). */
static void keep_counts(void) {
    mach = *lguest_counts(launcher.lg);
    mach_now = lguest_time(launcher.lg);
    mach_blocks = launcher.lg->cpu.n_blocks;
}

/* Run a guest with --trace; keep the Host's counters and load every record. */
static int run_traced(const uint8_t *kernel, size_t len, const char *cmdline) {
    char path[512], err[300];
    snprintf(path, sizeof(path), "%s/records.trc", tmp_dir);
    FILE *con = tmpfile();
    struct launcher_options opt = { .mem_mb = 64, .kernel = kernel, .kernel_len = len,
                                    .cmdline = cmdline, .console = con, .trace_path = path,
                                    .options_text = cmdline, .max_ns = 2000000000ull };
    if (launcher_init(&launcher, &opt, err, sizeof(err))) {
        fprintf(stderr, "%s\n", err);
        exit(2);
    }
    int code = launcher_run(&launcher);
    keep_counts();
    CHECK(launcher_close_trace(&launcher, err, sizeof(err)) == 0);
    rewind(con);
    size_t got = fread(console, 1, sizeof(console) - 1, con);
    console[got] = 0;
    fclose(con);
    struct trace_reader r;
    CHECK(trace_reader_open(&r, path, err, sizeof(err)) == 0);
    n_recs = 0;
    int rc;
    while (n_recs < MAX_RECS && (rc = trace_read(&r, &recs[n_recs])) > 0) n_recs++;
    CHECK_EQ(rc, 0);   /* a clean end marker, even for a guest that was killed */
    trace_reader_close(&r);
    launcher_free(&launcher);
    return code;
}

static size_t count(unsigned kind, int field, uint32_t value) {
    size_t n = 0;
    for (size_t i = 0; i < n_recs; i++)
        if (recs[i].kind == kind && (field < 0 || recs[i].f[field] == value)) n++;
    return n;
}

static const struct trace_rec *find(size_t from, unsigned kind, size_t *at) {
    for (size_t i = from; i < n_recs; i++)
        if (recs[i].kind == kind) { if (at) *at = i; return &recs[i]; }
    return NULL;
}

/* --- the teaching guest --- */

/* Two counting paths must agree: the machine's counters and the records. */
static void teaching_counts_match_machine(void) {
    CHECK_EQ(count(TK_TO_HOST, -1, 0), mach.n_runs);
    CHECK_EQ(count(TK_TO_GUEST, -1, 0), mach.n_runs);
    unsigned vectors_off = 0, hcalls_off = 0;
    for (unsigned v = 0; v < 256; v++)
        vectors_off += mach.n_exits[v] != count(TK_TO_HOST, TH_VECTOR, v);
    for (unsigned nr = 0; nr < 32; nr++)
        hcalls_off += mach.n_hcall[nr] != count(TK_HCALL, HC_NR, nr);
    CHECK_EQ(vectors_off, 0);
    CHECK_EQ(hcalls_off, 0);
    CHECK(mach.n_exits[14] > 50 && mach.n_hcall[LHCALL_SET_PTE] > 0);
    CHECK_EQ(count(TK_PF, PF_OUTCOME, PF_FIXED), mach.n_pf_fixed);
    CHECK_EQ(count(TK_PF, PF_OUTCOME, PF_REFLECTED), mach.n_pf_reflected);
    CHECK_EQ(count(TK_IRQ, IQ_ACTION, IRQ_DELIVERED), mach.n_irqs_delivered);
    CHECK_EQ(count(TK_REFLECT, -1, 0), mach.n_traps_reflected);
    CHECK_EQ(count(TK_HALT, -1, 0) > 0, 1);
    uint64_t idle = 0;
    for (size_t i = 0; i < n_recs; i++)
        if (recs[i].kind == TK_HALT) idle += recs[i].f[HL_IDLE_NS];
    CHECK_EQ(idle, mach.n_idle_ns);
}

/* Switches alternate, time never runs backwards, the Guest's death is the last record. */
static void teaching_switches_alternate(void) {
    int in_guest = 0, bad = 0;
    for (size_t i = 0; i < n_recs; i++) {
        if (i && recs[i].t < recs[i - 1].t) bad++;
        if (recs[i].kind == TK_TO_GUEST) {
            bad += in_guest || recs[i].f[TG_SWITCHER_NS] == 0;   /* the Switcher always runs */
            in_guest = 1;
        }
        if (recs[i].kind == TK_TO_HOST) {
            bad += !in_guest || recs[i].f[TH_SWITCHER_NS] == 0;
            in_guest = 0;
        }
        bad += recs[i].index != i;
    }
    CHECK_EQ(bad, 0);
    CHECK_EQ(recs[n_recs - 1].kind, TK_DEATH);
    CHECK_EQ(recs[n_recs - 1].f[DT_EXIT_CODE], 0);
    CHECK(strcmp(recs[n_recs - 1].text, "CRASH: Power down") == 0);
}

/* The console records, joined, are exactly what the Guest printed. */
static void teaching_console_lines(void) {
    static char joined[65536];
    size_t len = 0;
    for (size_t i = 0; i < n_recs; i++)
        if (recs[i].kind == TK_CONSOLE && len + recs[i].text_len < sizeof(joined)) {
            memcpy(joined + len, recs[i].text, recs[i].text_len);
            len += recs[i].text_len;
        }
    joined[len] = 0;
    CHECK(len > 1000);
    CHECK(strcmp(joined, console) == 0);
}

/* Every round trip: opened by its #PF exit, one record per step, closed by its rt_end. */
static void teaching_round_trips_are_whole(void) {
    uint32_t expect = 1;
    for (size_t i = 0; i < n_recs; i++) {
        if (recs[i].rt != expect || (i && recs[i - 1].rt == expect)) continue;
        const struct trace_rec *open = &recs[i];
        CHECK_EQ(open->kind, TK_TO_HOST);
        CHECK_EQ(open->f[TH_VECTOR], 14);
        size_t steps = 0, last = i, retry_at = 0;
        for (size_t j = i; j < n_recs; j++)
            if (recs[j].rt == expect) {
                steps++;
                last = j;
                if (recs[j].kind == TK_RETRY) retry_at = j;
            }
        const struct trace_rec *end = &recs[last];
        CHECK_EQ(end->kind, TK_RT_END);
        CHECK_EQ(end->f[RE_STEPS], steps);
        CHECK_EQ(end->f[RE_EIP], open->f[TH_EIP]);
        CHECK_EQ(end->f[RE_CR2], open->f[TH_CR2]);
        CHECK_EQ(end->f[RE_OUTCOME], RT_OK);
        CHECK(retry_at > i);
        CHECK_EQ(recs[retry_at].f[RY_EIP], open->f[TH_EIP]);
        CHECK_EQ(end->f[RE_DURATION_NS], recs[retry_at].t - open->t);
        /* The Host's decision on this fault comes right after the exit (after the entry
         * demand_page wrote, when it wrote one). */
        size_t at;
        const struct trace_rec *pf = find(i, TK_PF, &at);
        CHECK(pf && pf->rt == expect && pf->f[PF_CR2] == open->f[TH_CR2] &&
              pf->f[PF_ERR] == open->f[TH_ERR] && pf->f[PF_EIP] == open->f[TH_EIP]);
        expect++;
    }
    CHECK_EQ(expect - 1, count(TK_RT_END, -1, 0));
    CHECK(expect > 40);
}

/* Round trip 1: the kernel's first instruction fetch in linear mode, fixed by the Host. */
static void teaching_first_round_trip_fixed(void) {
    static const uint8_t shape[] = { TK_TO_HOST, TK_SPTE, TK_PF, TK_TO_GUEST, TK_RETRY,
                                     TK_RT_END };
    size_t i0 = 0;
    CHECK(find(0, TK_TO_HOST, &i0) != NULL);
    for (size_t k = 0; k < sizeof(shape); k++) {
        CHECK_EQ(recs[i0 + k].kind, shape[k]);
        CHECK_EQ(recs[i0 + k].rt, 1);
    }
    const struct trace_rec *fault = &recs[i0], *spte = &recs[i0 + 1];
    uint32_t cr2 = fault->f[TH_CR2];
    CHECK_EQ(fault->f[TH_EIP], cr2);            /* an instruction fetch: cr2 is the eip */
    CHECK_EQ(fault->f[TH_ERR], 0);              /* not present, read, supervisor */
    CHECK_EQ(fault->f[TH_CPL], 1);
    CHECK_EQ(spte->f[SP_VADDR], cr2);
    /* Linear mode: guest-physical = virtual, placed at guest RAM's host-physical base; a read
     * of a clean page is mapped present + accessed but not writable (4.4's demand_page). */
    CHECK_EQ(spte->f[SP_SPTE] & ~0xFFFu, 0x40000000u + (cr2 & ~0xFFFu));
    CHECK_EQ(spte->f[SP_SPTE] & 0x63, 0x21);
    CHECK_EQ(recs[i0 + 2].f[PF_OUTCOME], PF_FIXED);
    CHECK_EQ(recs[i0 + 3].f[TG_EIP], cr2);      /* back to the same instruction */
    CHECK_EQ(recs[i0 + 5].f[RE_STEPS], 6);
}

/* The first user fault the Guest must see: reflected, its handler's SET_PTE, the retry. */
static void teaching_reflected_user_fault(void) {
    size_t i = 0, at;
    const struct trace_rec *pf = NULL;
    while ((pf = find(i, TK_PF, &at)) && pf->f[PF_OUTCOME] != PF_REFLECTED) i = at + 1;
    CHECK(pf != NULL);
    if (!pf) return;
    uint32_t rt = pf->rt, cr2 = pf->f[PF_CR2], eip = pf->f[PF_EIP];
    CHECK(rt != 0);
    CHECK_EQ(pf->f[PF_ERR] & 4, 4);                 /* from user mode */
    const struct trace_rec *refl = &recs[at + 1];
    CHECK_EQ(refl->kind, TK_REFLECT);
    CHECK_EQ(refl->f[RF_VECTOR], 14);
    CHECK_EQ(refl->f[RF_ERR], pf->f[PF_ERR]);
    CHECK_EQ(refl->f[RF_EIP], eip);
    CHECK_EQ(refl->f[RF_CS] & 3, 3);
    CHECK_EQ(recs[at + 2].kind, TK_TO_GUEST);       /* into the Guest's handler, in ring 1 */
    CHECK_EQ(recs[at + 2].f[TG_EIP], refl->f[RF_HANDLER]);
    CHECK_EQ(recs[at + 2].f[TG_CPL], 1);
    /* A user fault switched to the ring-1 stack: the frame is SS, ESP, EFLAGS, CS, EIP, error
     * = 6 words below the top of the stack SET_STACK gave. */
    CHECK_EQ(refl->f[RF_ESP] & 0xFFF, 0x1000 - 24);
    /* The handler maps a page for it with SET_PTE, in this process's directory. */
    const struct trace_rec *set = NULL;
    for (size_t j = at; j < n_recs && recs[j].rt == rt; j++)
        if (recs[j].kind == TK_HCALL && recs[j].f[HC_NR] == LHCALL_SET_PTE &&
            recs[j].f[HC_ARG2] == (cr2 & ~0xFFFu)) set = &recs[j];
    CHECK(set != NULL);
    if (!set) return;
    CHECK_EQ(set->f[HC_ARG3] & 0x7, 0x7);            /* present, writable, user */
    CHECK_EQ(set->f[HC_OUTCOME], HC_DONE);
    /* 4.4 ignores a SET_PTE for a page table it has not shadowed yet, so the retry faults
     * again and demand_page builds the entry from the Guest's new PTE. */
    const struct trace_rec *spte = NULL;
    for (size_t j = at; j < n_recs && recs[j].rt == rt; j++)
        if (recs[j].kind == TK_SPTE && recs[j].f[SP_VADDR] == cr2) spte = &recs[j];
    CHECK(spte != NULL);
    if (spte) CHECK_EQ(spte->f[SP_SPTE] & ~0xFFFu, 0x40000000u + (set->f[HC_ARG3] & ~0xFFFu));
}

static void teaching_guest(void) {
    CHECK_EQ(run_traced(lgsim_demo_guest, lgsim_demo_guest_len, ""), 0);
    RUN(teaching_counts_match_machine);
    RUN(teaching_switches_alternate);
    RUN(teaching_console_lines);
    RUN(teaching_round_trips_are_whole);
    RUN(teaching_first_round_trip_fixed);
    RUN(teaching_reflected_user_fault);
}

/* --- focused guests --- */

static void expect_irq_actions(const char *scenario, const uint8_t *actions, size_t n) {
    size_t len;
    const uint8_t *k = slurp(mech_path, &len);
    CHECK_EQ(run_traced(k, len, scenario), 0);
    size_t at = 0;
    for (size_t i = 0; i < n; i++) {
        const struct trace_rec *r = find(at, TK_IRQ, &at);
        CHECK(r != NULL);
        if (!r) return;
        CHECK_EQ(r->f[IQ_IRQ], 0);
        CHECK_EQ(r->f[IQ_ACTION], actions[i]);
        at++;
    }
}

/* The Guest has interrupts off when its timer fires: held back, then delivered when it asks. */
static void timer_deferred(void) {
    static const uint8_t a[] = { IRQ_RAISED, IRQ_DEFERRED, IRQ_DELIVERED };
    expect_irq_actions("timer-deferred", a, sizeof(a));
    size_t at;
    const struct trace_rec *d = find(0, TK_IRQ, &at);
    while (d && d->f[IQ_ACTION] != IRQ_DELIVERED) d = find(at + 1, TK_IRQ, &at);
    CHECK(d && recs[at - 1].kind == TK_HCALL &&
          recs[at - 1].f[HC_NR] == LHCALL_SEND_INTERRUPTS);
}

/* IRQ 0 in blocked_interrupts: masked once, delivered after the Guest unblocks it. */
static void timer_blocked(void) {
    static const uint8_t a[] = { IRQ_RAISED, IRQ_MASKED, IRQ_DELIVERED };
    expect_irq_actions("timer-blocked", a, sizeof(a));
    CHECK_EQ(count(TK_IRQ, IQ_ACTION, IRQ_MASKED), 1);
}

/* HALT with a 5 ms timer: the clock jumps 5 ms, the timer wakes and enters the Guest. */
static void halt_idles_to_the_timer(void) {
    static const uint8_t a[] = { IRQ_RAISED, IRQ_WOKE, IRQ_DELIVERED };
    expect_irq_actions("halt", a, sizeof(a));
    size_t at;
    const struct trace_rec *h = find(0, TK_HALT, &at);
    CHECK(h != NULL);
    if (!h) return;
    CHECK_EQ(h->f[HL_IDLE_NS], 5000000);
    CHECK_EQ(recs[at + 1].kind, TK_IRQ);
    CHECK_EQ(recs[at + 1].t, h->t + 5000000);
}

/* A fault the Guest's handler skips over is never retried: the trace says it is unfinished,
 * and does not call it a retry. */
static void fault_not_retried(void) {
    size_t len;
    const uint8_t *k = slurp(mech_path, &len);
    CHECK_EQ(run_traced(k, len, "frame-pf"), 0);
    size_t at = 0;
    const struct trace_rec *pf = find(0, TK_PF, &at);
    while (pf && pf->f[PF_CR2] != 0xFFC03000u) pf = find(at + 1, TK_PF, &at);
    CHECK(pf != NULL);
    if (!pf) return;
    CHECK_EQ(pf->f[PF_OUTCOME], PF_REFLECTED);      /* the page above the Switcher's state page */
    const struct trace_rec *end = NULL;
    for (size_t j = at; j < n_recs; j++)
        if (recs[j].kind == TK_RT_END && recs[j].rt == pf->rt) end = &recs[j];
    CHECK(end != NULL);
    if (end) CHECK_EQ(end->f[RE_OUTCOME], RT_UNFINISHED);
    for (size_t j = at; j < n_recs; j++)
        if (recs[j].rt == pf->rt) CHECK(recs[j].kind != TK_RETRY);
}

/* A killed Guest: the hypercall that killed it, then its death with 4.4's words. */
static void killed_by_bad_hypercall(void) {
    size_t len;
    const uint8_t *k = slurp(hello_path, &len);
    CHECK_EQ(run_traced(k, len, "die=hcall"), 1);
    const struct trace_rec *last = &recs[n_recs - 1], *h = &recs[n_recs - 2];
    CHECK_EQ(h->kind, TK_HCALL);
    CHECK_EQ(h->f[HC_NR], 99);
    CHECK_EQ(h->f[HC_OUTCOME], HC_KILLED);
    CHECK_EQ(last->kind, TK_DEATH);
    CHECK_EQ(last->f[DT_EXIT_CODE], 1);
    CHECK(strcmp(last->text, "Bad hypercall 99\n") == 0);
}

/* An instruction the launcher cannot emulate is re-injected; with no handler the launcher
 * gives up. */
static void launcher_gives_up(void) {
    size_t len;
    const uint8_t *k = slurp(hello_path, &len);
    CHECK_EQ(run_traced(k, len, "die=insb"), 1);
    const struct trace_rec *a = &recs[n_recs - 3], *b = &recs[n_recs - 2];
    CHECK_EQ(a->kind, TK_LAUNCHER);
    CHECK_EQ(a->f[LN_WHAT], LN_REINJECT);
    CHECK_EQ(a->f[LN_ADDR], 13);
    CHECK_EQ(b->kind, TK_LAUNCHER);
    CHECK_EQ(b->f[LN_WHAT], LN_FAILED);
    CHECK_STR_CONTAINS(recs[n_recs - 1].text, "Reinjecting trap 13 for fault at");
    /* Before that, the console's port writes were emulated: port_out records with values. */
    CHECK(count(TK_LAUNCHER, LN_WHAT, LN_PORT_OUT) > 10);
}

/* A trace must never change what the Guest sees: same console, same clock, same switches. */
static void tracing_is_invisible(void) {
    char err[300];
    static char plain[65536];
    FILE *con = tmpfile();
    struct launcher_options opt = { .mem_mb = 64, .kernel = lgsim_demo_guest,
                                    .kernel_len = lgsim_demo_guest_len, .cmdline = "",
                                    .console = con, .max_ns = 2000000000ull };
    CHECK(launcher_init(&launcher, &opt, err, sizeof(err)) == 0);
    CHECK_EQ(launcher_run(&launcher), 0);
    keep_counts();
    uint64_t runs = mach.n_runs, now = mach_now, blocks = mach_blocks;
    launcher_free(&launcher);
    rewind(con);
    plain[fread(plain, 1, sizeof(plain) - 1, con)] = 0;
    fclose(con);
    CHECK_EQ(run_traced(lgsim_demo_guest, lgsim_demo_guest_len, ""), 0);
    CHECK(strcmp(plain, console) == 0);
    CHECK_EQ(mach.n_runs, runs);
    CHECK_EQ(mach_now, now);
    CHECK_EQ(mach_blocks, blocks);
}

int main(int argc, char **argv) {
    if (argc != 4) {
        fprintf(stderr, "usage: test_trace_records HELLO_GUEST MECH_GUEST TMPDIR\n");
        return 2;
    }
    hello_path = argv[1];
    mech_path = argv[2];
    tmp_dir = argv[3];
    recs = calloc(MAX_RECS, sizeof(*recs));
    RUN(teaching_guest);
    RUN(timer_deferred);
    RUN(timer_blocked);
    RUN(halt_idles_to_the_timer);
    RUN(fault_not_retried);
    RUN(killed_by_bad_hypercall);
    RUN(launcher_gives_up);
    RUN(tracing_is_invisible);
    free(recs);
    return check_report("trace records");
}
