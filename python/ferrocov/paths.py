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


def _alias(pattern: str, result: str) -> tuple[re.Pattern[str], str]:
    if len(pattern) > 1:
        pattern = pattern.rstrip("\\/")
    if pattern.endswith("*"):
        raise ConfigError("Pattern must not end with wildcards.")
    if not pattern.startswith("*") and not (pattern.startswith(("/", "\\")) or re.match(r"^[a-zA-Z]:", pattern)):
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
