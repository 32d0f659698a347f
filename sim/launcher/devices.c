/* devices.c - the launcher's devices: the PCI bus, the virtio devices, stdin to the console. */
#include "sim/launcher/launcher.h"
#include "sim/launcher/term.h"
#include <string.h>

/* --- what the devices see of the Launcher --- */

/* A device interrupt goes in as the launcher raises it: LHREQ_IRQ. */
static void on_interrupt(void *ctx, unsigned irq) {
    lhreq_irq(((struct launcher *)ctx)->lg, irq);
}
static void on_fatal(void *ctx, const char *why) { launcher_quit(ctx, "%s", why); }
static uint32_t on_eip(void *ctx) { return launcher_eip(ctx); }

static void on_note(void *ctx, unsigned what, uint32_t addr, uint32_t size, uint32_t value) {
    struct launcher *l = ctx;
    REC(&l->rec, lguest_time(l->lg), TK_LAUNCHER, what, addr, size, value,
        launcher_eip(l));
}

/* The Guest's console output: the trace gets it line by line; stdout is flushed at a line end
 * and after each virtio buffer (a shell prompt has no line end). */
static void console_out(void *ctx, const uint8_t *bytes, uint32_t n) {
    struct launcher *l = ctx;
    if (n) status_console_output(l, bytes[n - 1]);
    for (uint32_t i = 0; i < n; i++) {
        rec_console(&l->rec, lguest_time(l->lg), bytes[i]);
        if (l->console_bytes++ < l->console_shown) continue;   /* shown before going back */
        fputc(bytes[i], l->opt.console);
        l->console_shown++;
    }
    if (n > 1 || bytes[0] == '\n') fflush(l->opt.console);
}

/* A frame from outside in the Guest's buffer: the trace keeps it for a replay. */
static void on_given(void *ctx, unsigned irq, const uint8_t *bytes, uint32_t len) {
    struct launcher *l = ctx;
    rec_frame(&l->rec, lguest_time(l->lg), irq, bytes, len);
    refeed_note_frame(l, irq, bytes, len);
    l->n_inputs++;
}

static void on_wrote(void *ctx, uint32_t gpa, uint32_t len, const char *device,
                     const char *writer) {
    struct launcher *l = ctx;
    lguest_wrote(l->lg, gpa, len, device, writer);
}

static int add_device(struct launcher *l, const struct launcher_device *dev, char *err,
                      size_t errlen) {
    if (dev->kind == DEV_NET_USER || dev->kind == DEV_NET_TAP)
        return netdevs_add(l, dev, err, errlen);
    if (dev->kind == DEV_RNG) {
        if (virtio_rng_init(&l->rngs[l->n_rngs], &l->pci)) {
            snprintf(err, errlen, "too many PCI devices");
            return -1;
        }
        l->n_rngs++;
        return 0;
    }
    char why[240];
    struct virtio_block *b = &l->blocks[l->n_blocks];
    struct cow *kept = &l->kept[l->n_blocks];
    int rc = kept->ov ? virtio_block_init_kept(b, &l->pci, kept, why, sizeof(why)) :
             dev->overlay || dev->snapshot ?
                 virtio_block_init_cow(b, &l->pci, dev->path, dev->overlay, why, sizeof(why)) :
                 virtio_block_init(b, &l->pci, dev->path, 0, why, sizeof(why));
    memset(kept, 0, sizeof(*kept));
    if (rc) {
        snprintf(err, errlen, "--block: %s", why);
        return -1;
    }
    l->n_blocks++;
    return 0;
}

/* As 4.4's main(): the console is always device 1; the others follow in command-line order,
 * their BAR0s packed from the end of the old device area. */
int devices_init(struct launcher *l, char *err, size_t errlen) {
    l->dev_env = (struct dev_env){ .ram = l->guest_base,
                                   .ram_size = l->mem, .ctx = l, .interrupt = on_interrupt,
                                   .fatal = on_fatal, .note = on_note, .eip = on_eip,
                                   .given = on_given, .wrote = on_wrote };
    pci_bus_init(&l->pci, &l->dev_env, l->mem + DEVICE_PAGES * 0x1000);
    virtio_console_init(&l->console, &l->pci, console_out, l);
    for (int i = 0; i < l->opt.n_devices; i++)
        if (add_device(l, &l->opt.devices[i], err, errlen)) return -1;
    return 0;
}

uint32_t devices_limit(const struct launcher *l) { return (pci_mmio_end(&l->pci) + 0xFFF) >> 12; }

/* Every way out of lgsim passes here or through an exit the OS completes: writes are already
 * the OS's (pwrite); this also puts them on the disk. */
/* A restart is a new Launcher in 4.4; here the run goes on, and so do the writes a
 * --block=FILE,snapshot disk took (they end with lgsim, not with one boot). */
void devices_keep_snapshots(struct launcher *l) {
    for (int i = 0, b = 0; i < l->opt.n_devices; i++) {
        const struct launcher_device *d = &l->opt.devices[i];
        if (d->kind != DEV_BLOCK) continue;
        if (d->snapshot && b < l->n_blocks) virtio_block_keep_cow(&l->blocks[b], &l->kept[b]);
        b++;
    }
}

void devices_close(struct launcher *l) {
    for (int i = 0; i < l->n_blocks; i++) virtio_block_close(&l->blocks[i]);
    for (int i = 0; i < l->n_rngs; i++) virtio_free(&l->rngs[i].dev);
    virtio_free(&l->console.dev);
    netdevs_close(l);
    l->n_blocks = l->n_rngs = 0;
}

/* --- stdin to the console: the rule is in the README ("Devices") --- */

/* stdin, or the source the options name instead (the live window's keys). */
static int source_read(struct launcher *l, uint8_t *buf, uint32_t cap, int timeout_ms) {
    if (l->opt.console_read)
        return l->opt.console_read(l->opt.console_read_ctx, buf, cap, timeout_ms);
    return term_read(buf, cap, timeout_ms);
}

static void read_more(struct launcher *l, int timeout_ms, int *interrupted) {
    struct console_stdin *in = &l->in;
    int n = source_read(l, in->buf + in->len, (uint32_t)sizeof(in->buf) - in->len, timeout_ms);
    if (n < 0) {
        in->eof = 1;
        REC(&l->rec, lguest_time(l->lg), TK_LAUNCHER, LN_INPUT_EOF, 0, 0, 0, launcher_eip(l));
        refeed_note_eof(l);
        l->n_inputs++;
        return;
    }
    if (n == 0 && term_stop_signal()) *interrupted = 1;
    if (n == 0) return;
    /* 4.4: three ^C, each alone in a buffer, within about a second, end the launcher. */
    if (in->tty && !l->opt.console_read && n == 1 && in->buf[in->len] == 3) {
        uint64_t now = term_wall_ms();
        if (in->ctrl_c++ == 0) in->ctrl_c_ms = now;
        if (in->ctrl_c == 3 && now - in->ctrl_c_ms <= 1000) {
            launcher_quit(l, "three ^C on the console: stopping");
            l->exit_code = 130;
            l->stop_report = 1;
        }
        if (in->ctrl_c == 3) in->ctrl_c = 0;
    } else if (in->tty) {
        in->ctrl_c = 0;
    }
    in->len += (uint32_t)n;
}

/* How many pending bytes go in one buffer: from a pipe or file, a line at most, so a run
 * does not depend on how the bytes happened to arrive; from a terminal, all there is. */
static uint32_t chunk(const struct console_stdin *in) {
    if (in->tty) return in->len;
    const uint8_t *nl = memchr(in->buf, '\n', in->len);
    return nl ? (uint32_t)(nl - in->buf + 1) : in->len;
}

static int have_chunk(const struct console_stdin *in) {
    if (!in->len) return 0;
    return in->tty || in->eof || in->len == sizeof(in->buf) || memchr(in->buf, '\n', in->len);
}

static enum idle_input deliver(struct launcher *l) {
    struct console_stdin *in = &l->in;
    int n = console_input(&l->console, in->buf, chunk(in));
    if (n < 0) return INPUT_NONE;
    rec_bytes(&l->rec, lguest_time(l->lg), TK_CONSOLE_IN, in->buf, (uint32_t)n);
    refeed_note_console(l, in->buf, (uint32_t)n);
    l->n_inputs++;
    memmove(in->buf, in->buf + n, in->len - (uint32_t)n);
    in->len -= (uint32_t)n;
    return INPUT_DELIVERED;
}

static void start_input(struct launcher *l) {
    if (l->in.started) return;
    l->in.started = 1;
    if (l->opt.console_read) {   /* the window's keys: no terminal to set up */
        l->in.tty = l->opt.console_read_tty;
        return;
    }
    l->in.tty = term_stdin_is_tty();
    term_raw();
}

/* Real milliseconds until virtual time 'wake' (rounded up), -1 for none. */
static int ms_until(const struct launcher *l, uint64_t wake) {
    if (!wake) return -1;
    uint64_t ns = wake > lguest_time(l->lg) ? wake - lguest_time(l->lg) : 0;
    return ns / 1000000 >= 0x7FFFFFFF ? 0x7FFFFFFF : (int)((ns + 999999) / 1000000);
}

/* One wait for stdin and the network, at most timeout_ms: stdin is read into the buffer,
 * frames go into the Guest (returns 1 then); *live: whether the network can still send. */
static int wait_once(struct launcher *l, int read_stdin, int timeout_ms, int *interrupted,
                     int *live);

/* The window's keys instead of stdin: the window waits for them itself (and draws
 * meanwhile); a live network is looked at every 10 ms of that. */
static int wait_window(struct launcher *l, int read_input, int timeout_ms, int *interrupted,
                       int *live) {
    struct pollset ps;
    pollset_clear(&ps);
    netdevs_prepare(l, &ps, live);
    if (read_input) {
        int t = *live && (timeout_ms < 0 || timeout_ms > 10) ? 10 : timeout_ms;
        read_more(l, t, interrupted);
    }
    if (pollset_wait(&ps, read_input ? 0 : timeout_ms) < 0) {
        launcher_quit(l, "waiting for input failed");
        return 0;
    }
    return netdevs_poll(l, &ps);
}

static int wait_once(struct launcher *l, int read_stdin, int timeout_ms, int *interrupted,
                     int *live) {
    if (l->opt.console_read) return wait_window(l, read_stdin, timeout_ms, interrupted, live);
    struct pollset ps;
    pollset_clear(&ps);
    int in_idx = read_stdin ? pollset_add_stdin(&ps) : -1;
    netdevs_prepare(l, &ps, live);
    if (pollset_wait(&ps, timeout_ms) < 0) {
        launcher_quit(l, "waiting for input failed");
        return 0;
    }
    if (term_stop_signal()) *interrupted = 1;
    if (pollset_revents(&ps, in_idx)) read_more(l, 0, interrupted);
    return netdevs_poll(l, &ps);
}

/*
 * The Guest is halted until *wake.  Input goes in only now, at the virtual time it halted:
 * stdin as the README's rule says, and frames from the network backends.  Whatever stdin is,
 * lgsim waits for it in real time at most until *wake (the Guest's next timer, or a network
 * backend's), then lets the clock go on: real lguest's Guest sleeps on its timer, not on its
 * console, and a program that writes a line and waits for the Guest's answer must get it
 * (a Linux shell's command needs ticks to run: a frozen clock would wait for the next line
 * forever).  Input already there is given at once, and from a pipe or file a whole line at
 * a time, so a script that is written before the Guest asks for it gives the same run however
 * it was cut into writes.  With no timer armed nothing else can wake the Guest: lgsim waits
 * as long as it takes.  The window's scripted keys (console_read, not as a terminal) are the
 * exception: they are waited for a whole line at a time, however long.
 */
enum idle_input devices_idle_input(struct launcher *l, uint64_t *wake) {
    if (l->replay) return replay_idle_input(l, wake);
    struct console_stdin *in = &l->in;
    int interrupted = 0, live;
    int want = (l->opt.console_stdin || l->opt.console_read) &&
               console_wants_input(&l->console);
    enum idle_input again;
    if (l->log.feeding && refeed_idle(l, want, wake, &again)) return again;   /* gone back */
    struct pollset probe;
    pollset_clear(&probe);
    uint64_t net_due = netdevs_prepare(l, &probe, &live);
    if (net_due && (!*wake || net_due < *wake)) {   /* the backend ends the halt early */
        *wake = net_due;
        refeed_note_wake(l, net_due);
        l->n_inputs++;
    }
    if (want) {
        start_input(l);
        fflush(l->opt.console);
    }
    int budget = ms_until(l, *wake);
    uint64_t start = term_wall_ms();
    for (;;) {
        if (want && have_chunk(in)) return deliver(l);
        int read_stdin = want && !in->eof && in->len < sizeof(in->buf);
        int paced = !l->opt.console_read || in->tty || live;
        if (!read_stdin && !live) break;   /* nothing can come: the clock jumps */
        uint64_t spent = term_wall_ms() - start;
        int timeout = !paced || budget < 0 ? -1 :
                      spent >= (uint64_t)budget ? 0 : budget - (int)spent;
        int given = wait_once(l, read_stdin, timeout, &interrupted, &live);
        if (l->dead || interrupted) return INPUT_INTERRUPTED;
        if (given) return INPUT_DELIVERED;
        if (timeout >= 0 && term_wall_ms() - start >= (uint64_t)budget) break;
    }
    if (want && have_chunk(in)) return deliver(l);
    return in->eof && !in->len ? INPUT_ENDED : INPUT_NONE;
}

/* A busy Guest still hears ^C^C^C from a terminal: bytes typed meanwhile are read (and kept
 * for the next idle) every so many passes of the Host's run loop (launcher.c asks for them). */
int devices_watching_terminal(const struct launcher *l) {
    return l->in.started && l->in.tty && !l->in.eof && l->in.len < sizeof(l->in.buf);
}

void devices_poll_input(struct launcher *l) {
    int interrupted = 0;
    if (l->log.feeding) {   /* gone back: nothing is read until the machine is where it was */
        refeed_turn(l);
        return;
    }
    if (devices_watching_terminal(l)) read_more(l, 0, &interrupted);
}
