# monitor pt: the teaching guest's page tables and the shadow, side by side, at its first
# reflected page fault (the user stack's first touch).
source @GDBINIT@
lgsim-connect @PORT@
lgsim-switcher @SWITCHER@
lgsim-kernel @KERNEL@
break do_page_fault
continue
delete
monitor pt
monitor pt lguest_data 0xc0110000
monitor pt 0xffc01000 0x100000000
monitor pt 0 0x8048000
detach
