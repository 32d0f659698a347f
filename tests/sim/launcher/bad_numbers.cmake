# bad_numbers.cmake - every numeric option and argument refuses what is not a number in its
# range (a sign, a space, a suffix, an overflow, 0 where 0 means nothing) with exactly one line
# on stderr, nothing on stdout and exit status 2 (issue 11, defect 7).
#   -DLGSIM=lgsim -DGUEST=hello_guest.elf -DHAVE_UI=ON|OFF -DHAVE_SLIRP=1|0
cmake_minimum_required(VERSION 3.16)
set(failed "")
set(cases 0)

# refused(LINE ARG...): lgsim ARG... prints exactly LINE and exits 2.
function(refused line)
  execute_process(COMMAND ${LGSIM} ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out
                  ERROR_VARIABLE err TIMEOUT 60)
  if(NOT rc STREQUAL "2" OR NOT out STREQUAL "" OR NOT err STREQUAL "${line}\n")
    string(APPEND failed "lgsim ${ARGN}:\n  exit ${rc}, stdout '${out}', stderr '${err}'\n"
           "  wanted exit 2 and only: ${line}\n")
  endif()
  math(EXPR n "${cases} + 1")
  set(cases ${n} PARENT_SCOPE)
  set(failed "${failed}" PARENT_SCOPE)
endfunction()

set(T "give milliseconds from 1 to 1000000000000")
refused("lgsim: bad --max-time value '-1': ${T}" --max-time=-1 64 ${GUEST})
refused("lgsim: bad --max-time value '0': ${T}" --max-time=0 64 ${GUEST})
refused("lgsim: bad --max-time value '18446744073709551616': ${T}"
        --max-time=18446744073709551616 64 ${GUEST})
refused("lgsim: bad --max-time value '18446744073710': ${T}" --max-time=18446744073710 64 ${GUEST})
refused("lgsim: bad --max-time value '10ms': ${T}" --max-time=10ms 64 ${GUEST})
refused("lgsim: bad --max-time value ' 5': ${T}" "--max-time= 5" 64 ${GUEST})
refused("lgsim: bad --max-time value '+5': ${T}" --max-time=+5 64 ${GUEST})
refused("lgsim: bad --max-time value '': ${T}" --max-time= 64 ${GUEST})
set(P "give 0 to 65535 (0: any free port)")
refused("lgsim: bad --gdb port '-1': ${P}" --gdb=-1 64 ${GUEST})
refused("lgsim: bad --gdb port '65536': ${P}" --gdb=65536 64 ${GUEST})
refused("lgsim: bad --gdb port '+80': ${P}" --gdb=+80 64 ${GUEST})
refused("lgsim: bad --gdb port '99999999999999999999': ${P}" --gdb=99999999999999999999 64 ${GUEST})
set(M "give MiB from 1 to 2048, e.g. 64m")
refused("lgsim: bad memory size '+64': ${M}" +64 ${GUEST})
refused("lgsim: bad memory size '0x40': ${M}" 0x40 ${GUEST})
refused("lgsim: bad memory size '64mb': ${M}" 64mb ${GUEST})
refused("lgsim: bad memory size '4294967360': ${M}" 4294967360 ${GUEST})
refused("lgsim: bad memory size '18446744073709551680m': ${M}" 18446744073709551680m ${GUEST})

# The trace commands read their options before the file.
refused("lgsim trace: bad vector '-4294967295': 0 to 255" trace dump --vector=-4294967295 x.trc)
refused("lgsim trace: bad vector '256': 0 to 255" trace dump --vector=256 x.trc)
refused("lgsim trace: bad round trip '1x': a number" trace dump --rt=1x x.trc)
refused("lgsim trace: bad hypercall '4294967296': a name or a number"
        trace dump --hcall=4294967296 x.trc)
set(TF "e.g. 12.5ms, 300us, 40ns, 2s (bare: ms)")
refused("lgsim trace: bad time 'nan': ${TF}" trace dump --from=nan x.trc)
refused("lgsim trace: bad time '-1': ${TF}" trace dump --to=-1 x.trc)
refused("lgsim trace: bad time '1e30s': ${TF}" trace dump --to=1e30s x.trc)
refused("lgsim trace diff: bad --context '-1' (0 to 1000)" trace diff --context=-1 a.trc b.trc)
refused("lgsim trace diff: bad --window '10001' (0 to 10000)" trace diff --window=10001 a.trc b.trc)
refused("lgsim trace: bad round trip '-4294967295' (round trips count from 1)"
        trace explain --round-trip=-4294967295 x.trc)

if(HAVE_SLIRP)   # sscanf's %u and %2x alone took these
  set(F "(want [tcp|udp]:[HOSTADDR]:HOSTPORT-[GUESTADDR]:GUESTPORT)")
  refused("lgsim: --net=user: bad hostfwd ':4294967318-:22' ${F}"
          --net=user,hostfwd=tcp::4294967318-:22 64 ${GUEST})
  refused("lgsim: --net=user: bad hostfwd ':-1-:22' ${F}" --net=user,hostfwd=tcp::-1-:22 64 ${GUEST})
  refused("lgsim: --net=user: bad hostfwd ': 22-:22' ${F}" "--net=user,hostfwd=tcp:: 22-:22" 64
          ${GUEST})
  refused("lgsim: --net=user: unknown or bad option 'mac=52:54:00:12:34:-1' (user takes hostfwd=... and mac=...)"
          --net=user,mac=52:54:00:12:34:-1 64 ${GUEST})
endif()

if(HAVE_UI)
  refused("lgsim ui: bad record '-1': a record number (see lgsim ui --help)" ui --at=-1 x.trc)
  refused("lgsim ui: bad record '99999999999999999999': a record number (see lgsim ui --help)"
          ui --at=99999999999999999999 x.trc)
  refused("lgsim ui: bad size '800x600junk': WxH from 200x150 to 8000x8000 (see lgsim ui --help)"
          ui --size=800x600junk x.trc)
  refused("lgsim ui: bad scale 'nan': 0.5 to 4 (see lgsim ui --help)" ui --scale=nan x.trc)
endif()

if(failed)
  message(FATAL_ERROR "${failed}")
endif()
message(STATUS "bad_numbers: ${cases} command lines refused, each with its one line")
