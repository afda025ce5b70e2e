"""What only CPython knows about a source file, asked by the core's one call per file
(``_core.analyze_file``): the code object a valid ``__pycache__`` entry holds, the lines a
pattern matches where only Python's ``re`` reads it as coverage.py does, and a syntax error in
coverage.py's words. Everything else about a file's analysis is in Rust."""

from __future__ import annotations

import os
import re
import types

from ferrocov.exceptions import NotPython


def cached_code(filename: str) -> types.CodeType | None:
    """The code object the interpreter compiled from this file when it was imported, read from
    its ``__pycache__`` file if that is valid for the file as it is now (the checks the import
    system makes: this interpreter's magic number, the source's mtime and size, or its hash);
    ``None`` otherwise. Unmarshalling it takes a tenth of compiling the source again."""
    import importlib.util
    import marshal

    try:
        cache = importlib.util.cache_from_source(filename)
        with open(cache, "rb") as f:
            header = f.read(16)
            if len(header) < 16 or header[:4] != importlib.util.MAGIC_NUMBER:
                return None
            flags = int.from_bytes(header[4:8], "little")
            if flags & ~0b11:
                return None
            if flags & 0b1:
                with open(filename, "rb") as source:
                    if header[8:16] != importlib.util.source_hash(source.read()):
                        return None
            else:
                stat = os.stat(filename)
                if int.from_bytes(header[8:12], "little") != int(stat.st_mtime) & 0xFFFFFFFF:
                    return None
                if int.from_bytes(header[12:16], "little") != stat.st_size & 0xFFFFFFFF:
                    return None
            code = marshal.loads(f.read())
    except (OSError, ValueError, EOFError, TypeError, NotImplementedError):
        return None
    return code if isinstance(code, types.CodeType) else None


def lines_matching(text: str, regex: str) -> list[int]:
    """The lines coverage.py's ``lines_matching`` marks, by Python's ``re``: every line from
    each match's start to its end. (The core matches in Rust the patterns it reads as ``re``
    does, and asks this for the others: look-arounds, back-references, verbose mode...)"""
    if not regex:
        return []
    matches: set[int] = set()
    last_start = 0
    last_start_line = 0
    for match in re.finditer(regex, text, flags=re.MULTILINE):
        start, end = match.span()
        start_line = last_start_line + text.count("\n", last_start, start)
        end_line = last_start_line + text.count("\n", last_start, end)
        matches.update(range(start_line + 1, end_line + 2))
        last_start = start
        last_start_line = start_line
    return sorted(matches)


def not_python(err: SyntaxError, filename: str) -> NotPython:
    """The file does not compile, in coverage.py's words."""
    lineno = getattr(err, "lineno", None)
    if lineno is None and len(err.args) > 1:
        lineno = err.args[1][0]
    return NotPython(f"Couldn't parse '{filename}' as Python source: {err.args[0]!r} at line {lineno}")
