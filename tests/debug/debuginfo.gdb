# The shipped guest is built with debug info: source lines, frames, types (and the Switcher's
# assembly lines).  The system registers (one a line, and all in "info registers system"), CR0,
# CR4 and EFLAGS decoded by gdb.
source @GDBINIT@
lgsim-connect @PORT@
lgsim-switcher @SWITCHER@
lgsim-kernel @KERNEL@
directory @SRCDIR@
break console_putc
continue
delete
info line *$pc
bt 2
list console_putc,+1
ptype lguest_data
lgsim-system
info registers system
p $system.cpl
p $cr0
info registers eflags
break switch_to_guest
continue
delete
info line *$pc
detach
