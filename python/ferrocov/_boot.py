"""Imported by ``ferrocov.pth`` only when ``FERROCOV_RUN`` is set: measure this process.

It must never break the process it runs in: any failure is one line on stderr.
"""

from __future__ import annotations


def _boot() -> None:
    import os
    import sys

    try:
        from ferrocov._settings import from_environment
        from ferrocov import _measure

        settings = from_environment()
        if settings is not None:
            _measure.start(settings)
    except Exception as err:  # pragma: no cover - defensive
        if os.environ.get("FERROCOV_DEBUG"):
            raise
        print(f"ferrocov: measurement not started in this process: {err}", file=sys.stderr)


_boot()
