#!/usr/bin/env bash
# The README's test command: installs the dependencies, builds with the tests (WEIR_BUILD_TESTS=ON),
# runs the whole ctest suite (unit, gui, packaging, and the root-only netns/D-Bus/Polkit integration
# and fault tests), builds the Debian packages and tests installing and purging them, then builds the
# whole project again under AddressSanitizer and UndefinedBehaviorSanitizer (build-asan, clang) and
# runs its unit, D-Bus, netns and fault tests there, and runs the libFuzzer targets for a bounded
# time each (build-fuzz, clang; WEIR_FUZZ_SECONDS per fuzzer, default 30).
# Works from a user's shell (it asks sudo, else pkexec, for root) and from a root shell.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/asroot.sh
source scripts/lib/progress.sh
weir_become_root "it installs packages and creates network namespaces" scripts/test.sh "$@"

phase "dependencies" scripts/install-deps.sh
# ccache, where it is installed, makes repeated runs cheap (CI has none: every build is from scratch).
launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
phase "configure" cmake -S . -B build -G "Unix Makefiles" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DWEIR_BUILD_TESTS=ON "${launcher[@]}"
phase "build" cmake --build build -j"$(nproc)"
# A private runtime dir keeps Qt quiet and nothing of the user's session is touched.
XDG_RUNTIME_DIR=$(mktemp -d /tmp/weir-test-runtime.XXXXXX)
export XDG_RUNTIME_DIR
trap 'rm -rf "$XDG_RUNTIME_DIR"' EXIT
phase "ctest" ctest --test-dir build --output-on-failure --timeout 600
phase "packages" scripts/build-debs.sh build-deb
phase "package install" tests/packaging/deb_install.sh build-deb

# The whole project built again under AddressSanitizer and UndefinedBehaviorSanitizer (build-asan),
# with clang at -O1 (the usual sanitizer level), asserts on.
asan_build() {
    cmake -S . -B build-asan -G "Unix Makefiles" -DCMAKE_CXX_COMPILER=clang++ \
        -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG="-O1 -g" \
        -DWEIR_SANITIZE=address,undefined -DWEIR_BUILD_TESTS=ON "${launcher[@]}"
    cmake --build build-asan -j"$(nproc)"
}

# Its unit, D-Bus, netns and fault tests (not the gui-labelled ones, which need a display): the
# instrumented helper, weirctl and core driver against real namespaces, a real bus and polkitd,
# killed, refused and soaked. Every process a test starts writes sanitizer reports to files here (a
# test that does not check a child's exit status still fails this phase); leak checking is on, with
# leaks inside uninstrumented system libraries suppressed (tests/sanitizers/lsan.supp); the first
# error ends the process.
asan_tests() {
    local logs status=0
    logs=$(mktemp -d /tmp/weir-sanitizer-logs.XXXXXX)
    chmod 0777 "$logs" # weirctl runs as test users too
    ASAN_OPTIONS="detect_leaks=1:halt_on_error=1:detect_stack_use_after_return=1:check_initialization_order=1:strict_init_order=1:log_path=$logs/asan" \
        LSAN_OPTIONS="suppressions=$PWD/tests/sanitizers/lsan.supp:print_suppressions=0" \
        UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:log_path=$logs/ubsan" \
        ctest --test-dir build-asan --output-on-failure --timeout 900 --no-tests=error \
        -L 'unit|netns|dbus|fault' -LE gui || status=1
    if compgen -G "$logs/*" >/dev/null; then
        echo "Sanitizer reports:" >&2
        tail -n +1 "$logs"/* >&2
        status=1
    fi
    rm -rf "$logs"
    return $status
}

# The fuzzers and the libraries they link, nothing else.
fuzz_build() {
    cmake -S . -B build-fuzz -G "Unix Makefiles" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
        -DCMAKE_CXX_COMPILER=clang++ -DWEIR_FUZZ=ON "${launcher[@]}"
    cmake --build build-fuzz --target weir_fuzzers -j"$(nproc)"
}

phase "asan build" asan_build
phase "asan tests" asan_tests
phase "fuzz build" fuzz_build
phase "fuzz run" scripts/fuzz.sh build-fuzz
