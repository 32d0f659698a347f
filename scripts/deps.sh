#!/usr/bin/env bash
# deps.sh - install what lgsim needs to build and test, only what is missing.
#
# Debian/Ubuntu: apt-get. Debian bookworm's own archive has only Unicorn 2.0.1, which ignores
# page-table translation, so on bookworm the Unicorn packages (and nothing else) come from the
# trixie suite of the mirror this machine already uses. See README.md for macOS and Windows.
set -euo pipefail

need_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

unicorn_ok() {
  pkg-config --exists 'unicorn >= 2.1' 2>/dev/null
}

pkgconfig_ok() {
  command -v cmake >/dev/null && command -v cc >/dev/null && command -v pkg-config >/dev/null &&
  pkg-config --exists capstone sdl2 SDL2_ttf zlib slirp 2>/dev/null && unicorn_ok &&
  i386_toolchain_ok && ui_font_ok
}

# The window (lgsim ui) writes with DejaVu Sans Mono (Debian: fonts-dejavu-core).
ui_font_ok() {
  [ "$(uname -s)" != Linux ] || [ -f /usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf ] ||
    { command -v fc-list >/dev/null && fc-list | grep -q "DejaVu Sans Mono"; }
}

# The guest side (Switcher, test guests) is built with the system compiler in 32-bit mode.
i386_toolchain_ok() {
  local t; t=$(mktemp -d)
  printf 'int f(void){return 1;}\n' > "$t/a.c"
  if cc -m32 -ffreestanding -c "$t/a.c" -o "$t/a.o" 2>/dev/null &&
     ld -m elf_i386 -r "$t/a.o" -o "$t/b.o" 2>/dev/null; then rm -rf "$t"; return 0; fi
  rm -rf "$t"; return 1
}

# The first "Types: deb" stanza (deb822) or "deb" line whose suite is $1: print its URI.
mirror_for_suite() {
  local suite=$1 f
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] || continue
    awk -v s="$suite" '
      /^[[:space:]]*$/ { if (uri != "" && hit) { print uri; exit } uri=""; hit=0; next }
      /^URIs:/   { uri=$2 }
      /^Suites:/ { for (i = 2; i <= NF; i++) if ($i == s) hit=1 }
      END { if (uri != "" && hit) print uri }' "$f"
  done
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [ -f "$f" ] || continue
    awk -v s="$suite" '$1 == "deb" && $0 !~ /\[/ && $3 == s { print $2; exit }
                       $1 == "deb" && $0 ~ /\]/ { for (i=1;i<=NF;i++) if ($i ~ /\]$/) { if ($(i+2) == s) { print $(i+1); exit } } }' "$f"
  done
}

add_trixie_for_unicorn() {
  local uri
  uri=$(mirror_for_suite bookworm | head -n 1)
  if [ -z "$uri" ]; then
    echo "deps.sh: cannot find the Debian mirror of this machine's bookworm entry in /etc/apt;" >&2
    echo "         install Unicorn >= 2.1 by hand (see README.md)." >&2
    exit 1
  fi
  echo "deps.sh: adding the trixie suite of $uri, pinned so that only Unicorn comes from it"
  need_root tee /etc/apt/sources.list.d/lgsim-trixie.sources >/dev/null <<SRC
Types: deb
URIs: $uri
Suites: trixie
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
  # Nothing from trixie unless asked for by name; the Unicorn packages are preferred from it.
  need_root tee /etc/apt/preferences.d/lgsim-trixie >/dev/null <<'PIN'
Package: *
Pin: release n=trixie
Pin-Priority: 1

Package: libunicorn-dev libunicorn2 libunicorn2t64
Pin: release n=trixie
Pin-Priority: 990
PIN
}

install_debian() {
  # libslirp-dev is optional for the build: without it --net=user says it is missing.  So are
  # libsdl2-dev and libsdl2-ttf-dev: without them "lgsim ui" says this build has no UI.
  local pkgs="cmake gcc gcc-multilib binutils pkg-config libcapstone-dev libsdl2-dev zlib1g-dev
              libslirp-dev libsdl2-ttf-dev fonts-dejavu-core"
  export DEBIAN_FRONTEND=noninteractive
  need_root apt-get update -qq
  # shellcheck disable=SC2086
  need_root apt-get install -y -qq --no-install-recommends $pkgs >/dev/null
  if ! unicorn_ok; then
    local cand
    cand=$(apt-cache policy libunicorn-dev | awk '/Candidate:/ { print $2 }')
    if dpkg --compare-versions "${cand:-0}" lt 2.1; then
      . /etc/os-release
      if [ "${VERSION_CODENAME:-}" != bookworm ]; then
        echo "deps.sh: this system offers Unicorn ${cand:-none}; lgsim needs >= 2.1" >&2
        exit 1
      fi
      add_trixie_for_unicorn
      need_root apt-get update -qq
    fi
    need_root apt-get install -y -qq --no-install-recommends libunicorn-dev >/dev/null
  fi
  unicorn_ok || { echo "deps.sh: Unicorn >= 2.1 is still missing after installing" >&2; exit 1; }
}

# The test suite also drives real gdb, from python3 scripts (tests/debug); scripts/test.sh's
# portability check (scripts/cross-check.sh) compiles for Windows with MinGW-w64's gcc and
# builds the guest side for it with clang and ld.lld.
test_tools_ok() {
  command -v gdb >/dev/null && command -v python3 >/dev/null &&
    command -v x86_64-w64-mingw32-gcc >/dev/null && command -v clang >/dev/null &&
    command -v ld.lld >/dev/null
}

main() {
  if pkgconfig_ok && { [ "${1:-}" != --test ] || test_tools_ok; }; then
    return 0
  fi
  if command -v apt-get >/dev/null; then
    install_debian
    [ "${1:-}" = --test ] &&
      need_root apt-get install -y -qq --no-install-recommends gdb python3 \
        gcc-mingw-w64-x86-64 clang lld >/dev/null
    return 0
  fi
  case "$(uname -s)" in
    Darwin) echo "deps.sh: on macOS run: brew install cmake pkg-config unicorn capstone sdl2 sdl2_ttf zlib libslirp x86_64-elf-binutils llvm" >&2 ;;
    *)      echo "deps.sh: no apt-get here; install CMake, pkg-config, Unicorn >= 2.1, Capstone, zlib, SDL2 and SDL2_ttf with a monospace font (optional: lgsim ui), libslirp (optional: --net=user) and a 32-bit capable C compiler (see README.md)" >&2 ;;
  esac
  exit 1
}

main "$@"
