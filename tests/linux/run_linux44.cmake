# run_linux44.cmake - run_check.cmake on a real Linux 4.4 kernel named by environment variables.
#   -DVARS="LGSIM_LINUX_44_1@@..." the variables the run needs; each "%NAME%" in CMD becomes
#   its value.  Any of them unset: the test is skipped (it prints SKIPPED).
#   -DDISK_FROM=NAME -DDISK=FILE: copy $ENV{NAME} to FILE first (the test writes to FILE, never
#   to the user's image); %DISK% in CMD becomes FILE.  -DREMOVE=FILE: remove FILE first (an
#   overlay a test makes afresh).
include(${CMAKE_CURRENT_LIST_DIR}/../kernel_vars.cmake)
substitute_kernel_vars(CMD)
if(REMOVE)
  file(REMOVE "${REMOVE}")
endif()
if(DISK_FROM)
  file(COPY_FILE "$ENV{${DISK_FROM}}" "${DISK}")
endif()
if(DISK)
  string(REPLACE "%DISK%" "${DISK}" CMD "${CMD}")
endif()
include(${CMAKE_CURRENT_LIST_DIR}/../run_check.cmake)
