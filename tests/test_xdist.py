"""pytest-xdist: workers are measured through the run's environment, and the controller's report
equals the report of the same suite run without xdist."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

from conftest import HERE, run

PROJECT = HERE / "projects" / "calc"


def report_rows(stdout: str) -> list[str]:
    return [line for line in stdout.splitlines() if line.startswith(("calc/", "TOTAL"))]


@pytest.mark.parametrize("branch", [[], ["--cov-branch"]], ids=["lines", "branches"])
def test_xdist_report_equals_serial_report(branch: list[str], tmp_path: Path) -> None:
    serial = tmp_path / "serial"
    parallel = tmp_path / "parallel"
    shutil.copytree(PROJECT, serial)
    shutil.copytree(PROJECT, parallel)
    base = [sys.executable, "-m", "pytest", "-p", "no:pytest_cov", "-p", "no:cacheprovider", "--cov=calc", "--cov-report=term-missing", *branch]
    one = run(base, cwd=serial)
    two = run([*base, "-n", "2"], cwd=parallel)
    assert one.returncode == 0 and two.returncode == 0, two.stdout + two.stderr
    assert report_rows(one.stdout) == report_rows(two.stdout)
    assert any(row.startswith("TOTAL") for row in report_rows(two.stdout))
    assert ("BrPart" in two.stdout) == bool(branch)
    leftovers = [p.name for p in parallel.iterdir() if p.name.startswith((".ferrocov-", ".coverage."))]
    assert leftovers == []


@pytest.mark.parametrize("branch", [[], ["--cov-branch"]], ids=["lines", "branches"])
def test_remote_worker_ships_its_data_back(branch: list[str], tmp_path: Path) -> None:
    """A worker that shares neither the environment nor the directory of the controller (as an
    ssh or socket worker): it measures with the settings sent in workerinput, sends its data
    back, and the controller maps the worker's paths onto its own. The report equals the serial
    one."""
    serial = tmp_path / "serial"
    controller = tmp_path / "controller"
    remote = tmp_path / "remote"
    shutil.copytree(PROJECT, serial)
    shutil.copytree(PROJECT, controller)
    remote.mkdir()
    base = [sys.executable, "-m", "pytest", "-p", "no:pytest_cov", "-p", "no:cacheprovider", "--cov=calc", "--cov-report=term-missing", *branch]
    one = run(base, cwd=serial)
    spec = f"popen//chdir={remote}//env:FERROCOV_RUN="
    private_tmp = tmp_path / "tmp"
    private_tmp.mkdir()
    args = [*base, "-d", "--tx", spec, "--rsyncdir=calc", "--rsyncdir=tests", "-W", "ignore::DeprecationWarning"]
    two = run(args, cwd=controller, TMPDIR=str(private_tmp))
    assert one.returncode == 0 and two.returncode == 0, two.stdout + two.stderr
    assert (remote / "calc" / "ops.py").exists(), "the worker did not run in its own directory"
    assert report_rows(one.stdout) == report_rows(two.stdout), two.stdout
    assert not [p for p in private_tmp.rglob("*") if not p.is_dir()], "a worker left its data behind"


def test_test_contexts_under_xdist_equal_serial(tmp_path: Path) -> None:
    """--cov-context=test in xdist workers records the same nodeid|when contexts as serially."""
    from coverage import CoverageData

    def contexts(root: Path) -> dict[str, dict[int, list[str]]]:
        data = CoverageData(basename=str(root / ".coverage"))
        data.read()
        return {Path(f).name: {k: sorted(v) for k, v in data.contexts_by_lineno(f).items()} for f in data.measured_files()}

    serial = tmp_path / "serial"
    parallel = tmp_path / "parallel"
    shutil.copytree(PROJECT, serial)
    shutil.copytree(PROJECT, parallel)
    base = [sys.executable, "-m", "pytest", "-p", "no:pytest_cov", "-p", "no:cacheprovider", "--cov=calc", "--cov-context=test", "--cov-report="]
    assert run(base, cwd=serial).returncode == 0
    assert run([*base, "-n", "2"], cwd=parallel).returncode == 0
    expected = contexts(serial)
    assert any("tests/test_calc.py::test_add|run" in names for names in expected["ops.py"].values())
    assert contexts(parallel) == expected


@pytest.mark.parametrize("config", ["option", "rcfile"])
def test_worker_in_another_directory_measures_its_own_copies(config: str, tmp_path: Path) -> None:
    """``--tx popen//chdir=DIR --rsyncdir ...``: a local worker, so it inherits the run's
    environment, but it runs the copies rsynced into DIR. As pytest-cov, it measures those copies
    (its tests' subprocesses too, and with ``source`` from a configuration file) and the
    controller reports them under its own paths: the report equals the serial one."""
    serial = tmp_path / "serial"
    controller = tmp_path / "controller"
    remote = tmp_path / "remote"
    for root in (serial, controller):
        shutil.copytree(PROJECT, root)
        if config == "rcfile":
            (root / ".coveragerc").write_text("[run]\nsource = calc\n")
    remote.mkdir()
    cov = ["--cov"] if config == "rcfile" else ["--cov=calc"]
    base = [sys.executable, "-m", "pytest", "-p", "no:pytest_cov", "-p", "no:cacheprovider", *cov, "--cov-report=term-missing"]
    one = run(base, cwd=serial)
    args = [*base, "-d", "--tx", f"popen//chdir={remote}", "--rsyncdir=calc", "--rsyncdir=tests", "-W", "ignore::DeprecationWarning"]
    two = run(args, cwd=controller)
    assert one.returncode == 0 and two.returncode == 0, two.stdout + two.stderr
    assert (remote / "calc" / "ops.py").exists(), "the worker did not run in its own directory"
    assert report_rows(one.stdout) == report_rows(two.stdout), two.stdout
    assert not any(str(remote) in line for line in two.stdout.splitlines()), two.stdout
    leftovers = [p.name for p in controller.iterdir() if p.name.startswith((".ferrocov-", ".coverage."))]
    assert leftovers == []


def _first_looponfail_round(root: Path, plugins: str, *args: str) -> str:
    """Run ``pytest -f`` until its first round is over ("waiting for changes"), then stop it.
    The child a round runs in gets no ``-p`` options from its parent: plugins are chosen with
    PYTEST_PLUGINS instead, as if only the one tool were installed."""
    import os
    import re
    import signal
    import subprocess

    from conftest import clean_env

    env = clean_env(PYTEST_DISABLE_PLUGIN_AUTOLOAD="1", PYTEST_PLUGINS=f"xdist.plugin,xdist.looponfail,{plugins}")
    command = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-f", "-W", "ignore::DeprecationWarning", *args]
    import threading

    process = subprocess.Popen(command, cwd=root, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)
    assert process.stdout is not None

    def stop() -> None:
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass

    # A round that never ends (or prints nothing) must not hang the suite.
    watchdog = threading.Timer(120, stop)
    watchdog.start()
    lines: list[str] = []
    try:
        for line in process.stdout:
            lines.append(line)
            # The round's last line (pytest's summary), or the loop's own word after it (on
            # 3.14+ xdist's looping process may never get past the round's teardown).
            if "waiting for changes" in line or re.search(r"=+ .*\b(passed|failed|error)\b.* in [0-9.]+s", line):
                break
    finally:
        watchdog.cancel()
        stop()
        process.wait()
        process.stdout.close()
    return "".join(lines)


def test_looponfail_rounds_report_coverage(tmp_path: Path) -> None:
    """``--looponfail``: each round runs in a fresh child, which measures and reports as a run
    of its own, as pytest-cov's rounds do."""
    serial = tmp_path / "serial"
    looping = tmp_path / "looping"
    other = tmp_path / "pytest-cov"
    for root in (serial, looping, other):
        shutil.copytree(PROJECT, root)
    args = ["--cov=calc", "--cov-report=term-missing"]
    one = run([sys.executable, "-m", "pytest", "-p", "no:pytest_cov", "-p", "no:cacheprovider", *args], cwd=serial)
    assert one.returncode == 0, one.stdout
    theirs = _first_looponfail_round(other, "pytest_cov.plugin", *args)
    ours = _first_looponfail_round(looping, "ferrocov.plugin", *args)
    assert "coverage: platform" in theirs, theirs
    assert "4 passed" in ours, ours
    assert report_rows(ours) == report_rows(one.stdout), ours
    assert "pytest-cov is also installed" not in ours
    leftovers = [p.name for p in looping.iterdir() if p.name.startswith((".ferrocov-", ".coverage."))]
    assert leftovers == []
