#!/usr/bin/env bash
# quickstart.sh - install what is missing, build lgsim, run the built-in demo guest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$(nproc 2>/dev/null || echo 2)"
./build/sim/lgsim
