/* watchdog.h - a ticker on its own thread, for the wall-clock safety net (progress.c). */
#ifndef LGSIM_CPU_WATCHDOG_H
#define LGSIM_CPU_WATCHDOG_H

/* Call tick(ctx) every period_ms of wall-clock time from another thread, until stopped.
 * NULL when no thread could be made (the safety net is then off; nothing else changes). */
struct watchdog;
struct watchdog *watchdog_start(void (*tick)(void *ctx), void *ctx, unsigned period_ms);
void watchdog_stop(struct watchdog *w);
#endif
