#!/bin/bash
# Builds weir-bench-core (unless given a build directory that has it) and runs it, after printing the
# machine facts that go with the figures.
#
#   bench/run.sh [--build-dir DIR] [weir-bench-core options...]
#
# Without --build-dir it configures the repository in ./build-bench (the project's default build type) and builds only the
# benchmark target. Everything it starts runs on 127.0.0.1 and ends by itself.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=
if [ "${1:-}" = "--build-dir" ]; then
    BUILD=${2:?--build-dir needs a directory}
    shift 2
fi

if [ -z "$BUILD" ]; then
    BUILD=$PWD/build-bench
    cmake -S "$ROOT" -B "$BUILD" -DWEIR_BUILD_TESTS=ON >/dev/null
    cmake --build "$BUILD" -j"$(nproc)" --target weir-bench-core >/dev/null
fi
BIN=$(find "$BUILD" -name weir-bench-core -type f -perm -u+x | head -n1)
[ -n "$BIN" ] || { echo "run.sh: no weir-bench-core under $BUILD (build the target first)" >&2; exit 1; }

cpu=$(lscpu 2>/dev/null | sed -n 's/^Model name: *//p' | head -n1)
[ -n "$cpu" ] || cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n1)
echo "kernel:   $(uname -r)"
echo "cpu:      $cpu"
echo "cores:    $(nproc) online ($(grep -c ^processor /proc/cpuinfo) in /proc/cpuinfo)"
echo "load:     $(cut -d' ' -f1-3 /proc/loadavg) (1/5/15 min, before the run)"
echo "binary:   $BIN ($(grep -m1 '^CMAKE_BUILD_TYPE' "$BUILD/CMakeCache.txt" 2>/dev/null | cut -d= -f2 || echo '?'))"
echo "command:  weir-bench-core $*"
exec "$BIN" "$@"
