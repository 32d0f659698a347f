/* main.c - start_kernel: from head.S's first C call to the first process in ring 3. */
#include "kernel.h"

void prog_heap(void), prog_stack(void);   /* user.c, linked at user addresses */

void start_kernel(const uint8_t *boot_params);
void start_kernel(const uint8_t *boot_params) {
    /* head.S did LHCALL_LGUEST_INIT and LHCALL_NEW_PGTABLE; we run at PAGE_OFFSET now. */
    if (console_init() < 0) panic("no early console");
    printk("teaching guest: ring 1, paging on, kernel at 0x%x\n", PAGE_OFFSET);
    uint32_t ram = *(const uint32_t *)(boot_params + 0x2D0 + 8);   /* e820_map[0].size */
    load_gdt();
    trap_init();
    mm_init(ram);
    proc_create("heap", prog_heap);
    proc_create("stack", prog_stack);
    sched_start();
}
