# linux44.cmake - lgsim ui on a real Linux 4.4.1 boot (LGSIM_LINUX_44_1, else skipped): record
# the boot up to its root-fs panic, then browse it with the vmlinux's symbols.
include(${KERNEL_VARS})
set(KERNEL "%LGSIM_LINUX_44_1%")
substitute_kernel_vars(KERNEL)
file(MAKE_DIRECTORY ${WORK})
execute_process(COMMAND ${LGSIM} --trace=${WORK}/linux.trc --max-time=5000 64m ${KERNEL}
                console=hvc0 RESULT_VARIABLE rc OUTPUT_QUIET ERROR_VARIABLE err TIMEOUT 500)
if(NOT EXISTS ${WORK}/linux.trc)
  message(FATAL_ERROR "recording the boot failed (${rc}): ${err}")
endif()
execute_process(COMMAND ${LGSIM} ui ${WORK}/linux.trc --symbols=${KERNEL} --ui-script=${SCRIPT}
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err TIMEOUT 300)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "the session failed (${rc}):\n${out}${err}")
endif()
