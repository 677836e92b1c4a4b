#!/usr/bin/env bash
# Runs every libFuzzer target built in BUILD_DIR/fuzz/bin (default build-fuzz; configure it with
# -DCMAKE_CXX_COMPILER=clang++ -DWEIR_FUZZ=ON and build the target weir_fuzzers) for a bounded time
# each, seeded from fuzz/corpus/<name> when that folder exists. Fails when any fuzzer finds a crash,
# a sanitizer report, a leak, a timeout or an out-of-memory input; the input that did it is kept in
# BUILD_DIR/fuzz/artifacts.
# Usage: scripts/fuzz.sh [BUILD_DIR]   Environment: WEIR_FUZZ_SECONDS (per fuzzer, default 30).
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build-fuzz}
seconds=${WEIR_FUZZ_SECONDS:-30}
bin="$build/fuzz/bin"
# New inputs a run discovers go here, not into the committed seeds; later runs start from them too.
work="$build/fuzz/corpus"
artifacts="$build/fuzz/artifacts"

shopt -s nullglob
fuzzers=("$bin"/*)
if [[ ${#fuzzers[@]} -eq 0 ]]; then
    echo "fuzz.sh: no fuzzers in $bin (configure with -DWEIR_FUZZ=ON and build weir_fuzzers)" >&2
    exit 1
fi
mkdir -p "$artifacts"

# One fuzzer for $seconds: its new inputs into $work/<name>, crashes into $artifacts, log to $2.
run_one() {
    local fuzzer=$1 log=$2 name
    name=$(basename "$fuzzer")
    local corpora=("$work/$name")
    # Without seeds libFuzzer starts from the empty input: slower to get anywhere, so say so.
    if [[ -d fuzz/corpus/$name ]]; then
        corpora+=("fuzz/corpus/$name")
    else
        echo "fuzz.sh: $name has no seeds in fuzz/corpus/$name" >&2
    fi
    mkdir -p "$work/$name"
    # -timeout: one input running longer than 10 s is a hang, and fails like a crash.
    "$fuzzer" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
        -artifact_prefix="$artifacts/$name-" "${corpora[@]}" >"$log" 2>&1
}

failed=()
summary=()
for fuzzer in "${fuzzers[@]}"; do
    [[ -x $fuzzer && -f $fuzzer ]] || continue
    name=$(basename "$fuzzer")
    log="$build/fuzz/$name.log"
    echo "fuzz.sh: $name for ${seconds}s"
    if run_one "$fuzzer" "$log"; then
        status=ok
    else
        status=FAILED
        failed+=("$name")
        # The sanitizer's or libFuzzer's own report, and the artifact it names.
        grep -v -E '^#[0-9]+\s+(NEW|REDUCE|pulse|INITED)' "$log" | tail -60 >&2
    fi
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    cov=$(grep -oE 'cov: [0-9]+ ft: [0-9]+ corp: [0-9]+' "$log" | tail -1 || true)
    summary+=("$(printf '%-28s %-6s %10s runs  %s' "$name" "$status" "${runs:-?}" "${cov:-}")")
done

echo "fuzz.sh: ${seconds}s per fuzzer"
printf '  %s\n' "${summary[@]}"
if [[ ${#failed[@]} -gt 0 ]]; then
    echo "fuzz.sh: FAILED: ${failed[*]} (inputs in $artifacts, logs in $build/fuzz/*.log)" >&2
    exit 1
fi
