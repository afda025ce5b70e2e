"""Combine and report at scale: 200 data files over a generated project of 2,000 source files,
ferrocov against coverage.py, each step timed (median of --repeat runs).

    python bench/scale.py [--files 2000] [--processes 200] [--repeat 3]

Run it through bench/run.sh's environment: bench/run.sh python3 --scale-only
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


def timed(command: list[str], cwd: Path, **env: str) -> float:
    start = time.perf_counter()
    result = subprocess.run(command, cwd=cwd, env=clean_env(**env), capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        raise SystemExit(f"{command} failed: {result.stdout[-1000:]} {result.stderr[-2000:]}")
    return elapsed


def record_ferrocov(root: Path, processes: int) -> None:
    """200 processes measured as the children of one run are: through FERROCOV_RUN."""
    from ferrocov._settings import ENV_VAR, Settings

    settings = Settings(data_directory=str(root / ".ferrocov-bench"), source=[str(root / "proj")], has_source=True, cwd=str(root))
    for seed in range(processes):
        timed([sys.executable, "driver.py", str(seed)], root, **{ENV_VAR: settings.encode()})


def record_coverage(root: Path, processes: int) -> None:
    for seed in range(processes):
        timed([sys.executable, "-m", "coverage", "run", "-p", "--source=proj", "driver.py", str(seed)], root)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--files", type=int, default=2000)
    parser.add_argument("--processes", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    py = sys.executable
    steps = {
        "combine": ([py, "-m", "ferrocov", "combine", "--keep", "-q"], [py, "-m", "coverage", "combine", "--keep", "-q"]),
        "report": ([py, "-m", "ferrocov", "report"], [py, "-m", "coverage", "report"]),
        "xml": ([py, "-m", "ferrocov", "xml", "-q"], [py, "-m", "coverage", "xml", "-q"]),
        "json": ([py, "-m", "ferrocov", "json", "-q"], [py, "-m", "coverage", "json", "-q"]),
        "html": ([py, "-m", "ferrocov", "html", "-q", "-d", "html-ours"], [py, "-m", "coverage", "html", "-q", "-d", "html-theirs"]),
    }
    times: dict[str, dict[str, list[float]]] = {step: {"ferrocov": [], "coverage.py": []} for step in steps}
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
        for round_ in range(args.repeat):
            for step, (ours, theirs) in steps.items():
                order = [("ferrocov", ours, ours_dir), ("coverage.py", theirs, theirs_dir)]
                random.shuffle(order)
                for tool, command, cwd in order:
                    if step == "combine":
                        # Combine afresh each round, from the data the processes wrote.
                        for item in list(cwd.iterdir()):
                            if item.name.startswith((".coverage", ".ferrocov-")) and item.name != ".coveragerc":
                                shutil.rmtree(item) if item.is_dir() else item.unlink()
                        for item in pristine[cwd].iterdir():
                            (shutil.copytree if item.is_dir() else shutil.copy)(item, cwd / item.name)
                    if step == "html":
                        shutil.rmtree(cwd / command[-1], ignore_errors=True)  # a full, not incremental, run
                    times[step][tool].append(timed(command, cwd))
            print(f"  round {round_ + 1}/{args.repeat} done", file=sys.stderr)
        sizes["combined .coverage (ferrocov), KiB"] = (ours_dir / ".coverage").stat().st_size / 1024
        sizes["combined .coverage (coverage.py), KiB"] = (theirs_dir / ".coverage").stat().st_size / 1024
        same = subprocess.run([py, "-m", "coverage", "report"], cwd=ours_dir, capture_output=True, text=True).stdout.splitlines()[-1]
        theirs_total = subprocess.run([py, "-m", "coverage", "report"], cwd=theirs_dir, capture_output=True, text=True).stdout.splitlines()[-1]
    print(f"Python {sys.version.split()[0]}: {args.processes} data files over {args.files} source files, median of {args.repeat}")
    print(f"{'step':<10}{'ferrocov':>12}{'coverage.py':>14}{'speed-up':>10}")
    for step, entry in times.items():
        ours_median = statistics.median(entry["ferrocov"])
        theirs_median = statistics.median(entry["coverage.py"])
        print(f"{step:<10}{ours_median:>11.2f}s{theirs_median:>13.2f}s{theirs_median / ours_median:>9.1f}x")
    for name, value in sizes.items():
        print(f"{name}: {value:.1f}")
    print(f"TOTAL line, coverage.py reading ferrocov's data: {same}")
    print(f"TOTAL line, coverage.py reading its own data:    {theirs_total}")


if __name__ == "__main__":
    main()
