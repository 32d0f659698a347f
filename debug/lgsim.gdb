# lgsim.gdb - gdb commands for a machine run with "lgsim --gdb": connect, and load symbols at
# the addresses lgsim uses.  Load with "source lgsim.gdb" (it is installed next to lgsim).
#
#   lgsim-connect PORT          target remote 127.0.0.1:PORT
#   lgsim-switcher FILE.o       the Switcher object's symbols at its text page, 0xffc00000
#                               (lgsim's own: switcher-model/switcher.o in the build directory)
#   lgsim-host FILE             the ring-0 host routine (sim/host.elf in the build directory)
#   lgsim-kernel FILE           the guest kernel's ELF (vmlinux, or a test guest's .elf)
#   lgsim-system                CR0-CR4 (CR0, CR4 and EFLAGS decoded), GDTR, IDTR, TR, LDTR, CPL
#   lgsim-back N                go back N instructions (monitor back N), registers read again
#   lgsim-back-to EVENT [N]     back to the N-th last switch, pf or hcall (monitor back EVENT N)
#
# lgsim prints these file names when it starts with --gdb.  Then "break switch_to_guest" and
# "break lguest_init" (a Linux vmlinux) or "break start_kernel" (the teaching guest) just work.

set architecture i386
set confirm off

# The system registers (org.lgsim.i386.system in lgsim's target description), one a line.
# gdb's i386 architecture sorts registers into groups itself and ignores a target
# description's group attribute, so its "system" group is empty: "info registers system"
# prints lgsim's register called "system" (all of them in one struct), "tui reg system"
# nothing; this shows them one a line.
define lgsim-system
  info registers cr0 cr2 cr3 cr4 gdtr_base gdtr_limit idtr_base idtr_limit tr ldtr cpl
end
document lgsim-system
The system registers: CR0 (decoded), CR2, CR3, CR4 (decoded), GDTR, IDTR, TR, LDTR and the CPL.
end

# lgsim may take seconds to answer: a checkpoint of a big machine before the first
# instruction, a pass going back (reverse-stepi, monitor back), a slow (sanitizer) build.
define lgsim-connect
  set remotetimeout 60
  target remote 127.0.0.1:$arg0
end

define lgsim-switcher
  add-symbol-file $arg0 -s .text 0xffc00000
end

define lgsim-host
  add-symbol-file $arg0
end

define lgsim-kernel
  add-symbol-file $arg0
end

# Going back N instructions through the monitor (the same as N reverse-stepi, in one go); gdb
# keeps the registers it read before a monitor command, so they are read again.
define lgsim-back
  monitor back $arg0
  maintenance flush register-cache
end
document lgsim-back
Go back N instructions (lgsim's "monitor back N"), and read the registers again.
end

# Back to the N-th last world switch, page fault or hypercall (monitor back switch|pf|hcall N).
define lgsim-back-to
  if $argc == 1
    monitor back $arg0
  else
    monitor back $arg0 $arg1
  end
  maintenance flush register-cache
end
document lgsim-back-to
Go back to the N-th last world switch, page fault or hypercall (lgsim's
"monitor back switch|pf|hcall N"), and read the registers again.
end
