# explain.cmake - lgsim trace explain on the teaching guest: a round trip the host fixes
# silently (the first), and the first one the guest's own #PF handler sees.  Addresses that
# depend on the compiler are read from the trace itself and must appear exactly.
include(${CMAKE_CURRENT_LIST_DIR}/common.cmake)
set(T ${WORK}/teach.trc)
record(${T})

# hex8(VAR 0x1f): VAR = 0x0000001f, the way explain prints addresses.
function(hex8 var value)
  string(REGEX REPLACE "^0x" "" digits "${value}")
  string(LENGTH "${digits}" n)
  while(n LESS 8)
    string(PREPEND digits "0")
    math(EXPR n "${n} + 1")
  endwhile()
  set(${var} "0x${digits}" PARENT_SCOPE)
endfunction()

# field(VAR line name): the value of name=... in a dump line.
function(field var line name)
  string(REGEX MATCH " ${name}=([^ ]+)" hit "${line}")
  set(${var} "${CMAKE_MATCH_1}" PARENT_SCOPE)
endfunction()

# explain(VAR args...): explain's output for the teaching trace, line wrapping undone.
function(explain var)
  explain_flat(flat ${T} ${ARGN})
  set(${var} "${flat}" PARENT_SCOPE)
endfunction()

# Round trip 1: the first instruction the guest runs is not in the shadow yet.
explain(out --round-trip=1)
expect("${out}" "round trip 1"
  "^Page-fault round trip 1 of .*teach.trc, from record #1 "
  "The fault\\. The CPU was running ring 1 guest kernel \\(cs 0x0061\\) at eip 0x00101000 <startup_32>, before the guest had page tables of its own"
  "It pushed the error code 0: the page was not present; a read; from supervisor mode \\(rings 0 to 2\\)\\. CR2 holds the address it could not use: 0x00101000, the instruction itself"
  "Into the Switcher \\(92 ns\\)\\. In lguest every fault goes to the host first"
  "loaded the host's CR3, GDT, IDT and TSS"
  "\\+93 ns The host looked 0x00101000 up in the guest's own page tables \\(demand_page\\): the guest has none yet, so guest-virtual 0x00101000 is guest-physical 0x00101000"
  "The host wrote the shadow PTE for 0x00101000 \\(shadow slot 3\\): 0x40101021: host-physical frame 0x40101000 \\(guest-physical 0x00101000\\); present, read-only, supervisor only, accessed\\."
  "Fixed silently: the guest never sees this fault\\."
  "Back to the guest through the Switcher \\(83 ns\\).* to ring 1 guest kernel at eip 0x00101000 <startup_32>, the faulting instruction\\."
  "\\+176 ns The CPU is at eip 0x00101000 <startup_32> again, in the same address space"
  "Round trip 1 ended well: the retried instruction did not fault again\\. From the fault to the retry: 176 ns of virtual time; 6 records; 2 world switches \\(1 to the host, 1 back to the guest\\)\\.")

# The first round trip the host reflects: the teaching guest's first user fault, pid 1
# pushing onto a stack page nobody mapped yet (guest/README.md).
run(pfs e rc ${LGSIM} trace dump --kind=pf ${T})
string(REGEX MATCH "[^\n]* rt=([0-9]+) pf [^\n]*outcome=reflected" line "${pfs}")
set(RT ${CMAKE_MATCH_1})
if(NOT RT)
  message(FATAL_ERROR "no reflected page fault in the trace:\n${pfs}")
endif()
run(recs e rc ${LGSIM} trace dump --rt=${RT} ${T})
string(REGEX MATCH "[^\n]* to_host [^\n]*" fault "${recs}")
string(REGEX MATCH "[^\n]* reflect [^\n]*" reflect "${recs}")
string(REGEX MATCH "[^\n]* hcall nr=14[^\n]*" set_pte "${recs}")
string(REGEX MATCH "[^\n]* rt_end [^\n]*" end "${recs}")
string(REGEX MATCHALL "launcher what=port_out" outs "${recs}")
list(LENGTH outs n_outs)
field(eip "${fault}" eip)
field(pgdir "${fault}" pgdir)
field(esp "${reflect}" esp)
field(handler "${reflect}" handler)
field(pte "${set_pte}" arg3)
field(steps "${end}" steps)
field(dur "${end}" duration_ns)
foreach(v eip pgdir esp handler pte)
  hex8(${v} "${${v}}")
endforeach()

explain(out --round-trip ${RT})
expect("${out}" "round trip ${RT}"
  "The CPU was running ring 3 user code \\(cs 0x0073\\) at eip ${eip} <prog_heap[+0-9a-fx]*>, in the address space of guest page directory ${pgdir}"
  "It pushed the error code 0x6: the page was not present; a write; from user mode \\(ring 3\\)\\. CR2 holds the address it could not use: 0xbffffffc\\."
  "the guest does not map it \\(its directory or page table entry is not present\\), or its entry forbids this access\\. So the fault is the guest's to handle: the host put 0xbffffffc in lguest_data\\.cr2"
  "The host reflected the #PF as the CPU would have delivered it: it pushed the ring-3 ss and esp, eflags, cs 0x0073, eip ${eip} <prog_heap[+0-9a-fx]*> and the error code 0x6 onto the guest's kernel stack \\(the one SET_STACK named: the trap came from ring 3\\), leaving esp at ${esp}, and set the guest to resume at ${handler} <[a-z_]+>, its handler in IDT entry 14\\."
  "to ring 1 guest kernel at eip ${handler} <[a-z_]+>, the guest's handler\\."
  "SET_PTE: the guest wrote the entry for 0xbffff000 in its page directory ${pgdir} and tells the host: PTE ${pte} \\(frame 0x[0-9a-f]+; present, writable, user"
  "The guest's handler printed \"pf: pid 1 wrote 0xbffffffc at eip ${eip}: zeroed page 0x[0-9a-f]+ mapped at 0xbffff000\\\\n\" on its console \\(1 line\\): ${n_outs} port writes and 0 port reads"
  "Each one was a #GP exit to the host \\(${n_outs} in all"
  "The CPU is at eip ${eip} <prog_heap[+0-9a-fx]*> again, in the same address space: the faulting instruction runs again\\. The last world switch entered ring 1 guest kernel; the guest's own iret took it back to ring 3 user code"
  "Round trip ${RT} ended well: the retried instruction did not fault again\\. From the fault to the retry: ${dur} ns of virtual time; ${steps} records;")
# With no --round-trip, explain tells that one: the first through the guest's own handler.
explain(chosen)
expect("${chosen}" "explain with no round trip"
  "^Page-fault round trip ${RT} of .*teach\\.trc, from record #[0-9]+ at [0-9.]+ ms of virtual time\\. It is the first that went through the guest's own page-fault handler \\(--round-trip=N tells another\\)\\.")
# The same round trip by the other spellings of the option.
run(o1 e rc ${LGSIM} trace explain --round-trip=${RT} ${T})
run(o2 e rc ${LGSIM} trace explain --rt=${RT} ${T})
string(REGEX REPLACE "[ \n]+" " " o1 "${o1}")
string(REGEX REPLACE "[ \n]+" " " o2 "${o2}")
if(NOT o1 STREQUAL out OR NOT o2 STREQUAL o1)
  message(FATAL_ERROR "--round-trip N, --round-trip=N and --rt=N disagree")
endif()
