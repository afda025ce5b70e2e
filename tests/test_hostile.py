"""Never hurt, never lose — round 2: hostile but ordinary programs. A daemon that closes its
descriptors and forks, an unwritable stderr, a work tree cleaned during the run, pytest run
inside a measured run, signals sent to ``ferrocov run``, a nested ``Coverage``, a combine
while a daemon runs, code compiled again and again, ``--append`` across measurement modes,
and the smaller ones (a zip import, a FIFO, PID namespaces, a fork through ctypes, unsaved
``Coverage`` objects, a directory at ``.coverage``, a freed tool id, profilers, import hooks,
marshal and pickle of measured code). Each case failed before it was fixed; coverage.py's
behaviour on the same case is in the README's fault table."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import clean_env, ferrocov, one_version, read_lines, run

PYTEST = [sys.executable, "-m", "pytest", "-p", "no:pytest_cov", "-p", "no:cacheprovider", "-q"]


def warnings_of(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("ferrocov:") and "process" not in line.split(":", 1)[1][:12]]


def total(report: str) -> str:
    return next(line for line in report.splitlines() if line.startswith("TOTAL")).split()[-1]


# 1. The daemon idiom: close every descriptor, open a file (it gets fd 3), fork.

DAEMON = """\
import os
os.closerange(3, 4096)
log = open("log.txt", "w")
assert log.fileno() == 3
pid = os.fork()
if pid == 0:
    log.write("child\\n")
    log.flush()
    os._exit(0)
os.waitpid(pid, 0)
log.write("parent\\n")
log.close()
print(open("log.txt").read(), end="")
"""


def test_the_daemon_idiom_keeps_the_programs_files(tmp_path: Path) -> None:
    (tmp_path / "daemon.py").write_text(DAEMON)
    plain = run([sys.executable, "daemon.py"], cwd=tmp_path)
    assert plain.stdout == "child\nparent\n", plain.stderr
    measured = ferrocov("run", "daemon.py", cwd=tmp_path)
    assert (measured.returncode, measured.stdout) == (0, plain.stdout), measured.stderr
    assert "bad magic" not in measured.stderr and not warnings_of(measured.stderr), measured.stderr
    lines = read_lines(tmp_path / ".coverage")[str(tmp_path / "daemon.py")]
    assert {7, 8, 9, 11, 12, 13} <= lines  # the child's lines and the parent's after the fork


def test_a_test_that_forks_a_daemon_passes_when_measured(tmp_path: Path) -> None:
    # The test's child closes every descriptor, opens a hundred files (the numbers pytest's
    # process had, the data file's among them, are the program's now) and forks a worker that
    # writes to each.
    (tmp_path / "test_daemon.py").write_text(
        "import os\n\ndef test_daemon(tmp_path):\n"
        "    pid = os.fork()\n"
        "    if pid == 0:\n"
        "        try:\n"
        "            os.closerange(3, 4096)\n"
        "            logs = [open(tmp_path / f'log{i}', 'w') for i in range(100)]\n"
        "            worker = os.fork()\n"
        "            if worker == 0:\n"
        "                for log in logs:\n"
        "                    log.write('worker'); log.flush()\n"
        "                os._exit(0)\n"
        "            os.waitpid(worker, 0)\n"
        "        finally:\n"
        "            os._exit(0)\n"
        "    os.waitpid(pid, 0)\n"
        "    assert [(tmp_path / f'log{i}').read_text() for i in range(100)] == ['worker'] * 100\n"
    )
    plain = run(PYTEST, cwd=tmp_path)
    assert plain.returncode == 0, plain.stdout + plain.stderr
    result = run([*PYTEST, "--cov=.", "--cov-report=term-missing"], cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 passed" in result.stdout and "bad magic" not in result.stdout + result.stderr


# 2. An unwritable stderr never fails the program; a closed one never sends ferrocov's words
#    to stdout.


@one_version
def test_an_unwritable_stderr_is_no_harm(tmp_path: Path) -> None:
    (tmp_path / "prog.py").write_text("import subprocess, sys\nprint('hello', flush=True)\nsubprocess.run([sys.executable, '-c', 'print(2)'])\n")
    (tmp_path / "blocker").write_text("")
    from ferrocov._settings import Settings

    # A data directory that can't be made: the reason to warn, in the program and its child.
    settings = Settings(data_directory=str(tmp_path / "blocker" / "run"), cwd=str(tmp_path)).encode()
    with open("/dev/full", "w") as full:
        result = subprocess.run(
            [sys.executable, "prog.py"], cwd=tmp_path, env=clean_env(FERROCOV_RUN=settings), stdout=subprocess.PIPE, stderr=full, text=True, timeout=60
        )
    assert (result.returncode, result.stdout) == (0, "hello\n2\n")
    # The command line's own warnings too (an unknown option in the configuration).
    (tmp_path / ".coveragerc").write_text("[run]\nno_such_option = 1\n")
    with open("/dev/full", "w") as full:
        result = subprocess.run(
            [sys.executable, "-m", "ferrocov", "run", "prog.py"], cwd=tmp_path, env=clean_env(), stdout=subprocess.PIPE, stderr=full, text=True, timeout=60
        )
    assert (result.returncode, result.stdout) == (0, "hello\n2\n")


@one_version
def test_a_closed_stderr_sends_nothing_to_stdout(tmp_path: Path) -> None:
    (tmp_path / "prog.py").write_text("print('hello')\n")
    (tmp_path / "blocker").write_text("")
    from ferrocov._settings import Settings

    settings = Settings(data_directory=str(tmp_path / "blocker" / "run"), cwd=str(tmp_path)).encode()
    result = subprocess.run(
        [sys.executable, "prog.py"],
        cwd=tmp_path,
        env=clean_env(FERROCOV_RUN=settings),
        stdout=subprocess.PIPE,
        text=True,
        timeout=60,
        preexec_fn=lambda: os.close(2),
    )
    assert (result.returncode, result.stdout) == (0, "hello\n")
    # The command line's own warnings (sys.stderr is None: print would write to stdout).
    (tmp_path / ".coveragerc").write_text("[run]\nno_such_option = 1\n")
    result = subprocess.run(
        [sys.executable, "-m", "ferrocov", "run", "prog.py"],
        cwd=tmp_path,
        env=clean_env(),
        stdout=subprocess.PIPE,
        text=True,
        timeout=60,
        preexec_fn=lambda: os.close(2),
    )
    assert (result.returncode, result.stdout) == (0, "hello\n")


# 3. A work tree cleaned during the run (git clean -fdx) loses nothing.

CLEANER = """\
import os, subprocess, sys
subprocess.run([sys.executable, "child.py"], check=True)
subprocess.run(["git", "clean", "-fdxq"], check=True)
x = 1
print("cleaned", sorted(n for n in os.listdir(".") if n.startswith(".")))
"""


def git_tree(path: Path) -> None:
    if shutil.which("git") is None:
        pytest.skip("git is not installed: a work tree cleaned with git clean NOT TESTED")
    for command in (["git", "init", "-q"], ["git", "add", "."], ["git", "-c", "user.email=t@t", "-c", "user.name=t", "commit", "-qm", "x"]):
        subprocess.run(command, cwd=path, check=True, capture_output=True)


def test_a_work_tree_cleaned_during_ferrocov_run_loses_nothing(tmp_path: Path) -> None:
    (tmp_path / "prog.py").write_text(CLEANER)
    (tmp_path / "child.py").write_text("y = 2\n")
    git_tree(tmp_path)
    result = ferrocov("run", "prog.py", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "No data was collected" not in result.stderr
    report = ferrocov("report", cwd=tmp_path)
    assert total(report.stdout) == "100%", report.stdout


@one_version
def test_a_work_tree_cleaned_during_pytest_cov_loses_nothing(tmp_path: Path) -> None:
    (tmp_path / "test_clean.py").write_text("import os, subprocess, sys\n\ndef test_clean():\n" + "".join("    " + line + "\n" for line in CLEANER.splitlines()[1:]))
    (tmp_path / "child.py").write_text("y = 2\n")
    git_tree(tmp_path)
    result = run([*PYTEST, "--cov=.", "--cov-report=term"], cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "No data was collected" not in result.stdout + result.stderr
    assert total(result.stdout) == "100%", result.stdout


@one_version
def test_a_run_directory_removed_says_what_was_lost(tmp_path: Path) -> None:
    """Something empties the temporary directory during the run: the program's own data comes
    back from its mapping, and the line says what could not."""
    (tmp_path / "prog.py").write_text(
        "import os, shutil, subprocess, sys\n"
        "subprocess.run([sys.executable, 'child.py'], check=True)\n"
        "shutil.rmtree(os.environ['FERROCOV_TEST_RUNS'])\n"
        "x = 1\n"
    )
    (tmp_path / "child.py").write_text("y = 2\n")
    runs = tmp_path / "tmp"
    runs.mkdir()
    result = ferrocov("run", "prog.py", cwd=tmp_path, TMPDIR=str(runs), FERROCOV_TEST_RUNS=str(runs / f"ferrocov-{os.getuid()}"))
    assert result.returncode == 0, result.stderr
    assert "was removed while the run went on" in result.stderr, result.stderr
    lines = read_lines(tmp_path / ".coverage")
    assert lines[str(tmp_path / "prog.py")] == {1, 2, 3, 4}
    assert str(tmp_path / "child.py") not in lines


# 4. A nested run reports and fails as it would alone.

def inner_project(path: Path) -> None:
    (path / "pkg").mkdir()
    (path / "pkg" / "__init__.py").write_text("def used():\n    return 1\n\ndef unused():\n    a = 1\n    b = 2\n    return a + b\n")
    (path / "test_pkg.py").write_text("import pkg\n\ndef test_used():\n    assert pkg.used() == 1\n")


@one_version
def test_pytest_cov_inside_a_measured_run_reports_and_fails_as_alone(tmp_path: Path) -> None:
    inner = tmp_path / "inner"
    inner.mkdir()
    inner_project(inner)
    command = [*PYTEST, "--cov=pkg", "--cov-fail-under=90", "--cov-report=term-missing"]
    alone = run(command, cwd=inner)
    assert alone.returncode == 1, alone.stdout
    (tmp_path / "outer.py").write_text(f"import subprocess, sys\nresult = subprocess.run({command!r}, cwd={str(inner)!r}, capture_output=True, text=True)\nprint(result.stdout)\nsys.exit(result.returncode)\n")
    nested = ferrocov("run", "outer.py", cwd=tmp_path)
    assert nested.returncode == 1, nested.stdout + nested.stderr
    table = [line for line in alone.stdout.splitlines() if line.startswith(("pkg", "TOTAL"))]
    assert table and all(line in nested.stdout for line in table), nested.stdout
    failure = next(line for line in alone.stdout.splitlines() if "Coverage failure" in line)
    assert failure in nested.stdout


@one_version
def test_ferrocov_run_inside_a_measured_run_collects_its_data(tmp_path: Path) -> None:
    inner = tmp_path / "inner"
    inner.mkdir()
    (inner / "app.py").write_text("x = 1\ny = 2\n")
    (tmp_path / "outer.py").write_text(
        f"import subprocess, sys\nsubprocess.run([sys.executable, '-m', 'ferrocov', 'run', 'app.py'], cwd={str(inner)!r}, check=True)\n"
    )
    result = ferrocov("run", "outer.py", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "No data was collected" not in result.stderr
    assert read_lines(inner / ".coverage") == {str(inner / "app.py"): {1, 2}}
    assert str(tmp_path / "outer.py") in read_lines(tmp_path / ".coverage")


# 5. Every signal sent to `ferrocov run` reaches the program; it ends as the program ends.

CATCHER = """\
import os, signal, sys, time
got = []
names = sys.argv[1].split(",")
def handler(signum, frame):
    got.append(signal.Signals(signum).name)
for name in names:
    signal.signal(getattr(signal, name), handler)
open("ready", "w").close()
deadline = time.time() + 30
while len(got) < len(names) and time.time() < deadline:
    time.sleep(0.01)
print(" ".join(sorted(got)))
sys.exit(7)
"""

SIGNALS = ["SIGALRM", "SIGXCPU", "SIGVTALRM", "SIGPROF", "SIGINT", "SIGWINCH", "SIGTTIN", "SIGPIPE", "SIGUSR1", "SIGHUP", "SIGTERM", "SIGCONT", "SIGURG"]


@one_version
def test_signals_sent_to_ferrocov_run_reach_the_program(tmp_path: Path) -> None:
    (tmp_path / "catcher.py").write_text(CATCHER)
    process = subprocess.Popen(
        [sys.executable, "-m", "ferrocov", "run", "catcher.py", ",".join(SIGNALS)],
        cwd=tmp_path, env=clean_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    deadline = time.time() + 30
    while not (tmp_path / "ready").exists() and time.time() < deadline:
        time.sleep(0.01)
    for name in SIGNALS:
        process.send_signal(getattr(signal, name))
        time.sleep(0.02)
    stdout, stderr = process.communicate(timeout=60)
    assert process.returncode == 7, stderr
    assert stdout.split() == sorted(SIGNALS), stderr


@one_version
def test_a_signal_that_ends_the_program_ends_ferrocov_run_alike(tmp_path: Path) -> None:
    # The file appears on the line that then sleeps: that line has run when the signal comes.
    (tmp_path / "sleeper.py").write_text("import time\nopen('ready', 'w').close(); time.sleep(30)\n")
    process = subprocess.Popen([sys.executable, "-m", "ferrocov", "run", "sleeper.py"], cwd=tmp_path, env=clean_env(), stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 30
    while not (tmp_path / "ready").exists() and time.time() < deadline:
        time.sleep(0.01)
    process.send_signal(signal.SIGALRM)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == -signal.SIGALRM, stderr
    assert read_lines(tmp_path / ".coverage")[str(tmp_path / "sleeper.py")] == {1, 2}


# 6. A nested ferrocov.Coverage pauses the outer measurement, which resumes.


def test_a_nested_coverage_resumes_the_outer_run(tmp_path: Path) -> None:
    (tmp_path / "lib.py").write_text("def before():\n    return 1\n\ndef after():\n    return 2\n")
    (tmp_path / "test_nested.py").write_text(
        "import lib\nfrom ferrocov import Coverage\n\n"
        "def test_a_nested_coverage(tmp_path):\n"
        "    assert lib.before() == 1\n"
        "    cov = Coverage(data_file=str(tmp_path / 'inner'))\n"
        "    cov.start()\n"
        "    cov.stop()\n\n"
        "def test_later():\n"
        "    assert lib.after() == 2\n"
    )
    result = run([*PYTEST, "--cov=.", "--cov-report=term-missing"], cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    lib = next(line for line in result.stdout.splitlines() if line.startswith("lib.py"))
    assert lib.split()[1:4] == ["4", "0", "100%"], result.stdout


# 7. A descriptor the program closed does not let a combine take a live file.


@one_version
def test_a_combine_while_a_daemon_runs_leaves_its_file(tmp_path: Path) -> None:
    (tmp_path / "daemon.py").write_text(
        "import os, time\n"
        "os.closerange(3, 4096)\n"
        "open('ready', 'w').close()\n"
        "while not os.path.exists('go'):\n"
        "    time.sleep(0.01)\n"
        "x = 'after the combine'\n"
    )
    process = subprocess.Popen([sys.executable, "-m", "ferrocov", "run", "daemon.py"], cwd=tmp_path, env=clean_env(), stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 30
    while not (tmp_path / "ready").exists() and time.time() < deadline:
        time.sleep(0.01)
    combined = ferrocov("combine", cwd=tmp_path)
    assert "still running" in combined.stderr, combined.stderr
    (tmp_path / "go").write_text("")
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 0, stderr
    assert read_lines(tmp_path / ".coverage")[str(tmp_path / "daemon.py")] == {1, 2, 3, 4, 5, 6}
    report = ferrocov("report", cwd=tmp_path)
    assert "1 process measured, 0 ended without a clean close" in report.stderr, report.stderr


# 8. Code compiled again and again shares its records: memory and data stay bounded.

COMPILER = """\
import sys
source = "def f(x):\\n    if x:\\n        return 1\\n    return 2\\nf(1)\\nf(0)\\n"
def rss():
    return int(open("/proc/self/statm").read().split()[1]) * 4096
for i in range(int(sys.argv[1])):
    exec(compile(source, "generated.py", "exec"), {})
    if i == 999:
        start = rss()
print((rss() - start) // 1024)
"""


@pytest.mark.skipif(not os.path.exists("/proc/self/statm"), reason="needs /proc")
@pytest.mark.parametrize("branch", [[], ["--branch"]], ids=["lines", "branches"])
def test_code_compiled_again_and_again_stays_bounded(tmp_path: Path, branch: list[str]) -> None:
    (tmp_path / "compiler.py").write_text(COMPILER)
    (tmp_path / "generated.py").write_text("")
    result = ferrocov("run", *branch, "compiler.py", "30000", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    growth_kib = int(result.stdout)
    # Before records were shared: about 1.7 KiB (lines) and 3.7 KiB (branches) per compile.
    assert growth_kib < 4 * 1024, f"RSS grew by {growth_kib} KiB over 29,000 compiles"
    lines = read_lines(tmp_path / ".coverage")[str(tmp_path / "generated.py")]
    assert lines == {1, 2, 3, 4, 5, 6}


# 9. --append across measurement modes is refused, as coverage.py refuses it; the data stays.


@one_version
def test_append_across_measurement_modes_is_refused(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text("x = 1\n")
    (tmp_path / "b.py").write_text("y = 2\n")
    assert ferrocov("run", "a.py", cwd=tmp_path).returncode == 0
    before = (tmp_path / ".coverage").read_bytes()
    result = ferrocov("run", "--branch", "-a", "b.py", cwd=tmp_path)
    assert result.returncode == 1
    assert "Can't add branch measurements to existing line data" in result.stdout
    assert (tmp_path / ".coverage").read_bytes() == before
    (tmp_path / "test_b.py").write_text("def test_b():\n    import b\n")
    result = run([*PYTEST, "--cov=.", "--cov-append", "--cov-branch"], cwd=tmp_path)
    assert result.returncode == 1
    assert "Can't add branch measurements to existing line data" in result.stdout
    assert (tmp_path / ".coverage").read_bytes() == before


# 10. The smaller ones.


@one_version
def test_a_module_imported_from_a_zip_archive_is_reported(tmp_path: Path) -> None:
    import zipfile

    with zipfile.ZipFile(tmp_path / "lib.zip", "w") as archive:
        archive.writestr("zipped.py", "def f(x):\n    if x:\n        return 1\n    return 2\n")
    (tmp_path / "prog.py").write_text("import sys\nsys.path.insert(0, 'lib.zip')\nimport zipped\nzipped.f(1)\n")
    assert ferrocov("run", "--include=*zipped*", "prog.py", cwd=tmp_path).returncode == 0
    ours = ferrocov("report", "-m", cwd=tmp_path)
    assert ours.returncode == 0, ours.stdout + ours.stderr
    theirs = run([sys.executable, "-m", "coverage", "report", "-m"], cwd=tmp_path)
    assert ours.stdout == theirs.stdout


@one_version
def test_a_fifo_in_a_run_directory_does_not_hang_erase(tmp_path: Path) -> None:
    (tmp_path / "prog.py").write_text("x = 1\n")
    directory = tmp_path / ".ferrocov-planted"
    directory.mkdir()
    os.mkfifo(directory / "trap.fcd")
    result = ferrocov("erase", cwd=tmp_path, timeout=30)
    assert result.returncode == 0, result.stderr
    assert not directory.exists()


@one_version
@pytest.mark.skipif(os.geteuid() != 0 or shutil.which("unshare") is None, reason="PID namespaces need root and unshare: NOT TESTED")
def test_processes_with_the_same_pid_are_not_taken_for_exec(tmp_path: Path) -> None:
    # In a new PID namespace the interpreter is pid 1 and the child it starts pid 2, both times.
    (tmp_path / "killed.py").write_text("import os, signal\nos.kill(os.getpid(), signal.SIGKILL)\n")
    (tmp_path / "init.py").write_text("import subprocess, sys\nsubprocess.run([sys.executable, 'killed.py'])\n")
    (tmp_path / "prog.py").write_text(
        "import subprocess, sys\nfor _ in range(2):\n"
        "    subprocess.run(['unshare', '--pid', '--fork', sys.executable, 'init.py'])\n"
    )
    result = ferrocov("run", "prog.py", cwd=tmp_path)
    if "unshare failed" in result.stderr or "Operation not permitted" in result.stderr:
        pytest.skip("unshare --pid is not allowed here: NOT TESTED")
    assert result.returncode == 0, result.stderr
    report = ferrocov("report", cwd=tmp_path)
    assert "5 processes measured, 2 ended without a clean close (2 killed)" in report.stderr, report.stderr


def test_a_fork_through_ctypes_never_overwrites_the_parents_data(tmp_path: Path) -> None:
    (tmp_path / "forker.py").write_text(
        "import ctypes, os, sys\n"
        "libc = ctypes.CDLL(None)\n"
        "def parent_part():\n    return 'parent'\n"
        "def child_part():\n    return 'child'\n"
        "pid = libc.fork()\n"
        "if pid == 0:\n"
        "    import json\n"  # new code objects in the child: records of its own
        "    child_part()\n"
        "    os._exit(0)\n"
        "os.waitpid(pid, 0)\n"
        "parent_part()\n"
    )
    result = ferrocov("run", "forker.py", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "couldn't" not in result.stderr.lower() and "damaged" not in result.stderr, result.stderr
    lines = read_lines(tmp_path / ".coverage")[str(tmp_path / "forker.py")]
    assert {4, 6, 8, 9, 10, 11, 12, 13} <= lines, lines


@one_version
def test_unsaved_coverage_objects_leave_nothing_behind(tmp_path: Path) -> None:
    runs = tmp_path / "tmp"
    runs.mkdir()
    (tmp_path / "prog.py").write_text(
        "from ferrocov import Coverage\n"
        "for _ in range(50):\n"
        "    cov = Coverage()\n"
        "    cov.start()\n"
        "    x = 1\n"
        "    cov.stop()\n"
    )
    result = run([sys.executable, "prog.py"], cwd=tmp_path, TMPDIR=str(runs))
    assert result.returncode == 0, result.stderr
    left = [p for p in runs.rglob("*") if p.is_file()] + list(tmp_path.glob(".ferrocov-*"))
    assert left == []


@one_version
def test_a_directory_at_the_data_file_is_one_line_under_pytest(tmp_path: Path) -> None:
    (tmp_path / ".coverage").mkdir()
    (tmp_path / "test_x.py").write_text("def test_x():\n    pass\n")
    result = run([*PYTEST, "--cov=."], cwd=tmp_path)
    assert "Traceback" not in result.stdout + result.stderr, result.stdout + result.stderr
    assert "1 passed" in result.stdout
    said = [line for line in (result.stdout + result.stderr).splitlines() if str(tmp_path / ".coverage") in line]
    assert said, result.stdout + result.stderr


@pytest.mark.skipif(sys.version_info < (3, 12), reason="sys.monitoring is 3.12+")
def test_a_freed_tool_id_is_said_once_and_what_was_recorded_stays(tmp_path: Path) -> None:
    (tmp_path / "prog.py").write_text(
        "import sys\n"
        "before = 1\n"
        "for tool in range(6):\n"
        "    if sys.monitoring.get_tool(tool) == 'ferrocov':\n"
        "        sys.monitoring.free_tool_id(tool)\n"
        "after = 2\n"
        "print('done')\n"
    )
    result = ferrocov("run", "prog.py", cwd=tmp_path)
    assert (result.returncode, result.stdout) == (0, "done\n"), result.stderr
    said = [line for line in result.stderr.splitlines() if "was freed or taken over by the program" in line]
    assert len(said) == 1, result.stderr
    assert {1, 2, 3, 4, 5} <= read_lines(tmp_path / ".coverage")[str(tmp_path / "prog.py")]


PROFILED = """\
import cProfile, io, pstats
def f(x):
    if x:
        return 1
    return 2
profile = cProfile.Profile()
profile.enable()
for i in range(3):
    f(i)
profile.disable()
stream = io.StringIO()
pstats.Stats(profile, stream=stream).print_stats()
print(stream.getvalue().splitlines()[0].strip())
"""


@pytest.mark.parametrize("branch", [[], ["--branch"]], ids=["lines", "branches"])
def test_a_profiler_counts_what_it_counts_without_measurement(tmp_path: Path, branch: list[str]) -> None:
    (tmp_path / "prof.py").write_text(PROFILED)
    plain = run([sys.executable, "prof.py"], cwd=tmp_path)
    measured = ferrocov("run", *branch, "prof.py", cwd=tmp_path)
    assert measured.returncode == 0, measured.stderr
    assert measured.stdout.split(" in ")[0] == plain.stdout.split(" in ")[0] == "4 function calls"


IMPORT_WATCH = """\
import builtins
seen = []
original = builtins.__import__
def watching(name, *args, **kwargs):
    seen.append(name)
    return original(name, *args, **kwargs)
builtins.__import__ = watching

def classify(values):
    out = []
    for v in values:
        if v % 3 == 0:
            out.append("fizz")
        elif v % 5 == 0:
            out.append("buzz")
        else:
            try:
                raise ValueError(v)
            except ValueError:
                out.append(str(v))
    return out

class Thing:
    def method(self, x):
        return [y for y in range(x) if y % 2]

classify(range(20))
Thing().method(10)
exec(compile("def g():\\n    return 1\\ng()\\n", "generated.py", "exec"), {})
builtins.__import__ = original
print(sorted(set(seen)))
"""


@pytest.mark.parametrize("branch", [[], ["--branch"]], ids=["lines", "branches"])
def test_measurement_imports_nothing_through_the_programs_hook(tmp_path: Path, branch: list[str]) -> None:
    (tmp_path / "watch.py").write_text(IMPORT_WATCH)
    (tmp_path / "generated.py").write_text("")
    plain = run([sys.executable, "watch.py"], cwd=tmp_path)
    measured = ferrocov("run", *branch, "watch.py", cwd=tmp_path)
    assert measured.returncode == 0, measured.stderr
    assert measured.stdout == plain.stdout == "[]\n"


SERIALIZED = """\
import marshal, pickle, sys
def f(x):
    if x:
        return 1
    return 2
f(1)
# marshal writes the code as compiled (its bytes may differ by the references it shares):
# it loads back equal to the function's code compiled afresh.
compiled = compile(open(__file__).read(), __file__, "exec")
original = next(c for c in compiled.co_consts if getattr(c, "co_name", "") == "f")
print(marshal.loads(marshal.dumps(f.__code__)) == original)
with open("consts.pickle", "wb") as out:
    pickle.dump(f.__code__.co_consts, out)
"""


@pytest.mark.parametrize("branch", [[], ["--branch"]], ids=["lines", "branches"])
def test_measured_code_marshals_and_pickles_as_the_original(tmp_path: Path, branch: list[str]) -> None:
    (tmp_path / "ser.py").write_text(SERIALIZED)
    plain = run([sys.executable, "ser.py"], cwd=tmp_path)
    measured = ferrocov("run", *branch, "ser.py", cwd=tmp_path)
    assert measured.returncode == 0, measured.stderr
    assert measured.stdout == plain.stdout == "True\n"
    # What was pickled loads where ferrocov is not installed (no site-packages at all).
    loaded = run([sys.executable, "-I", "-S", "-c", "import pickle; print(len(pickle.load(open('consts.pickle', 'rb'))))"], cwd=tmp_path)
    assert loaded.returncode == 0, loaded.stderr
