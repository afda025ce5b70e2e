"""Imported by ``ferrocov.pth`` only when ``FERROCOV_RUN`` is set (measure this process, a
child of a measured run), or when the command line mentions ``--cov`` (a ``pytest --cov`` run
may start measuring before pytest imports anything: see ``ferrocov._early``).

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
        else:
            from ferrocov import _early

            _early.maybe_start()
    except Exception as err:  # pragma: no cover - defensive
        if os.environ.get("FERROCOV_DEBUG"):
            raise
        print(f"ferrocov: measurement not started in this process: {err}", file=sys.stderr)


_boot()
