/* hooks.c - code and memory hooks for the host's traces and the debugger, deleted safely. */
#include "cpu/private.h"

/*
 * A hook outside cpu/ is a slot in c->user_hooks: what to call and with what, and Unicorn's
 * handle.  Unicorn calls a small function here with the slot, which calls the owner.
 */

static void on_code(uc_engine *uc, uint64_t addr, uint32_t size, void *user) {
    struct cpu_user_hook *h = user;
    h->code(h->ctx, (uint32_t)addr, size);
}

static void on_mem(uc_engine *uc, uc_mem_type type, uint64_t addr, int size, int64_t value,
                   void *user) {
    struct cpu_user_hook *h = user;
    h->mem(h->ctx, type == UC_MEM_WRITE, (uint32_t)addr, size);
}

static struct cpu_user_hook *free_slot(struct cpu *c, cpu_hook *h) {
    for (int i = 0; i < CPU_USER_HOOKS; i++)
        if (!c->user_hooks[i].engine_hook) {
            *h = i;
            return &c->user_hooks[i];
        }
    return NULL;
}

int cpu_hook_code(struct cpu *c, cpu_hook *h, uint32_t begin, uint32_t end, cpu_code_fn fn,
                  void *ctx) {
    struct cpu_user_hook *u = free_slot(c, h);
    if (!u) return -1;
    *u = (struct cpu_user_hook){ .code = fn, .ctx = ctx };
    uc_hook uh;
    if (uc_hook_add(c->uc, &uh, UC_HOOK_CODE, (void *)on_code, u, begin, end) != UC_ERR_OK)
        return -1;
    u->engine_hook = uh;
    return 0;
}

int cpu_hook_mem(struct cpu *c, cpu_hook *h, cpu_mem_fn fn, void *ctx) {
    struct cpu_user_hook *u = free_slot(c, h);
    if (!u) return -1;
    *u = (struct cpu_user_hook){ .mem = fn, .ctx = ctx };
    uc_hook uh;
    if (uc_hook_add(c->uc, &uh, UC_HOOK_MEM_READ | UC_HOOK_MEM_WRITE, (void *)on_mem, u, 1, 0) !=
        UC_ERR_OK)
        return -1;
    u->engine_hook = uh;
    return 0;
}

/*
 * Deleting a code hook makes Unicorn 2.1.1 drop, one at a time, the translated blocks the hook
 * was compiled into (uc_hook_del -> hook_invalidate_region -> uc_invalidate_tb).  It knows each
 * block by the linear address it was translated at, in whatever address space was current
 * then, and looks that address up in the current one with get_page_addr_code().  Where it is
 * not mapped now (a Guest address while the CPU stands in the Host, say), QEMU takes a real
 * page fault inside the CPU state before uc_invalidate_tb swallows it: CR2 and the error code
 * are overwritten and old_exception becomes 14.  Then the program's next page fault becomes a
 * #DF; after two such lookups old_exception is 8, and the next exception of any kind (the #DB
 * of a denied OUT, see io.c) is a triple fault, which stops Unicorn as if at a HLT: the OUT
 * went through.  A lookup that does find a mapping sets Accessed bits the program never set.
 *
 * So the hooks are deleted with paging off: every address is then its own physical address,
 * there is no page walk, no fault, no write to a page table.  The whole CPU state is saved
 * before and put back after, and the TLB entries made meanwhile are flushed.  The blocks
 * Unicorn dropped are then the wrong ones, or none, so every translation is dropped here: a
 * block that still had the hook compiled in would go on calling into Unicorn's hook list.
 */
void cpu_engine_hooks_del(struct cpu *c, const uc_hook *h, int n) {
    if (n <= 0) return;
    uc_context_save(c->uc, c->ctx);
    uint32_t cr0 = cpu_get(c, UC_X86_REG_CR0) & ~CR0_PG;
    uc_reg_write(c->uc, UC_X86_REG_CR0, &cr0);
    for (int i = 0; i < n; i++)
        uc_hook_del(c->uc, h[i]);
    uc_context_restore(c->uc, c->ctx);
    c->ctx_fresh = 1;
    uc_ctl_flush_tlb(c->uc);
    uc_ctl_flush_tb(c->uc);
    cpu_progress_flushed(c);
}

void cpu_hooks_del(struct cpu *c, const cpu_hook *h, int n) {
    if (n <= 0) return;
    uc_hook engine[CPU_USER_HOOKS];
    int k = 0;
    for (int i = 0; i < n && k < CPU_USER_HOOKS; i++) {
        struct cpu_user_hook *u = &c->user_hooks[h[i]];
        engine[k++] = u->engine_hook;
        *u = (struct cpu_user_hook){ 0 };
    }
    cpu_engine_hooks_del(c, engine, k);
}
