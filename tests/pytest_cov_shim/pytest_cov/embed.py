"""pytest-cov's embed API, as ferrocov provides it."""

from ferrocov.embed import *  # noqa: F401,F403
