/* harness.h - the CPU tests' rig, a tiny i386 machine: RAM, GDT, IDT, TSS, page tables, snippets. */
#ifndef LGSIM_TESTS_CPU_HARNESS_H
#define LGSIM_TESTS_CPU_HARNESS_H
#include "cpu/cpu.h"
#include "cpu/desc.h"
#include "tests/guests/snippets/layout.h"

#define LOG_MAX 16

/* One machine per test case: everything a test can observe is here. */
struct rig {
    struct phys phys;
    struct cpu cpu;
    uint8_t *ram;                      /* host pointer to physical 0 */

    /* Deliveries, as the delivered() hook reported them (the first LOG_MAX in full). */
    struct cpu_delivery log[LOG_MAX];
    uint64_t log_now_ns[LOG_MAX];      /* virtual time of each delivery */
    int n_log;
    long n_delivered;

    /* Port I/O the CPU allowed. */
    int n_in, n_out;
    uint16_t io_port;
    int io_size;
    uint32_t io_value;
    uint32_t in_reply;                 /* what io_in answers */

    /* Deadline hook: which vector to raise, and when it fired. */
    int deadline_vector;
    uint64_t deadline_fired_ns;
};

enum { PAGING_OFF = 0, PAGING_ON = 1 };

/* A machine with the GDT, a TSS (esp0/ss0, esp1/ss1, all-deny I/O bitmap), every IDT gate an
 * interrupt gate (DPL 0) to h_stop in ring 0, the snippets loaded; with PAGING_ON also page
 * tables (identity except page 0 and the UNMAPPED_STACK page not present, one 4 MiB PSE page
 * at LARGE_VA -> LARGE_PA; CR0.WP=1).  Returns 0, or -1 after printing why. */
int rig_open(struct rig *m, int paging);
void rig_close(struct rig *m);

/* Address of a label in snippets.S; aborts the program on an unknown name (a test bug). */
uint32_t sym(const char *name);

/* IDT gate: type GATE_INT32 or GATE_TRAP32. */
void set_gate(struct rig *m, int vector, uint16_t sel, uint32_t offset, int type, int dpl,
              int present);

/* Start ring 'cpl' (0, 1 or 3) on its program stack with these EFLAGS. */
void rig_enter(struct rig *m, int cpl, uint32_t eflags);

/* cpu_run from label 'from' until label 'until'. */
enum cpu_stop rig_run(struct rig *m, const char *from, const char *until);

/* Physical memory helpers (RAM at 0, so physical = host offset). */
uint32_t ram32(struct rig *m, uint32_t pa);
void set_ram32(struct rig *m, uint32_t pa, uint32_t v);

/* Page-table entry for a linear address below 4 MiB, and its physical location. */
uint32_t pte_addr(uint32_t la);

/* I/O bitmap: allow (clear) or deny (set) one port. */
void io_permit(struct rig *m, uint16_t port, int allowed);

/* The word at offset i (in 32-bit words) above the current ESP, read from emulated memory. */
uint32_t stack_word(struct rig *m, int i);
#endif
