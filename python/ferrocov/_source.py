"""Source text as coverage.py reads it, and the multi-line statement map the sys.monitoring
branch core needs while measuring (3.14+). Small on purpose: a measured child imports it the
first time one of its branches fires, so only ``tokenize`` comes with it."""

from __future__ import annotations

import io
import tokenize

from ferrocov.exceptions import EncodingProblem, NoSource, NotPython  # noqa: F401  (re-exported)


def read_source(filename: str) -> str:
    """The text of a source file as coverage.py reads it: newlines normalized, form feeds
    made spaces, decoded by its PEP 263 cookie or BOM, ending with a newline."""
    try:
        with open(filename, "rb") as f:
            data = f.read()
    except OSError as err:
        raise NoSource(f"No source for code: '{filename}'.") from err
    data = data.replace(b"\r\n", b"\n").replace(b"\r", b"\n").replace(b"\f", b" ")
    try:
        encoding = tokenize.detect_encoding(iter(data.splitlines(True)).__next__)[0]
    except SyntaxError as err:
        raise EncodingProblem(f"Couldn't parse '{filename}' as Python source: {err}", str(err)) from err
    text = data.decode(encoding, "replace")
    if text and text[-1] != "\n":
        text += "\n"
    return text


def multiline_map(filename: str) -> dict[int, int]:
    """Each line of a statement that spans several lines, mapped to the statement's first line;
    empty when the file can't be read or tokenized (as coverage.py's sys.monitoring core has it:
    a statement starts at its first token that is not a comment and ends at its NEWLINE)."""
    try:
        text = read_source(filename)
        tokens = list(tokenize.generate_tokens(io.StringIO(text).readline))
    except (NoSource, NotPython, tokenize.TokenError, IndentationError, SyntaxError):
        return {}
    result: dict[int, int] = {}
    first = 0
    for kind, text_, (start_line, _), (end_line, _), _ in tokens:
        if kind == tokenize.NEWLINE:
            if first and end_line != first:
                for line in range(first, end_line + 1):
                    result[line] = first
            first = 0
        if not first and text_.strip() and kind != tokenize.COMMENT:
            first = start_line
    return result
