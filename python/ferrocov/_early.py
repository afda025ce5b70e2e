"""Start measuring a ``pytest --cov`` run when the interpreter starts, before pytest imports
any plugin.

pytest-cov starts measuring in ``pytest_load_initial_conftests``: whatever other plugins
import before that (a project package imported by a plugin, say) is never measured. The
``ferrocov.pth`` start-up hook sees the command line before anything is imported; when it is a
pytest run with ``--cov`` (on the command line or in ``PYTEST_ADDOPTS``), this module starts
measurement right away, and the plugin adopts the running measurement later if its settings
are the ones pytest's own option parsing gives (otherwise it stops it and starts afresh).

Options that come only from an ini file's ``addopts`` are not seen here; those runs start
where pytest-cov starts.
"""

from __future__ import annotations

import os
import sys

# Imported by every measured process at start (to tell a `pytest --cov` run of its own):
# typing only for annotations (mypy reads TYPE_CHECKING by its name).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Callable

    from ferrocov.config import Config

#: The measurement started here, waiting for the plugin to adopt it.
controller: Any = None
#: The settings it was started with: (sources or None for bare --cov, branch, rcfile, append).
request: tuple[Any, ...] | None = None
#: Warnings from reading the configuration, for the plugin to show.
notices: list[str] = []


def pytest_arguments(argv: list[str]) -> list[str] | None:
    """The arguments given to pytest, or None if this is not a pytest run."""
    if not argv:
        return None
    program = os.path.basename(argv[0])
    if program in ("pytest", "py.test"):
        return argv[1:]
    # python [interpreter options] -m pytest ...
    index = 1
    while index < len(argv):
        arg = argv[index]
        if arg == "-m":
            if index + 1 < len(argv) and argv[index + 1] in ("pytest", "py.test"):
                return argv[index + 2 :]
            return None
        if arg.startswith("-m"):
            return argv[index + 1 :] if arg[2:] in ("pytest", "py.test") else None
        if not arg.startswith("-"):
            # python [options] .../bin/pytest ...: the installed `pytest` command, as
            # sys.orig_argv shows it (the interpreter, then the launcher script).
            return argv[index + 1 :] if os.path.basename(arg) in ("pytest", "py.test") else None
        if arg in ("-c",):
            return None
        if arg in ("-W", "-X", "-Q"):
            index += 1
        index += 1
    return None


def cov_request(sources: list[Any], branch: object, rcfile: str, append: object) -> tuple[Any, ...]:
    """The measurement a ``pytest --cov`` run asks for, as (sources or None for a bare
    ``--cov``, branch, rcfile, append): made here from the arguments read at start-up and by
    the plugin from pytest's options, so that the two compare equal when they agree."""
    source = None if True in sources else [s for s in sources if s is not True]
    return (source, bool(branch), rcfile, bool(append))


def request_config(wanted: tuple[Any, ...], warn: Callable[[str], None]) -> Config:
    """The configuration a request measures with: the rcfile's (``.coveragerc`` is the default,
    which also means setup.cfg, tox.ini, pyproject.toml), its sources and branch on top."""
    from ferrocov.config import read_config

    source, branch, rcfile, _ = wanted
    config = read_config(True if rcfile == ".coveragerc" else rcfile, warn=warn)
    if source is not None:
        config.source = source
    if branch:
        config.branch = True
    return config


def parse(args: list[str]) -> tuple[Any, ...] | None:
    """The :func:`cov_request` in pytest's arguments, read as pytest's option parser will read
    them; None when measurement is not asked for, or is turned off."""
    sources: list[Any] = []
    branch = append = False
    rcfile: str = ".coveragerc"
    disabled: set[str] = set()
    index = 0
    while index < len(args):
        arg = args[index]
        if arg == "--":
            break
        if arg == "--cov":
            following = args[index + 1] if index + 1 < len(args) else None
            if following is not None and not following.startswith("-"):
                sources.append(following)
                index += 1
            else:
                sources.append(True)
        elif arg.startswith("--cov="):
            # `--cov=` is the empty source, as pytest's parser gives it (and pytest-cov).
            sources.append(arg.split("=", 1)[1])
        elif arg == "--cov-reset":
            sources = []
        elif arg == "--cov-branch":
            branch = True
        elif arg == "--cov-append":
            append = True
        elif arg.startswith("--cov-config="):
            rcfile = arg.split("=", 1)[1]
        elif arg == "--cov-config" and index + 1 < len(args):
            rcfile = args[index + 1]
            index += 1
        elif arg == "--no-cov":
            return None
        elif arg == "-p" and index + 1 < len(args):
            disabled.add(args[index + 1])
            index += 1
        elif arg.startswith("-p"):
            disabled.add(arg[2:])
        index += 1
    if not sources or "no:ferrocov" in disabled:
        return None
    if pytest_cov_loads(disabled):
        return None  # pytest-cov handles --cov; the plugin says how to choose
    return cov_request(sources, branch, rcfile, append)


def pytest_cov_loads(disabled: set[str], enabled: set[str] = frozenset()) -> bool:  # type: ignore[assignment]
    """Will pytest load pytest-cov (which then owns ``--cov``)? Decided as pytest decides what
    to load: its ``pytest11`` entry point, if installed as a distribution and plugin autoloading
    is on, or ``-p pytest_cov``; and not ``-p no:pytest_cov``. A copy of ``pytest_cov`` that is
    merely importable (vendored, a stale directory) is not loaded by pytest, so it doesn't count."""
    if {"no:pytest_cov", "no:pytest-cov", "no:pytest_cov.plugin"} & disabled:
        return False
    if {"pytest_cov", "pytest_cov.plugin"} & (enabled | {name for name in disabled if not name.startswith("no:")}):
        return True
    if os.environ.get("PYTEST_DISABLE_PLUGIN_AUTOLOAD"):
        return False
    return _pytest_cov_entry_point()


_entry_point_found: bool | None = None


def _pytest_cov_entry_point() -> bool:
    global _entry_point_found
    if _entry_point_found is None:
        from importlib.metadata import entry_points

        _entry_point_found = any(ep.value.split(":")[0].split(".")[0] == "pytest_cov" for ep in entry_points(group="pytest11"))
    return _entry_point_found


def maybe_start() -> bool:
    """Start measuring if this process is a ``pytest --cov`` run. True if it did: this process
    is then a run of its own, even inside a measured run (a plugin's test suite that starts
    ``pytest --cov`` as a subprocess): it reports and fails as it would alone."""
    global controller, request
    args = pytest_arguments(list(getattr(sys, "orig_argv", [])))
    if args is None:
        return False
    addopts = os.environ.get("PYTEST_ADDOPTS")
    if addopts:
        import shlex

        args = shlex.split(addopts) + args
    wanted = parse(args)
    if wanted is None:
        return False
    from ferrocov.control import Controller

    append = wanted[3]
    config = request_config(wanted, notices.append)
    candidate = Controller(config, warn=notices.append)
    # A `source` package not importable yet (pytest adds the rootdir or `pythonpath` to
    # sys.path later; the installed `pytest` command puts its own directory first) is still
    # measured from here: it is selected by module name, and found again when reported.
    settings = candidate.make_settings()
    if not append and os.path.isfile(candidate.data_file):
        os.remove(candidate.data_file)
    candidate.prepare(settings)
    candidate.start_in_this_process()
    controller = candidate
    request = wanted
    import atexit

    atexit.register(_discard_unclaimed)
    return True


def _discard_unclaimed() -> None:
    """pytest ended before its plugin took the measurement (``--version``, a usage error):
    stop it and leave no data behind."""
    global controller, request
    found, controller, request = controller, None, None
    if found is None:
        return
    import shutil

    found.stop()
    if found.settings is not None:
        shutil.rmtree(found.settings.data_directory, ignore_errors=True)


def discard() -> None:
    """Stop the measurement started at start-up, if any, and leave no data behind."""
    _discard_unclaimed()


def take(wanted: tuple[Any, ...]) -> tuple[Any, list[str]] | None:
    """The measurement started at start-up, if it was started with `wanted`; a different one
    is stopped and its data discarded."""
    global controller, request
    found, started_with = controller, request
    controller = request = None
    if found is None:
        return None
    if started_with == wanted:
        return found, list(notices)
    controller = found
    _discard_unclaimed()
    return None
