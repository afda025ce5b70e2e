"""The pytest plugin: pytest-cov's options, meaning and output, measured by ferrocov.

This module talks only to pytest; measuring is done by ``ferrocov.control`` (imported lazily,
so that loading the plugin costs nothing when ``--cov`` is not given).
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
from io import StringIO
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from ferrocov.control import Controller

#: How long the controller waits for a finished xdist worker to release its data (it does so
#: before it says it has finished, so this is only a margin).
_WORKER_EXIT_WAIT = 10.0
_WORKER_PID_KEY = "ferrocov_pid"

class PytestCovWarning(pytest.PytestWarning):
    """The base of the plugin's warnings (pytest-cov's names, so that output and warning
    summaries read the same)."""


class CovDisabledWarning(PytestCovWarning):
    """Coverage was disabled with --no-cov."""


class CovReportWarning(PytestCovWarning):
    """A report could not be made."""


class CentralCovContextWarning(PytestCovWarning):
    """``dynamic_context = test_function`` in the configuration, where ``--cov-context=test``
    does better (pytest-cov's warning and class)."""

    MESSAGE = (
        "Detected dynamic_context=test_function in coverage configuration. "
        "This is unnecessary as this plugin provides the more complete --cov-context option."
    )


#: The file reports, in the order pytest-cov writes them (reports.KINDS, which this module
#: does not import at start-up: it brings the analysis with it).
FILE_REPORTS = ["annotate", "html", "xml", "json", "markdown", "markdown-append", "lcov"]
TERM_REPORTS = ["term", "term-missing"]


def validate_report(arg: str) -> Any:
    all_choices = TERM_REPORTS + FILE_REPORTS
    values = arg.split(":", 1)
    report_type = values[0]
    if report_type not in [*all_choices, ""]:
        raise argparse.ArgumentTypeError(f'invalid choice: "{arg}" (choose from "{all_choices}")')
    if len(values) == 1:
        return report_type, None
    modifier = values[1]
    if report_type in TERM_REPORTS and modifier == "skip-covered":
        return report_type, modifier
    if report_type not in FILE_REPORTS:
        raise argparse.ArgumentTypeError(f'output specifier not supported for: "{arg}" (choose from "{FILE_REPORTS}")')
    return values


def validate_fail_under(num_str: str) -> float:
    try:
        value: float = int(num_str)
    except ValueError:
        try:
            value = float(num_str)
        except ValueError:
            raise argparse.ArgumentTypeError("An integer or float value is required.") from None
    if value > 100:
        raise argparse.ArgumentTypeError(
            "Your desire for over-achievement is admirable but misplaced. The maximum value is 100. "
            "Perhaps write more integration tests?"
        )
    return value


def validate_context(arg: str) -> str:
    if arg != "test":
        raise argparse.ArgumentTypeError('The only supported value is "test".')
    return arg


class StoreReport(argparse.Action):
    def __call__(self, parser: Any, namespace: Any, values: Any, option_string: Any = None) -> None:
        report_type, file = values
        namespace.cov_report[report_type] = file
        if report_type in ("markdown", "markdown-append") and file is None:
            namespace.cov_report[report_type] = "coverage.md"
        reports = namespace.cov_report
        if "markdown" in reports and "markdown-append" in reports and reports["markdown"] == reports["markdown-append"]:
            parser.error(
                f"markdown and markdown-append options cannot point to the same file: '{reports['markdown']}'."
                " Please redirect one of them using :DEST (e.g. --cov-report=markdown:dest_file.md)"
            )


def _pytest_cov_present(pluginmanager: Any) -> bool:
    """Does pytest load pytest-cov in this run (then it owns --cov)? Decided from the plugins
    pytest loads, not from whether a ``pytest_cov`` module can be imported."""
    from ferrocov._early import pytest_cov_loads

    if pluginmanager.is_blocked("pytest_cov") or pluginmanager.is_blocked("pytest_cov.plugin"):
        return False
    if pluginmanager.has_plugin("pytest_cov") or pluginmanager.has_plugin("pytest_cov.plugin"):
        return True
    return pytest_cov_loads(set())


def pytest_addoption(parser: Any, pluginmanager: Any) -> None:
    if _pytest_cov_present(pluginmanager):
        # pytest-cov already defines these options: defining them twice is a traceback.
        return
    group = parser.getgroup("cov", "coverage reporting (ferrocov)")
    group.addoption("--cov", action="append", default=[], metavar="SOURCE", nargs="?", const=True, dest="cov_source",
                    help="Path or package name to measure during execution (multi-allowed). "
                    "Use --cov= to not do any source filtering and record everything.")
    group.addoption("--cov-reset", action="store_const", const=[], dest="cov_source",
                    help="Reset cov sources accumulated in options so far. ")
    group.addoption("--cov-report", action=StoreReport, default={}, metavar="TYPE", type=validate_report,
                    help="Type of report to generate: term, term-missing, annotate, html, xml, json, markdown, "
                    "markdown-append, lcov (multi-allowed). term, term-missing may be followed by \":skip-covered\". "
                    "Use --cov-report= to not generate any output.")
    group.addoption("--cov-config", action="store", default=".coveragerc", metavar="PATH",
                    help="Config file for coverage. Default: .coveragerc")
    group.addoption("--no-cov-on-fail", action="store_true", default=False,
                    help="Do not report coverage if test run fails. Default: False")
    group.addoption("--no-cov", action="store_true", default=False,
                    help="Disable coverage report completely (useful for debuggers). Default: False")
    group.addoption("--cov-fail-under", action="store", metavar="MIN", type=validate_fail_under,
                    help="Fail if the total coverage is less than MIN.")
    group.addoption("--cov-append", action="store_true", default=False,
                    help="Do not delete coverage but append to current. Default: False")
    group.addoption("--cov-branch", action="store_true", default=None, help="Enable branch coverage.")
    group.addoption("--cov-precision", type=int, default=None, help="Override the reporting precision.")
    group.addoption("--cov-context", action="store", metavar="CONTEXT", type=validate_context,
                    help='Dynamic contexts to use. "test" for now.')


@pytest.hookimpl(tryfirst=True)
def pytest_load_initial_conftests(early_config: Any, parser: Any, args: Any) -> None:
    pluginmanager = early_config.pluginmanager
    options = early_config.known_args_namespace
    if _pytest_cov_present(pluginmanager):
        if getattr(options, "cov_source", None):
            pluginmanager.register(_BothInstalledNotice(), "_ferrocov_notice")
        return
    no_cov = False
    options.no_cov_should_warn = False
    for arg in map(str, args):
        if arg == "--no-cov":
            no_cov = True
        elif arg.startswith("--cov") and no_cov:
            options.no_cov_should_warn = True
            break
    if options.cov_source:
        plugin = FerrocovPlugin(options, pluginmanager)
        pluginmanager.register(plugin, "_cov")


class _BothInstalledNotice:
    """Said once, at the end of the run (where -q does not hide it), when pytest-cov is loaded
    too and handles --cov."""

    MESSAGE = (
        "ferrocov: pytest-cov is also installed and is handling --cov. To measure with ferrocov, "
        "run pytest with -p no:pytest_cov (or uninstall pytest-cov); to keep pytest-cov, run with -p no:ferrocov."
    )

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        terminalreporter.write_line(self.MESSAGE, yellow=True)


def _count(number: int, singular: str, plural: str) -> str:
    return f"{number} {singular if number == 1 else plural}"


def _sep(stream: StringIO, char: str, text: str) -> None:
    width, _ = shutil.get_terminal_size(fallback=(80, 24))
    if width < 40:
        width = 80
    count = max((width - len(text) - 2) // (2 * len(char)), 1)
    fill = char * count
    line = f"{fill} {text} {fill}"
    if len(line) + len(char.rstrip()) <= width:
        line += char.rstrip()
    stream.write(line + "\n\n")


_LOOPONFAIL = "FERROCOV_LOOPONFAIL"


def _looponfail_parent() -> bool:
    """Is this the process that runs pytest-xdist's --looponfail loop (not one of the children it
    starts for each round)? If so, stop what started at interpreter start-up and make sure the
    children do not inherit it: each child measures itself."""
    from ferrocov import _early
    from ferrocov._settings import ENV_VAR

    marker = os.environ.get(_LOOPONFAIL)
    if marker is not None and marker != str(os.getpid()):
        return False
    os.environ[_LOOPONFAIL] = str(os.getpid())
    _early.discard()
    os.environ.pop(ENV_VAR, None)
    return True


class FerrocovPlugin:
    def __init__(self, options: argparse.Namespace, pluginmanager: Any, start: bool = True) -> None:
        """`start` False (as pytest-cov's ``CovPlugin`` takes it): set up, measure nothing; every
        hook then does nothing."""
        self.options = options
        self.controller: Controller | None = None
        self.cov_report = StringIO()
        self.cov_total: float | None = None
        self.failed = False
        self._disabled = False
        self._wrote_heading = False
        self.worker = False
        self.remote = False
        self.remote_worker: Any = None
        #: Data sent back by remote xdist workers, merged into the run's data at the end.
        self.from_workers: list[Any] = []
        #: Local xdist workers that have finished their session: the combine waits for their
        #: data files rather than leaving them as live.
        self.ending_workers: list[int] = []
        if getattr(options, "no_cov", False) or not start:
            self._disabled = True
            return
        if not options.cov_report:
            options.cov_report = {"term": None}
        elif len(options.cov_report) == 1 and "" in options.cov_report:
            options.cov_report = {}
        if getattr(options, "looponfail", False) and _looponfail_parent():
            # pytest-xdist's --looponfail: this process runs no tests; it starts a fresh child
            # for every round, which measures and reports as a run of its own (as pytest-cov's).
            self._disabled = True
            return
        self.start()

    def start(self) -> None:
        from ferrocov import _core, _early
        from ferrocov._settings import ENV_VAR
        from ferrocov.control import Controller

        options = self.options
        wanted = _early.cov_request(options.cov_source, options.cov_branch, options.cov_config, options.cov_append)
        early = _early.take(wanted)
        if early is not None:
            # Measuring since the interpreter started, with these very settings: adopt it.
            self.controller, notices = early
            self.controller.warn = self._notice
            for notice in notices:
                self._notice(notice)
            self.config = self.controller.config
            self._warn_dynamic_context()
            if self.options.cov_fail_under is None:
                self.options.cov_fail_under = self.config.fail_under
            if self.options.cov_precision is None:
                self.options.cov_precision = self.config.precision
            return
        from ferrocov import _xdist

        if _xdist.is_worker():
            self.worker = True
            if os.environ.get(ENV_VAR) and _core.is_measuring():
                # A local worker: measured through the run's environment since it started;
                # the controller combines its data.
                return
            # A worker without the run's environment (remote): it measures itself from
            # pytest_sessionstart, with the settings the controller sends in workerinput.
            self.remote = True
            return
        # Any other pytest run with --cov is a run of its own, even inside a measured run (a
        # plugin's suite running pytest through pytester or a subprocess): it measures,
        # reports and fails as it would alone; the outer measurement of this process pauses
        # meanwhile and resumes when this run stops.
        self._start_run(wanted)

    def _start_run(self, wanted: Any) -> None:
        from ferrocov import _early
        from ferrocov.control import Controller

        # pytest captures output while plugins start: warnings are kept and shown in the summary.
        config = _early.request_config(wanted, self._notice)
        self.config = config
        self._warn_dynamic_context()
        self.controller = Controller(config, warn=self._notice)
        if not self.options.cov_append:
            self._erase(config.data_file)
        self.controller.start()
        if self.options.cov_fail_under is None:
            self.options.cov_fail_under = config.fail_under
        if self.options.cov_precision is None:
            self.options.cov_precision = config.precision

    def _warn_dynamic_context(self) -> None:
        """pytest-cov's warning (its class and words) for ``dynamic_context = test_function``;
        the contexts are recorded all the same."""
        if self.config.dynamic_context == "test_function":
            import warnings

            warnings.warn(CentralCovContextWarning(CentralCovContextWarning.MESSAGE), stacklevel=1)

    def _static_context(self) -> str:
        """``[run] context``: from the configuration, or (in an xdist worker, which has none)
        from the run's settings, which start in it."""
        if self.controller is not None:
            return self.controller.config.context or ""
        from ferrocov._settings import from_environment

        try:
            settings = from_environment()
        except ValueError:
            return ""
        return settings.context if settings is not None else ""

    def _erase(self, data_file: str) -> None:
        path = os.path.abspath(data_file)
        try:
            os.remove(path)
        except FileNotFoundError:
            pass
        except OSError as err:
            self._notice(f"Couldn't erase data file '{path}': {err.strerror}")

    def _notice(self, message: str) -> None:
        """A warning, through Python's warnings machinery as coverage.py's are: while plugins
        start, pytest shows it in its warnings summary; later, on stderr (-W applies)."""
        from ferrocov import exceptions

        exceptions.warn(message, stacklevel=3)

    def _parse_warning(self, message: str, slug: str) -> None:
        if slug not in self.config.disable_warnings:
            self._notice(f"{message} ({slug})")

    def pytest_sessionstart(self, session: Any) -> None:
        from ferrocov import _xdist

        workerinput = getattr(session.config, "workerinput", None)
        if (
            self.worker
            and not self.remote
            and workerinput
            and _xdist.SETTINGS_KEY in workerinput
            and _xdist.runs_elsewhere(workerinput, str(session.config.rootpath))
        ):
            # A local worker in another directory (``--tx popen//chdir=DIR`` with
            # ``--rsyncdir``): it runs the copies there, so it measures as a remote one does.
            from ferrocov import _measure

            _measure.stop()
            self.remote = True
        if self.remote and workerinput and _xdist.SETTINGS_KEY in workerinput:
            self.remote_worker = _xdist.RemoteWorker(workerinput, str(session.config.rootpath))
            self.remote_worker.start()
        elif self.remote and workerinput is None:
            # Not an xdist worker after all: a session started by execnet in a process that
            # inherited xdist's worker variable (xdist's --looponfail child, run from a test in
            # an xdist worker). It is a run of its own, measured from here.
            from ferrocov import _early

            self.worker = self.remote = False
            options = self.options
            self._start_run(_early.cov_request(options.cov_source, options.cov_branch, options.cov_config, options.cov_append))
        measuring = self.controller is not None or self.worker
        if measuring and self.options.cov_context == "test":
            session.config.pluginmanager.register(TestContextPlugin(self._static_context()), "_cov_contexts")

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, session: Any) -> None:
        """xdist, worker side, after every other plugin's session finish: stop measuring, as
        pytest-cov's workers do, so that the controller (told once this hook returns) can take
        this worker's data while the worker waits to be shut down."""
        workeroutput = getattr(session.config, "workeroutput", None)
        if workeroutput is None or not self.worker:
            return
        if self.remote_worker is not None:
            self.remote_worker.finish(workeroutput)
            self.remote_worker = None
            return
        from ferrocov import _measure

        _measure.stop()
        workeroutput[_WORKER_PID_KEY] = os.getpid()

    @pytest.hookimpl(optionalhook=True)
    def pytest_configure_node(self, node: Any) -> None:
        """xdist, controller side: every worker gets the run's settings (used by remote ones)."""
        from ferrocov import _xdist

        if self.controller is not None and self.controller.settings is not None:
            _xdist.configure_node(node, self.controller.settings, str(node.config.rootpath))

    @pytest.hookimpl(optionalhook=True)
    def pytest_testnodedown(self, node: Any, error: Any) -> None:
        """xdist, controller side: keep what a remote worker measured."""
        from ferrocov import _xdist

        output = getattr(node, "workeroutput", None)
        if self.controller is None or not output:
            return
        if isinstance(output.get(_WORKER_PID_KEY), int):
            self.ending_workers.append(output[_WORKER_PID_KEY])
        try:
            data, warnings = _xdist.receive(output, str(node.config.rootpath))
        except Exception as err:
            self._notice(f"Couldn't use the data of xdist worker {output.get('workerid', '?')}: {err}")
            return
        for warning in warnings:
            self._notice(warning)
        if data is not None:
            self.from_workers.append(data)

    def _should_report(self) -> bool:
        needed = self.options.cov_report or self.options.cov_fail_under
        return bool(needed) and not (self.failed and self.options.no_cov_on_fail)

    @pytest.hookimpl(wrapper=True)
    def pytest_runtestloop(self, session: Any) -> Any:
        if self._disabled or self.worker:
            return (yield)
        result = yield
        self.failed = bool(session.testsfailed)
        assert self.controller is not None
        self.controller.stop()
        if self.controller.failed:
            return result
        try:
            os.getcwd()
        except FileNotFoundError:
            # A test removed the directory it moved to: report from where pytest started, as
            # pytest-cov (whose paths were fixed when it started) does.
            os.chdir(session.config.invocation_params.dir)
        from ferrocov.exceptions import DataError

        try:
            data = self.controller.combine(
                append=self.options.cov_append, wait_for=self.ending_workers, wait_seconds=_WORKER_EXIT_WAIT, extra=self.from_workers
            )
        except DataError as err:
            # --cov-append onto data of the other kind: coverage.py's refusal; the data file
            # is left as it was and the session fails.
            session.config.pluginmanager.getplugin("terminalreporter").write(f"\nERROR: {err}\n", red=True, bold=True)
            session.testsfailed += 1
            return result
        try:
            self.controller.save(data)
        except Exception as err:  # a failed save must not end the session
            self._notice(f"Couldn't save coverage data: {err}; the per-process data is kept")
        else:
            self.controller.discard_consumed()
        if self._should_report():
            from ferrocov import _core
            from ferrocov.exceptions import ReportError
            from ferrocov.results import should_fail_under

            try:
                self.cov_total = self.summary(data)
            except ReportError as exc:
                message = f"Failed to generate report: {exc}\n"
                session.config.pluginmanager.getplugin("terminalreporter").write(f"\nWARNING: {message}\n", red=True, bold=True)
                import warnings

                # As pytest-cov: into pytest's warnings summary too (an error under -W error).
                warnings.warn(CovReportWarning(message), stacklevel=1)
                self.cov_total = 0
            fail_under = self.options.cov_fail_under
            precision = self.options.cov_precision
            if fail_under is None or self.options.collectonly:
                return result
            if should_fail_under(self.cov_total, fail_under, precision):
                message = "Coverage failure: total of {total} is less than fail-under={fail_under:.{p}f}".format(
                    total=_core.display_covered(self.cov_total, precision), fail_under=fail_under, p=precision
                )
                session.config.pluginmanager.getplugin("terminalreporter").write(f"\nERROR: {message}\n", red=True, bold=True)
                session.testsfailed += 1
        return result

    def summary(self, data: Any) -> float:
        from ferrocov import results

        config = self.config
        config.ignore_errors = True
        config.precision = self.options.cov_precision
        if config.report_contexts:
            data = results.restrict_to_contexts(data, config.report_contexts)
        analysed = results.analyze_data(data, config, warn=self._parse_warning)
        stream = self.cov_report
        version = "{}.{}.{}-{}-{}".format(*sys.version_info[:5])
        _sep(stream, "_", f"coverage: platform {sys.platform}, python {version}")
        reports = self.options.cov_report
        if any(kind in reports for kind in TERM_REPORTS):
            # term-missing and :skip-covered shape the terminal report only (pytest-cov's HTML
            # report skips covered files from [html] skip_covered alone).
            import copy

            term = copy.copy(config)
            term.show_missing = "term-missing" in reports or config.show_missing
            term.skip_covered = "skip-covered" in reports.values() or config.skip_covered
            text, total = results.summary(analysed, term, "text")
            stream.write(text)
        else:
            _, total = results.summary(analysed, config, "total")
        from ferrocov import reports as reports_module

        # pytest-cov's order: term, annotate, html, xml, json, markdown, markdown-append, lcov.
        for kind in reports_module.KINDS:
            if kind not in reports:
                continue
            destination = reports[kind]
            reports_module.write(kind, analysed, config, destination, data)
            if kind == "annotate":
                where = f"to dir {destination}" if destination else "next to source"
                stream.write(f"Coverage annotated source written {where}\n")
            elif kind == "html":
                stream.write(f"Coverage HTML written to dir {destination or config.html_dir}\n")
            elif kind in ("markdown", "markdown-append"):
                verb = "written to" if kind == "markdown" else "appended to"
                stream.write(f"Coverage Markdown information {verb} file {destination}\n")
            else:
                stream.write(f"Coverage {kind.upper()} written to file {destination or reports_module.default_destination(kind, config)}\n")
        if data.processes_unclean:
            stream.write(
                f"ferrocov: {_count(data.processes, 'process', 'processes')} measured; "
                f"{data.processes_unclean} ended without a clean close "
                f"({data.unclean_summary or 'killed, crashed or os._exit'}) and their data was recovered\n"
            )
        return total

    def write_heading(self, terminalreporter: Any) -> None:
        if not self._wrote_heading:
            terminalreporter.write_sep("=", "tests coverage")
            self._wrote_heading = True

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        if self._disabled:
            if getattr(self.options, "no_cov_should_warn", False):
                self.write_heading(terminalreporter)
                terminalreporter.write("WARNING: Coverage disabled via --no-cov switch!\n", red=True, bold=True)
                import warnings

                warnings.warn(CovDisabledWarning("Coverage disabled via --no-cov switch!"), stacklevel=1)
            return
        if self.controller is None or self.cov_total is None:
            return
        report = self.cov_report.getvalue()
        if report:
            self.write_heading(terminalreporter)
            terminalreporter.write(report)
        if self.options.cov_fail_under is not None and self.options.cov_fail_under > 0:
            self.write_heading(terminalreporter)
            failed = self.cov_total < self.options.cov_fail_under
            markup = {"red": True, "bold": True} if failed else {"green": True}
            message = "{fail}Required test coverage of {required}% {reached}. Total coverage: {actual:.2f}%\n".format(
                required=self.options.cov_fail_under,
                actual=self.cov_total,
                fail="FAIL " if failed else "",
                reached="not reached" if failed else "reached",
            )
            terminalreporter.write(message, **markup)

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_call(self, item: Any) -> Any:
        if self._disabled or not (item.get_closest_marker("no_cover") or "no_cover" in getattr(item, "fixturenames", ())):
            return (yield)
        # Works the same in an xdist worker, which has no controller of its own.
        from ferrocov import _core
        from ferrocov._settings import ENV_VAR

        saved = os.environ.pop(ENV_VAR, None)
        _core.set_paused(True)
        try:
            return (yield)
        finally:
            _core.set_paused(False)
            if saved is not None:
                os.environ[ENV_VAR] = saved


class TestContextPlugin:
    """``--cov-context=test``: hits are recorded in ``nodeid|setup``, ``nodeid|run`` and
    ``nodeid|teardown`` contexts, as pytest-cov records them (after ``[run] context`` and a
    ``|``, when there is one, as coverage.py joins static and dynamic contexts)."""

    def __init__(self, static: str = "") -> None:
        self.static = static

    def pytest_runtest_setup(self, item: Any) -> None:
        self.switch_context(item, "setup")

    def pytest_runtest_teardown(self, item: Any) -> None:
        self.switch_context(item, "teardown")

    def pytest_runtest_call(self, item: Any) -> None:
        self.switch_context(item, "run")

    def switch_context(self, item: Any, when: str) -> None:
        from ferrocov import _core
        from ferrocov._settings import ENV_VAR, Settings

        context = f"{item.nodeid}|{when}"
        if self.static:
            context = f"{self.static}|{context}"
        _core.set_context(context)
        # Processes the test starts record in its context too (pytest-cov's children do not).
        raw = os.environ.get(ENV_VAR)
        if raw:
            try:
                settings = Settings.decode(raw)
            except ValueError:
                return
            settings.context = context
            os.environ[ENV_VAR] = settings.encode()


@pytest.fixture
def no_cover() -> None:
    """A pytest fixture to disable coverage."""


@pytest.fixture
def cov(request: Any) -> Any:
    """The measurement of this session as a ``ferrocov.Coverage`` (coverage.py's ``Coverage``
    API, as pytest-cov's fixture gives), or None when not measuring."""
    plugin = request.config.pluginmanager.getplugin("_cov")
    controller = getattr(plugin, "controller", None)
    if controller is None:
        return None
    from ferrocov.api import Coverage

    return Coverage._attached(controller)


def pytest_configure(config: Any) -> None:
    config.addinivalue_line("markers", "no_cover: disable coverage for this test.")
