# mingw-w64.cmake - a CMake toolchain for 64-bit Windows with MinGW-w64's gcc (Debian's
# gcc-mingw-w64-x86-64, or MSYS2's):
#   cmake -S . -B build-win -DCMAKE_TOOLCHAIN_FILE=cmake/mingw-w64.cmake
# The Windows builds of the dependencies are found through pkg-config: set PKG_CONFIG_LIBDIR
# to their lib/pkgconfig folder.  The guest side (i386 ELF, run inside the emulated machine)
# is built by this machine's clang and ld.lld, as on Windows itself.
set(CMAKE_SYSTEM_NAME Windows)
set(CMAKE_SYSTEM_PROCESSOR x86_64)
set(LGSIM_MINGW_TRIPLE x86_64-w64-mingw32 CACHE STRING "the MinGW-w64 tools' prefix")
set(CMAKE_C_COMPILER ${LGSIM_MINGW_TRIPLE}-gcc)
set(CMAKE_RC_COMPILER ${LGSIM_MINGW_TRIPLE}-windres)
# Only the dependencies' .pc files say where their Windows builds are; nothing of this
# machine's own libraries is taken.
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(LGSIM_GUEST_CC clang CACHE STRING "compiler for i386 guest-side code")
set(LGSIM_GUEST_CFLAGS --target=i386-unknown-none-elf CACHE STRING "")
set(LGSIM_GUEST_LD ld.lld CACHE STRING "linker for i386 guest-side code")
# Tests that run a built program run it through Wine, when it is here.
find_program(LGSIM_WINE NAMES wine64 wine PATHS /usr/lib/wine)   # Debian keeps wine64 there
if(LGSIM_WINE)
  set(CMAKE_CROSSCOMPILING_EMULATOR ${LGSIM_WINE})
endif()
