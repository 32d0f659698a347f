/* test_shadow_replay.c - the shadow the page-table panel rebuilds from a trace is the host's. */
#define _POSIX_C_SOURCE 200809L
#include "../check.h"
#include "mmu/walk.h"
#include "sim/host/lg.h"
#include "sim/launcher/launcher.h"
#include "ui/model.h"
#include <stdlib.h>

/*
 * Each guest runs in-process with a trace; every record is handed to a growing run as the
 * recorder writes it (as live mode will).  At every entry into the guest, the shadow that
 * ui/pages.c rebuilds from the records so far is compared with the host's real one
 * (mmu/shadow.c): the same current slot, and every entry of every page table in it the same,
 * but for the Accessed and Dirty bits the CPU sets as the guest runs, and the Switcher's own
 * page table, which no record describes.  An empty page table the host has allocated counts as
 * no page table (both say: not present).
 */
extern const uint8_t lgsim_demo_guest[], lgsim_hello_guest[];
extern const size_t lgsim_demo_guest_len, lgsim_hello_guest_len;

static struct launcher launcher;   /* its Host (launcher.lg) is looked into */
static struct run run;
static struct ui_model model;
static struct symtab no_symbols;
static unsigned compared, entries, every = 1, seen;

static uint32_t real_entry(uint32_t pa) {
    uint8_t *p = phys_ptr(&launcher.lg->phys, pa, 4);
    return p ? le32(p) : 0;
}

/* One directory entry's 4 MiB: each PTE as the host has it and as it was rebuilt. */
static int same_table(uint32_t pde_index, uint32_t pgd) {
    int slot;
    uint32_t spte;
    if (!(pgd & PTE_P) && !pages_rebuilt_entry(&model, run.n - 1, pde_index << 22, &slot, &spte))
        return 1;                /* no page table on either side */
    for (uint32_t k = 0; k < 1024; k++) {
        uint32_t va = pde_index << 22 | k << 12;
        uint32_t real = (pgd & PTE_P) ? real_entry((pgd & 0xFFFFF000u) + k * 4) : 0;
        pages_rebuilt_entry(&model, run.n - 1, va, &slot, &spte);
        entries++;
        if ((real & ~(PTE_A | PTE_D)) != (spte & ~(PTE_A | PTE_D))) {
            fprintf(stderr, "at record %llu, 0x%08x: host 0x%08x, rebuilt 0x%08x\n",
                    (unsigned long long)run.n - 1, va, real, spte);
            return 0;
        }
    }
    return 1;
}

static void compare(void) {
    const struct shadow *s = &launcher.lg->shadow;
    int slot;
    uint32_t spte;
    pages_rebuilt_entry(&model, run.n - 1, 0, &slot, &spte);
    if (slot >= 0) CHECK_EQ(slot, s->cur);
    compared++;
    for (uint32_t i = 0; i < 1023; i++) {   /* 1023: the Switcher's */
        uint32_t pgd = real_entry(s->pgdirs[s->cur].pgdir + i * 4);
        if (!same_table(i, pgd)) {
            CHECK(!"the rebuilt shadow differs from the host's");
            return;
        }
    }
}

static void tap(void *ctx, const struct trace_rec *r) {
    (void)ctx;
    if (run_append(&run, r)) {
        CHECK(!"run_append failed");
        return;
    }
    if (r->kind == TK_TO_GUEST && check_failed < 5 && seen++ % every == 0) compare();
}

static void run_one_guest(const char *name, const uint8_t *kernel, size_t len, const char *cmdline,
                      const char *dir) {
    char path[512], err[300];
    snprintf(path, sizeof(path), "%s/replay.trc", dir);
    FILE *con = tmpfile();
    struct launcher_options opt = { .mem_mb = 64, .kernel = kernel, .kernel_len = len,
                                   .cmdline = cmdline, .console = con, .trace_path = path,
                                   .options_text = cmdline, .max_ns = 2000000000ull };
    memset(&run, 0, sizeof(run));
    model_init(&model, &run, &no_symbols);
    compared = entries = seen = 0;
    if (launcher_init(&launcher, &opt, err, sizeof(err))) {
        fprintf(stderr, "%s\n", err);
        exit(2);
    }
    launcher.rec.tap = tap;
    launcher_run(&launcher);
    CHECK(launcher_close_trace(&launcher, err, sizeof(err)) == 0);
    launcher_free(&launcher);
    fclose(con);
    printf("%s: %u entries into the guest compared, %u shadow entries each time on average\n",
           name, compared, compared ? entries / compared : 0);
    CHECK(compared > 100);
    model_free(&model);
    run_free(&run);
}

/* A real Linux 4.4 guest (LGSIM_LINUX_44_1) up to its root-fs panic, every 97th entry. */
static void linux_guest(const char *dir) {
    const char *path = getenv("LGSIM_LINUX_44_1");
    if (!path || !*path) {
        printf("SKIPPED Linux 4.4: set LGSIM_LINUX_44_1 to compare a real kernel's shadow too\n");
        return;
    }
    FILE *f = fopen(path, "rb");
    static uint8_t kernel[64 << 20];
    size_t len = f ? fread(kernel, 1, sizeof(kernel), f) : 0;
    if (f) fclose(f);
    CHECK(len > 0);
    every = 97;
    if (len) run_one_guest("Linux 4.4", kernel, len, "console=hvc0", dir);
    every = 1;
}

int main(int argc, char **argv) {
    const char *dir = argc > 1 ? argv[1] : ".";
    run_one_guest("teaching guest", lgsim_demo_guest, lgsim_demo_guest_len, "", dir);
    run_one_guest("hello guest, paging", lgsim_hello_guest, lgsim_hello_guest_len, "paging", dir);
    linux_guest(dir);
    return check_report("shadow_replay");
}
