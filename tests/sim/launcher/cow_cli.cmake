# cow_cli.cmake - copy-on-write disks from the command line: --block=FILE,overlay=OVERLAY makes
# the overlay and leaves FILE alone, a second run takes the same overlay, a foreign overlay is
# refused with its byte offset and nothing run, ,snapshot leaves nothing, lgsim disk commit and
# info answer.  The hello guest never drives its disk; tests/virtio test_cow does.
#   -DLGSIM=... -DGUEST=hello_guest.elf -DDIR=scratch directory
cmake_minimum_required(VERSION 3.16)
set(base ${DIR}/cow-cli-base.img)
set(ov ${DIR}/cow-cli.lgcow)
set(bad ${DIR}/cow-cli-bad.lgcow)
file(REMOVE ${base} ${ov} ${bad})
file(WRITE ${base} "a disk of exactly forty bytes, no more.\n")
file(WRITE ${bad} "hello, I am not an overlay")
file(SHA256 ${base} base_sum)
set(failed "")
function(run name want_rc want_out want_err)
  execute_process(COMMAND ${LGSIM} ${ARGN} INPUT_FILE /dev/null
                  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err TIMEOUT 120)
  if(NOT rc STREQUAL want_rc OR NOT out MATCHES "${want_out}" OR NOT err MATCHES "${want_err}")
    set(failed "${failed}${name}: exit ${rc} (want ${want_rc})\n--- stdout ---\n${out}\n"
               "--- stderr ---\n${err}\n" PARENT_SCOPE)
  endif()
endfunction()
run(first 0 "hello from ring 1" "^lgsim: CRASH: Power down\nlgsim: the guest powered off normally\n$" --block=${base},overlay=${ov} 64 ${GUEST})
run(info 0 "^lgsim overlay version 1: base 40 bytes, hash [0-9a-f]+; 0 of 1 blocks of 4096 bytes copied\n$" "^$"
    disk info ${ov})
run(again 0 "hello from ring 1" "^lgsim: CRASH: Power down\nlgsim: the guest powered off normally\n$" --block=${base},overlay=${ov} 64 ${GUEST})
run(foreign 2 "^$" "^lgsim: --block: overlay .*cow-cli-bad.lgcow: not an lgsim overlay \\(no LGSIMCOW\\) at byte 0\n$"
    --block=${base},overlay=${bad} 64 ${GUEST})
run(snapshot 0 "hello from ring 1" "" --block=${base},snapshot 64 ${GUEST})
run(spelling 2 "^$" "^lgsim: --block=.*,overlay=: write --block=FILE,overlay=OVERLAY or --block=FILE,snapshot\n$"
    --block=${base},overlay= 64 ${GUEST})
run(itself 2 "^$" "the overlay cannot be the base itself" --block=${base},overlay=${base} 64 ${GUEST})
run(commit 0 "^committed 0 blocks of 4096 bytes from .*cow-cli.lgcow into .*cow-cli-base.img; the overlay is empty\n$" "^$"
    disk commit ${ov} ${base})
run(commit_foreign 2 "^$" "^lgsim: disk commit: overlay .*cow-cli-bad.lgcow: not an lgsim overlay" disk commit ${bad} ${base})
run(usage 2 "^$" "usage: lgsim disk commit OVERLAY BASE" disk frobnicate)
file(SHA256 ${base} after)
if(NOT after STREQUAL base_sum)
  string(APPEND failed "the base changed\n")
endif()
if(failed)
  message(FATAL_ERROR "${failed}")
endif()
