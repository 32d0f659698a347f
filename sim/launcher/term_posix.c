/* term_posix.c - term.h on POSIX: termios raw mode, poll() on stdin, sigaction, atexit. */
#define _POSIX_C_SOURCE 200809L
#include "sim/launcher/term.h"
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

static struct termios saved;
static volatile sig_atomic_t raw_on, stop_signal;

void term_restore(void) {
    if (!raw_on) return;
    raw_on = 0;
    tcsetattr(STDIN_FILENO, TCSANOW, &saved);   /* async-signal-safe */
}

/* The first stop signal lets the machine end the run cleanly (trace closed, disk synced); a
 * second one, or a crash, restores the terminal and dies the way the signal says. */
static void on_signal(int sig) {
    int fatal = sig != SIGINT && sig != SIGTERM && sig != SIGHUP;
    if (!fatal && !stop_signal) {
        stop_signal = sig;
        return;
    }
    term_restore();
    signal(sig, SIG_DFL);
    raise(sig);
}

void term_setup(void) {
    static const int sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGSEGV, SIGBUS, SIGFPE,
                                SIGILL, SIGABRT };
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;   /* no SA_RESTART: a blocked read of stdin returns */
    sigemptyset(&sa.sa_mask);
    for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) sigaction(sigs[i], &sa, NULL);
    atexit(term_restore);
}

int term_stop_signal(void) { return stop_signal; }
const volatile sig_atomic_t *term_stop_flag(void) { return &stop_signal; }

int term_stdin_is_tty(void) { return isatty(STDIN_FILENO); }
int term_stdout_is_tty(void) { return isatty(STDOUT_FILENO); }

int term_stderr_columns(void) {
    if (!isatty(STDERR_FILENO)) return 0;
#ifdef TIOCGWINSZ   /* every Unix has it, POSIX before 2024 does not name it */
    struct winsize w;
    if (ioctl(STDERR_FILENO, TIOCGWINSZ, &w) == 0 && w.ws_col > 0) return w.ws_col;
#endif
    return 80;
}

void term_raw(void) {
    struct termios t;
    if (raw_on || tcgetattr(STDIN_FILENO, &saved) != 0) return;
    t = saved;
    t.c_lflag &= ~(tcflag_t)(ISIG | ICANON | ECHO);   /* exactly what 4.4 turns off */
    t.c_cc[VMIN] = 1;
    t.c_cc[VTIME] = 0;
    raw_on = 1;
    tcsetattr(STDIN_FILENO, TCSANOW, &t);
}

int term_read(uint8_t *buf, uint32_t n, int timeout_ms) {
    struct pollfd p = { .fd = STDIN_FILENO, .events = POLLIN };
    int r = poll(&p, 1, timeout_ms);
    if (r < 0) return errno == EINTR ? 0 : -1;
    if (r == 0) return 0;
    ssize_t got = read(STDIN_FILENO, buf, n);
    if (got < 0) return errno == EINTR || errno == EAGAIN ? 0 : -1;
    return got == 0 ? -1 : (int)got;
}

void term_binary_stdio(void) {}   /* POSIX streams always are */

uint64_t term_wall_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

uint64_t term_wall_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}
