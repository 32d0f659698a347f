# explain_outcomes.cmake - the endings the teaching guest never reaches: a reflected fault its
# handler never returns from (mech guest, frame-pf), and a page table the host refuses (hello
# guest, hostile=pte-touch).  Both round trips are the last one of their trace.
include(${CMAKE_CURRENT_LIST_DIR}/common.cmake)
file(MAKE_DIRECTORY ${WORK})

# last_explained(VAR trace kernel args...): record, then explain the last round trip, unwrapped.
function(last_explained var trace)
  run(o e rc ${LGSIM} --trace=${trace} 64 ${ARGN})
  run(ends e rc ${LGSIM} trace dump --kind=rt_end ${trace})
  string(REGEX MATCHALL "rt=[0-9]+ rt_end" all "${ends}")
  list(GET all -1 last)
  string(REGEX MATCH "[0-9]+" n "${last}")
  explain_flat(flat ${trace} --round-trip=${n})
  set(${var} "${flat}" PARENT_SCOPE)
endfunction()

last_explained(out ${WORK}/frame.trc ${MECH} frame-pf)
expect("${out}" "frame-pf"
  "CR2 holds the address it could not use: 0xffc03000\\."
  "The address lies in the Switcher's page, which is never demand-paged\\. So the fault is the guest's to handle"
  "onto the guest's current stack, leaving esp at 0x[0-9a-f]+, and set the guest to resume at 0x[0-9a-f]+, its handler in IDT entry 14\\."
  "The guest's handler printed \"vector 14: frame at top-0x00000010: .*\" \"lguest_data\\.cr2 0xffc03000\\\\n\" on its console \\(2 lines\\)"
  "SHUTDOWN: the guest asks to be powered off .* The host stops the guest, as asked\\."
  "was unfinished: the guest stopped \\(or the recording ended\\) before the instruction ran again"
  "The guest stopped, exit status 0: \"CRASH: Power down\"\\.")

last_explained(out ${WORK}/pte.trc ${GUEST} hostile=pte-touch)
expect("${out}" "hostile=pte-touch"
  "CR2 holds the address it could not use: 0x40000000\\."
  "The host could not use the guest's page tables for 0x40000000 \\(an entry it must refuse, or no memory for a shadow page table\\) and kills the guest\\."
  "The console line the guest had begun before the fault is recorded now: \"read \"\\."
  "was unfinished: .* 1 world switch \\(1 to the host, 0 back to the guest\\)\\."
  "The guest stopped, exit status 1: \"bad page table entry\"\\.")

# Device accesses (hello guest, mmio): each is a round trip of its own that ends when the
# host leaves the instruction to the launcher (it is emulated, never retried), not one round
# trip that swallows the rest of the run; a fault after them is a round trip of its own.
set(M ${WORK}/mmio.trc)
run(o e rc ${LGSIM} --trace=${M} 64 ${GUEST} mmio)
run(ends e rc ${LGSIM} trace dump --kind=rt_end ${M})
string(REGEX MATCHALL "rt_end outcome=ok steps=5 duration_ns=93 [^\n]*\\[a device access the launcher emulated; 5 records, 93 ns\\]" dev "${ends}")
list(LENGTH dev n)
if(NOT n EQUAL 7 OR ends MATCHES "unfinished")
  message(FATAL_ERROR "mmio: ${n} device round trips of 5 records, not 7:\n${ends}")
endif()
expect("${ends}" "mmio rt_end"
  "rt=([0-9]+) rt_end outcome=ok steps=6 duration_ns=176 [^\n]*\\[fixed silently by the host; 6 records, 176 ns\\]\n$")
string(REGEX MATCH "rt=([0-9]+) rt_end outcome=ok steps=5" first "${ends}")
explain_flat(flat ${M} --round-trip=${CMAKE_MATCH_1})
expect("${flat}" "mmio explain"
  "in the launcher's device window: memory-mapped I/O\\. The host leaves the instruction to the launcher to emulate\\."
  "The launcher emulates a [0-9]-byte MMIO (read|write) at guest-physical 0x0410"
  "ended well: the launcher emulated the instruction and the guest went on after it\\. From the fault to the host's decision: 93 ns of virtual time; 5 records; 2 world switches")
