/* gdbstub.c - the GDB remote serial protocol: packets in, the machine inspected, replies out. */
#include "debugger.h"
#include <stdlib.h>
#include <string.h>

/*
 * All-stop, one thread.  The stub talks to gdb only while the CPU is paused (cpu/pause.c):
 * the CPU thread calls stub_paused(), which answers packets until gdb says continue, step or
 * detach.  While the CPU runs, net.h's watcher thread waits for Ctrl-C or a new connection and
 * asks the CPU for attention.  What gdb sends is never trusted: a bad checksum is answered
 * with '-', an unknown packet with the empty reply, an oversized one with an error.
 */

static void drop_connection(struct debugger *d) {
    net_close(d->conn);
    d->conn = -1;
    d->awaiting_stop = 0;
    d->no_ack = 0;
    points_clear(&d->k);   /* a debugger that went away leaves nothing behind: the guest runs on */
    fprintf(stderr, "lgsim: gdb: debugger gone; the guest runs on\n");
}

static void send_bytes(struct debugger *d, const char *p, size_t n) {
    if (d->conn >= 0 && net_write(d->conn, p, n)) drop_connection(d);
}

static void reply_n(struct debugger *d, const char *payload, size_t n) {
    size_t cap = 2 * n + 8;
    char *framed = malloc(cap);
    if (!framed) return;
    size_t len = packet_frame(payload, n, framed, cap);
    free(d->out);
    d->out = framed;
    d->out_len = len;
    send_bytes(d, framed, len);
}

static void reply(struct debugger *d, const char *payload) { reply_n(d, payload, strlen(payload)); }

/* A stop signal (SIGTERM, Ctrl-C on lgsim's terminal) while gdb holds the CPU: gdb hears that
 * the process ends by that signal and is let go; the run ends at the Launcher's next turn, as
 * any run a signal stops ("stopped by signal N", exit 128 + N). */
static int let_go_on_signal(struct debugger *d) {
    int sig = stop_signal(d);
    if (!sig) return 0;
    char s[8];
    snprintf(s, sizeof(s), "X%02x", sig & 0xFF);
    reply(d, s);
    fprintf(stderr, "lgsim: gdb: signal %d while the debugger held the machine: the debugger is "
            "let go, the run ends\n", sig);
    net_close(d->conn);
    d->conn = -1;
    d->awaiting_stop = 0;
    d->no_ack = 0;
    points_clear(&d->k);
    return 1;
}

/* Read until a whole packet is in d->rd.data: 1; 2 for Ctrl-C; 0 when gdb is gone or let go. */
int stub_next_packet(struct debugger *d) {
    for (;;) {
        while (d->in_used < d->in_have) {
            enum packet_event e = packet_feed(&d->rd, d->inbuf[d->in_used++]);
            if (e == PKT_DATA) {
                if (!d->no_ack) send_bytes(d, "+", 1);
                return 1;
            }
            if (e == PKT_BAD) send_bytes(d, "-", 1);
            if (e == PKT_NAK && d->out) send_bytes(d, d->out, d->out_len);
            if (e == PKT_INTERRUPT) return 2;
            if (e == PKT_TOO_LONG) {
                if (!d->no_ack) send_bytes(d, "+", 1);
                reply(d, "E16");
            }
            if (d->conn < 0) return 0;
        }
        if (d->conn < 0) return 0;
        int ready = net_wait(d->conn, d->listener, WAIT_SLICE_MS);
        if (!ready && let_go_on_signal(d)) return 0;
        if (!ready) continue;
        if (ready == 2) {   /* someone else knocks meanwhile */
            take_connections(d);
            continue;
        }
        int n = net_read(d->conn, d->inbuf, sizeof(d->inbuf));
        if (n <= 0) {
            drop_connection(d);
            return 0;
        }
        d->in_have = (size_t)n;
        d->in_used = 0;
    }
}

/* A stop may come with a line for gdb's console (what the Host wrote): an 'O' packet first. */
void stub_stop_reply(struct debugger *d) {
    if (d->k.stop_note[0]) {
        char pkt[1 + 2 * sizeof(d->k.stop_note)] = "O";
        hex_put(pkt + 1, d->k.stop_note, strlen(d->k.stop_note));
        reply(d, pkt);
    }
    char s[96];
    snprintf(s, sizeof(s), "T%02xthread:1;%s", d->k.stop_sig ? d->k.stop_sig : 5, d->k.stop_info);
    reply(d, s);
}

/* --- registers and memory --- */

static void read_all_regs(struct debugger *d) {
    char hex[REG_COUNT * 2 * REG_MAX_SIZE + 1];
    size_t o = 0;
    for (int n = 0; n < REG_COUNT; n++) {
        uint8_t v[REG_MAX_SIZE];
        regs_read(d, n, v);
        hex_put(hex + o, v, (size_t)regs_size(n));
        o += 2 * (size_t)regs_size(n);
    }
    reply(d, hex);
}

static void write_all_regs(struct debugger *d, const char *hex) {
    size_t o = 0;
    for (int n = 0; n < 10 && strlen(hex) >= o + 8; n++, o += 8) {
        uint8_t v[4];
        if (hex_get(hex + o, v, 4)) { reply(d, "E01"); return; }
        regs_write(d, n, v);
    }
    reply(d, "OK");
}

static void read_reg(struct debugger *d, const char *arg) {
    uint64_t n;
    if (!hex_parse(arg, &n) || n >= REG_COUNT) { reply(d, "E01"); return; }
    uint8_t v[REG_MAX_SIZE];
    char hex[2 * REG_MAX_SIZE + 1];
    regs_read(d, (int)n, v);
    hex_put(hex, v, (size_t)regs_size((int)n));
    reply(d, hex);
}

static void write_reg(struct debugger *d, const char *arg) {
    uint64_t n;
    int used = hex_parse(arg, &n);
    uint8_t v[REG_MAX_SIZE];
    if (!used || arg[used] != '=' || n >= REG_COUNT ||
        strlen(arg + used + 1) < 2 * (size_t)regs_size((int)n) ||
        hex_get(arg + used + 1, v, (size_t)regs_size((int)n)) || regs_write(d, (int)n, v)) {
        reply(d, "E01");
        return;
    }
    reply(d, "OK");
}

/* "ADDR,LEN" then sep; returns the characters used, 0 when malformed. */
static int addr_len(const char *s, uint64_t *addr, uint64_t *len, char sep) {
    int a = hex_parse(s, addr);
    if (!a || s[a] != ',') return 0;
    int b = hex_parse(s + a + 1, len);
    if (!b || (sep && s[a + 1 + b] != sep)) return 0;
    return a + 1 + b + (sep ? 1 : 0);
}

static void read_mem(struct debugger *d, const char *arg) {
    uint64_t addr, len;
    if (!addr_len(arg, &addr, &len, 0) || addr > 0xFFFFFFFFu) { reply(d, "E01"); return; }
    if (len > PACKET_SIZE_OFFERED / 2 - 8) len = PACKET_SIZE_OFFERED / 2 - 8;
    uint8_t buf[PACKET_SIZE_OFFERED / 2];
    char hex[PACKET_SIZE_OFFERED + 1];
    if (view_read(&d->k, d->view, (uint32_t)addr, buf, (uint32_t)len)) {
        view_tell_unreadable(&d->k, d->view, (uint32_t)addr);
        reply(d, "E14");
        return;
    }
    hex_put(hex, buf, (size_t)len);
    reply(d, hex);
}

static void write_mem(struct debugger *d, char *arg, size_t arglen, int binary) {
    uint64_t addr, len;
    int used = addr_len(arg, &addr, &len, ':');
    if (!used || addr > 0xFFFFFFFFu || len > PACKET_MAX) { reply(d, "E01"); return; }
    uint8_t *buf = malloc(len + 1);
    char *data = arg + used;
    size_t have = arglen - (size_t)used;
    int bad = !buf;
    if (!bad && binary) {
        have = packet_unescape(data, have);
        bad = have < len;
        if (!bad) memcpy(buf, data, len);
    } else if (!bad) {
        bad = have < 2 * len || hex_get(data, buf, len);
    }
    if (!bad && len && view_write(&d->k, d->view, (uint32_t)addr, buf, (uint32_t)len)) bad = 2;
    free(buf);
    reply(d, bad == 2 ? "E14" : bad ? "E01" : "OK");
}

/* --- breakpoints --- */

static void point(struct debugger *d, const char *arg, int insert) {
    static const int kinds[] = { PT_EXEC, PT_EXEC, PT_WRITE, PT_READ, PT_ACCESS };
    uint64_t type, addr, len;
    int t = hex_parse(arg, &type);
    if (!t || type > 4 || arg[t] != ',' || !addr_len(arg + t + 1, &addr, &len, 0) ||
        addr > 0xFFFFFFFFu || len > 0x1000) {
        reply(d, "E01");
        return;
    }
    int kind = kinds[type];
    uint32_t n = kind == PT_EXEC ? 1 : (uint32_t)len;
    int r = insert ? points_add(&d->k, kind, (uint32_t)addr, n) :
                     points_remove(&d->k, kind, (uint32_t)addr, n);
    reply(d, r ? "E0e" : "OK");
}

/* --- queries --- */

static void xfer_features(struct debugger *d, const char *arg) {
    uint64_t off, len;
    const char *xml = regs_target_xml();
    size_t total = strlen(xml);
    if (strncmp(arg, "target.xml:", 11) || !addr_len(arg + 11, &off, &len, 0)) {
        reply(d, "E00");
        return;
    }
    if (off >= total) { reply(d, "l"); return; }
    if (len > PACKET_SIZE_OFFERED - 16) len = PACKET_SIZE_OFFERED - 16;
    size_t n = total - off < len ? total - off : (size_t)len;
    char *s = malloc(n + 2);
    if (!s) { reply(d, "E00"); return; }
    s[0] = off + n < total ? 'm' : 'l';
    memcpy(s + 1, xml + off, n);
    reply_n(d, s, n + 1);
    free(s);
}

/* Output goes to gdb as 'O' packets (hex), then OK, or E01 for a command refused (gdb then
 * fails the command, after showing the line that says why). */
static void monitor(struct debugger *d, const char *hex) {
    size_t n = strlen(hex) / 2;
    char *line = calloc(1, n + 1);
    if (!line || hex_get(hex, line, n)) { free(line); reply(d, "E01"); return; }
    struct monitor_out out = { 0 };
    int bad = monitor_command(d, line, &out);
    free(line);
    if (bad == MONITOR_GOES) {   /* the reply comes when the machine is there */
        d->monitor_waiting = 1;
        free(out.text);
        return;
    }
    stub_monitor_reply(d, &out, bad);
}

/* gdb waits for a monitor command's reply only remotetimeout seconds (2) between packets, then
 * gives up on it and takes a later reply for it: while "monitor back" goes a long way, an
 * empty output packet every CONTROL_GOING_EVERY instructions run (gdb prints nothing for it)
 * tells it the command runs on. */
void stub_monitor_alive(struct debugger *d) {
    if (d->monitor_waiting) reply(d, "O");
}

void stub_monitor_reply(struct debugger *d, struct monitor_out *out, int bad) {
    for (size_t at = 0; at < out->len; at += 512) {
        size_t k = out->len - at < 512 ? out->len - at : 512;
        char pkt[1 + 1024 + 1] = "O";
        hex_put(pkt + 1, out->text + at, k);
        reply(d, pkt);
    }
    if (out->oom) {
        static const char note[] = "(out of memory)\n";
        char pkt[1 + 2 * sizeof(note)] = "O";
        hex_put(pkt + 1, note, sizeof(note) - 1);
        reply(d, pkt);
    }
    free(out->text);
    out->text = NULL;
    reply(d, bad ? "E01" : "OK");
}

static int query(struct debugger *d, const char *q) {
    if (!strncmp(q, "qSupported", 10)) {
        char s[128];
        snprintf(s, sizeof(s), "PacketSize=%x;qXfer:features:read+;QStartNoAckMode+;"
                 "vContSupported+;ReverseStep+;ReverseContinue+", PACKET_SIZE_OFFERED);
        reply(d, s);
    } else if (!strcmp(q, "QStartNoAckMode")) {
        reply(d, "OK");
        d->no_ack = 1;
    } else if (!strncmp(q, "qXfer:features:read:", 20)) {
        xfer_features(d, q + 20);
    } else if (!strncmp(q, "qRcmd,", 6)) {
        monitor(d, q + 6);
    } else if (!strcmp(q, "qAttached")) {
        reply(d, "1");
    } else if (!strcmp(q, "qC")) {
        reply(d, "QC1");
    } else if (!strcmp(q, "qfThreadInfo")) {
        reply(d, "m1");
    } else if (!strcmp(q, "qsThreadInfo")) {
        reply(d, "l");
    } else {
        return 0;
    }
    return 1;
}

/* --- running --- */

/* Parse c/s/vCont: 1 to run on (with d->k.stepping set), 0 when not a resume packet. */
static int resume_packet(struct debugger *d, const char *p) {
    if (p[0] == 'c' || p[0] == 'C' || p[0] == 's' || p[0] == 'S') {
        d->k.stepping = p[0] == 's' || p[0] == 'S';
        return 1;
    }
    if (!strncmp(p, "vCont;", 6)) {
        d->k.stepping = p[6] == 's' || p[6] == 'S';
        return 1;
    }
    return 0;
}

/* bs / bc: reverse-stepi, reverse-continue.  1 when the CPU goes back (the stop reply comes on
 * arrival); 0 answered here (already at the start, or refused). */
static int reverse_packet(struct debugger *d, char what) {
    int r = what == 's' ? control_back(&d->k, 1) : control_reverse_continue(&d->k);
    if (r > 0) {
        d->awaiting_stop = 1;
        return 1;
    }
    if (r == 0) {
        reply(d, "T05thread:1;replaylog:begin;");
        return 0;
    }
    fprintf(stderr, "lgsim: gdb: cannot go back: %s\n", d->k.tr.why);
    reply(d, "E01");
    return 0;
}

/* Answer packets until gdb lets the CPU go: 1, or 0 when gdb is gone or detached. */
int stub_serve(struct debugger *d) {
    for (;;) {
        int got = stub_next_packet(d);
        if (got == 0) return 0;
        if (got == 2) { stub_stop_reply(d); continue; }   /* Ctrl-C while stopped: say so */
        char *p = d->rd.data;
        size_t len = d->rd.len;
        if (resume_packet(d, p)) {
            d->awaiting_stop = 1;
            return 1;
        }
        if (p[0] == 'b' && (p[1] == 's' || p[1] == 'c') && !p[2]) {
            if (reverse_packet(d, p[1])) return 1;
            continue;
        }
        switch (p[0]) {
        case '?': stub_stop_reply(d); break;
        case 'g': read_all_regs(d); break;
        case 'G': write_all_regs(d, p + 1); break;
        case 'p': read_reg(d, p + 1); break;
        case 'P': write_reg(d, p + 1); break;
        case 'm': read_mem(d, p + 1); break;
        case 'M': write_mem(d, p + 1, len - 1, 0); break;
        case 'X': write_mem(d, p + 1, len - 1, 1); break;
        case 'Z': point(d, p + 1, 1); break;
        case 'z': point(d, p + 1, 0); break;
        case 'H': case 'T': reply(d, "OK"); break;
        case 'D':
            reply(d, "OK");
            fprintf(stderr, "lgsim: gdb: detached; the guest runs on\n");
            net_close(d->conn);
            d->conn = -1;
            d->no_ack = 0;
            points_clear(&d->k);
            return 0;
        case 'k':
            fprintf(stderr, "lgsim: gdb: killed by the debugger\n");
            control_kill(&d->k, "killed by the debugger");
            net_close(d->conn);
            d->conn = -1;
            points_clear(&d->k);
            return 0;
        case 'v':
            if (!strcmp(p, "vCont?")) reply(d, "vCont;c;C;s;S");
            else reply(d, "");
            break;
        default:
            if (!query(d, p)) reply(d, "");
            if (d->monitor_waiting) return 1;   /* monitor back|save: the CPU goes */
        }
    }
}
