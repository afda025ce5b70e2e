"""coverage.py's configuration files, read by ferrocov: the same settings take effect from each
of the four file kinds, with coverage.py's precedence, variables, warnings and errors."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from conftest import coverage, ferrocov

PROGRAM = '''
from pkg import used


def debug_only():
    return "excluded by exclude_also"


print(used.work())
'''

USED = '''
def work():
    total = 0
    for i in range(3):
        total += i
    return total


def never():
    return 1
'''

SETTINGS = {
    "run": {"source": "pkg", "omit": "*/skip_me.py"},
    "report": {"show_missing": "true", "precision": "1", "exclude_also": "def debug_only", "skip_empty": "true"},
}


def ini(prefix: str) -> str:
    out = []
    for section, values in SETTINGS.items():
        out.append(f"[{prefix}{section}]")
        out.extend(f"{key} = {value}" for key, value in values.items())
        out.append("")
    return "\n".join(out)


def toml() -> str:
    out = []
    for section, values in SETTINGS.items():
        out.append(f"[tool.coverage.{section}]")
        for key, value in values.items():
            if value in ("true", "false") or value.isdigit():
                out.append(f"{key} = {value}")
            else:
                out.append(f'{key} = ["{value}"]')
        out.append("")
    return "\n".join(out)


FILES = {
    ".coveragerc": lambda: ini(""),
    "setup.cfg": lambda: ini("coverage:"),
    "tox.ini": lambda: ini("coverage:"),
    "pyproject.toml": toml,
}


def make_project(root: Path) -> None:
    (root / "pkg").mkdir(parents=True)
    (root / "pkg" / "__init__.py").write_text("")
    (root / "pkg" / "used.py").write_text(USED.lstrip())
    (root / "pkg" / "skip_me.py").write_text("x = 1\n")
    (root / "pkg" / "unimported.py").write_text("def f():\n    return 2\n")
    (root / "prog.py").write_text(PROGRAM.lstrip())


@pytest.mark.parametrize("kind", list(FILES))
def test_same_settings_from_each_file_kind(kind: str, tmp_path: Path) -> None:
    make_project(tmp_path)
    (tmp_path / kind).write_text(FILES[kind]())
    run = ferrocov("run", "prog.py", cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    assert "Unrecognized" not in run.stderr
    ours = ferrocov("report", cwd=tmp_path)
    theirs = coverage("report", cwd=tmp_path)
    assert ours.returncode == theirs.returncode == 0, ours.stderr
    assert ours.stdout == theirs.stdout
    # The settings really took effect: source, omit, exclude_also, show_missing, precision.
    assert "pkg/unimported.py" in ours.stdout and "skip_me" not in ours.stdout and "prog.py" not in ours.stdout
    assert "Missing" in ours.stdout and "85.7%" in ours.stdout
    assert "pkg/__init__.py" not in ours.stdout  # skip_empty


def test_coveragerc_wins_over_setup_cfg(tmp_path: Path) -> None:
    make_project(tmp_path)
    (tmp_path / ".coveragerc").write_text("[report]\nprecision = 2\n")
    (tmp_path / "setup.cfg").write_text("[coverage:report]\nprecision = 1\n")
    assert ferrocov("run", "--source=pkg", "prog.py", cwd=tmp_path).returncode == 0
    ours = ferrocov("report", cwd=tmp_path)
    assert ours.stdout == coverage("report", cwd=tmp_path).stdout
    assert "60.00%" in ours.stdout


def test_rcfile_option_and_variables(tmp_path: Path) -> None:
    make_project(tmp_path)
    (tmp_path / "custom.ini").write_text("[run]\nsource = ${SOURCE_DIR}\n[report]\nprecision = ${PRECISION-3}\n")
    assert ferrocov("run", "--rcfile=custom.ini", "prog.py", cwd=tmp_path, SOURCE_DIR="pkg").returncode == 0
    ours = ferrocov("report", "--rcfile=custom.ini", cwd=tmp_path, SOURCE_DIR="pkg")
    assert ours.stdout == coverage("report", "--rcfile=custom.ini", cwd=tmp_path, SOURCE_DIR="pkg").stdout
    assert "60.000%" in ours.stdout
    assert "prog.py" not in ours.stdout


def test_unknown_option_warns_naming_it(tmp_path: Path) -> None:
    make_project(tmp_path)
    (tmp_path / ".coveragerc").write_text("[run]\nsorce = pkg\n")
    result = ferrocov("run", "prog.py", cwd=tmp_path)
    assert result.returncode == 0
    assert "Unrecognized option '[run] sorce=' in config file .coveragerc" in result.stderr


def test_malformed_file_names_file_and_line(tmp_path: Path) -> None:
    make_project(tmp_path)
    (tmp_path / ".coveragerc").write_text("[run]\nsource = pkg\nthis line is not an option\n")
    result = ferrocov("report", cwd=tmp_path)
    assert result.returncode == 1
    assert ".coveragerc" in result.stdout
    assert re.search(r"line\s+3", result.stdout), result.stdout


def test_bad_value_names_the_option(tmp_path: Path) -> None:
    make_project(tmp_path)
    (tmp_path / ".coveragerc").write_text("[report]\nshow_missing = maybe\n")
    result = ferrocov("report", cwd=tmp_path)
    assert result.returncode == 1
    assert "show_missing" in result.stdout and ".coveragerc" in result.stdout


@pytest.mark.parametrize("damage", ["deleted", "unparsable"])
@pytest.mark.parametrize("ignore", [False, True])
def test_missing_or_broken_source_reported_as_coverage_py(damage: str, ignore: bool, tmp_path: Path) -> None:
    make_project(tmp_path)
    assert ferrocov("run", "--source=pkg", "prog.py", cwd=tmp_path).returncode == 0
    used = tmp_path / "pkg" / "used.py"
    if damage == "deleted":
        used.unlink()
    else:
        used.write_text("def broken(:\n")
    args = ["-i"] if ignore else []
    ours = ferrocov("report", *args, cwd=tmp_path)
    theirs = coverage("report", *args, cwd=tmp_path)
    assert ours.returncode == theirs.returncode == (0 if ignore else 1)
    key = f"No source for code: '{used}'" if damage == "deleted" else f"Couldn't parse '{used}' as Python source: 'invalid syntax' at line 1"
    if ignore:
        # The report goes on without the file, and a warning names it.
        assert ours.stdout == theirs.stdout
        assert "pkg/used.py" not in ours.stdout
        assert "couldnt-parse" in ours.stderr and "couldnt-parse" in theirs.stderr
        assert str(used) in ours.stderr
    else:
        assert ours.stdout.startswith(key) and theirs.stdout.startswith(key)
