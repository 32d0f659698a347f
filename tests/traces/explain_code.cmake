# explain_code.cmake - every piece of lgsim that "trace explain" names for a host step
# ("[lgsim: FILE FUNCTION(), ...]") is there: the file exists and defines that function (or,
# in the Switcher's assembly, that label).  Read from explain's own source, so steps no test
# trace reaches are checked too; the teaching trace's explain must carry the names as well.
include(${CMAKE_CURRENT_LIST_DIR}/common.cmake)
file(READ ${SRC}/traces/explain_steps.c c)
string(REGEX REPLACE "\"[ \n]*\"" "" c "${c}")   # "abc" "def" -> "abcdef"
string(REGEX MATCHALL "(sim|mmu|virtio|switcher-model)/[a-z_/]+\\.[cS] [a-z_]+(\\(\\))?" named "${c}")
list(REMOVE_DUPLICATES named)
list(LENGTH named n)
if(n LESS 20)
  message(FATAL_ERROR "only ${n} code places named in explain_steps.c: ${named}")
endif()
foreach(place IN LISTS named)
  string(REGEX MATCH "^([^ ]+) ([a-z_]+)(\\(\\))?$" m "${place}")
  set(path ${CMAKE_MATCH_1})
  set(fn ${CMAKE_MATCH_2})
  if(NOT EXISTS ${SRC}/${path})
    message(FATAL_ERROR "explain names ${place}, but there is no ${path}")
  endif()
  file(READ ${SRC}/${path} body)
  if(path MATCHES "\\.S$")
    set(def "\n${fn}:")
  else()   # a definition: the name at the start of a declarator, then its parameters
    set(def "\n[a-z][^\n;{}]*[ *]${fn}\\([^;{}]*\\)[^;{}]*{")
  endif()
  string(REGEX MATCH "${def}" hit "${body}")
  if(NOT hit)
    message(FATAL_ERROR "explain names ${place}, but ${path} does not define ${fn}")
  endif()
endforeach()
message(STATUS "${n} code places named by explain, each defined where it says")

set(T ${WORK}/teach.trc)
record(${T})
explain_flat(out ${T})
expect("${out}" "the first round trip through the guest's handler"
  "returned to the host's run loop\\. \\[lgsim: switcher-model/switcher\\.S return_to_host, sim/host/x86_core\\.c run_guest_once\\(\\)\\]"
  "reflects the fault into the guest\\. \\[lgsim: sim/host/x86_core\\.c handle_page_fault\\(\\), mmu/shadow\\.c shadow_demand_page\\(\\)\\]"
  "its handler in IDT entry 14\\. \\[lgsim: sim/host/interrupts_and_traps\\.c deliver_trap\\(\\)\\]"
  "the guest's handler\\. \\[lgsim: sim/host/x86_core\\.c run_guest_once\\(\\), switcher-model/switcher\\.S switch_to_guest\\]"
  "SET_PTE: .* \\[lgsim: sim/host/hypercalls\\.c do_hypercalls\\(\\), sim/host/page_tables\\.c do_pagetable_hcall\\(\\), mmu/shadow\\.c shadow_set_pte\\(\\)\\]"
  "that the launcher emulated\\. \\[lgsim: sim/host/x86_core\\.c lguest_arch_handle_trap\\(\\), sim/launcher/emulate\\.c emulate_insn\\(\\)\\]")
