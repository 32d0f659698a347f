#!/usr/bin/env bash
# screenshots.sh - make the README's pictures of lgsim ui again, from the teaching guest: the
# session in ui/screenshots/watch-one-page-fault.script (a recorded run) and the one in
# ui/screenshots/live.script (lgsim --ui, the guest running under the window) write them into
# ui/screenshots/.  Headless: no display is needed.
set -euo pipefail
cd "$(dirname "$0")/.."
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build --target lgsim -j"$(nproc 2>/dev/null || echo 2)"
mkdir -p build/screenshots
build/sim/lgsim --trace=build/screenshots/teach.trc >/dev/null 2>&1
cd ui/screenshots
../../build/sim/lgsim ui ../../build/screenshots/teach.trc \
    --ui-script=watch-one-page-fault.script
../../build/sim/lgsim --ui --ui-script=live.script >/dev/null
echo "screenshots.sh: $(ls ./*.png | tr '\n' ' ')"
