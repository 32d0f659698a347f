/* watchdog_posix.c - watchdog.h on POSIX threads (watchdog_win32.c is the Windows one). */
#define _POSIX_C_SOURCE 200809L   /* clock_gettime */
#include "cpu/watchdog.h"
#include <pthread.h>
#include <stdlib.h>
#include <time.h>

struct watchdog {
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    int quit;
    unsigned period_ms;
    void (*tick)(void *ctx);
    void *ctx;
};

static void *run(void *arg) {
    struct watchdog *w = arg;
    pthread_mutex_lock(&w->lock);
    while (!w->quit) {
        struct timespec t;
        clock_gettime(CLOCK_REALTIME, &t);
        t.tv_sec += w->period_ms / 1000;
        t.tv_nsec += (long)(w->period_ms % 1000) * 1000000L;
        if (t.tv_nsec >= 1000000000L) { t.tv_sec++; t.tv_nsec -= 1000000000L; }
        if (pthread_cond_timedwait(&w->wake, &w->lock, &t) != 0 && !w->quit)
            w->tick(w->ctx);   /* timed out: a period passed */
    }
    pthread_mutex_unlock(&w->lock);
    return NULL;
}

struct watchdog *watchdog_start(void (*tick)(void *ctx), void *ctx, unsigned period_ms) {
    struct watchdog *w = calloc(1, sizeof(*w));
    if (!w) return NULL;
    w->tick = tick;
    w->ctx = ctx;
    w->period_ms = period_ms;
    pthread_mutex_init(&w->lock, NULL);
    pthread_cond_init(&w->wake, NULL);
    if (pthread_create(&w->thread, NULL, run, w)) {
        pthread_cond_destroy(&w->wake);
        pthread_mutex_destroy(&w->lock);
        free(w);
        return NULL;
    }
    return w;
}

void watchdog_stop(struct watchdog *w) {
    if (!w) return;
    pthread_mutex_lock(&w->lock);
    w->quit = 1;
    pthread_cond_signal(&w->wake);
    pthread_mutex_unlock(&w->lock);
    pthread_join(w->thread, NULL);
    pthread_cond_destroy(&w->wake);
    pthread_mutex_destroy(&w->lock);
    free(w);
}
