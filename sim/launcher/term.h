/* term.h - stdin, the terminal and stop signals: the only platform code the devices need. */
#ifndef LGSIM_TERM_H
#define LGSIM_TERM_H
#include <signal.h>
#include <stdint.h>

/* Catch SIGINT/SIGTERM/SIGHUP (a first one asks the run to stop: term_stop_signal; a second
 * ends lgsim at once) and crashes, and restore the terminal on every exit path. */
void term_setup(void);
/* The signal that asked the run to stop, or 0; and where it is kept, for the Host's run loop
 * to look at while the Guest runs (4.4's signal_pending()). */
int term_stop_signal(void);
const volatile sig_atomic_t *term_stop_flag(void);
int term_stdin_is_tty(void);
int term_stdout_is_tty(void);
/* The width of the terminal stderr is, in columns; 0 when stderr is no terminal (a pipe, a
 * file): the status line is drawn only on a terminal. */
int term_stderr_columns(void);
/* Raw input (no echo, no line editing, ^C not a signal), as 4.4's launcher sets it; restored at
 * exit, on a signal and on a crash.  Does nothing when stdin is no terminal. */
void term_raw(void);
void term_restore(void);
/* Up to n bytes of stdin, waiting at most timeout_ms (-1: as long as it takes).  Returns the
 * bytes read, 0 on timeout or a signal, -1 at end of input or on an error. */
int term_read(uint8_t *buf, uint32_t n, int timeout_ms);
/* Standard input, output and error pass bytes as they are (Windows would turn "\n" into
 * "\r\n" and stop at ^Z): lgsim's output is the same bytes on every system. */
void term_binary_stdio(void);
/* Milliseconds of a monotonic wall clock (only for the console's ^C^C^C rule). */
uint64_t term_wall_ms(void);
uint64_t term_wall_ns(void);   /* for the checkpoints' own figures (bench/), never the machine */
#endif
