"""Start and stop measurement in this process (the glue around ``ferrocov._core``)."""

from __future__ import annotations

import atexit
import os
import sys

TYPE_CHECKING = False  # typing is not imported at start (mypy reads TYPE_CHECKING by name)
if TYPE_CHECKING:
    from typing import Any

from ferrocov import _core
from ferrocov._settings import Settings

_fork_hook_installed = False
_atexit_installed = False


def library_directories(cover_pylib: bool = False) -> list[str]:
    """Where the standard library (unless `cover_pylib`), installed packages and ferrocov
    itself live."""
    # sysconfig would tell the same, but costs milliseconds in every child process.
    directories = set()
    if not cover_pylib:
        directories.add(os.path.dirname(os.__file__))
        for prefix in {sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix}:
            version = f"python{sys.version_info[0]}.{sys.version_info[1]}"
            directories.add(os.path.join(prefix, "lib", version))
    import site

    for getter in ("getsitepackages", "getusersitepackages"):
        try:
            found = getattr(site, getter)()
        except Exception:
            continue
        directories.update([found] if isinstance(found, str) else found)
    # The installed commands (sysconfig's "scripts": a venv's bin, ~/.local/bin), which
    # coverage.py counts as third-party too: `ferrocov run .venv/bin/pytest` measures pytest's
    # tests, not its launcher.
    bin_name = "Scripts" if os.name == "nt" else "bin"
    for prefix in {sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix}:
        directories.add(os.path.join(prefix, bin_name))
    try:
        directories.add(os.path.join(site.getuserbase(), bin_name))
    except Exception:
        pass
    directories.add(os.path.dirname(os.path.abspath(__file__)))
    result = set()
    for directory in directories:
        result.add(os.path.normpath(os.path.abspath(directory)))
        result.add(os.path.normpath(os.path.realpath(directory)))
    return sorted(result)


def _after_fork_in_child() -> None:
    try:
        _core.after_fork_child()
    except Exception as err:  # never raise into user code
        from ferrocov.exceptions import to_stderr

        to_stderr(f"ferrocov: can't switch data file after fork: {err}")


def _at_exit() -> None:
    try:
        _core.mark_closed()
    except Exception:
        pass


def _install_exit_hook() -> None:
    """Make ``os._exit(n)`` say, before it ends the process, that it did: the processes page
    then tells it apart from a kill. Nothing else changes: the original runs, with the same
    argument, whatever happens in between."""
    original = os._exit
    if getattr(original, "__ferrocov_original__", None) is not None:
        return

    def _exit(status: int, /) -> None:
        try:
            _core.mark_exit(status)
        except BaseException:
            pass
        original(status)

    _exit.__doc__ = original.__doc__
    _exit.__module__ = original.__module__
    _exit.__ferrocov_original__ = original  # type: ignore[attr-defined]
    os._exit = _exit  # type: ignore[assignment]


def _guard_marshal() -> None:
    """3.10/3.11: a code object with probes holds ferrocov's probe among its constants, which
    marshal can't write. ``marshal.dumps`` and ``marshal.dump`` then write the code as it was
    compiled (the original, which each rewritten code object keeps): what a program marshals
    is what it would marshal without ferrocov. Other values go straight through."""
    import marshal

    if getattr(marshal.dumps, "__ferrocov_original__", None) is not None:
        return
    original_dumps, original_dump = marshal.dumps, marshal.dump
    unprobed = getattr(_core, "unprobed", None)
    if unprobed is None:
        return

    def dumps(value: Any, version: int = marshal.version, /) -> bytes:
        try:
            return original_dumps(value, version)
        except ValueError:
            cleaned = unprobed(value)
            if cleaned is value:
                raise
            return original_dumps(cleaned, version)

    def dump(value: Any, file: Any, version: int = marshal.version, /) -> None:
        try:
            data = dumps(value, version)
        except ValueError:
            return original_dump(value, file, version)
        file.write(data)

    wrappers: list[tuple[Any, Any]] = [(dumps, original_dumps), (dump, original_dump)]
    for wrapper, original in wrappers:
        wrapper.__doc__ = original.__doc__
        wrapper.__module__ = "marshal"
        wrapper.__ferrocov_original__ = original
    marshal.dumps = dumps
    marshal.dump = dump


def _wants_probes(settings: Settings) -> bool:
    """May the probe core (3.10, 3.11) measure lines in this process? (The core then checks
    that no measured code ran before: see ``_core.start``.) ``FERROCOV_CORE=trace`` keeps the
    trace function."""
    return (
        sys.version_info[:2] in ((3, 10), (3, 11))
        and not settings.trace_core
        and os.environ.get("FERROCOV_CORE") != "trace"
    )


def _main_script() -> tuple[str, bool]:
    """The script the interpreter runs itself as ``__main__``, not through exec, and whether it
    is still to run. A measured one that has started already must be measured by the trace
    function (3.10/3.11); one still to run (measurement starting at interpreter start, in a
    measured child) is named as the interpreter will name its code object, whose ``exec``
    audit event the probe core then takes. An installed command (``ferrocov``, ``pytest``: a
    launcher beside the interpreter) runs nothing measured itself."""
    if not sys.argv or sys.argv[0] in ("-c", "-m", "", "-"):
        return "", False
    script = sys.argv[0]
    try:
        launcher = os.path.samefile(os.path.dirname(os.path.abspath(script)), os.path.dirname(sys.executable))
    except OSError:
        launcher = False
    if launcher:
        return "", False
    main = sys.modules.get("__main__")
    # The interpreter sets __main__.__file__ just before it runs the script.
    pending = main is not None and "__file__" not in vars(main) and _runs_as_source(script)
    if pending:
        # As the interpreter makes it absolute: the current directory joined, not normalised.
        script = script if os.path.isabs(script) else os.path.join(os.getcwd(), script)
    return script, pending


def _runs_as_source(script: str) -> bool:
    """Will the interpreter compile `script` and run it itself? Not a directory or a zip
    archive (run through runpy, so through exec), nor a compiled ``.pyc`` file."""
    if script.endswith((".pyc", ".pyo")) or not os.path.isfile(script):
        return False
    try:
        with open(script, "rb") as file:
            return file.read(4) != b"PK\x03\x04"
    except OSError:
        return False


#: The measurement running in this process, and those it paused (innermost last): a
#: measurement started while another runs (``ferrocov.Coverage().start()`` in a measured test,
#: a ``pytest --cov`` or ``ferrocov run`` inside a measured run) pauses the outer one, which
#: resumes when the inner one stops, as coverage.py's nested ``Coverage`` objects do.
_current: Settings | None = None
_paused: list[Settings] = []


def _same(a: Settings, b: Settings) -> bool:
    return a.data_directory == b.data_directory


def start(settings: Settings) -> None:
    """Start measuring this process, every thread. Hits go to ``settings.data_directory``.
    (On 3.10/3.11 the core chooses probes only if no measured module is imported yet.) If
    another measurement runs, it pauses until this one stops."""
    global _current
    if _core.is_measuring():
        if _current is None or _same(_current, settings):
            return
        _paused.append(_current)
        _core.stop()
        _current = None
    _start_core(settings)
    _current = settings


def _start_core(settings: Settings) -> None:
    global _fork_hook_installed, _atexit_installed
    if settings.test_function:
        # The test-function contexts are named by this module: loaded now, not in the middle
        # of the program through its import hooks.
        import ferrocov._contexts  # noqa: F401
    probes = _wants_probes(settings)
    _core.start(
        settings.data_directory,
        settings.source,
        settings.source_packages,
        settings.has_source,
        settings.include,
        settings.omit,
        library_directories(settings.cover_pylib),
        settings.cwd or os.getcwd(),
        settings.branch,
        settings.test_function,
        settings.context,
        probes,
        # Only the probe core (3.10/3.11) cares which script the interpreter runs itself.
        *(_main_script() if probes else ("", False)),
    )
    if settings.context:
        _core.set_context(settings.context)
    if not _fork_hook_installed:
        os.register_at_fork(after_in_child=_after_fork_in_child)
        _fork_hook_installed = True
    if not _atexit_installed:
        atexit.register(_at_exit)
        _install_exit_hook()
        if sys.version_info < (3, 12):
            _guard_marshal()
        _atexit_installed = True


def stop(settings: Settings | None = None) -> None:
    """Stop measuring (the measurement of `settings`, or whichever runs) and mark this
    process's data as closed cleanly; a measurement it had paused resumes. Stopping one that
    is paused only forgets it."""
    global _current
    if settings is not None and _current is not None and not _same(_current, settings):
        _paused[:] = [paused for paused in _paused if not _same(paused, settings)]
        return
    if _core.is_measuring():
        _core.stop()
    _current = None
    while _paused:
        outer = _paused.pop()
        try:
            _start_core(outer)
        except Exception as err:  # never raise into user code
            from ferrocov.exceptions import to_stderr

            to_stderr(f"ferrocov: measurement not resumed in this process: {err}")
            continue
        _current = outer
        break
