# A watchpoint fires on what the Host writes into Guest memory: lguest_data.cr2, written by
# the Host when it reflects a page fault (4.4 x86/core.c lguest_arch_handle_trap()).  The stop
# comes at the Guest's next instruction, its page-fault entry.  Watched from the first fault's
# handler on (the shadow maps lguest_data by then, so gdb reads the old value too).
source @GDBINIT@
lgsim-connect @PORT@
lgsim-switcher @SWITCHER@
lgsim-kernel @KERNEL@
break do_page_fault
continue
delete
p/x lguest_data.cr2
watch lguest_data.cr2
continue
p/x lguest_data.cr2
monitor where
delete
# and the third
watch -location lguest_data.cr2
continue
p/x lguest_data.cr2
p $cpl
x/i $pc
delete
detach
