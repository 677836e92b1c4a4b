#!/usr/bin/env bash
# The README's test command: installs the dependencies, builds, runs the whole ctest suite
# (unit, gui, packaging, and the root-only netns/D-Bus/Polkit integration tests).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "$(id -u)" != 0 ]; then
    echo "scripts/test.sh must run as root (it installs packages and creates network namespaces): sudo $0" >&2
    exit 1
fi
scripts/install-deps.sh
cmake -S . -B build -G "Unix Makefiles" -DCMAKE_BUILD_TYPE=RelWithDebInfo
cmake --build build -j"$(nproc)"
# A private runtime dir keeps Qt quiet and nothing of the user's session is touched.
XDG_RUNTIME_DIR=$(mktemp -d /tmp/weir-test-runtime.XXXXXX)
export XDG_RUNTIME_DIR
trap 'rm -rf "$XDG_RUNTIME_DIR"' EXIT
ctest --test-dir build --output-on-failure --timeout 600
