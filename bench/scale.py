"""Combine and report at scale, ferrocov against coverage.py, each step timed (median of --repeat
runs) with each tool's peak memory:

    python bench/scale.py [--files 2000] [--processes 200] [--repeat 3]
        200 data files over a generated project of 2,000 source files
    python bench/scale.py --tree [PATH]
        every .py file of a real tree (the standard library's by default, site-packages left out),
        none of them run: what `--source` on a tree reports before any test has run
    python bench/scale.py --tree --cold
        the same on a copy of the tree without its __pycache__ files
    python bench/scale.py --tree --branch
        the tree with branch data

    python bench/scale.py --huge [LINES]
        one generated module of 80,000 lines (11,430 functions), run with branches: every
        report of one huge file

Run it through bench/run.sh's environment: bench/run.sh python3 --scale-only
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import random
import shutil
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import time
from pathlib import Path

MODULE = '''
"""Generated module {index}."""


def classify_{index}(value):
    if value < 0:
        return "negative"
    elif value == 0:
        return "zero"
    total = 0
    for step in range(value % 7):
        if step % 2:
            total += step
        else:
            total -= 1
    return total


class Thing{index}:
    def __init__(self, size):
        self.size = size

    def grow(self, amount):
        if amount > 100:
            raise ValueError("too much")
        self.size += amount
        return self.size

    def describe(self):
        return f"Thing{index}({{self.size}})"


def unused_{index}():
    data = [1, 2, 3]
    return sum(data)
'''

DRIVER = '''
import importlib
import random
import sys

random.seed(int(sys.argv[1]))
for index in random.sample(range({files}), {files} // 10):
    module = importlib.import_module(f"proj.pkg{{index // 100}}.mod{{index}}")
    getattr(module, f"classify_{{index}}")(random.randint(-2, 20))
    thing = getattr(module, f"Thing{{index}}")(1)
    thing.grow(random.randint(0, 50))
'''


def generate(root: Path, files: int) -> None:
    (root / "proj").mkdir()
    (root / "proj" / "__init__.py").write_text("")
    for index in range(files):
        package = root / "proj" / f"pkg{index // 100}"
        if not package.exists():
            package.mkdir()
            (package / "__init__.py").write_text("")
        (package / f"mod{index}.py").write_text(MODULE.format(index=index).lstrip())
    (root / "driver.py").write_text(DRIVER.format(files=files).lstrip())


def clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FERROCOV_", "COVERAGE_"))}
    env.update(extra)
    return env


def timed(command: list[str], cwd: Path, **env: str) -> tuple[float, int]:
    """Wall time and peak resident memory (KiB, the command's own: from wait4) of one command."""
    with tempfile.TemporaryFile() as output:
        start = time.perf_counter()
        process = subprocess.Popen(command, cwd=cwd, env=clean_env(**env), stdout=output, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(process.pid, 0)
        elapsed = time.perf_counter() - start
        process.returncode = os.waitstatus_to_exitcode(status)
        if process.returncode != 0:
            output.seek(0)
            raise SystemExit(f"{command} failed: {output.read()[-3000:].decode(errors='replace')}")
    return elapsed, usage.ru_maxrss


def record_ferrocov(root: Path, processes: int) -> None:
    """200 processes measured as the children of one run are: through FERROCOV_RUN."""
    from ferrocov._settings import ENV_VAR, Settings

    settings = Settings(data_directory=str(root / ".ferrocov-bench"), source=[str(root / "proj")], has_source=True, cwd=str(root))
    for seed in range(processes):
        timed([sys.executable, "driver.py", str(seed)], root, **{ENV_VAR: settings.encode()})


def record_coverage(root: Path, processes: int) -> None:
    for seed in range(processes):
        timed([sys.executable, "-m", "coverage", "run", "-p", "--source=proj", "driver.py", str(seed)], root)


def report_steps(py: str) -> dict[str, tuple[list[str], list[str]]]:
    return {
        "report": ([py, "-m", "ferrocov", "report"], [py, "-m", "coverage", "report"]),
        "xml": ([py, "-m", "ferrocov", "xml", "-q"], [py, "-m", "coverage", "xml", "-q"]),
        "json": ([py, "-m", "ferrocov", "json", "-q"], [py, "-m", "coverage", "json", "-q"]),
        "lcov": ([py, "-m", "ferrocov", "lcov", "-q"], [py, "-m", "coverage", "lcov", "-q"]),
        "html": ([py, "-m", "ferrocov", "html", "-q", "-d", "html-ours"], [py, "-m", "coverage", "html", "-q", "-d", "html-theirs"]),
    }


def time_steps(
    steps: dict[str, tuple[list[str], list[str]]],
    ours_dir: Path,
    theirs_dir: Path,
    repeat: int,
    before: dict[str, object] | None = None,
) -> tuple[dict[str, dict[str, list[float]]], dict[str, dict[str, int]]]:
    """Each step for both tools, interleaved in a shuffled order each round; `before[step]`, if
    given, is called with a tool's directory before the step runs there."""
    times: dict[str, dict[str, list[float]]] = {step: {"ferrocov": [], "coverage.py": []} for step in steps}
    peaks: dict[str, dict[str, int]] = {step: {"ferrocov": 0, "coverage.py": 0} for step in steps}
    for round_ in range(repeat):
        for step, (ours, theirs) in steps.items():
            order = [("ferrocov", ours, ours_dir), ("coverage.py", theirs, theirs_dir)]
            random.shuffle(order)
            for tool, command, cwd in order:
                if before and step in before:
                    before[step](cwd)  # type: ignore[operator]
                if step == "html":
                    # A full, not incremental, run, into a directory of its own each round: not
                    # one just emptied, since deleting 2,000 pages right before the timed run
                    # (on a disk mounted with `discard`, as here) made the next run's writes pay
                    # seconds of system time, in both tools' runs alike.
                    command = [*command[:-1], f"{command[-1]}-{round_}"]
                elapsed, peak = timed(command, cwd)
                times[step][tool].append(elapsed)
                peaks[step][tool] = max(peaks[step][tool], peak)
        print(f"  round {round_ + 1}/{repeat} done", file=sys.stderr)
    return times, peaks


def print_table(times: dict[str, dict[str, list[float]]], peaks: dict[str, dict[str, int]]) -> None:
    print(f"{'step':<16}{'ferrocov':>10}{'coverage.py':>13}{'speed-up':>10}{'peak MiB: ferrocov':>21}{'coverage.py':>13}")
    medians = {step: (statistics.median(e["ferrocov"]), statistics.median(e["coverage.py"])) for step, e in times.items()}
    for step, (ours, theirs) in medians.items():
        peak = peaks[step]
        print(f"{step:<16}{ours:>9.2f}s{theirs:>12.2f}s{theirs / ours:>9.1f}x{peak['ferrocov'] / 1024:>21.0f}{peak['coverage.py'] / 1024:>13.0f}")
    if "combine" in medians and "report" in medians:
        ours = medians["combine"][0] + medians["report"][0]
        theirs = medians["combine"][1] + medians["report"][1]
        print(f"{'combine+report':<16}{ours:>9.2f}s{theirs:>12.2f}s{theirs / ours:>9.1f}x")


def tree_main(tree: Path, repeat: int, cold: bool, branch: bool = False) -> None:
    """Every .py file under a real tree, none run: each tool records an empty run with the tree as
    its source, then reports (ignoring files that do not parse, as the standard library has).
    With `cold`, a copy of the tree without its __pycache__ files (a tree never imported, or
    one used under PYTHONDONTWRITEBYTECODE=1)."""
    py = sys.executable
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        if cold:
            copy = root / "tree"
            shutil.copytree(tree, copy, ignore=shutil.ignore_patterns("__pycache__", "site-packages"))
            tree = copy
        files = [p for p in tree.rglob("*.py") if "site-packages" not in p.parts]
        ours_dir, theirs_dir = root / "ours", root / "theirs"
        for target in (ours_dir, theirs_dir):
            target.mkdir()
            (target / "empty.py").write_text("pass\n")
            (target / ".coveragerc").write_text(
                f"[run]\nbranch = {branch}\nsource = {tree}\nomit = */site-packages/*\n[report]\nignore_errors = True\n"
            )
        timed([py, "-m", "ferrocov", "run", "empty.py"], ours_dir)
        timed([py, "-m", "coverage", "run", "empty.py"], theirs_dir)
        times, peaks = time_steps(report_steps(py), ours_dir, theirs_dir, repeat)
        totals = [
            subprocess.run([py, "-m", tool, "report"], cwd=cwd, capture_output=True, text=True).stdout.splitlines()[-1]
            for tool, cwd in (("ferrocov", ours_dir), ("coverage", theirs_dir))
        ]
        cached = sum(1 for p in files if os.path.exists(importlib.util.cache_from_source(str(p))))
    mode = "branch data" if branch else "line data"
    print(f"Python {sys.version.split()[0]}: {len(files)} .py files under {tree} ({cached} with a __pycache__ file), none run, {mode}, median of {repeat}")
    print_table(times, peaks)
    print(f"TOTAL, ferrocov:    {totals[0]}")
    print(f"TOTAL, coverage.py: {totals[1]}")


def huge_main(lines: int, repeat: int) -> None:
    """One generated module of `lines` lines (functions of seven lines, each with a branch),
    every function called once, run with branches by each tool; then every report."""
    py = sys.executable
    functions = max(lines // 7, 1)
    text: list[str] = []
    for i in range(functions):
        text += [f"def f{i}(x):", f"    if x > {i % 7}:", f"        y = x * {i}", "    else:", "        y = -x", "    return y", ""]
    text += [f"for i in range({functions}):", "    globals()[f'f{i}'](i % 5)"]
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        ours_dir, theirs_dir = root / "ours", root / "theirs"
        for target in (ours_dir, theirs_dir):
            target.mkdir()
            (target / "huge.py").write_text("\n".join(text) + "\n")
        run_times = {
            "ferrocov": timed([py, "-m", "ferrocov", "run", "--branch", "huge.py"], ours_dir)[0],
            "coverage.py": timed([py, "-m", "coverage", "run", "--branch", "huge.py"], theirs_dir)[0],
        }
        times, peaks = time_steps(report_steps(py), ours_dir, theirs_dir, repeat)
    print(f"Python {sys.version.split()[0]}: one module of {len(text)} lines ({functions} functions), branch data, median of {repeat}")
    print(f"run --branch: ferrocov {run_times['ferrocov']:.2f}s, coverage.py {run_times['coverage.py']:.2f}s")
    print_table(times, peaks)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--files", type=int, default=2000)
    parser.add_argument("--processes", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--tree", nargs="?", const=sysconfig.get_paths()["stdlib"], type=Path, help="a real tree instead (default: the standard library)")
    parser.add_argument("--cold", action="store_true", help="with --tree: a copy of it without __pycache__ files")
    parser.add_argument("--branch", action="store_true", help="with --tree: branch data (each tool's `run --branch`)")
    parser.add_argument("--huge", nargs="?", const=80_000, type=int, help="one generated module of this many lines instead")
    args = parser.parse_args()
    if args.huge is not None:
        huge_main(args.huge, args.repeat)
        return
    if args.tree is not None:
        tree_main(args.tree, args.repeat, args.cold, args.branch)
        return
    py = sys.executable
    steps = {"combine": ([py, "-m", "ferrocov", "combine", "--keep", "-q"], [py, "-m", "coverage", "combine", "--keep", "-q"])}
    steps.update(report_steps(py))
    sizes = {}
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        generate(root, args.files)
        ours_dir, theirs_dir = root / "ours", root / "theirs"
        ours_dir.mkdir()
        theirs_dir.mkdir()
        for target in (ours_dir, theirs_dir):
            shutil.copytree(root / "proj", target / "proj")
            shutil.copy(root / "driver.py", target / "driver.py")
            (target / ".coveragerc").write_text("[run]\nsource = proj\n")
        print(f"recording {args.processes} processes under each tool...", file=sys.stderr)
        record_ferrocov(ours_dir, args.processes)
        record_coverage(theirs_dir, args.processes)
        # Reporting commands may remove parallel files (coverage.py's do): keep pristine copies.
        pristine = {ours_dir: root / "pristine-ours", theirs_dir: root / "pristine-theirs"}
        for directory, copy in pristine.items():
            copy.mkdir()
            for item in directory.iterdir():
                if item.name.startswith((".coverage.", ".ferrocov-")):
                    (shutil.copytree if item.is_dir() else shutil.copy)(item, copy / item.name)
        sizes["ferrocov raw data, MiB"] = sum(p.stat().st_blocks * 512 for p in (ours_dir / ".ferrocov-bench").iterdir()) / 2**20
        sizes["coverage.py parallel data, MiB"] = sum(p.stat().st_size for p in theirs_dir.glob(".coverage.*")) / 2**20

        def fresh_data(cwd: Path) -> None:
            """Combine afresh each round, from the data the processes wrote."""
            for item in list(cwd.iterdir()):
                if item.name.startswith((".coverage", ".ferrocov-")) and item.name != ".coveragerc":
                    shutil.rmtree(item) if item.is_dir() else item.unlink()
            for item in pristine[cwd].iterdir():
                (shutil.copytree if item.is_dir() else shutil.copy)(item, cwd / item.name)

        times, peaks = time_steps(steps, ours_dir, theirs_dir, args.repeat, {"combine": fresh_data})
        sizes["combined .coverage (ferrocov), KiB"] = (ours_dir / ".coverage").stat().st_size / 1024
        sizes["combined .coverage (coverage.py), KiB"] = (theirs_dir / ".coverage").stat().st_size / 1024
        same = subprocess.run([py, "-m", "coverage", "report"], cwd=ours_dir, capture_output=True, text=True).stdout.splitlines()[-1]
        theirs_total = subprocess.run([py, "-m", "coverage", "report"], cwd=theirs_dir, capture_output=True, text=True).stdout.splitlines()[-1]
    print(f"Python {sys.version.split()[0]}: {args.processes} data files over {args.files} source files, median of {args.repeat}")
    print_table(times, peaks)
    for name, value in sizes.items():
        print(f"{name}: {value:.1f}")
    print(f"TOTAL line, coverage.py reading ferrocov's data: {same}")
    print(f"TOTAL line, coverage.py reading its own data:    {theirs_total}")


if __name__ == "__main__":
    main()
