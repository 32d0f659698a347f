/* test_shadow.c - shadow page tables, entry by entry, against hand-written Guest tables. */
#include "mmu/shadow.h"
#include "mmu/walk.h"
#include "tests/check.h"

#include <stdlib.h>
#include <string.h>

/* Host RAM holds the pool; guest RAM (16 MiB plus the 256-page device window) sits at GB. */
#define POOL       0x00100000u
#define POOL_END   0x00400000u
#define GB         0x40000000u
#define MEM        0x01000000u
#define PFN_LIMIT  (MEM >> 12)
#define DEV_LIMIT  (PFN_LIMIT + 256)
#define SW_ADDR    0xFFC00000u
#define SW_TEXT    0x00001000u
#define SW_REGS    0x00002000u
#define SW_STATE   0x00003000u
#define KERNEL     0xC0000000u

/* Guest-physical: five page directories sharing one user and one kernel page table. */
#define PGDIR_A    0x00010000u
#define PGDIR_B    0x00011000u
#define PGDIR_C    0x00012000u
#define PGDIR_D    0x00013000u
#define PGDIR_E    0x00014000u
#define PT_USER    0x00020000u     /* PGD index 0x20: 0x08000000..0x083FFFFF */
#define PT_KERN    0x00021000u     /* PGD index 0x300: 0xC0000000..0xC03FFFFF */
#define PT_OTHER   0x00022000u
#define USER_VA    0x08048000u     /* PT_USER[0x48] */
#define KERN_VA    0xC0000000u     /* PT_KERN[0] */
#define STACK_TOP  0xC0010000u     /* stack pages: PT_KERN[0x0F] and PT_KERN[0x0E] */

#define NO_PT      0xFFFFFFFFu     /* spte(): the shadow has no PTE page there */
#define IN_USE_PDE 0x067u          /* _PAGE_TABLE */

static struct phys phys;
static struct shadow sh;
static char why[160];

static void gw(uint32_t gpa, uint32_t v) { phys_write32(&phys, GB + gpa, v); }
static uint32_t gr(uint32_t gpa) { uint32_t v = 0xBAD; phys_read32(&phys, GB + gpa, &v); return v; }
static uint32_t hr(uint32_t pa) { uint32_t v = 0xBAD; phys_read32(&phys, pa, &v); return v; }

/* Shadow entries of one slot, as the CPU would read them. */
static uint32_t spgd(unsigned slot, uint32_t va) {
    return hr(sh.pgdirs[slot].pgdir + (va >> 22) * 4);
}
static uint32_t spte(unsigned slot, uint32_t va) {
    uint32_t d = spgd(slot, va);
    if (!(d & PTE_P)) return NO_PT;
    return hr((d & ~0xFFFu) + ((va >> 12) & 0x3FF) * 4);
}
static uint32_t gpte_pa(uint32_t pt, uint32_t va) { return pt + ((va >> 12) & 0x3FF) * 4; }

static void guest_tables(void) {
    const uint32_t dirs[] = { PGDIR_A, PGDIR_B, PGDIR_C, PGDIR_D, PGDIR_E };
    for (unsigned i = 0; i < 5; i++) {
        gw(dirs[i] + 0x20 * 4, PT_USER | 0x067);
        gw(dirs[i] + 0x300 * 4, PT_KERN | 0x067);
    }
    gw(gpte_pa(PT_USER, USER_VA), 0x00100000u | PTE_P | PTE_RW | PTE_US);
    gw(gpte_pa(PT_KERN, KERN_VA), 0x00200000u | PTE_P | PTE_RW);
    gw(gpte_pa(PT_KERN, STACK_TOP - 0x1000), 0x0030F000u | PTE_P | PTE_RW);
    gw(gpte_pa(PT_KERN, STACK_TOP - 0x2000), 0x0030E000u | PTE_P | PTE_RW);
}

/* As LHREQ_INITIALIZE leaves it: linear mode (victim draw 1 is slot 3). */
static void fresh(void) {
    char err[128];
    phys_free(&phys);
    memset(&phys, 0, sizeof(phys));
    if (phys_add(&phys, "host RAM", 0, POOL_END, err, sizeof(err)) ||
        phys_add(&phys, "guest RAM", GB, MEM + 256 * 0x1000, err, sizeof(err))) {
        fprintf(stderr, "%s\n", err);
        exit(2);
    }
    shadow_init(&sh, &phys, POOL, POOL_END, GB, MEM, DEV_LIMIT, SW_ADDR);
    sh.sw_text = SW_TEXT;
    sh.sw_regs = SW_REGS;
    sh.sw_state = SW_STATE;
    why[0] = 0;
    CHECK_EQ(shadow_init_guest(&sh, why, sizeof(why)), 0);
    guest_tables();
}

/* As LGUEST_INIT leaves it: kernel_address known, every shadow dropped, still linear. */
static void initialized(void) {
    fresh();
    sh.kernel_address = KERNEL;
    CHECK_EQ(shadow_clear_all(&sh, why, sizeof(why)), 0);
}

/* After the Guest's first NEW_PGTABLE(A) (victim draw 2 is slot 2). */
static void paging(void) {
    initialized();
    CHECK_EQ(shadow_new_pgtable(&sh, PGDIR_A, why, sizeof(why)), 0);
}

static enum demand_result fault(uint32_t va, uint32_t err, uint32_t *io) {
    *io = 0xDEAD;
    why[0] = 0;
    return shadow_demand_page(&sh, va, err, io, why, sizeof(why));
}

/* Every Switcher entry the Guest may see in a slot, with 4.4's flags. */
static void check_switcher(unsigned slot, int percpu_mapped) {
    CHECK_EQ(spgd(slot, SW_ADDR) & 0xFFF, IN_USE_PDE);
    CHECK_EQ(spte(slot, SW_ADDR), SW_TEXT | 0x061);
    CHECK_EQ(spte(slot, SW_ADDR + 0x1000), percpu_mapped ? (SW_REGS | 0x063) : 0);
    CHECK_EQ(spte(slot, SW_ADDR + 0x2000), percpu_mapped ? (SW_STATE | 0x061) : 0);
}

/* ---- linear mode ---- */

static void linear_mode_starts_in_slot_3_with_the_switcher(void) {
    fresh();
    CHECK_EQ(sh.linear, 1);
    CHECK_EQ(sh.cur, 3);
    CHECK_EQ(sh.pgdirs[3].pgdir, POOL);
    CHECK_EQ(sh.root, POOL);
    CHECK_EQ(sh.pgdirs[3].gpgdir, 0);
    CHECK_EQ(sh.pgdirs[3].switcher_mapped, 1);
    CHECK_EQ(sh.pgdirs[3].last_host_cpu, -1);
    CHECK_EQ(spgd(3, SW_ADDR), (POOL + 0x1000) | IN_USE_PDE);
    check_switcher(3, 0);
    shadow_map_switcher_in_guest(&sh);
    check_switcher(3, 1);
    CHECK_EQ(sh.pgdirs[3].last_host_cpu, SHADOW_HOST_CPU);
    for (unsigned i = 0; i < 3; i++) CHECK_EQ(sh.pgdirs[i].pgdir, 0);
    CHECK_EQ(sh.pages_in_use, 2);
}

static void linear_mode_maps_identity_read_only_then_writable(void) {
    uint32_t io;
    fresh();
    CHECK_EQ(fault(0x5123, 0, &io), DEMAND_FIXED);
    CHECK_EQ(io, 0);
    CHECK_EQ(spgd(3, 0x5000), (POOL + 0x2000) | IN_USE_PDE);
    CHECK_EQ(spte(3, 0x5000), (GB + 0x5000) | PTE_P | PTE_A);
    CHECK_EQ(fault(0x5123, PF_P | PF_W, &io), DEMAND_FIXED);
    CHECK_EQ(spte(3, 0x5000), (GB + 0x5000) | PTE_P | PTE_RW | PTE_A | PTE_D);
    /* No Guest table exists: nothing is written back into guest memory. */
    CHECK_EQ(gr(5 * 4), 0);
    CHECK_EQ(sh.n_filled, 2);
}

static void linear_mode_device_window_and_beyond(void) {
    uint32_t io;
    fresh();
    CHECK_EQ(fault(MEM + 0x3010, PF_W, &io), DEMAND_IO);
    CHECK_EQ(io, MEM + 0x3010);
    CHECK_EQ(spte(3, MEM + 0x3000), NO_PT);
    CHECK_EQ(fault(0x02000000u, 0, &io), DEMAND_KILL);
    CHECK(strcmp(why, "bad page table entry") == 0);
    CHECK_EQ(sh.bad_entry, 0x2000003u);
}

static void switcher_region_is_never_demand_paged(void) {
    uint32_t io;
    fresh();
    CHECK_EQ(fault(SW_ADDR + 0x5000, PF_W, &io), DEMAND_REFLECT);
    CHECK_EQ(spte(3, SW_ADDR + 0x5000), 0);
    CHECK_EQ(fault(0xFFFFFFFFu, 0, &io), DEMAND_REFLECT);
}

/* ---- demand_page through the Guest's own tables ---- */

static void read_fault_maps_read_only_then_write_fault_writable(void) {
    uint32_t io;
    paging();
    CHECK_EQ(sh.linear, 0);
    CHECK_EQ(fault(USER_VA + 0x10, PF_U, &io), DEMAND_FIXED);
    CHECK_EQ(spgd(2, USER_VA) & 0xFFF, IN_USE_PDE);
    CHECK_EQ(spte(2, USER_VA), (GB + 0x100000) | PTE_P | PTE_US | PTE_A);
    CHECK_EQ(gr(gpte_pa(PT_USER, USER_VA)), 0x100000u | PTE_P | PTE_RW | PTE_US | PTE_A);
    CHECK_EQ(fault(USER_VA + 0x10, PF_P | PF_W | PF_U, &io), DEMAND_FIXED);
    CHECK_EQ(spte(2, USER_VA), (GB + 0x100000) | 0x067);
    CHECK_EQ(gr(gpte_pa(PT_USER, USER_VA)), 0x100000u | 0x067);
}

static void read_of_a_dirty_page_keeps_guest_rw_and_drops_global(void) {
    uint32_t io;
    paging();
    gw(gpte_pa(PT_USER, USER_VA + 0x1000), 0x101000u | PTE_P | PTE_RW | PTE_US | PTE_D);
    CHECK_EQ(fault(USER_VA + 0x1000, 0, &io), DEMAND_FIXED);
    CHECK_EQ(spte(2, USER_VA + 0x1000), (GB + 0x101000) | 0x067);
    gw(gpte_pa(PT_KERN, KERN_VA), 0x200000u | PTE_G | PTE_P | PTE_RW);
    CHECK_EQ(fault(KERN_VA, 0, &io), DEMAND_FIXED);
    CHECK_EQ(spte(2, KERN_VA), (GB + 0x200000) | PTE_P | PTE_A);
    CHECK_EQ(gr(gpte_pa(PT_KERN, KERN_VA)), 0x200000u | PTE_G | PTE_P | PTE_RW | PTE_A);
}

static void guest_forbids_so_guest_sees_the_fault(void) {
    uint32_t io;
    paging();
    CHECK_EQ(fault(0x40000000u, 0, &io), DEMAND_REFLECT);          /* PGD not present */
    CHECK_EQ(fault(USER_VA + 0x5000, 0, &io), DEMAND_REFLECT);     /* PTE not present */
    gw(gpte_pa(PT_USER, USER_VA), 0x100000u | PTE_P | PTE_US);      /* read-only */
    CHECK_EQ(fault(USER_VA, PF_W | PF_U, &io), DEMAND_REFLECT);
    CHECK_EQ(gr(gpte_pa(PT_USER, USER_VA)), 0x100000u | PTE_P | PTE_US);   /* untouched */
    CHECK_EQ(fault(KERN_VA, PF_U, &io), DEMAND_REFLECT);           /* supervisor page */
    CHECK_EQ(spte(2, USER_VA), NO_PT);
    CHECK_EQ(sh.n_filled, 0);
}

static void device_window_is_io_with_the_exact_address(void) {
    uint32_t io;
    paging();
    gw(gpte_pa(PT_USER, USER_VA + 0x2000), (MEM + 0x3000) | PTE_P | PTE_RW | PTE_US);
    CHECK_EQ(fault(USER_VA + 0x2010, PF_W, &io), DEMAND_IO);
    CHECK_EQ(io, MEM + 0x3010);
    CHECK_EQ(spte(2, USER_VA + 0x2000), NO_PT);
    CHECK_EQ(gr(gpte_pa(PT_USER, USER_VA + 0x2000)), (MEM + 0x3000) | 0x007);
    /* The window's last page, and the first page after it. */
    gw(gpte_pa(PT_USER, USER_VA + 0x3000), ((DEV_LIMIT - 1) << 12) | 0x007);
    CHECK_EQ(fault(USER_VA + 0x3FFF, 0, &io), DEMAND_IO);
    CHECK_EQ(io, ((DEV_LIMIT - 1) << 12) | 0xFFF);
    gw(gpte_pa(PT_USER, USER_VA + 0x3000), (DEV_LIMIT << 12) | 0x007);
    CHECK_EQ(fault(USER_VA + 0x3FFF, 0, &io), DEMAND_KILL);
    CHECK(strcmp(why, "bad page table entry") == 0);
    CHECK_EQ(sh.bad_entry, 0x1100007u);
}

static void bad_entries_kill_with_4_4s_reasons(void) {
    uint32_t io;
    paging();
    gw(gpte_pa(PT_USER, USER_VA), 0x102000u | PTE_PS | PTE_P | PTE_RW | PTE_US);
    CHECK_EQ(fault(USER_VA, 0, &io), DEMAND_KILL);
    CHECK(strcmp(why, "bad page table entry") == 0);
    CHECK_EQ(sh.bad_entry, 0x102087u);
    /* A PSE entry inside the device window is no I/O: it kills too. */
    gw(gpte_pa(PT_USER, USER_VA), (MEM + 0x3000) | PTE_PS | PTE_P);
    CHECK_EQ(fault(USER_VA, 0, &io), DEMAND_KILL);
    CHECK(strcmp(why, "bad page table entry") == 0);
    CHECK_EQ(sh.bad_entry, 0x1003081u);
    gw(gpte_pa(PT_USER, USER_VA), 0x02000000u | 0x007);
    CHECK_EQ(fault(USER_VA, 0, &io), DEMAND_KILL);
    CHECK(strcmp(why, "bad page table entry") == 0);
    CHECK_EQ(sh.bad_entry, 0x2000007u);
    gw(PGDIR_A + 0x21 * 4, PT_OTHER | PTE_PS | 0x067);               /* a 4 MiB PGD */
    CHECK_EQ(fault(0x08400000u, 0, &io), DEMAND_KILL);
    CHECK(strcmp(why, "bad page directory entry") == 0);
    CHECK_EQ(sh.bad_entry, 0x220e7u);
    gw(PGDIR_A + 0x21 * 4, PT_OTHER | PTE_PCD | 0x067);
    CHECK_EQ(fault(0x08400000u, 0, &io), DEMAND_KILL);
    CHECK(strcmp(why, "bad page directory entry") == 0);
    CHECK_EQ(sh.bad_entry, 0x22077u);
    gw(PGDIR_A + 0x21 * 4, MEM | 0x067);                              /* PTE page past RAM */
    CHECK_EQ(fault(0x08400000u, 0, &io), DEMAND_KILL);
    CHECK(strcmp(why, "bad page directory entry") == 0);
    CHECK_EQ(sh.bad_entry, 0x1000067u);
    CHECK_EQ(spte(2, 0x08400000u), NO_PT);
    /* A directory outside guest RAM: lgread()'s reason. */
    CHECK_EQ(shadow_new_pgtable(&sh, 0x03000000u, why, sizeof(why)), 0);
    CHECK_EQ(fault(0x00400000u, 0, &io), DEMAND_KILL);
    CHECK_STR_CONTAINS(why, "bad read address 0x3000004 len 4");
}

/* ---- the cache: NEW_PGTABLE ---- */

static void first_new_pgtable_leaves_linear_mode_and_drops_everything(void) {
    uint32_t io;
    initialized();
    CHECK_EQ(fault(0x7000, PF_W, &io), DEMAND_FIXED);        /* a linear-mode shadow */
    CHECK_EQ(sh.pages_in_use, 3);
    CHECK_EQ(shadow_new_pgtable(&sh, PGDIR_A, why, sizeof(why)), 0);
    CHECK_EQ(sh.linear, 0);
    CHECK_EQ(sh.cur, 2);
    CHECK_EQ(sh.root, sh.pgdirs[2].pgdir);
    CHECK_EQ(sh.pgdirs[2].gpgdir, PGDIR_A);
    CHECK_EQ(sh.pgdirs[2].last_host_cpu, -1);
    check_switcher(2, 0);
    /* The old linear slot keeps its directory page but nothing in it, the Switcher too. */
    CHECK_EQ(spgd(3, 0x7000), 0);
    CHECK_EQ(spgd(3, SW_ADDR), 0);
    CHECK_EQ(sh.pgdirs[3].switcher_mapped, 0);
    CHECK_EQ(sh.pages_in_use, 3);   /* two directories and slot 2's Switcher PTE page */
}

static void new_pgtable_hits_misses_and_evicts_in_a_fixed_order(void) {
    uint32_t io;
    paging();                                                  /* A: slot 2 */
    CHECK_EQ(fault(USER_VA, 0, &io), DEMAND_FIXED);
    CHECK_EQ(fault(KERN_VA, 0, &io), DEMAND_FIXED);
    CHECK_EQ(shadow_new_pgtable(&sh, PGDIR_B, why, sizeof(why)), 0);   /* draw 3: slot 0 */
    CHECK_EQ(sh.cur, 0);
    CHECK_EQ(sh.pgdirs[0].gpgdir, PGDIR_B);
    CHECK_EQ(sh.root, sh.pgdirs[0].pgdir);
    CHECK_EQ(shadow_new_pgtable(&sh, PGDIR_A, why, sizeof(why)), 0);   /* hit: no draw */
    CHECK_EQ(sh.cur, 2);
    CHECK_EQ(sh.root, sh.pgdirs[2].pgdir);
    CHECK_EQ(spte(2, USER_VA), (GB + 0x100000) | PTE_P | PTE_US | PTE_A);   /* kept */
    CHECK_EQ(shadow_new_pgtable(&sh, PGDIR_C, why, sizeof(why)), 0);   /* draw 4: slot 1 */
    CHECK_EQ(sh.cur, 1);
    CHECK_EQ(shadow_new_pgtable(&sh, PGDIR_D, why, sizeof(why)), 0);   /* draw 5: slot 0 */
    CHECK_EQ(sh.cur, 0);
    CHECK_EQ(sh.pgdirs[0].gpgdir, PGDIR_D);                            /* B evicted */
    CHECK_EQ(shadow_new_pgtable(&sh, PGDIR_B, why, sizeof(why)), 0);   /* draw 6: slot 3 */
    CHECK_EQ(sh.cur, 3);
    CHECK_EQ(sh.pgdirs[3].gpgdir, PGDIR_B);
    check_switcher(3, 0);                              /* the old linear slot, mapped again */
    CHECK_EQ(shadow_new_pgtable(&sh, PGDIR_E, why, sizeof(why)), 0);   /* draw 7: slot 0 */
    CHECK_EQ(sh.cur, 0);
    CHECK_EQ(shadow_new_pgtable(&sh, PGDIR_D, why, sizeof(why)), 0);   /* draw 8: slot 0 */
    CHECK_EQ(sh.cur, 0);
    CHECK_EQ(shadow_new_pgtable(&sh, PGDIR_C, why, sizeof(why)), 0);   /* hit */
    CHECK_EQ(sh.cur, 1);
    CHECK_EQ(shadow_new_pgtable(&sh, PGDIR_E, why, sizeof(why)), 0);   /* draw 9: slot 3 */
    CHECK_EQ(sh.cur, 3);
    CHECK_EQ(shadow_new_pgtable(&sh, PGDIR_B, why, sizeof(why)), 0);   /* draw 10: slot 2 */
    CHECK_EQ(sh.cur, 2);
    CHECK_EQ(shadow_new_pgtable(&sh, PGDIR_A, why, sizeof(why)), 0);   /* draw 11: slot 2 */
    CHECK_EQ(sh.cur, 2);
    CHECK_EQ(sh.pgdirs[0].gpgdir, PGDIR_D);
    CHECK_EQ(sh.pgdirs[1].gpgdir, PGDIR_C);
    CHECK_EQ(sh.pgdirs[2].gpgdir, PGDIR_A);
    CHECK_EQ(sh.pgdirs[3].gpgdir, PGDIR_E);
}

static void eviction_keeps_kernel_half_and_drops_user_half(void) {
    uint32_t io;
    paging();                                                  /* A: slot 2 */
    CHECK_EQ(shadow_new_pgtable(&sh, PGDIR_B, why, sizeof(why)), 0);   /* slot 0 */
    CHECK_EQ(fault(USER_VA, 0, &io), DEMAND_FIXED);
    CHECK_EQ(fault(KERN_VA, 0, &io), DEMAND_FIXED);
    shadow_map_switcher_in_guest(&sh);
    CHECK_EQ(shadow_new_pgtable(&sh, PGDIR_C, why, sizeof(why)), 0);   /* slot 1 */
    uint32_t before = sh.pages_in_use;
    CHECK_EQ(shadow_new_pgtable(&sh, PGDIR_D, why, sizeof(why)), 0);   /* evicts B in 0 */
    CHECK_EQ(sh.cur, 0);
    CHECK_EQ(sh.pgdirs[0].gpgdir, PGDIR_D);
    CHECK_EQ(spte(0, USER_VA), NO_PT);
    CHECK_EQ(spte(0, KERN_VA), (GB + 0x200000) | PTE_P | PTE_A);
    CHECK_EQ(sh.pgdirs[0].last_host_cpu, -1);
    check_switcher(0, 1);                  /* stays until map_switcher_in_guest redoes it */
    CHECK_EQ(sh.pages_in_use, before - 1);
    shadow_map_switcher_in_guest(&sh);
    check_switcher(0, 1);
    CHECK_EQ(sh.pgdirs[0].last_host_cpu, SHADOW_HOST_CPU);
}

static void switcher_is_in_every_slot(void) {
    paging();
    const uint32_t dirs[] = { PGDIR_B, PGDIR_C, PGDIR_D, PGDIR_E, PGDIR_A };
    for (unsigned i = 0; i < 5; i++) {
        CHECK_EQ(shadow_new_pgtable(&sh, dirs[i], why, sizeof(why)), 0);
        shadow_map_switcher_in_guest(&sh);
    }
    for (unsigned slot = 0; slot < SHADOW_PGDIRS; slot++) {
        CHECK(sh.pgdirs[slot].pgdir != 0);
        CHECK_EQ(sh.pgdirs[slot].switcher_mapped, 1);
        check_switcher(slot, 1);
    }
}

/* ---- FLUSH_TLB ---- */

static void flush_tlb_0_drops_only_the_current_user_half(void) {
    uint32_t io;
    paging();
    CHECK_EQ(fault(USER_VA, 0, &io), DEMAND_FIXED);
    CHECK_EQ(fault(KERN_VA, 0, &io), DEMAND_FIXED);
    CHECK_EQ(shadow_new_pgtable(&sh, PGDIR_B, why, sizeof(why)), 0);   /* slot 0 */
    CHECK_EQ(fault(USER_VA, 0, &io), DEMAND_FIXED);
    uint32_t before = sh.pages_in_use;
    shadow_flush_user(&sh);
    CHECK_EQ(spgd(0, USER_VA), 0);
    CHECK_EQ(sh.pages_in_use, before - 1);
    CHECK_EQ(spte(2, USER_VA), (GB + 0x100000) | PTE_P | PTE_US | PTE_A);   /* other slot */
    CHECK_EQ(spte(2, KERN_VA), (GB + 0x200000) | PTE_P | PTE_A);
    check_switcher(0, 0);
    CHECK_EQ(sh.cur, 0);
}

static void flush_tlb_1_drops_everything_then_repins_and_remaps(void) {
    uint32_t io;
    paging();
    CHECK_EQ(shadow_set_stack(&sh, STACK_TOP, 2, why, sizeof(why)), 0);
    CHECK_EQ(fault(USER_VA, 0, &io), DEMAND_FIXED);
    CHECK_EQ(shadow_new_pgtable(&sh, PGDIR_B, why, sizeof(why)), 0);   /* slot 0, pinned */
    CHECK_EQ(fault(USER_VA, 0, &io), DEMAND_FIXED);
    shadow_map_switcher_in_guest(&sh);
    CHECK_EQ(shadow_clear_all(&sh, why, sizeof(why)), 0);
    CHECK_EQ(sh.pgdirs[1].pgdir, 0);                    /* never used */
    for (unsigned slot = 0; slot < SHADOW_PGDIRS; slot++) {
        if (!sh.pgdirs[slot].pgdir) continue;
        CHECK_EQ(spgd(slot, USER_VA), 0);
        CHECK_EQ(sh.pgdirs[slot].last_host_cpu, -1);
    }
    CHECK_EQ(spgd(2, KERN_VA), 0);
    CHECK_EQ(spgd(2, SW_ADDR), 0);
    CHECK_EQ(sh.pgdirs[2].switcher_mapped, 0);
    /* The current slot: the stack again, and the Switcher's text (its pair before the run). */
    CHECK_EQ(spte(0, STACK_TOP - 1), (GB + 0x30F000) | 0x063);
    CHECK_EQ(spte(0, STACK_TOP - 0x1001), (GB + 0x30E000) | 0x063);
    CHECK_EQ(spte(0, KERN_VA), 0);
    check_switcher(0, 0);
    CHECK_EQ(sh.pgdirs[0].switcher_mapped, 1);
    /* three directories, one kernel PTE page, one Switcher PTE page */
    CHECK_EQ(sh.pages_in_use, 5);
}

/* ---- SET_PTE ---- */

static void set_pte_without_accessed_or_dirty_clears(void) {
    uint32_t io;
    paging();
    CHECK_EQ(fault(USER_VA, PF_W, &io), DEMAND_FIXED);
    CHECK_EQ(shadow_set_pte(&sh, PGDIR_A, USER_VA, 0x100000u | 0x007, why, sizeof(why)), 0);
    CHECK_EQ(spte(2, USER_VA), 0);
    /* flush_tlb_single sends a zero PTE: same result. */
    CHECK_EQ(fault(USER_VA, PF_W, &io), DEMAND_FIXED);
    CHECK_EQ(shadow_set_pte(&sh, PGDIR_A, USER_VA, 0, why, sizeof(why)), 0);
    CHECK_EQ(spte(2, USER_VA), 0);
}

static void set_pte_with_accessed_or_dirty_installs_now(void) {
    uint32_t io;
    paging();
    CHECK_EQ(fault(USER_VA, 0, &io), DEMAND_FIXED);
    uint32_t used = sh.pages_in_use;
    CHECK_EQ(shadow_set_pte(&sh, PGDIR_A, USER_VA, 0x104000u | 0x067, why, sizeof(why)), 0);
    CHECK_EQ(spte(2, USER_VA), (GB + 0x104000) | 0x067);
    /* Accessed and clean: 4.4's gpte_to_spte() keeps the Guest's RW as it is. */
    CHECK_EQ(shadow_set_pte(&sh, PGDIR_A, USER_VA, 0x104000u | 0x027, why, sizeof(why)), 0);
    CHECK_EQ(spte(2, USER_VA), (GB + 0x104000) | 0x027);
    CHECK_EQ(shadow_set_pte(&sh, PGDIR_A, USER_VA, 0x104000u | 0x025, why, sizeof(why)), 0);
    CHECK_EQ(spte(2, USER_VA), (GB + 0x104000) | 0x025);
    CHECK_EQ(shadow_set_pte(&sh, PGDIR_A, USER_VA, 0x104000u | 0x145, why, sizeof(why)), 0);
    CHECK_EQ(spte(2, USER_VA), (GB + 0x104000) | 0x045);                      /* no G */
    /* Device-window PTEs go in as 0: the access must fault to reach the launcher. */
    CHECK_EQ(shadow_set_pte(&sh, PGDIR_A, USER_VA, (MEM + 0x3000) | 0x067, why,
                            sizeof(why)), 0);
    CHECK_EQ(spte(2, USER_VA), 0);
    CHECK_EQ(sh.pages_in_use, used);
    /* The Guest's table itself is the Guest's business: SET_PTE never writes it. */
    CHECK_EQ(gr(gpte_pa(PT_USER, USER_VA)), 0x100000u | 0x027);
}

static void set_pte_needs_a_shadow_pte_page_and_a_known_directory(void) {
    paging();
    uint32_t used = sh.pages_in_use;
    CHECK_EQ(shadow_set_pte(&sh, PGDIR_A, USER_VA, 0x104000u | 0x067, why, sizeof(why)), 0);
    CHECK_EQ(spgd(2, USER_VA), 0);                      /* no page allocated for it */
    CHECK_EQ(shadow_set_pte(&sh, PGDIR_E, USER_VA, 0x104000u | 0x067, why, sizeof(why)), 0);
    CHECK_EQ(sh.pages_in_use, used);
}

static void set_pte_user_address_changes_one_slot_kernel_address_all(void) {
    uint32_t io;
    paging();                                                         /* A: slot 2 */
    CHECK_EQ(fault(USER_VA, 0, &io), DEMAND_FIXED);
    CHECK_EQ(fault(KERN_VA, 0, &io), DEMAND_FIXED);
    CHECK_EQ(shadow_new_pgtable(&sh, PGDIR_B, why, sizeof(why)), 0);   /* slot 0 */
    CHECK_EQ(fault(USER_VA, 0, &io), DEMAND_FIXED);
    CHECK_EQ(fault(KERN_VA, 0, &io), DEMAND_FIXED);
    CHECK_EQ(shadow_set_pte(&sh, PGDIR_A, USER_VA, 0x105000u | 0x067, why, sizeof(why)), 0);
    CHECK_EQ(spte(2, USER_VA), (GB + 0x105000) | 0x067);
    CHECK_EQ(spte(0, USER_VA), (GB + 0x100000) | PTE_P | PTE_US | PTE_A);
    /* The directory argument does not matter above kernel_address. */
    CHECK_EQ(shadow_set_pte(&sh, PGDIR_E, KERN_VA, 0x300000u | 0x063, why, sizeof(why)), 0);
    CHECK_EQ(spte(2, KERN_VA), (GB + 0x300000) | 0x063);
    CHECK_EQ(spte(0, KERN_VA), (GB + 0x300000) | 0x063);
    CHECK_EQ(spte(3, KERN_VA), NO_PT);                 /* the emptied linear slot */
}

static void set_pte_kills_for_switcher_and_bad_entries(void) {
    uint32_t io;
    paging();
    CHECK_EQ(shadow_set_pte(&sh, PGDIR_A, SW_ADDR, 0, why, sizeof(why)), -1);
    CHECK_STR_CONTAINS(why, "attempt to set pte into Switcher pages");
    check_switcher(2, 0);
    CHECK_EQ(shadow_set_pte(&sh, PGDIR_A, 0xFFFFF000u, 0x067, why, sizeof(why)), -1);
    CHECK_STR_CONTAINS(why, "attempt to set pte into Switcher pages");
    CHECK_EQ(fault(USER_VA, 0, &io), DEMAND_FIXED);
    CHECK_EQ(shadow_set_pte(&sh, PGDIR_A, USER_VA, 0x102000u | 0x0A7, why, sizeof(why)), -1);
    CHECK(strcmp(why, "bad page table entry") == 0);
    CHECK_EQ(sh.bad_entry, 0x1020a7u);
    CHECK_EQ(spte(2, USER_VA), 0);
    CHECK_EQ(fault(USER_VA, 0, &io), DEMAND_FIXED);
    CHECK_EQ(shadow_set_pte(&sh, PGDIR_A, USER_VA, 0x02000000u | 0x027, why,
                            sizeof(why)), -1);
    CHECK(strcmp(why, "bad page table entry") == 0);
    CHECK_EQ(sh.bad_entry, 0x2000027u);
    CHECK_EQ(spte(2, USER_VA), 0);
    /* Without A or D nothing is checked: a bad PTE only clears the shadow. */
    CHECK_EQ(shadow_set_pte(&sh, PGDIR_A, USER_VA, 0x02000000u | 0x087, why, sizeof(why)), 0);
}

/* ---- SET_PGD ---- */

static void set_pgd_releases_one_entry_of_the_matching_slot(void) {
    uint32_t io;
    paging();
    CHECK_EQ(fault(USER_VA, 0, &io), DEMAND_FIXED);
    CHECK_EQ(fault(KERN_VA, 0, &io), DEMAND_FIXED);
    shadow_map_switcher_in_guest(&sh);
    uint32_t used = sh.pages_in_use;
    CHECK_EQ(shadow_set_pgd(&sh, PGDIR_B, USER_VA >> 22, why, sizeof(why)), 0);   /* unknown */
    CHECK_EQ(sh.pages_in_use, used);
    CHECK_EQ(sh.pgdirs[2].last_host_cpu, SHADOW_HOST_CPU);
    CHECK_EQ(shadow_set_pgd(&sh, PGDIR_A, USER_VA >> 22, why, sizeof(why)), 0);
    CHECK_EQ(spgd(2, USER_VA), 0);
    CHECK_EQ(spte(2, KERN_VA), (GB + 0x200000) | PTE_P | PTE_A);
    CHECK_EQ(sh.pages_in_use, used - 1);
    CHECK_EQ(sh.pgdirs[2].last_host_cpu, -1);
    check_switcher(2, 1);
}

static void set_pgd_of_the_switcher_entry_remaps_it(void) {
    paging();
    shadow_map_switcher_in_guest(&sh);
    CHECK_EQ(shadow_set_pgd(&sh, PGDIR_A, 1023, why, sizeof(why)), 0);
    check_switcher(2, 0);                           /* text back at once ... */
    shadow_map_switcher_in_guest(&sh);
    check_switcher(2, 1);                           /* ... the pair before the next run */
    /* In a slot that is not current, too (where 4.4 would remap the current one). */
    CHECK_EQ(shadow_new_pgtable(&sh, PGDIR_B, why, sizeof(why)), 0);   /* slot 0 */
    CHECK_EQ(shadow_set_pgd(&sh, PGDIR_A, 1023, why, sizeof(why)), 0);
    check_switcher(2, 0);
    CHECK_EQ(sh.pgdirs[2].switcher_mapped, 1);
    CHECK_EQ(shadow_new_pgtable(&sh, PGDIR_A, why, sizeof(why)), 0);
    shadow_map_switcher_in_guest(&sh);
    check_switcher(2, 1);
}

static void set_pgd_index_1024_passes_and_touches_nothing_outside(void) {
    paging();
    shadow_map_switcher_in_guest(&sh);
    uint32_t past = sh.pgdirs[2].pgdir + 0x1000, word = hr(past), used = sh.pages_in_use;
    CHECK_EQ(shadow_set_pgd(&sh, PGDIR_A, 1024, why, sizeof(why)), 0);
    CHECK_EQ(hr(past), word);
    CHECK_EQ(sh.pages_in_use, used);
    CHECK_EQ(sh.pgdirs[2].last_host_cpu, -1);
    check_switcher(2, 1);
    CHECK_EQ(shadow_set_pgd(&sh, PGDIR_A, 1025, why, sizeof(why)), -1);
    CHECK_STR_CONTAINS(why, "Attempt to set pgd 1025/1024");
    CHECK_EQ(shadow_set_pgd(&sh, PGDIR_E, 0xFFFFFFFFu, why, sizeof(why)), -1);
    CHECK_STR_CONTAINS(why, "Attempt to set pgd 4294967295/1024");
}

/* ---- stack pinning ---- */

static void set_stack_pins_every_page_writable(void) {
    paging();
    CHECK_EQ(shadow_set_stack(&sh, STACK_TOP, 2, why, sizeof(why)), 0);
    CHECK_EQ(spte(2, STACK_TOP - 1), (GB + 0x30F000) | 0x063);
    CHECK_EQ(spte(2, STACK_TOP - 0x1001), (GB + 0x30E000) | 0x063);
    CHECK_EQ(gr(gpte_pa(PT_KERN, STACK_TOP - 0x1000)), 0x30F000u | 0x063);
    CHECK_EQ(spte(2, STACK_TOP - 0x2001), 0);          /* only two pages */
    /* A page already writable in the shadow is left alone. */
    uint64_t filled = sh.n_filled;
    CHECK_EQ(shadow_pin_stack(&sh, why, sizeof(why)), 0);
    CHECK_EQ(sh.n_filled, filled);
}

static void blank_slot_is_pinned_reused_slot_is_not(void) {
    paging();
    CHECK_EQ(shadow_set_stack(&sh, STACK_TOP, 1, why, sizeof(why)), 0);
    CHECK_EQ(shadow_new_pgtable(&sh, PGDIR_B, why, sizeof(why)), 0);   /* blank slot 0 */
    CHECK_EQ(spte(0, STACK_TOP - 1), (GB + 0x30F000) | 0x063);
    CHECK_EQ(shadow_clear_all(&sh, why, sizeof(why)), 0);               /* pins slot 0 */
    CHECK_EQ(shadow_new_pgtable(&sh, PGDIR_A, why, sizeof(why)), 0);   /* hit slot 2 */
    CHECK_EQ(spte(2, STACK_TOP - 1), NO_PT);                          /* emptied, no pin */
    CHECK_EQ(shadow_new_pgtable(&sh, PGDIR_C, why, sizeof(why)), 0);   /* blank slot 1 */
    CHECK_EQ(spte(1, STACK_TOP - 1), (GB + 0x30F000) | 0x063);
}

static void bad_stack_pages_kill(void) {
    paging();
    gw(gpte_pa(PT_KERN, STACK_TOP - 0x2000), 0);
    CHECK_EQ(shadow_set_stack(&sh, STACK_TOP, 2, why, sizeof(why)), -1);
    CHECK_STR_CONTAINS(why, "bad stack page 0xc000efff");
    CHECK_EQ(sh.stack_pages, 2);
    gw(gpte_pa(PT_KERN, STACK_TOP - 0x1000), 0x30F000u | PTE_P);        /* read-only */
    CHECK_EQ(shadow_set_pte(&sh, PGDIR_A, STACK_TOP - 0x1000, 0x30F000u | PTE_P, why,
                            sizeof(why)), 0);
    CHECK_EQ(spte(2, STACK_TOP - 1), 0);
    CHECK_EQ(shadow_set_stack(&sh, STACK_TOP, 1, why, sizeof(why)), -1);
    CHECK_STR_CONTAINS(why, "bad stack page 0xc000ffff");
    CHECK_EQ(shadow_set_stack(&sh, SW_ADDR + 0x1000, 1, why, sizeof(why)), -1);
    CHECK_STR_CONTAINS(why, "bad stack page 0xffc00fff");
    /* demand_page's own reason comes first, as with 4.4's kill_guest(). */
    gw(gpte_pa(PT_KERN, STACK_TOP - 0x1000), 0x30F000u | PTE_PS | PTE_P | PTE_RW);
    CHECK_EQ(shadow_set_stack(&sh, STACK_TOP, 1, why, sizeof(why)), -1);
    CHECK(strcmp(why, "bad page table entry") == 0);
    CHECK_EQ(sh.bad_entry, 0x30f083u);
    CHECK_EQ(shadow_set_stack(&sh, STACK_TOP, 0, why, sizeof(why)), 0);   /* nothing */
}

/* ---- the pool ---- */

static void pool_never_leaks(void) {
    const uint32_t dirs[] = { PGDIR_A, PGDIR_B, PGDIR_C, PGDIR_D, PGDIR_E };
    uint32_t io;
    int failures = 0;
    paging();
    CHECK_EQ(shadow_set_stack(&sh, STACK_TOP, 2, why, sizeof(why)), 0);
    uint32_t high_water = 0;
    for (unsigned i = 0; i < 100000; i++) {
        failures += shadow_new_pgtable(&sh, dirs[i % 5], why, sizeof(why)) != 0;
        failures += fault(USER_VA, PF_W | PF_U, &io) != DEMAND_FIXED;
        failures += fault(KERN_VA + (i % 7) * 0x400000u, 0, &io) == DEMAND_KILL;
        failures += shadow_set_pgd(&sh, dirs[i % 5], (i % 3) ? 0x20 : 1023, why,
                                   sizeof(why)) != 0;
        if (i % 3 == 0)
            failures += shadow_clear_all(&sh, why, sizeof(why)) != 0;
        else
            shadow_flush_user(&sh);
        shadow_map_switcher_in_guest(&sh);
        if (sh.pages_in_use > high_water) high_water = sh.pages_in_use;
    }
    CHECK_EQ(failures, 0);
    /* Four directories, and per slot at most user, kernel and Switcher PTE pages. */
    CHECK(high_water <= 4 + 4 * 3);
    CHECK(sh.pool_next - POOL <= (4 + 4 * 3) * 0x1000u);
    CHECK_EQ(shadow_clear_all(&sh, why, sizeof(why)), 0);
    /* Four directories, the stack's kernel PTE page, the Switcher's PTE page. */
    CHECK_EQ(sh.pages_in_use, 6);
}

static void pool_exhaustion_kills(void) {
    uint32_t io;
    paging();
    sh.pool_end = sh.pool_next;                       /* nothing left to hand out */
    sh.free_list = 0;
    CHECK_EQ(fault(USER_VA, 0, &io), DEMAND_KILL);
    CHECK_STR_CONTAINS(why, "out of memory allocating pte page");
    /* A miss with no page for a blank slot: 4.4 keeps using the current one. */
    CHECK_EQ(shadow_new_pgtable(&sh, PGDIR_B, why, sizeof(why)), 0);   /* draw 3: slot 0 */
    CHECK_EQ(sh.cur, 2);
    CHECK_EQ(sh.pgdirs[2].gpgdir, PGDIR_B);
    CHECK_EQ(sh.pgdirs[0].pgdir, 0);
}

int main(void) {
    RUN(linear_mode_starts_in_slot_3_with_the_switcher);
    RUN(linear_mode_maps_identity_read_only_then_writable);
    RUN(linear_mode_device_window_and_beyond);
    RUN(switcher_region_is_never_demand_paged);
    RUN(read_fault_maps_read_only_then_write_fault_writable);
    RUN(read_of_a_dirty_page_keeps_guest_rw_and_drops_global);
    RUN(guest_forbids_so_guest_sees_the_fault);
    RUN(device_window_is_io_with_the_exact_address);
    RUN(bad_entries_kill_with_4_4s_reasons);
    RUN(first_new_pgtable_leaves_linear_mode_and_drops_everything);
    RUN(new_pgtable_hits_misses_and_evicts_in_a_fixed_order);
    RUN(eviction_keeps_kernel_half_and_drops_user_half);
    RUN(switcher_is_in_every_slot);
    RUN(flush_tlb_0_drops_only_the_current_user_half);
    RUN(flush_tlb_1_drops_everything_then_repins_and_remaps);
    RUN(set_pte_without_accessed_or_dirty_clears);
    RUN(set_pte_with_accessed_or_dirty_installs_now);
    RUN(set_pte_needs_a_shadow_pte_page_and_a_known_directory);
    RUN(set_pte_user_address_changes_one_slot_kernel_address_all);
    RUN(set_pte_kills_for_switcher_and_bad_entries);
    RUN(set_pgd_releases_one_entry_of_the_matching_slot);
    RUN(set_pgd_of_the_switcher_entry_remaps_it);
    RUN(set_pgd_index_1024_passes_and_touches_nothing_outside);
    RUN(set_stack_pins_every_page_writable);
    RUN(blank_slot_is_pinned_reused_slot_is_not);
    RUN(bad_stack_pages_kill);
    RUN(pool_never_leaks);
    RUN(pool_exhaustion_kills);
    phys_free(&phys);
    return check_report("mmu shadow");
}
