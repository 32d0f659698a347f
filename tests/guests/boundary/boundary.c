/* boundary.c - a test guest for the CPU boundary: one hostile scenario per kernel command line. */
#include "tests/guests/lib/guest.h"

/*
 * Each scenario tries, from ring 1, something Unicorn alone gets wrong at a privilege
 * boundary, and prints what an i386 would let it see (tests/sim/host/boundary.cmake):
 *
 *   iret-vm      its own iret through an EFLAGS image with VM and IOPL 3;
 *   noirq-image  the same image in the frame the Host re-uses at noirq_iret;
 *   random=SEED  a page of seeded random bytes, run in ring 1 with every general register
 *                pointing into that page (so its stores rewrite the code it runs);
 *   zeros        a page of zeros run the same way: "add %al,(%eax)" over its own page;
 *   smc-loop     a loop that stores into its own instructions on every pass;
 *   patch-twice  two patches into a page of code that has run, one after the other: the
 *                second patched instruction is what runs.
 */

struct lguest_data lguest_data = {
    .blocked_interrupts = 1,
    .hcall_status = { [0 ... 63] = 0xFF },   /* 0xFF = free */
    .kernel_address = 0xC0000000,
    .syscall_vec = 0x80,
};

/* 8 KiB of stack, the two pages SET_STACK would pin; lib.S's _start needs stack_top. */
__asm__(".bss\n.align 16\n.space 8192\n.globl stack_top\nstack_top:\n.text");

extern uint32_t hostile_image, hostile_result, timer_hits;
extern char noirq_image_iret[], timer_handler[];
void iret_image(void);
void noirq_image(void);

#define HOSTILE_EFLAGS 0x00023002u   /* VM, IOPL 3, IF clear */
static void set_gate(uint32_t vec, uint32_t h);

static void power_off(const char *msg) {
    hcall(LHCALL_SHUTDOWN, (uint32_t)msg, LGUEST_SHUTDOWN_POWEROFF, 0, 0);
}

static void s_iret_vm(void) {
    hostile_image = HOSTILE_EFLAGS;
    iret_image();
    gprintf("iret image %x: resumed with eflags %x\n", hostile_image, hostile_result);
}

/* The timer (IRQ 0) pending while irq_enabled is 0, then delivered at noirq_iret. */
static void s_noirq_image(void) {
    hostile_image = HOSTILE_EFLAGS;
    set_gate(32, (uint32_t)timer_handler);
    lguest_data.irq_enabled = 0;
    lguest_data.blocked_interrupts = 0;
    hcall(LHCALL_SET_CLOCKEVENT, 1000000, 0, 0, 0);
    uint32_t t0 = rdtsc_lo();
    while (!*(volatile uint32_t *)&lguest_data.irq_pending && rdtsc_lo() - t0 < 10000000) ;
    noirq_image();
    gprintf("noirq image %x: %u timer interrupt, resumed with eflags %x\n", hostile_image,
            timer_hits, hostile_result);
}

/* The page the random and zero scenarios run, and the registers they start with. */
__asm__(".bss\n.align 4096\n.globl code_page\ncode_page:\n.space 4096\n.text");
extern uint8_t code_page[];
void run_code_page(const uint32_t regs[7]);
void smc_loop(void);
uint32_t patch_twice(void);

static uint32_t xorshift(uint32_t *s) {
    *s ^= *s << 13;
    *s ^= *s >> 17;
    *s ^= *s << 5;
    return *s;
}

extern const uint32_t skip_handlers[];

static void set_gate(uint32_t vec, uint32_t h) {   /* a present interrupt gate, DPL 0 */
    hcall(LHCALL_LOAD_IDT_ENTRY, vec, (0x61u << 16) | (h & 0xFFFF), (h & 0xFFFF0000u) | 0x8E00, 0);
}

static void s_code_page(uint32_t seed, int zeros) {
    uint32_t st = seed ? seed : 1, regs[7];
    for (int i = 0; skip_handlers[i] != 0xFFFFFFFFu; i += 2) set_gate(skip_handlers[i], skip_handlers[i + 1]);
    for (int i = 0; i < 4096; i++) code_page[i] = zeros ? 0 : (uint8_t)xorshift(&st);
    for (int i = 0; i < 7; i++) regs[i] = (uint32_t)code_page + (zeros ? 0 : (xorshift(&st) & 0xFFF));
    gprintf("running the code page (seed %u)\n", seed);
    run_code_page(regs);
    gprintf("the code page returned\n");
}

static uint32_t number_after(const char *s, const char *prefix) {
    while (*prefix && *s == *prefix) s++, prefix++;
    uint32_t n = 0;
    while (*s >= '0' && *s <= '9') n = n * 10 + (uint32_t)(*s++ - '0');
    return n;
}

void guest_main(const uint8_t *boot_params);
void guest_main(const uint8_t *boot_params) {
    const char *cmd = (const char *)*(const uint32_t *)(boot_params + 0x228);
    lguest_data.noirq_iret = (uint32_t)noirq_image_iret;
    hcall(LHCALL_LGUEST_INIT, (uint32_t)&lguest_data, 0, 0, 0);
    if (console_probe() < 0) power_off("no early console");
    if (streq(cmd, "iret-vm")) s_iret_vm();
    else if (streq(cmd, "noirq-image")) s_noirq_image();
    else if (streq(cmd, "zeros")) s_code_page(0, 1);
    else if (streq(cmd, "smc-loop")) smc_loop();
    else if (streq(cmd, "patch-twice")) gprintf("the patched site gives %u\n", patch_twice());
    else if (cmd[0] == 'r' && cmd[1] == 'a' && cmd[6] == '=') s_code_page(number_after(cmd, "random="), 0);
    else gprintf("unknown scenario '%s'\n", cmd);
    power_off("Power down");
}
