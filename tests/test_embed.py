"""ferrocov.embed: pytest-cov's cleanup API, with the semantics its documentation describes."""

from __future__ import annotations

import signal
import sys
from pathlib import Path

import pytest

from conftest import ferrocov, read_lines, run

PREAMBLE = '''
import os
import signal
import sys
import time

from ferrocov import embed
'''


def run_script(tmp_path: Path, body: str, measured: bool = True) -> tuple[int, str, dict[str, set[int]]]:
    script = tmp_path / "script.py"
    script.write_text(PREAMBLE.lstrip() + body.lstrip())
    if measured:
        result = ferrocov("run", "script.py", cwd=tmp_path, timeout=60)
        lines = read_lines(tmp_path / ".coverage")
    else:
        result = run([sys.executable, "script.py"], cwd=tmp_path, timeout=60)
        lines = {}
    return result.returncode, result.stdout + result.stderr, lines


def test_previous_python_handler_runs_once_even_after_repeated_calls(tmp_path: Path) -> None:
    status, output, lines = run_script(tmp_path, '''
calls = []

def handler(signum, frame):
    calls.append(signum)
    in_handler = True

signal.signal(signal.SIGUSR1, handler)
embed.cleanup_on_signal(signal.SIGUSR1)
embed.cleanup_on_signal(signal.SIGUSR1)
os.kill(os.getpid(), signal.SIGUSR1)
time.sleep(0.05)
print("calls", calls)
''')
    assert status == 0, output
    assert "calls [10]" in output
    # The chained handler's own lines are measured.
    assert 10 in lines[str((tmp_path / "script.py").resolve())]


def test_default_sigterm_ends_the_process_as_sigterm_would(tmp_path: Path) -> None:
    status, output, lines = run_script(tmp_path, '''
embed.cleanup_on_sigterm()
before = True
os.kill(os.getpid(), signal.SIGTERM)
time.sleep(5)
print("not reached")
''')
    assert status == -signal.SIGTERM, output
    assert "not reached" not in output
    assert 8 in lines[str((tmp_path / "script.py").resolve())]


def test_sig_ign_is_respected(tmp_path: Path) -> None:
    status, output, _ = run_script(tmp_path, '''
signal.signal(signal.SIGTERM, signal.SIG_IGN)
embed.cleanup_on_sigterm()
os.kill(os.getpid(), signal.SIGTERM)
time.sleep(0.05)
print("survived")
''')
    assert status == 0 and "survived" in output


def test_signal_during_cleanup_is_deferred(tmp_path: Path) -> None:
    status, output, _ = run_script(tmp_path, '''
order = []

def handler(signum, frame):
    order.append("handler")

signal.signal(signal.SIGUSR1, handler)
embed.cleanup_on_signal(signal.SIGUSR1)
original = embed.cleanup

def slow_cleanup():
    order.append("cleanup start")
    original()
    order.append("cleanup end")

embed._signal_cleanup_handler.__globals__["cleanup"] = slow_cleanup
embed._cleaning = True          # as if a cleanup were running when the signal arrives
embed._signal_cleanup_handler(signal.SIGUSR1, None)
order.append("deferred while cleaning")
embed._cleaning = False
embed._signal_cleanup_handler(signal.SIGUSR1, None)
print(order)
''')
    assert status == 0, output
    # The signal that arrived during cleanup is delivered after the next cleanup, not lost.
    assert "['deferred while cleaning', 'cleanup start', 'cleanup end', 'handler', 'handler']" in output


def test_harmless_without_measurement(tmp_path: Path) -> None:
    status, output, _ = run_script(tmp_path, '''
embed.cleanup()
embed.cleanup()
calls = []
signal.signal(signal.SIGUSR2, lambda s, f: calls.append(s))
embed.cleanup_on_signal(signal.SIGUSR2)
os.kill(os.getpid(), signal.SIGUSR2)
time.sleep(0.05)
print("ok", calls)
''', measured=False)
    assert status == 0 and "ok [12]" in output


def test_cleanup_marks_the_process_closed_cleanly(tmp_path: Path) -> None:
    status, output, _ = run_script(tmp_path, '''
def work():
    return 1

work()
embed.cleanup()
os._exit(0)
''')
    assert status == 0, output
    debug = ferrocov("debug", "data", cwd=tmp_path)
    assert "processes: 1 measured, 0 ended without a clean close" in debug.stdout


def test_sigbreak_is_accepted_where_it_exists() -> None:
    from ferrocov import embed

    if not hasattr(signal, "SIGBREAK"):
        pytest.skip("SIGBREAK exists only on Windows")
    embed.cleanup_on_signal(signal.SIGBREAK)  # pragma: no cover - Windows
