/* debugger.h - the stub's state, shared by the files of debug/ (private to them). */
#ifndef LGSIM_DEBUGGER_H
#define LGSIM_DEBUGGER_H
#include <stdint.h>
#include <stdio.h>
#include "debug/control.h"
#include "debug/debug.h"
#include "debug/net.h"
#include "debug/packet.h"
#include "sim/host/lg.h"
#include "traces/format.h"

#define DEBUG_RING 64           /* trace records kept for "monitor trace" */
/* How often a wait for gdb looks for a stop signal: a signal need not interrupt the wait (it
 * may be delivered to another thread, and on Windows it comes on a thread of its own). */
#define WAIT_SLICE_MS 100

struct debugger {
    struct control k;                /* the machine, as every client controls it */
    struct lguest *lg;
    struct debug_options opt;
    int listener, port, conn;
    struct net_watcher *watcher;
    struct packet_reader rd;
    uint8_t inbuf[512];              /* bytes read from gdb and not yet fed to rd */
    size_t in_have, in_used;
    char *out;                       /* the last reply, framed, for a '-' */
    size_t out_len;
    int no_ack;
    int attached_once;
    int awaiting_stop;               /* gdb sent c or s and waits for the stop */
    int monitor_waiting;             /* "monitor back|save" waits for its reply: the machine
                                      * goes there first (MONITOR_GOES) */
    char save_path[1024];            /* "monitor save FILE": saved at the next turn; "" none */
    char save_said[1600];            /* ... and what came of it */
    enum until back_event;           /* "monitor back" to an event (UNTIL_NONE: instructions) */

    enum view view;

    struct trace_rec ring[DEBUG_RING];
    unsigned ring_next;
    uint64_t ring_total;
};

/* regs.c: the register file gdb sees and its target description. */
#define REG_COUNT 56
#define REG_MAX_SIZE 44                                  /* the largest: "system" */
const char *regs_target_xml(void);
int regs_size(int n);                                    /* bytes of register n */
void regs_read(struct debugger *d, int n, uint8_t *val);  /* little-endian, REG_MAX_SIZE room */
int regs_write(struct debugger *d, int n, const uint8_t *val);

/* monitor.c: "monitor ..." (qRcmd); what it says grows in a monitor_out (gdb gets it as 'O'
 * packets).  A reply too big for memory ends in "(out of memory)". */
struct monitor_out {
    char *text;
    size_t len, cap;
    int oom;
};
void say(struct monitor_out *out, const char *fmt, ...)
    __attribute__((format(LGSIM_PRINTF_FORMAT, 2, 3)));
#define MONITOR_GOES 2   /* the command needs the machine to run (back, save): its reply
                          * comes when it is there (monitor_arrived) */
int monitor_command(struct debugger *d, const char *line, struct monitor_out *out);
void monitor_arrived(struct debugger *d);
void monitor_note_record(void *ctx, const struct trace_rec *r);
/* An address a command takes: a number (0 to max), eip, esp, ebp, cr2 or a kernel symbol. */
int monitor_address(struct debugger *d, const char *arg, uint64_t max, uint64_t *addr);

/* pt.c: "monitor pt [FROM TO]". */
int monitor_pt(struct debugger *d, const char *arg, struct monitor_out *out);

/* debug.c: accept a waiting debugger, or refuse it when one is attached; the Launcher's stop
 * signal (SIGINT, SIGTERM, SIGHUP), or 0. */
void take_connections(struct debugger *d);
int stop_signal(const struct debugger *d);

/* gdbstub.c: answer packets until gdb lets the CPU go (1) or leaves (0). */
int stub_serve(struct debugger *d);
int stub_next_packet(struct debugger *d);
void stub_stop_reply(struct debugger *d);
/* A monitor command's output as 'O' packets, then OK (E01: bad). */
void stub_monitor_reply(struct debugger *d, struct monitor_out *out, int bad);
void stub_monitor_alive(struct debugger *d);   /* a long "monitor back": gdb waits on */
#endif
