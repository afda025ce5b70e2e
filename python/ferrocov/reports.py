"""The reports made from per-file results: the glue that hands them to Rust and writes the text
where coverage.py would. :func:`write` is the one front that the command line, the pytest plugin
and the ``Coverage`` API all call for a report of a given kind."""

from __future__ import annotations

import datetime
import os
import sys
import time
from collections.abc import Iterable

from ferrocov import __version__, _core
from ferrocov.config import Config
from ferrocov.results import FileResult


def ensure_directory(directory: str, purpose: str) -> None:
    """Create `directory` (for `purpose`: "HTML report", "annotated files"), or say why not
    in coverage.py 7.18's words."""
    if not directory:
        return
    try:
        os.makedirs(directory, exist_ok=True)
    except OSError as err:
        from ferrocov.exceptions import ReportError

        raise ReportError(f"Couldn't create directory {os.path.abspath(directory)!r} for {purpose}: {err}") from err


def _make_parent(outfile: str, kind: str) -> None:
    """Create the directory a report file goes into, as coverage.py does."""
    ensure_directory(os.path.dirname(outfile), f"{kind} report {os.path.abspath(outfile)!r}")


def _write(text: str, outfile: str, kind: str) -> None:
    if outfile == "-":
        sys.stdout.write(text)
        return
    _make_parent(outfile, kind)
    with open(outfile, "w", encoding="utf-8") as f:
        f.write(text)


#: Every report kind :func:`write` makes; the terminal summary is :func:`ferrocov.results.summary`.
KINDS = ("annotate", "html", "xml", "json", "markdown", "markdown-append", "lcov")


def default_destination(kind: str, config: Config) -> str | None:
    """Where a report goes when no destination is given: the configuration's setting (for
    annotate, next to each source)."""
    return {
        "html": config.html_dir,
        "xml": config.xml_output,
        "json": config.json_output,
        "lcov": config.lcov_output,
        "markdown": "coverage.md",
        "markdown-append": "coverage.md",
    }.get(kind)


def write(kind: str, results: list[FileResult], config: Config, destination: str | None = None, data: _core.Data | None = None) -> float | None:
    """Write the report of ``kind`` (one of :data:`KINDS`) to ``destination`` (a file, ``-`` for
    standard output, or a directory for html and annotate; None for the configured one).
    Returns the total percentage the report states (None for annotate)."""
    if destination is None:
        destination = default_destination(kind, config)
    if kind == "annotate":
        annotate(results, config, destination)
        return None
    assert destination is not None
    if kind == "html":
        return html(results, config, destination, data)[2]
    if kind in ("markdown", "markdown-append"):
        from ferrocov.results import summary

        text, total = summary(results, config, "markdown")
        with open(destination, "w" if kind == "markdown" else "a", encoding="utf-8") as f:
            f.write(text)
        return total
    if kind == "xml":
        return xml(results, config, destination, data)
    if kind == "json":
        return json(results, config, destination, data)
    if kind == "lcov":
        return lcov(results, config, destination, data)
    raise ValueError(f"Unknown report kind: {kind!r}")


def _processes(data: _core.Data | None) -> tuple[int, int] | None:
    if data is None or not data.processes:
        return None
    return (data.processes, data.processes_unclean)


def xml(results: list[FileResult], config: Config, outfile: str, data: _core.Data | None = None) -> float:
    sources = []
    for source in config.source:
        if os.path.exists(source):
            # With relative_files the <source> is written as configured, as coverage.py does.
            sources.append(source.rstrip("\\/") if config.relative_files else os.path.realpath(os.path.abspath(source)))
    text, total = _core.xml_report(
        results,
        sources,
        config.xml_package_depth,
        config.skip_empty,
        __version__,
        int(time.time() * 1000),
        _processes(data),
    )
    _write(text, outfile, "XML")
    return total


def json(results: list[FileResult], config: Config, outfile: str, data: _core.Data | None = None) -> float:
    contexts = None
    if config.json_show_contexts and data is not None:
        contexts = [data.contexts_by_line(r.path) for r in results]
    if outfile != "-":
        _make_parent(outfile, "JSON")
    # Written from Rust (the document is not copied into a Python string), except to stdout.
    text, total = _core.json_report(
        results,
        __version__,
        datetime.datetime.now().isoformat(),
        config.precision,
        config.json_pretty_print,
        _processes(data),
        contexts,
        None if outfile == "-" else outfile,
    )
    if outfile == "-":
        sys.stdout.write(text)
    return total


def lcov(results: list[FileResult], config: Config, outfile: str, data: _core.Data | None = None) -> float:
    checksums = None
    if config.lcov_line_checksums:
        checksums = {r.path: line_checksums(r.path, r.statements) for r in results}
    text, total = _core.lcov_report(results, config.skip_empty, checksums)
    _write(text, outfile, "LCOV")
    return total


def line_checksums(path: str, lines: Iterable[int]) -> dict[int, str]:
    """LCOV's line checksums: the MD5 of each line's text, base64 without padding."""
    import base64
    import hashlib

    from ferrocov._source import read_source

    source = read_source(path).splitlines()
    sums = {}
    for line in lines:
        if 0 < line <= len(source):
            digest = hashlib.md5(source[line - 1].encode("utf-8"), usedforsecurity=False).digest()
            sums[line] = base64.b64encode(digest).decode("ascii").rstrip("=")
    return sums


def html(
    results: list[FileResult],
    config: Config,
    directory: str | None = None,
    data: _core.Data | None = None,
) -> tuple[int, int, float]:
    """The HTML report. Returns (pages written, pages left as they were, total percentage).
    The core reads each file's source itself."""
    directory = directory or config.html_dir
    ensure_directory(directory, "HTML report")
    show_contexts = config.show_contexts and data is not None
    pages = []
    for result in results:
        contexts = dict(data.contexts_by_line(result.path)) if show_contexts and data is not None else {}
        pages.append((flat_rootname(result.name) + ".html", contexts))
    skip_covered = config.skip_covered if config.html_skip_covered is None else config.html_skip_covered
    skip_empty = config.skip_empty if config.html_skip_empty is None else config.html_skip_empty
    return _core.html_report(
        results,
        pages,
        directory,
        config.html_title,
        config.extra_css,
        skip_covered,
        skip_empty,
        show_contexts,
        config.precision,
        __version__,
        datetime.datetime.now().strftime("%Y-%m-%d %H:%M %z").strip(),
        _processes(data),
        data,
    )


_BLANK = __import__("re").compile(r"\s*(#|$)")
_ELSE = __import__("re").compile(r"\s*else\s*:\s*(#|$)")


def flat_rootname(relative: str) -> str:
    """coverage.py's flattened name for a file in a report directory."""
    import hashlib
    import ntpath

    dirname, basename = ntpath.split(relative)
    prefix = ""
    if dirname:
        prefix = f"z_{hashlib.new('sha3_256', dirname.encode('UTF-8')).hexdigest()[:16]}_"
    return prefix + basename.replace(".", "_")


def annotate(results: list[FileResult], config: Config, directory: str | None) -> None:
    """``,cover`` files: each source line prefixed with ``>`` (ran), ``!`` (missed) or ``-``
    (excluded), as coverage.py's annotate writes them."""
    from ferrocov._source import read_source

    for result in results:
        if directory:
            ensure_directory(directory, "annotated files")
            extension = os.path.splitext(result.name)[1]
            destination = os.path.join(directory, flat_rootname(result.name))
            destination = destination[: len(destination) - len(extension)] + extension
        else:
            destination = result.path
        statements = sorted(result.statements)
        missing = sorted(result.missing)
        excluded = set(result.excluded)
        i = j = 0
        covered = True
        out = []
        for lineno, line in enumerate(read_source(result.path).splitlines(True), start=1):
            while i < len(statements) and statements[i] < lineno:
                i += 1
            while j < len(missing) and missing[j] < lineno:
                j += 1
            if i < len(statements) and statements[i] == lineno:
                covered = j >= len(missing) or missing[j] > lineno
            if _BLANK.match(line):
                out.append("  ")
            elif _ELSE.match(line):
                if j >= len(missing) or statements[i] != missing[j]:
                    out.append("> ")
                else:
                    out.append("! ")
            elif lineno in excluded:
                out.append("- ")
            elif covered:
                out.append("> ")
            else:
                out.append("! ")
            out.append(line)
        with open(destination + ",cover", "w", encoding="utf-8") as f:
            f.write("".join(out))
