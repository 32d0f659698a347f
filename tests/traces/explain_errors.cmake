# explain_errors.cmake - lgsim trace explain refuses what it cannot explain, with exit status 2.
include(${CMAKE_CURRENT_LIST_DIR}/common.cmake)
set(T ${WORK}/teach.trc)
record(${T})

# must_fail(what stderr-regex args...)
function(must_fail what pattern)
  run(o e rc ${LGSIM} trace explain ${ARGN})
  if(NOT rc EQUAL 2)
    message(FATAL_ERROR "${what}: exit status ${rc}, expected 2\n${o}${e}")
  endif()
  expect("${e}" "${what}: stderr" "${pattern}")
endfunction()

# A round trip past the last one: the message says how many there are.
run(ends e rc ${LGSIM} trace dump --kind=rt_end ${T})
string(REGEX MATCHALL " rt_end " all "${ends}")
list(LENGTH all n)
must_fail("missing round trip"
  "lgsim trace: .*teach.trc has no round trip 100000: it holds ${n} page-fault round trips \\(1-${n}\\)"
  --round-trip=100000 ${T})
must_fail("round trip 0" "bad round trip '0' \\(round trips count from 1\\)" --round-trip=0 ${T})
must_fail("not a number" "bad round trip 'x'" --round-trip x ${T})
must_fail("no file" "usage: lgsim trace explain" --round-trip=1)

# Not a trace, and a trace cut short: the reader's own words.
file(WRITE ${WORK}/text.trc "just some text\n")
must_fail("not a trace" "text.trc: at byte 0 \\(record 0\\): not an lgsim trace" ${WORK}/text.trc)
find_program(HEAD head)
if(HEAD)
  execute_process(COMMAND ${HEAD} -c 3000 ${T} OUTPUT_FILE ${WORK}/cut.trc)
  must_fail("cut short" "cut.trc: at byte [0-9]+ \\(record 0\\): the file ends inside a chunk"
    ${WORK}/cut.trc)
endif()
