import subprocess
import sys

import pytest

from calc import add, divide


def test_add():
    assert add(2, 3) == 5


def test_divide():
    assert divide(6, 3) == 2


def test_cli_subprocess():
    out = subprocess.run([sys.executable, "-m", "calc.cli", "1", "2"], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "3"


@pytest.mark.no_cover
def test_not_measured():
    from calc.ops import unused

    assert unused(1) == 2
