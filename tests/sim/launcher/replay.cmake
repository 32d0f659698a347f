# replay.cmake - a run recorded with piped console input, replayed from its trace with no
# stdin: the same console output, exit status and trace (lgsim trace diff says "same").
#   -DLGSIM=... -DARGS="a@@b" (MEM KERNEL args) -DINPUT=FILE -DDIR=scratch directory
#   -DNAME=prefix for the files -DWANT_OUT=regex the recorded output must match
#   -DVARS="LGSIM_LINUX_44_1@@...": "%NAME%" in ARGS is that variable's value (a real kernel);
#   any of them unset: the test is skipped (it prints SKIPPED).
cmake_minimum_required(VERSION 3.16)
include(${CMAKE_CURRENT_LIST_DIR}/../../kernel_vars.cmake)
substitute_kernel_vars(ARGS)
string(REPLACE "@@" ";" args "${ARGS}")
set(old ${DIR}/${NAME}_recorded.trc)
set(new ${DIR}/${NAME}_replayed.trc)
file(REMOVE ${old} ${new})
execute_process(COMMAND ${LGSIM} --trace=${old} ${args} INPUT_FILE ${INPUT}
                RESULT_VARIABLE rc1 OUTPUT_VARIABLE out1 ERROR_VARIABLE err1 TIMEOUT 300)
execute_process(COMMAND ${LGSIM} --replay=${old} --trace=${new} ${args} INPUT_FILE /dev/null
                RESULT_VARIABLE rc2 OUTPUT_VARIABLE out2 ERROR_VARIABLE err2 TIMEOUT 300)
execute_process(COMMAND ${LGSIM} trace diff ${old} ${new}
                RESULT_VARIABLE rc3 OUTPUT_VARIABLE out3 ERROR_VARIABLE err3)
set(failed "")
if(NOT rc1 STREQUAL rc2)
  string(APPEND failed "exit status ${rc1} recorded, ${rc2} replayed\n")
endif()
if(NOT out1 STREQUAL out2)
  string(APPEND failed "the replay's console output differs\n")
endif()
if(NOT err1 STREQUAL err2)
  string(APPEND failed "the replay's stderr differs\n")
endif()
if(NOT rc3 EQUAL 0 OR NOT out3 MATCHES "^traces are the same: [0-9]+ records\n$")
  string(APPEND failed "trace diff (exit ${rc3}):\n${out3}${err3}")
endif()
if(NOT out1 MATCHES "${WANT_OUT}")
  string(APPEND failed "the recorded run's output does not match ${WANT_OUT}\n")
endif()
if(failed)
  message(FATAL_ERROR "${failed}--- recorded stdout ---\n${out1}\n--- stderr ---\n${err1}\n"
          "--- replayed stdout ---\n${out2}\n--- stderr ---\n${err2}")
endif()
