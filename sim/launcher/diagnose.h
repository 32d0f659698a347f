/* diagnose.h - naming the known ways a Linux 4.4 Guest dies under lguest (diagnose.c). */
#ifndef LGSIM_DIAGNOSE_H
#define LGSIM_DIAGNOSE_H
#include <stdint.h>
#include <stdio.h>
struct machine;

/* The kernel symbol holding a Guest address, physical (before paging) or virtual; NULL when
 * the kernel has no symbols or none fits. */
const char *kernel_symbol(struct machine *m, uint32_t addr, uint32_t *off);
/* After a death at a faulting instruction (insn, its length, its symbol or NULL): explain it
 * when it is a known one (%cr4 read, null-%gs canary load, MSR access at CPL 1). */
void diagnose_fault(struct machine *m, const uint8_t *insn, uint32_t len, const char *sym,
                    FILE *f);
#endif
