/* hypercalls.c - the Guest asks, the Host does: Linux 4.4 drivers/lguest/hypercalls.c. */
#include "sim/host/lg.h"
#include "sim/host/layout.h"
#include "abi/lguest.h"
#include "sim/host/page_tables.h"
#include "switcher-model/lguest_pages.h"
#include <string.h>

/* Every Host access to Guest memory is bounds-checked (lguest_address_ok). */
int lguest_read(struct machine *m, uint32_t gpa, void *buf, uint32_t len) {
    uint8_t *p = shadow_guest_ptr(&m->shadow, gpa, len);
    if (!p) {
        kill_guest(m, "bad read address %#x len %u", gpa, len);
        return -1;
    }
    memcpy(buf, p, len);
    return 0;
}

int lguest_write(struct machine *m, uint32_t gpa, const void *buf, uint32_t len) {
    uint8_t *p = shadow_guest_ptr(&m->shadow, gpa, len);
    if (!p) {
        kill_guest(m, "bad write address %#x len %u", gpa, len);
        return -1;
    }
    memcpy(p, buf, len);
    return 0;
}

int lguest_data_get(struct machine *m, uint32_t off, uint32_t *v) {
    uint8_t b[4];
    if (!m->initialized || lguest_read(m, m->lguest_data + off, b, 4)) return -1;
    *v = le32(b);
    return 0;
}

void lguest_data_put(struct machine *m, uint32_t off, uint32_t v) {
    uint8_t b[4];
    put_le32(b, v);
    if (m->initialized) lguest_write(m, m->lguest_data + off, b, 4);
}

/* LHCALL_LGUEST_INIT, in 4.4's order of checks and writes (ABI §6.1). */
static void initialize(struct machine *m, uint32_t pa) {
    if (!shadow_guest_ptr(&m->shadow, pa, LGD_SIZE)) {
        kill_guest(m, "bad guest page %#x", pa);
        return;
    }
    m->lguest_data = pa;
    m->initialized = 1;
    lguest_data_put(m, LGD_tsc_khz, 1000000);   /* the virtual TSC runs at 1 GHz */
    uint32_t vec = 0;
    lguest_data_get(m, LGD_syscall_vec, &vec);
    if (vec != SYSCALL_VECTOR) {
        kill_guest(m, "bad syscall vector");
        return;
    }
    lguest_data_get(m, LGD_noirq_iret, &m->noirq_iret);
    write_timestamp(m);
    lguest_data_get(m, LGD_kernel_address, &m->shadow.kernel_address);
    lguest_data_put(m, LGD_reserve_mem, (uint32_t)(0x100000000ull - SWITCHER_ADDR));
    if (m->shadow.kernel_address >= SWITCHER_ADDR) {
        kill_guest(m, "bad kernel address %#lx", (unsigned long)m->shadow.kernel_address);
        return;
    }
    /* The Host's own writes above may have been the first to some Guest page: drop every
     * shadow (still in linear mode), re-pin the stack, re-map the Switcher. */
    pagetables_guest_init(m);
}

static void shutdown(struct machine *m, uint32_t msg_pa, uint32_t how) {
    char msg[129] = { 0 };
    if (lguest_read(m, msg_pa, msg, 128)) return;
    msg[128] = 0;
    kill_guest(m, "CRASH: %s", msg);
    if (how == LGUEST_SHUTDOWN_RESTART)
        snprintf(m->dead_reason, sizeof(m->dead_reason), "restart: %s", msg);
    /* lgsim, unlike the launcher, tells a clean power-off from a crash by its exit code. */
    m->exit_code = how == LGUEST_SHUTDOWN_POWEROFF && strcmp(msg, "Power down") == 0 ? 0 :
                   how == LGUEST_SHUTDOWN_RESTART ? 4 : 1;
}

static void set_stack(struct machine *m, uint32_t ss, uint32_t esp, uint32_t pages) {
    if ((ss & 3) != GUEST_PL) {
        kill_guest(m, "bad stack segment %i", (int)ss);
        return;
    }
    if (pages > 2) {
        kill_guest(m, "bad stack pages %u", pages);
        return;
    }
    m->ss1 = ss;
    pagetables_set_stack(m, esp, pages);   /* pinned: a direct trap pushes straight onto it */
}

/* do_hcall(): one hypercall; the arguments are EAX (number), EBX, ECX, EDX, ESI. */
static void do_hcall(struct machine *m, const uint32_t a[5]) {
    switch (a[0]) {
    case LHCALL_FLUSH_ASYNC:
    case LHCALL_SEND_INTERRUPTS:
        break;   /* they exist only to get the Host's attention */
    case LHCALL_NEW_PGTABLE:
    case LHCALL_FLUSH_TLB:
    case LHCALL_SET_PTE:
    case LHCALL_SET_PGD:
        do_pagetable_hcall(m, a);
        break;
    case LHCALL_LGUEST_INIT:
        kill_guest(m, "already have lguest_data");
        break;
    case LHCALL_SHUTDOWN:
        shutdown(m, a[1], a[2]);
        break;
    case LHCALL_LOAD_IDT_ENTRY:
        load_guest_idt_entry(m, a[1], a[2], a[3]);
        break;
    case LHCALL_LOAD_GDT_ENTRY:
        load_guest_gdt_entry(m, a[1], a[2], a[3]);
        break;
    case LHCALL_SET_STACK:
        set_stack(m, a[1], a[2], a[3]);
        break;
    case LHCALL_TS:
        m->ts = a[1];   /* run the Guest with CR0.TS so its first FPU use traps (#NM) */
        break;
    case LHCALL_SET_CLOCKEVENT:
        guest_set_clockevent(m, a[1]);
        break;
    case LHCALL_HALT:
        m->halted = 1;
        m->n_halts++;
        break;
    case LHCALL_LOAD_TLS:
        guest_load_tls(m, a[1]);   /* a[2], the cpu, is ignored on a uniprocessor Host */
        break;
    default:
        /* Includes LHCALL_SET_PMD: it exists only in a PAE Host, and a non-PAE 4.4 Host has
         * no case for it. */
        kill_guest(m, "Bad hypercall %li\n", (long)a[0]);
    }
}

/* One hypercall, counted and recorded with how it ended. */
static void run_hcall(struct machine *m, const uint32_t a[5], int async) {
    m->n_hypercalls++;
    if (a[0] < 32) m->n_hcall[a[0]]++;
    if (!m->initialized && a[0] != LHCALL_LGUEST_INIT)
        kill_guest(m, "hypercall %li before INIT", (long)a[0]);
    else if (!m->initialized)
        initialize(m, a[1]);
    else
        do_hcall(m, a);
    REC(&m->rec, m->cpu.now_ns, TK_HCALL, a[0], a[1], a[2], a[3], a[4], (uint32_t)async,
        m->dead ? HC_KILLED : HC_DONE);
}

/*
 * The async ring (ABI §6.2): in lazy mode the Guest queues hypercalls in lguest_data instead of
 * trapping for each, and the Host runs the queued ones, in order, before every trapping one.
 * Status 0 = queued, 0xFF = free or done.
 */
static void do_async_hcalls(struct machine *m) {
    uint8_t st[LHCALL_RING_SIZE];
    if (lguest_read(m, m->lguest_data + LGD_hcall_status, st, sizeof(st)))
        return;
    for (int i = 0; i < LHCALL_RING_SIZE && !m->dead; i++) {
        uint32_t n = m->next_hcall;
        if (st[n] == 0xFF)
            break;
        m->next_hcall = (n + 1) % LHCALL_RING_SIZE;
        uint8_t raw[5 * 4];
        uint32_t a[5];
        if (lguest_read(m, m->lguest_data + LGD_hcalls + n * sizeof(raw), raw, sizeof(raw))) {
            kill_guest(m, "Fetching async hypercalls");
            break;
        }
        for (int k = 0; k < 5; k++) a[k] = le32(raw + 4 * k);
        run_hcall(m, a, 1);
        uint8_t done = 0xFF;
        if (lguest_write(m, m->lguest_data + LGD_hcall_status + n, &done, 1)) {
            kill_guest(m, "Writing result for async hypercall");
            break;
        }
        if (m->pending.trap)   /* the launcher must see to this first */
            break;
    }
}

/* do_hypercalls(): the Guest trapped with int $0x1f; arguments are in its saved registers. */
void do_hypercall(struct machine *m) {
    uint32_t a[5];
    for (int i = 0; i < 5; i++) a[i] = reg_get(m, LGUEST_REGS_eax + 4 * i);
    m->hcall_pending = 0;
    if (m->initialized) {
        do_async_hcalls(m);
        if (m->pending.trap) {
            m->hcall_pending = 1;   /* run it after the launcher, as 4.4 keeps cpu->hcall set */
            REC(&m->rec, m->cpu.now_ns, TK_HCALL, a[0], a[1], a[2], a[3], a[4], 0, HC_POSTPONED);
            return;
        }
    }
    run_hcall(m, a, 0);
}
