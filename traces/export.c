/* export.c - "lgsim trace export": Chrome trace-event JSON for Perfetto and chrome://tracing. */
#include "traces/filter.h"
#include "traces/json.h"
#include "traces/tool.h"
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

/*
 * One process, four lanes (threads).  Complete events ("X") cover the virtual time each side
 * of a world switch holds the CPU: the guest from the end of a to_guest's Switcher share to
 * the next to_host, the Switcher for its share of each switch, and the host's idle time while
 * the guest is halted.  The host's handling of an exit costs no virtual time in lgsim (its
 * duration is not modelled): it is an instant ("i") named "host handles ...", as are the
 * records it writes, never a sliver that looks free.  A guest stretch that entered one ring
 * and left from the other (the guest's own iret or trap changes ring without a world switch,
 * unrecorded) goes into the lane of the ring it left from, the one its exit proves, and says
 * so; a round trip's retry record splits it where it is known.  Each page-fault round trip
 * becomes one flow ("s", "t"..., "f"), id = the round trip's number, through the middle of
 * every Switcher slice of the round trip and of the guest stretch that holds the retry (in the
 * lane that stretch is drawn in), so an arrow leads from the fault to the retry.  The dump filters choose what is written (every record still shapes the lanes):
 * a slice when the record that opened it passes the kind, vector, hypercall and round-trip
 * filters and it overlaps --from..--to (cut to it), an instant or flow point when its record
 * passes.  Events are written one per line, in the trace's order, as the records stream past.
 */
enum lane { LANE_HOST = 1, LANE_SWITCHER, LANE_KERNEL, LANE_USER };
static const char *const lane_names[] = {
    [LANE_HOST] = "host (its work takes no virtual time: instants)", [LANE_SWITCHER] = "Switcher",
    [LANE_KERNEL] = "guest kernel (ring 1)", [LANE_USER] = "guest user (ring 3)",
};

struct slice {                 /* a lane's open stretch of time */
    int open;
    uint64_t from;
    struct trace_rec why;      /* the record that opened it: its fields go into args */
};

struct flow_point { enum lane lane; uint64_t t; int retry; };

struct exporter {
    FILE *out;
    struct slice guest;
    enum lane guest_lane;
    uint32_t rt, rt_cs;        /* the round trip the flow follows, and its faulting cs */
    unsigned rt_points;
    struct flow_point pending; /* written when the next point shows it is not the last */
    int end_due;               /* the round trip ended at end_t; its last point, a retry in */
    uint64_t end_t;            /* the open guest stretch, waits for the lane that stretch takes */
    uint64_t last_t;
    struct trace_namer names;  /* code addresses get an "eip_symbol" (etc.) arg */
    struct trace_filter flt;   /* what is written (the dump filters) */
    struct trace_filter kinds; /* the same without its time range */
};

/* Whether the event record r gives, over virtual times from..to, is written. */
static int wanted(const struct exporter *x, const struct trace_rec *r, uint64_t from,
                  uint64_t to) {
    return trace_filter_match(&x->kinds, r) && to >= x->flt.from_ns && from <= x->flt.to_ns;
}

static enum lane guest_lane_of(uint32_t cs) {
    return (cs & 3) == 3 ? LANE_USER : LANE_KERNEL;
}

/* The start of an event line, up to the timestamp; the caller adds the rest and "}". */
static void event(struct exporter *x, const char *name, const char *ph, enum lane lane,
                  uint64_t t) {
    fputs(",\n{\"name\":", x->out);
    json_cstring(x->out, name);
    fprintf(x->out, ",\"ph\":\"%s\",\"pid\":1,\"tid\":%d,\"ts\":", ph, lane);
    json_us(x->out, t);
}

static void args_of(struct exporter *x, const struct trace_rec *r) {
    fputs(",\"args\":{", x->out);
    json_record_fields(x->out, r);
    for (unsigned i = 0; i < r->nfields && i < trace_kind_fields(r->kind); i++) {
        char tag[160];
        if (!trace_field_is_code(r->kind, i) ||
            !*trace_name_tag(&x->names, r->f[i], tag, sizeof(tag)))
            continue;
        tag[strlen(tag) - 1] = 0;   /* " <name+0x4>" is written "name+0x4" */
        fprintf(x->out, ",\"%s_symbol\":", trace_field_name(r->kind, i));
        json_cstring(x->out, tag + 2);
    }
    fputs("}}", x->out);
}

static void complete(struct exporter *x, const char *name, enum lane lane, uint64_t from,
                     uint64_t to, const struct trace_rec *r) {
    if (!wanted(x, r, from, to)) return;
    if (from < x->flt.from_ns) from = x->flt.from_ns;
    if (to > x->flt.to_ns) to = x->flt.to_ns;
    event(x, name, "X", lane, from);
    fputs(",\"dur\":", x->out);
    json_us(x->out, to > from ? to - from : 0);
    args_of(x, r);
}

static void instant(struct exporter *x, const char *name, enum lane lane,
                    const struct trace_rec *r) {
    if (!wanted(x, r, r->t, r->t)) return;
    event(x, name, "i", lane, r->t);
    fputs(",\"s\":\"t\"", x->out);
    args_of(x, r);
}

/* --- flows --- */

static void flow_write(struct exporter *x, const struct flow_point *p, const char *ph,
                       uint64_t t) {
    char name[32];
    snprintf(name, sizeof(name), "round trip %u", x->rt);
    event(x, name, ph, p->lane, t);
    fprintf(x->out, ",\"cat\":\"page fault\",\"id\":%u%s}", x->rt,
            ph[0] == 'f' ? ",\"bp\":\"e\"" : "");
}

/* A retry point sits in the middle of its guest slice, which ends where the record of the
 * next step starts (until): only then is the middle known. */
static uint64_t point_time(const struct flow_point *p, uint64_t until) {
    return p->retry && until > p->t ? p->t + (until - p->t) / 2 : p->t;
}

static void flow_point(struct exporter *x, enum lane lane, uint64_t t, int retry,
                       uint64_t until, const struct trace_rec *r) {
    if (!wanted(x, r, t, t)) return;
    if (x->rt_points)
        flow_write(x, &x->pending, x->rt_points == 1 ? "s" : "t",
                   point_time(&x->pending, until));
    x->pending = (struct flow_point){ lane, t, retry };
    x->rt_points++;
}

static void flow_finish(struct exporter *x, uint64_t t) {
    if (x->rt_points > 1) flow_write(x, &x->pending, "f", point_time(&x->pending, t));
    x->rt_points = 0;
    x->rt = 0;
    x->end_due = 0;
}

/* A retry in the open guest stretch: the stretch's lane is the ring it leaves from, known at
 * its exit, and a flow point must lie in a slice of its own lane (a viewer binds it to the
 * slice around it, or drops it). */
static int pending_in_open_stretch(const struct exporter *x) {
    return x->rt_points && x->pending.retry && x->guest.open && x->pending.t >= x->guest.from;
}

static void flow_end(struct exporter *x, uint64_t t) {
    if (x->rt_points > 1 && pending_in_open_stretch(x)) {
        x->end_due = 1;    /* close_guest() finishes it */
        x->end_t = t;
        return;
    }
    flow_finish(x, t);
}

/* A Switcher slice, and the round trip's flow through its middle. */
static void switcher_slice(struct exporter *x, const char *name, const struct trace_rec *r,
                           uint32_t ns) {
    complete(x, name, LANE_SWITCHER, r->t, r->t + ns, r);
    if (!r->rt) return;
    if (r->rt != x->rt) {
        flow_end(x, r->t);
        x->rt = r->rt;
        x->rt_cs = r->kind == TK_TO_HOST ? r->f[TH_CS] : 3;
    }
    flow_point(x, LANE_SWITCHER, r->t + ns / 2, 0, r->t, r);
}

/* --- the lanes' slices --- */

/* The guest's stretch up to t; exit: the to_host that ends it (NULL: the trace ends). */
static void close_guest(struct exporter *x, uint64_t t, const struct trace_rec *exit) {
    if (!x->guest.open) return;
    enum lane lane = exit ? guest_lane_of(exit->f[TH_CS]) : x->guest_lane;
    const char *name = lane == LANE_USER ? "guest user code" : "guest kernel";
    if (lane != x->guest_lane)
        name = lane == LANE_USER ? "guest user code (entered in ring 1: when the guest's own "
                                   "iret reached ring 3 is not recorded)"
                                 : "guest kernel (entered in ring 3: when the guest trapped "
                                   "to ring 1 by itself is not recorded)";
    complete(x, name, lane, x->guest.from, t, &x->guest.why);
    if (pending_in_open_stretch(x)) x->pending.lane = lane;
    x->guest.open = 0;
    if (x->end_due) flow_finish(x, x->end_t);
}

/* The host saw to an exit: in no virtual time, so an instant where the Switcher let it in. */
static void host_handles(struct exporter *x, const struct trace_rec *exit, uint64_t at) {
    const char *v = trace_vector_name(exit->f[TH_VECTOR]);
    char name[64];
    snprintf(name, sizeof(name), "host handles %s", v ? v : "a trap");
    if (!wanted(x, exit, at, at)) return;
    event(x, name, "i", LANE_HOST, at);
    fputs(",\"s\":\"t\"", x->out);
    fputs(",\"args\":{\"duration\":\"not modelled: lgsim's host work takes no virtual time\",",
          x->out);
    json_record_fields(x->out, exit);
    fputs("}}", x->out);
}

static void on_to_guest(struct exporter *x, const struct trace_rec *r) {
    uint32_t ns = r->f[TG_SWITCHER_NS];
    switcher_slice(x, "enter the guest", r, ns);
    x->guest = (struct slice){ 1, r->t + ns, *r };
    x->guest_lane = guest_lane_of(r->f[TG_CS]);
}

static void on_to_host(struct exporter *x, const struct trace_rec *r) {
    uint32_t ns = r->f[TH_SWITCHER_NS];
    const char *v = trace_vector_name(r->f[TH_VECTOR]);
    char name[48];
    close_guest(x, r->t, r);
    snprintf(name, sizeof(name), "exit to the host: %s", v ? v : "trap");
    switcher_slice(x, name, r, ns);
    host_handles(x, r, r->t + ns);
}

/* The retry: the guest is back in the faulting ring, maybe by its own iret. */
static void on_retry(struct exporter *x, const struct trace_rec *r) {
    enum lane lane = guest_lane_of(x->rt_cs);
    if (x->guest.open && lane != x->guest_lane) {
        close_guest(x, r->t, NULL);
        x->guest = (struct slice){ 1, r->t, *r };
        x->guest_lane = lane;
    }
    instant(x, "retry", lane, r);
    if (r->rt == x->rt) flow_point(x, lane, r->t, 1, r->t, r);
}

/* --- instants --- */

static void instant_named(struct exporter *x, const struct trace_rec *r) {
    char name[64];
    const char *k = trace_kind_name(r->kind), *v = NULL;
    enum lane lane = LANE_HOST;
    switch (r->kind) {
    case TK_HCALL:
        v = trace_hcall_name(r->f[HC_NR]);
        if (v) snprintf(name, sizeof(name), "%s", v);
        else snprintf(name, sizeof(name), "hypercall %u", r->f[HC_NR]);
        break;
    case TK_IRQ:
        snprintf(name, sizeof(name), "IRQ %u %s", r->f[IQ_IRQ],
                 trace_value_name(r->kind, IQ_ACTION, r->f[IQ_ACTION]));
        break;
    case TK_PF:
        snprintf(name, sizeof(name), "#PF %s", trace_value_name(r->kind, PF_OUTCOME,
                                                                r->f[PF_OUTCOME]));
        break;
    case TK_REFLECT:
        v = trace_vector_name(r->f[RF_VECTOR]);
        snprintf(name, sizeof(name), "reflect %s", v ? v : "trap");
        break;
    case TK_LAUNCHER:
        snprintf(name, sizeof(name), "launcher %s", trace_value_name(r->kind, LN_WHAT,
                                                                     r->f[LN_WHAT]));
        break;
    case TK_FLUSH:
        snprintf(name, sizeof(name), "flush %s", trace_value_name(r->kind, FL_WHAT,
                                                                  r->f[FL_WHAT]));
        break;
    case TK_SPTE:
        snprintf(name, sizeof(name), "shadow PTE");
        break;
    case TK_RT_END:
        snprintf(name, sizeof(name), "round trip %u %s", r->rt,
                 trace_value_name(r->kind, RE_OUTCOME, r->f[RE_OUTCOME]));
        break;
    default:
        snprintf(name, sizeof(name), "%s", k ? k : "?");
    }
    instant(x, name, lane, r);
}

static void on_record(struct exporter *x, const struct trace_rec *r) {
    x->last_t = r->t > x->last_t ? r->t : x->last_t;
    switch (r->kind) {
    case TK_TO_GUEST: on_to_guest(x, r); return;
    case TK_TO_HOST:  on_to_host(x, r); return;
    case TK_RETRY:    on_retry(x, r); return;
    case TK_HALT:     complete(x, "idle (guest halted)", LANE_HOST, r->t, r->t + r->f[HL_IDLE_NS],
                               r); return;
    case TK_RT_END:   flow_end(x, r->t); break;
    }
    instant_named(x, r);
}

/* --- the file around the events --- */

static void metadata(struct exporter *x, const char *what, enum lane lane, const char *key,
                     const char *value, int number) {
    fprintf(x->out, "%s{\"name\":\"%s\",\"ph\":\"M\",\"pid\":1,\"tid\":%d,\"args\":{\"%s\":",
            lane == LANE_HOST && !strcmp(what, "process_name") ? "" : ",\n", what, lane, key);
    if (number) fputs(value, x->out);
    else json_cstring(x->out, value);
    fputs("}}", x->out);
}

static void begin_file(struct exporter *x) {
    fputs("{\"traceEvents\":[\n", x->out);
    metadata(x, "process_name", LANE_HOST, "name", "lgsim", 0);
    for (int l = LANE_HOST; l <= LANE_USER; l++) {
        char order[8];
        snprintf(order, sizeof(order), "%d", l);
        metadata(x, "thread_name", (enum lane)l, "name", lane_names[l], 0);
        metadata(x, "thread_sort_index", (enum lane)l, "sort_index", order, 1);
    }
}

static void end_file(struct exporter *x, const struct trace_header *h) {
    static char line[4096];
    close_guest(x, x->last_t, NULL);
    flow_end(x, x->last_t);
    trace_format_header(h, line, sizeof(line));
    /* "displayTimeUnit":"ns": chrome://tracing compares slice bounds at the display unit's
     * precision, and at its default (ms, to the microsecond) back-to-back Switcher slices of
     * 83 and 92 ns nest and flows find no slice.  ts and dur stay microseconds, as the format
     * and Perfetto since 2022 read them (Perfetto before took "ns" as their unit). */
    fputs("\n],\n\"displayTimeUnit\":\"ns\",\n\"otherData\":{\"trace\":", x->out);
    json_cstring(x->out, line);
    fputs(",\"time\":\"virtual: 1 us in this file is 1000 ns of the guest's clock\","
          "\"host\":\"the host's handling of an exit takes no virtual time in lgsim (not "
          "modelled): each is an instant, never a slice\"}}\n", x->out);
}

static void usage(FILE *f) {
    fprintf(f, "usage: lgsim trace export [--format=chrome] [filters] [-o OUT] FILE\n"
               "  Chrome trace-event JSON: open it in https://ui.perfetto.dev or\n"
               "  chrome://tracing.  Lanes: host, Switcher, guest kernel, guest user; an\n"
               "  arrow per page-fault round trip.  The host's work takes no virtual time:\n"
               "  each exit it handles is an instant.  Default output: stdout.\n"
               "  The filters are dump's: a slice is written when the record that opened it\n"
               "  passes them (cut to --from..--to), an instant when its record does.\n%s",
            trace_filter_help);
}

/* Chrome's trace-event JSON is the one format there is: --format=chrome may be left out. */
static int parse_args(int argc, char **argv, const char **in, const char **out,
                      struct trace_filter *flt) {
    int chrome = 1;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int taken = trace_filter_arg(flt, a);
        if (taken < 0) return -1;
        if (taken) continue;
        if (!strcmp(a, "--help")) { usage(stdout); exit(0); }
        if (!strncmp(a, "--format=", 9)) chrome = !strcmp(a + 9, "chrome") ? 1 : -1;
        else if (!strcmp(a, "--format") && i + 1 < argc)
            chrome = !strcmp(argv[++i], "chrome") ? 1 : -1;
        else if (!strcmp(a, "-o") && i + 1 < argc) *out = argv[++i];
        else if (!strncmp(a, "--output=", 9)) *out = a + 9;
        else if (a[0] != '-' && !*in) *in = a;
        else {
            fprintf(stderr, "lgsim trace: export: unknown argument '%s' (lgsim trace export "
                    "--help)\n", a);
            return -1;
        }
    }
    if (chrome < 0) fprintf(stderr, "lgsim trace: export knows one format: --format=chrome\n");
    else if (!*in) fprintf(stderr, "lgsim trace: export: which trace? (lgsim trace export "
                           "[--format=chrome] [filters] [-o OUT] FILE)\n");
    return chrome < 0 || !*in ? -1 : 0;
}

static int export_all(struct trace_reader *rd, struct exporter *x) {
    static struct trace_rec rec;
    int rc;
    begin_file(x);
    while ((rc = trace_read(rd, &rec)) > 0) on_record(x, &rec);
    if (tool_read_end(rd, rc)) return -1;
    end_file(x, &rd->h);
    return 0;
}

int trace_export(int argc, char **argv) {
    static struct exporter x;
    const char *in = NULL, *out = NULL;
    memset(&x, 0, sizeof(x));
    trace_filter_init(&x.flt);
    if (parse_args(argc, argv, &in, &out, &x.flt)) return 2;
    if (x.flt.from_ns > x.flt.to_ns) {
        fprintf(stderr, "lgsim trace: --from is after --to: nothing to export\n");
        return 2;
    }
    x.kinds = x.flt;
    x.kinds.from_ns = 0;
    x.kinds.to_ns = UINT64_MAX;
    struct trace_reader rd;
    if (tool_open(&rd, in)) return 2;
    if (tool_names(&x.names, &rd, in)) {
        trace_reader_close(&rd);
        return 2;
    }
    x.out = out ? fopen(out, "wb") : stdout;
    if (!x.out) {
        fprintf(stderr, "lgsim trace: cannot write %s\n", out);
        tool_names_close(&x.names);
        trace_reader_close(&rd);
        return 2;
    }
    int rc = export_all(&rd, &x);
    tool_names_close(&x.names);
    trace_reader_close(&rd);
    if (fflush(x.out) || (out && fclose(x.out))) {
        fprintf(stderr, "lgsim trace: writing %s failed\n", out ? out : "the output");
        rc = -1;
    }
    if (rc && out) remove(out);   /* no half-written JSON left behind */
    return rc ? 2 : 0;
}
