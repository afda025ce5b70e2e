"""ferrocov's benchmark harness: each workload plain, under coverage.py, slipcover and ferrocov,
interleaved run by run, reported as medians and ratios to plain Python.

    python bench/run.py [--repeat N] [--scale S] [--only NAME,...] [--branch] [--children]

--children adds ferrocov measuring each workload run as a child script (`python workload.py`
started with a measured run's environment, as `subprocess` starts one): the interpreter runs
such a script itself, not through exec (3.10/3.11: probes through the exec audit event).

Run it through bench/run.sh, which builds the environment with every tool installed.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import timeit
from pathlib import Path

HERE = Path(__file__).parent
WORKLOADS = ["tight_loop", "recursion", "objects", "strings_regex", "interpreter", "exceptions"]


def have(module: str) -> bool:
    return subprocess.run([sys.executable, "-c", f"import {module}"], capture_output=True).returncode == 0


BRANCH = False
CHILDREN = False
#: Where the "child script" runs record (emptied after each run).
CHILD_DATA = Path(tempfile.mkdtemp(prefix="ferrocov-bench-children-"))


def child_env(branch: bool) -> dict[str, str]:
    """The environment a measured run gives the processes it starts."""
    from ferrocov._settings import ENV_VAR, Settings

    return {ENV_VAR: Settings(data_directory=str(CHILD_DATA / "run"), branch=branch).encode()}


def tools() -> dict[str, tuple[list[str], dict[str, str]]]:
    py = sys.executable
    found: dict[str, tuple[list[str], dict[str, str]]] = {"plain": ([py], {})}
    if have("coverage"):
        found["coverage.py"] = ([py, "-m", "coverage", "run", "--data-file=.coverage.bench"], {"COVERAGE_CORE": "ctrace"})
        if sys.version_info >= (3, 12):
            found["coverage.py sysmon"] = ([py, "-m", "coverage", "run", "--data-file=.coverage.bench"], {"COVERAGE_CORE": "sysmon"})
    if have("slipcover"):
        found["slipcover"] = ([py, "-m", "slipcover", "--out", os.devnull], {})
    found["ferrocov"] = ([py, "-m", "ferrocov", "run", "--data-file=.coverage.bench"], {})
    if BRANCH:
        # Branch measurement: coverage.py uses its C tracer for branches before 3.14, its
        # sys.monitoring core (its default there) from 3.14 on.
        if have("coverage"):
            found["coverage.py --branch"] = (
                [py, "-m", "coverage", "run", "--branch", "--data-file=.coverage.bench"],
                {"COVERAGE_CORE": "ctrace"},
            )
            if sys.version_info >= (3, 14):
                found["coverage.py sysmon --branch"] = (
                    [py, "-m", "coverage", "run", "--branch", "--data-file=.coverage.bench"],
                    {"COVERAGE_CORE": "sysmon"},
                )
        if have("slipcover"):
            found["slipcover --branch"] = ([py, "-m", "slipcover", "--branch", "--out", os.devnull], {})
        found["ferrocov --branch"] = ([py, "-m", "ferrocov", "run", "--branch", "--data-file=.coverage.bench"], {})
    if CHILDREN:
        found["ferrocov child"] = ([py], child_env(False))
        if BRANCH:
            found["ferrocov child --branch"] = ([py], child_env(True))
    return found


def run_once(command: list[str], env: dict[str, str], cwd: Path) -> tuple[float, int]:
    """Wall time in seconds and peak RSS in MiB of one run (the whole process tree it waited for)."""
    full_env = {k: v for k, v in os.environ.items() if not k.startswith(("FERROCOV_", "COVERAGE_"))}
    full_env.update(env)
    start = timeit.default_timer()
    process = subprocess.Popen(command, cwd=cwd, env=full_env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = timeit.default_timer() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        assert process.stderr is not None
        raise SystemExit(f"{command} failed ({process.returncode}): {process.stderr.read().decode()[-2000:]}")
    return elapsed, usage.ru_maxrss // 1024


def measure(names: list[str], repeat: int, scale: float) -> dict[tuple[str, str], dict[str, list[float]]]:
    available = tools()
    results: dict[tuple[str, str], dict[str, list[float]]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        cwd = Path(tmp)
        for name in names:
            shutil.copy(HERE / "workloads" / f"{name}.py", cwd / f"{name}.py")
        order = [(n, t) for n in names for t in available]
        for round_ in range(repeat):
            random.shuffle(order)
            for name, tool in order:
                command, env = available[tool]
                env = {**env, "BENCH_SCALE": str(scale)}
                seconds, rss = run_once([*command, f"{name}.py"], env, cwd)
                size = 0
                data = cwd / ".coverage.bench"
                if data.exists():
                    size = data.stat().st_size
                    data.unlink()
                if (CHILD_DATA / "run").exists():
                    size = sum(f.stat().st_size for f in (CHILD_DATA / "run").iterdir())
                    shutil.rmtree(CHILD_DATA / "run")
                entry = results.setdefault((name, tool), {"time": [], "rss": [], "size": []})
                entry["time"].append(seconds)
                entry["rss"].append(rss)
                entry["size"].append(size)
            print(f"  round {round_ + 1}/{repeat} done", file=sys.stderr)
    return results


def geometric_mean(values: list[float]) -> float:
    return statistics.geometric_mean(values) if values else float("nan")


def table(results: dict[tuple[str, str], dict[str, list[float]]], names: list[str], fixed: dict[str, float]) -> str:
    tool_names = list(dict.fromkeys(t for _, t in results))
    lines = []
    header = f"{'workload':<16}" + "".join(f"{t:>24}" for t in tool_names)
    lines.append("time: median seconds (ratio to plain)")
    lines.append(header)
    ratios: dict[str, list[float]] = {t: [] for t in tool_names}
    # The same, less what the tool adds to an empty script (start-up, then saving the data):
    # what measuring the workload's code costs.
    running: dict[str, list[float]] = {t: [] for t in tool_names}
    for name in names:
        plain = statistics.median(results[(name, "plain")]["time"])
        row = f"{name:<16}"
        for tool in tool_names:
            median = statistics.median(results[(name, tool)]["time"])
            ratios[tool].append(median / plain)
            running[tool].append((median - fixed.get(tool, 0.0)) / plain)
            row += f"{median:>16.3f} ({median / plain:>4.2f}x)"
        lines.append(row)
    lines.append(f"{'geomean ratio':<16}" + "".join(f"{geometric_mean(ratios[t]):>23.2f}x" for t in tool_names))
    if fixed:
        lines.append(f"{'  less fixed cost':<16}" + "".join(f"{geometric_mean(running[t]):>23.2f}x" for t in tool_names))
        lines.append("  (less fixed cost: each tool's added per-process cost, measured below, taken out of each run)")
    lines.append("")
    lines.append("peak RSS, MiB (median) / data file, KiB")
    lines.append(header)
    for name in names:
        row = f"{name:<16}"
        for tool in tool_names:
            entry = results[(name, tool)]
            row += f"{statistics.median(entry['rss']):>16.0f} / {statistics.median(entry['size']) / 1024:>5.0f}"
        lines.append(row)
    return "\n".join(lines)


def fixed_costs(repeat: int) -> dict[str, float]:
    """What each tool adds to running one Python process (an empty script), in seconds."""
    results = measure(["empty"], repeat, 1.0)
    times = {tool: statistics.median(entry["time"]) for (_, tool), entry in results.items()}
    return {tool: seconds - times["plain"] for tool, seconds in times.items()}


def process_cost(repeat: int, fixed: dict[str, float]) -> str:
    """What each tool adds to starting one Python process (an empty script)."""
    lines = ["per-process cost: empty script, median ms added to plain"]
    for tool, seconds in fixed.items():
        lines.append(f"  {tool:<20} +{seconds * 1000:6.1f} ms")
    # A child started by a measured program: python itself, with the run's environment.
    from ferrocov._settings import ENV_VAR, Settings

    with tempfile.TemporaryDirectory() as tmp:
        child_env = {ENV_VAR: Settings(data_directory=os.path.join(tmp, ".ferrocov-bench"), cwd=tmp).encode()}
        plain_times, child_times = [], []
        for _ in range(repeat):
            plain_times.append(run_once([sys.executable, str(HERE / "workloads" / "empty.py")], {}, Path(tmp))[0])
            child_times.append(run_once([sys.executable, str(HERE / "workloads" / "empty.py")], child_env, Path(tmp))[0])
    plain_child = statistics.median(plain_times) * 1000
    measured_child = statistics.median(child_times) * 1000
    lines.append(f"  ferrocov child (.pth)  {measured_child:8.1f} ms  (+{measured_child - plain_child:6.1f} ms)  a Python child of a measured run")
    # The start-up hook's own line, as installed (ferrocov.pth at the root of the checkout).
    line = (HERE.parent / "ferrocov.pth").read_text().strip()
    number = 200_000
    seconds = min(timeit.repeat(line, number=number, repeat=5, globals={}))
    lines.append(f"  ferrocov.pth line when measurement is off: {seconds / number * 1e6:.3f} µs per process")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--only", default=",".join(WORKLOADS))
    parser.add_argument("--process-repeat", type=int, default=20)
    parser.add_argument("--branch", action="store_true", help="also measure each tool's branch mode")
    parser.add_argument("--children", action="store_true", help="also ferrocov measuring each workload run as a child script")
    args = parser.parse_args()
    global BRANCH, CHILDREN
    BRANCH = args.branch
    CHILDREN = args.children
    names = [n for n in args.only.split(",") if n]
    print(f"Python {sys.version.split()[0]}, {os.cpu_count()} CPUs, repeat={args.repeat}, scale={args.scale}")
    results = measure(names, args.repeat, args.scale)
    fixed = fixed_costs(args.process_repeat)
    print(table(results, names, fixed))
    print()
    print(process_cost(args.process_repeat, fixed))


if __name__ == "__main__":
    main()
