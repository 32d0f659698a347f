#!/usr/bin/env bash
# test.sh - install what is missing, build lgsim, run every test.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh --test
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$(nproc 2>/dev/null || echo 2)"
(cd build && ctest --output-on-failure -j2)
# Portability: every source compiled for Windows, and the portable core as macOS has it.
bash scripts/cross-check.sh build/cross
