# replay_broken.cmake - --replay with a trace cut short, one corrupted, and one missing an input:
# exit 2 with the reader's words (byte offset, record), or where the replay parted from it.
#   -DLGSIM=... -DGUEST=hello guest -DVARIANT=trace_variant -DOLD=a trace of "echo" -DDIR=...
cmake_minimum_required(VERSION 3.16)
set(failed "")
function(expect name want)
  execute_process(COMMAND ${LGSIM} --replay=${DIR}/broken_${name}.trc 64 ${GUEST} echo
                  INPUT_FILE /dev/null RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 2 OR NOT err MATCHES "${want}")
    set(failed "${failed}${name}: exit ${rc}, stderr:\n${err}\n" PARENT_SCOPE)
  endif()
endfunction()
# The record number of the first console input, for the variant that drops it.
execute_process(COMMAND ${LGSIM} trace dump --kind=console_in ${OLD} OUTPUT_VARIABLE dump)
string(REGEX MATCH "^#([0-9]+) t=([0-9.]+ms)" first "${dump}")
set(index ${CMAKE_MATCH_1})
string(REGEX MATCH "\n#([0-9]+) t=([0-9.]+ms)" second "${dump}")
math(EXPR second_index "${CMAKE_MATCH_1} - 1")   # one record fewer before it
set(second_t ${CMAKE_MATCH_2})
if(NOT index OR NOT second_t)
  message(FATAL_ERROR "no console input in ${OLD}:\n${dump}")
endif()
execute_process(COMMAND ${VARIANT} cut=3000 ${OLD} ${DIR}/broken_cut.trc)
execute_process(COMMAND ${VARIANT} flip=200 ${OLD} ${DIR}/broken_flip.trc)
execute_process(COMMAND ${VARIANT} drop=${index} ${OLD} ${DIR}/broken_drop.trc)
expect(cut "^lgsim: --replay: .*broken_cut.trc: at byte [0-9]+ \\(record [0-9]+\\): the file ends inside a chunk \\(cut short\\)\n$")
expect(flip "^lgsim: --replay: .*broken_flip.trc: at byte [0-9]+ \\(record [0-9]+\\): [^\n]*corrupt")
# Without its first line the replayed guest waits where the recorded one was given it.
expect(drop "lgsim: replay diverged: record ${second_index} \\(console_in at t=${second_t}\\) was not given: this run's guest halted for good without taking input \\(the run is at t=[0-9.]+ms\\)\n")
if(failed)
  message(FATAL_ERROR "${failed}")
endif()
