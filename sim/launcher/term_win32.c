/* term_win32.c - term.h on Windows: the console API, a console control handler, atexit. */
#include "sim/launcher/term.h"
#include <windows.h>
#include <fcntl.h>
#include <io.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef ENABLE_VIRTUAL_TERMINAL_INPUT
#define ENABLE_VIRTUAL_TERMINAL_INPUT 0x0200
#endif
#ifndef ENABLE_VIRTUAL_TERMINAL_PROCESSING
#define ENABLE_VIRTUAL_TERMINAL_PROCESSING 0x0004
#endif
/* How long one wait for stdin lasts before it looks at the stop flag again: a Ctrl-C is
 * delivered on a thread of its own and interrupts no wait, as a POSIX signal would. */
#define WAKE_MS 100

static DWORD saved_in, saved_out;
static volatile LONG raw_on, out_saved;
static volatile sig_atomic_t stop_signal;
/* Console key events decoded to UTF-8 that did not fit the caller's buffer yet. */
static uint8_t pend[4096];
static uint32_t pend_len;
static WCHAR high_surrogate;

static HANDLE in_handle(void) { return GetStdHandle(STD_INPUT_HANDLE); }

void term_restore(void) {
    if (InterlockedExchange(&raw_on, 0)) SetConsoleMode(in_handle(), saved_in);
    if (InterlockedExchange(&out_saved, 0))
        SetConsoleMode(GetStdHandle(STD_OUTPUT_HANDLE), saved_out);
}

/* As on POSIX: the first Ctrl-C (or Ctrl-Break, or the window closing) lets the machine end
 * the run cleanly; a second one restores the console and lets Windows end lgsim. */
static BOOL WINAPI on_console_event(DWORD type) {
    int sig = type == CTRL_C_EVENT || type == CTRL_BREAK_EVENT ? SIGINT : SIGTERM;
    if (!stop_signal) {
        stop_signal = sig;
        /* Windows ends the process once this returns from a close, logoff or shutdown
         * event: give the run a moment to close its trace and sync its disks. */
        if (sig == SIGTERM) Sleep(3000);
        return TRUE;
    }
    term_restore();
    return FALSE;
}

static LONG WINAPI on_crash(EXCEPTION_POINTERS *e) {
    (void)e;
    term_restore();
    return EXCEPTION_CONTINUE_SEARCH;
}

void term_setup(void) {
    SetConsoleCtrlHandler(on_console_event, TRUE);
    SetUnhandledExceptionFilter(on_crash);
    atexit(term_restore);
}

int term_stop_signal(void) { return stop_signal; }
const volatile sig_atomic_t *term_stop_flag(void) { return &stop_signal; }

static int is_console(HANDLE h) {
    DWORD mode;
    return GetFileType(h) == FILE_TYPE_CHAR && GetConsoleMode(h, &mode);
}

int term_stdin_is_tty(void) { return is_console(in_handle()); }
int term_stdout_is_tty(void) { return is_console(GetStdHandle(STD_OUTPUT_HANDLE)); }

int term_stderr_columns(void) {
    HANDLE h = GetStdHandle(STD_ERROR_HANDLE);
    CONSOLE_SCREEN_BUFFER_INFO info;
    if (!is_console(h)) return 0;
    if (GetConsoleScreenBufferInfo(h, &info) && info.srWindow.Right > info.srWindow.Left)
        return info.srWindow.Right - info.srWindow.Left + 1;
    return 80;
}

/* 4.4 turns off ISIG, ICANON and ECHO: here processed input (^C as a signal), line input and
 * echo.  Keys come as VT sequences where the console can (arrows as ESC [ A ...), and the
 * Guest's own escape sequences are drawn, not shown. */
void term_raw(void) {
    HANDLE in = in_handle(), out = GetStdHandle(STD_OUTPUT_HANDLE);
    if (raw_on || !is_console(in) || !GetConsoleMode(in, &saved_in)) return;
    DWORD m = saved_in & ~(DWORD)(ENABLE_LINE_INPUT | ENABLE_ECHO_INPUT | ENABLE_PROCESSED_INPUT);
    raw_on = 1;
    if (!SetConsoleMode(in, m | ENABLE_VIRTUAL_TERMINAL_INPUT)) SetConsoleMode(in, m);
    if (GetConsoleMode(out, &saved_out)) {
        out_saved = 1;
        SetConsoleMode(out, saved_out | ENABLE_VIRTUAL_TERMINAL_PROCESSING);
    }
}

static void put_utf8(uint32_t c) {
    if (pend_len + 4 > sizeof(pend)) return;
    if (c < 0x80) {
        pend[pend_len++] = (uint8_t)c;
    } else if (c < 0x800) {
        pend[pend_len++] = (uint8_t)(0xC0 | c >> 6);
        pend[pend_len++] = (uint8_t)(0x80 | (c & 0x3F));
    } else if (c < 0x10000) {
        pend[pend_len++] = (uint8_t)(0xE0 | c >> 12);
        pend[pend_len++] = (uint8_t)(0x80 | ((c >> 6) & 0x3F));
        pend[pend_len++] = (uint8_t)(0x80 | (c & 0x3F));
    } else {
        pend[pend_len++] = (uint8_t)(0xF0 | c >> 18);
        pend[pend_len++] = (uint8_t)(0x80 | ((c >> 12) & 0x3F));
        pend[pend_len++] = (uint8_t)(0x80 | ((c >> 6) & 0x3F));
        pend[pend_len++] = (uint8_t)(0x80 | (c & 0x3F));
    }
}

/* A key typed: its character, Enter as '\n' (POSIX raw mode keeps ICRNL, 4.4 leaves it on). */
static void take_key(const KEY_EVENT_RECORD *k) {
    WCHAR w = k->uChar.UnicodeChar;
    if (!k->bKeyDown || !w) return;
    uint32_t c = w;
    if (w >= 0xD800 && w < 0xDC00) {
        high_surrogate = w;
        return;
    }
    if (w >= 0xDC00 && w < 0xE000) {
        if (!high_surrogate) return;
        c = 0x10000 + (((uint32_t)high_surrogate - 0xD800) << 10) + (w - 0xDC00);
        high_surrogate = 0;
    }
    if (c == '\r') c = '\n';
    for (WORD i = 0; i < k->wRepeatCount && i < 16; i++) put_utf8(c);
}

/* The input events waiting (keys or not: focus and mouse events are dropped), so that a
 * wait on the console handle does not come back for the same ones. */
static void drain_console(HANDLE h) {
    DWORD count = 0, got = 0;
    INPUT_RECORD recs[16];
    if (pend_len > sizeof(pend) - 16 * 16 * 4) return;   /* the caller takes some first */
    if (!GetNumberOfConsoleInputEvents(h, &count) || count == 0) return;
    if (count > 16) count = 16;
    if (!ReadConsoleInputW(h, recs, count, &got)) return;
    for (DWORD i = 0; i < got; i++)
        if (recs[i].EventType == KEY_EVENT) take_key(&recs[i].Event.KeyEvent);
}

static int give_pending(uint8_t *buf, uint32_t n) {
    uint32_t k = pend_len < n ? pend_len : n;
    memcpy(buf, pend, k);
    memmove(pend, pend + k, pend_len - k);
    pend_len -= k;
    return (int)k;
}

/* Wait for h, at most timeout_ms (-1: without end) but never past a stop request. */
static int wait_handle(HANDLE h, int timeout_ms) {
    DWORD start = GetTickCount();
    for (;;) {
        int left = timeout_ms < 0 ? WAKE_MS : timeout_ms - (int)(GetTickCount() - start);
        if (left < 0) left = 0;
        if (WaitForSingleObject(h, (DWORD)(left > WAKE_MS ? WAKE_MS : left)) == WAIT_OBJECT_0)
            return 1;
        if (stop_signal || (timeout_ms >= 0 && left <= WAKE_MS)) return 0;
    }
}

static int read_console(HANDLE h, uint8_t *buf, uint32_t n, int timeout_ms) {
    if (!pend_len && wait_handle(h, timeout_ms)) drain_console(h);
    return give_pending(buf, n);
}

/* A pipe: bytes once some wait; the end once its writer is gone. */
static int read_pipe(HANDLE h, uint8_t *buf, uint32_t n, int timeout_ms) {
    DWORD start = GetTickCount(), avail = 0, got = 0;
    while (PeekNamedPipe(h, NULL, 0, NULL, &avail, NULL) && avail == 0) {
        if (stop_signal) return 0;
        if (timeout_ms >= 0 && GetTickCount() - start >= (DWORD)timeout_ms) return 0;
        Sleep(10);
    }
    if (avail && avail < n) n = avail;
    /* A failed peek (the writer gone, or no real pipe) leaves it to ReadFile to say. */
    if (!ReadFile(h, buf, n, &got, NULL) || got == 0) return -1;
    return (int)got;
}

int term_read(uint8_t *buf, uint32_t n, int timeout_ms) {
    HANDLE h = in_handle();
    if (is_console(h)) return read_console(h, buf, n, timeout_ms);
    if (GetFileType(h) == FILE_TYPE_PIPE) return read_pipe(h, buf, n, timeout_ms);
    DWORD got = 0;
    if (!ReadFile(h, buf, n, &got, NULL) || got == 0) return -1;   /* a file: its end */
    return (int)got;
}

uint64_t term_wall_ms(void) { return GetTickCount64(); }

uint64_t term_wall_ns(void) {
    LARGE_INTEGER t, f;
    QueryPerformanceCounter(&t);
    QueryPerformanceFrequency(&f);
    return (uint64_t)(t.QuadPart / f.QuadPart) * 1000000000u +
           (uint64_t)(t.QuadPart % f.QuadPart) * 1000000000u / (uint64_t)f.QuadPart;
}

void term_binary_stdio(void) {
    _setmode(_fileno(stdin), _O_BINARY);
    _setmode(_fileno(stdout), _O_BINARY);
    _setmode(_fileno(stderr), _O_BINARY);
}
