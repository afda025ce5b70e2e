"""``[paths]`` remapping for combine: data measured in one place, reported in another."""

from __future__ import annotations

import os
import re
from typing import Callable


def _pattern_regex(pattern: str) -> re.Pattern[str]:
    pattern = pattern.rstrip("/\\")
    out = []
    for char in pattern:
        if char == "*":
            out.append(r"[^/\\]*")
        elif char == "?":
            out.append(r"[^/\\]")
        elif char in "/\\":
            out.append(r"[/\\]")
        else:
            out.append(re.escape(char))
    prefix = "" if pattern.startswith(("/", "*")) or re.match(r"^[a-zA-Z]:", pattern) else r"(?:.*[/\\])?"
    return re.compile(prefix + "".join(out) + r"[/\\]")


def remapper(paths: dict[str, list[str]]) -> Callable[[str], str]:
    """Each ``[paths]`` entry lists the canonical location first, then other spellings."""
    rules: list[tuple[re.Pattern[str], str]] = []
    for locations in paths.values():
        if not locations:
            continue
        canonical = locations[0].rstrip("/\\")
        canonical = os.path.abspath(canonical) if not os.path.isabs(canonical) else canonical
        for location in locations[1:]:
            rules.append((_pattern_regex(location), canonical + "/"))

    def rename(path: str) -> str:
        for regex, replacement in rules:
            match = regex.match(path)
            if match:
                return replacement + path[match.end():].replace("\\", "/")
        return path

    return rename
