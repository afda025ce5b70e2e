"""The pytest plugin against pytest-cov 7.1: same options, same messages, same report text.

Every session runs in a real subprocess. pytest-cov's sessions run with ``-p no:ferrocov`` and
ferrocov's with ``-p no:pytest_cov``, on copies of the same sample project."""

from __future__ import annotations

import os
import re
import shutil
import sys
from pathlib import Path

import pytest

from conftest import HERE, run

PROJECT = HERE / "projects" / "calc"


def session(tool: str, project: Path, *args: str, **env: str) -> tuple[int, str, str]:
    other = "pytest_cov" if tool == "ferrocov" else "ferrocov"
    result = run(
        [sys.executable, "-m", "pytest", "-p", f"no:{other}", "-p", "no:cacheprovider", "-p", "no:xdist", *args],
        cwd=project,
        timeout=180,
        COLUMNS="80",
        **env,
    )
    return result.returncode, result.stdout, result.stderr


def coverage_section(stdout: str) -> str:
    """The report section, without pytest's own timing line."""
    lines = stdout.splitlines()
    start = next(i for i, line in enumerate(lines) if "tests coverage" in line)
    end = next((i for i in range(start, len(lines)) if re.match(r"^=+ .*(passed|failed|error).* =+$", lines[i])), len(lines))
    section = [line for line in lines[start:end] if not line.startswith("ferrocov: ")]
    return "\n".join(section)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    target = tmp_path / "calc"
    shutil.copytree(PROJECT, target)
    return target


@pytest.mark.parametrize(
    "args",
    [
        ["--cov=calc"],
        ["--cov=calc", "--cov-report=term-missing"],
        ["--cov=calc", "--cov-report=term-missing:skip-covered"],
        ["--cov=calc", "--cov-report=term", "--cov-precision=2"],
        ["--cov=calc", "--cov-fail-under=50"],
        ["--cov=calc", "--cov-fail-under=99.5", "--cov-precision=1"],
        ["--cov=calc", "--cov-report="],
        ["--cov=calc", "--cov-branch", "--cov-report=term-missing"],
        ["--cov=calc", "--cov-branch", "--cov-report=term-missing:skip-covered", "--cov-fail-under=95"],
    ],
    ids=lambda a: " ".join(a),
)
def test_report_section_equals_pytest_cov(args: list[str], project: Path, tmp_path: Path) -> None:
    other = tmp_path / "calc-pytest-cov"
    shutil.copytree(PROJECT, other)
    # pytest-cov 7 no longer measures subprocesses by default: give it coverage.py's patch
    # option so that both tools measure the same processes.
    (other / ".coveragerc").write_text("[run]\npatch = subprocess\n")
    ours = session("ferrocov", project, *args)
    theirs = session("pytest-cov", other, *args)
    assert ours[0] == theirs[0], (ours[1], theirs[1])
    if "--cov-report=" in args:
        assert "tests coverage" not in theirs[1] or "fail-under" in " ".join(args)
        assert ("tests coverage" in ours[1]) == ("tests coverage" in theirs[1])
        return
    assert coverage_section(ours[1]) == coverage_section(theirs[1])


def test_subprocess_and_conftest_lines_are_measured(project: Path) -> None:
    status, out, err = session("ferrocov", project, "--cov=calc", "--cov-report=term-missing")
    assert status == 0, out + err
    rows = {line.split()[0]: line.split()[1:] for line in out.splitlines() if line.startswith("calc/")}
    # calc/cli.py runs only in a subprocess: every line of it is measured.
    assert rows["calc/cli.py"][:3] == ["10", "0", "100%"], rows
    # calc/never.py is under --cov but never imported: reported with 0%.
    assert rows["calc/never.py"][:3] == ["2", "2", "0%"], rows
    # unused() ran only in a no_cover test: its body is missed.
    assert rows["calc/ops.py"][-1] == "12-13", rows


@pytest.mark.parametrize(
    "bad, message",
    [
        ("--cov-fail-under=abc", "An integer or float value is required."),
        ("--cov-fail-under=101", "Your desire for over-achievement is admirable but misplaced."),
        ("--cov-report=bogus", 'invalid choice: "bogus"'),
        ("--cov-report=term:out.txt", 'output specifier not supported for: "term:out.txt"'),
        ("--cov-context=other", 'The only supported value is "test".'),
    ],
)
def test_bad_option_values_match_pytest_cov(bad: str, message: str, project: Path) -> None:
    ours = session("ferrocov", project, "--cov=calc", bad)
    theirs = session("pytest-cov", project, "--cov=calc", bad)
    assert ours[0] == theirs[0] == 4
    assert message in ours[2]
    ours_error = [line for line in ours[2].splitlines() if "error:" in line]
    theirs_error = [line for line in theirs[2].splitlines() if "error:" in line]
    assert ours_error == theirs_error


def test_fail_under_messages(project: Path) -> None:
    status, out, _ = session("ferrocov", project, "--cov=calc", "--cov-fail-under=100")
    assert status == 1
    assert "ERROR: Coverage failure: total of" in out
    assert "is less than fail-under=100" in out
    assert "FAIL Required test coverage of 100% not reached. Total coverage:" in out


def test_no_cov_on_fail(project: Path) -> None:
    (project / "tests" / "test_fail.py").write_text("def test_fails():\n    assert False\n")
    status, out, _ = session("ferrocov", project, "--cov=calc", "--no-cov-on-fail")
    assert status == 1
    assert "tests coverage" not in out


def test_no_cov_disables_and_warns(project: Path) -> None:
    status, out, _ = session("ferrocov", project, "--no-cov", "--cov=calc")
    assert status == 0
    assert "WARNING: Coverage disabled via --no-cov switch!" in out
    # Also in pytest's warnings summary, under pytest-cov's class name.
    assert "CovDisabledWarning: Coverage disabled via --no-cov switch!" in out
    assert not (project / ".coverage").exists()


def test_a_report_that_fails_warns_as_pytest_cov_does(project: Path) -> None:
    """No data to report: the WARNING line, then a CovReportWarning through Python's warnings,
    in both plugins' runs alike."""
    said = []
    for plugin in ("ferrocov", "pytest_cov"):
        status, out, err = session(plugin, project, "--cov=nothing_here_at_all")
        assert status == 0, out
        assert "WARNING: Failed to generate report: No data to report." in out, out
        assert "CovReportWarning: Failed to generate report: No data to report." in err, err
        said.append([re.sub(r"^.*?: (\w+Warning: .*?)( \(|;|$).*", r"\1", line) for line in err.splitlines() if "Warning: " in line])
    # The same warnings, in the same order (coverage.py's own ones included).
    assert said[0] == said[1], said


def test_environment_is_clean_after_session(project: Path) -> None:
    (project / "tests" / "test_zz_env.py").write_text(
        "import os\n\ndef test_env_during_session():\n    assert 'FERROCOV_RUN' in os.environ\n"
    )
    (project / "conftest.py").write_text(
        "import os\n\ndef pytest_unconfigure(config):\n    open('env-after.txt', 'w').write(str('FERROCOV_RUN' in os.environ))\n"
    )
    status, out, err = session("ferrocov", project, "--cov=calc")
    assert status == 0, out + err
    assert (project / "env-after.txt").read_text() == "False"
    leftovers = [p.name for p in project.iterdir() if p.name.startswith((".ferrocov-", ".coverage."))]
    assert leftovers == []


def test_both_plugins_installed_gives_one_clear_message(project: Path) -> None:
    result = run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "--cov=calc"], cwd=project, timeout=180)
    assert "Traceback" not in result.stderr + result.stdout
    assert result.returncode == 0
    assert "-p no:pytest_cov" in result.stdout
    assert result.stdout.count("ferrocov: pytest-cov is also installed") == 1


def test_coverage_py_reads_the_data_file(project: Path) -> None:
    status, out, err = session("ferrocov", project, "--cov=calc")
    assert status == 0, out + err
    from coverage import CoverageData

    data = CoverageData(basename=str(project / ".coverage"))
    data.read()
    files = {Path(p).name for p in data.measured_files()}
    assert {"ops.py", "cli.py", "never.py", "__init__.py"} <= files


def test_test_contexts_equal_pytest_cov(project: Path, tmp_path: Path) -> None:
    """--cov-context=test: the same lines in the same `nodeid|when` contexts as pytest-cov,
    read back through coverage.py's own CoverageData.contexts_by_lineno."""
    from coverage import CoverageData

    other = tmp_path / "calc-pytest-cov"
    shutil.copytree(PROJECT, other)
    ours = session("ferrocov", project, "--cov=calc", "--cov-context=test")
    theirs = session("pytest-cov", other, "--cov=calc", "--cov-context=test")
    assert ours[0] == theirs[0] == 0, ours[1] + ours[2]

    def contexts(root: Path) -> dict[str, dict[int, list[str]]]:
        data = CoverageData(basename=str(root / ".coverage"))
        data.read()
        return {
            Path(path).relative_to(root).as_posix(): {line: sorted(c) for line, c in data.contexts_by_lineno(path).items()}
            for path in data.measured_files()
        }

    ours_contexts = contexts(project)
    theirs_contexts = contexts(other)
    # calc/cli.py runs only in a subprocess, which pytest-cov doesn't measure by default; the
    # subprocess's lines are in test_cli_subprocess's context (ferrocov only, see below).
    ours_contexts.pop("calc/cli.py", None)
    theirs_contexts.pop("calc/cli.py", None)
    child = "tests/test_calc.py::test_cli_subprocess|run"
    ours_contexts = {f: {n: [c for c in cs if c != child] for n, cs in lines.items()} for f, lines in ours_contexts.items()}
    if sys.version_info >= (3, 14):
        # coverage.py's sys.monitoring core (its default on 3.14) disables a line after its
        # first hit in any context, so pytest-cov records each line in its first context only;
        # ferrocov re-arms the events at each switch and records every context that ran it.
        for path, lines in theirs_contexts.items():
            for line, names in lines.items():
                assert set(names) <= set(ours_contexts[path][line]), (path, line)
        assert "tests/test_calc.py::test_add|run" in ours_contexts["calc/ops.py"][2]
        assert "tests/test_calc.py::test_add|run" not in theirs_contexts["calc/ops.py"][2]
        return
    assert ours_contexts == theirs_contexts
    recorded = {context for lines in ours_contexts.values() for names in lines.values() for context in names}
    assert "tests/test_calc.py::test_add|run" in recorded
    assert "tests/test_calc.py::test_not_measured|run" not in recorded


def test_markdown_reports_equal_pytest_cov(project: Path, tmp_path: Path) -> None:
    other = tmp_path / "calc-pytest-cov"
    shutil.copytree(PROJECT, other)
    (other / ".coveragerc").write_text("[run]\npatch = subprocess\n")
    args = ["--cov=calc", "--cov-report=markdown:cov.md", "--cov-report=markdown-append:all.md"]
    for root in (project, other):
        (root / "all.md").write_text("# earlier\n")
    ours = session("ferrocov", project, *args)
    theirs = session("pytest-cov", other, *args)
    assert ours[0] == theirs[0] == 0, ours[1] + ours[2]
    assert "Coverage Markdown information written to file cov.md" in ours[1]
    assert "Coverage Markdown information appended to file all.md" in ours[1]
    for name in ("cov.md", "all.md"):
        assert (project / name).read_text() == (other / name).read_text()
    assert (project / "all.md").read_text().startswith("# earlier\n| Name")


def test_warnings_go_where_pytest_cov_puts_them(project: Path, tmp_path: Path) -> None:
    """Warnings go through Python's warnings machinery, as coverage.py's do under pytest-cov: a
    configuration warning (issued while plugins start) lands in pytest's warnings summary, a
    combine-time one ("never imported") on stderr, where -W filters apply to it."""
    other = tmp_path / "calc-pytest-cov"
    shutil.copytree(PROJECT, other)
    for root in (project, other):
        (root / ".coveragerc").write_text("[run]\nbranch = True\nsorce = calc\n")
    ours = session("ferrocov", project, "--cov=calc", "--cov=not_a_module_anywhere")
    theirs = session("pytest-cov", other, "--cov=calc", "--cov=not_a_module_anywhere")
    assert ours[0] == theirs[0] == 0, ours[1] + ours[2]
    assert "BrPart" in ours[1]  # branch = True is honoured
    for status, out, err in (ours, theirs):
        summary = out.split("warnings summary", 1)[1]
        assert "CoverageWarning: Unrecognized option '[run] sorce=' in config file .coveragerc" in summary, out
        assert "CoverageWarning: Module not_a_module_anywhere was never imported. (module-not-imported)" in err, err
    # -W turns it into an error in both (the run still ends, the report is still printed).
    ignored = session("ferrocov", project, "--cov=calc", "--cov=not_a_module_anywhere", PYTHONWARNINGS="ignore::Warning")
    assert "never imported" not in ignored[1] + ignored[2]


def _install_fake_plugin(root: Path) -> dict[str, str]:
    """A pytest plugin installed as a distribution with a pytest11 entry point, which imports
    the project at import time (as some plugins do): the environment that makes it visible."""
    site = root / "fake-site"
    (site / "early_plugin-1.0.dist-info").mkdir(parents=True)
    (site / "early_plugin-1.0.dist-info" / "METADATA").write_text("Metadata-Version: 2.1\nName: early-plugin\nVersion: 1.0\n")
    (site / "early_plugin-1.0.dist-info" / "entry_points.txt").write_text("[pytest11]\nearly = early_plugin\n")
    (site / "early_plugin.py").write_text("import calc.ops  # imported while pytest loads its plugins\n")
    return {"PYTHONPATH": f"{site}{os.pathsep}{root}"}


def test_measures_code_imported_by_other_plugins(project: Path, tmp_path: Path) -> None:
    """Beyond pytest-cov: a `pytest --cov` run is measured from interpreter start, so module
    code that another plugin imports before pytest-cov would start is measured too."""
    other = tmp_path / "calc-pytest-cov"
    shutil.copytree(PROJECT, other)
    ours = session("ferrocov", project, "--cov=calc", "--cov-report=term-missing", **_install_fake_plugin(project))
    theirs = session("pytest-cov", other, "--cov=calc", "--cov-report=term-missing", **_install_fake_plugin(other))
    assert ours[0] == theirs[0] == 0, ours[1] + ours[2] + theirs[1]
    def missing(out: str) -> list[str]:
        row = next(line for line in out.splitlines() if line.startswith("calc/ops.py"))
        return [part.strip() for part in row.split("%", 1)[1].split(",")]

    # pytest-cov misses calc/ops.py's `def` lines (run at import, before it started) ...
    assert missing(theirs[1]) == ["1", "5", "7", "11-13"], theirs[1]
    # ... ferrocov sees them run.
    assert missing(ours[1]) == ["7", "12-13"], ours[1]
    # Starting early leaves pytest nothing to warn about (an already-imported plugin module).
    assert "warning" not in ours[1].lower(), ours[1]


def test_the_pytest_command_starts_measuring_at_interpreter_start(project: Path, tmp_path: Path) -> None:
    """The installed `pytest` command (not `python -m pytest`), with a `--cov` package not
    importable yet when the interpreter starts (the command's own directory is first on
    sys.path; a plugin puts the project there): measured from interpreter start all the same."""
    site = project / "fake-site"
    (site / "early_plugin-1.0.dist-info").mkdir(parents=True)
    (site / "early_plugin-1.0.dist-info" / "METADATA").write_text("Metadata-Version: 2.1\nName: early-plugin\nVersion: 1.0\n")
    (site / "early_plugin-1.0.dist-info" / "entry_points.txt").write_text("[pytest11]\nearly = early_plugin\n")
    (site / "early_plugin.py").write_text(
        "import sys\nfrom ferrocov import _core\n"
        f"open({str(project / 'measuring')!r}, 'w').write(str(_core.is_measuring()))\n"
        f"sys.path.insert(0, {str(project)!r})\nimport calc.ops\n"
    )
    command = Path(sys.executable).parent / "pytest"
    result = run(
        [str(command), "-p", "no:pytest_cov", "-p", "no:cacheprovider", "-p", "no:xdist", "--cov=calc", "--cov-report=term-missing"],
        cwd=project,
        timeout=180,
        COLUMNS="80",
        PYTHONPATH=str(site),
    )
    assert result.returncode == 0, result.stdout + result.stderr
    # Measuring already when pytest loads its plugins.
    assert (project / "measuring").read_text() == "True"
    row = next(line for line in result.stdout.splitlines() if line.startswith("calc/ops.py"))
    # The `def` lines ran as the plugin imported the module: seen.
    assert [part.strip() for part in row.split("%", 1)[1].split(",")] == ["7", "12-13"], result.stdout


def test_child_processes_record_in_the_test_context(project: Path) -> None:
    """--cov-context=test: a process a test starts records in that test's context (pytest-cov's
    children record in no context)."""
    from coverage import CoverageData

    status, out, err = session("ferrocov", project, "--cov=calc", "--cov-context=test", "--cov-report=")
    assert status == 0, out + err
    data = CoverageData(basename=str(project / ".coverage"))
    data.read()
    cli = next(f for f in data.measured_files() if f.endswith("cli.py"))
    contexts = {name for names in data.contexts_by_lineno(cli).values() for name in names}
    assert contexts == {"tests/test_calc.py::test_cli_subprocess|run"}, contexts


@pytest.mark.parametrize(
    "args",
    [
        ["--cov"],
        ["--cov=pkg", "--cov", "other", "-q"],
        ["--cov=", "--cov-branch", "--cov-append"],
        ["--cov=a", "--cov-reset", "--cov=pkg", "--cov-config", "setup.cfg"],
        ["--cov-config=tox.ini", "--cov=pkg", "tests/"],
        ["--cov", "--cov-branch", "-x"],
    ],
)
def test_start_up_reads_the_request_as_the_plugin_does(args: list[str]) -> None:
    """What the start-up hook reads from the command line (to measure from the first import)
    equals what the plugin makes of pytest's own parse of it, so the plugin adopts the
    measurement instead of starting another."""
    from _pytest.config.argparsing import Parser

    from ferrocov import _early, plugin

    class NoOtherPlugins:
        def is_blocked(self, name: str) -> bool:
            return name in ("pytest_cov", "pytest_cov.plugin")

    parser = Parser(_ispytest=True)
    plugin.pytest_addoption(parser, NoOtherPlugins())
    options = parser.parse_known_args(args)
    from_pytest = _early.cov_request(options.cov_source, options.cov_branch, options.cov_config, options.cov_append)
    assert _early.parse(args + ["-p", "no:pytest_cov"]) == from_pytest


def test_the_plugin_writes_every_report_kind_the_front_makes() -> None:
    """The plugin's list of file reports (kept apart so that pytest's start-up does not import
    the analysis) is the reporting front's, in pytest-cov's order."""
    from ferrocov import plugin, reports

    assert tuple(plugin.FILE_REPORTS) == reports.KINDS
