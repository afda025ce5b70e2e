"""The ``ferrocov`` command: run, combine, report, erase, debug."""

from __future__ import annotations

import argparse
import os
import signal
import sys

# typing costs `ferrocov run` milliseconds at every start: annotations only (mypy reads
# TYPE_CHECKING by its name).
TYPE_CHECKING = False

from ferrocov import __version__
from ferrocov.config import Config, read_config
from ferrocov.exceptions import ConfigError, ReportError

if TYPE_CHECKING:
    from typing import Callable

    from ferrocov import _core, results

OK, ERR, FAIL_UNDER = 0, 1, 2


def _error(message: str) -> int:
    # coverage.py prints its errors on standard output; scripts that parse them expect that.
    print(message)
    return ERR


def _say(text: object) -> None:
    """A line on stderr that never fails the command (a full disk, a closed stderr)."""
    from ferrocov.exceptions import to_stderr

    to_stderr(str(text))


def _warn(message: str) -> None:
    from ferrocov import exceptions

    exceptions.warn(message, stacklevel=3)


def _show_warning(message: Warning | str, category: type[Warning], filename: str, lineno: int, file: object = None, line: str | None = None) -> None:
    """On the command line, ferrocov's warnings are one line each: ``ferrocov: warning: ...``."""
    from ferrocov.exceptions import CoverageWarning, to_stderr

    if issubclass(category, CoverageWarning):
        to_stderr(f"ferrocov: warning: {message}")
    else:
        _default_show_warning(message, category, filename, lineno, file, line)


_default_show_warning = __import__("warnings").showwarning


def _warn_unless_disabled(config: Config) -> Callable[[str, str], None]:
    def warn(message: str, slug: str) -> None:
        if slug not in config.disable_warnings:
            _warn(f"{message} ({slug})")

    return warn


def _list(value: str | None) -> list[str] | None:
    if value is None:
        return None
    return [part.strip() for part in value.split(",") if part.strip()]


COMMANDS = ("help", "run", "combine", "report", "xml", "json", "lcov", "html", "annotate", "erase", "debug")


class _Parser(argparse.ArgumentParser):
    """argparse as it is, less the checks of help strings and metavars it makes as each option
    is added on 3.14+: they build a help formatter, which imports its colour support (_colorize,
    and with it dataclasses and inspect: 18 ms at every `ferrocov run`). ferrocov's options are
    fixed and tested; help and errors are formatted as ever. (argparse skips those checks for
    any container without this method, as for argument groups.)"""

    @property
    def _get_validation_formatter(self) -> None:
        raise AttributeError("_get_validation_formatter")


def _parser(only: str | None = None) -> argparse.ArgumentParser:
    """The command line. With `only`, just that command's options are built (argparse costs
    about a millisecond a command, paid by every `ferrocov run`)."""

    def wanted(name: str) -> bool:
        return only is None or only == name

    parser = _Parser(prog="ferrocov", description="Durable code coverage for Python.")
    parser.add_argument("--version", action=_Version, nargs=0, help="show the version, the core in use and the Python, and exit")
    # prog given: argparse would build a help formatter to work it out (see _Parser).
    commands = parser.add_subparsers(dest="command", metavar="command", prog="ferrocov")
    if wanted("help"):
        help_command = commands.add_parser("help", help="describe how to use ferrocov, or one of its commands")
        help_command.add_argument("topic", nargs="?", default=None)

    def common(sub: argparse.ArgumentParser) -> None:
        sub.add_argument("--rcfile", default=None, help="configuration file (default: .coveragerc, setup.cfg, tox.ini, pyproject.toml)")
        sub.add_argument("--data-file", default=None, help="the combined data file (default .coverage)")

    if wanted("run"):
        run = commands.add_parser("run", help="run a Python program and measure it and every process it starts")
        common(run)
        run.add_argument("--source", default=None, help="comma-separated directories or packages to measure")
        run.add_argument("--include", default=None)
        run.add_argument("--omit", default=None)
        run.add_argument("-p", "--parallel-mode", action="store_true", help="write a uniquely named .coverage.* file")
        run.add_argument("-a", "--append", action="store_true", help="add to the existing data file")
        run.add_argument("--branch", action="store_true", help="Measure branch coverage in addition to statement coverage.")
        run.add_argument("-m", "--module", action="store_true", help="the program is a module name, as python -m")
        run.add_argument("--concurrency", default=None, help="thread, multiprocessing (always measured); gevent, greenlet, eventlet (not supported)")
        run.add_argument("--context", default=None, help="the static context label to record the data under")
        run.add_argument("-L", "--pylib", action="store_true", default=None, help="measure the standard library too")
        run.add_argument("--save-signal", default=None, help="not needed with ferrocov: every process's data is on disk as it runs")
        run.add_argument("--debug", default=None, help="not supported: use `ferrocov debug sys|config|data`")
        run.add_argument("program", nargs=argparse.REMAINDER)

    if wanted("combine"):
        combine = commands.add_parser("combine", help="combine per-process data into the data file")
        common(combine)
        combine.add_argument("--keep", action="store_true", help="keep the files that were combined")
        combine.add_argument("-a", "--append", action="store_true")
        combine.add_argument("-q", "--quiet", action="store_true")
        combine.add_argument("paths", nargs="*")

    if wanted("report"):
        report = commands.add_parser("report", help="print the summary report")
        common(report)
        report.add_argument("-m", "--show-missing", action="store_true", default=None)
        report.add_argument("--skip-covered", action="store_true", default=None)
        report.add_argument("--no-skip-covered", dest="skip_covered", action="store_false")
        report.add_argument("--skip-empty", action="store_true", default=None)
        report.add_argument("--precision", type=int, default=None)
        report.add_argument("--sort", default=None)
        report.add_argument("--include", default=None)
        report.add_argument("--omit", default=None)
        report.add_argument("--fail-under", type=float, default=None)
        report.add_argument("--format", default=None, choices=["text", "markdown", "total"])
        report.add_argument("-i", "--ignore-errors", action="store_true", default=None)
        report.add_argument("--contexts", default=None, help="only lines run in contexts matching these regexes (comma-separated)")

    for kind, default_help in (("xml", "coverage.xml"), ("json", "coverage.json"), ("lcov", "coverage.lcov")):
        if not wanted(kind):
            continue
        sub = commands.add_parser(kind, help=f"write the {kind.upper()} report (default {default_help})")
        common(sub)
        sub.add_argument("-o", dest="outfile", default=None, help='the output file ("-" for standard output)')
        sub.add_argument("--include", default=None)
        sub.add_argument("--omit", default=None)
        sub.add_argument("-i", "--ignore-errors", action="store_true", default=None)
        sub.add_argument("--skip-empty", action="store_true", default=None)
        sub.add_argument("--fail-under", type=float, default=None)
        sub.add_argument("-q", "--quiet", action="store_true")
        if kind == "json":
            sub.add_argument("--pretty-print", action="store_true", default=None)
            sub.add_argument("--show-contexts", action="store_true", default=None)
            sub.add_argument("--contexts", default=None, help="only lines run in contexts matching these regexes")

    if wanted("html"):
        html = commands.add_parser("html", help="write the HTML report (default htmlcov/)")
        common(html)
        html.add_argument("-d", "--directory", default=None)
        html.add_argument("--title", default=None)
        html.add_argument("--skip-covered", action="store_true", default=None)
        html.add_argument("--skip-empty", action="store_true", default=None)
        html.add_argument("--show-contexts", action="store_true", default=None)
        html.add_argument("--precision", type=int, default=None)
        html.add_argument("--include", default=None)
        html.add_argument("--omit", default=None)
        html.add_argument("-i", "--ignore-errors", action="store_true", default=None)
        html.add_argument("--fail-under", type=float, default=None)
        html.add_argument("-q", "--quiet", action="store_true")
        html.add_argument("--contexts", default=None, help="only lines run in contexts matching these regexes")

    if wanted("annotate"):
        annotate = commands.add_parser("annotate", help="write ,cover files: the source annotated line by line")
        common(annotate)
        annotate.add_argument("-d", "--directory", default=None, help="write the files here instead of next to the source")
        annotate.add_argument("--include", default=None)
        annotate.add_argument("--omit", default=None)
        annotate.add_argument("-i", "--ignore-errors", action="store_true", default=None)

    if wanted("erase"):
        erase = commands.add_parser("erase", help="remove the data file and any per-process data")
        common(erase)

    if wanted("debug"):
        debug = commands.add_parser("debug", help="show what ferrocov sees: sys, config, data, premain, pybehave, sqlite")
        common(debug)
        debug.add_argument("topic", choices=["sys", "config", "data", "premain", "pybehave", "sqlite"])
    return parser


class _Version(argparse.Action):
    """``ferrocov --version``: the version, the core measuring here, and the Python."""

    def __call__(self, parser: argparse.ArgumentParser, namespace: object, values: object, option_string: str | None = None) -> None:
        import platform

        try:
            from ferrocov import _core

            core = _core.core_name().split(":")[0]
            branch_core = _core.core_name(True).split(":")[0]
            cores = f"core {core}, branch core {branch_core}"
        except ImportError as err:
            cores = f"no compiled core ({err})"
        print(f"ferrocov {__version__} ({cores}) on {platform.python_implementation()} {platform.python_version()}")
        parser.exit()


def _load_config(args: argparse.Namespace) -> Config:
    config = read_config(args.rcfile if args.rcfile else True)
    if getattr(args, "data_file", None):
        config.data_file = args.data_file
    return config


def main(argv: list[str] | None = None) -> int:
    import warnings

    warnings.showwarning = _show_warning
    words = sys.argv[1:] if argv is None else argv
    first = next((word for word in words if not word.startswith("-")), None)
    parser = _parser(first if first in COMMANDS and first != "help" else None)
    args = parser.parse_args(argv)
    if not args.command:
        parser.print_help()
        return OK
    if args.command == "help":
        return do_help(parser, args.topic)
    try:
        config = _load_config(args)
        handler = {
            "run": do_run,
            "combine": do_combine,
            "report": do_report,
            "xml": do_file_report,
            "json": do_file_report,
            "lcov": do_file_report,
            "annotate": do_annotate,
            "html": do_html,
            "erase": do_erase,
            "debug": do_debug,
        }[args.command]
        return handler(args, config)
    except ConfigError as err:
        return _error(str(err))


def do_help(parser: argparse.ArgumentParser, topic: str | None) -> int:
    if topic is None:
        parser.print_help()
        return OK
    commands = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    sub = commands.choices.get(topic)
    if sub is None:
        return _error(f"Don't know topic {topic!r}")
    sub.print_help()
    return OK


def do_run(args: argparse.Namespace, config: Config) -> int:
    from ferrocov import _execfile
    from ferrocov.control import Controller

    program = list(args.program)
    if program and program[0] == "--":
        program = program[1:]
    if not program and not args.module and config.command_line:
        import shlex

        program = shlex.split(config.command_line)
    if args.module:
        if not program:
            return _error("Nothing to do: no module given after -m.")
    elif program and program[0] == "-m":
        args.module = True
        program = program[1:]
    if not program:
        return _error("Nothing to do.")
    if args.branch:
        config.branch = True
    if args.context is not None:
        config.context = args.context
    if args.pylib:
        config.cover_pylib = True
    if args.concurrency is not None:
        from ferrocov.config import LIGHT_THREADS, check_concurrency

        config.concurrency = _list(args.concurrency) or []
        check_concurrency(config.concurrency)
        for name in sorted(set(config.concurrency) & LIGHT_THREADS):
            _warn(f"--concurrency={name} is not supported by ferrocov: lines run in greenlets may be missed")
    if args.save_signal is not None:
        _warn(f"--save-signal={args.save_signal} is not needed with ferrocov and is ignored: every process's data is on disk as it runs")
    if args.debug is not None:
        _warn(f"--debug={args.debug} is not supported: use `ferrocov debug sys|config|data`")
    if args.source is not None:
        config.source = _list(args.source) or []
    if args.include is not None:
        config.run_include = _list(args.include) or []
    if args.omit is not None:
        config.run_omit = _list(args.omit) or []
    parallel = args.parallel_mode or config.parallel
    if not args.module and not os.path.exists(program[0]):
        return _error(f"No file to run: '{os.path.abspath(program[0])}'")

    controller = Controller(config, warn=_warn)
    # `source` packages are found as the program will find them: from its directory (or, with
    # -m, the current one) first, as python puts it at the front of sys.path.
    sys.path.insert(0, os.getcwd() if args.module else os.path.dirname(os.path.abspath(program[0])))
    try:
        controller.prepare()
    finally:
        del sys.path[0]
    # The program runs in a forked child; this process only waits and combines, so the data is
    # combined however the program ends: exit, os._exit, a signal, SIGKILL, a crash. Signals
    # sent to this process go on to the program (see _supervise).
    from ferrocov._supervise import Supervisor

    supervisor = Supervisor()
    _flush_standard_streams()
    supervisor.before_fork()
    pid = os.fork()
    if pid == 0:
        status = 1
        try:
            supervisor.in_child()
            controller.start_in_this_process()
            if args.module:
                _execfile.run_module(program[0], program[1:])
            else:
                _execfile.run_path(program[0], program[1:])
            status = 0
        except SystemExit as exit_:
            status = _exit_status(exit_.code)
        finally:
            # Let the program's atexit handlers, threads and buffers finish as python would.
            sys.exit(status)
    wait_status = supervisor.wait(pid)
    controller.stop()
    if not controller.failed:
        from ferrocov.exceptions import DataError

        try:
            controller.finish(append=args.append, parallel=parallel)
        except DataError as err:
            # coverage.py's message and status; the data file is left as it was, and this
            # run's data stays for `ferrocov combine`.
            supervisor.done()
            return _error(str(err))
    if os.WIFSIGNALED(wait_status):
        signum = os.WTERMSIG(wait_status)
        _flush_standard_streams()
        try:
            signal.signal(signum, signal.SIG_DFL)
        except (OSError, ValueError):
            pass  # SIGKILL and SIGSTOP always have their default action
        supervisor.done(signum)
        os.kill(os.getpid(), signum)
        return 128 + signum
    supervisor.done()
    return os.waitstatus_to_exitcode(wait_status)


def _flush_standard_streams() -> None:
    """Flush stdout and stderr before a fork or a signal, whatever state they are in (None when
    the descriptor was closed, on a full disk)."""
    for stream in (sys.stdout, sys.stderr):
        try:
            if stream is not None:
                stream.flush()
        except (OSError, ValueError):
            pass


def _exit_status(code: object) -> int:
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    _say(code)
    return 1


def do_combine(args: argparse.Namespace, config: Config) -> int:
    from ferrocov import _core
    from ferrocov.control import Controller

    controller = Controller(config, warn=_warn)
    data_file = controller.data_file
    inputs = [os.path.abspath(p) for p in args.paths] or _core.default_combine_inputs(data_file)
    if not args.paths:
        inputs = [p for p in inputs if os.path.abspath(p) != data_file]
    combined = _core.combine(inputs)
    data = combined.data
    for warning in combined.warnings:
        _warn(warning)
    if combined.live:
        _warn(f"left {len(combined.live)} data file(s) of processes still running: {', '.join(map(str, combined.live))}")
    if not combined.consumed:
        return _error("No data to combine")
    if args.append and os.path.exists(data_file):
        try:
            data.update(_core.Data.read(data_file))
        except _core.DataError as err:
            return _error(f"{err}: can't append to '{data_file}'")
    if config.paths:
        from ferrocov.paths import remapper

        data.remap(remapper(config.paths))
    # Files under `source` that never ran are reported with 0%, as after `ferrocov run`.
    controller.settings = controller.make_settings()
    controller.touch_unexecuted(data)
    if config.relative_files:
        from ferrocov.control import relative_to

        data.remap(relative_to(os.getcwd()))
    try:
        controller.save(data)
    except (OSError, _core.DataError) as err:
        return _error(f"Couldn't write data file '{data_file}': {err}")
    consumed = [str(p) for p in combined.consumed]
    if not args.keep:
        # Only now that the combined data is on disk do the files it came from go.
        for path in consumed:
            try:
                os.remove(path)
            except OSError:
                pass
        for directory in {os.path.dirname(p) for p in consumed}:
            if os.path.basename(directory).startswith(".ferrocov-"):
                try:
                    os.rmdir(directory)
                except OSError:
                    pass
    if not args.quiet:
        # coverage.py's one line: "Combined 3 files, 1 file errored".
        errored = len(combined.warnings)
        message = f"Combined {_plural(len(consumed), 'file')}"
        if errored:
            message += f", {_plural(errored, 'file')} errored"
        _say(message)
    return OK


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def _read_data(config: Config) -> _core.Data | None:
    from ferrocov import _core

    path = os.path.abspath(config.data_file)
    if not os.path.exists(path):
        return None
    return _core.Data.read(path)


def _reporting(
    args: argparse.Namespace,
    config: Config,
    options: dict[str, str],
    produce: Callable[[list[results.FileResult], _core.Data], float | None],
) -> int:
    """What every report command does: apply its options to the configuration, read the data,
    analyse the files, let ``produce`` write the report, then apply ``--fail-under``."""
    from ferrocov import _core, results

    for name, attribute in options.items():
        value = getattr(args, name, None)
        if value is not None:
            setattr(config, attribute, value)
    if getattr(args, "fail_under", None) is not None:
        config.fail_under = args.fail_under
    if getattr(args, "contexts", None) is not None:
        config.report_contexts = _list(args.contexts) or []
    try:
        data = _read_data(config)
    except _core.DataError as err:
        return _error(str(err))
    if data is None:
        return _error("No data to report.")
    try:
        if config.report_contexts:
            data = results.restrict_to_contexts(data, config.report_contexts)
        analysed = results.analyze_data(
            data, config, _list(args.include), _list(args.omit), warn=_warn_unless_disabled(config), parallel=True
        )
        if not analysed:
            return _error("No data to report.")
        total = produce(analysed, data)
        if total is not None and config.fail_under and results.should_fail_under(total, config.fail_under, config.precision):
            print("Coverage failure:", results.fail_under_message(total, config.fail_under, config.precision))
            return FAIL_UNDER
    except (ReportError, ConfigError, OSError, ValueError) as err:
        return _error(str(err))
    return OK


def _how(data: _core.Data) -> str:
    """How the processes that did not close cleanly ended: " (2 os._exit, 1 killed)"."""
    summary = data.unclean_summary
    return f" ({summary})" if summary else ""


def do_report(args: argparse.Namespace, config: Config) -> int:
    from ferrocov import results

    def produce(analysed: list[results.FileResult], data: _core.Data) -> float:
        text, total = results.summary(analysed, config)
        sys.stdout.write(text)
        if data.processes:
            # On stderr, so that standard output stays coverage.py's report, byte for byte.
            _say(f"ferrocov: {data.processes} process{'' if data.processes == 1 else 'es'} measured, {data.processes_unclean} ended without a clean close{_how(data)}")
        return total

    names = ("show_missing", "skip_covered", "skip_empty", "precision", "sort", "ignore_errors", "format")
    return _reporting(args, config, {name: name for name in names}, produce)


def do_file_report(args: argparse.Namespace, config: Config) -> int:
    from ferrocov import reports

    kind = args.command
    if getattr(args, "pretty_print", None):
        config.json_pretty_print = True
    if getattr(args, "show_contexts", None):
        config.json_show_contexts = True

    def produce(analysed: list[results.FileResult], data: _core.Data) -> float:
        outfile = args.outfile or reports.default_destination(kind, config)
        total = reports.write(kind, analysed, config, outfile, data)
        assert total is not None
        if outfile != "-" and not args.quiet:
            _say(f"Wrote {kind.upper()} report to {outfile}")
        return total

    return _reporting(args, config, {"ignore_errors": "ignore_errors", "skip_empty": "skip_empty"}, produce)


def do_html(args: argparse.Namespace, config: Config) -> int:
    from ferrocov import reports

    def produce(analysed: list[results.FileResult], data: _core.Data) -> float:
        total = reports.write("html", analysed, config, config.html_dir, data)
        assert total is not None
        if not args.quiet:
            _say(f"Wrote HTML report to {os.path.join(config.html_dir, 'index.html')}")
        return total

    options = {
        "skip_covered": "html_skip_covered",
        "skip_empty": "html_skip_empty",
        "title": "html_title",
        "show_contexts": "show_contexts",
        "precision": "precision",
        "ignore_errors": "ignore_errors",
        "directory": "html_dir",
    }
    return _reporting(args, config, options, produce)


def do_annotate(args: argparse.Namespace, config: Config) -> int:
    from ferrocov import reports

    def produce(analysed: list[results.FileResult], data: _core.Data) -> None:
        reports.write("annotate", analysed, config, args.directory)

    return _reporting(args, config, {"ignore_errors": "ignore_errors"}, produce)


def do_erase(args: argparse.Namespace, config: Config) -> int:
    """Remove the data file and the per-process data of runs that have ended. The files of
    processes still running are left (deleting them would lose what those processes record
    from now on), and said so."""
    from ferrocov import _core

    data_file = os.path.abspath(config.data_file)
    try:
        os.remove(data_file)
    except FileNotFoundError:
        pass
    except OSError as err:
        return _error(f"Couldn't erase data file '{data_file}': {err.strerror}")
    left: list[str] = []
    for path in _core.default_combine_inputs(data_file):
        if not os.path.isdir(path):
            try:
                os.remove(path)
            except OSError:
                pass
            continue
        live = {str(p) for p in _core.live_files(path)}
        for entry in os.listdir(path):
            full = os.path.join(path, entry)
            if full in live:
                continue
            if os.path.isdir(full):
                import shutil

                shutil.rmtree(full, ignore_errors=True)
            else:
                _remove(full)
        left.extend(live)
        try:
            os.rmdir(path)
        except OSError:
            pass
    if left:
        _warn(f"left {len(left)} data file(s) of processes still running: {', '.join(sorted(left))}")
    return OK


def _remove(path: str) -> None:
    try:
        os.remove(path)
    except OSError:
        pass


def do_debug(args: argparse.Namespace, config: Config) -> int:
    from ferrocov import _core, _measure
    from ferrocov._settings import ENV_VAR

    if args.topic == "sys":
        import platform

        print(f"-- sys {'-' * 40}")
        print(f"               version: {__version__}")
        print(f"                  core: {_core.core_name()}")
        print(f"           branch core: {_core.core_name(True)}{' (in use: branch = True)' if config.branch else ''}")
        print(f"              platform: {platform.platform()}")
        print(f"        implementation: {platform.python_implementation()}")
        print(f"            executable: {sys.executable}")
        print(f"                python: {sys.version.replace(chr(10), ' ')}")
        print(f"                   cwd: {os.getcwd()}")
        print(f"     {ENV_VAR}: {os.environ.get(ENV_VAR, '-none-')}")
        print(f"          config files: {', '.join(config.config_files_read) or '-none-'}")
        print(f"             data file: {os.path.abspath(config.data_file)}")
        print("     not measured dirs:")
        for directory in _measure.library_directories():
            print(f"                        {directory}")
    elif args.topic == "premain":
        import traceback

        print(f"-- premain {'-' * 40}")
        for frame in traceback.extract_stack()[:-1]:
            print(f"{frame.name:>30} : {frame.filename}:{frame.lineno}")
    elif args.topic == "pybehave":
        print(f"-- pybehave {'-' * 40}")
        monitoring = getattr(sys, "monitoring", None)
        events = getattr(monitoring, "events", None)
        behaviours = {
            "version": ".".join(map(str, sys.version_info[:3])),
            "implementation": sys.implementation.name,
            "sys.monitoring": monitoring is not None,
            "branch events": "BRANCH_LEFT/BRANCH_RIGHT" if hasattr(events, "BRANCH_LEFT") else ("BRANCH" if events is not None else "-none-"),
            "free threading": not getattr(sys, "_is_gil_enabled", lambda: True)(),
            "code object extra slots (co_extra)": True,
            "deferred annotations (__annotate__)": sys.version_info >= (3, 14),
        }
        for key, value in behaviours.items():
            print(f"{key:>40}: {value}")
    elif args.topic == "sqlite":
        version, options = _core.sqlite_info()
        print(f"-- sqlite {'-' * 40}")
        print(f"   sqlite version (bundled, writes .coverage): {version}")
        print("   compile options:")
        for option in options:
            print(f"       {option}")
    elif args.topic == "config":
        for key, value in sorted(config.as_dict().items()):
            print(f"{key:>28}: {value!r}")
    else:
        data_file = os.path.abspath(config.data_file)
        print(f"-- data {'-' * 40}")
        print(f"path: {data_file}")
        try:
            data = _read_data(config)
        except _core.DataError as err:
            return _error(str(err))
        if data is None:
            print("No data collected: file doesn't exist")
        else:
            files = data.measured_files()
            print(f"processes: {data.processes} measured, {data.processes_unclean} ended without a clean close{_how(data)}")
            print(f"{len(files)} files:")
            for path in files:
                print(f"{path}: {len(data.lines(path) or [])} lines")
        pending = _core.default_combine_inputs(data_file)
        if pending:
            print(f"not yet combined: {len(pending)} inputs")
            for path in pending:
                print(f"  {path}")
    return OK


if __name__ == "__main__":
    sys.exit(main())
