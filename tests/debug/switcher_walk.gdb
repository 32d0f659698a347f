# Attach before the first instruction, walk a world switch instruction by instruction.
source @GDBINIT@
lgsim-connect @PORT@
lgsim-switcher @SWITCHER@
lgsim-kernel @KERNEL@
break switch_to_guest
# the first entry's first instruction is not mapped yet (its fetch faults); take the second
ignore 1 1
continue
delete
# switch_to_guest is 28 instructions up to and including its iret
stepi 27
x/i $pc
stepi
echo AFTER-IRET\n
p/x $cs
p $cs & 3
p $cpl
monitor where
# the regs page, mapped by the Switcher at 0xffc01000 in the shadow too: trapnum is 256
p/x *(unsigned int *)0xffc01fe4
monitor regs
# the Guest's own variable: a write to lguest_data.irq_enabled
watch *(int *)&lguest_data
continue
p $cpl
monitor where
delete
monitor until hcall 9
continue
x/i $pc
p/x $eax
monitor where
monitor lguest_data
monitor walk 0xc0103000
monitor idt
monitor gdt
monitor trace 3
monitor view guest
x/wx 0xc0103558
monitor view current
# a continue to a breakpoint needs no every-instruction hook: the one the steps, the watchpoint
# and "until" used is gone, and the run costs one hook call, at the breakpoint
break switch_to_guest
continue
monitor where
delete
detach
