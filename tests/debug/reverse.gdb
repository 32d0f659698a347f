# Reverse execution: reverse-stepi gives back exactly the registers met going forwards (in
# the Switcher, across a page fault), reverse-continue finds the breakpoint hits before now
# and stops at the start of the history; reverse-step and reverse-nexti over source lines;
# monitor back N; monitor save (restored by session.py afterwards) comes back where it was;
# reverse-continue to the writes a watchpoint saw, the Host's and the Guest's.
source @GDBINIT@
lgsim-connect @PORT@
lgsim-switcher @SWITCHER@
lgsim-kernel @KERNEL@
directory @SRCDIR@
define keep
  set $k_eax = $eax
  set $k_ebx = $ebx
  set $k_ecx = $ecx
  set $k_edx = $edx
  set $k_esi = $esi
  set $k_edi = $edi
  set $k_ebp = $ebp
  set $k_esp = $esp
  set $k_eip = $eip
  set $k_efl = $eflags
  set $k_cs = $cs
  set $k_ss = $ss
  set $k_cr3 = $cr3
end
define same
  p $k_eax == $eax && $k_ebx == $ebx && $k_ecx == $ecx && $k_edx == $edx && $k_esi == $esi && $k_edi == $edi && $k_ebp == $ebp && $k_esp == $esp && $k_eip == $eip && $k_efl == $eflags && $k_cs == $cs && $k_ss == $ss && $k_cr3 == $cr3
end
break switch_to_guest
ignore 1 1
continue
delete
keep
stepi 25
reverse-stepi 25
echo BACK-25\n
same
stepi 3
keep
stepi
reverse-stepi
echo BACK-1\n
same
monitor until pf
continue
keep
stepi 40
p $cpl
reverse-stepi 40
echo BACK-PF\n
same
break console_putc
continue
continue
step
info line *$pc
reverse-step
info line *$pc
stepi 200
keep
stepi 9
lgsim-back 9
echo MONITOR-BACK\n
same
monitor save @SAVED@
maintenance flush register-cache
echo SAVED\n
same
reverse-continue
reverse-nexti
reverse-continue
reverse-continue
continue
delete
# watchpoints backwards: the Host's write (an interrupt's delivery clears irq_enabled), then
# the Guest's own (lguest_iret puts it back)
watch *(int *)&lguest_data
continue
continue
reverse-continue
echo REVERSE-WATCH\n
reverse-continue
delete
detach
