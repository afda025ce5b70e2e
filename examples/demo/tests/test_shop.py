import signal
import subprocess
import sys

import pytest

from shop import pricing

ITEMS = [("apple", 3, 0.5), ("pear", 12, 1.0), ("plum", 1, 2.25)]


@pytest.mark.parametrize("method", ["fork", "spawn"])
def test_order_total_in_a_pool(method):
    assert pricing.order_total(ITEMS, method=method) == 14.55


def test_receipt_in_a_subprocess():
    result = subprocess.run(
        [sys.executable, "-m", "shop.receipt", "123.4"], capture_output=True, text=True, check=True
    )
    assert "total: 123.40" in result.stdout


def test_killed_worker_still_counts():
    result = subprocess.run([sys.executable, "-m", "shop.watchdog"], capture_output=True, text=True)
    assert result.returncode == -signal.SIGKILL
    assert result.stdout.strip() == "4950"
