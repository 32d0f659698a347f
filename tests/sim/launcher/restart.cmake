# restart.cmake - a Guest that asks for a restart once (tests/guests/restart) boots twice
# in one run: the console shows both boots, the trace has one restart record between them, at
# the virtual time the first boot asked (the clock goes on), and the run ends powered off.
#   -DLGSIM=... -DGUEST=restart_guest.elf -DDIR=scratch directory
cmake_minimum_required(VERSION 3.16)
set(trc ${DIR}/restart_once.trc)
file(REMOVE ${trc})
execute_process(COMMAND ${LGSIM} --trace=${trc} 64 ${GUEST} INPUT_FILE /dev/null
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err TIMEOUT 120)
execute_process(COMMAND ${LGSIM} trace dump --kind=restart,death ${trc}
                RESULT_VARIABLE rc2 OUTPUT_VARIABLE dump ERROR_VARIABLE err2)
set(failed "")
if(NOT rc EQUAL 0)
  string(APPEND failed "exit status ${rc}, not 0\n")
endif()
set(boots "^restart guest: first boot, asking for a restart\n")
string(APPEND boots "restart guest: booted again, the TSC went on \\(past 1000000\\)\n$")
if(NOT out MATCHES "${boots}")
  string(APPEND failed "stdout is not the two boots in order\n")
endif()
if(NOT err MATCHES "^lgsim: CRASH: Power down\nlgsim: the guest powered off normally\n$")
  string(APPEND failed "stderr is not the power-off alone\n")
endif()
# Exactly one restart (boot 2, the Guest's own words) at 1 ms or a little later, then the end.
set(rec "#[0-9]+ t=1\\.000[0-9]+ms restart boot=0x2 \"restart: Restarting system\"\n")
string(APPEND rec "#[0-9]+ t=1\\.[0-9]+ms death exit_code=0 \"CRASH: Power down\"\n")
if(NOT rc2 EQUAL 0 OR NOT dump MATCHES "^${rec}$")
  string(APPEND failed "the trace's restart and death records are not as expected\n")
endif()
if(failed)
  message(FATAL_ERROR "${failed}--- stdout ---\n${out}\n--- stderr ---\n${err}\n"
          "--- lgsim trace dump --kind=restart,death ---\n${dump}${err2}")
endif()
