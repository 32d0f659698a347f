# mechanisms.cmake - end-to-end tests of the host's mechanisms, one per scenario of the
# mechanisms guest (tests/guests/mech), and a hostile-guest suite.  Included by CMakeLists.txt.
# Expected values come from the ABI reference (lguest 4.4), not from lgsim's own output.
add_subdirectory(${PROJECT_SOURCE_DIR}/tests/guests/mech ${CMAKE_CURRENT_BINARY_DIR}/mech_guest)
set(MECH ${CMAKE_CURRENT_BINARY_DIR}/mech_guest/mech_guest.elf)
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

# --- 1. Reflected trap frames (ABI §6.5): on the current ring-1 stack (no stack switch), EIP of
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

# --- 2. int $0x80. A trap gate is copied into the real IDT (ABI §6.3): the CPU enters the
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
