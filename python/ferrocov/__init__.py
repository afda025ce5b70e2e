"""ferrocov: durable, fast code coverage for Python, in every process, however it ends.

PYTEST_DONT_REWRITE: a ``pytest --cov`` run imports ferrocov at interpreter start-up (see
``ferrocov._early``), before pytest could rewrite the plugin's asserts; it has none to rewrite.
"""

from __future__ import annotations

__version__ = "0.1.0"
