/* devices.c - the launcher's devices in the machine: PCI bus, virtio devices, stdin to the console. */
#include "sim/host/lg.h"
#include "sim/host/lguest_launcher.h"
#include "sim/host/layout.h"
#include "sim/launcher/term.h"
#include "switcher-model/lguest_pages.h"
#include <string.h>

/* --- what the devices see of the machine --- */

/* A device interrupt goes in as the launcher raises it: LHREQ_IRQ. */
static void on_interrupt(void *ctx, unsigned irq) { lhreq_irq(ctx, irq); }
static void on_fatal(void *ctx, const char *why) { kill_guest(ctx, "%s", why); }
static uint32_t on_eip(void *ctx) { return reg_get(ctx, LGUEST_REGS_eip); }

static void on_note(void *ctx, unsigned what, uint32_t addr, uint32_t size, uint32_t value) {
    struct machine *m = ctx;
    REC(&m->rec, m->cpu.now_ns, TK_LAUNCHER, what, addr, size, value,
        reg_get(m, LGUEST_REGS_eip));
}

/* The Guest's console output: the trace gets it line by line; stdout is flushed at a line end
 * and after each virtio buffer (a shell prompt has no line end). */
static void console_out(void *ctx, const uint8_t *bytes, uint32_t n) {
    struct machine *m = ctx;
    for (uint32_t i = 0; i < n; i++) {
        rec_console(&m->rec, m->cpu.now_ns, bytes[i]);
        fputc(bytes[i], m->opt.console);
    }
    if (n > 1 || bytes[0] == '\n') fflush(m->opt.console);
}

/* A frame from outside in the Guest's buffer: the trace keeps it for a replay. */
static void on_given(void *ctx, unsigned irq, const uint8_t *bytes, uint32_t len) {
    struct machine *m = ctx;
    rec_frame(&m->rec, m->cpu.now_ns, irq, bytes, len);
}

static int add_device(struct machine *m, const struct machine_device *dev, char *err,
                      size_t errlen) {
    if (dev->kind == DEV_NET_USER || dev->kind == DEV_NET_TAP)
        return netdevs_add(m, dev, err, errlen);
    if (dev->kind == DEV_RNG) {
        if (virtio_rng_init(&m->rngs[m->n_rngs], &m->pci)) {
            snprintf(err, errlen, "too many PCI devices");
            return -1;
        }
        m->n_rngs++;
        return 0;
    }
    char why[240];
    if (virtio_block_init(&m->blocks[m->n_blocks], &m->pci, dev->path, 0, why, sizeof(why))) {
        snprintf(err, errlen, "--block: %s", why);
        return -1;
    }
    m->n_blocks++;
    return 0;
}

/* As 4.4's main(): the console is always device 1; the others follow in command-line order,
 * their BAR0s packed from the end of the old device area. */
int devices_init(struct machine *m, char *err, size_t errlen) {
    m->dev_env = (struct dev_env){ .ram = phys_ptr(&m->phys, GUEST_PHYS_BASE, m->mem),
                                   .ram_size = m->mem, .ctx = m, .interrupt = on_interrupt,
                                   .fatal = on_fatal, .note = on_note, .eip = on_eip,
                                   .given = on_given };
    pci_bus_init(&m->pci, &m->dev_env, m->mem + DEVICE_PAGES * 0x1000);
    virtio_console_init(&m->console, &m->pci, console_out, m);
    for (int i = 0; i < m->opt.n_devices; i++)
        if (add_device(m, &m->opt.devices[i], err, errlen)) return -1;
    return 0;
}

uint32_t devices_limit(const struct machine *m) { return (pci_mmio_end(&m->pci) + 0xFFF) >> 12; }

/* Every way out of lgsim passes here or through an exit the OS completes: writes are already
 * the OS's (pwrite); this also puts them on the disk. */
void devices_close(struct machine *m) {
    for (int i = 0; i < m->n_blocks; i++) virtio_block_close(&m->blocks[i]);
    for (int i = 0; i < m->n_rngs; i++) virtio_free(&m->rngs[i].dev);
    virtio_free(&m->console.dev);
    netdevs_close(m);
    m->n_blocks = m->n_rngs = 0;
}

/* --- stdin to the console: the rule is in the README ("Devices") --- */

static void read_more(struct machine *m, int timeout_ms, int *interrupted) {
    struct console_stdin *in = &m->in;
    int n = term_read(in->buf + in->len, (uint32_t)sizeof(in->buf) - in->len, timeout_ms);
    if (n < 0) {
        in->eof = 1;
        REC(&m->rec, m->cpu.now_ns, TK_LAUNCHER, LN_INPUT_EOF, 0, 0, 0,
            reg_get(m, LGUEST_REGS_eip));
        return;
    }
    if (n == 0 && term_stop_signal()) *interrupted = 1;
    if (n == 0) return;
    /* 4.4: three ^C, each alone in a buffer, within about a second, end the launcher. */
    if (in->tty && n == 1 && in->buf[in->len] == 3) {
        uint64_t now = term_wall_ms();
        if (in->ctrl_c++ == 0) in->ctrl_c_ms = now;
        if (in->ctrl_c == 3 && now - in->ctrl_c_ms <= 1000) {
            kill_guest(m, "three ^C on the console: stopping");
            m->exit_code = 130;
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

static enum idle_input deliver(struct machine *m) {
    struct console_stdin *in = &m->in;
    int n = console_input(&m->console, in->buf, chunk(in));
    if (n < 0) return INPUT_NONE;
    rec_bytes(&m->rec, m->cpu.now_ns, TK_CONSOLE_IN, in->buf, (uint32_t)n);
    memmove(in->buf, in->buf + n, in->len - (uint32_t)n);
    in->len -= (uint32_t)n;
    return INPUT_DELIVERED;
}

static void start_input(struct machine *m) {
    if (m->in.started) return;
    m->in.started = 1;
    m->in.tty = term_stdin_is_tty();
    term_raw();
}

/* Real milliseconds until virtual time 'wake' (rounded up), -1 for none. */
static int ms_until(const struct machine *m, uint64_t wake) {
    if (!wake) return -1;
    uint64_t ns = wake > m->cpu.now_ns ? wake - m->cpu.now_ns : 0;
    return ns / 1000000 >= 0x7FFFFFFF ? 0x7FFFFFFF : (int)((ns + 999999) / 1000000);
}

/* One wait for stdin and the network, at most timeout_ms: stdin is read into the buffer,
 * frames go into the Guest (returns 1 then); *live: whether the network can still send. */
static int wait_once(struct machine *m, int read_stdin, int timeout_ms, int *interrupted,
                     int *live) {
    struct pollset ps;
    pollset_clear(&ps);
    int in_idx = read_stdin ? pollset_add(&ps, term_stdin_fd(), PS_IN) : -1;
    netdevs_prepare(m, &ps, live);
    if (pollset_wait(&ps, timeout_ms) < 0) {
        kill_guest(m, "waiting for input failed");
        return 0;
    }
    if (term_stop_signal()) *interrupted = 1;
    if (pollset_revents(&ps, in_idx)) read_more(m, 0, interrupted);
    return netdevs_poll(m, &ps);
}

/*
 * The Guest is halted until *wake.  Input goes in only now, at the virtual time it halted:
 * stdin as the README's rule says, and frames from the network backends.  From a pipe or
 * file lgsim waits for a whole line, however long that takes in real time - unless the
 * network is live (a connection, a port forward, a TAP): then, as from a terminal, it waits
 * in real time at most until *wake, so the Guest's timers keep pace with the world it talks
 * to.  A backend timer due before the Guest's brings *wake forward.
 */
enum idle_input devices_idle_input(struct machine *m, uint64_t *wake) {
    if (m->replay) return replay_idle_input(m, wake);
    struct console_stdin *in = &m->in;
    int interrupted = 0, live;
    int want = m->opt.console_stdin && console_wants_input(&m->console);
    struct pollset probe;
    pollset_clear(&probe);
    uint64_t net_due = netdevs_prepare(m, &probe, &live);
    if (net_due && (!*wake || net_due < *wake)) *wake = net_due;
    if (want) {
        start_input(m);
        fflush(m->opt.console);
    }
    int budget = ms_until(m, *wake);
    uint64_t start = term_wall_ms();
    for (;;) {
        if (want && have_chunk(in)) return deliver(m);
        int read_stdin = want && !in->eof && in->len < sizeof(in->buf);
        int paced = in->tty || live;
        if (!read_stdin && !live) break;   /* nothing can come: the clock jumps */
        uint64_t spent = term_wall_ms() - start;
        int timeout = !paced || budget < 0 ? -1 :
                      spent >= (uint64_t)budget ? 0 : budget - (int)spent;
        int given = wait_once(m, read_stdin, timeout, &interrupted, &live);
        if (m->dead || interrupted) return INPUT_INTERRUPTED;
        if (given) return INPUT_DELIVERED;
        if (timeout >= 0 && term_wall_ms() - start >= (uint64_t)budget) break;
    }
    if (want && have_chunk(in)) return deliver(m);
    return in->eof && !in->len ? INPUT_ENDED : INPUT_NONE;
}

/* A busy Guest still hears ^C^C^C from a terminal: bytes typed meanwhile are read (and kept
 * for the next idle) every so many loop passes. */
void devices_poll_input(struct machine *m) {
    int interrupted = 0;
    if (!m->in.started || !m->in.tty || m->in.eof || m->in.len == sizeof(m->in.buf) ||
        ++m->in.polls % 256)
        return;
    read_more(m, 0, &interrupted);
}
