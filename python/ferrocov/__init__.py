"""ferrocov: durable, fast code coverage for Python, in every process, however it ends.

PYTEST_DONT_REWRITE: a ``pytest --cov`` run imports ferrocov at interpreter start-up (see
``ferrocov._early``), before pytest could rewrite the plugin's asserts; it has none to rewrite.
"""

from __future__ import annotations

__version__ = "0.1.0"
#: As coverage.py's ``version_info``: (major, minor, micro, release level, serial).
version_info = (0, 1, 0, "final", 0)


def __getattr__(name: str) -> object:
    # coverage.py's module-level names (``ferrocov.Coverage``, ``CoverageData``,
    # ``process_startup``, ``CoverageException``) without importing them at start-up.
    if name in ("Coverage", "CoverageData", "process_startup"):
        from ferrocov import api

        return getattr(api, name)
    if name == "CoverageException":
        from ferrocov.exceptions import FerrocovError

        return FerrocovError
    raise AttributeError(f"module 'ferrocov' has no attribute {name!r}")
