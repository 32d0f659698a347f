# boundary.cmake - the whole Guest against the CPU boundary (tests/guests/boundary): what an
# i386 lets ring-1 code do, and that lgsim ends every hostile run cleanly.  Included by
# CMakeLists.txt.
set(B_OFF "lgsim: CRASH: Power down")
set(B_CONTAINED "host memory      unchanged outside the guest's \\([0-9]+ bytes compared\\)")
set(BH "0x0*")   # the guest prints 0x%08x

# The Guest's own iret at CPL 1 through an image with VM and IOPL 3 (IF clear): a protected-mode
# return (SDM IRET: VM honoured only at CPL 0, IOPL changed only at CPL 0, IF only when
# CPL <= IOPL).  Unicorn alone entered virtual-8086 mode here (cpu/sites.c).
lgsim_case(boundary_iret_vm 0 ARGS --stats 64 ${BOUNDARY} iret-vm
  OUT "iret image ${BH}23002: resumed with eflags ${BH}202\n" ERR "${B_OFF}" "${B_CONTAINED}")
# The same image in the frame the Host re-uses at noirq_iret: 4.4's restore_eflags() would hand
# it to the Switcher's CPL-0 iret (IOPL 3, the real IF off); lgsim keeps what the Guest had.
lgsim_case(boundary_noirq_image 0 ARGS --stats 64 ${BOUNDARY} noirq-image
  OUT "noirq image ${BH}23002: 1 timer interrupt, resumed with eflags ${BH}202\n"
  ERR "${B_OFF}" "${B_CONTAINED}")
# A loop that stores into its own instructions makes Unicorn translate it again on every pass,
# with the virtual clock nearly still: stopped by count after 1001 retranslations within 100 us
# of virtual time (cpu/progress.c), deterministically, naming the place; host memory intact.
lgsim_case(boundary_smc_loop 1 ARGS --stats --max-time=1000 64 ${BOUNDARY} smc-loop
  ERR "lgsim: the guest makes no progress: its code was translated again 1001 times within 100 us of virtual time \\(code rewriting itself\\), the last at 0x[0-9a-f]+\n"
      "guest was at eip 0x[0-9a-f]+ <smc_loop\\+0x[0-9a-f]+>, cpl 1" "${B_CONTAINED}")
# Two patches into one page of code that has run, one right after the other (the first rewriting
# a site with its own bytes), as Linux 4.4's apply_paravirt() makes them: the second patched
# instruction runs.  Unicorn 2.1.1 alone ran its old translation (cpu/code.c).
lgsim_case(boundary_patch_twice 0 ARGS 64 ${BOUNDARY} patch-twice
  OUT "the patched site gives 2\n" ERR "${B_OFF}")
# A zero-filled code page run once (add %al,(%eax) storing into its own page): slow, since every
# instruction is translated before it runs (cpu/README.md), but the clock moves, so --max-time
# bounds it; host memory intact.
lgsim_case(boundary_zeros 3 ARGS --stats --max-time=1 64 ${BOUNDARY} zeros
  ERR "lgsim: guest still running after 1 ms of virtual time \\(--max-time\\)" "${B_CONTAINED}")
