#!/usr/bin/env bash
# The whole test suite: the Rust core's unit tests, then the Python suite (differential tests
# against coverage.py, process matrix, durability, plugin, stdlib analysis) on every CPython
# from 3.10 to 3.13 that this machine has (pyenv's builds), each in its own virtualenv with
# ferrocov installed from a freshly built wheel.
#   scripts/test.sh [pytest args...]        PYTHONS="3.11 3.13" to choose versions
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

echo "== cargo test (ferrocov-core)"
cargo test -q -p ferrocov-core 2>&1 | grep -E "test result|FAILED|panicked|error" || true
cargo test -q -p ferrocov-core >/dev/null 2>&1 || { cargo test -p ferrocov-core; exit 1; }

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
for version in ${PYTHONS:-3.10 3.11 3.12 3.13}; do
    python=$(find_python "$version")
    if [ -z "$python" ]; then
        echo "== CPython $version: not on this machine, NOT TESTED" >&2
        continue
    fi
    venv="$root/.venv-test-$version"
    echo "== CPython $version ($python): build and install"
    bash "$root/scripts/install.sh" "$python" "$venv" --test 2>&1 | grep -vE "^(🔗|📦|🍹|⚠️)" || true
    echo "== CPython $version: pytest"
    if "$venv/bin/python" -m pytest -p no:pytest_cov -n 2 -q "$@" tests; then
        tested+=("$version")
    else
        status=1
    fi
done
echo "== tested on CPython: ${tested[*]:-none}"
[ "${#tested[@]}" -gt 0 ] || status=1
exit $status
