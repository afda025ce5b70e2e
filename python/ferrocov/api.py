"""``ferrocov.Coverage``: coverage.py's ``coverage.Coverage`` API, backed by ferrocov.

Code written against coverage.py's API (conftest.py files using pytest-cov's ``cov`` fixture,
scripts that start and stop measurement, report generators) runs unchanged: the same
constructor arguments, the same methods, the same results. Measurement is ferrocov's: every
process started while measuring is measured too, and every hit is on disk as it happens.

``get_data()`` returns a :class:`CoverageData` with coverage.py's read API.
"""

from __future__ import annotations

import contextlib
import os
import sys
from typing import IO, Any, Iterable, Iterator

from ferrocov.config import Config, option_attribute, read_config
from ferrocov.exceptions import ConfigError

_DEFAULT_DATAFILE = object()

#: The report options every report method takes, and the configuration attribute each sets.
_REPORT_OPTIONS = {
    "ignore_errors": "ignore_errors",
    "omit": "report_omit",
    "include": "report_include",
    "contexts": "report_contexts",
    "skip_empty": "skip_empty",
    "precision": "precision",
}


class CoverageData:
    """What was measured, with coverage.py's ``CoverageData`` API: read it (``measured_files``,
    ``lines``, ``arcs``, ``contexts_by_lineno``...), and build, merge and write it as reporting
    and upload tools do (``CoverageData(basename=...)``, ``read``, ``add_lines``, ``add_arcs``,
    ``touch_files``, ``update``, ``write``, ``erase``). The file is coverage.py's SQLite
    ``.coverage``, written whole at ``write()`` (coverage.py writes as it goes)."""

    def __init__(
        self,
        basename: str | os.PathLike[str] | None = None,
        suffix: str | bool | None = None,
        no_disk: bool = False,
        warn: Any = None,
        debug: Any = None,
    ) -> None:
        from ferrocov import _core

        self._basename = os.path.abspath(os.fspath(basename) if basename is not None else ".coverage")
        self._suffix = suffix
        self._no_disk = no_disk
        self._data: Any = _core.Data()
        self._query: list[str] | None = None
        self._context = ""

    @classmethod
    def _wrapping(cls, data: Any) -> CoverageData:
        """A view of data already combined (``Coverage.get_data()``)."""
        view = cls(no_disk=True)
        view._data = data
        return view

    # -- the files ---------------------------------------------------------------------

    def base_filename(self) -> str:
        return self._basename

    def data_filename(self) -> str:
        suffix = self._suffix
        if suffix is True:
            suffix = f"{os.uname().nodename}.{os.getpid()}.X{int.from_bytes(os.urandom(3), 'big') % 1000000:06d}x"
            self._suffix = suffix
        return f"{self._basename}.{suffix}" if suffix else self._basename

    def read(self) -> None:
        """Read the data file, if there is one (its data replaces what is held)."""
        from ferrocov import _core

        path = self.data_filename()
        if not self._no_disk and os.path.exists(path):
            self._data = _core.Data.read(path)

    def write(self) -> None:
        """Write the data file (coverage.py's schema 7), replacing it."""
        if self._no_disk:
            return
        self._data.write(self.data_filename(), repr(sys.argv), _now())

    def erase(self, parallel: bool = False) -> None:
        """Forget the data and delete the data file (and with `parallel`, the parallel data
        files next to it)."""
        from ferrocov import _core

        self._data = _core.Data()
        if self._no_disk:
            return
        paths = [self.data_filename()]
        if parallel:
            import glob

            paths += glob.glob(glob.escape(self._basename) + ".*")
        for path in paths:
            try:
                os.remove(path)
            except FileNotFoundError:
                pass

    # -- adding ------------------------------------------------------------------------

    def set_context(self, context: str | None) -> None:
        """The context lines and arcs added from now on are recorded in."""
        self._context = context or ""

    def add_lines(self, line_data: dict[str, Iterable[int]]) -> None:
        for filename, lines in line_data.items():
            self._data.add_lines(filename, self._context, sorted(set(lines)))

    def add_arcs(self, arc_data: dict[str, Iterable[tuple[int, int]]]) -> None:
        for filename, arcs in arc_data.items():
            self._data.add_arcs(filename, self._context, sorted(set(arcs)))

    def add_file_tracers(self, file_tracers: dict[str, str]) -> None:
        from ferrocov.exceptions import DataError

        for filename, plugin in file_tracers.items():
            if plugin:
                raise DataError(f"Can't add file tracer data for {filename!r}: coverage.py plugins ({plugin}) are not supported by ferrocov")

    def touch_file(self, filename: str, plugin_name: str = "") -> None:
        self.touch_files([filename], plugin_name)

    def touch_files(self, filenames: Iterable[str], plugin_name: str | None = None) -> None:
        if plugin_name:
            self.add_file_tracers({filename: plugin_name for filename in filenames})
        for filename in filenames:
            self._data.touch(filename)

    def purge_files(self, filenames: Iterable[str]) -> None:
        self._data.purge(list(filenames))

    def update(self, other_data: CoverageData, map_path: Any = None) -> None:
        """Merge `other_data` in (its paths through `map_path` first, if given)."""
        other = other_data._data.copy()
        if map_path is not None:
            other.remap(map_path)
        self._data.update(other)

    # -- reading -----------------------------------------------------------------------

    def measured_files(self) -> set[str]:
        return set(self._data.measured_files())

    def has_arcs(self) -> bool:
        return bool(self._data.has_arcs())

    def _view(self) -> Any:
        if not self._query:
            return self._data
        from ferrocov.results import restrict_to_contexts

        return restrict_to_contexts(self._data, self._query)

    def lines(self, filename: str) -> list[int] | None:
        lines = self._view().lines(filename)
        return None if lines is None else list(lines)

    def arcs(self, filename: str) -> list[tuple[int, int]] | None:
        if not self.has_arcs():
            return None
        arcs = self._view().arcs(filename)
        return None if arcs is None else list(arcs)

    def measured_contexts(self) -> set[str]:
        return set(self._data.measured_contexts())

    def contexts_by_lineno(self, filename: str) -> dict[int, list[str]]:
        return {line: list(names) for line, names in self._view().contexts_by_line(filename)}

    def set_query_context(self, context: str) -> None:
        self.set_query_contexts([f"^{__import__('re').escape(context)}$"] if context else None)

    def set_query_contexts(self, contexts: list[str] | None) -> None:
        self._query = list(contexts) if contexts else None

    def file_tracer(self, filename: str) -> str | None:
        """The plugin that measured the file: "" for Python files (ferrocov has no plugins)."""
        return "" if filename in self._data.measured_files() else None

    def __bool__(self) -> bool:
        return bool(self._data.measured_files())

    def __repr__(self) -> str:
        return f"<ferrocov.CoverageData {len(self._data.measured_files())} files>"


class Coverage:
    """Measure code, and report on it: coverage.py's ``Coverage``, backed by ferrocov."""

    def __init__(
        self,
        data_file: Any = _DEFAULT_DATAFILE,
        data_suffix: str | bool | None = None,
        cover_pylib: bool | None = None,
        auto_data: bool = False,
        timid: bool | None = None,
        branch: bool | None = None,
        config_file: str | bool = True,
        source: Iterable[str] | None = None,
        source_pkgs: Iterable[str] | None = None,
        source_dirs: Iterable[str] | None = None,
        omit: str | Iterable[str] | None = None,
        include: str | Iterable[str] | None = None,
        debug: Iterable[str] | None = None,
        concurrency: str | Iterable[str] | None = None,
        check_preimported: bool = False,
        context: str | None = None,
        messages: bool = False,
        plugins: Iterable[Any] | None = None,
    ) -> None:
        from ferrocov import exceptions

        self.config: Config = read_config(config_file, warn=lambda message: exceptions.warn(message, stacklevel=4), load_plugins=not plugins)
        if data_file is None:
            self._no_disk = True
        else:
            self._no_disk = False
            if data_file is not _DEFAULT_DATAFILE:
                self.config.data_file = os.fspath(data_file)
        self._data_suffix = data_suffix
        self._auto_data = auto_data
        self._messages = messages
        overrides: dict[str, Any] = {
            "cover_pylib": cover_pylib,
            "timid": timid,
            "branch": branch,
            "source": _as_list(source),
            "source_pkgs": _as_list(source_pkgs),
            "source_dirs": _as_list(source_dirs),
            "run_omit": _as_list(omit),
            "run_include": _as_list(include),
            "debug": _as_list(debug),
            "concurrency": _as_list(concurrency),
            "context": context,
        }
        for attribute, value in overrides.items():
            if value is not None:
                setattr(self.config, attribute, value)
        if plugins:
            from ferrocov import plugins as plugin_support

            # As coverage.py: the callables take the place of the configured plugin modules.
            self.config.registry = plugin_support.load(self.config, lambda message: exceptions.warn(message, stacklevel=4), callables=plugins)
        self._controller: Any = None
        #: False when attached to a run someone else owns (the pytest plugin's): stopping then
        #: pauses this process only; the run's environment stays for its other processes.
        self._owns_controller = True
        self._measuring = False
        self._data: Any = None
        self._view: CoverageData | None = None
        self._context: str | None = None

    # -- measuring ---------------------------------------------------------------------

    @classmethod
    def _attached(cls, controller: Any, measuring: bool = True) -> Coverage:
        """A Coverage for a run already under way (the pytest plugin's ``cov`` fixture)."""
        coverage = cls.__new__(cls)
        coverage.config = controller.config
        coverage._no_disk = False
        coverage._data_suffix = None
        coverage._auto_data = False
        coverage._messages = False
        coverage._controller = controller
        coverage._owns_controller = False
        coverage._measuring = measuring
        coverage._data = None
        coverage._view = None
        coverage._context = None
        return coverage

    @classmethod
    def current(cls) -> Coverage | None:
        """The Coverage measuring now, if one is (coverage.py's ``Coverage.current()``)."""
        return _CURRENT[-1] if _CURRENT else None

    def start(self) -> None:
        """Start measuring this process, and every process it starts from now on."""
        from ferrocov.control import Controller

        if self._measuring:
            return
        if self._controller is None:
            if self._auto_data and os.path.exists(self._data_path()):
                self.load()
            self._controller = Controller(self.config)
            self._controller.start()
            if self._auto_data:
                # coverage.py's auto_data: saved when the interpreter ends.
                import atexit

                atexit.register(self._save_at_exit)
            else:
                # What is never saved is not kept (as with coverage.py, whose data lives in
                # memory): once this object is gone, or at exit, its run's files go too.
                import weakref

                weakref.finalize(self, _discard_unsaved, self._controller)
        else:
            self._controller.resume()
        self._measuring = True
        _CURRENT.append(self)

    def stop(self) -> None:
        """Stop measuring this process (its data so far is kept)."""
        from ferrocov import _measure

        if not self._measuring:
            return
        if self._controller is not None and self._owns_controller:
            self._controller.stop()
        else:
            _measure.stop()
        self._measuring = False
        if self in _CURRENT:
            _CURRENT.remove(self)

    @contextlib.contextmanager
    def collect(self) -> Iterator[None]:
        """Measure the code run in the ``with`` block: start, then stop however it ends."""
        self.start()
        try:
            yield
        finally:
            self.stop()

    def get_plugins(self) -> list[Any]:
        """The coverage.py plugins registered (``[run] plugins``, ``Coverage(plugins=...)``)."""
        return list(self.config.registry or [])

    def switch_context(self, new_context: str) -> None:
        """Record from now on in `new_context` (after the static context, as coverage.py joins them)."""
        from ferrocov import _core

        if not self._measuring:
            raise RuntimeError("Cannot switch context, coverage is not started")
        context = f"{self.config.context}|{new_context}" if self.config.context and new_context else new_context or (self.config.context or "")
        self._context = context
        _core.set_context(context)

    def _collected(self) -> Any:
        """Everything measured so far by this Coverage's run, including the files processes
        still write (read, not taken)."""
        from ferrocov import _core

        if self._controller is None or self._controller.settings is None:
            return _core.Data()
        directory = self._controller.settings.data_directory
        inputs = [directory] if os.path.isdir(directory) else []
        return _core.combine(inputs, [], 0.0, 0.0, True).data

    def get_data(self) -> CoverageData:
        """The data measured so far (and loaded), as a :class:`CoverageData`: always the same
        object, as coverage.py's (its query contexts stay set between calls)."""
        if self._view is None:
            self._view = CoverageData._wrapping(self._gathered())
        else:
            self._view._data = self._gathered()
        return self._view

    def _gathered(self) -> Any:
        data = self._loaded_copy()
        if self._controller is not None:
            measured = self._collected()
            if self.config.relative_files:
                from ferrocov.control import relative_to

                measured.remap(relative_to(os.getcwd()))
            data.update(measured)
            if self._controller.settings is not None:
                self._controller.touch_unexecuted(data)
        return data

    def _loaded_copy(self) -> Any:
        from ferrocov import _core

        return self._data.copy() if self._data is not None else _core.Data()

    # -- data files -----------------------------------------------------------------------

    def _data_path(self) -> str:
        path = os.path.abspath(self.config.data_file)
        suffix = self._data_suffix
        if suffix is True or (suffix is None and self.config.parallel):
            suffix = f"{os.uname().nodename}.{os.getpid()}.X{int.from_bytes(os.urandom(3), 'big') % 1000000:06d}x"
        return f"{path}.{suffix}" if suffix else path

    def save(self) -> None:
        """Write the data measured so far to the data file. Once measuring has stopped, the
        per-process files the data came from are deleted after it is on disk (the files of
        processes still running are left for a later combine)."""
        if self._no_disk:
            return
        if self._measuring or self._controller is None:
            self._gathered().write(self._data_path(), repr(sys.argv), _now())
            return
        data = self._loaded_copy()
        data.update(self._controller.combine())
        data.write(self._data_path(), repr(sys.argv), _now())
        self._controller.discard_consumed()
        self._data = data

    def _save_at_exit(self) -> None:
        try:
            self.stop()
            self.save()
        except Exception as err:  # at exit: one line, never a traceback
            from ferrocov.exceptions import to_stderr

            to_stderr(f"ferrocov: couldn't save coverage data at exit: {err}")

    def load(self) -> None:
        """Read the data file."""
        from ferrocov import _core

        path = os.path.abspath(self.config.data_file)
        self._data = _core.Data.read(path) if os.path.exists(path) else _core.Data()

    def erase(self) -> None:
        """Forget what was measured and delete the data file."""
        self._data = None
        path = os.path.abspath(self.config.data_file)
        if os.path.exists(path):
            os.remove(path)

    def combine(self, data_paths: Iterable[str] | None = None, strict: bool = False, keep: bool = False) -> None:
        """Combine parallel data files (and ferrocov run directories) into this data."""
        from ferrocov import _core
        from ferrocov.exceptions import NoDataError

        data_file = os.path.abspath(self.config.data_file)
        inputs = [os.path.abspath(p) for p in data_paths] if data_paths else _core.default_combine_inputs(data_file)
        inputs = [p for p in inputs if os.path.abspath(p) != data_file]
        combined = _core.combine(inputs)
        if strict and not combined.consumed:
            raise NoDataError("No data to combine")
        data = self._loaded_copy()
        data.update(combined.data)
        if self.config.paths:
            from ferrocov.paths import remapper

            data.remap(remapper(self.config.paths))
        self._data = data
        if not keep:
            for path in combined.consumed:
                try:
                    os.remove(path)
                except OSError:
                    pass

    # -- options ----------------------------------------------------------------------------

    def get_option(self, option_name: str) -> Any:
        if option_name == "paths":
            return dict(self.config.paths)
        return getattr(self.config, _attribute(option_name))

    def set_option(self, option_name: str, value: Any) -> None:
        if option_name == "paths":
            self.config.paths = dict(value)
            return
        setattr(self.config, _attribute(option_name), value)

    def exclude(self, regex: str, which: str = "exclude") -> None:
        getattr(self.config, f"{which}_list").append(regex)

    def clear_exclude(self, which: str = "exclude") -> None:
        setattr(self.config, f"{which}_list", [])

    def get_exclude_list(self, which: str = "exclude") -> list[str]:
        return list(getattr(self.config, f"{which}_list"))

    # -- analysis and reports -----------------------------------------------------------------

    def _config_for(self, **options: Any) -> Config:
        import copy

        config = copy.copy(self.config)
        for name, value in options.items():
            if value is None:
                continue
            attribute = _REPORT_OPTIONS.get(name, name)
            if attribute in ("report_omit", "report_include", "report_contexts"):
                value = _as_list(value)
            setattr(config, attribute, value)
        return config

    def _analysed(self, config: Config, morfs: Iterable[Any] | None = None) -> tuple[list[Any], Any]:
        from ferrocov import results
        from ferrocov.exceptions import NoDataError

        data = self._gathered()
        if config.report_contexts:
            data = results.restrict_to_contexts(data, config.report_contexts)
        analysed = results.analyze_data(data, config, warn=_warn_for(config))
        if morfs:
            wanted = {_filename(m) for m in morfs}
            analysed = [r for r in analysed if r.path in wanted]
        if not analysed:
            raise NoDataError("No data to report.")
        return analysed, data

    def analysis2(self, morf: Any) -> tuple[str, list[int], list[int], list[int], str]:
        """(filename, statements, excluded, missing, missing formatted) for one module or file."""
        from ferrocov import _core

        filename = _filename(morf)
        data = self.get_data()._view()
        analysis = _core.analyze_file(filename, self.config.exclude_regex(), False, self.config.partial_regex())
        executed = analysis.translate(data.lines(filename) or [])
        missing = analysis.statements - executed
        formatted = _core.format_lines(analysis.statements, missing)
        return filename, sorted(analysis.statements), sorted(analysis.excluded), sorted(missing), formatted

    def branch_stats(self, morf: Any) -> dict[int, tuple[int, int]]:
        """Per line with branches in one module or file: (exits, exits taken), as coverage.py's
        ``branch_stats``; {} for line data."""
        from ferrocov import results

        data = self.get_data()._view()
        if not data.has_arcs():
            return {}
        analysed = results.analyze_data(data.copy(), self.config, include=[], omit=[], morfs=[_filename(morf)])
        return dict(analysed[0].branch_stats) if analysed else {}

    def analysis(self, morf: Any) -> tuple[str, list[int], list[int], str]:
        filename, statements, _, missing, formatted = self.analysis2(morf)
        return filename, statements, missing, formatted

    def report(
        self,
        morfs: Iterable[Any] | None = None,
        show_missing: bool | None = None,
        ignore_errors: bool | None = None,
        file: IO[str] | None = None,
        omit: str | list[str] | None = None,
        include: str | list[str] | None = None,
        skip_covered: bool | None = None,
        contexts: list[str] | None = None,
        skip_empty: bool | None = None,
        precision: int | None = None,
        sort: str | None = None,
        output_format: str | None = None,
    ) -> float:
        """Write the summary report (to `file`, standard output by default); return the total."""
        from ferrocov import results

        config = self._config_for(
            show_missing=show_missing,
            ignore_errors=ignore_errors,
            omit=omit,
            include=include,
            skip_covered=skip_covered,
            contexts=contexts,
            skip_empty=skip_empty,
            precision=precision,
            sort=sort,
            format=output_format,
        )
        analysed, _ = self._analysed(config, morfs)
        text, total = results.summary(analysed, config)
        (file or sys.stdout).write(text)
        return total

    def html_report(
        self,
        morfs: Iterable[Any] | None = None,
        directory: str | None = None,
        ignore_errors: bool | None = None,
        omit: str | list[str] | None = None,
        include: str | list[str] | None = None,
        extra_css: str | None = None,
        title: str | None = None,
        skip_covered: bool | None = None,
        show_contexts: bool | None = None,
        contexts: list[str] | None = None,
        skip_empty: bool | None = None,
        precision: int | None = None,
    ) -> float:
        from ferrocov import reports

        config = self._config_for(
            ignore_errors=ignore_errors,
            omit=omit,
            include=include,
            extra_css=extra_css,
            html_title=title,
            html_skip_covered=skip_covered,
            show_contexts=show_contexts,
            contexts=contexts,
            html_skip_empty=skip_empty,
            precision=precision,
        )
        analysed, data = self._analysed(config, morfs)
        return _total(reports.write("html", analysed, config, directory, data))

    def xml_report(
        self,
        morfs: Iterable[Any] | None = None,
        outfile: str | None = None,
        ignore_errors: bool | None = None,
        omit: str | list[str] | None = None,
        include: str | list[str] | None = None,
        contexts: list[str] | None = None,
        skip_empty: bool | None = None,
    ) -> float:
        from ferrocov import reports

        config = self._config_for(ignore_errors=ignore_errors, omit=omit, include=include, contexts=contexts, skip_empty=skip_empty)
        analysed, data = self._analysed(config, morfs)
        return _total(reports.write("xml", analysed, config, outfile, data))

    def json_report(
        self,
        morfs: Iterable[Any] | None = None,
        outfile: str | None = None,
        ignore_errors: bool | None = None,
        omit: str | list[str] | None = None,
        include: str | list[str] | None = None,
        contexts: list[str] | None = None,
        pretty_print: bool | None = None,
        show_contexts: bool | None = None,
    ) -> float:
        from ferrocov import reports

        config = self._config_for(
            ignore_errors=ignore_errors, omit=omit, include=include, contexts=contexts, json_pretty_print=pretty_print, json_show_contexts=show_contexts
        )
        analysed, data = self._analysed(config, morfs)
        return _total(reports.write("json", analysed, config, outfile, data))

    def lcov_report(
        self,
        morfs: Iterable[Any] | None = None,
        outfile: str | None = None,
        ignore_errors: bool | None = None,
        omit: str | list[str] | None = None,
        include: str | list[str] | None = None,
        contexts: list[str] | None = None,
    ) -> float:
        from ferrocov import reports

        config = self._config_for(ignore_errors=ignore_errors, omit=omit, include=include, contexts=contexts)
        analysed, data = self._analysed(config, morfs)
        return _total(reports.write("lcov", analysed, config, outfile, data))

    def annotate(
        self,
        morfs: Iterable[Any] | None = None,
        directory: str | None = None,
        ignore_errors: bool | None = None,
        omit: str | list[str] | None = None,
        include: str | list[str] | None = None,
        contexts: list[str] | None = None,
    ) -> None:
        from ferrocov import reports

        config = self._config_for(ignore_errors=ignore_errors, omit=omit, include=include, contexts=contexts)
        analysed, _ = self._analysed(config, morfs)
        reports.write("annotate", analysed, config, directory)

    def sys_info(self) -> list[tuple[str, Any]]:
        from ferrocov import __version__, _core

        return [("version", __version__), ("core", _core.core_name(self.config.branch)), ("data_file", os.path.abspath(self.config.data_file))]


def _total(total: float | None) -> float:
    assert total is not None
    return total


_CURRENT: list[Coverage] = []


def process_startup() -> Coverage | None:
    """coverage.py's hook for measuring subprocesses: start measuring this process if
    ``COVERAGE_PROCESS_START`` names a configuration file, saving the data at exit. With
    ferrocov every child of a measured run is measured already (its start-up hook): then, and
    when the variable is not set, nothing happens and None is returned."""
    from ferrocov import _core

    config_file = os.environ.get("COVERAGE_PROCESS_START")
    if not config_file or _core.is_measuring():
        return None
    coverage = Coverage(config_file=config_file, auto_data=True)
    coverage.start()
    return coverage


def _now() -> str:
    import time

    return time.strftime("%Y-%m-%d %H:%M:%S")


def _discard_unsaved(controller: Any) -> None:
    """A Coverage that measured is gone (or the interpreter ends) without saving: stop its
    measurement if it still runs, and remove its run's files, but those of processes still
    running (they may still be written)."""
    try:
        from ferrocov import _core

        settings = controller.settings
        if settings is None:
            return
        directory = settings.data_directory
        if not os.path.isdir(directory):
            return
        live = set(_core.live_files(directory))
        for name in os.listdir(directory):
            path = os.path.join(directory, name)
            if path not in live and not os.path.isdir(path):
                try:
                    os.remove(path)
                except OSError:
                    pass
        try:
            os.rmdir(directory)
        except OSError:
            pass
    except Exception:  # at exit or in a finalizer: never raise
        pass


def _as_list(value: str | Iterable[str] | None) -> list[str] | None:
    if value is None:
        return None
    if isinstance(value, str):
        return [value]
    return list(value)


def _filename(morf: Any) -> str:
    """A module or a file name, as an absolute file name (coverage.py's "morf")."""
    if isinstance(morf, str):
        return os.path.abspath(morf)
    filename: str | None = getattr(morf, "__file__", None)
    if filename is None:
        raise ConfigError(f"Module {morf!r} has no file")
    if filename.endswith((".pyc", ".pyo")):
        filename = filename[:-1]
    return os.path.abspath(filename)


def _attribute(option_name: str) -> str:
    attribute = option_attribute(option_name)
    if attribute is None:
        raise ConfigError(f"No such option: {option_name!r}")
    return attribute


def _warn_for(config: Config) -> Any:
    from ferrocov import exceptions

    def warn(message: str, slug: str) -> None:
        exceptions.warn(message, slug, config.disable_warnings, stacklevel=3)

    return warn


