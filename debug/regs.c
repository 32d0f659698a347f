/* regs.c - the registers gdb sees: i386 core as gdb expects it, plus lgsim's system feature. */
#include "debugger.h"
#include <string.h>

/*
 * Register numbers (the order of the target description and of the 'g' packet):
 *    0-15  eax ecx edx ebx esp ebp esi edi eip eflags cs ss ds es fs gs
 *   16-31  st0-st7 (80 bits), fctrl fstat ftag fiseg fioff foseg fooff fop: gdb's i386 needs
 *          the x87 registers in the core feature
 *   32-54  org.lgsim.i386.system: cr0 cr2 cr3 cr4, gdtr and idtr base and limit, tr and ldtr
 *          selectors, the CPL, and the hidden base and limit of cs ss ds es fs gs
 *      55  "system": cr0 to cpl again, as one struct (see SYSTEM_REG)
 */
#define FIRST_SYS 32
#define FIRST_SEG_CACHE 43
#define SYSTEM_REG 55
#define SYSTEM_FIELDS 11   /* cr0 ... cpl: registers 32 to 42 */

static const char target_xml[] =
    "<?xml version=\"1.0\"?>\n"
    "<!DOCTYPE target SYSTEM \"gdb-target.dtd\">\n"
    "<target version=\"1.0\">\n"
    "<architecture>i386</architecture>\n"
    "<feature name=\"org.gnu.gdb.i386.core\">\n"
    "<flags id=\"i386_eflags\" size=\"4\">\n"
    " <field name=\"CF\" start=\"0\" end=\"0\"/><field name=\"\" start=\"1\" end=\"1\"/>\n"
    " <field name=\"PF\" start=\"2\" end=\"2\"/><field name=\"AF\" start=\"4\" end=\"4\"/>\n"
    " <field name=\"ZF\" start=\"6\" end=\"6\"/><field name=\"SF\" start=\"7\" end=\"7\"/>\n"
    " <field name=\"TF\" start=\"8\" end=\"8\"/><field name=\"IF\" start=\"9\" end=\"9\"/>\n"
    " <field name=\"DF\" start=\"10\" end=\"10\"/><field name=\"OF\" start=\"11\" end=\"11\"/>\n"
    " <field name=\"NT\" start=\"14\" end=\"14\"/><field name=\"RF\" start=\"16\" end=\"16\"/>\n"
    " <field name=\"VM\" start=\"17\" end=\"17\"/><field name=\"AC\" start=\"18\" end=\"18\"/>\n"
    " <field name=\"VIF\" start=\"19\" end=\"19\"/><field name=\"VIP\" start=\"20\" end=\"20\"/>\n"
    " <field name=\"ID\" start=\"21\" end=\"21\"/>\n"
    "</flags>\n"
    "<reg name=\"eax\" bitsize=\"32\" type=\"int32\" regnum=\"0\"/>\n"
    "<reg name=\"ecx\" bitsize=\"32\" type=\"int32\"/>\n"
    "<reg name=\"edx\" bitsize=\"32\" type=\"int32\"/>\n"
    "<reg name=\"ebx\" bitsize=\"32\" type=\"int32\"/>\n"
    "<reg name=\"esp\" bitsize=\"32\" type=\"data_ptr\"/>\n"
    "<reg name=\"ebp\" bitsize=\"32\" type=\"data_ptr\"/>\n"
    "<reg name=\"esi\" bitsize=\"32\" type=\"int32\"/>\n"
    "<reg name=\"edi\" bitsize=\"32\" type=\"int32\"/>\n"
    "<reg name=\"eip\" bitsize=\"32\" type=\"code_ptr\"/>\n"
    "<reg name=\"eflags\" bitsize=\"32\" type=\"i386_eflags\"/>\n"
    "<reg name=\"cs\" bitsize=\"32\" type=\"int32\"/>\n"
    "<reg name=\"ss\" bitsize=\"32\" type=\"int32\"/>\n"
    "<reg name=\"ds\" bitsize=\"32\" type=\"int32\"/>\n"
    "<reg name=\"es\" bitsize=\"32\" type=\"int32\"/>\n"
    "<reg name=\"fs\" bitsize=\"32\" type=\"int32\"/>\n"
    "<reg name=\"gs\" bitsize=\"32\" type=\"int32\"/>\n"
    "<reg name=\"st0\" bitsize=\"80\" type=\"i387_ext\"/>\n"
    "<reg name=\"st1\" bitsize=\"80\" type=\"i387_ext\"/>\n"
    "<reg name=\"st2\" bitsize=\"80\" type=\"i387_ext\"/>\n"
    "<reg name=\"st3\" bitsize=\"80\" type=\"i387_ext\"/>\n"
    "<reg name=\"st4\" bitsize=\"80\" type=\"i387_ext\"/>\n"
    "<reg name=\"st5\" bitsize=\"80\" type=\"i387_ext\"/>\n"
    "<reg name=\"st6\" bitsize=\"80\" type=\"i387_ext\"/>\n"
    "<reg name=\"st7\" bitsize=\"80\" type=\"i387_ext\"/>\n"
    "<reg name=\"fctrl\" bitsize=\"32\" type=\"int\" group=\"float\"/>\n"
    "<reg name=\"fstat\" bitsize=\"32\" type=\"int\" group=\"float\"/>\n"
    "<reg name=\"ftag\" bitsize=\"32\" type=\"int\" group=\"float\"/>\n"
    "<reg name=\"fiseg\" bitsize=\"32\" type=\"int\" group=\"float\"/>\n"
    "<reg name=\"fioff\" bitsize=\"32\" type=\"int\" group=\"float\"/>\n"
    "<reg name=\"foseg\" bitsize=\"32\" type=\"int\" group=\"float\"/>\n"
    "<reg name=\"fooff\" bitsize=\"32\" type=\"int\" group=\"float\"/>\n"
    "<reg name=\"fop\" bitsize=\"32\" type=\"int\" group=\"float\"/>\n"
    "</feature>\n"
    "<feature name=\"org.lgsim.i386.system\">\n"
    /* CR0 and CR4 decoded by gdb, as QEMU's i386 description does: the bits by the SDM's names,
     * high to low, so gdb prints "[ PG WP ET PE ]" */
    "<flags id=\"i386_cr0\" size=\"4\">\n"
    " <field name=\"PG\" start=\"31\" end=\"31\"/><field name=\"CD\" start=\"30\" end=\"30\"/>\n"
    " <field name=\"NW\" start=\"29\" end=\"29\"/><field name=\"AM\" start=\"18\" end=\"18\"/>\n"
    " <field name=\"WP\" start=\"16\" end=\"16\"/><field name=\"NE\" start=\"5\" end=\"5\"/>\n"
    " <field name=\"ET\" start=\"4\" end=\"4\"/><field name=\"TS\" start=\"3\" end=\"3\"/>\n"
    " <field name=\"EM\" start=\"2\" end=\"2\"/><field name=\"MP\" start=\"1\" end=\"1\"/>\n"
    " <field name=\"PE\" start=\"0\" end=\"0\"/>\n"
    "</flags>\n"
    "<flags id=\"i386_cr4\" size=\"4\">\n"
    " <field name=\"PKE\" start=\"22\" end=\"22\"/><field name=\"SMAP\" start=\"21\" end=\"21\"/>\n"
    " <field name=\"SMEP\" start=\"20\" end=\"20\"/><field name=\"OSXSAVE\" start=\"18\" end=\"18\"/>\n"
    " <field name=\"PCIDE\" start=\"17\" end=\"17\"/><field name=\"FSGSBASE\" start=\"16\" end=\"16\"/>\n"
    " <field name=\"SMXE\" start=\"14\" end=\"14\"/><field name=\"VMXE\" start=\"13\" end=\"13\"/>\n"
    " <field name=\"LA57\" start=\"12\" end=\"12\"/><field name=\"UMIP\" start=\"11\" end=\"11\"/>\n"
    " <field name=\"OSXMMEXCPT\" start=\"10\" end=\"10\"/><field name=\"OSFXSR\" start=\"9\" end=\"9\"/>\n"
    " <field name=\"PCE\" start=\"8\" end=\"8\"/><field name=\"PGE\" start=\"7\" end=\"7\"/>\n"
    " <field name=\"MCE\" start=\"6\" end=\"6\"/><field name=\"PAE\" start=\"5\" end=\"5\"/>\n"
    " <field name=\"PSE\" start=\"4\" end=\"4\"/><field name=\"DE\" start=\"3\" end=\"3\"/>\n"
    " <field name=\"TSD\" start=\"2\" end=\"2\"/><field name=\"PVI\" start=\"1\" end=\"1\"/>\n"
    " <field name=\"VME\" start=\"0\" end=\"0\"/>\n"
    "</flags>\n"
    "<reg name=\"cr0\" bitsize=\"32\" type=\"i386_cr0\" regnum=\"32\" group=\"system\"/>\n"
    "<reg name=\"cr2\" bitsize=\"32\" type=\"uint32\" group=\"system\"/>\n"
    "<reg name=\"cr3\" bitsize=\"32\" type=\"uint32\" group=\"system\"/>\n"
    "<reg name=\"cr4\" bitsize=\"32\" type=\"i386_cr4\" group=\"system\"/>\n"
    "<reg name=\"gdtr_base\" bitsize=\"32\" type=\"data_ptr\" group=\"system\"/>\n"
    "<reg name=\"gdtr_limit\" bitsize=\"32\" type=\"uint32\" group=\"system\"/>\n"
    "<reg name=\"idtr_base\" bitsize=\"32\" type=\"data_ptr\" group=\"system\"/>\n"
    "<reg name=\"idtr_limit\" bitsize=\"32\" type=\"uint32\" group=\"system\"/>\n"
    "<reg name=\"tr\" bitsize=\"32\" type=\"uint32\" group=\"system\"/>\n"
    "<reg name=\"ldtr\" bitsize=\"32\" type=\"uint32\" group=\"system\"/>\n"
    "<reg name=\"cpl\" bitsize=\"32\" type=\"uint32\" group=\"system\"/>\n"
    "<reg name=\"cs_base\" bitsize=\"32\" type=\"uint32\" group=\"system\"/>\n"
    "<reg name=\"cs_limit\" bitsize=\"32\" type=\"uint32\" group=\"system\"/>\n"
    "<reg name=\"ss_base\" bitsize=\"32\" type=\"uint32\" group=\"system\"/>\n"
    "<reg name=\"ss_limit\" bitsize=\"32\" type=\"uint32\" group=\"system\"/>\n"
    "<reg name=\"ds_base\" bitsize=\"32\" type=\"uint32\" group=\"system\"/>\n"
    "<reg name=\"ds_limit\" bitsize=\"32\" type=\"uint32\" group=\"system\"/>\n"
    "<reg name=\"es_base\" bitsize=\"32\" type=\"uint32\" group=\"system\"/>\n"
    "<reg name=\"es_limit\" bitsize=\"32\" type=\"uint32\" group=\"system\"/>\n"
    "<reg name=\"fs_base\" bitsize=\"32\" type=\"uint32\" group=\"system\"/>\n"
    "<reg name=\"fs_limit\" bitsize=\"32\" type=\"uint32\" group=\"system\"/>\n"
    "<reg name=\"gs_base\" bitsize=\"32\" type=\"uint32\" group=\"system\"/>\n"
    "<reg name=\"gs_limit\" bitsize=\"32\" type=\"uint32\" group=\"system\"/>\n"
    /* gdb's i386 architecture puts no register in the "system" group (i386-tdep.c's
     * i386_register_reggroup_p overrides the description's group attribute), but "info
     * registers NAME" looks for a register called NAME before a group: one called "system",
     * a struct of CR0 to the CPL, makes "info registers system" print them all. */
    "<struct id=\"i386_system\">\n"
    " <field name=\"cr0\" type=\"i386_cr0\"/><field name=\"cr2\" type=\"uint32\"/>\n"
    " <field name=\"cr3\" type=\"uint32\"/><field name=\"cr4\" type=\"i386_cr4\"/>\n"
    " <field name=\"gdtr_base\" type=\"uint32\"/><field name=\"gdtr_limit\" type=\"uint32\"/>\n"
    " <field name=\"idtr_base\" type=\"uint32\"/><field name=\"idtr_limit\" type=\"uint32\"/>\n"
    " <field name=\"tr\" type=\"uint32\"/><field name=\"ldtr\" type=\"uint32\"/>\n"
    " <field name=\"cpl\" type=\"uint32\"/>\n"
    "</struct>\n"
    "<reg name=\"system\" bitsize=\"352\" type=\"i386_system\" group=\"system\"/>\n"
    "</feature>\n"
    "</target>\n";

const char *regs_target_xml(void) { return target_xml; }

int regs_size(int n) {
    if (n < 0 || n >= REG_COUNT) return 0;
    if (n == SYSTEM_REG) return 4 * SYSTEM_FIELDS;
    return n >= 16 && n < 24 ? 10 : 4;
}

static const int gregs[16] = {
    CPU_REG_EAX, CPU_REG_ECX, CPU_REG_EDX, CPU_REG_EBX, CPU_REG_ESP,
    CPU_REG_EBP, CPU_REG_ESI, CPU_REG_EDI, CPU_REG_EIP, CPU_REG_EFLAGS,
    CPU_REG_CS, CPU_REG_SS, CPU_REG_DS, CPU_REG_ES, CPU_REG_FS, CPU_REG_GS,
};

/* The system registers, from the control's one reading of them. */
static uint32_t system_reg(struct debugger *d, int n) {
    struct control_regs r;
    control_regs(&d->k, &r);
    switch (n) {
    case 32: return r.cr0;
    case 33: return r.cr2;
    case 34: return r.cr3;
    case 35: return r.cr4;
    case 36: return r.gdtr_base;
    case 37: return r.gdtr_limit;
    case 38: return r.idtr_base;
    case 39: return r.idtr_limit;
    case 40: return r.tr;
    case 41: return r.ldtr;
    case 42: return (uint32_t)r.cpl;
    default: {
        int seg = (n - FIRST_SEG_CACHE) / 2;   /* gdb's order cs ss ds es fs gs: control's */
        if (!r.seg_known[seg]) return 0;
        return (n - FIRST_SEG_CACHE) % 2 ? r.seg_limit[seg] : r.seg_base[seg];
    }
    }
}

void regs_read(struct debugger *d, int n, uint8_t *val) {
    memset(val, 0, REG_MAX_SIZE);
    if (n < 16) {
        put_le32(val, cpu_get(d->k.c, gregs[n]) & (n >= 10 ? 0xFFFF : 0xFFFFFFFF));
    } else if (n < 24) {
        cpu_get_st(d->k.c, n - 16, val);
    } else if (n < FIRST_SYS) {
        static const int fpu[8] = { CPU_REG_FPCW, CPU_REG_FPSW, CPU_REG_FPTAG, -1,
                                    CPU_REG_FIP, -1, -1, CPU_REG_FOP };
        uint32_t v = fpu[n - 24] >= 0 ? cpu_get_fpu(d->k.c, fpu[n - 24]) : 0;
        put_le32(val, v & (n == 26 || n == 24 || n == 25 ? 0xFFFF : 0xFFFFFFFF));
    } else if (n == SYSTEM_REG) {
        for (int i = 0; i < SYSTEM_FIELDS; i++)
            put_le32(val + 4 * i, system_reg(d, FIRST_SYS + i));
    } else if (n < REG_COUNT) {
        put_le32(val, system_reg(d, n));
    }
}

/* General registers, EIP and EFLAGS can be written; segment and system registers cannot (a
 * write there would need the checks a real load makes). */
int regs_write(struct debugger *d, int n, const uint8_t *val) {
    if (n < 0 || n >= 10) return -1;
    cpu_set(d->k.c, gregs[n], le32(val));
    return 0;
}
