# common.cmake - what the trace tests share: run a command, record the teaching guest, match.
cmake_minimum_required(VERSION 3.16)

# run(OUT ERR RC cmd...): run once; stdout, stderr and the exit status in the named variables.
function(run out err rc)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE r OUTPUT_VARIABLE o ERROR_VARIABLE e
                  TIMEOUT 120)
  set(${out} "${o}" PARENT_SCOPE)
  set(${err} "${e}" PARENT_SCOPE)
  set(${rc} "${r}" PARENT_SCOPE)
endfunction()

# record(FILE): the built-in teaching guest, traced into FILE.
function(record file)
  file(MAKE_DIRECTORY ${WORK})
  run(o e rc ${LGSIM} --trace=${file})
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "recording the teaching guest failed (${rc}):\n${e}")
  endif()
endfunction()

# expect(TEXT what regex...): every regex must match TEXT.  The patterns are taken one
# argument at a time (ARGVn), never as a list: a list would split them at their semicolons.
function(expect text what)
  math(EXPR last "${ARGC} - 1")
  foreach(i RANGE 2 ${last})
    set(p "${ARGV${i}}")
    string(REGEX MATCH "${p}" hit "${text}")
    if(NOT hit)
      message(FATAL_ERROR "${what} does not match: ${p}\n--- output ---\n${text}")
    endif()
  endforeach()
endfunction()

# explain_flat(VAR TRACE args...): explain's output with its line wrapping undone.
function(explain_flat var trace)
  run(o e rc ${LGSIM} trace explain ${ARGN} ${trace})
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "explain ${ARGN} of ${trace} failed (${rc}): ${e}")
  endif()
  string(REGEX REPLACE "[ \n]+" " " flat "${o}")
  set(${var} "${flat}" PARENT_SCOPE)
endfunction()
