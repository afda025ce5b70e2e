#!/usr/bin/env bash
# The whole test suite: the Rust core's unit tests, then the Python suite (differential tests
# against coverage.py, process matrix, faults, plugin, stdlib analysis) on every CPython from
# 3.10 to 3.15 (and on 3.11, pytest-cov 7.0's own test suite against ferrocov's plugin), each
# in its own virtualenv with ferrocov installed from a freshly built wheel.
# 3.10-3.13 are pyenv's builds on this machine; 3.14 and 3.15 are Debian forky's, run in a
# chroot (scripts/forky.sh, root needed). A version that can't be tested is named, loudly.
#   scripts/test.sh [pytest args...]        PYTHONS="3.11 3.14" to choose versions
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
versions=${PYTHONS:-3.10 3.11 3.12 3.13 3.14 3.15}

bash "$root/scripts/test-deps.sh"

# The forky chroot takes a minute to make: start it now, while the rest runs.
forky_setup=""
if [[ " $versions " == *" 3.14 "* || " $versions " == *" 3.15 "* ]]; then
    if bash "$root/scripts/forky.sh" why-not >/dev/null 2>&1; then
        forky_log=$(mktemp)
        bash "$root/scripts/forky.sh" setup >"$forky_log" 2>&1 &
        forky_setup=$!
    fi
fi

echo "== $(date +%T) cargo test (ferrocov-core)"
# Run once; the summary lines printed, everything when it fails.
cargo_log=$(mktemp)
if cargo test -q -p ferrocov-core >"$cargo_log" 2>&1; then
    grep -E "test result" "$cargo_log" || true
    rm -f "$cargo_log"
else
    cat "$cargo_log"
    exit 1
fi

find_python() {
    local version=$1 candidate
    if command -v pyenv >/dev/null 2>&1; then
        for candidate in "$(pyenv root)"/versions/"$version".*/bin/python; do
            if [ -x "$candidate" ]; then echo "$candidate"; return; fi
        done
    fi
    for candidate in "python$version" "/usr/bin/python$version" "/usr/local/bin/python$version"; do
        if command -v "$candidate" >/dev/null 2>&1; then command -v "$candidate"; return; fi
    done
}

status=0
tested=()
not_tested=()
for version in $versions; do
    python=$(find_python "$version")
    if [ -n "$python" ]; then
        if bash "$root/scripts/test-one.sh" "$python" "$root/.venv-test-$version" "$@"; then
            tested+=("$version")
        else
            status=1
        fi
        # pytest-cov's own test suite, driving ferrocov's plugin (on one version: it tests the
        # plugin's behaviour, which the version does not change).
        if [ "$version" = 3.11 ] && [ -z "${FERROCOV_SKIP_PYTEST_COV_SUITE:-}" ]; then
            bash "$root/scripts/pytest-cov-suite.sh" "$root/.venv-test-$version" || status=1
        fi
        continue
    fi
    case "$version" in
        3.14 | 3.15)
            if [ -n "$forky_setup" ]; then
                wait "$forky_setup" || { cat "$forky_log" >&2; }
                forky_setup=""
            fi
            set +e
            bash "$root/scripts/forky.sh" test "$version" "$@"
            result=$?
            set -e
            case $result in
                0) tested+=("$version") ;;
                3) not_tested+=("$version") ;;
                *) status=1 ;;
            esac
            ;;
        *)
            echo "== CPython $version: NOT TESTED (not on this machine)" >&2
            not_tested+=("$version")
            ;;
    esac
done
echo "== $(date +%T) tested on CPython: ${tested[*]:-none}"
if [ "${#not_tested[@]}" -gt 0 ]; then
    echo "== NOT TESTED on CPython: ${not_tested[*]}"
fi
[ "${#tested[@]}" -gt 0 ] || status=1
exit $status
