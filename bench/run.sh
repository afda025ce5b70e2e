#!/usr/bin/env bash
# Build a benchmark environment for one Python (ferrocov from this checkout, coverage.py,
# pytest-cov and slipcover from the registry) and run the harness.
#   bench/run.sh [PYTHON] [run.py args...]      e.g. bench/run.sh python3.13 --repeat 5
#   bench/run.sh [PYTHON] --scale-only [scale.py args...]   combine and reports at scale
#   bench/run.sh [PYTHON] --suite-only [suite.py args...]   a real test suite (more-itertools)
#   bench/run.sh [PYTHON] --suites-only [suites.py args...] seven projects' own suites
#   bench/run.sh [PYTHON] --costs-only [costs.py args...]   ns per line, branch, call, exception
#   bench/run.sh [PYTHON] --all [run.py args...]            all three, one after the other
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
python=${1:-python3}
shift || true
version=$("$python" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
venv="$root/.venv-bench-$version"
bash "$root/scripts/install.sh" "$python" "$venv" --test >&2
# slipcover 1.1 supports CPython up to 3.14: on a newer one the benchmark runs without it.
"$venv/bin/python" -m pip install -q --disable-pip-version-check "slipcover==1.1.0" >&2 \
    || echo "== slipcover: not installable for $version, left out of this run" >&2
if [ "${1:-}" = "--all" ]; then
    shift
    "$venv/bin/python" "$root/bench/run.py" "$@"
    echo
    "$venv/bin/python" "$root/bench/scale.py"
    echo
    exec "$venv/bin/python" "$root/bench/suite.py"
fi
if [ "${1:-}" = "--suite-only" ]; then
    shift
    exec "$venv/bin/python" "$root/bench/suite.py" "$@"
fi
if [ "${1:-}" = "--costs-only" ]; then
    shift
    exec "$venv/bin/python" "$root/bench/costs.py" "$@"
fi
if [ "${1:-}" = "--suites-only" ]; then
    shift
    exec "$venv/bin/python" "$root/bench/suites.py" "$@"
fi
if [ "${1:-}" = "--scale-only" ]; then
    shift
    exec "$venv/bin/python" "$root/bench/scale.py" "$@"
fi
"$venv/bin/python" "$root/bench/run.py" "$@"
