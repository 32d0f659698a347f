# lgsim_case.cmake - what most tests share: lgsim and the guests it runs, and lgsim_case(), one
# whole run of lgsim checked for exit status and output as a user would (run_check.cmake).

# lgsim_runnable(VAR TARGET DIR): how a test script runs program TARGET.  A cross build's tests
# run on the build machine: through the emulator (Wine, from cmake/mingw-w64.cmake), by a
# one-line script in DIR they can run as a program.
function(lgsim_runnable var target dir)
  if(CMAKE_CROSSCOMPILING AND CMAKE_CROSSCOMPILING_EMULATOR AND NOT CMAKE_VERSION VERSION_LESS 3.20)
    list(JOIN CMAKE_CROSSCOMPILING_EMULATOR "\" \"" emulator)
    file(GENERATE OUTPUT ${dir}/${target}-emulated
         CONTENT "#!/bin/sh\nWINEDEBUG=-all exec \"${emulator}\" \"$<TARGET_FILE:${target}>\" \"$@\"\n"
         FILE_PERMISSIONS OWNER_READ OWNER_WRITE OWNER_EXECUTE GROUP_READ GROUP_EXECUTE
                          WORLD_READ WORLD_EXECUTE)
    set(${var} ${dir}/${target}-emulated PARENT_SCOPE)
  else()
    set(${var} $<TARGET_FILE:${target}> PARENT_SCOPE)
  endif()
endfunction()
# lgsim, which the tests of every folder below run; its wrapper sits beside lgsim.exe, as the
# files some tests find next to lgsim are (lgsim.gdb).
lgsim_runnable(LGSIM lgsim ${PROJECT_BINARY_DIR}/sim)
lgsim_runnable(TRACE_VARIANT trace_variant ${PROJECT_BINARY_DIR}/tests/golden)
set(GUEST ${PROJECT_BINARY_DIR}/tests/guests/hello_guest.elf)     # tests/guests/hello
set(MECH ${PROJECT_BINARY_DIR}/tests/guests/mech_guest.elf)       # tests/guests/mech
set(RESTART_GUEST ${PROJECT_BINARY_DIR}/tests/guests/restart_guest.elf)   # tests/guests/restart
set(BOUNDARY ${PROJECT_BINARY_DIR}/tests/guests/boundary_guest.elf)   # tests/guests/boundary
set(TEACH_GUEST ${PROJECT_BINARY_DIR}/guest/teaching_guest.elf)   # guest/, the demo
set(SWITCHER_O ${PROJECT_BINARY_DIR}/switcher-model/switcher.o)
set(LGSIM_RUN_CHECK ${CMAKE_CURRENT_LIST_DIR}/run_check.cmake)

# lgsim_case(name exit [SAME] [INPUT file] ARGS ... OUT regex... ERR regex... NOT regex...):
# the test guest_NAME runs lgsim with ARGS and wants exit status EXIT, every OUT and ERR regex
# on stdout and stderr, no NOT regex on stdout; SAME runs it twice for the same stdout.
function(lgsim_case name exit)
  cmake_parse_arguments(A "SAME" "INPUT" "ARGS;OUT;ERR;NOT" ${ARGN})
  string(REPLACE ";" "@@" cmd "${LGSIM};${A_ARGS}")
  string(REPLACE ";" "@@" out "${A_OUT}")
  string(REPLACE ";" "@@" err "${A_ERR}")
  string(REPLACE ";" "@@" not "${A_NOT}")
  add_test(NAME guest_${name} COMMAND ${CMAKE_COMMAND} "-DCMD=${cmd}" -DEXIT=${exit}
           "-DWANT_OUT=${out}" "-DWANT_ERR=${err}" "-DREFUSE_OUT=${not}" -DSAME=${A_SAME}
           "-DINPUT=${A_INPUT}"
           -P ${LGSIM_RUN_CHECK})
endfunction()

# What the hello guest prints whatever its scenario.
set(HELLO_OUT "hello from ring 1 \\(cs 0x00000061\\)"
    "trap 6 \\(#UD\\) reflected to ring 1 at eip 0x[0-9a-f]+, cs 0x00000061"
    "reserve_mem 0x00400000, tsc_khz 0x000f4240")
