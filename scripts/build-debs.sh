#!/usr/bin/env bash
# Builds Weir's Debian packages (weir-helper and weir) from the working tree and checks them with
# lintian. Needs the build dependencies of packaging/debian/control (scripts/install-deps.sh has
# them); runs as any user (fakeroot is not even needed: Rules-Requires-Root: no).
#
#   scripts/build-debs.sh [OUTDIR]     (default: build-deb/)
#
# OUTDIR gets the two .deb files, the .changes and .buildinfo files, and lintian.txt. The sources
# are copied (without build*/ folders and .git) to a temporary folder with packaging/debian as
# debian/, so the working tree is never touched. lintian errors fail the build; warnings must be
# fixed or overridden with a reason in packaging/debian/*.lintian-overrides, so any warning left
# fails it too. Set WEIR_DEB_JOBS to build with fewer jobs than $(nproc).
set -euo pipefail
# The whole script is one block, read before it runs: editing this file during a build is safe.
{
cd "$(dirname "$0")/.."
src=$PWD
outdir=${1:-build-deb}
mkdir -p "$outdir"
outdir=$(cd "$outdir" && pwd)
start=$SECONDS

# say TEXT: a progress line with the seconds since the start.
say() { printf '[%4ds] %s\n' $((SECONDS - start)) "$*"; }

for tool in dpkg-buildpackage dh lintian; do
    if ! command -v "$tool" >/dev/null; then
        echo "build-debs.sh: $tool is missing: install the packaging tools (sudo scripts/install-deps.sh)" >&2
        exit 1
    fi
done

work=$(mktemp -d "${TMPDIR:-/tmp}/weir-deb.XXXXXX")
trap 'rm -rf "$work"' EXIT
# dpkg-buildpackage writes the .debs next to the source folder, hence the extra level.
tree=$work/weir-0.1.0
version=$(sed -n '1s/^weir (\([^)]*\)).*/\1/p' packaging/debian/changelog)
project_version=$(sed -n 's/^project(weir VERSION \([0-9.]*\).*/\1/p' CMakeLists.txt)
if [[ $version != "$project_version" ]]; then
    echo "build-debs.sh: packaging/debian/changelog says $version but CMakeLists.txt says $project_version:" \
        "add a changelog entry (dch -v $project_version)" >&2
    exit 1
fi

say "copying the sources to $tree"
mkdir -p "$tree"
tar -C "$src" --exclude='./build*' --exclude='./.git' --exclude='./.cache' -cf - . | tar -C "$tree" -xf -
rm -rf "$tree/debian"
cp -a packaging/debian "$tree/debian"

# The source package too, only for lintian's checks of debian/ (control, rules, copyright).
say "dpkg-source --build (for lintian)"
(cd "$work" && dpkg-source --build "${tree##*/}") >"$outdir/source.log" 2>&1 || {
    cat "$outdir/source.log" >&2
    exit 1
}

# Repeated builds reuse compiled objects when ccache is installed: the compiler is found through
# ccache's masquerade folder, CCACHE_BASEDIR makes the temporary folder's name not matter, and
# CCACHE_DIR is fixed now because debhelper gives the build a HOME of its own.
if [[ -d /usr/lib/ccache ]] && command -v ccache >/dev/null; then
    CCACHE_DIR=${CCACHE_DIR:-$(ccache -k cache_dir)}
    export PATH="/usr/lib/ccache:$PATH" CCACHE_BASEDIR="$work" CCACHE_DIR
fi

jobs=${WEIR_DEB_JOBS:-$(nproc)}
# noddebs: no -dbgsym packages (large, slow to compress and to lint, and nobody installs them here).
export DEB_BUILD_OPTIONS="parallel=$jobs nocheck noddebs"
say "dpkg-buildpackage -us -uc -b (DEB_BUILD_OPTIONS=$DEB_BUILD_OPTIONS), log: $outdir/build.log"
# progress: copies the build output to build.log and shows debhelper's steps and the compiler's
# progress in tens of percent, each with its time.
progress() {
    local line decade=-1 pct
    while IFS= read -r line; do
        printf '%s\n' "$line" >>"$outdir/build.log"
        if [[ $line =~ ^[[:space:]]+(dh_[a-z0-9_]+) || $line =~ ^[[:space:]]*debian/rules\ (override_dh_[a-z0-9_]+) ]]; then
            say "${BASH_REMATCH[1]}"
        elif [[ $line =~ ^\[\ *([0-9]+)%\] ]]; then
            pct=${BASH_REMATCH[1]}
            if ((pct / 10 > decade)); then
                decade=$((pct / 10))
                say "  compiled $pct%"
            fi
        fi
    done
}
: >"$outdir/build.log"
if ! (cd "$tree" && dpkg-buildpackage -us -uc -b </dev/null 2>&1) | progress; then
    say "dpkg-buildpackage failed; the end of $outdir/build.log:"
    tail -n 40 "$outdir/build.log" >&2
    exit 1
fi
build_seconds=$((SECONDS - start))

rm -f "$outdir"/weir_*.deb "$outdir"/weir-helper_*.deb "$outdir"/weir_*.changes "$outdir"/weir_*.buildinfo
cp "$work"/*.deb "$work"/*.changes "$work"/*.buildinfo "$outdir/"
changes=$(echo "$outdir"/weir_*.changes)
say "built $(cd "$outdir" && echo ./*.deb) in ${build_seconds} s"

# lintian: --fail-on error,warning makes any E: or W: line fail; info and pedantic tags are shown
# but do not fail. Overrides (with their reasons) live in packaging/debian/*.lintian-overrides.
say "lintian $changes and the source package"
status=0
lintian --display-info --fail-on error,warning "$changes" "$work"/weir_*.dsc >"$outdir/lintian.txt" 2>&1 ||
    status=$?
cat "$outdir/lintian.txt"
if ((status != 0)); then
    say "lintian found errors or warnings (above, also in $outdir/lintian.txt): fix them or override them with a reason"
    exit 1
fi
say "done: $outdir (lintian: $(grep -c '^[EW]:' "$outdir/lintian.txt" || true) errors or warnings)"
exit 0
}
