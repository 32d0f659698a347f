# linux44_saved.cmake - a saved Linux 4.4 machine at its shell goes on as the machine would have:
# the write-up's run (LGSIM_LINUX_44_1, LGSIM_LINUX_44_INITRD; skipped without them) with a
# trace and --save-at, then restored from the file with a trace, which must be byte for byte the
# straight run's.  The restored engine starts with no translated code: any translation the
# straight run kept of code the Guest had rewritten (paravirt patching at boot) shows here.
#   -DLGSIM=... -DDIR=scratch directory -DVARS=... -DINPUT=console input -DAT=ms of virtual time
cmake_minimum_required(VERSION 3.16)
set(CMD "64m@@%LGSIM_LINUX_44_1%@@--initrd=%LGSIM_LINUX_44_INITRD%@@console=hvc0")
include(${CMAKE_CURRENT_LIST_DIR}/../kernel_vars.cmake)
substitute_kernel_vars(CMD)
string(REPLACE "@@" ";" args "${CMD}")
file(REMOVE ${DIR}/straight.trc ${DIR}/restored.trc ${DIR}/at_shell.lgsav)
execute_process(COMMAND ${LGSIM} -q ${args} --trace=${DIR}/straight.trc
                --save-at=${AT} ${DIR}/at_shell.lgsav
                INPUT_FILE ${INPUT} RESULT_VARIABLE rc1 OUTPUT_QUIET ERROR_VARIABLE err1
                TIMEOUT 240)
execute_process(COMMAND ${LGSIM} -q --restore=${DIR}/at_shell.lgsav --trace=${DIR}/restored.trc
                INPUT_FILE ${INPUT} RESULT_VARIABLE rc2 OUTPUT_QUIET ERROR_VARIABLE err2
                TIMEOUT 240)
execute_process(COMMAND ${LGSIM} trace diff --symbols=$ENV{LGSIM_LINUX_44_1}
                ${DIR}/straight.trc ${DIR}/restored.trc
                RESULT_VARIABLE rc3 OUTPUT_VARIABLE diff ERROR_VARIABLE diff)
if(NOT rc1 EQUAL 0 OR NOT rc2 EQUAL 0 OR NOT diff MATCHES "^traces are the same: [0-9]+ records")
  message(FATAL_ERROR "saved at ${AT} ms: exit ${rc1}, restored: exit ${rc2}\n${err1}\n${err2}\n"
          "${diff}")
endif()
