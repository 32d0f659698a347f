# run_linux44.cmake - run_check.cmake on a real Linux 4.4 kernel named by environment variables.
#   -DVARS="LGSIM_LINUX_44_1@@..." the variables the run needs; each "%NAME%" in CMD becomes
#   its value.  Any of them unset: the test is skipped (it prints SKIPPED).
string(REPLACE "@@" ";" vars "${VARS}")
foreach(v IN LISTS vars)
  if("$ENV{${v}}" STREQUAL "")
    message("SKIPPED: set ${v} to run this test on a real kernel")
    return()
  endif()
  string(REPLACE "%${v}%" "$ENV{${v}}" CMD "${CMD}")
endforeach()
include(${CMAKE_CURRENT_LIST_DIR}/run_check.cmake)
