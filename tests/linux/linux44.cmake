# linux44.cmake - real Linux 4.4 Guests, when the environment names them (skipped otherwise):
#   LGSIM_LINUX_44_1        vmlinux of 4.4.1, CONFIG_MICROCODE=n: boots
#   LGSIM_LINUX_44_1_BZIMAGE  its bzImage: lguest enters the decompressor at 1 MiB, it boots
#   LGSIM_LINUX_44_1_MC     vmlinux of 4.4.1 with CONFIG_MICROCODE=y and the stack protector
#   LGSIM_LINUX_44_178      vmlinux of 4.4.178, CONFIG_MICROCODE=n: dies in native_read_cr4_safe
#   LGSIM_LINUX_44_178_FIX  the same with pv_cpu_ops.read_cr4_safe = lguest_read_cr4: boots
#   LGSIM_LINUX_44_INITRD   an initramfs (gzipped cpio) whose /init mounts /dev/vda (if any) on
#                           /mnt and starts a shell on the console (/dev/hvc0)
#   LGSIM_LINUX_44_BLOCK    an ext2 image for root=/dev/vda (copied before the tests write)
# Without a root device every booting kernel ends in "VFS: Unable to mount root fs", which
# lguest reports as a CRASH (exit 1): that is the mark of a whole boot here.
function(linux44_case name vars exit)
  cmake_parse_arguments(A "" "INPUT;DISK_FROM;DISK;REMOVE" "ARGS;OUT;ERR" ${ARGN})
  string(REPLACE ";" "@@" cmd "${LGSIM};--max-time=5000;${A_ARGS}")
  string(REPLACE ";" "@@" out "${A_OUT}")
  string(REPLACE ";" "@@" err "${A_ERR}")
  string(REPLACE ";" "@@" v "${vars}")
  add_test(NAME linux44_${name} COMMAND ${CMAKE_COMMAND} "-DCMD=${cmd}" -DEXIT=${exit}
           "-DVARS=${v}" "-DWANT_OUT=${out}" "-DWANT_ERR=${err}" "-DINPUT=${A_INPUT}"
           "-DDISK_FROM=${A_DISK_FROM}" "-DDISK=${A_DISK}" "-DREMOVE=${A_REMOVE}"
           -P ${CMAKE_CURRENT_SOURCE_DIR}/run_linux44.cmake)
  set_tests_properties(linux44_${name} PROPERTIES SKIP_REGULAR_EXPRESSION "SKIPPED:" TIMEOUT 300)
endfunction()

set(VFS "lgsim: CRASH: VFS: Unable to mount root fs on unknown-block\\(0,0\\)")
set(REAL_REINJECT "lgsim: Reinjecting trap 13 for fault at 0x[0-9a-f]+: Invalid argument\n")
linux44_case(4_4_1_boots LGSIM_LINUX_44_1 1 ARGS 64m %LGSIM_LINUX_44_1% console=hvc0
  OUT "Linux version 4.4.1 " "Booting paravirtualized kernel on lguest" ERR ${VFS})
# The write-up's command line, to a busybox shell that reads commands from stdin: the initrd's
# /init mounts the disk (root=/dev/vda) on /mnt; a file written there is on the disk at the
# next boot.  LGSIM_LINUX_44_BLOCK is an ext2 image (copied first: the test writes to it).
set(DISK ${CMAKE_CURRENT_BINARY_DIR}/linux44-disk.img)
linux44_case(4_4_1_initrd "LGSIM_LINUX_44_1;LGSIM_LINUX_44_INITRD" 0
  ARGS 64m %LGSIM_LINUX_44_1% --initrd=%LGSIM_LINUX_44_INITRD% console=hvc0
  INPUT ${CMAKE_CURRENT_SOURCE_DIR}/linux44_poweroff.txt
  OUT "RAMDISK: \\[mem 0x0[0-9a-f]+-0x03ffffff\\]" "Unpacking initramfs" "Freeing initrd memory"
      "hi from the shell" "reboot: Power down" ERR "lgsim: CRASH: Power down")
linux44_case(4_4_1_shell_writes_disk "LGSIM_LINUX_44_1;LGSIM_LINUX_44_INITRD;LGSIM_LINUX_44_BLOCK" 0
  ARGS 64m %LGSIM_LINUX_44_1% --initrd=%LGSIM_LINUX_44_INITRD% --block=%DISK% root=/dev/vda
  INPUT ${CMAKE_CURRENT_SOURCE_DIR}/linux44_write.txt DISK_FROM LGSIM_LINUX_44_BLOCK DISK ${DISK}
  OUT "mounted on /mnt" "cat /mnt/lgsim-test.txt\r?\nwritten by lgsim's test" "reboot: Power down")
linux44_case(4_4_1_shell_reads_disk "LGSIM_LINUX_44_1;LGSIM_LINUX_44_INITRD;LGSIM_LINUX_44_BLOCK" 0
  ARGS 64m %LGSIM_LINUX_44_1% --initrd=%LGSIM_LINUX_44_INITRD% --block=%DISK% root=/dev/vda
  INPUT ${CMAKE_CURRENT_SOURCE_DIR}/linux44_read.txt DISK ${DISK}
  OUT "\\[persisted\\] written by lgsim's test" "reboot: Power down")
set_tests_properties(linux44_4_4_1_shell_writes_disk PROPERTIES FIXTURES_SETUP linux44_disk)
set_tests_properties(linux44_4_4_1_shell_reads_disk PROPERTIES FIXTURES_REQUIRED linux44_disk)
# Copy-on-write: the shell's file goes into the overlay (made afresh), is there at the next boot
# on the same overlay, and the base never saw it (read through a snapshot overlay).
set(COW_BASE ${CMAKE_CURRENT_BINARY_DIR}/linux44-cow-base.img)
set(COW_OV ${CMAKE_CURRENT_BINARY_DIR}/linux44-cow.lgcow)
set(LINUX_VARS "LGSIM_LINUX_44_1;LGSIM_LINUX_44_INITRD;LGSIM_LINUX_44_BLOCK")
linux44_case(4_4_1_overlay_writes "${LINUX_VARS}" 0
  ARGS 64m %LGSIM_LINUX_44_1% --initrd=%LGSIM_LINUX_44_INITRD% --block=%DISK%,overlay=${COW_OV}
       root=/dev/vda
  INPUT ${CMAKE_CURRENT_SOURCE_DIR}/linux44_write.txt DISK_FROM LGSIM_LINUX_44_BLOCK
  DISK ${COW_BASE} REMOVE ${COW_OV}
  OUT "mounted on /mnt" "cat /mnt/lgsim-test.txt\r?\nwritten by lgsim's test" "reboot: Power down")
linux44_case(4_4_1_overlay_reads "${LINUX_VARS}" 0
  ARGS 64m %LGSIM_LINUX_44_1% --initrd=%LGSIM_LINUX_44_INITRD% --block=%DISK%,overlay=${COW_OV}
       root=/dev/vda
  INPUT ${CMAKE_CURRENT_SOURCE_DIR}/linux44_read.txt DISK ${COW_BASE}
  OUT "\\[persisted\\] written by lgsim's test" "reboot: Power down")
linux44_case(4_4_1_overlay_base_untouched "${LINUX_VARS}" 0
  ARGS 64m %LGSIM_LINUX_44_1% --initrd=%LGSIM_LINUX_44_INITRD% --block=%DISK%,snapshot
       root=/dev/vda
  INPUT ${CMAKE_CURRENT_SOURCE_DIR}/linux44_read.txt DISK ${COW_BASE}
  OUT "can't open '/mnt/lgsim-test.txt'" "reboot: Power down")
set_tests_properties(linux44_4_4_1_overlay_writes PROPERTIES FIXTURES_SETUP linux44_cow)
set_tests_properties(linux44_4_4_1_overlay_reads linux44_4_4_1_overlay_base_untouched
                     PROPERTIES FIXTURES_REQUIRED linux44_cow)
linux44_case(4_4_1_bzimage LGSIM_LINUX_44_1_BZIMAGE 1 ARGS 64m %LGSIM_LINUX_44_1_BZIMAGE% console=hvc0
  OUT "Linux version 4.4.1 " ERR ${VFS})
# The write-up's kernel: real lguest dies at load_ucode_intel_bsp's canary load; lgsim reaches
# the same loader's rdmsr (see diagnose.c's note) and says both.
linux44_case(4_4_1_microcode LGSIM_LINUX_44_1_MC 1 ARGS 64m %LGSIM_LINUX_44_1_MC% console=hvc0
  ERR "lgsim: Reinjecting trap 13 for fault at 0x[0-9a-f]+: Invalid argument\n"
      "<load_ucode_intel_bsp\\+0x[0-9a-f]+>" "faulting instruction: 65 a1 14 00 00 00 "
      "stack-protector canary" "early microcode loader" "ways out: put dis_ucode_ldr")
linux44_case(4_4_1_microcode_dis_ucode_ldr LGSIM_LINUX_44_1_MC 1
  ARGS 64m %LGSIM_LINUX_44_1_MC% console=hvc0 dis_ucode_ldr ERR ${VFS})
linux44_case(4_4_178_read_cr4_safe LGSIM_LINUX_44_178 1 ARGS 64m %LGSIM_LINUX_44_178% console=hvc0
  ERR "lgsim: Reinjecting trap 13 for fault at 0xc1[0-9a-f]+: Invalid argument\n"
      "<native_read_cr4_safe\\+0x[0-9a-f]+>" "faulting instruction: 0f 20 e0"
      "called from i386_start_kernel\\+" "pv_cpu_ops.read_cr4_safe = lguest_read_cr4;")
linux44_case(4_4_178_fixed LGSIM_LINUX_44_178_FIX 1 ARGS 64m %LGSIM_LINUX_44_178_FIX% console=hvc0
  OUT "Linux version 4.4.178" ERR ${VFS})

# The shell session above, recorded, then replayed from its trace with stdin at /dev/null
# (--replay): the same console output and the same trace.
add_test(NAME linux44_4_4_1_replay COMMAND ${CMAKE_COMMAND} -DLGSIM=${LGSIM}
         "-DVARS=LGSIM_LINUX_44_1@@LGSIM_LINUX_44_INITRD"
         "-DARGS=--max-time=5000@@64m@@%LGSIM_LINUX_44_1%@@--initrd=%LGSIM_LINUX_44_INITRD%@@console=hvc0"
         -DINPUT=${CMAKE_CURRENT_SOURCE_DIR}/linux44_poweroff.txt -DDIR=${CMAKE_CURRENT_BINARY_DIR}
         -DNAME=linux44 "-DWANT_OUT=hi from the shell" -P ${PROJECT_SOURCE_DIR}/tests/sim/launcher/replay.cmake)
set_tests_properties(linux44_4_4_1_replay PROPERTIES SKIP_REGULAR_EXPRESSION "SKIPPED:" TIMEOUT 300)
