# determinism.cmake - two runs with --trace write byte-identical traces, and tracing does not
# change what the guest prints.   -DLGSIM=lgsim -DARGS="arg@@arg" -DOUT=prefix
cmake_minimum_required(VERSION 3.16)
string(REPLACE "@@" ";" args "${ARGS}")
foreach(n 1 2)
  execute_process(COMMAND ${LGSIM} --trace=${OUT}.${n}.trc ${args} RESULT_VARIABLE rc${n}
                  OUTPUT_VARIABLE out${n} ERROR_VARIABLE err${n} TIMEOUT 120)
endforeach()
execute_process(COMMAND ${LGSIM} ${args} RESULT_VARIABLE rc0 OUTPUT_VARIABLE out0
                ERROR_VARIABLE err0 TIMEOUT 120)
execute_process(COMMAND ${CMAKE_COMMAND} -E compare_files ${OUT}.1.trc ${OUT}.2.trc
                RESULT_VARIABLE differ)
set(failed "")
if(differ)
  string(APPEND failed "two runs wrote different traces (${OUT}.1.trc, ${OUT}.2.trc)\n")
endif()
if(NOT out0 STREQUAL out1 OR NOT rc0 EQUAL rc1)
  string(APPEND failed "the guest's console (or exit status) differs with --trace\n")
endif()
if(NOT err0 STREQUAL err1)
  string(APPEND failed "lgsim's own report differs with --trace\n")
endif()
if(failed)
  message(FATAL_ERROR "${failed}--- without --trace ---\n${out0}${err0}\n--- with ---\n${out1}${err1}")
endif()
