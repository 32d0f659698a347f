# boot.cmake - the boot protocol as 4.4 tools/lguest/lguest.c main() follows it: boot_params as
# the hello guest reads them at guest-physical 0, --initrd, argument order, refusals.
set(BOOT_DIR ${CMAKE_CURRENT_BINARY_DIR}/boot)
file(MAKE_DIRECTORY ${BOOT_DIR})
file(WRITE ${BOOT_DIR}/initrd.txt "lgsim initrd test\n")          # 18 bytes: one page
string(REPEAT "p" 4096 PAGE)
file(WRITE ${BOOT_DIR}/page.img "${PAGE}")                           # exactly one page
file(WRITE ${BOOT_DIR}/page1.img "${PAGE}q")                         # one byte more: two
file(WRITE ${BOOT_DIR}/empty.img "")
string(REPEAT "${PAGE}" 256 MIB)
file(WRITE ${BOOT_DIR}/1mib.img "${MIB}")

set(BP_E820 "e820: 1 entries; \\[0\\] addr 0x00000000 size 0x04000000 type 1 \\(high words 0x00000000 0x00000000\\)")
set(BP_HDR "hdr: version 0x00000207 loadflags 0x00000040 type_of_loader 0x00000000 kernel_alignment 0x01000000 hardware_subarch 0x00000001")
set(BP_HDR_INITRD "hdr: version 0x00000207 loadflags 0x00000040 type_of_loader 0x000000ff kernel_alignment 0x01000000 hardware_subarch 0x00000001")
# lguest does not copy a bzImage's setup header, and a vmlinux has none: all zero.
set(BP_NO_SETUP "hdr: code32_start 0x00000000 setup_sects 0 header 0x00000000")

lgsim_case(boot_params 0 ARGS 64m ${GUEST} boot=params console=hvc0 root=/dev/ram0
  OUT ${BP_E820} ${BP_HDR} ${BP_NO_SETUP}
      "cmdline at 0x00001000: \"boot=params console=hvc0 root=/dev/ram0\""
      "ramdisk: image 0x00000000 size 0x00000000" ${HELLO_OUT})
# 18 bytes at the top of 64 MiB, in a page of their own; the size the Guest sees is rounded.
lgsim_case(initrd 0 SAME ARGS --initrd=${BOOT_DIR}/initrd.txt 64 ${GUEST} boot=params
  OUT ${BP_HDR_INITRD} "ramdisk: image 0x03fff000 size 0x00001000"
      "initrd: lgsim initrd test\ninitrd: 18 bytes up to the first zero, zero from there to the end: yes")
lgsim_case(initrd_exact_page 0 ARGS --initrd=${BOOT_DIR}/page.img 32M ${GUEST} boot=params
  OUT "ramdisk: image 0x01fff000 size 0x00001000")
lgsim_case(initrd_page_and_a_byte 0 ARGS --initrd=${BOOT_DIR}/page1.img 32 ${GUEST} boot=params
  OUT "ramdisk: image 0x01ffe000 size 0x00002000" "initrd: 4097 bytes up to the first zero")
# An empty file: lguest maps nothing; image = the top of RAM, size 0, loader type still set.
lgsim_case(initrd_empty 0 ARGS --initrd=${BOOT_DIR}/empty.img 64 ${GUEST} boot=params
  OUT ${BP_HDR_INITRD} "ramdisk: image 0x04000000 size 0x00000000")
# getopt_long: options after MEM and KERNEL are still options (the write-up's command line),
# "--initrd FILE" works, and "--" ends them.
lgsim_case(initrd_after_kernel 0 ARGS 64m ${GUEST} --initrd=${BOOT_DIR}/initrd.txt boot=params
  OUT "cmdline at 0x00001000: \"boot=params\"" "ramdisk: image 0x03fff000 size 0x00001000")
lgsim_case(initrd_space_form 0 ARGS --initrd ${BOOT_DIR}/initrd.txt 64m ${GUEST} boot=params
  OUT "ramdisk: image 0x03fff000 size 0x00001000"
  ERR "lgsim: note: lguest 4.4 itself would read '.*initrd.txt' as MEM here")
lgsim_case(double_dash 0 ARGS --initrd=${BOOT_DIR}/initrd.txt -- 64 ${GUEST} boot=params -s --x
  OUT "cmdline at 0x00001000: \"boot=params -s --x\"")
lgsim_case(initrd_missing 2 ARGS --initrd=${BOOT_DIR}/no-such.img 64 ${GUEST}
  ERR "lgsim: initrd: cannot open .*no-such.img: No such file or directory")
lgsim_case(initrd_no_name 2 ARGS 64 ${GUEST} --initrd ERR "lgsim: --initrd needs a file name")
# 1 MiB cannot sit below the top of 2 MiB: the hello guest itself starts at 1 MiB.
lgsim_case(initrd_too_big 2 ARGS --initrd=${BOOT_DIR}/1mib.img 2 ${GUEST}
  ERR "initrd .*1mib.img \\(1048576 bytes, 0x100000 with its last page\\) does not fit in 2 MiB of guest memory above the kernel, which ends at 0x1[0-9a-f]+")
lgsim_case(initrd_fits 0 ARGS --initrd=${BOOT_DIR}/1mib.img 3 ${GUEST} boot=params
  OUT "ramdisk: image 0x00200000 size 0x00100000")

# The trace header names the initrd by file name, size and hash.
add_test(NAME trace_header_initrd COMMAND ${CMAKE_COMMAND} -DLGSIM=${LGSIM} -DGUEST=${GUEST}
         -DINITRD=${BOOT_DIR}/initrd.txt -DWORK=${BOOT_DIR}
         -P ${CMAKE_CURRENT_SOURCE_DIR}/trace_inputs.cmake)

# bzImage: the hello guest wrapped by mkbzimage (a setup header; the rest loaded at 1 MiB and
# entered at code32_start), as lguest 4.4's launcher loads any bzImage; then damaged copies.
add_executable(mkbzimage ${CMAKE_CURRENT_SOURCE_DIR}/mkbzimage.c)
target_compile_options(mkbzimage PRIVATE ${LGSIM_WARNINGS})
# Made when the tests run, not when lgsim is built: in a cross build mkbzimage is a program
# of the other system, run as the tests are (through CMAKE_CROSSCOMPILING_EMULATOR).
set(BZ_VARIANTS good bad-magic truncated setup-sects zimage)
foreach(v ${BZ_VARIANTS})
  add_test(NAME bzimage_make_${v} COMMAND mkbzimage ${GUEST} ${BOOT_DIR}/hello-${v}.bzImage ${v})
  set_tests_properties(bzimage_make_${v} PROPERTIES FIXTURES_SETUP bzimages)
endforeach()
set(BZ ${BOOT_DIR}/hello-good.bzImage)
# The setup header stays in the file: the Guest's boot_params hold none of it.
lgsim_case(bzimage 0 SAME ARGS --initrd=${BOOT_DIR}/initrd.txt 64 ${BZ} boot=params
  OUT ${BP_E820} ${BP_HDR_INITRD} ${BP_NO_SETUP} "ramdisk: image 0x03fff000 size 0x00001000"
      ${HELLO_OUT})
# Without symbols (a bzImage has none), the diagnoses go by the instruction and the state.
lgsim_case(bzimage_read_cr4_safe 1 ARGS 64 ${BZ} die=cr4
  ERR "diagnosis: 'mov %cr4,%eax' \\(no symbols to confirm it, but this is native_read_cr4_safe's instruction\\)"
      "fix: in lguest_init\\(\\)")
lgsim_case(bzimage_microcode_canary 1 ARGS 64 ${BZ} die=ucode
  ERR "%gs:0x14 is the stack-protector canary .*, which this function reads"
      "diagnosis: most likely the early microcode loader \\(no symbols to confirm it\\)"
      "ways out: put dis_ucode_ldr")
lgsim_case(bzimage_bad_magic 2 ARGS 64 ${BOOT_DIR}/hello-bad-magic.bzImage
  ERR "lgsim: not an ELF vmlinux or a bzImage \\(no \"HdrS\" setup header at offset 0x202\\)")
lgsim_case(bzimage_truncated 2 ARGS 64 ${BOOT_DIR}/hello-truncated.bzImage
  ERR "lgsim: bzImage is truncated: its header says 0x[0-9a-f]+ bytes of kernel after the setup sectors, the file has 0x[0-9a-f]+")
lgsim_case(bzimage_setup_sects 2 ARGS 64 ${BOOT_DIR}/hello-setup-sects.bzImage
  ERR "lgsim: bzImage is truncated: setup_sects 200 puts the kernel at offset 0x19200, but the file has [0-9]+ bytes")
lgsim_case(bzimage_zimage 2 ARGS 64 ${BOOT_DIR}/hello-zimage.bzImage
  ERR "lgsim: a zImage, not a bzImage \\(LOADED_HIGH clear in loadflags\\)")
lgsim_case(bzimage_too_big 2 ARGS 1 ${BZ} ERR "lgsim: bzImage: [0-9]+ bytes at 1 MiB do not fit in 1 MiB")
set_tests_properties(guest_bzimage guest_bzimage_read_cr4_safe guest_bzimage_microcode_canary
                     guest_bzimage_bad_magic guest_bzimage_truncated guest_bzimage_setup_sects
                     guest_bzimage_zimage guest_bzimage_too_big
                     PROPERTIES FIXTURES_REQUIRED bzimages)
