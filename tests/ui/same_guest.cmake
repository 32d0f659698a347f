# same_guest.cmake - same_guest(VAR LGSIM GOLDEN TRACE): whether this build's teaching guest,
# which recorded TRACE, is the one GOLDEN (tests/golden/teaching.trc) was recorded with.
# Scripts that name its own addresses (eip 0x080481d8 <prog_heap>) hold for that guest only: a
# guest another compiler built (clang's, as every Windows build's) runs other code.  When it is
# not, the test says "SKIPPED:" (CTest counts it as skipped), as the golden traces do.
function(same_guest var lgsim golden trace)
  execute_process(COMMAND ${lgsim} trace diff ${golden} ${trace} OUTPUT_VARIABLE out
                  ERROR_QUIET TIMEOUT 120)
  if(out MATCHES "^note: the kernel differs")
    message("SKIPPED: this script names the addresses of the teaching guest ${golden} was "
            "recorded with; this build's guest is another compiler's, with other code")
    set(${var} 0 PARENT_SCOPE)
  else()
    set(${var} 1 PARENT_SCOPE)
  endif()
endfunction()
