#!/usr/bin/env bash
# bless-traces.sh - re-record the golden traces in tests/golden after an intended change.
# Review first: ctest -R '^golden_' shows what differs (tests/golden/README.md).
set -euo pipefail
cd "$(dirname "$0")/.."
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$(nproc 2>/dev/null || echo 2)" --target bless-traces
git status --short -- tests/golden
echo "bless-traces: review the changes above, then commit them with the change that caused them"
