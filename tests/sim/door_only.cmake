# door_only.cmake - the Host and the Launcher meet only at the door: no file of sim/host/
# includes a header of sim/launcher/, and sim/launcher/ includes no header of sim/host/ but
# the door itself (sim/host/lguest_launcher.h).
# Usage: cmake -DROOT=source-dir -P door_only.cmake
set(bad)
function(check dir regex why)
  file(GLOB files ${ROOT}/${dir}/*.c ${ROOT}/${dir}/*.h ${ROOT}/${dir}/*.S)
  foreach(f ${files})
    file(STRINGS ${f} hits REGEX "${regex}")
    foreach(line ${hits})
      if(NOT line MATCHES "sim/host/lguest_launcher\\.h")
        file(RELATIVE_PATH rel ${ROOT} ${f})
        set(bad "${bad}\n  ${rel}: ${line} (${why})" PARENT_SCOPE)
      endif()
    endforeach()
  endforeach()
endfunction()
check(sim/host "#[ \t]*include[ \t]*\"sim/launcher/" "the Host includes the Launcher")
check(sim/launcher "#[ \t]*include[ \t]*\"sim/host/" "the Launcher goes around the door")
if(bad)
  message(FATAL_ERROR "the door is not the only way between Host and Launcher:${bad}")
endif()
message(STATUS "sim/host and sim/launcher meet only at sim/host/lguest_launcher.h")
