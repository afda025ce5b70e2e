"""The ferrocov command line: run behaves like python, combine survives bad files, report's
options and exit statuses are coverage.py's."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

from conftest import PROGRAMS, coverage, ferrocov, read_lines, run


def test_run_module_like_python_dash_m(tmp_path: Path) -> None:
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "__init__.py").write_text("")
    (tmp_path / "pkg" / "__main__.py").write_text("import sys\nprint('argv', sys.argv[1:])\nsys.exit(3)\n")
    plain = run([sys.executable, "-m", "pkg", "a", "b"], cwd=tmp_path)
    ours = ferrocov("run", "-m", "pkg", "a", "b", cwd=tmp_path)
    assert ours.returncode == plain.returncode == 3
    assert ours.stdout == plain.stdout == "argv ['a', 'b']\n"
    assert read_lines(tmp_path / ".coverage")[str(tmp_path / "pkg" / "__main__.py")] == {1, 2, 3}


def test_uncaught_exception_printed_as_python_prints_it(tmp_path: Path) -> None:
    (tmp_path / "boom.py").write_text("def f():\n    raise ValueError('bad value')\n\nf()\n")
    plain = run([sys.executable, "boom.py"], cwd=tmp_path)
    ours = ferrocov("run", "boom.py", cwd=tmp_path)
    assert ours.returncode == plain.returncode == 1
    assert ours.stderr.splitlines()[-1] == plain.stderr.splitlines()[-1] == "ValueError: bad value"
    assert "ferrocov" not in ours.stderr
    assert 'File "' in ours.stderr and "line 2, in f" in ours.stderr


def test_threads_started_before_measurement_are_measured(tmp_path: Path) -> None:
    """A thread that exists before measurement starts (as under a pytest plugin loaded early)."""
    (tmp_path / "target.py").write_text("def work():\n    x = 1\n    return x + 1\n")
    (tmp_path / "driver.py").write_text(
        "import os, sys, threading\n"
        "sys.path.insert(0, os.getcwd())\n"
        "import target\n"
        "go = threading.Event()\n"
        "def loop():\n"
        "    go.wait()\n"
        "    target.work()\n"
        "t = threading.Thread(target=loop)\n"
        "t.start()\n"
        "from ferrocov._settings import Settings\n"
        "from ferrocov import _measure, _core\n"
        "_measure.start(Settings(data_directory=os.path.join(os.getcwd(), '.ferrocov-t'), cwd=os.getcwd()))\n"
        "go.set()\n"
        "t.join()\n"
        "_measure.stop()\n"
    )
    result = run([sys.executable, "driver.py"], cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    combined = ferrocov("combine", cwd=tmp_path)
    assert combined.returncode == 0, combined.stdout + combined.stderr
    assert read_lines(tmp_path / ".coverage")[str(tmp_path / "target.py")] == {2, 3}


def test_combine_skips_a_corrupt_file_and_keeps_the_rest(tmp_path: Path) -> None:
    (tmp_path / "prog.py").write_text("a = 1\nb = 2\n")
    assert ferrocov("run", "--parallel-mode", "prog.py", cwd=tmp_path).returncode == 0
    run_dir = tmp_path / ".ferrocov-0123"
    run_dir.mkdir()
    (run_dir / "host.1.00.0.fcd").write_bytes(b"FRCOVDAT" + b"\x07" * 80)
    (tmp_path / ".coverage.broken").write_bytes(b"not a database at all" * 10)
    result = ferrocov("combine", cwd=tmp_path)
    assert result.returncode == 0
    assert "host.1.00.0.fcd" in result.stderr and ".coverage.broken" in result.stderr
    assert read_lines(tmp_path / ".coverage")[str(tmp_path / "prog.py")] == {1, 2}


@pytest.mark.parametrize(
    "options",
    [["--include=*/a.py"], ["--omit=*/b.py"], ["--fail-under=90"], ["--fail-under=10"], ["--skip-empty", "-m"], ["--sort=miss"], ["--sort=bogus"]],
    ids=lambda o: " ".join(o),
)
def test_report_options_and_exit_status_equal_coverage_py(options: list[str], tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text("import b\nif b.x:\n    y = 1\nelse:\n    y = 2\n")
    (tmp_path / "b.py").write_text("x = 0\n")
    (tmp_path / "empty.py").write_text("# nothing\n")
    (tmp_path / "main.py").write_text("import a\nimport empty\n")
    assert ferrocov("run", "main.py", cwd=tmp_path).returncode == 0
    ours = ferrocov("report", *options, cwd=tmp_path)
    theirs = coverage("report", *options, cwd=tmp_path)
    assert ours.returncode == theirs.returncode
    assert ours.stdout == theirs.stdout


def test_combine_remaps_paths_like_coverage_py(tmp_path: Path) -> None:
    """Data measured on one machine (another directory), combined and reported on another."""
    measured = tmp_path / "ci-machine" / "checkout"
    (measured / "src").mkdir(parents=True)
    (measured / "src" / "mod.py").write_text("def f(x):\n    if x:\n        return 1\n    return 2\n\nf(1)\n")
    (measured / "main.py").write_text("import sys\nsys.path.insert(0, 'src')\nimport mod\n")
    assert ferrocov("run", "-p", "main.py", cwd=measured).returncode == 0
    assert coverage("run", "-p", "main.py", cwd=measured).returncode == 0
    ours_files = sorted(p for p in measured.glob(".coverage.*"))
    assert len(ours_files) == 2
    reports = {}
    for tool in ("ferrocov", "coverage"):
        here = tmp_path / f"laptop-{tool}" / "project"
        (here / "src").mkdir(parents=True)
        (here / "src" / "mod.py").write_text((measured / "src" / "mod.py").read_text())
        (here / ".coveragerc").write_text("[paths]\nsource =\n    src/\n    */ci-machine/checkout/src/\n")
        for data in ours_files:
            (here / data.name).write_bytes(data.read_bytes())
        combine = (ferrocov if tool == "ferrocov" else coverage)("combine", cwd=here)
        assert combine.returncode == 0, combine.stdout + combine.stderr
        reports[tool] = coverage("report", "-m", "--include=*/src/*", cwd=here).stdout
    assert reports["ferrocov"] == reports["coverage"]
    assert "src/mod.py" in reports["ferrocov"] and "100%" not in reports["ferrocov"].splitlines()[2]


def _measured_names(root: Path) -> set[str]:
    return {Path(p).name for p in read_lines(root / ".coverage")}


def test_default_selection_leaves_out_stdlib_and_installed_packages(tmp_path: Path) -> None:
    (tmp_path / "mine.py").write_text("import json\nimport pluggy\nprint(json.dumps([1]))\n")
    assert ferrocov("run", "mine.py", cwd=tmp_path).returncode == 0
    measured = read_lines(tmp_path / ".coverage")
    assert list(measured) == [str(tmp_path / "mine.py")]


def test_include_and_source_pkgs(tmp_path: Path) -> None:
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "__init__.py").write_text("")
    (tmp_path / "pkg" / "used.py").write_text("x = 1\n")
    (tmp_path / "pkg" / "unused.py").write_text("y = 2\n")
    (tmp_path / "a.py").write_text("import pkg.used\nimport b\n")
    (tmp_path / "b.py").write_text("z = 3\n")
    assert ferrocov("run", "--include=*/b.py", "a.py", cwd=tmp_path).returncode == 0
    assert _measured_names(tmp_path) == {"b.py"}
    (tmp_path / ".coveragerc").write_text("[run]\nsource_pkgs = pkg\n")
    assert ferrocov("run", "a.py", cwd=tmp_path).returncode == 0
    # Under source_pkgs: the package's files, the unexecuted one too (reported at 0%).
    assert _measured_names(tmp_path) == {"__init__.py", "used.py", "unused.py"}
    ours = ferrocov("report", cwd=tmp_path)
    assert ours.stdout == coverage("report", cwd=tmp_path).stdout
    assert "pkg/unused.py" in ours.stdout


def test_line_and_branch_data_are_not_mixed(tmp_path: Path) -> None:
    """As coverage.py: statement data and branch data never combine. The file of the other kind
    is named, skipped and kept; nothing is lost."""
    from coverage import CoverageData

    shutil.copy(PROGRAMS / "functions.py", tmp_path / "functions.py")
    assert ferrocov("run", "-p", "functions.py", cwd=tmp_path).returncode == 0
    assert ferrocov("run", "--branch", "-p", "functions.py", cwd=tmp_path).returncode == 0
    assert len(list(tmp_path.glob(".coverage.*"))) == 2
    result = ferrocov("combine", cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Can't combine branch coverage data with statement data" in result.stdout + result.stderr
    assert len(list(tmp_path.glob(".coverage.*"))) == 1  # the skipped one stays
    combined = CoverageData(basename=str(tmp_path / ".coverage"))
    combined.read()
    # Appending data of the other kind to the combined file is refused; both files are kept.
    other = [] if combined.has_arcs() else ["--branch"]
    for leftover in tmp_path.glob(".coverage.*"):
        leftover.unlink()
    assert ferrocov("run", *other, "-p", "functions.py", cwd=tmp_path).returncode == 0
    before = (tmp_path / ".coverage").read_bytes()
    refused = ferrocov("combine", "-a", cwd=tmp_path)
    assert refused.returncode == 1
    assert "Can't combine" in refused.stdout + refused.stderr
    assert (tmp_path / ".coverage").read_bytes() == before
    assert len(list(tmp_path.glob(".coverage.*"))) == 1


def test_source_encoding_problems_warn_as_coverage_py_does(tmp_path: Path) -> None:
    """A file whose encoding can't be worked out is skipped under -i with coverage.py's warning
    (the decoder's words), not the one for a file that doesn't parse; without -i, ferrocov names
    the file in one line where coverage.py shows a traceback."""
    import re

    src = tmp_path / "src"
    src.mkdir()
    (src / "bad_cookie.py").write_bytes(b"# -*- coding: uft-8 -*-\nx = 1\n")
    (src / "bad_bytes.py").write_bytes(b"x = '\xff\xfe'\n")
    (src / "bad_syntax.py").write_text("def f(:\n")
    (src / "good.py").write_text("x = 1\n")
    (tmp_path / "main.py").write_text("pass\n")
    assert ferrocov("run", "--source=src", "main.py", cwd=tmp_path).returncode == 0
    ours = ferrocov("report", "-i", cwd=tmp_path)
    assert coverage("run", "--source=src", "main.py", cwd=tmp_path).returncode == 0
    theirs = coverage("report", "-i", cwd=tmp_path)
    pattern = re.compile(r"Couldn't parse [^\n]*? \(couldnt-parse\)")
    assert sorted(pattern.findall(ours.stderr)) == sorted(pattern.findall(theirs.stderr))
    assert len(pattern.findall(ours.stderr)) == 3
    assert ours.stdout == theirs.stdout
    failed = ferrocov("report", cwd=tmp_path)
    assert failed.returncode == 1
    assert "bad_" in failed.stdout + failed.stderr and "Traceback" not in failed.stderr


def test_installed_commands_are_third_party_as_for_coverage_py(tmp_path: Path) -> None:
    """A script in the interpreter's scripts directory (a venv's bin: pytest's launcher) is not
    measured without --source, as coverage.py does not measure it: `ferrocov run .venv/bin/x`
    reports the code it runs, not the launcher."""
    import uuid

    script = Path(sys.executable).parent / f"ferrocov_test_{uuid.uuid4().hex}.py"
    (tmp_path / "mod.py").write_text("def f():\n    return 1\n")
    script.write_text(f"import sys\nsys.path.insert(0, {str(tmp_path)!r})\nimport mod\nprint(mod.f())\n")
    try:
        ours = ferrocov("run", str(script), cwd=tmp_path)
        theirs = coverage("run", "--data-file=.coverage.theirs", str(script), cwd=tmp_path)
    finally:
        script.unlink()
    assert ours.returncode == 0 and theirs.returncode == 0, (ours.stderr, theirs.stderr)
    assert ours.stdout == theirs.stdout == "1\n"
    assert read_lines(tmp_path / ".coverage") == read_lines(tmp_path / ".coverage.theirs") == {str(tmp_path / "mod.py"): {1, 2}}
