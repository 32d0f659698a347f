/* test_travel_disk.c - going back over writes into a disk overlay: same machine, disk, trace. */
#include "tests/check.h"
#include "sim/launcher/launcher.h"
#include <stdlib.h>

/*
 * The durable guest (tests/guests/durable) writes and flushes every sector of its disk, one by
 * one: 256 KiB take it about 18 ms.  With --block=BASE,overlay=OV and a checkpoint every 2 ms,
 * going back over those writes puts the overlay back as it was at the checkpoint: the machine
 * hashes as it did going forwards, and at the end the overlay, the base and the trace are a
 * straight run's.
 */
static char dir[3000], base[4096], overlay[4096], trace[4096];
static uint8_t *guest;
static size_t guest_len;
static struct launcher L;

static void files(const char *name) {
    snprintf(base, sizeof(base), "%s/%s.img", dir, name);
    snprintf(overlay, sizeof(overlay), "%s/%s.lgcow", dir, name);
    snprintf(trace, sizeof(trace), "%s/%s.trc", dir, name);
    remove(overlay);
    FILE *f = fopen(base, "wb");
    static uint8_t zero[256 << 10];   /* 512 sectors: about 18 ms of writes */
    CHECK(f && fwrite(zero, 1, sizeof(zero), f) == sizeof(zero));
    if (f) fclose(f);
}

static void start(uint64_t checkpoint_ns) {
    struct launcher_options o = {
        .mem_mb = 64, .kernel = guest, .kernel_len = guest_len,
        .kernel_path = "durable_guest.elf", .cmdline = "", .console = tmpfile(),
        .max_ns = 1000000000ull, .trace_path = trace, .options_text = "travel disk test",
        .checkpoint_ns = checkpoint_ns,
        .devices = { { .kind = DEV_BLOCK, .path = base, .overlay = overlay } }, .n_devices = 1,
    };
    char err[300] = "";
    CHECK_EQ(launcher_init(&L, &o, err, sizeof(err)), 0);
    if (err[0]) fprintf(stderr, "  (%s)\n", err);
}

static int finish(void) {
    char err[300] = "";
    int rc = launcher_run(&L);
    CHECK_EQ(launcher_close_trace(&L, err, sizeof(err)), 0);
    fclose(L.opt.console);
    launcher_free(&L);
    return rc;
}

#define POINTS 6
static int travelled_rc;

static void back_over_writes(void) {
    uint64_t at[POINTS], hash[POINTS];
    char err[300] = "";
    files("travel_disk");
    start(2000000);
    for (int i = 0; i < POINTS; i++) {
        CHECK_EQ(launcher_run_until(&L, 1000000 + (uint64_t)i * 3000000), 1);
        at[i] = lguest_time(L.lg);
        hash[i] = tt_state_hash(&L);
    }
    int same = 0;
    for (int i = POINTS - 1; i >= 0; i--) {
        CHECK_EQ(tt_back(&L, at[i], err, sizeof(err)), 0);
        same += lguest_time(L.lg) == at[i] && tt_state_hash(&L) == hash[i];
    }
    CHECK_EQ(same, POINTS);
    CHECK_EQ(tt_back(&L, at[1], err, sizeof(err)), 0);
    travelled_rc = finish();
}

static uint8_t *whole(const char *path, size_t *len) {
    uint8_t *p = launcher_read_file(path, len, NULL, 0);
    CHECK(p != NULL);
    return p;
}

/* The straight run's overlay, base and trace, byte for byte. */
static void same_as_straight(void) {
    size_t n[6];
    uint8_t *back[3] = { whole(overlay, &n[0]), whole(base, &n[1]), whole(trace, &n[2]) };
    files("travel_disk");   /* the same names: the trace header has them */
    start(0);
    CHECK_EQ(finish(), travelled_rc);
    uint8_t *straight[3] = { whole(overlay, &n[3]), whole(base, &n[4]), whole(trace, &n[5]) };
    for (int i = 0; i < 3; i++) {
        CHECK(back[i] && straight[i] && n[i] == n[i + 3] && !memcmp(back[i], straight[i], n[i]));
        free(back[i]);
        free(straight[i]);
    }
    CHECK(n[0] > n[1]);   /* the overlay took every sector the guest wrote */
}

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: test_travel_disk DURABLE_GUEST DIR\n");
        return 2;
    }
    char err[300];
    if (!(guest = launcher_read_file(argv[1], &guest_len, err, sizeof(err)))) {
        fprintf(stderr, "%s\n", err);
        return 2;
    }
    snprintf(dir, sizeof(dir), "%s", argv[2]);
    RUN(back_over_writes);
    RUN(same_as_straight);
    free(guest);
    return check_report("travel disk");
}
