/* hypercalls.c - the Guest asks, the Host does (4.4 drivers/lguest/hypercalls.c). */
#include "sim/host/lg.h"
#include "sim/host/layout.h"
#include "abi/lguest.h"
#include "sim/host/page_tables.h"
#include "switcher-model/lguest_pages.h"
#include <string.h>

/* LHCALL_LGUEST_INIT, in 4.4's order of checks and writes: hypercalls.c initialize(), with
 * x86/core.c lguest_arch_init_hypercalls() and page_tables.c page_table_guest_data_init(). */
static void initialize(struct lguest *lg, uint32_t pa) {
    if (!shadow_guest_ptr(&lg->shadow, pa, LGD_SIZE)) {
        kill_guest(lg, "bad guest page %#x", pa);
        return;
    }
    lg->lguest_data = pa;
    lg->initialized = 1;
    lguest_data_put(lg, LGD_tsc_khz, 1000000);   /* the virtual TSC runs at 1 GHz */
    uint32_t vec = 0;
    lguest_data_get(lg, LGD_syscall_vec, &vec);
    if (vec != SYSCALL_VECTOR) {
        kill_guest(lg, "bad syscall vector");
        return;
    }
    lguest_data_get(lg, LGD_noirq_iret, &lg->noirq_iret);
    write_timestamp(lg);
    lguest_data_get(lg, LGD_kernel_address, &lg->shadow.kernel_address);
    lguest_data_put(lg, LGD_reserve_mem, (uint32_t)(0x100000000ull - SWITCHER_ADDR));
    if (lg->shadow.kernel_address >= SWITCHER_ADDR) {
        kill_guest(lg, "bad kernel address %#lx", (unsigned long)lg->shadow.kernel_address);
        return;
    }
    /* The Host's own writes above may have been the first to some Guest page: drop every
     * shadow (still in linear mode), re-pin the stack, re-map the Switcher. */
    pagetables_guest_init(lg);
}

static void shutdown(struct lguest *lg, uint32_t msg_pa, uint32_t how) {
    char msg[129] = { 0 };
    if (lguest_read(lg, msg_pa, msg, 128)) return;
    msg[128] = 0;
    kill_guest(lg, "CRASH: %s", msg);
    if (how == LGUEST_SHUTDOWN_RESTART)
        snprintf(lg->dead_reason, sizeof(lg->dead_reason), "restart: %s", msg);
    /* lgsim, unlike the launcher, tells a clean power-off from a crash by its exit code. */
    lg->status = how == LGUEST_SHUTDOWN_POWEROFF && strcmp(msg, "Power down") == 0 ? 0 :
                   how == LGUEST_SHUTDOWN_RESTART ? 4 : 1;
}

/* LHCALL_SET_STACK: 4.4 interrupts_and_traps.c guest_set_stack(). */
static void guest_set_stack(struct lguest *lg, uint32_t ss, uint32_t esp, uint32_t pages) {
    if ((ss & 3) != GUEST_PL) {
        kill_guest(lg, "bad stack segment %i", (int)ss);
        return;
    }
    if (pages > 2) {
        kill_guest(lg, "bad stack pages %u", pages);
        return;
    }
    lg->ss1 = ss;
    pagetables_set_stack(lg, esp, pages);   /* pinned: a direct trap pushes straight onto it */
}

/* do_hcall(): one hypercall; the arguments are EAX (number), EBX, ECX, EDX, ESI. */
static void do_hcall(struct lguest *lg, const uint32_t a[5]) {
    switch (a[0]) {
    case LHCALL_FLUSH_ASYNC:
    case LHCALL_SEND_INTERRUPTS:
        break;   /* they exist only to get the Host's attention */
    case LHCALL_NEW_PGTABLE:
    case LHCALL_FLUSH_TLB:
    case LHCALL_SET_PTE:
    case LHCALL_SET_PGD:
        do_pagetable_hcall(lg, a);
        break;
    case LHCALL_LGUEST_INIT:
        kill_guest(lg, "already have lguest_data");
        break;
    case LHCALL_SHUTDOWN:
        shutdown(lg, a[1], a[2]);
        break;
    case LHCALL_LOAD_IDT_ENTRY:
        load_guest_idt_entry(lg, a[1], a[2], a[3]);
        break;
    case LHCALL_LOAD_GDT_ENTRY:
        load_guest_gdt_entry(lg, a[1], a[2], a[3]);
        break;
    case LHCALL_SET_STACK:
        guest_set_stack(lg, a[1], a[2], a[3]);
        break;
    case LHCALL_TS:
        lg->ts = a[1];   /* run the Guest with CR0.TS so its first FPU use traps (#NM) */
        break;
    case LHCALL_SET_CLOCKEVENT:
        guest_set_clockevent(lg, a[1]);
        break;
    case LHCALL_HALT:
        lg->halted = 1;
        lg->count.n_halts++;
        break;
    case LHCALL_LOAD_TLS:
        guest_load_tls(lg, a[1]);   /* a[2], the cpu, is ignored on a uniprocessor Host */
        break;
    default:
        /* Includes LHCALL_SET_PMD: it exists only in a PAE Host, and a non-PAE 4.4 Host has
         * no case for it. */
        kill_guest(lg, "Bad hypercall %li\n", (long)a[0]);
    }
}

/* One hypercall, counted and recorded with how it ended. */
static void run_hcall(struct lguest *lg, const uint32_t a[5], int async) {
    lg->count.n_hypercalls++;
    if (a[0] < 32) lg->count.n_hcall[a[0]]++;
    if (!lg->initialized && a[0] != LHCALL_LGUEST_INIT)
        kill_guest(lg, "hypercall %li before INIT", (long)a[0]);
    else if (!lg->initialized)
        initialize(lg, a[1]);
    else
        do_hcall(lg, a);
    REC(lg->rec, lg->cpu.now_ns, TK_HCALL, a[0], a[1], a[2], a[3], a[4], (uint32_t)async,
        lg->dead ? HC_KILLED : HC_DONE);
}

/*
 * The async ring (4.4 hypercalls.c do_async_hcalls(); the Guest's side is arch/x86/lguest/boot.c
 * async_hcall()): in lazy mode the Guest queues hypercalls in lguest_data instead of
 * trapping for each, and the Host runs the queued ones, in order, before every trapping one.
 * Status 0 = queued, 0xFF = free or done.
 */
static void do_async_hcalls(struct lguest *lg) {
    uint8_t st[LHCALL_RING_SIZE];
    if (lguest_read(lg, lg->lguest_data + LGD_hcall_status, st, sizeof(st)))
        return;
    for (int i = 0; i < LHCALL_RING_SIZE && !lg->dead; i++) {
        uint32_t n = lg->next_hcall;
        if (st[n] == 0xFF)
            break;
        lg->next_hcall = (n + 1) % LHCALL_RING_SIZE;
        uint8_t raw[5 * 4];
        uint32_t a[5];
        if (lguest_read(lg, lg->lguest_data + LGD_hcalls + n * sizeof(raw), raw, sizeof(raw))) {
            kill_guest(lg, "Fetching async hypercalls");
            break;
        }
        for (int k = 0; k < 5; k++) a[k] = le32(raw + 4 * k);
        run_hcall(lg, a, 1);
        uint8_t done = 0xFF;
        if (lguest_write(lg, lg->lguest_data + LGD_hcall_status + n, &done, 1)) {
            kill_guest(lg, "Writing result for async hypercall");
            break;
        }
        if (lg->pending.trap)   /* the launcher must see to this first */
            break;
    }
}

/* @tour Host 110: do_hypercalls()
 * First the asynchronous ring: calls a Guest queued in lguest_data while lazy (Linux's page
 * table updates), in order; then the one it trapped with.  The arguments are the saved EAX,
 * EBX, ECX, EDX; do_hcall() (above) switches on the number.  SET_PGD and SET_PTE go to
 * page_tables.c; an unknown number kills the Guest with 4.4's "Bad hypercall".
 */
/* do_hypercalls(): the Guest trapped with int $0x1f; arguments are in its saved registers. */
void do_hypercalls(struct lguest *lg) {
    uint32_t a[5];
    for (int i = 0; i < 5; i++) a[i] = reg_get(lg, LGUEST_REGS_eax + 4 * i);
    lg->hcall_pending = 0;
    if (lg->initialized) {
        do_async_hcalls(lg);
        if (lg->pending.trap) {
            lg->hcall_pending = 1;   /* run it after the launcher, as 4.4 keeps cpu->hcall set */
            REC(lg->rec, lg->cpu.now_ns, TK_HCALL, a[0], a[1], a[2], a[3], a[4], 0, HC_POSTPONED);
            return;
        }
    }
    run_hcall(lg, a, 0);
}
