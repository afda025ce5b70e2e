"""A report reads a file's code from its `__pycache__` file (written when the file was imported)
instead of compiling the source again, when that file is valid for the source as it is now — the
checks the import system makes. The analysis is the same either way; a stale or foreign cache
file is not used."""

from __future__ import annotations

import importlib.util
import os
import py_compile
import shutil
from pathlib import Path

import types

import stdlib_compare
from ferrocov import _core, _cpython
from ferrocov.config import Config
from ferrocov.exceptions import NoSource, NotPython

EXCLUDE = Config().exclude_regex()


def facts(analysis: _core.FileAnalysis) -> object:
    regions = [(kind, name, line, sorted(lines)) for kind, name, line, lines in analysis.regions]
    return sorted(analysis.statements), sorted(analysis.excluded), sorted(analysis.multiline.items()), regions


def test_analysis_from_the_cache_equals_analysis_from_the_source(tmp_path: Path) -> None:
    """Every 8th file of the standard library, copied and byte-compiled as import does."""
    files = stdlib_compare.stdlib_files()[::8]
    assert len(files) > 100
    used = 0
    differ = []
    for index, original in enumerate(files):
        path = tmp_path / f"m{index}.py"
        shutil.copyfile(original, path)
        try:
            compiled = _core.analyze_file(str(path), EXCLUDE)
            py_compile.compile(str(path), doraise=True)
        except (py_compile.PyCompileError, NotPython, NoSource):
            continue
        code = _cpython.cached_code(str(path))
        assert code is not None, path
        used += 1
        if facts(_core.analyze_file(str(path), EXCLUDE)) != facts(compiled):
            differ.append(original)
        if code_lines(code) != code_lines(compile(path.read_text(), str(path), "exec", dont_inherit=True)):
            differ.append(original)
    assert used > 100
    assert not differ, differ[:10]


def code_lines(code: types.CodeType) -> set[int]:
    found: set[int] = set()
    for nested in [code, *(c for c in code.co_consts if isinstance(c, types.CodeType))]:
        found.update(line for _, _, line in nested.co_lines() if line)
        if nested is not code:
            found |= code_lines(nested)
    return found


def write_module(path: Path, text: str) -> None:
    path.write_text(text)
    # A whole-second mtime in the past, so that a rewrite within the same second still differs.
    os.utime(path, (1_700_000_000, 1_700_000_000))


def test_a_stale_cache_file_is_not_used(tmp_path: Path) -> None:
    path = tmp_path / "mod.py"
    write_module(path, "a = 1\nb = 2\n")
    py_compile.compile(str(path), doraise=True)
    assert _cpython.cached_code(str(path)) is not None
    # Changed: other size, same mtime.
    path.write_text("a = 1\nb = 2\nc = 3\n")
    os.utime(path, (1_700_000_000, 1_700_000_000))
    assert _cpython.cached_code(str(path)) is None
    # Changed: same size, other mtime.
    write_module(path, "a = 1\nb = 2\n")
    py_compile.compile(str(path), doraise=True)
    path.write_text("a = 1\nb = 3\n")
    os.utime(path, (1_700_000_001, 1_700_000_001))
    assert _cpython.cached_code(str(path)) is None
    analysis = _core.analyze_file(str(path), EXCLUDE)
    assert analysis.statements == {1, 2}


def test_a_cache_file_from_another_python_or_damaged_is_not_used(tmp_path: Path) -> None:
    path = tmp_path / "mod.py"
    write_module(path, "a = 1\n")
    py_compile.compile(str(path), doraise=True)
    cache = Path(importlib.util.cache_from_source(str(path)))
    good = cache.read_bytes()
    cache.write_bytes(b"\x00\x00" + good[2:])  # another magic number
    assert _cpython.cached_code(str(path)) is None
    cache.write_bytes(good[:20])  # cut short
    assert _cpython.cached_code(str(path)) is None
    cache.write_bytes(good[:16] + b"\xff" * 40)  # not marshal data
    assert _cpython.cached_code(str(path)) is None
    assert _core.analyze_file(str(path), EXCLUDE).statements == {1}


def test_hash_based_cache_files_are_checked_against_the_source(tmp_path: Path) -> None:
    path = tmp_path / "mod.py"
    write_module(path, "def f():\n    return 1\n")
    for mode in (py_compile.PycInvalidationMode.CHECKED_HASH, py_compile.PycInvalidationMode.UNCHECKED_HASH):
        py_compile.compile(str(path), doraise=True, invalidation_mode=mode)
        assert _cpython.cached_code(str(path)) is not None
    # An unchecked-hash file is trusted by import even when stale; a report checks it anyway.
    path.write_text("def f():\n    return 2\n\nx = 1\n")
    assert _cpython.cached_code(str(path)) is None
    assert _core.analyze_file(str(path), EXCLUDE).statements == {1, 2, 4}
