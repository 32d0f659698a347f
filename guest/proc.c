/* proc.c - processes and the round-robin scheduler: address spaces, kernel stacks, the timer. */
#include "kernel.h"

#define NPROC   4
#define TICK_NS 10000000   /* a 10 ms time slice, in the Host's virtual nanoseconds */

extern char user_image_start[], user_image_end[], user_image_phys[];   /* kernel.lds */

static struct proc procs[NPROC];
struct proc *current;
static const char *resched_why;   /* non-zero: switch before returning to ring 3 */
static uint32_t ticks;
static int timer_armed;

/* A process: its own page directory with the programs mapped read-only at USER_TEXT, its own
 * kernel stack, and on top of that stack the frame its first "return" to ring 3 will pop. */
void proc_create(const char *name, void (*entry)(void)) {
    int i = 0;
    while (procs[i].state != UNUSED)
        if (++i == NPROC) panic("too many processes");
    struct proc *p = &procs[i];
    p->pid = i + 1;
    p->name = name;
    p->pgdir = pgdir_new();
    for (uint32_t off = 0; off < (uint32_t)(user_image_end - user_image_start); off += PAGE_SIZE)
        map_page(p->pgdir, USER_TEXT + off, (uint32_t)user_image_phys + off, PTE_P | PTE_US);
    p->kstack = alloc_pages(KSTACK_SIZE / PAGE_SIZE);
    struct trap_frame *f = (struct trap_frame *)(p->kstack + KSTACK_SIZE) - 1;
    f->eip = (uint32_t)entry;
    f->cs = USER_CS;
    f->eflags = X86_EFLAGS_IF | 0x2;   /* interrupts on in ring 3; bit 1 is always set */
    f->user_esp = USER_STACK_TOP;      /* nothing is mapped there yet: the first push faults */
    f->user_ss = f->ds = f->es = USER_DS;
    p->frame = f;
    p->state = RUNNABLE;
    printk("proc: pid %d (%s): page directory 0x%x, kernel stack 0x%x, entry 0x%x\n", p->pid,
           name, __pa(p->pgdir), __pa(p->kstack), f->eip);
}

/* The context switch: another address space, another kernel stack, another saved frame. */
static struct trap_frame *switch_to(struct proc *next) {
    current = next;
    new_pgtable(__pa(next->pgdir));
    set_stack((uint32_t)next->kstack + KSTACK_SIZE);
    return next->frame;
}

static void arm_timer(void) {
    set_clockevent(TICK_NS);
    timer_armed = 1;
}

void sched_start(void) {
    lguest_data.blocked_interrupts &= ~1u;   /* unmask IRQ 0 */
    arm_timer();
    printk("sched: timer on (IRQ 0, %u ms slices); entering ring 3\n", TICK_NS / 1000000);
    enter_frame(switch_to(&procs[0]));
}

static int alive(const struct proc *p) { return p->state != UNUSED && p->state != EXITED; }

static int any_alive(void) {
    for (int i = 0; i < NPROC; i++)
        if (alive(&procs[i])) return 1;
    return 0;
}

/* IRQ 0: a one-shot tick.  Wake the sleepers whose time has come, end the running process's
 * slice, and re-arm while anyone is left to run. */
void timer_interrupt(void) {
    ticks++;
    timer_armed = 0;
    for (int i = 0; i < NPROC; i++)
        if (procs[i].state == SLEEPING && ticks >= procs[i].wake_tick)
            procs[i].state = RUNNABLE;
    resched_why = "timer";
    if (any_alive()) arm_timer();
}

void proc_yield(void) { resched_why = "yield"; }

void proc_sleep(uint32_t n) {
    current->state = SLEEPING;
    current->wake_tick = ticks + n;
}

uint32_t proc_ticks(void) { return ticks; }

/* Block until process pid has exited (0), or -ECHILD if there is no such process. */
int proc_wait(int pid) {
    if (pid < 1 || pid > NPROC || pid == current->pid || procs[pid - 1].state == UNUSED)
        return -10;
    if (procs[pid - 1].state != EXITED) {
        current->state = WAITING;
        current->waiting_for = pid;
    }
    return 0;
}

void proc_exit(int code) {
    current->state = EXITED;
    printk("proc: pid %d (%s) exited with code %d\n", current->pid, current->name, code);
    for (int i = 0; i < NPROC; i++)
        if (procs[i].state == WAITING && procs[i].waiting_for == current->pid)
            procs[i].state = RUNNABLE;
}

int need_resched(void) { return resched_why || current->state != RUNNABLE; }

/* Nothing to run.  Halt with interrupts off; the Host wakes us for the timer interrupt (it
 * turns our interrupt flag on itself), the handler runs, and halt() returns. */
static void idle(void) {
    if (!timer_armed) panic("nothing to run and no timer to wake us");
    halt();
    irq_disable();
}

static void power_off_when_quiet(void) __attribute__((noreturn));
static void power_off_when_quiet(void) {
    printk("kernel: all processes exited; idle until the last tick\n");
    while (timer_armed) idle();
    printk("kernel: power off\n");
    power_off();
}

/* Round robin: the next runnable process after the current one (possibly itself). */
static struct proc *pick_next(void) {
    int start = (int)(current - procs);
    for (int i = 1; i <= NPROC; i++) {
        struct proc *p = &procs[(start + i) % NPROC];
        if (p->state == RUNNABLE) return p;
    }
    return 0;
}

/* Called on the way back to ring 3 when the current process must give up the CPU. */
struct trap_frame *schedule(struct trap_frame *f) {
    const char *why = current->state == EXITED ? "exit" : current->state == SLEEPING ? "sleep" :
                      current->state == WAITING ? "wait" : resched_why;
    resched_why = 0;
    for (int idle_said = 0;; ) {
        struct proc *next = pick_next();
        if (next == current) return f;
        if (next) {
            printk("sched: %s: pid %d -> pid %d\n", why, current->pid, next->pid);
            return switch_to(next);
        }
        if (!any_alive()) power_off_when_quiet();
        if (!idle_said++) printk("sched: nothing to run; halting until the timer\n");
        idle();
    }
}
