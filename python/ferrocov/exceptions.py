"""Every error and warning ferrocov raises, in one place, with one base class.

The Rust core's errors are mapped onto these classes in one place too (``to_py`` in the
bindings), so ``except ferrocov.exceptions.FerrocovError`` catches all of them. The names follow
coverage.py's (``ConfigError``, ``DataError``, ``NoDataError``, ``CoverageWarning``) so that code
and warning filters written for coverage.py read the same.
"""

from __future__ import annotations

# Imported by ferrocov._core, so by every measured process at start: nothing heavy here
# (typing alone costs a child process about 10 ms; mypy reads TYPE_CHECKING by its name).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Iterable


class FerrocovError(Exception):
    """The base of every ferrocov error."""


class ConfigError(FerrocovError):
    """A configuration problem; the message names the file or the option."""


class DataError(FerrocovError):
    """A data file that can't be read or written; the message names it."""


class NoDataError(FerrocovError):
    """Nothing to report or combine."""


class ReportError(FerrocovError):
    """A report can't be made; the message says why (coverage.py's wording)."""


class NoSource(FerrocovError):
    """A source file that can't be read (gone, unreadable); the message names it."""


class NotPython(FerrocovError):
    """A source file that doesn't parse as Python; the message names it and says where."""


class EncodingProblem(NotPython):
    """A source file whose encoding can't be worked out (coverage.py warns of it with the
    decoder's words, not as a file that doesn't parse): ``(message, the decoder's words)``."""

    def __str__(self) -> str:
        return str(self.args[0])

    @property
    def detail(self) -> str:
        return str(self.args[1]) if len(self.args) > 1 else ""


def to_stderr(text: str) -> None:
    """Write one line to ``sys.stderr`` and never fail: nothing when there is no stderr
    (``sys.stderr`` is None when descriptor 2 was closed: never stdout in its place), nothing
    when writing fails (a full disk behind ``2>file``, ``2>/dev/full``, a closed pipe)."""
    import sys

    stream = sys.stderr
    if stream is None:
        return
    try:
        stream.write(text + "\n")
        stream.flush()
    except BaseException:  # never let a warning end the program
        pass


class CoverageWarning(Warning):
    """A warning about measurement or reporting (coverage.py's category name)."""


def warn(message: str, slug: str | None = None, disabled: Iterable[str] = (), stacklevel: int = 2) -> None:
    """Warn through Python's warnings machinery (so ``-W`` and ``filterwarnings`` apply), with
    coverage.py's ``(slug)`` suffix; nothing when the slug is in ``[run] disable_warnings``."""
    if slug is not None:
        if slug in disabled:
            return
        message = f"{message} ({slug})"
    import warnings

    warnings.warn(message, CoverageWarning, stacklevel=stacklevel + 1)
