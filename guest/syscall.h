/* syscall.h - system call numbers shared by the kernel and the user programs (int $0x80). */
#ifndef GUEST_SYSCALL_H
#define GUEST_SYSCALL_H
/* Numbered like Linux's i386 calls so they look familiar; the arguments are simpler. */
#define SYS_exit     1     /* exit(code) */
#define SYS_write    4     /* write(fd, buf, len): fd is ignored, it all goes to the console */
#define SYS_waitpid  7     /* waitpid(pid): return once that process has exited */
#define SYS_times    43    /* times(): timer ticks since the scheduler started */
#define SYS_yield    158   /* sched_yield(): give the CPU to the next process */
#define SYS_sleep    162   /* sleep(ticks) */
#endif
