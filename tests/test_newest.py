"""Same as the newest coverage.py (7.18 from CPython 3.11 on; 7.16, the newest for 3.10, on
3.10): what a user who switches back and forth between ferrocov and coverage.py on one
configuration meets — reports that combine parallel data, relative_files combine, TOML values
of the wrong type, the command line, the messages, the API. Each case is compared with
coverage.py run on the same input where the behaviour is meant to match."""

from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path

import pytest

from conftest import coverage, ferrocov, one_version, run

NEWEST = sys.version_info >= (3, 11)
newest_only = pytest.mark.skipif(not NEWEST, reason="coverage.py 7.18 runs on 3.11+; 3.10's is 7.16")


def twins(tmp_path: Path, files: dict[str, str]) -> tuple[Path, Path]:
    """Two copies of one project: one for ferrocov, one for coverage.py."""
    ours, theirs = tmp_path / "ours", tmp_path / "theirs"
    for root in (ours, theirs):
        for name, text in files.items():
            (root / name).parent.mkdir(parents=True, exist_ok=True)
            (root / name).write_text(text)
    return ours, theirs


# 1. Reporting commands combine parallel data first (coverage.py 7.14), --keep-combined (7.15).

APP = {"app.py": "import sys\nif len(sys.argv) > 1:\n    x = 1\nelse:\n    y = 2\n", ".coveragerc": "[run]\nparallel = True\n"}


@newest_only
@pytest.mark.parametrize("keep", [False, True], ids=["combined", "kept"])
def test_reports_combine_parallel_data_first(tmp_path: Path, keep: bool) -> None:
    ours, theirs = twins(tmp_path, APP)
    for tool, root in ((ferrocov, ours), (coverage, theirs)):
        assert tool("run", "app.py", cwd=root).returncode == 0
        assert tool("run", "app.py", "arg", cwd=root).returncode == 0
    flag = ["--keep-combined"] if keep else []
    mine = ferrocov("report", "-m", *flag, cwd=ours)
    their = coverage("report", "-m", *flag, cwd=theirs)
    assert (mine.returncode, mine.stdout) == (their.returncode, their.stdout) == (0, their.stdout)
    assert "100%" in mine.stdout
    assert "Combined 2 files" in mine.stderr and "Combined 2 files" in their.stderr
    left = sorted(p.name for p in ours.glob(".coverage.*"))
    assert len(left) == (2 if keep else 0) == len(list(theirs.glob(".coverage.*")))


# 3. relative_files: data recorded with absolute paths in another checkout merges.


@one_version
@newest_only
def test_relative_files_combine_merges_another_checkouts_paths(tmp_path: Path) -> None:
    package = {"pkg/__init__.py": "", "pkg/mod.py": "def f(x):\n    if x:\n        return 1\n    return 2\n"}
    config = "[run]\nrelative_files = True\nparallel = True\n"
    ours, theirs = twins(tmp_path, {**package, ".coveragerc": config, "a.py": "from pkg import mod\nmod.f(1)\n"})
    elsewhere = tmp_path / "checkout"
    for name, text in {**package, "b.py": "from pkg import mod\nmod.f(0)\n"}.items():
        (elsewhere / name).parent.mkdir(parents=True, exist_ok=True)
        (elsewhere / name).write_text(text)
    # The other checkout's data: absolute paths (no relative_files there).
    assert coverage("run", "--data-file=.coverage.elsewhere", "b.py", cwd=elsewhere).returncode == 0
    for tool, root in ((ferrocov, ours), (coverage, theirs)):
        assert tool("run", "a.py", cwd=root).returncode == 0
        # Named to be combined after this checkout's own data (coverage.py's rule for `pkg`
        # is made when it first meets a relative path in `pkg`).
        shutil.copy(elsewhere / ".coverage.elsewhere", root / ".coverage.zz.pid1.Xabcdefx")
        assert tool("combine", cwd=root).returncode == 0
    mine = ferrocov("report", "-m", cwd=ours)
    their = coverage("report", "-m", cwd=theirs)
    assert mine.stdout == their.stdout
    mod = next(line for line in mine.stdout.splitlines() if line.startswith("pkg/mod.py"))
    assert mod.split()[1:4] == ["4", "0", "100%"], mine.stdout
    assert "/checkout/pkg/mod.py" not in mine.stdout


# 4. TOML values of the wrong type: coverage.py's errors, word for word.


@one_version
@newest_only
@pytest.mark.parametrize(
    "setting",
    [
        '[tool.coverage.run]\nbranch = "yes"',
        "[tool.coverage.run]\nbranch = 1",
        '[tool.coverage.run]\ndata_file = ["a", "b"]',
        '[tool.coverage.run]\nomit = "main.py"',
        "[tool.coverage.run]\nomit = [1, 2]",
        '[tool.coverage.report]\nfail_under = "x"',
        '[tool.coverage.report]\nprecision = "two"',
        '[tool.coverage.report]\nexclude_also = "foo"',
        '[tool.coverage.report]\nexclude_also = ["(bad"]',
        '[tool.coverage.paths]\nsource = "src"',
        '[tool.coverage.run]\nbranch = "true"',
        '[tool.coverage.report]\nprecision = "2"',
    ],
)
def test_toml_values_of_the_wrong_type_are_refused_as_coverage_py_refuses_them(tmp_path: Path, setting: str) -> None:
    ours, theirs = twins(tmp_path, {"app.py": "x = 1\n", "pyproject.toml": setting + "\n"})
    mine = ferrocov("run", "app.py", cwd=ours)
    their = coverage("run", "app.py", cwd=theirs)
    assert (mine.returncode, mine.stdout) == (their.returncode, their.stdout)


@one_version
@pytest.mark.parametrize(
    "setting, words",
    [
        ("[run]\nbranch = maybe\n", "Not a boolean: 'maybe' for [run] branch"),
        ("[report]\nexclude_also =\n    (bad\n", "Invalid [report].exclude_also value '(bad'"),
        ("[paths]\nsource =\n    src\n    */x*\n    /y/z*\n", "Pattern must not end with wildcards."),
        ("[paths]\nsource =\n    src*\n    /x/\n", "Result path must not contain wildcards: 'src*'"),
    ],
)
def test_bad_settings_name_the_setting_once(tmp_path: Path, setting: str, words: str) -> None:
    (tmp_path / "app.py").write_text("x = 1\n")
    (tmp_path / ".coveragerc").write_text(setting)
    result = ferrocov("run", "app.py", cwd=tmp_path)
    if "[paths]" in setting:
        result = ferrocov("combine", cwd=tmp_path)
    assert result.returncode == 1
    assert words in result.stdout and words + "]" not in result.stdout and "] value" not in result.stdout, result.stdout


@one_version
def test_a_byte_order_mark_in_a_configuration_file_is_read(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text("import sys\nif sys:\n    x = 1\n")
    (tmp_path / ".coveragerc").write_bytes(b"\xef\xbb\xbf[run]\nbranch = True\n")
    assert ferrocov("run", "app.py", cwd=tmp_path).returncode == 0
    assert "Branch" in ferrocov("report", cwd=tmp_path).stdout


# 5. The command line.


@one_version
def test_usage_errors_are_coverage_pys(tmp_path: Path) -> None:
    for args, words in ((["report", "--bogus"], "no such option: --bogus"), (["bogus"], "Unknown command: 'bogus'"), (["report", "--precision=x"], "option --precision: invalid integer value: 'x'")):
        mine = ferrocov(*args, cwd=tmp_path)
        their = coverage(*args, cwd=tmp_path)
        assert mine.returncode == their.returncode == 1
        assert mine.stderr.splitlines()[0] == their.stderr.splitlines()[0].replace("coverage", "ferrocov") == words
        assert "Use 'ferrocov help' for help." in mine.stderr
        assert "usage:" not in mine.stdout + mine.stderr


@one_version
def test_every_option_of_every_command_is_described(tmp_path: Path) -> None:
    for command in ("run", "combine", "report", "html", "xml", "json", "lcov", "annotate", "erase"):
        result = ferrocov("help", command, cwd=tmp_path)
        assert result.returncode == 0, result.stderr
        lines = result.stdout.splitlines()
        options = [i for i, line in enumerate(lines) if line.startswith("  -") and not line.startswith("  -h")]
        assert options, result.stdout
        for i in options:
            # argparse puts the description after the names, or on the next line, indented
            # deeper; an option without one has neither.
            on_the_line = "  " in lines[i].strip()
            below = i + 1 < len(lines) and lines[i + 1].startswith(" " * 8) and not lines[i + 1].strip().startswith("-")
            assert on_the_line or below, f"{command}: {lines[i]!r} has no description"


@one_version
def test_options_coverage_py_has_are_honoured_or_refused_out_loud(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text("x = 1\n")
    timid = ferrocov("run", "--timid", "app.py", cwd=tmp_path)
    assert timid.returncode == 0 and "--timid is not supported by ferrocov" in timid.stderr
    debug = ferrocov("report", "--debug=sys", cwd=tmp_path)
    assert debug.returncode == 0 and "--debug=sys is not supported by ferrocov" in debug.stderr
    html = ferrocov("html", "--skip-covered", "--no-skip-covered", cwd=tmp_path)
    assert html.returncode == 0, html.stderr
    assert (tmp_path / "htmlcov" / "app_py.html").exists()
    only = ferrocov("report", "app.py", cwd=tmp_path)
    assert only.returncode == 0 and "app.py" in only.stdout


@one_version
def test_include_with_source_warns_include_ignored(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text("x = 1\n")
    result = ferrocov("run", "--source=.", "--include=app.py", "app.py", cwd=tmp_path)
    assert "--include is ignored because --source is set (include-ignored)" in result.stderr


# 6. Messages.


@one_version
def test_the_xml_comment_counts_one_process(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text("x = 1\n")
    assert ferrocov("run", "app.py", cwd=tmp_path).returncode == 0
    assert ferrocov("xml", cwd=tmp_path).returncode == 0
    assert "<!-- ferrocov: 1 process measured, 0 ended without a clean close -->" in (tmp_path / "coverage.xml").read_text()


@one_version
def test_a_directory_at_the_data_file_is_named(tmp_path: Path) -> None:
    (tmp_path / ".coverage").mkdir()
    result = ferrocov("report", cwd=tmp_path)
    assert result.returncode == 1
    assert str(tmp_path / ".coverage") in result.stdout and "is a directory" in result.stdout
    assert "disk I/O error" not in result.stdout


@one_version
@newest_only
def test_a_report_directory_that_cannot_be_made_is_said_as_coverage_py_says_it(tmp_path: Path) -> None:
    ours, theirs = twins(tmp_path, {"app.py": "x = 1\n", "blocker": ""})
    for tool, root in ((ferrocov, ours), (coverage, theirs)):
        assert tool("run", "app.py", cwd=root).returncode == 0
    for args in (["html", "-d", "blocker/out"], ["xml", "-o", "blocker/out/c.xml"], ["json", "-o", "blocker/c.json"]):
        mine = ferrocov(*args, cwd=ours)
        their = coverage(*args, cwd=theirs)
        assert mine.returncode == their.returncode == 1
        assert mine.stdout.replace(str(ours), "ROOT") == their.stdout.replace(str(theirs), "ROOT"), (mine.stdout, their.stdout)


@one_version
def test_dynamic_context_in_the_configuration_gives_pytest_covs_warning(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.coverage.run]\ndynamic_context = "test_function"\n')
    (tmp_path / "test_x.py").write_text("def test_x():\n    pass\n")
    for addopts in ("", "--cov=."):
        args = [sys.executable, "-m", "pytest", "-p", "no:pytest_cov", "-p", "no:cacheprovider", "-W", "error::pytest.PytestWarning"]
        result = run([*args, "--cov=."] if not addopts else args, cwd=tmp_path, PYTEST_ADDOPTS=addopts)
        output = result.stdout + result.stderr
        assert "CentralCovContextWarning" in output and "Detected dynamic_context=test_function" in output, output


# 7. The API.

API = """\
import json, sys
import ferrocov
from ferrocov import Coverage, CoverageData

def f(x):
    if x:
        return 1
    return 2

cov = Coverage(branch=True, data_file="api.coverage")
with cov.collect():
    f(1)
out = {"stats": {str(k): list(v) for k, v in cov.branch_stats(__file__).items()}, "plugins": cov.get_plugins()}
cov.save()

built = CoverageData(basename="built.coverage")
built.add_lines({"/x/a.py": [1, 2, 3]})
built.set_context("ctx")
built.add_lines({"/x/a.py": [4]})
other = CoverageData(basename="other.coverage")
other.add_lines({"/elsewhere/b.py": [7]})
built.update(other, map_path=lambda p: p.replace("/elsewhere", "/x"))
built.touch_files(["/x/c.py"])
built.write()
out["version_info"] = list(ferrocov.version_info[:3])
out["exception"] = issubclass(ferrocov.CoverageException, Exception)
out["startup"] = ferrocov.process_startup() is None
print(json.dumps(out))
"""


def test_the_api_tools_embed(tmp_path: Path) -> None:
    (tmp_path / "api.py").write_text(API)
    result = run([sys.executable, "api.py"], cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert out["plugins"] == [] and out["exception"] and out["startup"]
    assert out["version_info"] == [0, 1, 0]
    # branch_stats as coverage.py computes it on the same data file.
    script = "import json; from coverage import Coverage; c = Coverage(data_file='api.coverage'); c.load(); print(json.dumps({str(k): list(v) for k, v in c.branch_stats('api.py').items()}))"
    theirs = run([sys.executable, "-c", script], cwd=tmp_path)
    assert theirs.returncode == 0, theirs.stderr
    assert out["stats"] == json.loads(theirs.stdout) == {"6": [2, 1]}
    # What CoverageData built and wrote, coverage.py reads.
    read = "from coverage import CoverageData; d = CoverageData('built.coverage'); d.read(); print(sorted(d.measured_files()), d.lines('/x/a.py'), d.lines('/x/b.py'), sorted(d.measured_contexts()))"
    theirs = run([sys.executable, "-c", read], cwd=tmp_path)
    assert theirs.stdout.strip() == "['/x/a.py', '/x/b.py', '/x/c.py'] [1, 2, 3, 4] [7] ['', 'ctx']", theirs.stdout + theirs.stderr


@one_version
def test_coverage_data_refuses_mixing_lines_and_arcs(tmp_path: Path) -> None:
    script = (
        "from ferrocov import CoverageData\n"
        "from ferrocov.exceptions import DataError\n"
        "d = CoverageData(no_disk=True)\n"
        "d.add_lines({'/a.py': [1]})\n"
        "try:\n    d.add_arcs({'/a.py': [(1, 2)]})\nexcept DataError as e:\n    print(e)\n"
    )
    result = run([sys.executable, "-c", script], cwd=tmp_path)
    assert result.stdout.strip() == "Can't add branch measurements to existing line data", result.stderr


@one_version
def test_process_startup_measures_a_process_coverage_py_style(tmp_path: Path) -> None:
    (tmp_path / ".coveragerc").write_text("[run]\nparallel = True\n")
    (tmp_path / "child.py").write_text("import ferrocov\nferrocov.process_startup()\nx = 1\n")
    result = run([sys.executable, "child.py"], cwd=tmp_path, COVERAGE_PROCESS_START=str(tmp_path / ".coveragerc"))
    assert result.returncode == 0, result.stderr
    report = ferrocov("report", cwd=tmp_path)
    assert "child.py" in report.stdout, report.stdout + report.stderr
