"""``[paths]`` remapping for combine: data measured in one place, reported in another.

With coverage.py's meaning: in each ``[paths]`` entry the first location is where the files
are now, the others are patterns for where they were measured. A relative pattern is made
absolute against the current directory; a path is remapped by the first pattern that matches
its beginning *and* whose remapped file exists; otherwise it is left as it is.
"""

from __future__ import annotations

import os
import re
from typing import Callable

from ferrocov import _core
from ferrocov.exceptions import ConfigError


def _alias(pattern: str, result: str, relative: bool = False) -> tuple[re.Pattern[str], str]:
    if len(pattern) > 1:
        pattern = pattern.rstrip("\\/")
    if pattern.endswith("*"):
        raise ConfigError("Pattern must not end with wildcards.")
    if "*" in result or "?" in result:
        # coverage.py 7.18: such a rule could never apply (the mapped path can't exist).
        raise ConfigError(f"Result path must not contain wildcards: {result!r}")
    if not relative and not pattern.startswith("*") and not (pattern.startswith(("/", "\\")) or re.match(r"^[a-zA-Z]:", pattern)):
        pattern = os.path.abspath(pattern)
    if not pattern.endswith("/"):
        pattern += "/"
    regex = re.compile(_core.glob_regex(pattern), re.IGNORECASE)
    return regex, result.rstrip("\\/") + "/"


def remapper(paths: dict[str, list[str]], exists: Callable[[str], bool] = os.path.exists) -> Callable[[str], str]:
    rules = [_alias(pattern, locations[0]) for locations in paths.values() if locations for pattern in locations[1:]]

    def rename(path: str) -> str:
        for regex, result in rules:
            match = regex.match(path)
            if match:
                new = os.path.abspath(path.replace(match[0], result, 1).replace("\\", "/"))
                if exists(new):
                    return new
        return path

    return rename


class RelativeAliases:
    """``[paths]`` with ``[run] relative_files``, as coverage.py maps paths when it combines:
    patterns are not made absolute; a path no rule maps is made relative to the current
    directory if it is under it; and a relative path whose first directory is ``pkg`` makes
    a rule ``*/pkg -> pkg/`` for the paths mapped after it (so data recorded with absolute
    paths in another checkout merges with this one's). Stateful: map paths in the order
    coverage.py meets them (data file by data file)."""

    def __init__(self, paths: dict[str, list[str]], exists: Callable[[str], bool] = os.path.exists) -> None:
        self.rules: list[tuple[str, re.Pattern[str], str]] = [
            (pattern, *_alias(pattern, locations[0], relative=True)) for locations in paths.values() if locations for pattern in locations[1:]
        ]
        self.exists = exists
        self.prefix = os.path.normcase(os.getcwd()) + os.sep

    def map(self, path: str) -> str:
        for _, regex, result in self.rules:
            match = regex.match(path)
            if match:
                new = path.replace(match[0], result, 1).replace("\\", "/")
                if new.startswith("./") and not (result.startswith("./") and len(result) > 2):
                    new = new[2:]
                if self.exists(new):
                    return new
        if os.path.normcase(path).startswith(self.prefix):
            path = path[len(self.prefix) :]
        if not (path.startswith(("/", "\\")) or re.match(r"^[a-zA-Z]:", path)):
            parts = re.split(r"[/\\]", path)
            if len(parts) > 1:
                first = parts[0]
                pattern = f"*/{first}"
                if not any(existing == pattern for existing, _, _ in self.rules):
                    self.rules.append((pattern, re.compile(rf"^(.*[\\/])?{re.escape(first)}[\\/]"), f"{first}{os.sep}"))
                    return self.map(path)
        return path
