# export_format.cmake - the teaching guest's trace, recorded here, through export_check.py.
include(${CMAKE_CURRENT_LIST_DIR}/common.cmake)
set(T ${WORK}/teach.trc)
record(${T})
run(o e rc ${PYTHON} ${CHECK} ${LGSIM} ${T} ${WORK})
message("${o}")
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "export_check.py failed (${rc}):\n${e}")
endif()
