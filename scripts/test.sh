#!/usr/bin/env bash
# test.sh - install what is missing, build lgsim, run every test; then build it again with
# AddressSanitizer and UBSan (build-asan/) and run every test there too.
#   LGSIM_TEST_SANITIZE=0 scripts/test.sh   skips the sanitizer half
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh --test
jobs="$(nproc 2>/dev/null || echo 2)"

suite() {   # suite BUILD_DIR [cmake options...]: configure, build, run every test, say how long
    local dir=$1
    shift
    cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" >/dev/null
    cmake --build "$dir" -j"$jobs"
    local start=$SECONDS
    (cd "$dir" && ctest --output-on-failure -j2)
    echo "test.sh: $dir: the suite took $((SECONDS - start)) s"
}

suite build
if [ "${LGSIM_TEST_SANITIZE:-1}" != 0 ]; then
    suite build-asan -DLGSIM_SANITIZE=address,undefined
fi
# Portability: every source compiled for Windows, and the portable core as macOS has it.
bash scripts/cross-check.sh build/cross
