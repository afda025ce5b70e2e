#!/usr/bin/env bash
# The Python test suite on one CPython: build ferrocov's wheel for it, install it with the test
# dependencies into VENV, run pytest.
#   scripts/test-one.sh PYTHON VENV [pytest args...]
set -euo pipefail
python=${1:?python executable}
venv=${2:?venv directory}
shift 2
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
version=$("$python" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
echo "== $(date +%T) CPython $version ($python): build and install"
FERROCOV_NO_LTO=1 bash "$root/scripts/install.sh" "$python" "$venv" --test 2>&1 | grep -vE "^(🔗|📦|🍹|⚠️|🐍)" || true
echo "== $(date +%T) CPython $version: pytest"
# Three workers on two cores: many tests wait on the processes they start (433 s with two
# workers, 384 s with three, on 3.11 here); tests/conftest.py starts the slowest first.
"$venv/bin/python" -m pytest -p no:pytest_cov -n 3 -q --durations=12 "$@" tests
