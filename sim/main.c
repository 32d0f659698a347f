/* main.c - the lgsim command line: lguest's launcher arguments, plus the simulator's own. */
#include "sim/machine.h"
#include "sim/layout.h"
#include "sim/diagnose.h"
#include "sim/term.h"
#include "switcher-model/lguest_pages.h"
#include "traces/tool.h"
#include "debug/debug.h"
#include <capstone/capstone.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern const uint8_t lgsim_demo_guest[];
extern const size_t lgsim_demo_guest_len;

static void usage(FILE *f) {
    fprintf(f,
"usage: lgsim [options] MEM KERNEL [kernel args...]\n"
"       lgsim                      run the built-in demo guest\n"
"\n"
"  MEM                  guest memory in MiB (e.g. 64 or 64m), 1 to %u\n"
"  KERNEL               an i386 lguest guest: ELF vmlinux or bzImage\n"
"\n"
"options (lguest's launcher):\n"
"  -v, --verbose        say what the launcher emulates\n"
"  --initrd=FILE, --initrd FILE   an initial RAM disk, loaded at the top of guest memory\n"
"  --block=FILE         a virtio disk backed by FILE (read-only if FILE is; repeatable)\n"
"  --rng                a virtio entropy device (a fixed-seed stream: runs repeat)\n"
"  --tunnet=IP[:MAC], --tunnet=bridge:NAME[:MAC]   a virtio network device on a new TAP\n"
"                       device, its host end given IP or added to bridge NAME (Linux;\n"
"                       needs CAP_NET_ADMIN)\n"
"  --net=user[,hostfwd=[tcp|udp]:[HOSTADDR]:HOSTPORT-[GUESTADDR]:GUESTPORT][,mac=MAC]\n"
"                       a virtio network device on user-mode networking (libslirp, no\n"
"                       privileges): the guest is 10.0.2.15, gateway and host 10.0.2.2,\n"
"                       DNS 10.0.2.3, DHCP; hostfwd repeatable\n"
"options (the simulator's own):\n"
"  --switcher=FILE.o    load this Switcher object instead of lgsim's own\n"
"  --trace=FILE, --trace FILE   record a binary trace (read it with: lgsim trace ...)\n"
"  --trace-switches[=FILE]  one line per world switch, to stderr or FILE\n"
"  --replay=FILE        give the console and network devices the input recorded in trace\n"
"                       FILE (same kernel and options), not stdin or a network\n"
"  --max-time=MS        stop a guest still running after MS ms of virtual time\n"
"  --gdb[=PORT]         serve the GDB remote protocol on 127.0.0.1:PORT (default 1234;\n"
"                       0: any free port, printed)\n"
"  --gdb-wait           hold the machine before its first instruction until gdb attaches\n"
"  --gdb-step-over-irqs a debugger's single step runs interrupts through instead of into\n"
"  --stats              print a summary when the guest stops (switches, hypercalls,\n"
"                       faults, interrupts, virtual time)\n"
"  -h, --help           this text\n"
"\n"
"Options may come before, between or after MEM and KERNEL, as lguest's getopt_long allows;\n"
"everything after \"--\" is MEM, KERNEL or a kernel argument.\n"
"\n"
"       lgsim trace dump|stats|diff|explain|export ...   read traces (lgsim trace help)\n",
            GUEST_MEM_MAX_MB);
}

static uint8_t *read_file(const char *path, size_t *len, char *err, size_t errlen) {
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errlen, "cannot open %s: %s", path, strerror(errno));
        return NULL;
    }
    size_t cap = 1 << 20, n = 0;
    uint8_t *buf = malloc(cap);
    while (buf) {
        n += fread(buf + n, 1, cap - n, f);
        if (n < cap) break;
        uint8_t *bigger = realloc(buf, cap *= 2);
        if (!bigger) { free(buf); buf = NULL; }
        else buf = bigger;
    }
    int bad = ferror(f);
    fclose(f);
    if (!buf || bad) {
        snprintf(err, errlen, "cannot read %s", path);
        free(buf);
        return NULL;
    }
    *len = n;
    return buf;
}

/* lguest 4.4 reads MEM with atoi(): "64", "64m" and "64M" are 64 MiB, and so, silently, are
 * "64k" or "64G".  lgsim takes the forms that mean the same to both and refuses the rest. */
static int parse_mem(const char *s, uint32_t *mb) {
    char *end;
    unsigned long v = strtoul(s, &end, 10);
    if (end == s || (*end && strcmp(end, "m") && strcmp(end, "M")) || v < 1 ||
        v > GUEST_MEM_MAX_MB)
        return -1;
    *mb = (uint32_t)v;
    return 0;
}

static char *join_args(int argc, char **argv) {
    size_t len = 1;
    for (int i = 0; i < argc; i++) len += strlen(argv[i]) + 1;
    char *s = calloc(1, len);
    for (int i = 0; s && i < argc; i++) {
        if (i) strcat(s, " ");
        strcat(s, argv[i]);
    }
    return s;
}

/* What real lguest never told you: the faulting instruction, where it is, and the rings. */
static void explain_death(struct machine *m) {
    uint8_t *r = guest_regs(m);
    uint32_t eip = le32(r + LGUEST_REGS_eip);
    uint8_t code[16] = { 0 };
    uint32_t have = guest_fetch(m, eip, code, sizeof(code));
    uint32_t off = 0;
    const char *sym = kernel_symbol(m, eip, &off);
    if (!strncmp(m->dead_reason, "bad page ", 9))
        fprintf(stderr, "lgsim: the entry was %#x\n", m->shadow.bad_entry);
    fprintf(stderr, "lgsim: guest was at eip %#x", eip);
    if (sym) fprintf(stderr, " (%s+%#x)", sym, off);
    fprintf(stderr, ", cpl %u, cs=%04x ss=%04x ds=%04x es=%04x fs=%04x gs=%04x\n",
            le32(r + LGUEST_REGS_cs) & 3, le32(r + LGUEST_REGS_cs), le32(r + LGUEST_REGS_ss),
            le32(r + LGUEST_REGS_ds), le32(r + LGUEST_REGS_es), le32(r + LGUEST_REGS_fs),
            le32(r + LGUEST_REGS_gs));
    /* A hypercall is a trap: the saved EIP is already past the int $0x1f. */
    int in_hcall = le32(r + LGUEST_REGS_trapnum) == LGUEST_TRAP_ENTRY;
    if (in_hcall) {
        uint32_t nr = le32(r + LGUEST_REGS_eax);
        fprintf(stderr, "lgsim: killed in hypercall %u (LHCALL_%s), made by the int $0x1f just "
                "before eip %#x\n", nr, hcall_name(nr) ? hcall_name(nr) : "?", eip);
    }
    cs_insn *insn;
    if (have && cs_disasm(m->cpu.dis, code, have, eip, 1, &insn) == 1) {   /* the CPU's Capstone */
        fprintf(stderr, "lgsim: %s:", in_hcall ? "next instruction" : "faulting instruction");
        for (int i = 0; i < insn->size; i++) fprintf(stderr, " %02x", insn->bytes[i]);
        fprintf(stderr, "   %s %s\n", insn->mnemonic, insn->op_str);
        if (!in_hcall) diagnose_fault(m, insn->bytes, insn->size, sym, stderr);
        cs_free(insn, 1);
    }
}

/* Where the built Switcher object and host routine lie next to this lgsim, if they do: the
 * debugger loads their symbols from there. */
static const char *beside_program(const char *argv0, const char *rel, char *buf, size_t len) {
    const char *slash = strrchr(argv0, '/');
    snprintf(buf, len, "%.*s%s", slash ? (int)(slash - argv0 + 1) : 0, argv0, rel);
    FILE *f = fopen(buf, "rb");
    if (!f) return NULL;
    fclose(f);
    return buf;
}

static int run(struct machine_options *opt, int stats, struct debug_options *dbg) {
    static struct machine m;
    char err[300] = "";
    term_setup();   /* the terminal comes back however lgsim ends */
    if (machine_init(&m, opt, err, sizeof(err))) {
        fprintf(stderr, "lgsim: %s\n", err);
        machine_free(&m);
        return 2;
    }
    struct debugger *d = NULL;
    if (dbg && !(d = debug_open(&m, dbg, err, sizeof(err)))) {
        fprintf(stderr, "lgsim: --gdb: %s\n", err);
        machine_free(&m);
        return 2;
    }
    int code = machine_run(&m);
    debug_close(d, code);
    fflush(opt->console);
    fprintf(stderr, "lgsim: %s\n", m.dead_reason);
    if (replay_finish(&m, err, sizeof(err))) {
        fprintf(stderr, "lgsim: %s\n", err);
        code = 2;
    }
    if (machine_close_trace(&m, err, sizeof(err))) {
        fprintf(stderr, "lgsim: %s\n", err);
        code = 2;
    }
    if (code == 1 && strncmp(m.dead_reason, "CRASH", 5) != 0)
        explain_death(&m);
    if (stats) machine_summary(&m, stderr);
    machine_free(&m);
    return code;
}

/* What shapes a run, for the trace header: a diff warns when two traces' options differ.
 * Files are named without their directories. */
static const char *options_text(const struct machine_options *o) {
    static char buf[TRACE_STR_MAX + 1];
    const char *sw = o->switcher_name ? strrchr(o->switcher_name, '/') : NULL;
    snprintf(buf, sizeof(buf), "mem=%uM switcher=%s max-time=%llums cmdline=\"%s\"", o->mem_mb,
             !o->switcher_name ? "lgsim" : sw ? sw + 1 : o->switcher_name,
             (unsigned long long)(o->max_ns / 1000000), o->cmdline ? o->cmdline : "");
    for (int i = 0; i < o->n_devices; i++) {   /* the devices, in PCI slot order */
        const struct machine_device *d = &o->devices[i];
        const char *p = d->path, *base = p ? strrchr(p, '/') : NULL;
        size_t n = strlen(buf);
        if (d->kind == DEV_BLOCK || d->kind == DEV_RNG)
            snprintf(buf + n, sizeof(buf) - n, "%s%s%s", i ? "," : " devices=",
                     p ? "block:" : "rng", p ? (base ? base + 1 : p) : "");
        else
            snprintf(buf + n, sizeof(buf) - n, "%snet:%s", i ? "," : " devices=",
                     d->kind == DEV_NET_USER ? "user" : "tap");
    }
    return buf;
}

/* --block=FILE, --rng, --net=user[,...] or --tunnet=ARG: the next PCI device, in
 * command-line order as in 4.4. */
static int add_device(struct machine_options *opt, const char *a) {
    if (opt->n_devices == MACHINE_DEVICES_MAX) {
        fprintf(stderr, "lgsim: %s: at most %d devices besides the console\n", a,
                MACHINE_DEVICES_MAX);
        return -1;
    }
    struct machine_device *d = &opt->devices[opt->n_devices++];
    if (!strncmp(a, "--net=", 6)) {
        if (strncmp(a + 6, "user", 4) || (a[10] && a[10] != ',')) {
            fprintf(stderr, "lgsim: %s: the only --net is user (for TAP: --tunnet=...)\n", a);
            return -1;
        }
        d->kind = DEV_NET_USER;
        d->path = a + 10 + (a[10] == ',');   /* the options after "user," */
        return 0;
    }
    d->kind = a[2] == 'b' ? DEV_BLOCK : a[2] == 'r' ? DEV_RNG : DEV_NET_TAP;
    d->path = d->kind == DEV_BLOCK ? a + 8 : d->kind == DEV_NET_TAP ? a + 9 : NULL;
    if (d->path && !*d->path) {
        fprintf(stderr, "lgsim: %s needs a value\n", a);
        return -1;
    }
    return 0;
}

int main(int argc, char **argv) {
    struct machine_options opt = { .console = stdout, .console_stdin = 1 };
    struct debug_options dbg = { .port = 1234 };
    int i, stats = 0, gdb = 0, npos = 0, only_args = 0;
    char sw_path[4096], host_path[4096];
    char err[300];
    const char *initrd_path = NULL;
    if (argc > 1 && !strcmp(argv[1], "trace"))
        return trace_tool(argc - 1, argv + 1);
    /* GNU getopt_long, as lguest uses it, takes options anywhere before a "--": the write-up's
     * "lguest 64m vmlinux --initrd=... root=..." passes --initrd to the launcher. */
    char **pos = calloc((size_t)argc, sizeof(*pos));
    if (!pos) return 2;
    for (i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (only_args || a[0] != '-' || !a[1]) {
            pos[npos++] = argv[i];
            continue;
        }
        if (!strcmp(a, "--")) { only_args = 1; continue; }
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) { usage(stdout); return 0; }
        else if (!strcmp(a, "-v") || !strcmp(a, "--verbose")) opt.verbose = 1;
        else if (!strcmp(a, "--trace-switches")) {
            opt.trace_switches = 1;
            opt.trace_file = stderr;
        } else if (!strncmp(a, "--trace-switches=", 17)) {
            opt.trace_switches = 1;
            opt.trace_file = fopen(a + 17, "w");
            if (!opt.trace_file) {
                fprintf(stderr, "lgsim: cannot write %s: %s\n", a + 17, strerror(errno));
                return 2;
            }
        }
        else if (!strcmp(a, "--stats")) stats = 1;
        else if (!strcmp(a, "--gdb")) gdb = 1;
        else if (!strncmp(a, "--gdb=", 6)) {
            char *end;
            long port = strtol(a + 6, &end, 10);
            if (*end || end == a + 6 || port < 0 || port > 65535) {
                fprintf(stderr, "lgsim: bad --gdb port '%s'\n", a + 6);
                return 2;
            }
            gdb = 1;
            dbg.port = (int)port;
        }
        else if (!strcmp(a, "--gdb-wait")) dbg.wait = 1;
        else if (!strcmp(a, "--gdb-step-over-irqs")) dbg.skip_irqs = 1;
        else if (!strncmp(a, "--trace=", 8) && a[8]) opt.trace_path = a + 8;
        else if (!strncmp(a, "--replay=", 9) && a[9]) opt.replay_path = a + 9;
        else if (!strcmp(a, "--replay")) {
            if (i + 1 == argc) {
                fprintf(stderr, "lgsim: --replay needs a trace file\n");
                return 2;
            }
            opt.replay_path = argv[++i];
        }
        else if (!strcmp(a, "--trace")) {
            if (i + 1 == argc) {
                fprintf(stderr, "lgsim: --trace needs a file name\n");
                return 2;
            }
            opt.trace_path = argv[++i];
        }
        else if (!strncmp(a, "--max-time=", 11)) {
            char *end;
            unsigned long long ms = strtoull(a + 11, &end, 10);
            if (*end || end == a + 11) {
                fprintf(stderr, "lgsim: bad --max-time value '%s'\n", a + 11);
                return 2;
            }
            opt.max_ns = ms * 1000000ull;
        } else if (!strncmp(a, "--switcher=", 11)) {
            opt.switcher_name = a + 11;
            opt.switcher_obj = read_file(a + 11, &opt.switcher_len, err, sizeof(err));
            if (!opt.switcher_obj) { fprintf(stderr, "lgsim: %s\n", err); return 2; }
        } else if (!strncmp(a, "--initrd=", 9) && a[9]) initrd_path = a + 9;
        else if (!strcmp(a, "--initrd")) {
            if (i + 1 == argc) {
                fprintf(stderr, "lgsim: --initrd needs a file name\n");
                return 2;
            }
            initrd_path = argv[++i];
            if (!npos)   /* lguest's MEM scan takes the first argument without a '-' */
                fprintf(stderr, "lgsim: note: lguest 4.4 itself would read '%s' as MEM here "
                        "(it takes the first argument not starting with '-'); write "
                        "--initrd=%s for it\n", initrd_path, initrd_path);
        } else if (!strncmp(a, "--block=", 8) || !strcmp(a, "--rng") ||
                   !strncmp(a, "--net=", 6) || !strncmp(a, "--tunnet=", 9)) {
            if (add_device(&opt, a)) return 2;
        } else {
            fprintf(stderr, "lgsim: unknown option '%s' (see lgsim --help)\n", a);
            return 2;
        }
    }
    if (opt.replay_path && opt.trace_path && !strcmp(opt.replay_path, opt.trace_path)) {
        fprintf(stderr, "lgsim: --replay and --trace name the same file (%s): the new trace "
                "would overwrite the one being replayed\n", opt.trace_path);
        return 2;
    }
    if (dbg.wait && !gdb) {
        fprintf(stderr, "lgsim: --gdb-wait needs --gdb\n");
        return 2;
    }
    dbg.switcher_obj = opt.switcher_name ? opt.switcher_name :
        beside_program(argv[0], "../switcher-model/switcher.o", sw_path, sizeof(sw_path));
    dbg.host_elf = beside_program(argv[0], "host.elf", host_path, sizeof(host_path));
    if (initrd_path) {
        opt.initrd_path = initrd_path;
        opt.initrd = read_file(initrd_path, &opt.initrd_len, err, sizeof(err));
        if (!opt.initrd) { fprintf(stderr, "lgsim: initrd: %s\n", err); return 2; }
    }
    if (npos == 0) {   /* no arguments: the built-in demo */
        opt.mem_mb = 64;
        opt.kernel = lgsim_demo_guest;
        opt.kernel_len = lgsim_demo_guest_len;
        opt.kernel_path = "(built-in demo guest)";
        if (!opt.max_ns) opt.max_ns = 10000000000ull;
        opt.options_text = options_text(&opt);
        return run(&opt, 1, gdb ? &dbg : NULL);   /* the demo always ends with its summary */
    }
    if (npos < 2) {
        fprintf(stderr, "lgsim: need MEM and KERNEL (see lgsim --help)\n");
        return 2;
    }
    if (parse_mem(pos[0], &opt.mem_mb)) {
        fprintf(stderr, "lgsim: bad memory size '%s': give MiB from 1 to %u, e.g. 64m\n",
                pos[0], GUEST_MEM_MAX_MB);
        return 2;
    }
    opt.kernel_path = pos[1];
    uint8_t *k = read_file(pos[1], &opt.kernel_len, err, sizeof(err));
    if (!k) { fprintf(stderr, "lgsim: %s\n", err); return 2; }
    opt.kernel = k;
    opt.cmdline = join_args(npos - 2, pos + 2);
    opt.options_text = options_text(&opt);
    dbg.kernel_path = opt.kernel_path;
    int code = run(&opt, stats, gdb ? &dbg : NULL);
    free(k);
    free((void *)opt.initrd);
    free(pos);
    return code;
}
