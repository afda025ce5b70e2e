"""The run's settings, carried to every child process in one environment variable.

Only ``ENV_VAR`` is read by the ``ferrocov.pth`` start-up hook. Its value is JSON holding the
run's data directory and the effective file selection, already resolved to absolute paths so
that a child with another working directory or ``sys.path`` is measured the same.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field

#: The one environment variable ferrocov uses to measure child processes.
ENV_VAR = "FERROCOV_RUN"


@dataclass
class Settings:
    data_directory: str
    source: list[str] = field(default_factory=list)
    has_source: bool = False
    include: list[str] = field(default_factory=list)
    omit: list[str] = field(default_factory=list)
    cwd: str = ""
    branch: bool = False
    unresolved_source: list[str] = field(default_factory=list)

    def to_json(self) -> str:
        return json.dumps(asdict(self), separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str) -> Settings:
        raw = json.loads(text)
        known = {k: v for k, v in raw.items() if k in cls.__dataclass_fields__}
        return cls(**known)


def from_environment() -> Settings | None:
    raw = os.environ.get(ENV_VAR)
    if not raw:
        return None
    return Settings.from_json(raw)
