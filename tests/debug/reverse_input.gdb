# Going back over console input (the shell guest, tests/guests/shell; its lines in
# reverse_input.input): reverse-continue stops at the answer before the last line given, the
# lines given since come again from the input log on the way forward, and the run ends as the
# undebugged one did (session.py: the same console output and trace).
source @GDBINIT@
lgsim-connect @PORT@
lgsim-kernel @KERNEL@
break console_puts
ignore 1 4
continue
reverse-continue
reverse-continue
continue
continue
continue
delete
continue
