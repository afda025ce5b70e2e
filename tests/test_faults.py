"""Never hurt the program, never lose a run: a full disk, a file-size limit, an unwritable or
read-only directory, a combine or erase during a run, planted symlinks, damaged data files,
sys.monitoring tool ids taken, and the start-up hook's check of the command line.

Cases that need a small or read-only filesystem mount a tmpfs, which needs root (CI runs as
root); elsewhere they skip, naming what was not tested."""

from __future__ import annotations

import contextlib
import os
import struct
import subprocess
import sys
import sysconfig
import time
import zlib
from pathlib import Path
from typing import Iterator

import pytest

from conftest import clean_env, ferrocov, read_lines, run

HELLO = 'print("hello")\n'


@contextlib.contextmanager
def tmpfs(path: Path, size: str, what: str) -> Iterator[Path]:
    """A tmpfs of `size` mounted at `path` for the duration of the block."""
    if os.geteuid() != 0:
        pytest.skip(f"mounting a tmpfs needs root: {what} NOT TESTED")
    path.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)], capture_output=True, text=True)
    if mounted.returncode != 0:
        pytest.skip(f"can't mount a tmpfs ({mounted.stderr.strip()}): {what} NOT TESTED")
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], capture_output=True)


def remount_read_only(path: Path) -> None:
    subprocess.run(["mount", "-o", "remount,ro", str(path)], check=True)


def fill(directory: Path) -> None:
    """Use up every byte of the filesystem holding `directory`."""
    for size in (4096, 1024, 64, 1):
        with open(directory / f"filler-{size}", "wb", buffering=0) as f:
            try:
                while True:
                    f.write(b"x" * size)
            except OSError:
                pass


def settings_for(data_directory: Path, cwd: Path) -> str:
    from ferrocov._settings import Settings

    return Settings(data_directory=str(data_directory), cwd=str(cwd)).encode()


def ferrocov_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.strip()]


# 1. A full disk never kills the program (it was SIGBUS when a mapped page had no block).


def test_full_disk_under_the_start_up_hook(tmp_path: Path) -> None:
    (tmp_path / "prog.py").write_text(HELLO)
    with tmpfs(tmp_path / "disk", "200k", "a full disk under the start-up hook") as disk:
        fill(disk)
        result = run([sys.executable, "prog.py"], cwd=tmp_path, FERROCOV_RUN=settings_for(disk / ".ferrocov-run", tmp_path))
        assert result.returncode == 0, result.stderr
        assert result.stdout == "hello\n"
        lines = ferrocov_lines(result.stderr)
        assert len(lines) == 1, result.stderr
        assert lines[0].startswith("ferrocov: can't record coverage data: ") and str(disk) in lines[0]
        assert "No space left on device" in lines[0]


def test_full_disk_under_ferrocov_run(tmp_path: Path) -> None:
    with tmpfs(tmp_path / "disk", "200k", "a full disk under ferrocov run") as disk:
        (disk / "prog.py").write_text(HELLO + "import sys\nsys.exit(3)\n")
        fill(disk)
        plain = run([sys.executable, "prog.py"], cwd=disk)
        # The run's data directory (under the temporary directory) and the data file are both
        # on the full disk.
        measured = ferrocov("run", "prog.py", cwd=disk, TMPDIR=str(disk))
        assert (measured.returncode, measured.stdout) == (plain.returncode, plain.stdout) == (3, "hello\n")
        assert "Traceback" not in measured.stderr
        lines = ferrocov_lines(measured.stderr)
        assert all(line.startswith("ferrocov: ") for line in lines), measured.stderr
        # One line says recording stopped, and why; the save that follows fails for the same
        # reason and says so; coverage.py's "No data was collected" may follow. No more.
        recording = [line for line in lines if "can't record coverage data" in line]
        assert len(recording) == 1 and "No space left on device" in recording[0] and str(disk) in recording[0]
        assert len(lines) <= 3, measured.stderr


GENERATED_FUNCTIONS = 600


def generated_module() -> str:
    body = []
    for index in range(GENERATED_FUNCTIONS):
        body.append(f"def f{index}():\n" + "".join(f"    x{k} = {k}\n" for k in range(40)) + "    return x0\n")
    body.append(f"for i in range({GENERATED_FUNCTIONS}):\n    globals()[f'f{{i}}']()\nprint('done')\n")
    return "\n".join(body)


def test_disk_full_midway_keeps_what_was_recorded(tmp_path: Path) -> None:
    """Recording stops with one line when a new segment can't be had; the program runs to its
    end, and every line recorded before that is still combined."""
    (tmp_path / "gen.py").write_text(generated_module())
    with tmpfs(tmp_path / "disk", "100k", "a disk that fills up during a run") as disk:
        data_directory = disk / ".ferrocov-run"
        result = run([sys.executable, "gen.py"], cwd=tmp_path, FERROCOV_RUN=settings_for(data_directory, tmp_path))
        assert result.returncode == 0 and result.stdout == "done\n", result.stderr
        lines = ferrocov_lines(result.stderr)
        assert len(lines) == 1 and "No space left on device" in lines[0], result.stderr
        combined = ferrocov("combine", str(data_directory), cwd=tmp_path)
        assert combined.returncode == 0, combined.stdout + combined.stderr
        assert "damaged" not in combined.stderr
    measured = read_lines(tmp_path / ".coverage")[str(tmp_path / "gen.py")]
    # The first functions ran while there was room: every line of theirs is there.
    assert set(range(2, 43)) <= measured
    assert len(measured) > 1000


# 2. Raw data is deleted only once the data that replaces it is on disk.


def test_a_failed_save_keeps_the_raw_data(tmp_path: Path) -> None:
    (tmp_path / "prog.py").write_text("a = 1\nb = 2\n")
    (tmp_path / ".coverage").mkdir()  # the data file can't be written
    runs = tmp_path / "tmp"
    runs.mkdir()
    result = ferrocov("run", "prog.py", cwd=tmp_path, TMPDIR=str(runs))
    assert result.returncode == 0
    assert "Traceback" not in result.stderr
    assert "Couldn't save coverage data" in result.stderr and "the per-process data is kept in" in result.stderr
    # The run's directory, under the temporary directory (out of the work tree).
    run_directories = list((runs / f"ferrocov-{os.getuid()}").iterdir())
    assert len(run_directories) == 1 and any(run_directories[0].glob("*.fcd"))
    assert str(run_directories[0]) in result.stderr
    (tmp_path / ".coverage").rmdir()
    assert ferrocov("combine", cwd=tmp_path, TMPDIR=str(runs)).returncode == 0
    assert read_lines(tmp_path / ".coverage")[str(tmp_path / "prog.py")] == {1, 2}


# 3. combine and erase during a run take only what finished processes wrote.

WAITING_MAIN = '''
import os
import subprocess
import sys
import time

subprocess.run([sys.executable, "child.py"], check=True)
open("started", "w").close()
while not os.path.exists("go"):
    time.sleep(0.02)
print("main done")
'''

CHILD = "x = 1\ny = x + 1\n"


def run_with_intervention(tmp_path: Path, *command: str) -> subprocess.CompletedProcess[str]:
    (tmp_path / "main.py").write_text(WAITING_MAIN.lstrip())
    (tmp_path / "child.py").write_text(CHILD)
    program = subprocess.Popen(
        [sys.executable, "-m", "ferrocov", "run", "main.py"], cwd=tmp_path, env=clean_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    deadline = time.time() + 60
    while not (tmp_path / "started").exists():
        assert time.time() < deadline and program.poll() is None, program.communicate()
        time.sleep(0.02)
    intervention = ferrocov(*command, cwd=tmp_path)
    (tmp_path / "go").touch()
    out, err = program.communicate(timeout=60)
    assert program.returncode == 0, err
    assert out == "main done\n"
    return intervention


def test_combine_during_a_run_loses_nothing(tmp_path: Path) -> None:
    intervention = run_with_intervention(tmp_path, "combine")
    assert intervention.returncode == 0, intervention.stdout + intervention.stderr
    assert "left 1 data file(s) of processes still running" in intervention.stderr
    measured = read_lines(tmp_path / ".coverage")
    assert measured[str(tmp_path / "child.py")] == {1, 2}
    assert {6, 7, 8, 10} <= measured[str(tmp_path / "main.py")]
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".ferrocov-")]


def test_erase_during_a_run_leaves_the_live_process_data(tmp_path: Path) -> None:
    intervention = run_with_intervention(tmp_path, "erase")
    assert intervention.returncode == 0
    assert "left 1 data file(s) of processes still running" in intervention.stderr
    measured = read_lines(tmp_path / ".coverage")
    # The finished child's data was erased, as asked; the running program's was not.
    assert str(tmp_path / "child.py") not in measured
    assert {6, 7, 8, 10} <= measured[str(tmp_path / "main.py")]


# 4. No file is created through a planted symlink.


def test_a_symlink_planted_at_the_data_file_is_replaced_not_followed(tmp_path: Path) -> None:
    (tmp_path / "prog.py").write_text("a = 1\n")
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    (tmp_path / ".coverage").symlink_to(victim)
    assert ferrocov("run", "prog.py", cwd=tmp_path).returncode == 0
    assert victim.read_text() == "precious"
    assert not (tmp_path / ".coverage").is_symlink()
    assert read_lines(tmp_path / ".coverage")[str(tmp_path / "prog.py")] == {1}
    assert not [p.name for p in tmp_path.iterdir() if "ferrocov-tmp" in p.name]


# 5 and 6. Damaged data files: named, and the rest still combines.


def raw_run(tmp_path: Path, source: str) -> Path:
    """Run a program with the start-up hook only; return its data directory (uncombined)."""
    (tmp_path / "prog.py").write_text(source)
    directory = tmp_path / ".ferrocov-raw"
    result = run([sys.executable, "prog.py"], cwd=tmp_path, FERROCOV_RUN=settings_for(directory, tmp_path))
    assert result.returncode == 0, result.stderr
    return directory


def test_a_crafted_line_number_is_damage_not_a_huge_data_file(tmp_path: Path) -> None:
    directory = raw_run(tmp_path, "def f():\n    return 1\n\nf()\n")
    (segment,) = directory.glob("*.fcd")
    data = bytearray(segment.read_bytes())
    # The first record (right after the header, whose length is at offset 12): set its first
    # line to 2**30 and recompute its checksum, as a crafted file would.
    (record,) = struct.unpack_from("<I", data, 12)
    struct.pack_into("<I", data, record + 8, 1 << 30)
    path_len, context_len = struct.unpack_from("<II", data, record + 16)
    names_end = 32 + path_len + context_len
    checksum = zlib.crc32(bytes(data[record + 4 : record + 24]) + bytes(data[record + 28 : record + names_end]))
    struct.pack_into("<I", data, record + 24, checksum)
    segment.write_bytes(bytes(data))
    result = ferrocov("combine", str(directory), cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "absurd line numbers" in result.stderr and segment.name in result.stderr
    assert (tmp_path / ".coverage").stat().st_size < 100_000
    # The function's own record was intact: its line is there.
    assert 2 in read_lines(tmp_path / ".coverage")[str(tmp_path / "prog.py")]


def test_a_truncated_data_file_is_named_and_the_others_combine(tmp_path: Path) -> None:
    (tmp_path / "child.py").write_text(CHILD)
    directory = raw_run(tmp_path, "import subprocess, sys\nsubprocess.run([sys.executable, 'child.py'])\n")
    segments = sorted(directory.glob("*.fcd"), key=lambda p: p.stat().st_mtime_ns)
    assert len(segments) >= 2
    victim = segments[0]
    victim.write_bytes(victim.read_bytes()[:1000])
    result = ferrocov("combine", str(directory), cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "truncated" in result.stderr and victim.name in result.stderr
    assert read_lines(tmp_path / ".coverage")[str(tmp_path / "child.py")] == {1, 2}


# 7. sys.monitoring: ferrocov takes COVERAGE_ID, never the ids programs claim.

CLAIMS = '''
import sys
claimed = []
for tool in (0, 2, 3, 4, 5):
    sys.monitoring.use_tool_id(tool, "mine")
    claimed.append(tool)
print(claimed, sys.monitoring.get_tool(sys.monitoring.COVERAGE_ID))
'''


@pytest.mark.skipif(sys.version_info < (3, 12), reason="sys.monitoring is 3.12+")
def test_programs_can_claim_every_tool_id_but_coverage_id(tmp_path: Path) -> None:
    (tmp_path / "prog.py").write_text(CLAIMS.lstrip())
    result = ferrocov("run", "prog.py", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "[0, 2, 3, 4, 5] ferrocov\n"
    assert read_lines(tmp_path / ".coverage")[str(tmp_path / "prog.py")] == {1, 2, 3, 4, 5, 6}


TAKEN = '''
import sys
for tool in (1, 3, 4):
    sys.monitoring.use_tool_id(tool, "mine")
sys.path.append(sys.argv[1])
from ferrocov.control import Controller
from ferrocov.config import Config
controller = Controller(Config())
controller.start()
print("still running")
'''


@pytest.mark.skipif(sys.version_info < (3, 12), reason="sys.monitoring is 3.12+")
def test_no_free_tool_id_is_one_line_and_the_program_goes_on(tmp_path: Path) -> None:
    (tmp_path / "prog.py").write_text(TAKEN.lstrip())
    # -S: no .pth start-up, so that the program claims the ids before ferrocov starts.
    result = run([sys.executable, "-S", "prog.py", sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]], cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "still running\n"
    lines = ferrocov_lines(result.stderr)
    assert lines == ["ferrocov: measurement not started in this process: sys.monitoring tool ids 1, 4 and 3 are all in use"]


# 8. A file-size limit: small first segments fit under it.

LIMITED = '''
import resource
import subprocess
import sys

def limit():
    resource.setrlimit(resource.RLIMIT_FSIZE, (200_000, 200_000))

subprocess.run([sys.executable, "child.py"], preexec_fn=limit, check=True)
'''


def test_a_child_under_a_file_size_limit_is_measured(tmp_path: Path) -> None:
    (tmp_path / "main.py").write_text(LIMITED.lstrip())
    (tmp_path / "child.py").write_text(CHILD)
    result = ferrocov("run", "main.py", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert read_lines(tmp_path / ".coverage")[str(tmp_path / "child.py")] == {1, 2}


def test_a_file_size_limit_too_small_is_one_line(tmp_path: Path) -> None:
    (tmp_path / "main.py").write_text(LIMITED.lstrip().replace("200_000", "10_000"))
    (tmp_path / "child.py").write_text(CHILD + "print('child ran')\n")
    result = ferrocov("run", "main.py", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "child ran\n"
    lines = ferrocov_lines(result.stderr)
    assert len(lines) == 1 and "file size limit (RLIMIT_FSIZE) of 10000 bytes" in lines[0], result.stderr


# 9. A directory that can't be written: the program runs, one line says why.


def test_a_read_only_directory_is_one_line(tmp_path: Path) -> None:
    with tmpfs(tmp_path / "ro", "1m", "a read-only directory") as directory:
        (directory / "prog.py").write_text(HELLO)
        remount_read_only(directory)
        plain = run([sys.executable, "prog.py"], cwd=directory)
        measured = ferrocov("run", "prog.py", cwd=directory)
        assert (measured.returncode, measured.stdout) == (plain.returncode, plain.stdout) == (0, "hello\n")
        lines = ferrocov_lines(measured.stderr)
        assert len(lines) == 1, measured.stderr
        assert "Read-only file system" in lines[0] and str(directory) in lines[0]


# 10. The start-up hook reacts to a real --cov of a real pytest process only.

PROBE = "import sys; print(sorted(m for m in sys.modules if m.startswith('ferrocov')))"


@pytest.mark.parametrize(
    "args, addopts",
    [
        (["--coverage"], ""),
        (["--cover"], ""),
        (["--cov"], ""),  # not a pytest process
        ([], "--cov"),  # a CI-wide PYTEST_ADDOPTS in a process that is not pytest
        ([], "--cov=src --cov-branch"),
    ],
)
def test_the_start_up_hook_imports_nothing_for_other_processes(tmp_path: Path, args: list[str], addopts: str) -> None:
    result = run([sys.executable, "-c", PROBE, *args], cwd=tmp_path, PYTEST_ADDOPTS=addopts)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "[]\n"


CONFTEST_PROBE = '''
import sys
with open("probe.txt", "w") as f:
    f.write(repr(sorted(m for m in sys.modules if m == "ferrocov._boot")))
'''


@pytest.mark.parametrize("option", ["--coverage", "--cover"])
def test_the_start_up_hook_ignores_lookalike_pytest_options(tmp_path: Path, option: str) -> None:
    (tmp_path / "conftest.py").write_text(CONFTEST_PROBE.lstrip())
    (tmp_path / "test_x.py").write_text("def test_x():\n    pass\n")
    result = run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", option], cwd=tmp_path)
    assert result.returncode != 0  # pytest itself refuses the unknown option
    assert (tmp_path / "probe.txt").read_text() == "[]"


def test_the_start_up_hook_starts_a_real_pytest_cov_run(tmp_path: Path) -> None:
    (tmp_path / "conftest.py").write_text(CONFTEST_PROBE.lstrip())
    (tmp_path / "test_x.py").write_text("def test_x():\n    pass\n")
    result = run([sys.executable, "-m", "pytest", "-p", "no:pytest_cov", "-p", "no:cacheprovider", "-q"], cwd=tmp_path, PYTEST_ADDOPTS="--cov=.")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "ferrocov._boot" in (tmp_path / "probe.txt").read_text()
