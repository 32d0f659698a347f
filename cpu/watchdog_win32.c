/* watchdog_win32.c - watchdog.h on a Windows thread that waits on a stop event. */
#include "cpu/watchdog.h"
#include <windows.h>
#include <stdlib.h>

struct watchdog {
    HANDLE thread;
    HANDLE quit;   /* a manual-reset event: set once, by watchdog_stop() */
    unsigned period_ms;
    void (*tick)(void *ctx);
    void *ctx;
};

/* Each wait that times out is a period passed; the event ends the thread at once. */
static DWORD WINAPI run(LPVOID arg) {
    struct watchdog *w = arg;
    while (WaitForSingleObject(w->quit, w->period_ms) == WAIT_TIMEOUT)
        w->tick(w->ctx);
    return 0;
}

struct watchdog *watchdog_start(void (*tick)(void *ctx), void *ctx, unsigned period_ms) {
    struct watchdog *w = calloc(1, sizeof(*w));
    if (!w) return NULL;
    w->tick = tick;
    w->ctx = ctx;
    w->period_ms = period_ms;
    w->quit = CreateEventW(NULL, TRUE, FALSE, NULL);
    if (w->quit) w->thread = CreateThread(NULL, 0, run, w, 0, NULL);
    if (!w->thread) {
        if (w->quit) CloseHandle(w->quit);
        free(w);
        return NULL;
    }
    return w;
}

void watchdog_stop(struct watchdog *w) {
    if (!w) return;
    SetEvent(w->quit);
    WaitForSingleObject(w->thread, INFINITE);
    CloseHandle(w->thread);
    CloseHandle(w->quit);
    free(w);
}
