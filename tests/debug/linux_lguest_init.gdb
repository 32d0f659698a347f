# A real Linux 4.4 vmlinux: its symbols load as they are, and "break lguest_init" just works.
source @GDBINIT@
lgsim-connect @PORT@
lgsim-switcher @SWITCHER@
lgsim-kernel @KERNEL@
break lguest_init
continue
delete
p $cs & 3
p $cpl
monitor where
# lguest_entry made LHCALL_LGUEST_INIT before lguest_init ran; the next hypercall is its own
monitor until hcall
continue
p $cpl
monitor regs
detach
