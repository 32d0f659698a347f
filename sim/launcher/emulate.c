/* emulate.c - the launcher's side of a Guest exit: emulate the instruction, or re-inject it. */
#include "sim/launcher/launcher.h"
#include "switcher-model/lguest_pages.h"
#include <stdio.h>

/*
 * Linux 4.4 tools/lguest/lguest.c emulate_insn(): only port I/O from the Guest kernel (and a
 * stray cli) is emulated.  Anything else goes back into the Guest as the trap it was; if the
 * Guest has no handler yet, the launcher gives up with err(), as lgsim does here.
 */
/* The launcher's getreg()/setreg(): through LHREQ_GETREG/SETREG; a refusal ends the launcher
 * (4.4: err(1, "Getting register %u") / errx(1, "Setting register %u")). */
static uint32_t getreg(struct launcher *l, uint32_t pt_off) {
    uint32_t v = 0;
    if (lhreq_getreg(l->lg, pt_off, &v) < 0)
        launcher_quit(l, "Getting register %u: No such file or directory", pt_off);
    return v;
}

static void setreg(struct launcher *l, uint32_t pt_off, uint32_t v) {
    if (lhreq_setreg(l->lg, pt_off, v) < 0)
        launcher_quit(l, "Setting register %u", pt_off);
}

static void record(struct launcher *l, uint32_t what, uint32_t addr, uint32_t size,
                   uint32_t val) {
    REC(&l->rec, lguest_time(l->lg), TK_LAUNCHER, what, addr, size, val, getreg(l, PT_EIP));
}

/* @tour Launcher 50: emulate_insn()
 * The pending #GP comes with the instruction's first bytes.  As in 4.4, only port I/O from the
 * Guest kernel is emulated: the value is read with LHREQ_GETREG, the port is given to the
 * PCI bus, and EIP moves past the instruction with LHREQ_SETREG.  Anything else is
 * re-injected into the Guest as the trap it was (LHREQ_TRAP), or ends the Launcher.
 */
static int emulate_insn(struct launcher *l, const uint8_t insn[7]) {
    uint32_t len = 0, port, mask, eax = getreg(l, PT_EAX);
    int in = 0, small = 0;
    if ((getreg(l, PT_CS) & 3) != GUEST_PL)
        return -1;
    if (insn[0] == 0xFA) {   /* cli: harmless, skip it */
        len = 1;
        record(l, LN_CLI, 0, 0, 0);
        goto skip;
    }
    if (insn[0] == 0x66) {
        small = 1;
        len = 1;
    }
    uint8_t op = insn[len];
    switch (op & 0xFE) {
    case 0xE4: port = insn[len + 1]; len += 2; in = 1; break;
    case 0xEC: port = getreg(l, PT_EDX) & 0xFFFF; len += 1; in = 1; break;
    case 0xE6: port = insn[len + 1]; len += 2; break;
    case 0xEE: port = getreg(l, PT_EDX) & 0xFFFF; len += 1; break;
    default: return -1;
    }
    int size = !(op & 1) ? 1 : small ? 2 : 4;
    mask = size == 1 ? 0xFF : size == 2 ? 0xFFFF : 0xFFFFFFFFu;
    if (in) {
        uint32_t val = 0xFFFFFFFFu;
        if (port == 0x64)
            val = 1;   /* the PS/2 controller is "ready" */
        else if (pci_is_port((uint16_t)port))
            val = pci_port_in(&l->pci, (uint16_t)port, size);
        setreg(l, PT_EAX, (eax & ~mask) | (val & mask));
        record(l, LN_PORT_IN, port, (uint32_t)size, val & mask);
    } else {
        record(l, LN_PORT_OUT, port, (uint32_t)size, eax & mask);
    }
    if (!in && pci_is_port((uint16_t)port)) {
        if (pci_port_out(&l->pci, (uint16_t)port, size, eax & mask) < 0) {
            if (l->opt.verbose)
                launcher_say(l, "lgsim: Attempt to write to port %#x (size %d) rejected\n",
                             port, size);
            return -1;
        }
    }   /* every other port (0x80 delays, serial, RTC) is ignored */
skip:
    setreg(l, PT_EIP, getreg(l, PT_EIP) + len);
    l->n_gp_emulated++;
    return 0;
}

static void reinject(struct launcher *l, int trap) {
    record(l, LN_REINJECT, (uint32_t)trap, 0, 0);
    if (lhreq_trap(l->lg, (uint32_t)trap) == 0)
        return;
    record(l, LN_FAILED, (uint32_t)trap, 0, 0);
    /* LHREQ_TRAP failed: the launcher exits through err(), with errno EINVAL. */
    l->dead = 1;
    l->exit_code = 1;
    snprintf(l->dead_reason, sizeof(l->dead_reason),
             "Reinjecting trap %d for fault at %#x: Invalid argument", trap,
             getreg(l, PT_EIP));
}

/* @tour Launcher 60: emulate_mmio()
 * A virtio driver reaches its device's registers by MMIO instead: the access faults, the
 * Host's demand_page() sees a frame in the device area and hands it over as a pending #PF,
 * and the Launcher decodes the mov the way 4.4 does.
 */
/* --- MMIO: Linux 4.4 tools/lguest/lguest.c emulate_mmio() --- */

/* The register a ModRM reg field names; for byte accesses 4-7 are AH, CH, DH, BH. */
static const uint32_t reg_by_num[8] = { PT_EAX, PT_ECX, PT_EDX,
                                   PT_EBX, PT_ESP, PT_EBP,
                                   PT_ESI, PT_EDI };

static uint32_t getreg_num(struct launcher *l, unsigned n, uint32_t mask) {
    if (mask == 0xFF && (n & 4))
        return getreg_num(l, n & 3, 0xFFFF) >> 8;
    return getreg(l, reg_by_num[n]) & mask;
}

static void setreg_num(struct launcher *l, unsigned n, uint32_t val, uint32_t mask) {
    if (mask == 0xFF && (n & 4)) {
        setreg_num(l, n & 3, (val << 8) | getreg_num(l, n & 3, 0xFF), 0xFFFF);
        return;
    }
    setreg(l, reg_by_num[n], (getreg(l, reg_by_num[n]) & ~mask) | (val & mask));
}

/*
 * The bytes after ModRM.  4.4's insn_displacement_len() has no SIB case and takes mod 0,
 * r/m 101 (a 32-bit absolute address) for 2 bytes: it would resume the Guest in the middle of
 * the instruction.  lgsim treats those two forms as unknown instructions instead.
 */
static int displacement_len(uint8_t modrm) {
    unsigned mod = modrm >> 6, rm = modrm & 7;
    if (mod != 3 && rm == 4) return -1;   /* SIB */
    if (mod == 0) return rm == 5 ? -1 : 0;
    return mod == 1 ? 1 : mod == 2 ? 4 : 0;
}

/* mov to or from memory, 32 bits or 16 with 0x66, or 8 bits (88/8A, no prefix). */
static int decode_mmio(const uint8_t insn[7], int *write, uint32_t *mask, unsigned *reg,
                       uint32_t *len) {
    uint32_t at = insn[0] == 0x66;
    uint8_t op = insn[at];
    *mask = at ? 0xFFFF : 0xFFFFFFFFu;
    if (op != 0x89 && op != 0x8B) {
        if (insn[0] != 0x88 && insn[0] != 0x8A) return -1;
        at = 0;
        op = insn[0];
        *mask = 0xFF;
    }
    int disp = displacement_len(insn[at + 1]);
    if (disp < 0) return -1;
    *write = op == 0x89 || op == 0x88;
    *reg = (insn[at + 1] >> 3) & 7;
    *len = at + 2 + (uint32_t)disp;
    return 0;
}

static void emulate_mmio(struct launcher *l, uint32_t addr, const uint8_t insn[7]) {
    uint32_t off, mask, len, val, eip = getreg(l, PT_EIP);
    unsigned reg;
    int write;
    struct pci_device *d = pci_find_mmio(&l->pci, addr, &off);
    if (!d) {
        record(l, LN_MMIO, addr, 0, 0);
        launcher_say(l, "lgsim: MMIO touching %#08x (not a device)\n", addr);
        reinject(l, 14);
        return;
    }
    if (decode_mmio(insn, &write, &mask, &reg, &len)) {
        /* 4.4 warns and re-injects #PF (with a stale cr2): a Linux Guest then oopses somewhere
         * unhelpful.  lgsim stops it here, with 4.4's words. */
        record(l, LN_MMIO, addr, 0, 0);
        launcher_quit(l, "Unknown MMIO instruction touching %#08x: %02x %02x %02x %02x at %#x",
                   addr, insn[0], insn[1], insn[2], insn[3], eip);
        return;
    }
    uint32_t size = mask == 0xFF ? 1 : mask == 0xFFFF ? 2 : 4;
    if (write) {
        val = getreg_num(l, reg, mask);
        record(l, LN_MMIO_WRITE, addr, size, val);
        d->bar_write(d, off, val, mask);
    } else {
        val = d->bar_read(d, off, mask) & mask;
        record(l, LN_MMIO_READ, addr, size, val);
        setreg_num(l, reg, val, mask);
    }
    setreg(l, PT_EIP, eip + len);
}

/* 4.4 run_guest(): what read() handed over.  The next read() acknowledges this exit. */
void emulate_pending(struct launcher *l, const struct lguest_pending *pending) {
    struct lguest_pending p = *pending;
    if (p.trap == 13) {
        if (l->opt.verbose)
            launcher_say(l, "lgsim: Emulating instruction at %#x\n", getreg(l, PT_EIP));
        if (emulate_insn(l, p.insn) < 0)
            reinject(l, 13);
    } else if (p.trap == 14) {
        if (l->opt.verbose)
            launcher_say(l, "lgsim: Emulating MMIO at %#x\n", getreg(l, PT_EIP));
        emulate_mmio(l, p.addr, p.insn);
    }
}
