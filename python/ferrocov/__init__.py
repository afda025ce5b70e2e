"""ferrocov: durable, fast code coverage for Python, in every process, however it ends."""

from __future__ import annotations

__version__ = "0.1.0"
