/* debugger.h - the stub's state, shared by the files of debug/ (private to them). */
#ifndef LGSIM_DEBUGGER_H
#define LGSIM_DEBUGGER_H
#include <stdint.h>
#include <stdio.h>
#include "debug/debug.h"
#include "debug/net.h"
#include "debug/packet.h"
#include "sim/host/lg.h"
#include "traces/format.h"

#define DEBUG_MAX_POINTS 32
#define DEBUG_RING 64           /* trace records kept for "monitor trace" */

enum point_kind { PT_EXEC, PT_WRITE, PT_READ, PT_ACCESS };
struct point { int kind; uint32_t addr, len; };

/* Where memory reads and writes go: "monitor view". */
enum view { VIEW_CURRENT, VIEW_PHYSICAL, VIEW_HOST, VIEW_SHADOW, VIEW_GUEST };

/* "monitor until": what the next continue runs to. */
enum until { UNTIL_NONE, UNTIL_SWITCH, UNTIL_PF, UNTIL_HCALL };

struct debugger {
    struct lguest *lg;
    struct cpu *c;
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

    struct point pt[DEBUG_MAX_POINTS];
    int n_pt;
    /* CPU hooks now installed: one per breakpoint, or one for every instruction (a step,
     * a watchpoint, "until"), and memory hooks for watchpoints. */
    cpu_hook h_exec[DEBUG_MAX_POINTS];
    uint32_t exec_addr[DEBUG_MAX_POINTS];
    int n_exec;
    cpu_hook h_all, h_mem;
    int have_all, have_mem;
    uint64_t n_all_made;             /* how often the every-instruction hook was installed */
    uint64_t n_hook_calls;           /* calls of the code hooks: what debugging costs */
    uint64_t n_hook_calls_alone;     /* of those, with no debugger attached: must stay 0 */

    /* The run now going. */
    int stepping;
    int fresh;                       /* the next instruction is the one the run resumed at */
    uint32_t resume_eip;
    int step_irq;                    /* skipping an interrupt: stop back at ret_eip in ret_cs */
    uint32_t ret_eip, ret_cs;
    enum until until;
    uint32_t until_nr;               /* UNTIL_HCALL: this number only; ~0: any */
    int until_hit;
    int watch_hit;
    struct point watch;              /* the watchpoint that hit, and the address touched */
    uint32_t watch_at;

    /* Why the CPU stopped (reported to gdb as a T packet). */
    int stop_sig;
    char stop_info[64];
    int awaiting_stop;               /* gdb sent c or s and waits for the stop */

    enum view view;
    int host_writes;                 /* "monitor host-writes on": M and X may write host memory */

    struct trace_rec ring[DEBUG_RING];
    unsigned ring_next;
    uint64_t ring_total;
};

/* regs.c: the register file gdb sees and its target description. */
#define REG_COUNT 55
const char *regs_target_xml(void);
int regs_size(int n);                                    /* bytes of register n */
void regs_read(struct debugger *d, int n, uint8_t *val);  /* little-endian */
int regs_write(struct debugger *d, int n, const uint8_t *val);
/* A segment register's hidden base and limit (0 = ES .. 5 = GS); -1 when unknown. */
int regs_segment_cache(struct debugger *d, int seg, uint32_t *base, uint32_t *limit);

/* views.c: memory through the chosen address space. */
int view_read(struct debugger *d, enum view v, uint32_t addr, void *buf, uint32_t len);
int view_write(struct debugger *d, enum view v, uint32_t addr, const void *buf, uint32_t len);
const char *view_name(enum view v);
/* The Guest's own page table: guest-physical address of la, with its entries. */
int guest_walk(struct debugger *d, uint32_t la, uint32_t *pde, uint32_t *pte, uint32_t *gpa);

/* points.c: breakpoints, watchpoints, steps and the hooks behind them. */
int points_add(struct debugger *d, int kind, uint32_t addr, uint32_t len);
int points_remove(struct debugger *d, int kind, uint32_t addr, uint32_t len);
void points_clear(struct debugger *d);
void points_arm(struct debugger *d);     /* install the hooks this run needs */

/* monitor.c: "monitor ..." (qRcmd); what it says grows in a monitor_out (gdb gets it as 'O'
 * packets).  A reply too big for memory ends in "(out of memory)". */
struct monitor_out {
    char *text;
    size_t len, cap;
    int oom;
};
void say(struct monitor_out *out, const char *fmt, ...)
    __attribute__((format(LGSIM_PRINTF_FORMAT, 2, 3)));
void monitor_command(struct debugger *d, const char *line, struct monitor_out *out);
void monitor_note_record(void *ctx, const struct trace_rec *r);
const char *world_name(struct debugger *d);

/* debug.c: accept a waiting debugger, or refuse it when one is attached. */
void take_connections(struct debugger *d);

/* gdbstub.c: answer packets until gdb lets the CPU go (1) or leaves (0). */
int stub_serve(struct debugger *d);
int stub_next_packet(struct debugger *d);
void stub_stop_reply(struct debugger *d);
#endif
