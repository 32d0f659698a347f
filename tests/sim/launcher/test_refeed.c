/* test_refeed.c - going back over console input: it is given again, the run the same both ways. */
#include "tests/check.h"
#include "sim/launcher/launcher.h"
#include "tests/sim/launcher/same_file.h"
#include <stdlib.h>

/*
 * The shell guest (tests/guests/shell) answers each console line after a timer tick, about
 * one line a millisecond.  Its input is a script of lines read one at a time as the console
 * asks (opt.console_read), then its end.  Going back over lines already given and forward
 * again must give those lines again from the input log, not read the script on: the machine
 * hashes as it did going forwards, the script is read once, and the trace is a straight run's.
 */
static const char *const lines[] = { "one\n", "two\n", "three\n", "four\n", "five\n", "six\n",
                                     "quit\n" };
#define N_LINES (sizeof(lines) / sizeof(lines[0]))
static unsigned reads;   /* calls that took a line or the end from the script */

static int script_read(void *ctx, uint8_t *buf, uint32_t cap, int timeout_ms) {
    (void)ctx, (void)timeout_ms;
    if (reads >= N_LINES) {
        reads += reads == N_LINES;
        return -1;
    }
    size_t n = strlen(lines[reads]);
    if (n > cap) return 0;
    memcpy(buf, lines[reads++], n);
    return (int)n;
}

static char straight[4096], travelled[4096];
static uint8_t *guest;
static size_t guest_len;
static struct launcher L;

static int with_net;   /* the machine has a --net=user device too */

static void start(struct launcher *l, const char *trace, uint64_t checkpoint_ns) {
    struct launcher_options o = {
        .mem_mb = 64, .kernel = guest, .kernel_len = guest_len,
        .kernel_path = "shell_guest.elf", .cmdline = "", .console = tmpfile(),
        .max_ns = 1000000000ull, .trace_path = trace, .options_text = "refeed test",
        .checkpoint_ns = checkpoint_ns, .console_read = script_read,
        .devices = { { .kind = DEV_NET_USER, .path = "" } }, .n_devices = with_net,
    };
    char err[300] = "";
    reads = 0;
    CHECK_EQ(launcher_init(l, &o, err, sizeof(err)), 0);
    if (err[0]) fprintf(stderr, "  (%s)\n", err);
}

static void finish(struct launcher *l) {
    char err[300] = "";
    CHECK_EQ(launcher_run(l), 0);                 /* "quit": the guest powers off */
    CHECK_EQ(launcher_close_trace(l, err, sizeof(err)), 0);
    fclose(l->opt.console);
    launcher_free(l);
}

#define POINTS 7
static uint64_t at[POINTS], hash[POINTS], given[POINTS];

/* Forward, half a millisecond past each line, a checkpoint every millisecond. */
static void forward_over_input(void) {
    start(&L, travelled, 1000000);
    for (int i = 0; i < POINTS; i++) {
        CHECK_EQ(launcher_run_until(&L, 500000 + (uint64_t)i * 750000), 1);
        at[i] = lguest_time(L.lg);
        hash[i] = tt_state_hash(&L);
        given[i] = L.n_inputs;
    }
    CHECK(given[POINTS - 1] >= 5);   /* several lines were given on the way */
    CHECK(given[0] < given[POINTS - 1]);
}

/* Back to every point, over the lines given since, and forward to the later ones again. */
static void back_over_input(void) {
    char err[300] = "";
    unsigned read_before = reads;
    int same = 0, tries = 0;
    for (int i = POINTS - 1; i >= 0; i--, tries++) {
        CHECK_EQ(tt_back(&L, at[i], err, sizeof(err)), 0);
        if (err[0]) fprintf(stderr, "  (%s)\n", err);
        same += lguest_time(L.lg) == at[i] && tt_state_hash(&L) == hash[i] &&
                L.n_inputs == given[i];
    }
    for (int k = 0; k < POINTS; k++, tries++) {
        int i = (k * 3 + 2) % POINTS;
        CHECK_EQ(tt_back(&L, at[i], err, sizeof(err)), 0);
        same += lguest_time(L.lg) == at[i] && tt_state_hash(&L) == hash[i] &&
                L.n_inputs == given[i];
    }
    CHECK_EQ(same, tries);
    CHECK_EQ(reads, read_before);   /* every line given again came from the log */
}

/* From an early point to the end: the script goes on where it was, and the trace (its
 * console_in records and the end of input among them) is the straight run's. */
static void trace_unchanged(void) {
    char err[300] = "";
    CHECK_EQ(tt_back(&L, at[1], err, sizeof(err)), 0);
    finish(&L);
    CHECK_EQ(reads, N_LINES + 1);    /* each line once, and the end once */
    start(&L, straight, 0);
    finish(&L);
    check_same_file(straight, travelled);
}

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: test_refeed SHELL_GUEST DIR\n");
        return 2;
    }
    char err[300];
    if (!(guest = launcher_read_file(argv[1], &guest_len, err, sizeof(err)))) {
        fprintf(stderr, "%s\n", err);
        return 2;
    }
    snprintf(straight, sizeof(straight), "%s/refeed_straight.trc", argv[2]);
    snprintf(travelled, sizeof(travelled), "%s/refeed_travelled.trc", argv[2]);
    RUN(forward_over_input);
    RUN(back_over_input);
    RUN(trace_unchanged);
#ifdef LGSIM_HAVE_SLIRP
    /* With a network device: checkpoints keep its queues, going back holds it (nothing sent
     * again, nothing taken from its backend) until the machine is where the run had been. */
    with_net = 1;
    RUN(forward_over_input);
    RUN(back_over_input);
    RUN(trace_unchanged);
#endif
    free(guest);
    return check_report("refeed");
}
