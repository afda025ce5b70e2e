"""Source text as coverage.py reads it, for what the core does not decode itself (a PEP 263
declaration, a byte-order mark, bytes that are not UTF-8). Small on purpose: a measured child
on 3.12+ may read a source through it the first time one of its branches fires."""

from __future__ import annotations

import tokenize

from ferrocov.exceptions import EncodingProblem, NoSource, NotPython  # noqa: F401  (re-exported)


def read_source(filename: str) -> str:
    """The text of a source file as coverage.py reads it: newlines normalized, form feeds
    made spaces, decoded by its PEP 263 cookie or BOM, ending with a newline."""
    try:
        with open(filename, "rb") as f:
            data = f.read()
    except OSError as err:
        found = _archived(filename)
        if found is None:
            raise NoSource(f"No source for code: '{filename}'.") from err
        data = found
    data = data.replace(b"\r\n", b"\n").replace(b"\r", b"\n").replace(b"\f", b" ")
    try:
        encoding = tokenize.detect_encoding(iter(data.splitlines(True)).__next__)[0]
    except SyntaxError as err:
        raise EncodingProblem(f"Couldn't parse '{filename}' as Python source: {err}", str(err)) from err
    text = data.decode(encoding, "replace")
    if text and text[-1] != "\n":
        text += "\n"
    return text


def _archived(filename: str) -> bytes | None:
    """The bytes of a module imported from a zip archive (``lib.zip/pkg/mod.py``, an egg, a
    pex), read from the archive as coverage.py reads it; None if it is not in one."""
    for marker in (".zip/", ".egg/", ".pex/"):
        archive, found, inner = filename.partition(marker)
        if not found:
            continue
        import zipimport

        try:
            data: bytes = zipimport.zipimporter(archive + marker[:-1]).get_data(inner)
        except (zipimport.ZipImportError, OSError):
            return None
        return data
    return None
