/* debug.h - lgsim --gdb: a GDB remote stub inside the simulator (what the launcher calls). */
#ifndef LGSIM_DEBUG_H
#define LGSIM_DEBUG_H
#include <signal.h>
#include <stddef.h>
#include "cpu/cpu.h"
#include "debug/control.h"
#include "sim/symbols.h"

struct lguest;
struct debugger;

struct debug_options {
    int port;          /* 0: let the system pick (lgsim prints it) */
    int wait;          /* --gdb-wait: hold the first instruction until a debugger attaches */
    int skip_irqs;     /* --gdb-step-over-irqs: a step runs an interrupt through to its end */
    const char *kernel_path, *switcher_obj, *host_elf;   /* for the printed gdb commands */
    const struct symtab *symbols;    /* the Guest kernel's names; NULL: none */
    /* The Launcher's stop signal (SIGINT, SIGTERM, SIGHUP), 0 until one comes: --gdb-wait
     * gives up waiting when it does.  NULL: never. */
    const volatile sig_atomic_t *stop_signal;
};

/* Listen (127.0.0.1 only) and tell the CPU whom to ask when it pauses. */
struct debugger *debug_open(struct lguest *lg, const struct debug_options *o,
                            char *err, size_t errlen);
/* The checkpoints gdb may go back to (reverse-stepi, reverse-continue); kept, not copied. */
void debug_checkpoints(struct debugger *d, const struct control_checkpoints *cps);
/* The run was ended for going back (lguest_unwound()): the checkpoint in place, the pass
 * armed; 0, or -1 with the reason. */
int debug_travel(struct debugger *d, char *err, size_t errlen);
/* "monitor save FILE" waits for a turn of the Launcher: the file (NULL: none); at the turn
 * the Launcher saves and tells debug_saved() (failure: why, NULL when saved), and the
 * debugger goes back to where gdb was. */
const char *debug_save_wanted(struct debugger *d);
void debug_saved(struct debugger *d, const char *failure, uint64_t t);
/* The guest has stopped for good: tell an attached debugger the exit code, then close. */
void debug_close(struct debugger *d, int exit_code);
#endif
