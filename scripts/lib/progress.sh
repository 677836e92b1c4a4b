# shellcheck shell=bash
# Sourced by scripts/run.sh and scripts/test.sh: phase lines that say how long each step took, so
# a user (and a CI log) sees where the time goes.

weir_started=$SECONDS

# phase NAME COMMAND...: runs COMMAND between "=== NAME" and "=== NAME: N s (M s in all)".
phase() {
    local name=$1 start=$SECONDS
    shift
    echo "=== $name"
    "$@"
    echo "=== $name: $((SECONDS - start)) s ($((SECONDS - weir_started)) s in all)"
}
