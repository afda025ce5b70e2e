#!/usr/bin/env bash
# Create (or reuse) a virtual environment for one Python version and install ferrocov into it
# as a real wheel (so that ferrocov.pth lands in site-packages).
#   scripts/install.sh PYTHON VENV_DIR [--test]    (--test: also the test dependencies)
set -euo pipefail
python=${1:?python executable}
venv=${2:?venv directory}
root=$(cd "$(dirname "$0")/.." && pwd)
if [ ! -x "$venv/bin/python" ]; then
    "$python" -m venv "$venv"
fi
"$venv/bin/python" -m pip install -q --disable-pip-version-check --upgrade pip >/dev/null
"$venv/bin/python" -m pip install -q --disable-pip-version-check "maturin>=1.5,<2" "pytest>=8"
if [ "${3:-}" = "--test" ]; then
    "$venv/bin/python" -m pip install -q --disable-pip-version-check "coverage==7.18.0; python_version>='3.11'" "coverage==7.16.2; python_version<'3.11'" "pytest-xdist>=3" "pytest-cov==7.1.0" "selenium>=4.20" "mypy>=1.18" "gevent==26.9.0" "eventlet==0.41.3" "covdefaults==2.3.0" "coverage-conditional-plugin==0.9.0" "tomli; python_version<'3.11'" >/dev/null
fi
# The wheel stays in the venv (ferrocov-wheel/): the packaging test installs this very wheel
# into a fresh virtualenv instead of compiling it a second time.
out="$venv/ferrocov-wheel"
rm -rf "$out"
# FERROCOV_NO_LTO=1 (the test suite's and the demo's builds): the release build without
# link-time optimisation, which changes speed, not behaviour. A wheel for one more Python then
# takes about 25 s instead of 60, and the dependencies are compiled once for all of those
# builds (with LTO they are compiled otherwise). Benchmarks (bench/run.sh) and the wheels a
# user installs (pip, scripts/release.sh) use the release profile as it is.
profile=()
if [ -n "${FERROCOV_NO_LTO:-}" ]; then
    profile=(env CARGO_PROFILE_RELEASE_LTO=false CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16)
fi
(cd "$root" && "${profile[@]}" "$venv/bin/maturin" build --release -q -i "$venv/bin/python" --out "$out") >&2
"$venv/bin/python" -m pip install -q --disable-pip-version-check --force-reinstall --no-deps "$out"/ferrocov-*.whl
