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

        from ferrocov import _early

        settings = from_environment()
        # A `pytest --cov` run is a run of its own, even inside a measured run (which it then
        # does not measure: its lines go to its own report, as they would alone). xdist's
        # workers are not started as `pytest`: they measure into the run that started them.
        if not _early.maybe_start() and settings is not None:
            _measure.start(settings)
    except Exception as err:  # pragma: no cover - defensive
        if os.environ.get("FERROCOV_DEBUG"):
            raise
        from ferrocov.exceptions import to_stderr

        to_stderr(f"ferrocov: measurement not started in this process: {err}")


_boot()
