# mechanisms.cmake - end-to-end tests of the host's mechanisms, one per scenario of the
# mechanisms guest (tests/guests/mech), and a hostile-guest suite.  Included by CMakeLists.txt.
# Expected values come from Linux 4.4's lguest (drivers/lguest/, arch/x86/lguest/), not from
# lgsim's own output.
set(OFF "lgsim: CRASH: Power down")
set(CONTAINED "host memory      unchanged outside the guest's \\([0-9]+ bytes compared\\)")
set(H "0x0*")   # the guest prints 0x%08x: H followed by the significant digits

# mech_case(name exit scenario ...): lgsim_case on the mechanisms guest with 64 MiB.
function(mech_case name exit scenario)
  cmake_parse_arguments(M "SAME" "" "OPTS;OUT;ERR;NOT" ${ARGN})
  set(same)
  if(M_SAME)
    set(same SAME)
  endif()
  lgsim_case(mech_${name} ${exit} ${same} ARGS ${M_OPTS} 64 ${MECH} ${scenario}
             OUT ${M_OUT} ERR ${M_ERR} NOT ${M_NOT})
endfunction()

# mech_compare(name scenario_a scenario_b regex diff): stderr line counts, B - A == diff.
function(mech_compare name a b regex diff)
  add_test(NAME guest_mech_${name} COMMAND ${CMAKE_COMMAND}
           "-DCMD_A=${LGSIM}@@--trace-switches@@64@@${MECH}@@${a}"
           "-DCMD_B=${LGSIM}@@--trace-switches@@64@@${MECH}@@${b}"
           "-DCOUNT=${regex}" -DDIFF=${diff} -P ${CMAKE_CURRENT_SOURCE_DIR}/mech_compare.cmake)
endfunction()

# Each frame line: "vector V: frame at top-X: eip SITE+D cs C eflags F [error E]; handler ...".
function(frame out vec top site eflags)
  set(${out} "vector ${vec}: frame at top-${H}${top}: eip ${site}\\+${H} cs ${H}61 eflags ${H}${eflags}"
      PARENT_SCOPE)
endfunction()

# --- 1. Reflected trap frames (4.4 interrupts_and_traps.c push_guest_interrupt_stack()): on the current ring-1 stack (no stack switch), EIP of
# the faulting instruction, CS 0x61, EFLAGS with IF = the virtual IF (and RF, which the CPU sets
# in the image of every fault), the error code where the vector has one; the interrupt gate
# then clears irq_enabled.
frame(UD_ON 6 c ud_site 10202)
frame(UD_OFF 6 c ud_site 10002)
mech_case(frame_ud 0 frame-ud OUT "${UD_ON}, handler cs ${H}61 irq_enabled ${H}0\n${UD_OFF},"
          ERR "${OFF}")
# int $0x30 meets the Switcher's DPL-0 stub: #GP(0x30*8+2), reflected because the error is not 0.
frame(GP 13 10 int30_site 10202)
mech_case(frame_gp 0 frame-gp OUT "${GP} error ${H}182, handler cs ${H}61 irq_enabled ${H}0\n")
# A read of the unmapped page after the state page: #PF error 0, cr2 in lguest_data.cr2.
frame(PF 14 10 pf_read_site 10202)
mech_case(frame_pf 0 frame-pf OUT "${PF} error ${H}0," "lguest_data.cr2 0xffc03000")

# --- 2. int $0x80. A trap gate is copied into the real IDT (4.4 copy_traps(), direct_trap()): the CPU enters the
# handler in ring 1 with no world switch, so 5 more calls add no "switch guest->host" line.  An
# interrupt gate is not direct: each int $0x80 exits with trapnum 128, which 4.4 takes for a
# host interrupt (§5.2, §17) - the handler never runs.
mech_case(int80_direct 0 int80-trap=5
  OUT "int \\$0x80 x5: handler ran 5 times"
      "vector 128: frame at top-${H}c: eip t_int80\\+${H}2 cs ${H}61 eflags ${H}206, handler cs ${H}61")
mech_compare(int80_direct_no_switch int80-trap=1 int80-trap=6 "switch guest->host" 0)
mech_case(int80_interrupt_gate 0 int80-intr=5 OPTS --stats
  OUT "int \\$0x80 x5: handler ran 0 times"
  ERR "\n +5  vector 128  int \\$0x80 \\(not a direct trap\\)\n")
mech_compare(int80_interrupt_gate_switches int80-intr=1 int80-intr=6 "switch guest->host vec=80 " 5)

# --- 3. The timer: SET_CLOCKEVENT(1 ms), IRQ 0 unmasked, virtual IF on.  IRQ 0 arrives on vector
# 0x20 with a Host-built frame (no error code) at the top of the spinning loop (cmp of 0 with 0:
# ZF|PF, plus IF).  lguest_data.time is refreshed at delivery: the virtual clock (1 ns per byte
# of code run) starts at the 2007-10-09 epoch, so 1 ms after arming plus the exit and delivery
# path, which runs well under 1000 bytes of code.  Runs are byte-identical.
frame(TIMER 32 c spin_loop 246)
mech_case(timer 0 timer SAME
  OUT "${TIMER}, handler cs ${H}61 irq_enabled ${H}0\n"
      "lguest_data.time 1191888000 s [0-9]+ ns, 1000[0-9][0-9][0-9] ns after arming")

# --- 4. The timer fires with irq_enabled = 0: the Host sets irq_pending = 0x200 and holds the IRQ
# (§6.4 step 4); the Guest turns interrupts on, sees irq_pending and makes SEND_INTERRUPTS, which
# returns straight into the handler.  4.4 never clears irq_pending (§18.1), nor does lgsim.
mech_case(timer_held_back 0 timer-deferred OPTS --stats
  OUT "1\\. irq_pending seen: ${H}200\n2\\. interrupts so far: ${H}0\n3\\. irq_enabled set to ${H}200\n4\\. LHCALL_SEND_INTERRUPTS ${H}13\n5\\. interrupt on vector 32, frame eip after_send \\+ ${H}\n6\\. back, interrupts: ${H}1\n7\\. irq_pending still ${H}200\n"
  ERR "guest interrupts 1 delivered, 1 held back \\(irq_enabled = 0\\), 0 halts")
# blocked_interrupts bit 0 set: never delivered, not even announced in irq_pending; once unmasked
# the IRQ, still pending in the Host, comes with the next hypercall.
mech_case(timer_blocked 0 timer-blocked OPTS --stats
  OUT "blocked for 3 ms: 0 interrupts, irq_pending ${H}0: not delivered\n1\\. interrupt on vector 32, frame eip after_send \\+ ${H}\n"
  ERR "guest interrupts 1 delivered, 0 held back")

# --- 5. HALT with the virtual IF off and a 5 ms clockevent queued in the same host pass: the
# clock jumps exactly 5 ms, the Host force-enables the virtual IF (the frame shows IF) and
# delivers; the interrupt gate turns irq_enabled off again on entry.
frame(HALT 32 c after_halt 206)
mech_case(halt 0 halt OPTS --stats SAME
  OUT "${HALT}, handler cs ${H}61 irq_enabled ${H}0\n" "5000[0-9][0-9][0-9] ns after arming"
  ERR "\\(5\\.000000 ms halted\\)" "1 delivered, 0 held back \\(irq_enabled = 0\\), 1 halts"
      "${CONTAINED}")
mech_case(halt_without_timer 1 halt-notimer OPTS --stats
  ERR "lgsim: guest halted with no timer armed and no device that could wake it\n"
      "lgsim: the guest was at eip 0x[0-9a-f]+ <after_halt> in ring 1, the guest kernel, at "
      "lgsim: last world switch \\([0-9]+ so far, both ways\\): guest -> host at [0-9.]+ ms, vector 0x1f \\(hypercall\\)"
      "${CONTAINED}"
  NOT "woke up")

# --- 6. noirq_iret: the hypercall returns to the iret that noirq_iret names, with an IRQ pending
# and enabled.  The Host reuses the frame on the stack (EFLAGS from esp+8, no new frame): the
# handler's frame is the one the routine pushed, at top-0xc, and its iret resumes there.  With
# noirq_iret elsewhere a second frame (top-0x18) points at the iret itself.
mech_case(noirq_iret 0 noirq
  OUT "noirq_iret = noirq_label\n" "vector 32: frame at top-${H}c: eip noirq_resume\\+${H} cs ${H}61 eflags ${H}202,"
      "resumed at noirq_resume with esp top-${H}\n")
mech_case(noirq_iret_elsewhere 0 noirq-off
  OUT "noirq_iret elsewhere\n" "vector 32: frame at top-${H}18: eip noirq_label\\+${H} cs ${H}61 eflags ${H}206,"
      "resumed at noirq_resume with esp top-${H}\n")

# --- 7. LHCALL_TS(8): the next x87 instruction raises #NM, reflected to vector 7; the handler
# makes TS(0) and returns to the instruction, which then completes.  Without TS: no trap.
frame(NM 7 c fpu_site 10206)
mech_case(ts_nm 0 ts OUT "TS 8: 1 #NM traps, fistp stored 1\n${NM}, handler cs ${H}61")
mech_case(ts_off 0 ts-off OUT "TS 0: 0 #NM traps, fistp stored 1\n" NOT "vector 7")

# --- 8. LOAD_TLS and LOAD_GDT_ENTRY, read back from the Switcher's GDT in the state page
# (0xffc02000 + 0x888, readable from ring 1): DPL 0 becomes 1, DPL 3 stays, the accessed bit is
# forced on even in an empty entry; entries 10, 11, 16 and 31 keep the Host's values (16 is the
# Guest TSS at 0xffc02020, busy while the Guest runs); a DPL-0 data segment loads with RPL 0.
mech_case(load_tls 0 tls
  OUT "gdt\\[6\\] ${H}ffff ${H}cfb330\ngdt\\[7\\] ${H}ffff ${H}cff330\ngdt\\[8\\] ${H} ${H}2100\n"
      "gs 0x30 \\(RPL 0, entry 6\\): gs:0 = 0x7e57c0de")
mech_case(load_gdt_entry 0 gdt
  OUT "gdt\\[10\\] ${H}ffff ${H}cf9b00\ngdt\\[11\\] ${H}ffff ${H}cf9300\ngdt\\[12\\] ${H}ffff ${H}cfbb00\ngdt\\[13\\] ${H}ffff ${H}cfb300\ngdt\\[16\\] 0x20200067 0xff008bc0\ngdt\\[20\\] ${H}ffff ${H}cfbb00\ngdt\\[21\\] ${H}ffff ${H}cfb330\ngdt\\[22\\] ${H}ffff ${H}cffb00\ngdt\\[31\\] ${H} ${H}\n"
      "fs 0xa8 \\(RPL 0, entry 21\\): fs:0 = 0x600dda7a")

# --- 9. The async ring: 62 queued no-ops, then slots 62, 63, 0, 1 (the Host's cursor wraps past
# 63; vector 6 set at 63 then 0, the later wins; SET_CLOCKEVENT takes effect), and slot 3 behind
# free slot 2, which stays queued.  Done slots read 0xFF again.  64 FLUSH_ASYNC = 62 queued + 2.
mech_case(async_ring 0 async OPTS --stats
  OUT "after 62 queued calls: slots not free:\n"
      "after slots 62, 63, 0, 1 and 3: slots not free: 3=${H}\n"
      "timer interrupts 1\n" "ud2 went to the handler stub for vector 6\n"
  ERR "\n +64   0 LHCALL_FLUSH_ASYNC\n" "\n +3   6 LHCALL_LOAD_IDT_ENTRY\n"
      "\n +1   9 LHCALL_SET_CLOCKEVENT\n")

# --- 10. CPUID in ring 1: lgsim's fixed Intel family-6 processor, no hypervisor bit.
mech_case(cpuid 0 cpuid OUT "cpuid in ring 1: vendor GenuineIntel, family 6, hypervisor bit 0\n")

# --- 11. Bad hypercall arguments: each kills the Guest with 4.4's message (exit 1), and the
# host's memory is unchanged.  The Guest runs with 64 MiB = 0x4000000 bytes.
function(mech_kill name scenario message)
  mech_case(${name} 1 ${scenario} OPTS --stats ERR "lgsim: ${message}\n" "${CONTAINED}"
            NOT "still alive")
endfunction()
mech_kill(kill_init_page die-init-page "bad guest page 0x3ffff00")
mech_kill(kill_init_syscall_vec die-init-vec "bad syscall vector")
mech_kill(kill_init_kernel_address die-init-kaddr "bad kernel address 0xffc00000")
mech_kill(kill_init_twice die-init-twice "already have lguest_data")
mech_kill(kill_stack_pages die-stack-pages "bad stack pages 3")
# esp1 = RAM end + 4 KiB: the page below it is I/O memory, which demand_page cannot pin.
mech_kill(kill_stack_page die-stack-io "bad stack page 0x4000fff")
# esp1 far beyond RAM and the device area: demand_page kills first with "bad page table entry"
# (4.4 page_tables.c demand_page(); the first reason stands; lgsim adds the entry it made up).
mech_kill(kill_stack_far die-stack-far "bad page table entry( 0x[0-9a-f]+)?")
mech_kill(kill_idt_256 die-idt-256 "Setting idt entry 256")
mech_kill(kill_idt_type die-idt-type "bad IDT type 5")
mech_kill(kill_tls_address die-tls-addr "bad read address 0x3fffff0 len 24")
mech_kill(kill_shutdown_address die-shutdown-addr "bad read address 0x4000000 len 128")
foreach(n 3 11 12 13 17)   # unused in 4.4 (13, SET_PMD, exists only with PAE)
  mech_kill(kill_hypercall_${n} die-hcall=${n} "Bad hypercall ${n}")
endforeach()
# Vectors 2, 8, 15 and 0x1f are the Host's: even a task gate there is silently ignored.
mech_case(idt_ignored 0 idt-ignored OPTS --stats
  OUT "task gates for vectors 2, 8, 15 and 0x1f ignored" ERR "${OFF}" "${CONTAINED}")

# --- 12. Hostile Guests, contained.
# Gates into the Switcher's text (reflected #UD with selector 0x60, direct int $0x80 trap gate
# with selector 0x50 = LGUEST_CS): the Host forces CS 0x61, so that code runs in ring 1 and its
# first privileged instruction (lgdt) is #GP(0), which the launcher cannot emulate and
# reinjects; our #GP handler, also in ring 1, takes the Guest back to safety.
foreach(direct 0 1)
  mech_case(gate_into_switcher_${direct} 0 gate-into-switcher=${direct} OPTS --stats
    OUT "vector 13 at Switcher text \\+0x000000[0-9a-f][0-9a-f], cs ${H}61, error ${H}, handler cs ${H}61\n"
    ERR "${OFF}" "${CONTAINED}")
endforeach()
mech_case(gate_selectors 0 gate-selectors OPTS --stats
  OUT "vector 6: frame cs ${H}61, handler cs ${H}61\nvector 128: frame cs ${H}61, handler cs ${H}61\n"
  ERR "${OFF}" "${CONTAINED}")
# A write to the read-only state page: #PF error 3 (present, write, supervisor) reflected with
# cr2 = 0xffc02000; with no #PF handler the Guest dies.
frame(STATE_PF 14 10 pf_write_site 10202)
mech_case(state_page_write 0 state-write=1 OPTS --stats
  OUT "${STATE_PF} error ${H}3," "lguest_data.cr2 0xffc02000" ERR "${OFF}" "${CONTAINED}")
mech_case(state_page_write_unhandled 1 state-write=0 OPTS --stats
  ERR "lgsim: unhandled trap 14 at 0x[0-9a-f]+ \\(0xffc02000\\)" "${CONTAINED}"
  NOT "lguest_data.cr2")
# A Guest that never halts: the host's 4 ms timer still takes the CPU back (ticks at 4, 8, 12,
# 16 and 20 ms), and --max-time stops it at 20 ms.
mech_case(never_halts 3 spin-forever OPTS --stats --max-time=20
  ERR "lgsim: guest still running after 20 ms of virtual time \\(--max-time\\)"
      "\n +5  vector 239  host timer interrupt\n" "${CONTAINED}")
