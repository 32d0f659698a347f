# kernel_vars.cmake - real kernels named by environment variables, for cmake -P test scripts.
# substitute_kernel_vars(TEXT): each "%NAME%" in the variable TEXT becomes $ENV{NAME}, for each
# NAME in -DVARS="A@@B".  Any of them unset: the script prints SKIPPED and stops (a macro's
# return() leaves the script that called it).
macro(substitute_kernel_vars text_var)
  string(REPLACE "@@" ";" kv_names "${VARS}")
  foreach(kv IN LISTS kv_names)
    if("$ENV{${kv}}" STREQUAL "")
      message("SKIPPED: set ${kv} to run this test on a real kernel")
      return()
    endif()
    string(REPLACE "%${kv}%" "$ENV{${kv}}" ${text_var} "${${text_var}}")
  endforeach()
endmacro()
