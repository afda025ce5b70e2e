"""A drop-in for pytest-cov and coverage.py: each behaviour a project switching its CI would
meet, run with both tools on the same project and compared (output, data, exit status), or,
where ferrocov does not honour a setting, refused out loud with a warning that names it."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from conftest import coverage, ferrocov, run


def pytest_session(tool: str, root: Path, *args: str, **env: str) -> tuple[int, str, str]:
    other = "pytest_cov" if tool == "ferrocov" else "ferrocov"
    result = run(
        [sys.executable, "-m", "pytest", "-p", f"no:{other}", "-p", "no:cacheprovider", *args],
        cwd=root,
        timeout=180,
        COLUMNS="80",
        **env,
    )
    return result.returncode, result.stdout, result.stderr


def report_table(stdout: str) -> list[str]:
    """The coverage table of a pytest run's output (header to TOTAL)."""
    lines = stdout.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("Name "))
    end = next(i for i in range(start, len(lines)) if lines[i].startswith("TOTAL"))
    return lines[start : end + 1]


def twin(tmp_path: Path, files: dict[str, str]) -> tuple[Path, Path]:
    """The same project twice: one for ferrocov, one for the other tool."""
    roots = []
    for name in ("ours", "theirs"):
        root = tmp_path / name
        root.mkdir(parents=True)
        for relative, text in files.items():
            target = root / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text)
        roots.append(root)
    return roots[0], roots[1]


def measured_files(data_file: Path) -> list[str]:
    from coverage import CoverageData

    data = CoverageData(basename=str(data_file))
    data.read()
    return sorted(data.measured_files())


# --- pytest plugin ------------------------------------------------------------------------

ALIASED = {
    "src/mod.py": "def f():\n    return 1\n\n\ndef g():\n    return 2\n",
    "aliased/mod.py": "def f():\n    return 1\n\n\ndef g():\n    return 2\n",
    "test_mod.py": "import sys\nsys.path.insert(0, 'aliased')\nimport mod\n\n\ndef test_f():\n    assert mod.f() == 1\n",
    ".coveragerc": "[run]\nsource = .\nomit = test_*.py\n[paths]\nsource =\n    src/\n    aliased/\n",
}


def test_paths_remapping_under_the_plugin(tmp_path: Path) -> None:
    ours, theirs = twin(tmp_path, ALIASED)
    mine = pytest_session("ferrocov", ours, "--cov", "--cov-report=term-missing")
    other = pytest_session("pytest-cov", theirs, "--cov", "--cov-report=term-missing")
    assert mine[0] == other[0] == 0, mine[1] + mine[2]
    assert report_table(mine[1]) == report_table(other[1])
    assert any(line.startswith("src/mod.py") for line in report_table(mine[1]))


UNPARSABLE = {
    "gen_test.py": (
        "from pathlib import Path\n"
        "import importlib, sys\n\n\n"
        "def test_then_break():\n"
        "    sys.path.insert(0, '.')\n"
        "    Path('made.py').write_text('x = 1\\n')\n"
        "    importlib.import_module('made')\n"
        "    Path('made.py').write_text('def broken(:\\n')\n"
    ),
}


def test_a_measured_file_that_no_longer_parses_is_warned_about(tmp_path: Path) -> None:
    ours, theirs = twin(tmp_path, UNPARSABLE)
    mine = pytest_session("ferrocov", ours, "--cov=.")
    other = pytest_session("pytest-cov", theirs, "--cov=.")
    assert mine[0] == other[0] == 0
    expected = f"Couldn't parse Python file '{theirs / 'made.py'}' (couldnt-parse)"
    assert expected in other[1] + other[2]
    assert expected.replace(str(theirs), str(ours)) in mine[1] + mine[2]
    assert report_table(mine[1]) == report_table(other[1])


DELETED_CWD = {
    "pkg/__init__.py": "def f():\n    return 1\n",
    "test_cwd.py": (
        "import os, shutil, tempfile\n"
        "import pkg\n\n\n"
        "def test_leaves_a_deleted_directory_behind():\n"
        "    where = tempfile.mkdtemp()\n"
        "    os.chdir(where)\n"
        "    shutil.rmtree(where)\n"
        "    assert pkg.f() == 1\n"
    ),
}


def test_a_deleted_working_directory_still_reports(tmp_path: Path) -> None:
    ours, theirs = twin(tmp_path, DELETED_CWD)
    mine = pytest_session("ferrocov", ours, "--cov=pkg")
    other = pytest_session("pytest-cov", theirs, "--cov=pkg")
    assert mine[0] == other[0] == 0, mine[1] + mine[2]
    assert "INTERNALERROR" not in mine[1] + mine[2]
    assert report_table(mine[1]) == report_table(other[1])
    assert (ours / ".coverage").exists()


SIMPLE = {"pkg/__init__.py": "def f():\n    return 1\n", "test_simple.py": "import pkg\n\n\ndef test_f():\n    assert pkg.f() == 1\n"}


def test_an_importable_pytest_cov_that_pytest_does_not_load_leaves_cov_to_ferrocov(tmp_path: Path) -> None:
    """pytest-cov is importable here (it is installed), but with plugin autoloading off pytest
    loads only what -p names: ferrocov handles --cov, as it must when a stale or vendored
    pytest_cov is importable."""
    ours, _ = twin(tmp_path, SIMPLE)
    result = run(
        [sys.executable, "-m", "pytest", "-p", "ferrocov.plugin", "-p", "no:cacheprovider", "--cov=pkg"],
        cwd=ours,
        PYTEST_DISABLE_PLUGIN_AUTOLOAD="1",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "tests coverage" in result.stdout
    assert "pytest-cov is also installed" not in result.stdout


def test_both_installed_is_said_once_even_under_q(tmp_path: Path) -> None:
    ours, _ = twin(tmp_path, SIMPLE)
    result = run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--cov=pkg"], cwd=ours)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.count("pytest-cov is also installed and is handling --cov") == 1


def test_xdist_workers_close_cleanly(tmp_path: Path) -> None:
    ours, _ = twin(tmp_path, {"pkg/__init__.py": "def f():\n    return 1\n", "test_a.py": "import pkg\n\n\ndef test_a():\n    assert pkg.f()\n", "test_b.py": "import pkg\n\n\ndef test_b():\n    assert pkg.f()\n"})
    status, out, err = pytest_session("ferrocov", ours, "-n", "2", "--cov=pkg")
    assert status == 0, out + err
    assert "without a clean close" not in out + err
    import contextlib
    import sqlite3

    with contextlib.closing(sqlite3.connect(ours / ".coverage")) as db:
        meta = dict(db.execute("select key, value from meta"))
    assert int(meta["ferrocov_processes"]) >= 2  # the two workers (the controller runs no test)
    assert meta["ferrocov_processes_unclean"] == "0"


# --- coverage.py settings and command line ---------------------------------------------------

PROGRAM = {
    "prog.py": "import sys\nsys.path.insert(0, 'lib')\nimport helper\n\nhelper.used()\n",
    "lib/helper.py": "def used():\n    return 1\n\n\ndef unused():\n    return 2\n",
}


def both(tmp_path: Path, files: dict[str, str], *args: str) -> tuple[Path, Path]:
    ours, theirs = twin(tmp_path, files)
    mine = ferrocov(*args, cwd=ours)
    other = coverage(*args, cwd=theirs)
    assert mine.returncode == other.returncode == 0, mine.stdout + mine.stderr + other.stdout + other.stderr
    return ours, theirs


def test_relative_files(tmp_path: Path) -> None:
    files = {**PROGRAM, ".coveragerc": "[run]\nrelative_files = True\nsource = .\n"}
    ours, theirs = both(tmp_path, files, "run", "prog.py")
    assert measured_files(ours / ".coverage") == measured_files(theirs / ".coverage") == ["lib/helper.py", "prog.py"]
    for root, tool in ((ours, ferrocov), (theirs, coverage)):
        assert tool("xml", cwd=root).returncode == 0
    def sources(root: Path) -> str:
        text = (root / "coverage.xml").read_text()
        return text[text.index("<sources>") : text.index("</sources>")]

    assert sources(ours) == sources(theirs)


def test_static_context_and_report_context_filters(tmp_path: Path) -> None:
    ours, theirs = both(tmp_path, PROGRAM, "run", "--context=first", "prog.py")
    from coverage import CoverageData

    def contexts(root: Path) -> set[str]:
        data = CoverageData(basename=str(root / ".coverage"))
        data.read()
        return data.measured_contexts()

    assert contexts(ours) == contexts(theirs) == {"first"}
    for filter_ in ("first", "nothing-matches"):
        mine = ferrocov("report", "-m", f"--contexts={filter_}", cwd=ours)
        other = coverage("report", "-m", f"--contexts={filter_}", cwd=theirs)
        assert (mine.returncode, mine.stdout) == (other.returncode, other.stdout)


def test_report_contexts_setting_in_json(tmp_path: Path) -> None:
    files = {**PROGRAM, ".coveragerc": "[report]\ncontexts = ^fir\n"}
    ours, theirs = both(tmp_path, files, "run", "--context=first", "prog.py")
    for root, tool in ((ours, ferrocov), (theirs, coverage)):
        assert tool("json", "--show-contexts", cwd=root).returncode == 0
    mine = json.loads((ours / "coverage.json").read_text())
    other = json.loads((theirs / "coverage.json").read_text())
    for document in (mine, other):
        document.pop("meta")
        document.pop("ferrocov", None)
    assert mine == other


def test_disable_warnings(tmp_path: Path) -> None:
    files = {**PROGRAM, ".coveragerc": "[run]\nsource = ., not_a_module\ndisable_warnings = module-not-imported\n"}
    ours, theirs = twin(tmp_path, files)
    mine = ferrocov("run", "prog.py", cwd=ours)
    other = coverage("run", "prog.py", cwd=theirs)
    assert "never imported" not in mine.stderr and "never imported" not in other.stderr
    files[".coveragerc"] = "[run]\nsource = ., not_a_module\n"
    ours, theirs = twin(tmp_path / "again", files)
    assert "Module not_a_module was never imported. (module-not-imported)" in ferrocov("run", "prog.py", cwd=ours).stderr


@pytest.mark.parametrize(
    "setting, expected",
    [
        ("[run]\nconcurrency = thread, bogus\n", "Unknown concurrency choices: bogus"),
        ("[run]\nconcurrency = gevent, eventlet\n", "Conflicting concurrency settings: eventlet, gevent"),
        ("[run]\npatch = subprocess, bogus\n", "Unknown patch 'bogus'"),
        ("[run]\ncore = bogus\n", "Unknown core value: 'bogus'"),
        ("[run]\ndynamic_context = bogus\n", "Don't understand dynamic_context setting: 'bogus'"),
    ],
)
def test_bad_values_are_refused_as_coverage_py_refuses_them(tmp_path: Path, setting: str, expected: str) -> None:
    ours, theirs = twin(tmp_path, {**PROGRAM, ".coveragerc": setting})
    mine = ferrocov("run", "prog.py", cwd=ours)
    other = coverage("run", "prog.py", cwd=theirs)
    assert mine.returncode == other.returncode == 1
    assert expected in other.stdout
    assert mine.stdout.strip() == expected


@pytest.mark.parametrize(
    "setting, named",
    [
        ("[run]\ndebug = trace, sys\n", "[run] debug = trace, sys"),
        ("[run]\ndebug_file = debug.txt\n", "[run] debug_file"),
        ("[run]\ncore = sysmon\n", "[run] core = sysmon"),
        ("[run]\ntimid = True\n", "[run] timid"),
    ],
)
def test_settings_ferrocov_does_not_honour_are_refused_out_loud(tmp_path: Path, setting: str, named: str) -> None:
    ours, _ = twin(tmp_path, {**PROGRAM, ".coveragerc": setting})
    result = ferrocov("run", "prog.py", cwd=ours)
    assert result.returncode == 0
    warnings = [line for line in result.stderr.splitlines() if line.startswith("ferrocov: warning: ")]
    assert len(warnings) == 1 and named in warnings[0], result.stderr
    # And under pytest, through pytest's warnings summary.
    (ours / "test_prog.py").write_text("def test_nothing():\n    pass\n")
    status, out, err = pytest_session("ferrocov", ours, "--cov=.")
    assert status == 0, out + err
    assert named in out.split("warnings summary", 1)[1]


BRANCHY = {"prog.py": "import sys\n\nif len(sys.argv) > 5:\n    print('many')\nelse:\n    print('few')\nfor i in range(3):\n    if i > 5:\n        break\n"}


def test_lcov_fail_under_uses_coverage_py_total(tmp_path: Path) -> None:
    ours, theirs = both(tmp_path, BRANCHY, "run", "--branch", "prog.py")
    for threshold in ("60", "70", "80", "90"):
        mine = ferrocov("lcov", f"--fail-under={threshold}", cwd=ours)
        other = coverage("lcov", f"--fail-under={threshold}", cwd=theirs)
        assert mine.returncode == other.returncode, (threshold, mine.stdout, other.stdout)


def test_lcov_line_checksums(tmp_path: Path) -> None:
    files = {**BRANCHY, ".coveragerc": "[lcov]\nline_checksums = True\n"}
    ours, theirs = both(tmp_path, files, "run", "prog.py")
    for root, tool in ((ours, ferrocov), (theirs, coverage)):
        assert tool("lcov", cwd=root).returncode == 0
    assert (ours / "coverage.lcov").read_text() == (theirs / "coverage.lcov").read_text()
    assert ",1B2M2Y8AsgTpgAmY7PhCfg" not in (ours / "coverage.lcov").read_text()  # not the empty line's sum


def test_source_pkgs_under_run_of_a_script(tmp_path: Path) -> None:
    """A package beside the script is found as the script will find it (its directory first)."""
    files = {"helper.py": PROGRAM["lib/helper.py"], "prog.py": "import helper\nhelper.used()\n", ".coveragerc": "[run]\nsource_pkgs = helper\n"}
    ours, theirs = both(tmp_path, files, "run", "prog.py")
    mine = ferrocov("report", "-m", cwd=ours)
    other = coverage("report", "-m", cwd=theirs)
    assert mine.stdout == other.stdout
    assert "helper.py" in mine.stdout


def test_command_line_setting(tmp_path: Path) -> None:
    files = {**PROGRAM, ".coveragerc": "[run]\ncommand_line = prog.py\n"}
    ours, theirs = both(tmp_path, files, "run")
    assert measured_files(ours / ".coverage") == [str(ours / "lib/helper.py"), str(ours / "prog.py")]
    assert ferrocov("report", cwd=ours).stdout == coverage("report", cwd=theirs).stdout


def test_pylib_measures_the_standard_library(tmp_path: Path) -> None:
    files = {"prog.py": "import colorsys\ncolorsys.rgb_to_hsv(0.1, 0.2, 0.3)\n"}
    ours, theirs = both(tmp_path, files, "run", "-L", "prog.py")
    import colorsys

    assert colorsys.__file__ in measured_files(ours / ".coverage")
    assert colorsys.__file__ in measured_files(theirs / ".coverage")
    without, _ = twin(tmp_path / "without", files)
    assert ferrocov("run", "prog.py", cwd=without).returncode == 0
    assert colorsys.__file__ not in measured_files(without / ".coverage")


@pytest.mark.parametrize(
    "files, args",
    [
        ({"bad.py": "x = (\n"}, ["run", "bad.py"]),
        ({}, ["run", "-m", "no_such_module_here"]),
        ({}, ["run", "no_such_file.py"]),
    ],
)
def test_run_errors_are_coverage_py_one_liners(tmp_path: Path, files: dict[str, str], args: list[str]) -> None:
    ours, theirs = twin(tmp_path, files)
    mine = ferrocov(*args, cwd=ours)
    other = coverage(*args, cwd=theirs)
    assert mine.returncode == other.returncode == 1
    assert mine.stdout.replace(str(ours), "ROOT") == other.stdout.replace(str(theirs), "ROOT")
    assert "Traceback" not in mine.stdout + mine.stderr


def test_combine_says_one_line(tmp_path: Path) -> None:
    ours, theirs = twin(tmp_path, {**PROGRAM, "other.py": "x = 1\n"})
    for program in ("prog.py", "other.py"):
        assert ferrocov("run", "-p", program, cwd=ours).returncode == 0
        assert coverage("run", "-p", program, cwd=theirs).returncode == 0
    mine = ferrocov("combine", cwd=ours)
    other = coverage("combine", cwd=theirs)
    assert mine.returncode == other.returncode == 0
    assert mine.stderr.strip().splitlines() == other.stderr.strip().splitlines() == ["Combined 2 files"]


def test_help_command(tmp_path: Path) -> None:
    general = ferrocov("help", cwd=tmp_path)
    assert general.returncode == 0 and "combine" in general.stdout
    report = ferrocov("help", "report", cwd=tmp_path)
    assert report.returncode == 0 and "--show-missing" in report.stdout
    unknown = ferrocov("help", "nothing", cwd=tmp_path)
    assert unknown.returncode == 1 and "Don't know topic 'nothing'" in unknown.stdout


def test_version_names_the_core_and_python(tmp_path: Path) -> None:
    result = ferrocov("--version", cwd=tmp_path)
    assert result.returncode == 0
    import platform

    assert result.stdout.startswith("ferrocov 0.")
    assert f"CPython {platform.python_version()}" in result.stdout
    assert "core " in result.stdout


def test_json_function_contexts_equal_coverage_py(tmp_path: Path) -> None:
    files = {"m.py": "def f():\n    return 1\n\n\ndef g():\n    return 2\n\n\nf()\n"}
    ours, theirs = both(tmp_path, files, "run", "--context=ctx", "m.py")
    for root, tool in ((ours, ferrocov), (theirs, coverage)):
        assert tool("json", "--show-contexts", cwd=root).returncode == 0
    mine = json.loads((ours / "coverage.json").read_text())["files"]["m.py"]
    other = json.loads((theirs / "coverage.json").read_text())["files"]["m.py"]
    assert mine["functions"] == other["functions"]
    assert mine["contexts"] == other["contexts"]


def test_no_data_collected_is_a_warning_under_pytest(tmp_path: Path) -> None:
    ours, theirs = twin(tmp_path, {"test_x.py": "def test_x():\n    pass\n"})
    mine = pytest_session("ferrocov", ours, "--cov=nothing_here")
    other = pytest_session("pytest-cov", theirs, "--cov=nothing_here")
    assert mine[0] == other[0] == 0
    for status, out, err in (mine, other):
        assert "CoverageWarning: No data was collected. (no-data-collected)" in err, err
        assert "Failed to generate report: No data to report." in out + err



TEST_FUNCTIONS = """
import unittest


def helper(x):
    if x > 1:
        return "big"
    return "small"


class TestThings(unittest.TestCase):
    def test_big(self):
        self.assertEqual(helper(5), "big")

    def test_small(self):
        self.assertEqual(helper(0), "small")


def test_plain():
    return helper(3)


def not_a_test():
    return helper(1)


test_plain()
not_a_test()
unittest.main(argv=["prog"], exit=False, verbosity=0)
print("done")
"""


@pytest.mark.parametrize("static", ["", "ci"], ids=["alone", "after-a-static-context"])
def test_dynamic_context_test_function(tmp_path: Path, static: str) -> None:
    """`dynamic_context = test_function`: each test function's lines in its own context,
    named as coverage.py names it, with the static context first when there is one."""
    from coverage import CoverageData

    rc = "[run]\ndynamic_context = test_function\n" + (f"context = {static}\n" if static else "")
    ours, theirs = both(tmp_path, {"prog.py": TEST_FUNCTIONS.lstrip(), ".coveragerc": rc}, "run", "prog.py")

    def contexts(root: Path) -> dict[int, list[str]]:
        data = CoverageData(basename=str(root / ".coverage"))
        data.read()
        return {line: sorted(names) for line, names in data.contexts_by_lineno(str(root / "prog.py")).items()}

    mine, other = contexts(ours), contexts(theirs)
    assert mine == other
    prefix = f"{static}|" if static else ""
    assert f"{prefix}__main__.TestThings.test_big" in mine[6]
    assert f"{prefix}__main__.test_plain" in mine[5]


# --- source packages are selected by module name -------------------------------------------

PACKAGE_BY_NAME = {
    "src/pkg/__init__.py": "from pkg import inner\n",
    "src/pkg/inner.py": "def f():\n    return 1\n",
    "src/pkg/other.py": "X = 1\nY = 2\n",
    "src/pkg/sub/__init__.py": "Z = 3\n",
    "test_it.py": (
        "import sys\n"
        "sys.path.insert(0, 'src')\n"
        "sys.path.insert(0, 'src/pkg')\n"
        "import other\n"
        "import pkg\n"
        "import pkg.sub\n"
        "import subprocess\n\n\n"
        "def test_f():\n"
        "    assert pkg.inner.f() == 1 and other.X == 1\n"
        "    code = 'import sys; sys.path[:0] = [\"src\", \"src/pkg\"]; import other, pkg.inner'\n"
        "    subprocess.run([sys.executable, '-c', code], check=True)\n"
    ),
}


def test_cov_package_selects_modules_by_name_as_pytest_cov(tmp_path: Path) -> None:
    """``--cov=pkg``, a package name: a file of ``src/pkg/`` imported as the top-level module
    ``other`` is not part of ``pkg`` (reported unexecuted, 0%), in the test process and in a
    child it starts, as pytest-cov reports it."""
    ours, theirs = twin(tmp_path, PACKAGE_BY_NAME)
    for root in (ours, theirs):
        (root / ".coveragerc").write_text("[run]\nparallel = true\npatch = subprocess\n" if root == theirs else "")
    mine = pytest_session("ferrocov", ours, "--cov=pkg", "--cov-report=term-missing")
    other = pytest_session("pytest_cov", theirs, "--cov=pkg", "--cov-report=term-missing")
    assert mine[0] == other[0] == 0, mine[1] + mine[2]
    assert report_table(mine[1]) == report_table(other[1])
    assert any(line.startswith("src/pkg/other.py") and "0%" in line for line in report_table(mine[1])), mine[1]


def recorded_lines(root: Path) -> dict[str, list[int]]:
    from coverage import CoverageData

    data = CoverageData(basename=str(root / ".coverage"))
    data.read()
    return {str(Path(f).relative_to(root)): sorted(data.lines(f) or []) for f in data.measured_files()}


@pytest.mark.parametrize(
    "args",
    [["run", "--source=pkg", "prog.py"], ["run", "--source=pkg", "-m", "prog"], ["run", "--source=pkg", "-m", "pkg.main"]],
    ids=["script", "module", "package-main"],
)
def test_run_source_package_selects_modules_by_name(tmp_path: Path, args: list[str]) -> None:
    """``run --source=pkg`` where ``pkg`` is not a directory here: a package, selected by
    module name. ``src/pkg/loose.py`` imported as ``loose`` is not measured, as coverage.py."""
    files = {
        "src/pkg/__init__.py": "",
        "src/pkg/main.py": "import sys\nsys.path.insert(0, 'src/pkg')\nimport loose\nfrom pkg import inner\nprint(inner.f())\n",
        "src/pkg/inner.py": "def f():\n    return 1\n",
        "src/pkg/loose.py": "A = 1\n",
        "prog.py": "import pkg.main\n",
    }
    ours, theirs = twin(tmp_path, files)
    mine = ferrocov(*args, cwd=ours, PYTHONPATH="src")
    other = coverage(*args, cwd=theirs, PYTHONPATH="src")
    assert mine.returncode == other.returncode == 0, mine.stdout + mine.stderr + other.stderr
    assert recorded_lines(ours) == recorded_lines(theirs)
    assert recorded_lines(ours)["src/pkg/loose.py"] == [], "a file of pkg/ imported as 'loose' is not part of pkg"
    assert recorded_lines(ours)["src/pkg/inner.py"] == [1, 2]
    mine_report = ferrocov("report", "-m", cwd=ours)
    other_report = coverage("report", "-m", cwd=theirs)
    assert mine_report.stdout == other_report.stdout


def test_debug_topics_are_answered(tmp_path: Path) -> None:
    """`debug premain`, `pybehave` and `sqlite` answer what they are asked, each its own way
    (not the data file's listing); an unknown topic is an error naming it."""
    premain = ferrocov("debug", "premain", cwd=tmp_path)
    assert premain.returncode == 0 and premain.stdout.startswith("-- premain") and "cli.py" in premain.stdout
    pybehave = ferrocov("debug", "pybehave", cwd=tmp_path)
    assert pybehave.returncode == 0 and "sys.monitoring: " + str(sys.version_info >= (3, 12)) in pybehave.stdout
    sqlite = ferrocov("debug", "sqlite", cwd=tmp_path)
    assert sqlite.returncode == 0 and "sqlite version" in sqlite.stdout
    import re

    assert re.search(r"\b3\.\d+\.\d+\b", sqlite.stdout), sqlite.stdout
    assert "-- data" not in premain.stdout + pybehave.stdout + sqlite.stdout
    unknown = ferrocov("debug", "nonsense", cwd=tmp_path)
    assert unknown.returncode != 0 and "nonsense" in unknown.stderr
