# mech_compare.cmake - run lgsim twice and compare how often a line pattern occurs on stderr.
#   -DCMD_A="prog@@arg..." -DCMD_B="prog@@arg..." -DCOUNT=regex -DDIFF=n
#   Passes when (matches in B) - (matches in A) == DIFF and A has at least one match.
cmake_minimum_required(VERSION 3.16)
function(count_lines cmd out)
  string(REPLACE "@@" ";" cmd "${cmd}")
  execute_process(COMMAND ${cmd} OUTPUT_QUIET ERROR_VARIABLE err TIMEOUT 60)
  string(REGEX MATCHALL "${COUNT}" hits "${err}")
  list(LENGTH hits n)
  set(${out} ${n} PARENT_SCOPE)
endfunction()
count_lines("${CMD_A}" a)
count_lines("${CMD_B}" b)
math(EXPR diff "${b} - ${a}")
if(a EQUAL 0 OR NOT diff EQUAL DIFF)
  message(FATAL_ERROR "'${COUNT}': ${a} in the first run, ${b} in the second; "
          "expected a difference of ${DIFF}")
endif()
