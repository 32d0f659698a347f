/* test_cpu_hooks.c - what the debugger does to the CPU leaves no trace: deleting its hooks,
 * and a pause that comes while the CPU resumes from another.  On tests/cpu's rig. */
#include "tests/check.h"
#include "tests/cpu/harness.h"
#include <stdio.h>
#include <string.h>

static struct rig M;

#define EF_BASE 0x00000202u

#define OPEN(paging) do { \
    if (rig_open(&M, (paging))) { CHECK(!"rig_open"); return; } \
  } while (0)

static int n_calls;

static void count_insn(void *ctx, uint32_t addr, uint32_t size) {
    n_calls++;
}

/* Unmap (or map back) the pages snippets.S runs in. */
static void map_code(int present) {
    for (uint32_t la = CODE_BASE; la < CODE_BASE + 0x2000; la += 0x1000)
        set_ram32(&M, pte_addr(la), present ? la | PTE_P | PTE_RW | PTE_US : 0);
    cpu_flush_tlb(&M.cpu);
}

/*
 * A code hook is compiled into two blocks of the snippets; their pages are then unmapped and
 * the hook deleted, with the CPU at CPL 3 ready to run on.  Unicorn 2.1.1 looks up each
 * block's address in the current address space (see cpu_hooks_del): with Unicorn's own deletion
 * the first lookup leaves a #PF in the CPU state (CR2 changes), the second a #DF, and the next
 * exception the program takes becomes a triple fault that stops the CPU as if at HLT: a page
 * fault is lost, a denied OUT goes through.  Returns 0 when the machine is ready.
 */
static int delete_hook_elsewhere(void) {
    if (rig_open(&M, PAGING_ON)) {
        CHECK(!"rig_open");
        return -1;
    }
    n_calls = 0;
    cpu_hook h;
    CHECK_EQ(cpu_hook_code(&M.cpu, &h, 1, 0, count_insn, NULL), 0);
    CHECK_EQ(rig_run(&M, "s_into", "s_into_insn"), CPU_STOP_UNTIL);
    CHECK_EQ(rig_run(&M, "s_div0", "s_div0_insn"), CPU_STOP_UNTIL);
    CHECK(n_calls >= 5);
    rig_enter(&M, 3, EF_BASE);
    cpu_set(&M.cpu, CPU_REG_CR2, 0x12345678);

    map_code(0);
    static uint8_t tables[0x2000];
    memcpy(tables, M.ram + PD_BASE, sizeof(tables));   /* the directory and PT0 */
    cpu_hooks_del(&M.cpu, &h, 1);
    CHECK_EQ(cpu_get(&M.cpu, CPU_REG_CR2), 0x12345678);
    CHECK(memcmp(tables, M.ram + PD_BASE, sizeof(tables)) == 0);   /* no Accessed bit set */
    map_code(1);
    cpu_code_changed(&M.cpu);
    n_calls = 0;
    return 0;
}

static void hook_deleted_then_page_fault(void) {
    if (delete_hook_elsewhere()) return;
    set_ram32(&M, pte_addr(TEST_PAGE), 0);
    CHECK_EQ(rig_run(&M, "s_read_test", "h_stop"), CPU_STOP_UNTIL);
    CHECK_EQ(M.n_log, 1);
    CHECK_EQ(M.log[0].ev.vector, 14);
    CHECK_EQ(M.log[0].cr2, TEST_PAGE + 0x10);
    CHECK_EQ(n_calls, 0);   /* the deleted hook is called no more */
    rig_close(&M);
}

static void hook_deleted_then_denied_out(void) {
    if (delete_hook_elsewhere()) return;
    CHECK_EQ(rig_run(&M, "s_out80", "h_stop"), CPU_STOP_UNTIL);
    CHECK_EQ(M.n_log, 1);
    CHECK_EQ(M.log[0].ev.vector, 13);
    CHECK_EQ(M.log[0].ev.eip, sym("s_out80_insn"));
    CHECK_EQ(M.n_out, 0);
    CHECK_EQ(n_calls, 0);
    rig_close(&M);
}

/* --- pauses --- */

static uint32_t pause_at;
static int n_paused, attention_in_pause;

/* A breakpoint: stop before the instruction at pause_at, once. */
static void stop_once(void *ctx, uint32_t addr, uint32_t size) {
    struct cpu *c = ctx;
    if (addr == pause_at && n_paused == 0) cpu_pause_now(c, addr);
}

/* The debugger's turn; the first time, a Ctrl-C comes in before the CPU runs on. */
static void on_paused(void *ctx) {
    n_paused++;
    if (n_paused == 1 && attention_in_pause) cpu_pause_attention(&M.cpu);
}

/* Run s_into's first block ("movl; addl", stopped before INTO) and return the clock. */
static uint64_t clock_after_block(int pause, int attention) {
    if (rig_open(&M, PAGING_OFF)) {
        CHECK(!"rig_open");
        return 0;
    }
    pause_at = sym("s_into") + 5;   /* the addl, in the middle of the block */
    n_paused = 0;
    attention_in_pause = attention;
    cpu_hook h;
    if (pause) {
        M.cpu.pause.paused = on_paused;
        M.cpu.pause.on = 1;
        cpu_hook_code(&M.cpu, &h, pause_at, pause_at, stop_once, &M.cpu);
    }
    rig_enter(&M, 0, EF_BASE);
    CHECK_EQ(rig_run(&M, "s_into", "s_into_insn"), CPU_STOP_UNTIL);
    CHECK_EQ(cpu_get(&M.cpu, CPU_REG_EAX), 0x80000000u);
    CHECK_EQ(M.cpu.pause.n_pauses, (uint64_t)(pause ? 1 + attention : 0));
    uint64_t now = M.cpu.now_ns;
    rig_close(&M);
    return now;
}

/* A pause mid-block, and a Ctrl-C that comes while the CPU resumes: the tail of the block,
 * paid for when the block started, is not charged again. */
static void pause_then_attention_charges_once(void) {
    uint64_t plain = clock_after_block(0, 0);
    CHECK(plain > 0);
    CHECK_EQ(clock_after_block(1, 0), plain);
    CHECK_EQ(clock_after_block(1, 1), plain);
}

int main(void) {
    RUN(hook_deleted_then_page_fault);
    RUN(hook_deleted_then_denied_out);
    RUN(pause_then_attention_charges_once);
    return check_report("gdb_cpu_hooks");
}
