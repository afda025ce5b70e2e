"""64 measured processes started at once, a third of them SIGKILLed at random moments: every
data file is readable, combine reports no damage, and the lines that ran are all there."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from conftest import ferrocov


def missing_lines(work: Path, name: str) -> list[int]:
    import coverage

    cov = coverage.Coverage(data_file=str(work / ".coverage"))
    cov.load()
    _, _, _, missing, _ = cov.analysis2(str((work / name).resolve()))
    return missing

MAIN = '''
import random
import signal
import subprocess
import sys
import time

random.seed(int(sys.argv[1]))
workers = [
    subprocess.Popen([sys.executable, "worker.py", str(random.random() * 0.3)], stdout=subprocess.DEVNULL)
    for _ in range(64)
]
victims = random.sample(workers, 21)
time.sleep(random.random() * 0.2)
for victim in victims:
    victim.send_signal(signal.SIGKILL)
    time.sleep(random.random() * 0.01)
codes = [w.wait() for w in workers]
print(sum(1 for c in codes if c == 0), sum(1 for c in codes if c == -9))
'''

WORKER = '''
import sys
import time


def busy(n):
    total = 0
    for i in range(n):
        total += i * i
    return total


start = busy(1000)
time.sleep(float(sys.argv[1]))
finished = busy(10)
print(start + finished)
'''


def test_64_processes_some_killed(tmp_path: Path) -> None:
    for seed in range(2):
        work = tmp_path / f"run{seed}"
        work.mkdir()
        (work / "main.py").write_text(MAIN.lstrip())
        (work / "worker.py").write_text(WORKER.lstrip())
        result = ferrocov("run", "main.py", str(seed), cwd=work, timeout=300)
        assert result.returncode == 0, result.stderr
        finished, killed = map(int, result.stdout.split())
        assert finished + killed == 64
        assert finished > 0, "no worker finished: the test did not exercise completion"
        # No data file was damaged or unreadable: combine printed no warning at all.
        assert "damaged" not in result.stderr and "Couldn't" not in result.stderr, result.stderr
        # coverage.py itself analyses the combined data: nothing that ran is missing.
        for name in ("main.py", "worker.py"):
            missing = missing_lines(work, name)
            assert missing == [], f"{name}: {missing}"
        debug = ferrocov("debug", "data", cwd=work)
        processes_line = next(line for line in debug.stdout.splitlines() if line.startswith("processes:"))
        measured = int(processes_line.split()[1])
        # Every worker that finished, and the main program, recorded data of its own.
        assert measured >= finished + 1
        shutil.rmtree(work)
