# saved_machine.cmake - a saved machine goes on as the machine would have: the teaching guest
# (lgsim's built-in demo) is run straight with a trace, then with --save-at at several points
# (the trace must not change: saving is invisible; saving the same run again gives the same
# file), then restored from each file with a trace, which must be byte for byte the straight
# run's; the console output after the save point too.
#   -DLGSIM=... -DDIR=scratch directory -DTIMES="0.3@@45@@99" (ms of virtual time)
cmake_minimum_required(VERSION 3.16)
string(REPLACE "@@" ";" times "${TIMES}")
set(failed "")
execute_process(COMMAND ${LGSIM} --trace=${DIR}/straight.trc INPUT_FILE /dev/null
                RESULT_VARIABLE rc0 OUTPUT_VARIABLE out0 ERROR_VARIABLE err0 TIMEOUT 120)
if(NOT rc0 EQUAL 0)
  string(APPEND failed "the straight run: exit ${rc0}\n${err0}\n")
endif()
foreach(t ${times})
  set(sav ${DIR}/teach_${t}.lgsav)
  file(REMOVE ${sav} ${DIR}/saving_${t}.trc ${DIR}/restored_${t}.trc)
  execute_process(COMMAND ${LGSIM} --trace=${DIR}/saving_${t}.trc --save-at=${t} ${sav}
                  INPUT_FILE /dev/null RESULT_VARIABLE rc1 OUTPUT_VARIABLE out1
                  ERROR_VARIABLE err1 TIMEOUT 120)
  execute_process(COMMAND ${CMAKE_COMMAND} -E compare_files ${DIR}/straight.trc
                  ${DIR}/saving_${t}.trc RESULT_VARIABLE same1)
  if(NOT rc1 EQUAL 0 OR NOT same1 EQUAL 0 OR NOT out1 STREQUAL out0 OR
     NOT err1 MATCHES "^lgsim: saved the machine at [0-9.]+ ms of virtual time to ")
    string(APPEND failed "--save-at=${t}: exit ${rc1}, trace same: ${same1}\n${err1}\n")
  endif()
  # The same run saved again at the same time is the same file, byte for byte: no host
  # address or padding of the process that wrote it is in it.
  file(RENAME ${sav} ${DIR}/teach_${t}_first.lgsav)
  execute_process(COMMAND ${LGSIM} --trace=${DIR}/saving_${t}.trc --save-at=${t} ${sav}
                  INPUT_FILE /dev/null RESULT_VARIABLE rc3 OUTPUT_QUIET ERROR_QUIET
                  TIMEOUT 120)
  execute_process(COMMAND ${CMAKE_COMMAND} -E compare_files ${DIR}/teach_${t}_first.lgsav
                  ${sav} RESULT_VARIABLE same3)
  if(NOT rc3 EQUAL 0 OR NOT same3 EQUAL 0)
    string(APPEND failed "--save-at=${t} twice: exit ${rc3}, the files differ: ${same3}\n")
  endif()
  execute_process(COMMAND ${LGSIM} --restore=${sav} --trace=${DIR}/restored_${t}.trc
                  INPUT_FILE /dev/null RESULT_VARIABLE rc2 OUTPUT_VARIABLE out2
                  ERROR_VARIABLE err2 TIMEOUT 120)
  execute_process(COMMAND ${CMAKE_COMMAND} -E compare_files ${DIR}/straight.trc
                  ${DIR}/restored_${t}.trc RESULT_VARIABLE same2)
  string(LENGTH "${out0}" n0)
  string(LENGTH "${out2}" n2)
  math(EXPR from "${n0} - ${n2}")
  string(SUBSTRING "${out0}" ${from} ${n2} tail0)
  if(NOT rc2 EQUAL 0 OR NOT same2 EQUAL 0 OR NOT tail0 STREQUAL out2 OR n2 EQUAL 0)
    string(APPEND failed "--restore of ${t}: exit ${rc2}, trace same as straight: ${same2}, "
           "console output the straight run's end: ${n2} bytes\n${err2}\n")
  endif()
endforeach()
if(failed)
  message(FATAL_ERROR "${failed}")
endif()
