"""The run's settings, carried to every child process in one environment variable.

Only ``ENV_VAR`` is read by the ``ferrocov.pth`` start-up hook. Its value holds the run's data
directory and the effective file selection, already resolved to absolute paths so that a child
with another working directory or ``sys.path`` is measured the same.

The encoding is deliberately trivial (``name=value`` lines, list items separated by U+001E) so
that a child process pays for no ``json`` or ``dataclasses`` import when it starts.
"""

from __future__ import annotations

import os

#: The one environment variable ferrocov uses to measure child processes.
ENV_VAR = "FERROCOV_RUN"
_ITEM = "\x1e"
_FORMAT = "ferrocov-settings-1"


class Settings:
    __slots__ = (
        "data_directory", "source", "source_packages", "package_paths", "has_source", "include", "omit", "cwd", "branch", "unresolved_source", "context",
        "cover_pylib", "test_function", "trace_core",
    )

    def __init__(
        self,
        data_directory: str,
        source: list[str] | None = None,
        has_source: bool = False,
        include: list[str] | None = None,
        omit: list[str] | None = None,
        cwd: str = "",
        branch: bool = False,
        unresolved_source: list[str] | None = None,
        context: str = "",
        cover_pylib: bool = False,
        test_function: bool = False,
        source_packages: list[str] | None = None,
        package_paths: list[str] | None = None,
        trace_core: bool = False,
    ) -> None:
        self.data_directory = data_directory
        #: ``source`` entries that are directories, absolute: files under them are measured.
        self.source = source or []
        #: ``source`` entries that are not directories, and ``source_pkgs``: packages whose
        #: modules are measured, by module name (as coverage.py selects them).
        self.source_packages = source_packages or []
        #: Where those packages are (their files are reported even if never run).
        self.package_paths = package_paths or []
        self.has_source = has_source
        self.include = include or []
        self.omit = omit or []
        self.cwd = cwd
        self.branch = branch
        self.unresolved_source = unresolved_source or []
        #: The context a child starts in: ``[run] context`` (static), with the test that was
        #: running when it started under ``--cov-context=test``.
        self.context = context
        #: ``[run] cover_pylib``: measure the standard library too.
        self.cover_pylib = cover_pylib
        #: ``[run] dynamic_context = test_function``: each test function records in a context.
        self.test_function = test_function
        #: ``[run] core = ctrace`` (or ``pytrace``, or ``COVERAGE_CORE``): on 3.10/3.11 measure
        #: lines with the trace function, not probes (for code that reads its own bytecode).
        self.trace_core = trace_core

    def encode(self) -> str:
        lines = [_FORMAT]
        for name in self.__slots__:
            value = getattr(self, name)
            if isinstance(value, bool):
                text = "1" if value else "0"
            elif isinstance(value, list):
                text = _ITEM.join(value)
            else:
                text = value
            lines.append(f"{name}={text}")
        return "\n".join(lines)

    @classmethod
    def decode(cls, text: str) -> Settings:
        lines = text.split("\n")
        if not lines or lines[0] != _FORMAT:
            raise ValueError(f"{ENV_VAR} is not in a format this ferrocov understands")
        settings = cls("")
        for line in lines[1:]:
            name, _, value = line.partition("=")
            if name not in cls.__slots__:
                continue
            current = getattr(settings, name)
            if isinstance(current, bool):
                setattr(settings, name, value == "1")
            elif isinstance(current, list):
                setattr(settings, name, value.split(_ITEM) if value else [])
            else:
                setattr(settings, name, value)
        if not settings.data_directory:
            raise ValueError(f"{ENV_VAR} names no data directory")
        return settings

    def __repr__(self) -> str:
        fields = ", ".join(f"{name}={getattr(self, name)!r}" for name in self.__slots__)
        return f"Settings({fields})"


def from_environment() -> Settings | None:
    raw = os.environ.get(ENV_VAR)
    if not raw:
        return None
    return Settings.decode(raw)
