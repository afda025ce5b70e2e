"""A real test suite: more-itertools' own tests (765 tests, ~20 s plain), run by pytest plain,
with pytest-cov 7.1 (coverage.py) and with ferrocov, interleaved, medians and ratios.

    python bench/suite.py [--repeat 3]

The library's source distribution comes from the package registry (pip download), so the
benchmark measures code no one here wrote. Run through bench/run.sh --suite-only.
"""

from __future__ import annotations

import argparse
import glob
import os
import random
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

#: 11.2 needs Python 3.11; 3.10 runs the last release that supports it.
PACKAGE = "more-itertools==11.2.1" if sys.version_info >= (3, 11) else "more-itertools==11.1.0"


def fetch(target: Path) -> Path:
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", ":all:", "-q", "-d", str(target), PACKAGE],
        check=True,
    )
    archive = glob.glob(str(target / "more_itertools-*.tar.gz"))[0]
    with tarfile.open(archive) as tar:
        tar.extractall(target, filter="data") if sys.version_info >= (3, 12) else tar.extractall(target)
    # The directory the archive holds (its name's separator differs between releases).
    return next(Path(p) for p in glob.glob(str(target / "more?itertools-*")) if os.path.isdir(p))


def run(command: list[str], cwd: Path) -> tuple[float, int]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FERROCOV_", "COVERAGE_"))}
    start = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        assert process.stderr is not None
        raise SystemExit(f"{command} failed: {process.stderr.read().decode()[-2000:]}")
    return elapsed, usage.ru_maxrss // 1024


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--branch", action="store_true", help="measure branches too (--cov-branch)")
    parser.add_argument("--tools", default="plain,pytest-cov,ferrocov", help="comma-separated: which of plain, pytest-cov, ferrocov to run (plain always runs)")
    args = parser.parse_args()
    base = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests"]
    branch = ["--cov-branch"] if args.branch else []
    tools = {
        "plain": [*base, "-p", "no:ferrocov", "-p", "no:pytest_cov"],
        "pytest-cov": [*base, "-p", "no:ferrocov", "--cov=more_itertools", "--cov-report=", *branch],
        "ferrocov": [*base, "-p", "no:pytest_cov", "--cov=more_itertools", "--cov-report=", *branch],
    }
    wanted = {"plain", *args.tools.split(",")}
    unknown = wanted - set(tools)
    if unknown:
        raise SystemExit(f"--tools: no such tool: {', '.join(sorted(unknown))}")
    tools = {name: command for name, command in tools.items() if name in wanted}
    results: dict[str, list[tuple[float, int]]] = {tool: [] for tool in tools}
    with tempfile.TemporaryDirectory() as tmp:
        source = fetch(Path(tmp))
        for round_ in range(args.repeat):
            order = list(tools)
            random.shuffle(order)
            for tool in order:
                results[tool].append(run(tools[tool], source))
            print(f"  round {round_ + 1}/{args.repeat} done", file=sys.stderr)
    plain = statistics.median(t for t, _ in results["plain"])
    mode = "with --cov-branch" if args.branch else "lines"
    print(f"Python {sys.version.split()[0]}: {PACKAGE} test suite ({mode}), median of {args.repeat}")
    for tool, runs in results.items():
        median = statistics.median(t for t, _ in runs)
        rss = statistics.median(r for _, r in runs)
        print(f"  {tool:<12} {median:7.2f} s  ({median / plain:4.2f}x plain)  peak RSS {rss:.0f} MiB")


if __name__ == "__main__":
    main()
