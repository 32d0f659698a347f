# golden_check.cmake - run a guest with --trace, then check the trace against its golden copy
# with "lgsim trace diff" (MODE=check), or make the new trace the golden one (MODE=bless).
#   -DLGSIM=lgsim -DARGS="arg@@arg" -DGOLDEN=file.trc -DNEW=file.trc -DMODE=check|bless
cmake_minimum_required(VERSION 3.16)
string(REPLACE "@@" ";" args "${ARGS}")
get_filename_component(name "${GOLDEN}" NAME_WE)
execute_process(COMMAND ${LGSIM} --trace=${NEW} ${args} RESULT_VARIABLE rc
                OUTPUT_VARIABLE out ERROR_VARIABLE err TIMEOUT 120)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "lgsim --trace=${NEW} ${args} exited with ${rc}\n${out}\n${err}")
endif()
if(MODE STREQUAL "bless")
  execute_process(COMMAND ${CMAKE_COMMAND} -E copy ${NEW} ${GOLDEN} RESULT_VARIABLE rc)
  if(rc)
    message(FATAL_ERROR "cannot write ${GOLDEN}")
  endif()
  message(STATUS "blessed ${GOLDEN}")
  return()
endif()
set(rebless "After an intended change: review with 'lgsim trace diff ${GOLDEN} ${NEW}', then \
re-bless with scripts/bless-traces.sh (see tests/golden/README.md).")
if(NOT EXISTS ${GOLDEN})
  message(FATAL_ERROR "no golden trace ${GOLDEN}. ${rebless}")
endif()
execute_process(COMMAND ${LGSIM} trace diff ${GOLDEN} ${NEW} RESULT_VARIABLE rc
                OUTPUT_VARIABLE out ERROR_VARIABLE err TIMEOUT 120)
# A guest built by another compiler runs other code: its trace cannot match, and that is not
# lgsim's doing.  Say so (CTest counts the test as skipped) rather than fail.
if(out MATCHES "^note: the kernel differs")
  string(REGEX MATCH "^note: [^\n]*" note "${out}")
  message("SKIPPED: golden trace ${name}: this build's guest is not the one it was recorded "
          "from (${note}); re-bless to check this build")
  return()
endif()
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "the ${name} trace no longer matches its golden copy (exit ${rc}):\n"
          "${out}${err}\n${rebless}")
endif()
message(STATUS "${out}")
