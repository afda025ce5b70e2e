"""coverage.py plugins (`[run] plugins`): configurers from the package registry — covdefaults,
coverage-conditional-plugin — loaded as coverage.py loads them, their reports equal to
coverage.py's (`ferrocov run` against `coverage run`) and to pytest-cov's (`pytest --cov`),
fail-under included; file tracers and context plugins refused, out loud; a plugin that is not
there, or not a plugin, is an error that names it."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pytest

from conftest import coverage, ferrocov, run
from test_dropin import pytest_session, report_table, twin


def needs(module: str) -> None:
    if importlib.util.find_spec(module) is None:
        pytest.skip(f"{module} is not installed (scripts/install.sh --test installs it): NOT TESTED")


MOD = '''\
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from os import PathLike


def f(x):
    if x:  # pragma: no branch
        return 1
    raise NotImplementedError


def g():
    if sys.version_info >= (3, 99):  # pragma: >=3.99 cover
        return "future"
    return "now"


def h():
    if sys.platform == "win32":  # pragma: win32 cover
        return "windows"
    return "else"


def conditional():
    if sys.version_info >= (3, 99):  # pragma: py-gte-399
        return "future"
    try:
        import nosuchmodule  # pragma: no-such-module
    except ImportError:
        return None


def untested():
    return 5
'''

MAIN = "import mod\nmod.f(1)\nmod.g()\nmod.h()\nmod.conditional()\n"
TEST = "import mod\n\ndef test_mod():\n    assert mod.f(1) == 1\n    mod.g(); mod.h(); mod.conditional()\n"

COVDEFAULTS_INI = "[run]\nplugins = covdefaults\n\n[covdefaults]\nsubtract_omit = */__main__.py\n"
CONDITIONAL_TOML = """\
[tool.coverage.run]
plugins = ["coverage_conditional_plugin"]
branch = true

[tool.coverage.report]
fail_under = 80

[tool.coverage.coverage_conditional_plugin.rules]
py-gte-399 = "sys_version_info < (3, 99)"
no-such-module = "not is_installed('nosuchmodule')"
"""
CONDITIONAL_CFG = """\
[coverage:run]
plugins = coverage_conditional_plugin

[coverage:coverage_conditional_plugin]
rules =
  "sys_version_info < (3, 99)": py-gte-399
  "not is_installed('nosuchmodule')": no-such-module
"""

CASES = {
    "covdefaults": ("covdefaults", {".coveragerc": COVDEFAULTS_INI}),
    "conditional-toml": ("coverage_conditional_plugin", {"pyproject.toml": CONDITIONAL_TOML}),
    "conditional-setup.cfg": ("coverage_conditional_plugin", {"setup.cfg": CONDITIONAL_CFG}),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_configurer_plugins_report_as_coverage_py(tmp_path: Path, case: str) -> None:
    module, config = CASES[case]
    needs(module)
    ours, theirs = twin(tmp_path, {"mod.py": MOD, "main.py": MAIN, **config})
    for tool, root in ((ferrocov, ours), (coverage, theirs)):
        result = tool("run", "main.py", cwd=root)
        assert result.returncode == 0, result.stderr
        assert "plugin" not in result.stderr, result.stderr
    mine = ferrocov("report", cwd=ours)
    other = coverage("report", cwd=theirs)
    assert (mine.returncode, mine.stdout) == (other.returncode, other.stdout)
    # File by file, and the plugin did something: its pragmas excluded lines.
    for tool, root in ((ferrocov, ours), (coverage, theirs)):
        assert tool("json", "-o", "report.json", cwd=root).returncode in (0, 2)
    fields = ("executed_lines", "missing_lines", "excluded_lines", "executed_branches", "missing_branches")
    mine_json, other_json = (json.loads((root / "report.json").read_text())["files"]["mod.py"] for root in (ours, theirs))
    assert {k: mine_json.get(k) for k in fields} == {k: other_json.get(k) for k in fields}
    assert other_json["excluded_lines"], "the plugin excluded nothing: the test itself is broken"
    if module == "covdefaults":
        # branch = True, fail_under = 100, skip_covered: coverage.py's own exit status 2.
        assert other.returncode == 2 and "Branch" in other.stdout and "skipped due to complete coverage" in other.stdout


@pytest.mark.parametrize("case", sorted(CASES))
def test_configurer_plugins_under_pytest_as_pytest_cov(tmp_path: Path, case: str) -> None:
    module, config = CASES[case]
    needs(module)
    ours, theirs = twin(tmp_path, {"mod.py": MOD, "test_mod.py": TEST, **config})
    mine = pytest_session("ferrocov", ours, "--cov=.", "--cov-report=term-missing")
    other = pytest_session("pytest-cov", theirs, "--cov=.", "--cov-report=term-missing")
    assert mine[0] == other[0], (mine[1][-2000:], other[1][-2000:])
    assert report_table(mine[1]) == report_table(other[1])
    fail = [line for line in other[1].splitlines() if "FAIL Required test coverage" in line or "Required test coverage" in line]
    assert fail == [line for line in mine[1].splitlines() if "FAIL Required test coverage" in line or "Required test coverage" in line]


TRACER = '''\
import coverage


class Templates(coverage.CoveragePlugin):
    def file_tracer(self, filename):
        return None


class Contexts(coverage.CoveragePlugin):
    def dynamic_context(self, frame):
        return None


class Settings(coverage.CoveragePlugin):
    def configure(self, config):
        config.set_option("run:branch", True)
        config.set_option("report:show_missing", config.get_option("tracer_plugin:missing") == "yes")


def coverage_init(reg, options):
    reg.add_file_tracer(Templates())
    reg.add_dynamic_context(Contexts())
    reg.add_configurer(Settings())
'''


def test_file_tracers_and_context_plugins_are_refused_by_name(tmp_path: Path) -> None:
    needs("coverage")
    files = {"tracer_plugin.py": TRACER, "prog.py": "x = 1\nif x:\n    y = 2\n", ".coveragerc": "[run]\nplugins = tracer_plugin\n\n[tracer_plugin]\nmissing = yes\n"}
    ours, theirs = twin(tmp_path, files)
    result = ferrocov("run", "prog.py", cwd=ours, PYTHONPATH=str(ours))
    assert result.returncode == 0, result.stderr
    warnings = [line for line in result.stderr.splitlines() if line.startswith("ferrocov: warning: ")]
    assert len(warnings) == 2, result.stderr
    assert "tracer_plugin.Templates is a file tracer" in warnings[0]
    assert "tracer_plugin.Contexts sets dynamic contexts" in warnings[1]
    # Its configurer ran all the same, with its own section's option: the same report.
    assert coverage("run", "prog.py", cwd=theirs, PYTHONPATH=str(theirs)).returncode == 0
    mine = ferrocov("report", cwd=ours, PYTHONPATH=str(ours))
    other = coverage("report", cwd=theirs, PYTHONPATH=str(theirs))
    assert mine.stdout == other.stdout and "Branch" in mine.stdout and "Missing" in mine.stdout


@pytest.mark.parametrize(
    "plugins, message",
    [
        ("no_such_plugin", "Couldn't import the coverage.py plugin 'no_such_plugin' named in [run] plugins: No module named 'no_such_plugin'"),
        ("json", "Plugin module 'json' didn't define a coverage_init function"),
    ],
)
def test_a_plugin_that_is_not_one_is_an_error_that_names_it(tmp_path: Path, plugins: str, message: str) -> None:
    (tmp_path / "prog.py").write_text("x = 1\n")
    (tmp_path / ".coveragerc").write_text(f"[run]\nplugins = {plugins}\n")
    result = ferrocov("run", "prog.py", cwd=tmp_path)
    assert result.returncode == 1
    assert message in result.stdout + result.stderr


def test_the_api_loads_plugin_callables_and_lists_them(tmp_path: Path) -> None:
    needs("covdefaults")
    (tmp_path / "prog.py").write_text(
        "import covdefaults, ferrocov\n"
        "def init(reg):\n    covdefaults.coverage_init(reg, {})\n"
        "cov = ferrocov.Coverage(plugins=[init])\n"
        "print(cov.get_option('run:branch'), cov.get_option('report:fail_under'), [p._coverage_plugin_name for p in cov.get_plugins()])\n"
    )
    done = run([sys.executable, "prog.py"], cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    # Named as coverage.py names a plugin registered by a callable (no module).
    assert done.stdout.split() == ["True", "100", "['None.CovDefaults']"]
