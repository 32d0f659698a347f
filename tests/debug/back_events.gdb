# monitor back switch|pf|hcall [N]: back to the N-th last event, at the very instruction where
# "monitor until" stopped for it going forwards, with the registers it had then; then on to the
# run's end (session.py: the trace is the undebugged run's, byte for byte).
source @GDBINIT@
lgsim-connect @PORT@
lgsim-switcher @SWITCHER@
lgsim-kernel @KERNEL@
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
  set $k_cr2 = $cr2
  set $k_cr3 = $cr3
end
define same
  p $k_eax == $eax && $k_ebx == $ebx && $k_ecx == $ecx && $k_edx == $edx && $k_esi == $esi && $k_edi == $edi && $k_ebp == $ebp && $k_esp == $esp && $k_eip == $eip && $k_efl == $eflags && $k_cs == $cs && $k_ss == $ss && $k_cr2 == $cr2 && $k_cr3 == $cr3
end
break switch_to_guest
ignore 1 2
continue
delete
monitor until pf
continue
keep
set $pf_cr2 = $cr2
stepi 6
lgsim-back-to pf
echo BACK-PF\n
same
p/x $cr2 == $pf_cr2
monitor until pf
continue
monitor until pf
continue
stepi 30
lgsim-back-to pf 3
echo BACK-PF-3\n
same
monitor until hcall
continue
keep
stepi 12
lgsim-back-to hcall
echo BACK-HCALL\n
same
monitor until switch
continue
monitor until switch
continue
keep
stepi 4
lgsim-back-to switch
echo BACK-SWITCH\n
same
lgsim-back-to switch 4096
echo BACK-TOO-FAR\n
continue
detach
