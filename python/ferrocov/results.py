"""From measured data to per-file results and the summary report."""

from __future__ import annotations

import os
from decimal import Decimal
from typing import Callable, Iterator

from ferrocov import _core
from ferrocov.exceptions import EncodingProblem, NoSource, NotPython
from ferrocov.config import Config


from ferrocov.exceptions import ReportError  # noqa: E402  (re-exported)

#: One file's results (path, name shown, statements, executed, missing, excluded, regions,
#: line count, branch facts), held in Rust and read there by every report.
FileResult = _core.FileResult


def relative_filename(path: str, cwd: str | None = None) -> str:
    """``path`` relative to ``cwd`` (the current directory) when under it."""
    cwd = os.path.abspath(os.curdir) if cwd is None else cwd
    if not cwd.endswith(os.sep):
        cwd += os.sep
    return path[len(cwd):] if path.startswith(cwd) else path


#: Below this many files a report analyses them in its own process only.
_PARALLEL_MIN_FILES = 100
_CHUNK = 32

Analysed = tuple[str, "_core.FileAnalysis | NoSource | NotPython"]


def _analyze_chunk(task: tuple[list[str], str, bool, str]) -> list[Analysed]:
    paths, exclude_regex, branch, partial_regex = task
    out: list[Analysed] = []
    for path in paths:
        try:
            out.append((path, _core.analyze_file(path, exclude_regex, branch, partial_regex)))
        except (NoSource, NotPython) as err:
            out.append((path, err))
    return out


def _workers(files: int) -> int:
    """How many processes may analyse files: one unless there are many files, several CPUs, and
    forking is safe here (Linux, one thread, nothing measured in this process). The analysis of a
    file that ran without a ``__pycache__`` file is mostly CPython compiling it, which holds the
    interpreter: processes, not threads."""
    import sys
    import threading

    if files < _PARALLEL_MIN_FILES or not sys.platform.startswith("linux"):
        return 1
    if threading.active_count() != 1 or _core.is_measuring():
        return 1
    return min(len(os.sched_getaffinity(0)), 8, files // _CHUNK + 1)


def analyze_files(
    paths: list[str], exclude_regex: str, branch: bool, partial_regex: str, parallel: bool = False
) -> Iterator[Analysed]:
    """Each file's analysis, or why it has none, in the order given, one at a time (so that only
    the compact results are held, not every analysis); in forked worker processes when
    ``parallel`` and :func:`_workers` allows, else (or from where the workers failed) here."""
    tasks = [(paths[i : i + _CHUNK], exclude_regex, branch, partial_regex) for i in range(0, len(paths), _CHUNK)]
    workers = _workers(len(paths)) if parallel else 1
    done = 0
    if workers > 1:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor
        from concurrent.futures.process import BrokenProcessPool

        try:
            pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork"))
        except (OSError, ImportError, ValueError):
            # No working semaphores (some containers, AWS Lambda): analyse here.
            pool = None
        if pool is not None:
            try:
                for chunk in pool.map(_analyze_chunk, tasks):
                    yield from chunk
                    done += len(chunk)
                return
            except (OSError, ImportError, BrokenProcessPool):
                pass
            finally:
                # Also when the caller stops early (a file that can't be reported): no waiting
                # for chunks nobody will read.
                pool.shutdown(wait=True, cancel_futures=True)
    for task in tasks[done // _CHUNK :]:
        yield from _analyze_chunk(task)


def analyze_data(
    data: _core.Data,
    config: Config,
    include: list[str] | None = None,
    omit: list[str] | None = None,
    warn: Callable[[str, str], None] | None = None,
    parallel: bool = False,
    morfs: list[str] | None = None,
) -> list[FileResult]:
    """Analyse every measured file selected by report include/omit (``parallel``: in several
    processes where that is safe, see :func:`analyze_files`). With `morfs` (the files named
    on a report's command line), those files only, measured or not (an unmeasured one is
    reported as never run, as coverage.py reports it)."""
    cwd = os.getcwd()
    include_set = _core.GlobSet(include if include is not None else config.report_include, cwd)
    omit_set = _core.GlobSet(omit if omit is not None else config.report_omit, cwd)
    exclude_regex = config.exclude_regex()
    partial_regex = config.partial_regex()
    branch = data.has_arcs()
    results = []
    candidates = data.measured_files()
    if morfs:
        candidates = sorted({os.path.abspath(morf) for morf in morfs})
        measured = set(data.measured_files())
        for path in candidates:
            if path not in measured:
                data.touch(path)
    paths = [
        path
        for path in candidates
        if not (include_set and not include_set.matches(path)) and not (omit_set and omit_set.matches(path))
    ]
    for path, analysis in analyze_files(paths, exclude_regex, branch, partial_regex, parallel):
        if isinstance(analysis, NoSource):
            if config.ignore_errors:
                if warn:
                    warn(f"Couldn't parse '{path}': {analysis}", "couldnt-parse")
                continue
            raise ReportError(str(analysis)) from analysis
        if isinstance(analysis, NotPython):
            if config.ignore_errors:
                if warn and isinstance(analysis, EncodingProblem):
                    warn(f"Couldn't parse '{path}': {analysis.detail}".rstrip(), "couldnt-parse")
                elif warn:
                    warn(f"Couldn't parse Python file '{path}'", "couldnt-parse")
                continue
            raise ReportError(str(analysis)) from analysis
        name = relative_filename(path, cwd)
        if branch and analysis.arcs is not None:
            # The branch facts are worked out in Rust, from the data's arcs.
            results.append(FileResult(analysis.facts, data, path, name, arcs=analysis.arcs, no_branch=sorted(analysis.no_branch)))
        else:
            results.append(FileResult(analysis.facts, data, path, name))
    return results


def restrict_to_contexts(data: _core.Data, patterns: list[str]) -> _core.Data:
    """Only what was recorded in contexts matching any of the regexes (``re.search``), as
    coverage.py's report ``contexts`` setting selects."""
    import re

    from ferrocov.exceptions import ConfigError

    compiled = []
    for pattern in patterns:
        try:
            compiled.append(re.compile(pattern))
        except re.error as err:
            raise ConfigError(f"Invalid context regex {pattern!r}: {err}") from err
    names = [name for name in data.measured_contexts() if any(regex.search(name) for regex in compiled)]
    return data.only_contexts(names)


def summary(results: list[FileResult], config: Config, output_format: str | None = None) -> tuple[str, float]:
    """coverage.py's summary report text and the total percentage."""
    try:
        text, total, _ = _core.summary(
            results,
            show_missing=config.show_missing,
            skip_covered=config.skip_covered,
            skip_empty=config.skip_empty,
            precision=config.precision,
            sort=config.sort,
            format=output_format or config.format or "text",
        )
    except _core.NoDataError as err:
        raise ReportError(str(err)) from err
    except ValueError as err:
        raise ReportError(str(err)) from err
    return text, total


def _fail_under_precision(fail_under: float, precision: int) -> int:
    if fail_under == int(fail_under):
        return precision
    exponent = Decimal(str(fail_under)).as_tuple().exponent
    assert isinstance(exponent, int)
    return max(precision, -exponent)


def should_fail_under(total: float, fail_under: float, precision: int) -> bool:
    if not 0 <= fail_under <= 100.0:
        raise ReportError(f"fail_under={fail_under} is invalid. Must be between 0 and 100.")
    if fail_under == 100.0 and total != 100.0:
        return True
    return round(total, _fail_under_precision(fail_under, precision)) < fail_under


def fail_under_message(total: float, fail_under: float, precision: int) -> str:
    precision = _fail_under_precision(fail_under, precision)
    if fail_under == 100.0 and total != 100.0:
        shown = _core.display_covered(total, precision)
    else:
        shown = f"{round(total, precision):.{precision}f}"
    return f"total of {shown} is less than fail-under={fail_under:.{precision}f}"
