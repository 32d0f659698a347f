#!/usr/bin/env bash
# cross-check.sh - lgsim's portability check: every host-side source compiled for Windows by
# MinGW-w64's gcc, warnings as errors, against the dependencies' headers as this system has
# them; and a build of the portable core with no GNU or BSD extension on offer (what macOS's
# libc has in common with glibc).  A POSIX-only or Linux-only call outside the platform files,
# or a non-portable construct, fails here.  Nothing is linked for Windows: only headers are
# needed, not Windows builds of the libraries.
#   scripts/cross-check.sh [BUILD_DIR]      (default build-cross)
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-build-cross}
mkdir -p "$out"
out=$(cd "$out" && pwd)
triple=x86_64-w64-mingw32
command -v $triple-gcc >/dev/null ||
  { echo "cross-check.sh: $triple-gcc is missing (Debian: apt-get install gcc-mingw-w64-x86-64)" >&2; exit 1; }
command -v clang >/dev/null && command -v ld.lld >/dev/null ||
  { echo "cross-check.sh: clang and ld.lld build the guest side for Windows (Debian: apt-get install clang lld)" >&2; exit 1; }

# --- the dependencies' headers, without the rest of this system's include folder ---
deps=$out/deps
rm -rf "$deps"
mkdir -p "$deps/include/SDL2" "$deps/pkgconfig"
header_dir() {   # the folder that holds header $2 of this system's pkg-config module $1
  local d
  for d in $(pkg-config --cflags-only-I "$1" | sed 's/-I//g') "$(pkg-config --variable=includedir "$1")"; do
    for d in "$d" "$(dirname "$d")"; do
      [ -f "$d/$2" ] && { echo "$d"; return 0; }
    done
  done
  echo "cross-check.sh: no $2 from pkg-config module $1 (scripts/deps.sh installs it)" >&2
  return 1
}
unicorn=$(header_dir unicorn unicorn/unicorn.h)
capstone=$(header_dir capstone capstone/capstone.h)
zlib=$(header_dir zlib zlib.h)
slirp=$(header_dir slirp libslirp.h)
sdl=$(header_dir sdl2 SDL.h)
ttf=$(header_dir SDL2_ttf SDL_ttf.h)
ln -s "$unicorn/unicorn" "$capstone/capstone" "$zlib/zlib.h" "$zlib/zconf.h" "$deps/include/"
ln -s "$slirp" "$deps/include/slirp"
# Copies, not links: the compiler looks for a header's own includes beside the file it
# really is, and this system's SDL_config.h is not for Windows.
for h in "$sdl"/*.h "$ttf/SDL_ttf.h"; do
  [ "$(basename "$h")" = SDL_config.h ] || cp "$h" "$deps/include/SDL2/"
done
# This system's SDL_config.h describes its own build of SDL2; a Windows one says only what
# the headers need to know of the C library there.
cat > "$deps/include/SDL2/SDL_config.h" <<'SDLCONFIG'
/* SDL_config.h for checking lgsim against SDL2's headers as a Windows build would see them */
#ifndef SDL_config_h_
#define SDL_config_h_
#include "SDL_platform.h"
#define HAVE_LIBC 1
#define STDC_HEADERS 1
#define HAVE_STDARG_H 1
#define HAVE_STDDEF_H 1
#define HAVE_STDINT_H 1
#define HAVE_STDIO_H 1
#define HAVE_STDLIB_H 1
#define HAVE_STRING_H 1
#define HAVE_INTTYPES_H 1
#define HAVE_LIMITS_H 1
#define HAVE_FLOAT_H 1
#define HAVE_MATH_H 1
#define HAVE_CTYPE_H 1
#endif
SDLCONFIG
pc() {   # pc NAME VERSION CFLAGS: a .pc file with headers only
  printf 'Name: %s\nDescription: %s headers for the cross check\nVersion: %s\nCflags: %s\nLibs:\n' \
    "$1" "$1" "$2" "$3" > "$deps/pkgconfig/$1.pc"
}
inc=$deps/include
pc unicorn "$(pkg-config --modversion unicorn)" "-I$inc"
pc capstone "$(pkg-config --modversion capstone)" "-I$inc -I$inc/capstone"
pc zlib "$(pkg-config --modversion zlib)" "-I$inc"
pc slirp "$(pkg-config --modversion slirp)" "-I$inc/slirp"
pc sdl2 "$(pkg-config --modversion sdl2)" "-I$inc/SDL2"
pc SDL2_ttf "$(pkg-config --modversion SDL2_ttf)" "-I$inc/SDL2"

failed=0
# Build all there is to build, past the first error: one run shows every file that fails.
build_all() { cmake --build "$1" -j"${JOBS:-2}" -- -k; }

# --- Windows: every source, compiled (configured afresh: pkg-config's answers are cached) ---
rm -rf "$out/windows"
if PKG_CONFIG_LIBDIR=$deps/pkgconfig PKG_CONFIG_PATH= \
     cmake -S . -B "$out/windows" -G "Unix Makefiles" \
           -DCMAKE_TOOLCHAIN_FILE="$PWD/cmake/mingw-w64.cmake" -DLGSIM_COMPILE_ONLY=ON \
           -DCMAKE_BUILD_TYPE=RelWithDebInfo >"$out/windows.configure.log" &&
   build_all "$out/windows"; then
  echo "cross-check.sh: Windows (MinGW-w64): every source compiles"
else
  echo "cross-check.sh: Windows (MinGW-w64): FAILED (see above; configure: $out/windows.configure.log)" >&2
  failed=1
fi

# --- the portable core as macOS's libc offers it: ISO C and POSIX, no GNU or BSD extension ---
# Every source but the Linux-only ones (*_linux.c), compiled by this system's compiler as C11
# with warnings as errors; then each is preprocessed again to see that none asked glibc for
# its GNU or BSD extras (_GNU_SOURCE, _DEFAULT_SOURCE: glibc's __USE_GNU and __USE_MISC) and
# that none includes a Linux-only header.
rm -rf "$out/strict"
core_ok=1
cmake -S . -B "$out/strict" -G "Unix Makefiles" -DLGSIM_COMPILE_ONLY=ON \
      -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_EXPORT_COMPILE_COMMANDS=ON \
      >"$out/strict.configure.log" || { cat "$out/strict.configure.log" >&2; exit 1; }
build_all "$out/strict" || core_ok=0
python3 - "$out/strict/compile_commands.json" "$PWD" <<'PY' || core_ok=0
import json, os, re, shlex, subprocess, sys
linux_only = re.compile(r'#\s*include\s*<(linux/|asm/|sys/(epoll|inotify|prctl|sysinfo|sendfile|'
                        r'eventfd|signalfd|timerfd|vfs|statfs)\.h|malloc\.h|endian\.h|'
                        r'byteswap\.h|error\.h|mcheck\.h)')
bad = []
for e in json.load(open(sys.argv[1])):
    src = os.path.realpath(e['file'])
    if not src.startswith(sys.argv[2] + os.sep) or src.endswith('_linux.c'):
        continue
    rel = os.path.relpath(src, sys.argv[2])
    for n, line in enumerate(open(src, errors='replace'), 1):
        if linux_only.match(line.strip()):
            bad.append('%s:%d: a Linux-only header outside a *_linux.c file: %s' % (rel, n, line.strip()))
    argv = shlex.split(e['command'])
    keep, skip = [], False
    for a in argv:
        if skip: skip = False; continue
        if a == '-o': skip = True; continue
        if a == '-c': continue
        keep.append(a)
    pp = subprocess.run(keep + ['-E', '-dM'], cwd=e['directory'], capture_output=True,
                        text=True)
    if pp.returncode:
        bad.append('%s: does not preprocess (see the build above)' % rel)
    macros = pp.stdout
    for m, why in (('__USE_GNU', '_GNU_SOURCE'), ('__USE_MISC', '_DEFAULT_SOURCE or _BSD_SOURCE')):
        if re.search(r'^#define %s\b' % m, macros, re.M):
            bad.append('%s: asks for glibc extensions (%s); macOS has none of them' % (rel, why))
for b in sorted(set(bad)):
    print('cross-check.sh: ' + b, file=sys.stderr)
sys.exit(1 if bad else 0)
PY
if [ $core_ok = 1 ]; then
  echo "cross-check.sh: the portable core: ISO C and POSIX only, no Linux-only header"
else
  echo "cross-check.sh: the portable core: FAILED (see above)" >&2
  failed=1
fi
exit $failed
