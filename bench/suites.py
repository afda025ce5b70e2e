"""Real test suites: pure-Python projects' own suites, each run plain, under pytest-cov 7.1
(coverage.py) and under ferrocov, interleaved round by round, in line and branch mode: wall
time (median) and ratio to plain, and each test's outcome compared with the plain run's.

    python bench/suites.py [--projects NAME,...] [--repeat 3] [--modes line,branch]
                           [--tools plain,pytest-cov,ferrocov]

Each project's source distribution comes from the package registry at a pinned version and is
installed, with its test dependencies, into a virtual environment of its own (under
target/bench-suites/), with pytest, pytest-cov, coverage.py and this checkout's ferrocov wheel.
Its suite runs from the unpacked source, with the installed `pytest` command, as a project's CI
does. Run through bench/run.sh --suites-only, which builds the wheel.
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
import time
import xml.etree.ElementTree as ElementTree
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NEWEST = sys.version_info >= (3, 11)


@dataclass
class Project:
    """A project whose suite is measured: its pinned sdist, the package `--cov` names, where
    its tests are in the sdist, what else they need, and pytest options of its own."""

    spec: str
    package: str
    tests: str
    deps: list[str] = field(default_factory=list)
    args: list[str] = field(default_factory=list)


PROJECTS = {
    "more-itertools": Project("more-itertools==11.2.1" if NEWEST else "more-itertools==11.1.0", "more_itertools", "tests"),
    "packaging": Project("packaging==26.3", "packaging", "tests", ["pretend", "hypothesis", "tomli_w", "tomli; python_version<'3.11'"]),
    "attrs": Project("attrs==26.1.0", "attr", "tests", ["hypothesis", "pympler", "cloudpickle"], ["-p", "no:xdist"]),
    "pyparsing": Project("pyparsing==3.3.3", "pyparsing", "tests", ["railroad-diagrams", "jinja2"]),
    "idna": Project("idna==3.20", "idna", "tests", ["hypothesis"]),
    "toolz": Project("toolz==1.2.0", "toolz", "toolz/tests"),
    "iniconfig": Project("iniconfig==2.3.1", "iniconfig", "testing"),
}

COVERAGE = "coverage==7.18.0" if NEWEST else "coverage==7.16.2"


def sh(command: list[str], **kwargs: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, check=True, text=True, capture_output=True, **kwargs)  # type: ignore[call-overload]


def prepare(name: str, project: Project, wheel: Path, work: Path) -> tuple[Path, Path]:
    """The project's venv and unpacked source, made once and reused."""
    version = "%d.%d" % sys.version_info[:2]
    base = work / version / name
    venv = base / "venv"
    marker = base / f".ready-{project.spec}-{'+'.join(project.deps)}-{wheel.name}-{wheel.stat().st_mtime_ns}".replace(" ", "").replace(";", "")
    if not marker.exists():
        if not (venv / "bin" / "python").exists():
            sh([sys.executable, "-m", "venv", str(venv)])
        py = str(venv / "bin" / "python")
        sh([py, "-m", "pip", "install", "-q", "--disable-pip-version-check", "pytest>=8", "pytest-cov==7.1.0", COVERAGE, *project.deps])
        sh([py, "-m", "pip", "install", "-q", "--disable-pip-version-check", "--force-reinstall", "--no-deps", str(wheel)])
        download = base / "sdist"
        download.mkdir(parents=True, exist_ok=True)
        sh([py, "-m", "pip", "download", "-q", "--disable-pip-version-check", "--no-deps", "--no-binary", ":all:", "-d", str(download), project.spec])
        archive = next(iter(glob.glob(str(download / "*.tar.gz"))))
        with tarfile.open(archive) as tar:
            tar.extractall(base / "src", filter="data") if sys.version_info >= (3, 12) else tar.extractall(base / "src")
        sh([py, "-m", "pip", "install", "-q", "--disable-pip-version-check", archive])
        marker.write_text("")
    source = next(p for p in (base / "src").iterdir() if p.is_dir())
    return venv, source


def command(tool: str, mode: str, venv: Path, project: Project, junit: Path) -> list[str]:
    pytest = [str(venv / "bin" / "pytest"), "-q", "-p", "no:cacheprovider", f"--junitxml={junit}", *project.args, project.tests]
    branch = ["--cov-branch"] if mode == "branch" else []
    # Both tools write the term report and a JSON report (compared file by file below).
    report = ["--cov-report=term", f"--cov-report=json:{junit.with_suffix('.json')}"]
    if tool == "plain":
        return [*pytest, "-p", "no:pytest_cov", "-p", "no:ferrocov"]
    if tool == "pytest-cov":
        return [*pytest, "-p", "no:ferrocov", f"--cov={project.package}", *branch, *report]
    return [*pytest, "-p", "no:pytest_cov", f"--cov={project.package}", *branch, *report]


def json_differences(theirs: Path, ours: Path) -> list[str]:
    """Where ferrocov's JSON report differs from pytest-cov's: per file, the executed and
    missing lines and branches (paths made relative to the package, as the two tools' runs
    may import the package from different places)."""
    import json

    def load(path: Path) -> dict[str, dict[str, object]]:
        files = json.loads(path.read_text())["files"]
        out = {}
        for name, data in files.items():
            key = name.split("site-packages/")[-1].split("src/")[-1]
            out[key] = {field: sorted(map(str, data.get(field, []))) for field in ("executed_lines", "missing_lines", "executed_branches", "missing_branches")}
        return out

    if not (theirs.exists() and ours.exists()):
        return ["a JSON report is missing"]
    a, b = load(theirs), load(ours)
    found = []
    for name in sorted(set(a) | set(b)):
        if name not in a or name not in b:
            found.append(f"{name}: only in {'ferrocov' if name in b else 'pytest-cov'}")
            continue
        for field, values in a[name].items():
            if values != b[name][field]:
                only_theirs = sorted(set(values) - set(b[name][field]))[:6]
                only_ours = sorted(set(b[name][field]) - set(values))[:6]
                found.append(f"{name} {field}: pytest-cov only {only_theirs}, ferrocov only {only_ours}")
    return found


def outcomes(junit: Path) -> dict[str, str]:
    """Each test's outcome (passed, failed, error, skipped) from a JUnit XML report."""
    found: dict[str, str] = {}
    for case in ElementTree.parse(junit).iter("testcase"):
        key = f"{case.get('classname')}::{case.get('name')}"
        kinds = [child.tag for child in case]
        outcome = "passed"
        for kind in ("failure", "error", "skipped"):
            if kind in kinds:
                outcome = {"failure": "failed"}.get(kind, kind)
                break
        found[key] = outcome
    return found


def run(argv: list[str], cwd: Path) -> tuple[float, int]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FERROCOV_", "COVERAGE_", "PYTEST_"))}
    start = time.perf_counter()
    process = subprocess.Popen(argv, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, _ = os.wait4(process.pid, 0)
    return time.perf_counter() - start, os.waitstatus_to_exitcode(status)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--projects", default=",".join(PROJECTS))
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--modes", default="line,branch")
    parser.add_argument("--tools", default="plain,pytest-cov,ferrocov")
    parser.add_argument("--wheel", default=None, help="ferrocov's wheel (default: the one bench/run.sh built)")
    parser.add_argument("--work", default=str(ROOT / "target" / "bench-suites"))
    args = parser.parse_args()
    names = [n for n in args.projects.split(",") if n]
    modes = [m for m in args.modes.split(",") if m]
    tools = [t for t in args.tools.split(",") if t]
    version = "%d.%d" % sys.version_info[:2]
    wheel = Path(args.wheel) if args.wheel else Path(next(iter(glob.glob(str(ROOT / f".venv-bench-{version}" / "ferrocov-wheel" / "*.whl")))))
    prepared = {}
    for name in names:
        print(f"preparing {name}...", file=sys.stderr)
        prepared[name] = prepare(name, PROJECTS[name], wheel, Path(args.work))
    runs = [(name, mode, tool) for name in names for mode in modes for tool in tools]
    times: dict[tuple[str, str, str], list[float]] = {run_: [] for run_ in runs}
    statuses: dict[tuple[str, str, str], set[int]] = {run_: set() for run_ in runs}
    differences: dict[tuple[str, str, str], list[str]] = {}
    report_differences: dict[tuple[str, str], list[str]] = {}
    for round_ in range(args.repeat):
        order = list(runs)
        random.shuffle(order)
        for name, mode, tool in order:
            venv, source = prepared[name]
            junit = Path(args.work) / version / name / f"junit-{mode}-{tool}.xml"
            seconds, status = run(command(tool, mode, venv, PROJECTS[name], junit), source)
            times[(name, mode, tool)].append(seconds)
            statuses[(name, mode, tool)].add(status)
            if tool == "ferrocov" and "pytest-cov" in tools:
                theirs_json = (Path(args.work) / version / name / f"junit-{mode}-pytest-cov.xml").with_suffix(".json")
                report_differences[(name, mode)] = json_differences(theirs_json, junit.with_suffix(".json"))
            if tool != "plain" and "plain" in tools:
                plain_junit = Path(args.work) / version / name / f"junit-{mode}-plain.xml"
                if plain_junit.exists():
                    theirs, ours = outcomes(plain_junit), outcomes(junit)
                    diff = sorted(f"{k}: {theirs.get(k)} -> {ours.get(k)}" for k in set(theirs) | set(ours) if theirs.get(k) != ours.get(k))
                    if diff:
                        differences[(name, mode, tool)] = diff
        print(f"  round {round_ + 1}/{args.repeat} done", file=sys.stderr)
    print(f"Python {sys.version.split()[0]}, {os.cpu_count()} CPUs, median of {args.repeat}, wall seconds (ratio to plain)")
    header = f"{'suite':<16}{'mode':<8}" + "".join(f"{t:>22}" for t in tools) + "   exit statuses"
    print(header)
    for name in names:
        for mode in modes:
            plain = statistics.median(times[(name, mode, "plain")]) if "plain" in tools else float("nan")
            row = f"{name:<16}{mode:<8}"
            for tool in tools:
                median = statistics.median(times[(name, mode, tool)])
                row += f"{median:>12.2f} ({median / plain:>5.2f}x)"
            row += "   " + " ".join(f"{t}={','.join(map(str, sorted(statuses[(name, mode, t)])))}" for t in tools)
            print(row)
    if differences:
        print("\ntest outcomes that differ from the plain run:")
        for (name, mode, tool), diff in differences.items():
            print(f"  {name} {mode} {tool}: {len(diff)}")
            for line in diff[:10]:
                print(f"    {line}")
    else:
        print("\nevery test's outcome equals the plain run's, under every tool")
    if report_differences:
        print("\nferrocov's JSON report against pytest-cov's (last round; each run's own data):")
        for (name, mode), diff in report_differences.items():
            print(f"  {name} {mode}: {'the same' if not diff else f'{len(diff)} differences'}")
            for line in diff[:12]:
                print(f"    {line}")


if __name__ == "__main__":
    main()
