"""File reports (Cobertura XML, JSON, LCOV): the glue that hands per-file results to Rust and
writes the text where coverage.py would."""

from __future__ import annotations

import datetime
import os
import sys
import time

from ferrocov import __version__, _core
from ferrocov.config import Config
from ferrocov.results import FileResult


def _write(text: str, outfile: str) -> None:
    if outfile == "-":
        sys.stdout.write(text)
        return
    directory = os.path.dirname(outfile)
    if directory:
        os.makedirs(directory, exist_ok=True)
    with open(outfile, "w", encoding="utf-8") as f:
        f.write(text)


def _processes(data: _core.Data | None) -> tuple[int, int] | None:
    if data is None or not data.processes:
        return None
    return (data.processes, data.processes_unclean)


def xml(results: list[FileResult], config: Config, outfile: str, data: _core.Data | None = None) -> float:
    sources = []
    for source in config.source:
        if os.path.exists(source):
            sources.append(os.path.realpath(os.path.abspath(source)))
    text, total = _core.xml_report(
        [r.as_tuple() for r in results],
        sources,
        config.xml_package_depth,
        config.skip_empty,
        __version__,
        int(time.time() * 1000),
        _processes(data),
    )
    _write(text, outfile)
    return total


def json(results: list[FileResult], config: Config, outfile: str, data: _core.Data | None = None) -> float:
    text, total = _core.json_report(
        [r.as_tuple() for r in results],
        __version__,
        datetime.datetime.now().isoformat(),
        config.precision,
        config.json_pretty_print,
        _processes(data),
    )
    _write(text, outfile)
    return total


def lcov(results: list[FileResult], config: Config, outfile: str, data: _core.Data | None = None) -> float:
    _write(_core.lcov_report([r.as_tuple() for r in results], config.skip_empty), outfile)
    statements = sum(len(r.statements) for r in results)
    missing = sum(len(r.missing) for r in results)
    return 100.0 * (statements - missing) / statements if statements else 0.0
