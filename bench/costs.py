"""What each measurement core costs per event: a line run for the first time, a line run again,
a branch taken again, a call, an exception caught, a code object compiled and run (an import):
each micro-workload run plain and under `ferrocov run` (lines, then branches), the difference
divided by the number of events, in nanoseconds. Median of --repeat runs.

    python bench/costs.py [--repeat 5]

Run it through bench/run.sh's environment (bench/run.sh PYTHON --costs-only).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

N = 200_000

#: name: (program, number of events). Each program's work is mostly the events it counts.
WORKLOADS = {
    "line, first run": (
        "src = ''.join(f'def f{i}():\\n' + ''.join(f'    x{k} = {k}\\n' for k in range(20)) + '\\n' for i in range(2000))\n"
        "exec(compile(src, 'gen_first.py', 'exec'))\n"
        "for i in range(2000):\n    globals()[f'f{i}']()\n",
        2000 * 20,
    ),
    "line, run again": (
        f"def f():\n    a = 1\n    b = 2\n    c = 3\n    d = 4\n    return a\nfor _ in range({N // 4}):\n    f()\n",
        N,
    ),
    "call": (f"def f():\n    return 1\nfor _ in range({N}):\n    f()\n", N),
    "branch, one way again": (f"x = 0\nfor i in range({N}):\n    if i >= 0:\n        x += 1\n    else:\n        x -= 1\n", N),
    "exception caught": (
        f"def f():\n    raise ValueError\nfor _ in range({N // 4}):\n    try:\n        f()\n    except ValueError:\n        pass\n",
        N // 4,
    ),
    "code object (import)": (
        "import sys\nsrc = 'def g(x):\\n    if x:\\n        return 1\\n    return 2\\ng(1)\\n'\n"
        "for i in range(2000):\n    exec(compile(src, f'gen{i}.py', 'exec'), {})\n",
        2000 * 2,
    ),
}


def run_once(command: list[str], cwd: Path) -> float:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FERROCOV_", "COVERAGE_"))}
    start = time.perf_counter()
    subprocess.run(command, cwd=cwd, env=env, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    py = sys.executable
    tools = {
        "plain": [py],
        "lines": [py, "-m", "ferrocov", "run", "--data-file=.coverage.costs"],
        "branches": [py, "-m", "ferrocov", "run", "--branch", "--data-file=.coverage.costs"],
    }
    from ferrocov import _core

    print(f"Python {sys.version.split()[0]}: ns per event added by ferrocov (median of {args.repeat}; core {_core.core_name().split(':')[0]})")
    print(f"{'event':<24}{'lines':>10}{'branches':>10}")
    with tempfile.TemporaryDirectory() as tmp:
        cwd = Path(tmp)
        (cwd / "empty.py").write_text("pass\n")
        base = {tool: statistics.median(run_once([*command, "empty.py"], cwd) for _ in range(args.repeat)) for tool, command in tools.items()}
        for name, (program, events) in WORKLOADS.items():
            path = cwd / "work.py"
            path.write_text(program)
            for i in range(2000):
                (cwd / f"gen{i}.py").touch()
            (cwd / "gen_first.py").touch()
            times = {tool: statistics.median(run_once([*command, "work.py"], cwd) for _ in range(args.repeat)) - base[tool] for tool, command in tools.items()}
            added = {tool: (times[tool] - times["plain"]) / events * 1e9 for tool in ("lines", "branches")}
            print(f"{name:<24}{added['lines']:>10.0f}{added['branches']:>10.0f}")


if __name__ == "__main__":
    main()
