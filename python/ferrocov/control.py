"""The controller: one measured run, from settings to the combined data file.

Used by the command line (``ferrocov run``) and by the pytest plugin. It owns the run's data
directory, the environment variable that measures child processes, and the combine at the end.
"""

from __future__ import annotations

import os
import re
import sys
import time
TYPE_CHECKING = False  # typing is not imported at start: annotations only
if TYPE_CHECKING:
    from typing import Callable

from ferrocov import _core, _measure, exceptions
from ferrocov._settings import ENV_VAR, Settings
from ferrocov.config import Config

_PYTHON_FILE = r"^[^.#~!$@%^&*()+=,]+\.pyw?$"


def _warn(message: str) -> None:
    exceptions.warn(message, stacklevel=3)


def resolve_source(entries: list[str], packages: list[str]) -> tuple[list[str], list[str], list[str], list[str]]:
    """Split ``source`` entries into directories and importable names, as coverage.py does,
    and find the packages named (with ``source_pkgs``) without importing anything. Returns
    (directories, package names, their locations ("" where not found), names not found)."""
    directories: list[str] = []
    unresolved: list[str] = []
    locations: list[str] = []
    for entry in _expand_globs(entries):
        if os.path.isdir(entry):
            directories.append(os.path.normpath(os.path.abspath(entry)))
        else:
            packages = [*packages, entry]
    for name in packages:
        location = _find_package(name)
        if location is None:
            unresolved.append(name)
        locations.append(location or "")
    return directories, list(packages), locations, unresolved


def _expand_globs(entries: list[str]) -> list[str]:
    """coverage.py 7.18: a ``source`` entry with glob characters stands for the paths it
    matches (each then a directory or a name, as a literal entry is)."""
    import glob

    out: list[str] = []
    for entry in entries:
        if glob.escape(entry) != entry:
            out.extend(sorted(glob.glob(entry, recursive=True)))
        else:
            out.append(entry)
    return out


def unmatched_source_globs(entries: list[str]) -> list[str]:
    """The ``source`` glob patterns that match nothing (coverage.py warns of each)."""
    import glob

    return [entry for entry in entries if glob.escape(entry) != entry and not glob.glob(entry, recursive=True)]


def _find_package(name: str) -> str | None:
    if "." in name:
        parent, _, leaf = name.rpartition(".")
        parent_location = _find_package(parent)
        if parent_location is None or not os.path.isdir(parent_location):
            return None
        for candidate in (os.path.join(parent_location, leaf), os.path.join(parent_location, leaf + ".py")):
            if os.path.exists(candidate):
                return os.path.normpath(os.path.abspath(candidate))
        return None
    import importlib.util

    try:
        spec = importlib.util.find_spec(name)
    except (ImportError, ValueError):
        return None
    if spec is None:
        return None
    if spec.submodule_search_locations:
        return os.path.normpath(os.path.abspath(list(spec.submodule_search_locations)[0]))
    if spec.origin and os.path.exists(spec.origin):
        return os.path.normpath(os.path.abspath(spec.origin))
    return None


def find_python_files(directory: str, include_namespace_packages: bool) -> list[str]:
    """Python files under a source directory that could have been measured: the directory's
    own files and those of sub-packages (directories with ``__init__.py``), as coverage.py does."""
    found = []
    for i, (dirpath, dirnames, filenames) in enumerate(os.walk(directory)):
        if i > 0 and not include_namespace_packages and "__init__.py" not in filenames:
            dirnames[:] = []
            continue
        dirnames[:] = [d for d in dirnames if not d.startswith(".")]
        for filename in filenames:
            if re.match(_PYTHON_FILE, filename):
                found.append(os.path.join(dirpath, filename))
    return found


#: How long, at the end of a run, the processes the program left running get to end before
#: their data files are left for a later ``ferrocov combine`` (multiprocessing's forkserver and
#: resource tracker exit just after the program they serve).
END_OF_RUN_GRACE = 2.0


def _identity(path: str) -> tuple[int, int, int] | None:
    """What tells one version of a file from another: inode, modification time, size."""
    try:
        stat = os.stat(path)
    except OSError:
        return None
    return (stat.st_ino, stat.st_mtime_ns, stat.st_size)


def relative_to(directory: str) -> Callable[[str], str]:
    """``[run] relative_files``: paths under `directory` are stored relative to it, as
    coverage.py stores them; others stay as they are."""
    prefix = os.path.join(os.path.abspath(directory), "")

    def rename(path: str) -> str:
        return path[len(prefix) :] if path.startswith(prefix) else path

    return rename


class Controller:
    """One measured run."""

    def __init__(self, config: Config, warn: Callable[[str], None] = _warn) -> None:
        self.config = config
        self.warn = warn
        self.settings: Settings | None = None
        self._previous_env: str | None = None
        #: Why this run records nothing (its data directory can't be made), or None.
        self.failed: str | None = None
        #: The files the last combine used: deleted by `discard_consumed` once data is saved.
        self.consumed: list[str] = []
        #: The files of processes still running that the last combine left alone.
        self.live: list[str] = []
        #: The data file as it was when the run started (to notice a combine during the run).
        self._data_file_at_start: tuple[int, int, int] | None = None
        self._data_file: str | None = None
        self._data_file = self.data_file
        #: The run directory's (device, inode) when it was made, to notice its removal.
        self._run_directory_identity: tuple[int, int] | None = None

    @property
    def data_file(self) -> str:
        """The data file, resolved against the directory the run started in (the program may
        change directory, or remove the one it is in)."""
        if self._data_file is None:
            self._data_file = os.path.abspath(self.config.data_file)
        return self._data_file

    def make_settings(self) -> Settings:
        config = self.config
        if config.concurrency:
            from ferrocov.config import check_concurrency_installed

            check_concurrency_installed(config.concurrency)
        source, packages, locations, unresolved = resolve_source(config.source + config.source_dirs, config.source_pkgs)
        has_source = bool(config.source or config.source_pkgs or config.source_dirs)
        run_id = os.urandom(8).hex()
        # Under the temporary directory, out of the work tree (a cleanup of untracked files
        # during the run can't remove it); `ferrocov combine` and `erase` find it by the data
        # file's path.
        directory = _core.new_run_directory(self.data_file, run_id)
        return Settings(
            data_directory=directory,
            source=source,
            source_packages=packages,
            package_paths=locations,
            has_source=has_source,
            include=list(config.run_include),
            omit=list(config.run_omit),
            cwd=os.getcwd(),
            branch=config.branch,
            unresolved_source=unresolved,
            context=config.context or "",
            cover_pylib=config.cover_pylib,
            test_function=config.dynamic_context == "test_function",
            trace_core=(config.core or os.environ.get("COVERAGE_CORE")) in ("ctrace", "pytrace"),
        )

    def prepare(self, settings: Settings | None = None) -> None:
        """Choose the run's data directory (or take `settings` made by `make_settings`), make
        it, and export it, so every process started from now on is measured. If the directory
        can't be made, say so once: the run goes on unmeasured."""
        self.settings = settings or self.make_settings()
        self._data_file_at_start = _identity(self.data_file)
        for pattern in unmatched_source_globs(self.config.source):
            self.warning(f"Source glob pattern {pattern!r} matched no files or directories.", "source-glob-no-match")
        if self.config.run_include and (self.config.source or self.config.source_pkgs or self.config.source_dirs):
            self.warning("--include is ignored because --source is set", "include-ignored")
        try:
            os.makedirs(self.settings.data_directory, exist_ok=True)
            found = os.stat(self.settings.data_directory)
            self._run_directory_identity = (found.st_dev, found.st_ino)
        except OSError as err:
            self.failed = f"can't record coverage data: {err.filename}: {err.strerror}"
            self.warn(self.failed)
            return
        self._previous_env = os.environ.get(ENV_VAR)
        os.environ[ENV_VAR] = self.settings.encode()

    def start_in_this_process(self) -> None:
        """Measure this process. A failure is one line on stderr; the process goes on."""
        assert self.settings is not None
        if self.failed:
            return
        try:
            _measure.start(self.settings)
        except Exception as err:
            exceptions.to_stderr(f"ferrocov: measurement not started in this process: {err}")

    def start(self) -> None:
        """Measure this process and, through the environment, every process it starts."""
        self.prepare()
        self.start_in_this_process()

    def resume(self) -> None:
        """Measure again after `stop`, into the same run."""
        assert self.settings is not None
        if self.failed:
            return
        self._previous_env = os.environ.get(ENV_VAR)
        os.environ[ENV_VAR] = self.settings.encode()
        self.start_in_this_process()

    def stop(self) -> None:
        """Stop measuring, and make sure nothing started later is measured by accident."""
        _measure.stop(self.settings)
        if self.failed:
            return
        if self._previous_env is None:
            os.environ.pop(ENV_VAR, None)
        else:
            os.environ[ENV_VAR] = self._previous_env

    def combine(
        self,
        append: bool = False,
        wait_for: list[int] | None = None,
        wait_seconds: float = 0.0,
        extra: list[_core.Data] | None = None,
    ) -> _core.Data:
        """Merge this run's per-process files into one Data, touching unexecuted source files.

        Nothing is deleted here: `discard_consumed` does that once the data is saved. The
        files of processes still running are left alone, except those of `wait_for`, waited
        for up to `wait_seconds`. If the data file was written by someone else during the run
        (a `ferrocov combine` took files of processes that had ended), its data is kept too."""
        assert self.settings is not None
        directory = self.settings.data_directory
        self._say_if_removed(directory)
        inputs = [directory] if os.path.isdir(directory) else []
        combined = _core.combine(inputs, list(wait_for or []), wait_seconds, END_OF_RUN_GRACE)
        data = combined.data
        for warning in combined.warnings:
            self.warn(warning)
        self.consumed = [str(p) for p in combined.consumed]
        self.live = [str(p) for p in combined.live]
        for more in extra or []:
            try:
                data.update(more)
            except Exception as err:
                self.warn(f"Couldn't combine an xdist worker's data: {err}")
        no_data = not data.measured_files()
        if self.config.paths:
            from ferrocov.paths import remapper

            data.remap(remapper(self.config.paths))
        written_meanwhile = _identity(self.data_file) not in (None, self._data_file_at_start)
        if (append or written_meanwhile) and os.path.isfile(self.data_file):
            try:
                existing = _core.Data.read(self.data_file)
            except Exception as err:
                self.warn(f"Couldn't append to data file '{self.data_file}': {err}")
            else:
                if append and existing.measured_files() and existing.has_arcs() != data.has_arcs():
                    # coverage.py's refusal, word for word; the data file stays as it is.
                    raise exceptions.DataError(
                        "Can't add branch measurements to existing line data"
                        if data.has_arcs()
                        else "Can't add line measurements to existing branch data"
                    )
                try:
                    data.update(existing)
                except Exception as err:
                    self.warn(f"Couldn't append to data file '{self.data_file}': {err}")
        self.touch_unexecuted(data)
        if self.config.relative_files:
            data.remap(relative_to(self.settings.cwd or os.getcwd()))
        for name in self.settings.unresolved_source:
            if not any(self._module_in(name, path) for path in data.measured_files()):
                self.warning(f"Module {name} was never imported.", "module-not-imported")
        # After the unimported modules, as coverage.py says them.
        if no_data:
            self.warning("No data was collected.", "no-data-collected")
        return data

    def _say_if_removed(self, directory: str) -> None:
        """The run's directory was removed while the run went on (something emptied the
        temporary directory): the files of processes that had ended by then are gone. Said
        once, exactly; processes still running then put theirs back as they stopped."""
        if self._run_directory_identity is None:
            return
        try:
            found = os.stat(directory)
            same = (found.st_dev, found.st_ino) == self._run_directory_identity
        except OSError:
            same = False
        if not same:
            self.warn(
                f"the run's data directory {directory} was removed while the run went on: the data of "
                "processes that had ended before then is lost (processes still running then kept theirs)"
            )
        self._run_directory_identity = None

    def discard_consumed(self) -> None:
        """Delete the per-process files the data now saved came from, and the run's directory
        if nothing else is in it; say what was left for processes still running."""
        for path in self.consumed:
            try:
                os.remove(path)
            except OSError:
                pass
        self.consumed = []
        if self.settings is None:
            return
        directory = self.settings.data_directory
        try:
            os.rmdir(directory)
        except FileNotFoundError:
            pass
        except OSError:
            if self.live:
                self.warn(
                    f"{len(self.live)} data file(s) of processes still running were left in {directory}; "
                    "`ferrocov combine` takes them once those processes end"
                )

    def warning(self, message: str, slug: str) -> None:
        """A warning with coverage.py's slug, unless ``[run] disable_warnings`` names it."""
        if slug not in self.config.disable_warnings:
            self.warn(f"{message} ({slug})")

    @staticmethod
    def _module_in(name: str, path: str) -> bool:
        return f"/{name.replace('.', '/')}" in path

    def _imported_packages(self, data: _core.Data) -> list[str]:
        """Where the ``source`` packages that were imported are, as coverage.py looks for them
        (a package never imported is reported as such, its files are not): the package as
        this process imported it, else where it was found at the start if one of its files
        was measured in some process."""
        assert self.settings is not None
        found = []
        measured = data.measured_files()
        starting = self.settings.package_paths
        for i, name in enumerate(self.settings.source_packages):
            module = sys.modules.get(name)
            filename = getattr(module, "__file__", None) if module is not None else None
            if isinstance(filename, str) and filename.endswith((".py", ".pyc", ".pyw")):
                path = os.path.normpath(os.path.abspath(filename))
                found.append(os.path.dirname(path) if os.path.basename(path).startswith("__init__.") else path)
                continue
            location = (starting[i] if i < len(starting) else "") or _find_package(name)
            if location is not None and any(p == location or p.startswith(location + os.sep) for p in measured):
                found.append(location)
        return found

    def touch_unexecuted(self, data: _core.Data) -> None:
        assert self.settings is not None
        if not self.settings.has_source:
            return
        omit = _core.GlobSet(self.settings.omit, self.settings.cwd)
        for root in [*self.settings.source, *self._imported_packages(data)]:
            if os.path.isdir(root):
                for path in find_python_files(root, self.config.include_namespace_packages):
                    path = os.path.normpath(os.path.abspath(path))
                    if not omit.matches(path):
                        data.touch(path)

    def save(self, data: _core.Data, parallel: bool = False) -> str:
        """Write coverage.py's data file (``.coverage``, or a parallel ``.coverage.*`` file)."""
        path = self.data_file
        if parallel:
            suffix = f"{os.uname().nodename}.{os.getpid()}.X{int.from_bytes(os.urandom(3), 'big') % 1000000:06d}x"
            path = f"{path}.{suffix}"
        data.write(path, repr(sys.argv), time.strftime("%Y-%m-%d %H:%M:%S"))
        return path

    def finish(self, append: bool = False, parallel: bool = False) -> _core.Data | None:
        """Combine, save, and only then delete what was combined. A failure to save is one
        warning; the per-process files are then kept for a later `ferrocov combine`. Raises
        DataError when `append` would mix line and branch data (nothing is written then)."""
        data = self.combine(append=append and not parallel)
        try:
            self.save(data, parallel=parallel)
        except (OSError, _core.DataError) as err:
            self.warn(f"Couldn't save coverage data: {err}; the per-process data is kept in {self.settings.data_directory if self.settings else '?'}")
            return None
        self.discard_consumed()
        return data
