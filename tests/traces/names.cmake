# names.cmake - every trace command names code addresses <function+offset> from the kernel the
# header names (here the built-in demo guest), or --symbols=ELF; --no-symbols shows none; a
# --symbols file that cannot serve is refused in one line.  The trace itself holds no names.
include(${CMAKE_CURRENT_LIST_DIR}/common.cmake)
set(T ${WORK}/teach.trc)
set(S ${WORK}/short.trc)
record(${T})
run(o e rc ${LGSIM} --max-time=5 --trace=${S})

run(dump e rc ${LGSIM} trace dump --kind=to_guest,reflect ${T})
expect("${dump}" "dump"
  "#0 t=0\\.000000ms to_guest eip=0x101000 <startup_32> cs=0x61"
  "reflect vector=0xe\\(#PF\\) err=0x6 eip=0x80481d8 <prog_heap> cs=0x73 handler=0xc01010c1 <exc_page_fault> esp=")
string(FIND "${dump}" " eip=0x101000 cs=" plain)
if(NOT plain EQUAL -1)
  message(FATAL_ERROR "dump left an address unnamed:\n${dump}")
endif()
run(o e rc ${LGSIM} trace dump --no-symbols --kind=to_guest ${T})
expect("${o}" "dump --no-symbols" "#0 t=0\\.000000ms to_guest eip=0x101000 cs=0x61")
if(o MATCHES "<")
  message(FATAL_ERROR "dump --no-symbols named something:\n${o}")
endif()
run(o e rc ${LGSIM} trace dump --symbols=${ELF} --kind=to_guest ${T})
expect("${o}" "dump --symbols" "#0 t=0\\.000000ms to_guest eip=0x101000 <startup_32> cs=0x61")

# Each round trip's end says how its fault was handled and how long it took.
run(o e rc ${LGSIM} trace dump --kind=rt_end ${T})
expect("${o}" "dump --kind=rt_end"
  "#6 t=0\\.000284ms rt=1 rt_end outcome=ok steps=6 duration_ns=176 eip=0x101000 <startup_32> cr2=0x101000 \\[fixed silently by the host; 6 records, 176 ns\\]\n"
  "rt=[0-9]+ rt_end outcome=ok steps=([0-9]+) duration_ns=([0-9]+) eip=0x80481d8 <prog_heap> cr2=0xbffffffc \\[reflected to the guest's handler; [0-9]+ records, [0-9]+ ns\\]\n")

run(o e rc ${LGSIM} trace explain --round-trip=1 ${T})
string(REGEX REPLACE "[ \n]+" " " o "${o}")
expect("${o}" "explain" "at eip 0x00101000 <startup_32>, before the guest")

run(o e rc ${LGSIM} trace diff ${T} ${S})
expect("${o}" "diff" "\n[- ] #[0-9]+ t=[0-9.]+ms to_guest eip=0x8048060 <compute\\+0x30> cs=0x73")

run(o e rc ${LGSIM} trace export --format=chrome ${T})
expect("${o}" "export" "\"eip\":\"0x101000\",[^}]*\"eip_symbol\":\"startup_32\""
  "\"handler\":\"0xc01010c1\",[^}]*\"handler_symbol\":\"exc_page_fault\"")

# Refusals: one line, exit 2, nothing on stdout.
file(WRITE ${WORK}/not-an-elf "hello\n")
foreach(c "--symbols=${WORK}/no-such.elf;--symbols: cannot read .*no-such\\.elf: No such file or directory"
          "--symbols=${WORK}/not-an-elf;--symbols=.*not-an-elf: not an ELF file"
          "--symbols=;--symbols= needs a file name")
  list(GET c 0 arg)
  list(GET c 1 want)
  run(o e rc ${LGSIM} trace dump ${arg} ${T})
  if(NOT rc EQUAL 2 OR NOT o STREQUAL "" OR NOT e MATCHES "^lgsim trace: ${want}\n$")
    message(FATAL_ERROR "dump ${arg}: exit ${rc}, stdout '${o}', stderr '${e}'")
  endif()
endforeach()

# A kernel the header names that is neither next to the trace nor in the current directory:
# no names, and stderr says why in one line (stdout is what it would be with --no-symbols).
set(K ${WORK}/kernel-elsewhere)
file(MAKE_DIRECTORY ${K})
file(COPY ${ELF} DESTINATION ${K})
execute_process(COMMAND ${LGSIM} --trace=${WORK}/elsewhere.trc 64 ${K}/teaching_guest.elf
                OUTPUT_QUIET ERROR_QUIET)
run(o e rc ${LGSIM} trace dump --kind=to_guest ${WORK}/elsewhere.trc)
run(plain pe prc ${LGSIM} trace dump --no-symbols --kind=to_guest ${WORK}/elsewhere.trc)
if(NOT rc EQUAL 0 OR NOT o STREQUAL plain OR NOT e MATCHES
   "^lgsim trace: no symbols: teaching_guest\\.elf \\([0-9]+ bytes, fnv64 [0-9a-f]+\\) is not next to the trace or in the current directory \\(give it with --symbols=ELF\\)\n$")
  message(FATAL_ERROR "dump of a trace whose kernel is elsewhere: exit ${rc}, stderr '${e}'")
endif()
if(NOT pe STREQUAL "")
  message(FATAL_ERROR "dump --no-symbols said something on stderr: '${pe}'")
endif()

# The names are looked up when shown: the trace holds none.
file(READ ${T} bytes HEX)
string(HEX "startup_32" needle)
string(FIND "${bytes}" "${needle}" at)
if(NOT at EQUAL -1)
  message(FATAL_ERROR "the trace itself holds the name startup_32")
endif()
message(STATUS "every trace command names addresses; refusals are one line")
