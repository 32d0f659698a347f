# trace_inputs.cmake - a run with --initrd lists it in the trace header (role, name, size, hash).
#   -DLGSIM=... -DGUEST=... -DINITRD=... -DWORK=dir
execute_process(COMMAND ${LGSIM} --trace=${WORK}/initrd.trc --initrd=${INITRD} 64 ${GUEST}
                RESULT_VARIABLE rc OUTPUT_QUIET ERROR_QUIET)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "lgsim exited ${rc}")
endif()
execute_process(COMMAND ${LGSIM} trace dump --header --kind=death ${WORK}/initrd.trc
                OUTPUT_VARIABLE out RESULT_VARIABLE rc)
# FNV-1a 64 of "lgsim initrd test\n"
set(want "; kernel hello_guest.elf \\([0-9]+ bytes, fnv64 [0-9a-f]+\\); initrd initrd.txt \\(18 bytes, fnv64 b559379e9361160f\\)\n")
if(NOT rc EQUAL 0 OR NOT out MATCHES "${want}")
  message(FATAL_ERROR "header does not list the initrd:\n${out}")
endif()
