#!/usr/bin/env bash
# The main job: build ferrocov, then measure a pytest suite whose tests start subprocesses,
# multiprocessing pools (fork and spawn, torn down by terminate()) and a child killed with
# SIGKILL, and print the report. No configuration is needed for any of those processes.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
venv="$root/.venv-demo"
# Built as the test suite builds (no link-time optimisation: the demo shows what is kept, not
# how fast), so that a run of both compiles the dependencies once.
FERROCOV_NO_LTO=1 bash "$root/scripts/install.sh" "${PYTHON:-python3}" "$venv"
cd "$root/examples/demo"
"$venv/bin/python" -m pytest --cov=shop --cov-report=term-missing "$@"
