# linux44_live.cmake - lgsim --ui on a real Linux 4.4.1 boot (LGSIM_LINUX_44_1 and
# LGSIM_LINUX_44_INITRD, else skipped): the scripted window types into the console pane, and
# the trace is the one the same boot writes with those lines piped into it.
include(${KERNEL_VARS})
set(KERNEL "%LGSIM_LINUX_44_1%")
set(INITRD "%LGSIM_LINUX_44_INITRD%")
substitute_kernel_vars(KERNEL)
substitute_kernel_vars(INITRD)
file(MAKE_DIRECTORY ${WORK})
file(WRITE ${WORK}/input.txt "echo hi from $((6*7))\npoweroff -f\n")
set(args 64m ${KERNEL} --initrd=${INITRD} console=hvc0)
execute_process(COMMAND ${LGSIM} --trace=${WORK}/plain.trc ${args} INPUT_FILE ${WORK}/input.txt
                RESULT_VARIABLE rc OUTPUT_QUIET ERROR_QUIET TIMEOUT 300)
execute_process(COMMAND ${LGSIM} --ui --ui-script=${SCRIPT} --trace=${WORK}/live.trc ${args}
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err TIMEOUT 300)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "the session failed (${rc}):\n${out}${err}")
endif()
execute_process(COMMAND ${CMAKE_COMMAND} -E compare_files ${WORK}/plain.trc ${WORK}/live.trc
                RESULT_VARIABLE diff)
if(NOT diff EQUAL 0)
  execute_process(COMMAND ${LGSIM} trace diff ${WORK}/plain.trc ${WORK}/live.trc
                  OUTPUT_VARIABLE why ERROR_VARIABLE why)
  message(FATAL_ERROR "the trace under the window differs from the piped boot's:\n${why}")
endif()
message(STATUS "the boot under the window: the shell ran the typed lines; same trace")
