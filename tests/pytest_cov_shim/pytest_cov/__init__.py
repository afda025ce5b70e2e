"""A stand-in for pytest-cov, so that pytest-cov's own test suite (scripts/pytest-cov-suite.sh)
drives ferrocov's plugin: importable, as the suite imports it, and never loaded by pytest (it
has no entry point; the suite runs with ``-p no:pytest_cov``)."""

__version__ = "7.0.0"


class DistCovError(Exception):
    """pytest-cov's error for dynamic contexts under xdist (ferrocov measures them)."""
