/* cpuid.c - the CPUID a guest sees: one fixed Intel family-6 processor, the same on every host. */
#include "cpu/private.h"

/*
 * Unicorn answers CPUID from its own CPU model, whose vendor and family differ between versions
 * (2.1.1 says "AuthenticAMD", 2.1.4 "GenuineIntel") and which sets the "running under a
 * hypervisor" bit.  lgsim answers instead, from this table, so that:
 *   - unmodified guests take the paths they took on the Intel machines lguest ran on (e.g. the
 *     microcode loader's family >= 6 checks; Linux 4.4's lguest_cpuid() then forces family 5);
 *   - the answer never depends on the Unicorn version or the machine, keeping runs identical;
 *   - only features Unicorn really emulates are offered (the bits are those of its default model).
 */

struct cpuid_leaf { uint32_t leaf, eax, ebx, ecx, edx; };

#define SIG_GENU 0x756E6547u   /* "GenuineIntel" in EBX, EDX, ECX */
#define SIG_INEI 0x49656E69u
#define SIG_NTEL 0x6C65746Eu

static const struct cpuid_leaf leaves[] = {
    { 0x00000000, 0x0000000D, SIG_GENU, SIG_NTEL, SIG_INEI },
    /* family 6, model 6, stepping 3.  ECX: SSE3, CX16.  EDX: FPU VME DE PSE TSC MSR PAE MCE
     * CX8 APIC SEP MTRR PGE MCA CMOV PAT PSE36 CLFLUSH MMX FXSR SSE SSE2.  The hypervisor bit
     * (ECX 31) stays clear: lguest ran on bare metal. */
    { 0x00000001, 0x00000663, 0x00000800, 0x00002001, 0x078BFBFD },
    { 0x00000002, 0x00000001, 0x00000000, 0x00000000, 0x002C307D },
    { 0x00000004, 0x00000121, 0x01C0003F, 0x0000003F, 0x00000001 },
    { 0x80000000, 0x80000008, 0, 0, 0 },
    { 0x80000001, 0x00000000, 0, 0x00000001, 0x00100000 },   /* LAHF; NX */
    /* "lgsim virtual Intel(R) CPU family 6" as the brand string, 16 bytes per leaf */
    { 0x80000002, 0x6973676Cu, 0x6976206Du, 0x61757472u, 0x6E49206Cu },
    { 0x80000003, 0x286C6574u, 0x43202952u, 0x66205550u, 0x6C696D61u },
    { 0x80000004, 0x00362079u, 0, 0, 0 },
    { 0x80000008, 0x00003028, 0, 0, 0 },
};

/* What CPUID returns for eax = leaf (sub-leaves other than 0 read as empty). */
void cpu_cpuid(uint32_t leaf, uint32_t subleaf, uint32_t out[4]) {
    out[0] = out[1] = out[2] = out[3] = 0;
    if (leaf == 4 && subleaf != 0)
        return;   /* no more cache levels */
    for (size_t i = 0; i < sizeof(leaves) / sizeof(leaves[0]); i++)
        if (leaves[i].leaf == leaf) {
            out[0] = leaves[i].eax;
            out[1] = leaves[i].ebx;
            out[2] = leaves[i].ecx;
            out[3] = leaves[i].edx;
            return;
        }
}

static int on_cpuid(uc_engine *uc, void *user) {
    struct cpu *c = user;
    uint32_t r[4];
    cpu_cpuid(cpu_get(c, UC_X86_REG_EAX), cpu_get(c, UC_X86_REG_ECX), r);
    cpu_set(c, UC_X86_REG_EAX, r[0]);
    cpu_set(c, UC_X86_REG_EBX, r[1]);
    cpu_set(c, UC_X86_REG_ECX, r[2]);
    cpu_set(c, UC_X86_REG_EDX, r[3]);
    c->n_cpuid++;
    return 1;   /* handled: Unicorn skips its own CPUID */
}

int cpu_cpuid_install(struct cpu *c) {
    return uc_hook_add(c->uc, &c->h_cpuid, UC_HOOK_INSN, (void *)on_cpuid, c, 1, 0,
                       UC_X86_INS_CPUID) == UC_ERR_OK ? 0 : -1;
}
