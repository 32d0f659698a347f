# live_same_trace.cmake - a run under the window writes the trace the same run writes without
# it: lgsim --ui --ui-script=SCRIPT --trace=LIVE, then LIVE byte for byte against PLAIN.
#   -DLGSIM=lgsim -DSCRIPT=file -DPLAIN=trace -DLIVE=trace [-DARGS=a@@b] [-DINPUT=file]
# With INPUT, PLAIN is made here first: the same run without the window, INPUT on its stdin
# (the script types the same bytes into the console pane).
# With -DSAME_GUEST=golden.trc, only when this build's teaching guest is that trace's
# (same_guest.cmake; PLAIN is this build's).
cmake_minimum_required(VERSION 3.16)
string(REPLACE "@@" ";" args "${ARGS}")
if(INPUT)
  execute_process(COMMAND ${LGSIM} --trace=${PLAIN} ${args} INPUT_FILE ${INPUT}
                  RESULT_VARIABLE rc OUTPUT_QUIET ERROR_QUIET TIMEOUT 300)
endif()
if(SAME_GUEST)
  include(${CMAKE_CURRENT_LIST_DIR}/same_guest.cmake)
  same_guest(same ${LGSIM} ${SAME_GUEST} ${PLAIN})
  if(NOT same)
    return()
  endif()
endif()
execute_process(COMMAND ${LGSIM} --ui --ui-script=${SCRIPT} --trace=${LIVE} ${args}
                RESULT_VARIABLE rc OUTPUT_QUIET ERROR_VARIABLE err TIMEOUT 300)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "lgsim --ui exit status ${rc}\n${err}")
endif()
execute_process(COMMAND ${CMAKE_COMMAND} -E compare_files ${PLAIN} ${LIVE} RESULT_VARIABLE diff)
if(NOT diff EQUAL 0)
  execute_process(COMMAND ${LGSIM} trace diff ${PLAIN} ${LIVE} OUTPUT_VARIABLE why ERROR_VARIABLE why)
  message(FATAL_ERROR "the trace under the window differs from the one without it:\n${why}")
endif()
message(STATUS "same trace, byte for byte: ${LIVE}")
