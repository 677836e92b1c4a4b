#!/usr/bin/env bash
# Rewrites every golden file (rule plans, install-plan previews, install records) from the current
# output, then shows what changed. Review the diff before committing it.
# Usage: scripts/refresh-golden.sh [BUILD_DIR]   (default: build; it must be built already)
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
tests=(tests/firewall/tst_ruleplan tests/plan/tst_installplan tests/service/tst_installrecord)
for t in "${tests[@]}"; do
    if [[ ! -x $build/$t ]]; then
        echo "refresh-golden.sh: $build/$t is missing; build first (cmake --build $build)" >&2
        exit 1
    fi
    # The refresh run writes the files; the second run proves they now match.
    WEIR_REFRESH_GOLDEN=1 "$build/$t" >/dev/null || true
    "$build/$t" >/dev/null
done
git --no-pager diff --stat -- tests/firewall/golden tests/plan/golden tests/service/golden
