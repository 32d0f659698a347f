/* syscall.h - system call numbers shared by the kernel and the user programs (int $0x80). */
#ifndef GUEST_SYSCALL_H
#define GUEST_SYSCALL_H
/* Numbered like Linux's i386 calls so they look familiar; sleep takes timer ticks, though. */
#define SYS_exit   1     /* exit(code) */
#define SYS_write  4     /* write(fd ignored, buf, len): to the console */
#define SYS_yield  158   /* give the CPU to the next process */
#define SYS_sleep  162   /* sleep(ticks) */
#endif
