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
    from typing import Callable, NoReturn

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

    def error(self, message: str) -> NoReturn:
        """A usage error: coverage.py's words and status (1), not argparse's usage and 2."""
        raise _UsageError(_usage_message(message))


_PATTERNS = "Accepts shell-style wildcards, which must be quoted."
_REGEXES = "Accepts Python regexes, which must be quoted."


class _UsageError(Exception):
    """A command line that can't be read: coverage.py's words and status."""


def _usage_message(message: str) -> str:
    """argparse's wording of a usage error, in coverage.py's (optparse's) words."""
    if message.startswith("unrecognized arguments: "):
        return "no such option: " + message[len("unrecognized arguments: ") :]
    if message.startswith("argument ") and ": invalid int value: " in message:
        option, value = message[len("argument ") :].split(": invalid int value: ", 1)
        return f"option {option.split('/')[-1]}: invalid integer value: {value}"
    if message.startswith("argument ") and ": invalid float value: " in message:
        option, value = message[len("argument ") :].split(": invalid float value: ", 1)
        return f"option {option.split('/')[-1]}: invalid floating-point value: {value}"
    if message.startswith("argument ") and ": expected one argument" in message:
        option = message[len("argument ") :].split(":", 1)[0].split("/")[-1]
        return f"{option} option requires 1 argument"
    return message


def _add(parser: argparse.ArgumentParser, *names: str, **kwargs: object) -> None:
    parser.add_argument(*names, **kwargs)  # type: ignore[arg-type]


def _parser(only: str | None = None) -> argparse.ArgumentParser:
    """The command line: coverage.py's commands and options, with its descriptions. With
    `only`, just that command's options are built (argparse costs about a millisecond a
    command, paid by every `ferrocov run`)."""

    def wanted(name: str) -> bool:
        return only is None or only == name

    parser = _Parser(prog="ferrocov", description="Durable code coverage for Python.")
    parser.add_argument("--version", action=_Version, nargs=0, help="Show the version, the core in use and the Python, and exit.")
    # prog given: argparse would build a help formatter to work it out (see _Parser).
    commands = parser.add_subparsers(dest="command", metavar="command", prog="ferrocov", parser_class=_Parser)
    if wanted("help"):
        help_command = commands.add_parser("help", help="Describe how to use ferrocov, or one of its commands.")
        help_command.add_argument("topic", nargs="?", default=None)

    def common(sub: argparse.ArgumentParser, data_help: str) -> None:
        _add(sub, "--data-file", default=None, metavar="DATAFILE", help=f"{data_help} Defaults to '.coverage'. [env: COVERAGE_FILE]")
        _add(sub, "--debug", default=None, metavar="OPTS", help="Not supported by ferrocov (said so when given): use `ferrocov debug sys|config|data`.")
        _add(sub, "--rcfile", default=None, help="Specify configuration file. By default '.coveragerc', 'setup.cfg', 'tox.ini', and 'pyproject.toml' are tried. [env: COVERAGE_RCFILE]")

    def reporting(sub: argparse.ArgumentParser, contexts: bool = True, fail_under: bool = True) -> None:
        common(sub, "Read coverage data for report generation from this file.")
        if contexts:
            _add(sub, "--contexts", default=None, metavar="REGEX1,REGEX2,...", help=f"Only display data from lines covered in the given contexts. {_REGEXES}")
        if fail_under:
            _add(sub, "--fail-under", type=float, default=None, metavar="MIN", help="Exit with a status of 2 if the total coverage is less than MIN.")
        _add(sub, "-i", "--ignore-errors", action="store_true", default=None, help="Ignore errors while reading source files.")
        _add(sub, "--include", default=None, metavar="PAT1,PAT2,...", help=f"Include only files whose paths match one of these patterns. {_PATTERNS}")
        _add(sub, "--keep-combined", action="store_true", help="Keep original coverage files, otherwise they are deleted after combining.")
        _add(sub, "--omit", default=None, metavar="PAT1,PAT2,...", help=f"Omit files whose paths match one of these patterns. {_PATTERNS}")
        _add(sub, "modules", nargs="*", help="Report on these files only.")

    if wanted("run"):
        run = commands.add_parser("run", help="Run a Python program, measuring it and every process it starts.", description="Run a Python program, measuring code execution, in it and in every process it starts.")
        common(run, "Write the recorded coverage data to this file.")
        _add(run, "-a", "--append", action="store_true", help="Append data to the data file. Otherwise it starts clean each time.")
        _add(run, "--branch", action="store_true", help="Measure branch coverage in addition to statement coverage.")
        _add(run, "--concurrency", default=None, metavar="LIBS", help="Properly measure code using a concurrency library. Valid values are: eventlet, gevent, greenlet, multiprocessing, thread, or a comma-list of them.")
        _add(run, "--context", default=None, metavar="LABEL", help="The context label to record for this coverage run.")
        _add(run, "--include", default=None, metavar="PAT1,PAT2,...", help=f"Include only files whose paths match one of these patterns. {_PATTERNS}")
        _add(run, "-m", "--module", action="store_true", help="<pyfile> is an importable Python module, not a script path, to be run as 'python -m' would run it.")
        _add(run, "--omit", default=None, metavar="PAT1,PAT2,...", help=f"Omit files whose paths match one of these patterns. {_PATTERNS}")
        _add(run, "-L", "--pylib", action="store_true", default=None, help="Measure coverage even inside the Python installed library, which isn't done by default.")
        _add(run, "-p", "--parallel-mode", action="store_true", help="Append a unique suffix to the data file name to collect separate data from multiple processes.")
        _add(run, "--save-signal", default=None, metavar="SIGNAL", help="Not needed with ferrocov (said so when given): every process's data is on disk as it runs.")
        _add(run, "--source", default=None, metavar="SRC1,SRC2,...", help="A list of directories or importable names of code to measure.")
        _add(run, "--timid", action="store_true", help="Not supported by ferrocov (said so when given): it chooses its own core for each Python.")
        _add(run, "program", nargs=argparse.REMAINDER)

    if wanted("combine"):
        combine = commands.add_parser(
            "combine",
            help="Combine data from per-process files and parallel data files.",
            description="Combine data from multiple coverage files (per-process data of ferrocov runs, parallel data files). The combined results are written to the data file. The positional arguments are data files or directories of them; without them, the runs and parallel data files of the default data file are combined.",
        )
        common(combine, "Base name of the data files to operate on.")
        _add(combine, "-a", "--append", action="store_true", help="Append data to the data file. Otherwise it starts clean each time.")
        _add(combine, "--keep", action="store_true", help="Keep original coverage files, otherwise they are deleted.")
        _add(combine, "-q", "--quiet", action="store_true", help="Don't print messages about what is happening.")
        _add(combine, "paths", nargs="*")

    if wanted("report"):
        report = commands.add_parser("report", help="Report coverage statistics on modules.", description="Report coverage statistics on modules.")
        reporting(report)
        _add(report, "--format", default=None, choices=["text", "markdown", "total"], help="Output format, either text (default), markdown, or total.")
        _add(report, "--precision", type=int, default=None, metavar="N", help="Number of digits after the decimal point to display for reported coverage percentages.")
        _add(report, "--sort", default=None, metavar="COLUMN", help="Sort the report by the named column: name, stmts, miss, branch, brpart, or cover. Default is name.")
        _add(report, "-m", "--show-missing", action="store_true", default=None, help="Show line numbers of statements in each module that weren't executed.")
        _add(report, "--skip-covered", action="store_true", default=None, help="Skip files with 100%% coverage.")
        _add(report, "--no-skip-covered", dest="skip_covered", action="store_false", help="Disable --skip-covered.")
        _add(report, "--skip-empty", action="store_true", default=None, help="Skip files with no code.")

    for kind, default_file in (("xml", "coverage.xml"), ("json", "coverage.json"), ("lcov", "coverage.lcov")):
        if not wanted(kind):
            continue
        title = f"Generate {'an' if kind in ('xml', 'lcov') else 'a'} {kind.upper()} report of coverage results."
        sub = commands.add_parser(kind, help=title, description=title)
        reporting(sub, contexts=kind == "json")
        _add(sub, "-o", dest="outfile", default=None, metavar="OUTFILE", help=f"Write the {kind.upper()} report to this file. Defaults to '{default_file}' (\"-\" for standard output).")
        _add(sub, "-q", "--quiet", action="store_true", help="Don't print messages about what is happening.")
        if kind != "lcov":
            _add(sub, "--skip-empty", action="store_true", default=None, help="Skip files with no code.")
        if kind == "json":
            _add(sub, "--pretty-print", action="store_true", default=None, help="Format the JSON for human readers.")
            _add(sub, "--show-contexts", action="store_true", default=None, help="Show contexts for covered lines.")

    if wanted("html"):
        description = "Create an HTML report of coverage results. Each file gets its own page, with the source decorated to show executed, excluded, and missed lines."
        html = commands.add_parser("html", help="Create an HTML report of coverage results.", description=description)
        reporting(html)
        _add(html, "-d", "--directory", default=None, metavar="DIR", help="Write the output files to DIR.")
        _add(html, "--precision", type=int, default=None, metavar="N", help="Number of digits after the decimal point to display for reported coverage percentages.")
        _add(html, "-q", "--quiet", action="store_true", help="Don't print messages about what is happening.")
        _add(html, "--show-contexts", action="store_true", default=None, help="Show contexts for covered lines.")
        _add(html, "--skip-covered", action="store_true", default=None, help="Skip files with 100%% coverage.")
        _add(html, "--no-skip-covered", dest="skip_covered", action="store_false", help="Disable --skip-covered.")
        _add(html, "--skip-empty", action="store_true", default=None, help="Skip files with no code.")
        _add(html, "--title", default=None, help="A text string to use as the title on the HTML.")

    if wanted("annotate"):
        description = "Make annotated copies of the given files, marking statements that are executed with > and statements that are missed with !."
        annotate = commands.add_parser("annotate", help="Annotate source files with execution information.", description=description)
        reporting(annotate, contexts=False, fail_under=False)
        _add(annotate, "-d", "--directory", default=None, metavar="DIR", help="Write the output files to DIR.")

    if wanted("erase"):
        erase = commands.add_parser("erase", help="Erase previously collected coverage data.", description="Erase previously collected coverage data (and the per-process data of runs that have ended).")
        common(erase, "Base name of the data files to operate on.")

    if wanted("debug"):
        topics = "sys, config, data, premain, pybehave, sqlite"
        debug = commands.add_parser("debug", help=f"Display information about ferrocov's internals: {topics}.", description=f"Display information about the internals of ferrocov, for diagnosing problems. Topics are: {topics}.")
        _add(debug, "--rcfile", default=None, help="Specify configuration file. By default '.coveragerc', 'setup.cfg', 'tox.ini', and 'pyproject.toml' are tried. [env: COVERAGE_RCFILE]")
        _add(debug, "--debug", default=None, metavar="OPTS", help="Not supported by ferrocov (said so when given).")
        _add(debug, "topic", choices=["sys", "config", "data", "premain", "pybehave", "sqlite"])
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
    if first is not None and first not in COMMANDS:
        return _usage_error(f"Unknown command: {first!r}")
    parser = _parser(first if first in COMMANDS and first != "help" else None)
    try:
        args = parser.parse_args(argv)
    except _UsageError as err:
        return _usage_error(str(err))
    if not args.command:
        parser.print_help()
        return OK
    if args.command == "help":
        return do_help(parser, args.topic)
    if getattr(args, "debug", None) is not None:
        _warn(f"--debug={args.debug} is not supported by ferrocov and is ignored: use `ferrocov debug sys|config|data`")
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


def _usage_error(message: str) -> int:
    """coverage.py's usage error: the problem and where help is, on stderr; status 1."""
    _say(f"{message}\nUse 'ferrocov help' for help.")
    return ERR


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
        from ferrocov.config import check_concurrency

        config.concurrency = _list(args.concurrency) or []
        check_concurrency(config.concurrency)
    if args.save_signal is not None:
        _warn(f"--save-signal={args.save_signal} is not needed with ferrocov and is ignored: every process's data is on disk as it runs")
    if args.timid:
        _warn("--timid is not supported by ferrocov and is ignored: it chooses its own core for each Python (`ferrocov debug sys` names it)")
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

    data_file = os.path.abspath(config.data_file)
    inputs = [os.path.abspath(p) for p in args.paths] or _core.default_combine_inputs(data_file)
    if not args.paths:
        inputs = [p for p in inputs if os.path.abspath(p) != data_file]
    return _combine_and_save(config, inputs, append=args.append, keep=args.keep, quiet=args.quiet, strict=True)


def _combine_and_save(config: Config, inputs: list[str], append: bool, keep: bool, quiet: bool, strict: bool) -> int:
    """Combine `inputs` (per-process files, run directories, parallel data files) into the
    data file, as ``coverage combine`` does; the files read are deleted once the data file is
    on disk (unless `keep`). With `strict`, nothing to combine is an error."""
    from ferrocov import _core
    from ferrocov.control import Controller

    controller = Controller(config, warn=_warn)
    data_file = controller.data_file
    data, consumed, warnings, live = _combined(config, inputs)
    for warning in warnings:
        _warn(warning)
    if live:
        _warn(f"left {len(live)} data file(s) of processes still running: {', '.join(map(str, live))}")
    if not consumed:
        return _error("No data to combine") if strict else OK
    if append and os.path.isfile(data_file):
        try:
            data.update(_core.Data.read(data_file))
        except _core.DataError as err:
            return _error(f"{err}: can't append to '{data_file}'")
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
    if not keep:
        # Only now that the combined data is on disk do the files it came from go.
        for path in consumed:
            try:
                os.remove(path)
            except OSError:
                pass
        for directory in {os.path.dirname(p) for p in consumed}:
            name, parent = os.path.basename(directory), os.path.basename(os.path.dirname(directory))
            if name.startswith(".ferrocov-") or parent.startswith("ferrocov-"):
                try:
                    os.rmdir(directory)
                except OSError:
                    pass
    if not quiet:
        # coverage.py's one line: "Combined 3 files, 1 file errored".
        message = f"Combined {_plural(len(consumed), 'file')}"
        if warnings:
            message += f", {_plural(len(warnings), 'file')} errored"
        _say(message)
    return OK


def _combined(config: Config, inputs: list[str]) -> tuple[_core.Data, list[str], list[str], list[str]]:
    """The data of `inputs`, mapped through ``[paths]``: (data, files read, warnings, files
    of live processes). With ``relative_files``, input by input in coverage.py's order, since
    its path rules grow as relative paths are met (see paths.RelativeAliases)."""
    from ferrocov import _core

    if not config.relative_files:
        combined = _core.combine(inputs)
        data = combined.data
        if config.paths:
            from ferrocov.paths import remapper

            data.remap(remapper(config.paths))
        return data, [str(p) for p in combined.consumed], list(combined.warnings), [str(p) for p in combined.live]
    from ferrocov.paths import RelativeAliases

    aliases = RelativeAliases(config.paths)
    total: _core.Data | None = None
    consumed: list[str] = []
    warnings: list[str] = []
    live: list[str] = []
    for one in inputs:
        part = _core.combine([one])
        warnings.extend(part.warnings)
        live.extend(str(p) for p in part.live)
        part.data.remap(aliases.map)
        if total is None:
            total = part.data
        else:
            try:
                total.update(part.data)
            except _core.DataError as err:
                warnings.append(f"{err}: skipped '{one}'")
                continue
        consumed.extend(str(p) for p in part.consumed)
    return total if total is not None else _core.Data(), consumed, warnings, live


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
    # coverage.py 7.14+: parallel data files (and here, runs' leftover per-process files) are
    # combined into the data file first; --keep-combined keeps them.
    data_file = os.path.abspath(config.data_file)
    pending = [p for p in _core.default_combine_inputs(data_file) if os.path.abspath(p) != data_file]
    if pending:
        status = _combine_and_save(
            config, pending, append=True, keep=bool(getattr(args, "keep_combined", False)), quiet=bool(getattr(args, "quiet", False)), strict=False
        )
        if status != OK:
            return status
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
            data, config, _list(args.include), _list(args.omit), warn=_warn_unless_disabled(config), parallel=True, morfs=getattr(args, "modules", None)
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
