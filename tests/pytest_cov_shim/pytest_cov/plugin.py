"""pytest-cov's plugin module, as ferrocov's plugin provides it."""

from ferrocov.plugin import *  # noqa: F401,F403
from ferrocov.plugin import CentralCovContextWarning, CovDisabledWarning, CovReportWarning, PytestCovWarning  # noqa: F401
from ferrocov.plugin import FerrocovPlugin as CovPlugin  # noqa: F401
