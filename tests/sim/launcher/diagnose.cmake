# diagnose.cmake - the two documented deaths of real 4.4 kernels under lguest, reproduced by the
# hello guest under the kernel's function names (its symbols stand in for vmlinux's): each ends
# with real lguest's line, then lgsim's diagnosis and the way out.
set(REINJECT "lgsim: Reinjecting trap 13 for fault at 0x[0-9a-f]+: Invalid argument\n")
lgsim_case(diagnose_read_cr4_safe 1 ARGS 64 ${GUEST} die=cr4
  ERR ${REINJECT} "<native_read_cr4_safe\\+0x2>, cpl 1"
      "faulting instruction: 0f 20 e0 +mov eax, cr4"
      "diagnosis: native_read_cr4_safe reads %cr4 natively"
      "called from i386_start_kernel\\+0x5"
      "fix: in lguest_init\\(\\) \\(arch/x86/lguest/boot.c\\) add 'pv_cpu_ops.read_cr4_safe = lguest_read_cr4;'"
      "early 4.4 kernel \\(4.4.0, 4.4.1")
lgsim_case(diagnose_microcode_canary 1 ARGS 64 ${GUEST} die=ucode
  ERR ${REINJECT} "<load_ucode_intel_bsp\\+0x6>, cpl 1.* gs=0000"
      "faulting instruction: 65 a1 14 00 00 00 +mov eax, dword ptr gs:\\[0x14\\]"
      "%gs:0x14 is the stack-protector canary"
      "diagnosis: load_ucode_intel_bsp is the early microcode loader"
      "ways out: put dis_ucode_ldr on the kernel command line .*, or build the Guest with CONFIG_MICROCODE=n")
# With dis_ucode_ldr already given, only the other way out is offered.
lgsim_case(diagnose_microcode_dis_given 1 ARGS 64 ${GUEST} die=ucode dis_ucode_ldr
  ERR "ways out: build the Guest with CONFIG_MICROCODE=n")
lgsim_case(diagnose_microcode_rdmsr 1 ARGS 64 ${GUEST} die=rdmsr
  ERR ${REINJECT} "faulting instruction: 0f 32 +rdmsr"
      "diagnosis: rdmsr is privileged"
      "collect_cpu_info_early is the early microcode loader" "ways out: put dis_ucode_ldr")
