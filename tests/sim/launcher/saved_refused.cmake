# saved_refused.cmake - a saved machine is only for the machine it was: a kernel changed since
# is refused, naming it, and so is a --trace to go on with when the saved run had none.
#   -DLGSIM=... -DGUEST=hello_guest.elf -DDIR=scratch directory
cmake_minimum_required(VERSION 3.16)
set(k ${DIR}/refused_kernel.elf)
set(sav ${DIR}/refused.lgsav)
file(REMOVE ${sav})
file(COPY_FILE ${GUEST} ${k})
set(failed "")
execute_process(COMMAND ${LGSIM} --save-at=0.05 ${sav} 64 ${k} spin INPUT_FILE /dev/null
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err TIMEOUT 120)
if(NOT rc EQUAL 0 OR NOT EXISTS ${sav})
  string(APPEND failed "saving: exit ${rc}\n${err}\n")
endif()
execute_process(COMMAND ${LGSIM} --restore=${sav} --trace=${DIR}/refused.trc INPUT_FILE /dev/null
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err TIMEOUT 120)
if(NOT rc EQUAL 2 OR NOT err STREQUAL "lgsim: --restore: --trace: the saved run had no trace to go on with\n")
  string(APPEND failed "--trace without a saved trace: exit ${rc}\n${err}\n")
endif()
file(APPEND ${k} "changed")
execute_process(COMMAND ${LGSIM} --restore=${sav} INPUT_FILE /dev/null
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err TIMEOUT 120)
if(NOT rc EQUAL 2 OR NOT out STREQUAL "" OR
   NOT err MATCHES "^lgsim: --restore: the kernel refused_kernel.elf is not the one the machine was saved with \\(size [0-9]+ hash [0-9a-f]+, saved [0-9]+ [0-9a-f]+\\)\n$")
  string(APPEND failed "a changed kernel: exit ${rc}\n${out}\n${err}\n")
endif()
if(failed)
  message(FATAL_ERROR "${failed}")
endif()
