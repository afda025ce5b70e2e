"""ferrocov: durable, fast code coverage for Python, in every process, however it ends.

PYTEST_DONT_REWRITE: a ``pytest --cov`` run imports ferrocov at interpreter start-up (see
``ferrocov._early``), before pytest could rewrite the plugin's asserts; it has none to rewrite.
"""

from __future__ import annotations

__version__ = "0.1.0"


def __getattr__(name: str) -> object:
    # ``ferrocov.Coverage`` and ``ferrocov.CoverageData`` without importing them at start-up.
    if name in ("Coverage", "CoverageData"):
        from ferrocov import api

        return getattr(api, name)
    raise AttributeError(f"module 'ferrocov' has no attribute {name!r}")
