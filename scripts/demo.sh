#!/usr/bin/env bash
# The main job: build ferrocov, then measure a pytest suite whose tests start subprocesses,
# multiprocessing pools (fork and spawn, torn down by terminate()) and a child killed with
# SIGKILL, and print the report. No configuration is needed for any of those processes.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
venv="$root/.venv-demo"
bash "$root/scripts/install.sh" "${PYTHON:-python3}" "$venv"
cd "$root/examples/demo"
"$venv/bin/python" -m pytest --cov=shop --cov-report=term-missing "$@"
