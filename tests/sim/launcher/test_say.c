/* test_say.c - every line on stderr during a run erases the status line first, a network backend's too. */
#include "tests/check.h"
#include "sim/launcher/launcher.h"
#include <stdlib.h>
#include <unistd.h>

static struct launcher l;
static char path[512];

/* stderr into a file while fn runs; what it wrote, in buf. */
static size_t captured(void (*fn)(void), char *buf, size_t cap) {
    fflush(stderr);
    int saved = dup(2);
    CHECK(freopen(path, "wb", stderr) != NULL);
    fn();
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    FILE *f = fopen(path, "rb");
    size_t n = f ? fread(buf, 1, cap - 1, f) : 0;
    if (f) fclose(f);
    buf[n] = 0;
    return n;
}

static void backend_says(void) {
    struct netdev nd = { .name = "user" };
    netdevs_attach(&l, &nd);
    netdev_say(&nd, "net user: %s", "Guest sent bad DHCPv6 packet!");
}

/* A status line 12 characters long is on the terminal: a backend's message (net_slirp's
 * guest_error, net_tap's failed write) goes over it only after "\r", 12 spaces, "\r". */
static void net_message_erases(void) {
    memset(&l, 0, sizeof(l));
    l.status.on = 1;
    l.status.shown = 12;
    char out[256];
    captured(backend_says, out, sizeof(out));
    CHECK(!strcmp(out, "\r            \rlgsim: net user: Guest sent bad DHCPv6 packet!\n"));
    CHECK_EQ(l.status.shown, 0);
    captured(backend_says, out, sizeof(out));   /* nothing shown now: nothing to erase */
    CHECK(!strcmp(out, "lgsim: net user: Guest sent bad DHCPv6 packet!\n"));
}

/* Before the machine attaches it, a backend's message goes to stderr as it is. */
static void unattached(void) {
    struct netdev nd = { .name = "user" };
    netdev_say(&nd, "net user: out of timers");
}

static void unattached_plain(void) {
    char out[256];
    captured(unattached, out, sizeof(out));
    CHECK(!strcmp(out, "lgsim: net user: out of timers\n"));
}

int main(int argc, char **argv) {
    snprintf(path, sizeof(path), "%s/say.txt", argc > 1 ? argv[1] : ".");
    RUN(net_message_erases);
    RUN(unattached_plain);
    return check_report("launcher_say");
}
