# guest.cmake - build i386 code that runs *inside* the emulated machine (the Switcher, the host
# routine, test guests) with the system compiler in 32-bit freestanding mode.
#
#   LGSIM_GUEST_CC     compiler driver that accepts -m32 (gcc) or --target=i386-elf (clang)
#   LGSIM_GUEST_LD     linker that accepts -m elf_i386 (GNU ld or ld.lld)

# The host's compiler when it can target i386 ELF (gcc -m32 on Linux, any clang); MSVC, and
# MinGW's gcc (which writes PE objects), leave it to clang.
if(NOT LGSIM_GUEST_CC)
  if(CMAKE_C_COMPILER_ID MATCHES "Clang")
    set(LGSIM_GUEST_CC ${CMAKE_C_COMPILER} CACHE STRING "compiler for i386 guest-side code")
    set(LGSIM_GUEST_CFLAGS --target=i386-unknown-none-elf CACHE STRING "")
  elseif(WIN32 OR APPLE)
    find_program(LGSIM_GUEST_CC NAMES clang REQUIRED)
    set(LGSIM_GUEST_CFLAGS --target=i386-unknown-none-elf CACHE STRING "")
  else()
    set(LGSIM_GUEST_CC ${CMAKE_C_COMPILER} CACHE STRING "compiler for i386 guest-side code")
    set(LGSIM_GUEST_CFLAGS -m32 CACHE STRING "")
  endif()
endif()
if(NOT LGSIM_GUEST_LD)
  if(WIN32 OR APPLE)
    find_program(LGSIM_GUEST_LD NAMES ld.lld REQUIRED)   # Apple's ld and MinGW's write no ELF
  else()
    find_program(LGSIM_GUEST_LD NAMES ld ld.lld REQUIRED)
  endif()
endif()

set(LGSIM_GUEST_COMMON_FLAGS ${LGSIM_GUEST_CFLAGS} -ffreestanding -fno-pic -fno-pie
    -fno-stack-protector -fno-asynchronous-unwind-tables -nostdlib -O2 -Wall -Werror
    -fno-builtin -mno-sse -mno-mmx -march=i386 -fcf-protection=none
    # Debug info, so gdb shows source lines, walks frames and knows lguest_data's type.  It
    # changes no code or loaded byte, but the file's bytes (and so a trace header's hash of
    # the kernel) would depend on where the tree lies: the paths are written relative.
    -g -fdebug-prefix-map=${PROJECT_SOURCE_DIR}=. -fdebug-prefix-map=${PROJECT_BINARY_DIR}=build)

# Check once that the toolchain really produces i386 ELF code (a file of our own to compile:
# no /dev/null on Windows).
file(WRITE ${CMAKE_BINARY_DIR}/guestcheck.c "int lgsim_guestcheck(void) { return 1; }\n")
execute_process(COMMAND ${LGSIM_GUEST_CC} ${LGSIM_GUEST_CFLAGS} -ffreestanding -c
                ${CMAKE_BINARY_DIR}/guestcheck.c -o ${CMAKE_BINARY_DIR}/guestcheck.o
                RESULT_VARIABLE rc ERROR_VARIABLE msg)
if(rc EQUAL 0)
  execute_process(COMMAND ${LGSIM_GUEST_LD} -m elf_i386 -r -o ${CMAKE_BINARY_DIR}/guestcheck.r.o
                  ${CMAKE_BINARY_DIR}/guestcheck.o RESULT_VARIABLE rc ERROR_VARIABLE msg)
endif()
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "lgsim: the guest-side toolchain '${LGSIM_GUEST_CC} ${LGSIM_GUEST_CFLAGS}' "
          "with '${LGSIM_GUEST_LD}' cannot build 32-bit i386 ELF code (on Debian: apt-get "
          "install gcc-multilib; elsewhere clang and ld.lld, see README.md).\n${msg}")
endif()

# lgsim_guest_compile(OBJS_VAR OUT src...): compile each source to OUT.d/NAME.o; the list of
# objects goes into OBJS_VAR.
function(lgsim_guest_compile objs_var out)
  set(objs)
  foreach(src ${ARGN})
    get_filename_component(base ${src} NAME)
    set(o ${CMAKE_CURRENT_BINARY_DIR}/${out}.d/${base}.o)
    add_custom_command(OUTPUT ${o}
      COMMAND ${CMAKE_COMMAND} -E make_directory ${CMAKE_CURRENT_BINARY_DIR}/${out}.d
      COMMAND ${LGSIM_GUEST_CC} ${LGSIM_GUEST_COMMON_FLAGS}
              -I${PROJECT_SOURCE_DIR} -I${CMAKE_CURRENT_SOURCE_DIR} -c ${src} -o ${o}
      DEPENDS ${src} ${LGSIM_GUEST_HEADERS}
      WORKING_DIRECTORY ${CMAKE_CURRENT_SOURCE_DIR}
      COMMENT "i386 ${base}" VERBATIM)
    list(APPEND objs ${o})
  endforeach()
  set(${objs_var} ${objs} PARENT_SCOPE)
endfunction()

# lgsim_guest_object(OUT src.S|src.c ...): one relocatable ELF32 object from several sources.
function(lgsim_guest_object out)
  lgsim_guest_compile(objs ${out} ${ARGN})
  add_custom_command(OUTPUT ${CMAKE_CURRENT_BINARY_DIR}/${out}
    COMMAND ${LGSIM_GUEST_LD} -m elf_i386 -r -o ${CMAKE_CURRENT_BINARY_DIR}/${out} ${objs}
    DEPENDS ${objs} COMMENT "i386 link -r ${out}" VERBATIM)
endfunction()

# lgsim_guest_image(OUT ADDR src...): a statically linked ELF32 executable at ADDR (vmlinux-like).
function(lgsim_guest_image out addr)
  lgsim_guest_object(${out}.o ${ARGN})
  add_custom_command(OUTPUT ${CMAKE_CURRENT_BINARY_DIR}/${out}
    COMMAND ${LGSIM_GUEST_LD} -m elf_i386 -static -nostdlib -e _start -Ttext=${addr}
            --build-id=none -z noexecstack -o ${CMAKE_CURRENT_BINARY_DIR}/${out}
            ${CMAKE_CURRENT_BINARY_DIR}/${out}.o
    DEPENDS ${CMAKE_CURRENT_BINARY_DIR}/${out}.o COMMENT "i386 link ${out}" VERBATIM)
endfunction()

# lgsim_guest_image_script(OUT LDSCRIPT src...): a statically linked ELF32 executable laid out
# by a linker script, for kernels whose link (virtual) and load (physical) addresses differ or
# that place some files' sections apart.  The objects are linked directly, not through one
# "ld -r" object, so the script can select input sections by object name: SRC compiles to
# SRC_NAME.o (e.g. user.c -> user.c.o).
function(lgsim_guest_image_script out script)
  lgsim_guest_compile(objs ${out} ${ARGN})
  add_custom_command(OUTPUT ${CMAKE_CURRENT_BINARY_DIR}/${out}
    COMMAND ${LGSIM_GUEST_LD} -m elf_i386 -static -nostdlib -T ${script}
            --build-id=none -z noexecstack -o ${CMAKE_CURRENT_BINARY_DIR}/${out} ${objs}
    DEPENDS ${objs} ${script} COMMENT "i386 link ${out}" VERBATIM)
endfunction()

# lgsim_embed(TARGET_SRC_VAR FILE SYMBOL): generate a .c that holds FILE as const uint8_t SYMBOL[].
function(lgsim_embed var file sym)
  set(c ${CMAKE_CURRENT_BINARY_DIR}/${sym}.c)
  add_custom_command(OUTPUT ${c}
    COMMAND ${CMAKE_COMMAND} -DIN=${file} -DOUT=${c} -DNAME=${sym}
            -P ${PROJECT_SOURCE_DIR}/cmake/embed.cmake
    DEPENDS ${file} ${PROJECT_SOURCE_DIR}/cmake/embed.cmake VERBATIM)
  set(${var} ${c} PARENT_SCOPE)
endfunction()
