/* bare.h - Unicorn with none of cpu/'s honesty added: the floor bench/ measures lgsim against. */
#ifndef LGSIM_CPU_BARE_H
#define LGSIM_CPU_BARE_H
#include <stddef.h>
#include <stdint.h>

/* A plain Unicorn i386 engine on flat memory (ram at physical 0): no hooks at all, or with
 * with_block_hook an empty UC_HOOK_BLOCK, the least any per-block virtual clock costs. */
struct cpu_bare;
struct cpu_bare *cpu_bare_open(uint8_t *ram, size_t size, int with_block_hook);
/* Run from start until 'until' is about to execute, in ring 0 as Unicorn starts. */
void cpu_bare_run(struct cpu_bare *b, uint32_t start, uint32_t until);
void cpu_bare_close(struct cpu_bare *b);

/*
 * The bare-Unicorn floor of a hypercall round trip: the least plain Unicorn 2.1.1 must do for an
 * honest one, with none of lgsim.  Physical memory is identity-mapped by 4 MiB pages through two
 * page directories (host and guest); paging is on throughout.  Per round trip:
 *
 *   uc_emu_start at the ring-0 host code, which pushes the guest's SS, ESP, EFLAGS, CS, EIP,
 *     loads the guest's CR3 (a real mov %ebx,%cr3: QEMU flushes its whole TLB) and irets into
 *     ring 1 (a privilege-changing iret, done by QEMU);
 *   ring 1 executes int $0x1f; Unicorn never delivers through the IDT, it calls UC_HOOK_INTR;
 *   the hook "delivers" with the minimum: reads EIP, ESP, EFLAGS, CS, SS for the frame, writes
 *     the 5-word frame straight into RAM (no Unicorn call), changes CPL to 0 the only way the
 *     API allows (uc_context_save, patch hflags, uc_context_restore: a ring-0 SS is refused
 *     at CPL 1), then writes SS, ESP, CS, EFLAGS, EIP;
 *   the ring-0 stub loads the host's CR3 (the second TLB flush) and executes hlt, which ends
 *     uc_emu_start: one emu_start per exit, as lgsim does with CPU_RUN_TO_HLT;
 *   the host's "C handler" does nothing.
 *
 * Not included, though the real Switcher does them: lgdt/lidt/ltr both ways, the register
 * pushes and pops, reading the gate and descriptors in C, a block hook for a virtual clock.
 * with_block_hook adds just the last: an empty UC_HOOK_BLOCK, since lgsim's clock needs one.
 */
struct cpu_floor;
struct cpu_floor *cpu_floor_open(int with_block_hook, char *err, size_t errlen);
void cpu_floor_round_trip(struct cpu_floor *f);
/* After 'rounds' round trips: 0 when they ran as designed, else -1 with the reason. */
int cpu_floor_check(struct cpu_floor *f, uint64_t rounds, char *err, size_t errlen);
void cpu_floor_close(struct cpu_floor *f);
#endif
