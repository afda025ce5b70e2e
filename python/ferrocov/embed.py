"""pytest-cov's ``embed`` API: ``cleanup()``, ``cleanup_on_sigterm()``, ``cleanup_on_signal()``.

With ferrocov these are not needed to keep data (every hit is already in the process's data
file), but code written for pytest-cov calls them, so they work: they mark this process's data
as closed cleanly, then hand the signal to the handler that was there before.

- Re-entrant: a signal that arrives while cleanup runs is deferred and delivered after it.
- The previous handler runs afterwards: a Python callable is called; ``SIG_IGN`` is respected;
  the default action ends the process exactly as it would have (killed by that signal).
- Calling ``cleanup_on_signal`` again for the same signal does not stack handlers.
- With no measurement active, they only chain to the previous handler.
"""

from __future__ import annotations

import os
import signal
import threading
from types import FrameType
from typing import Any, Callable, Union

_Handler = Union[Callable[[int, Union[FrameType, None]], Any], int, signal.Handlers, None]

_previous_handlers: dict[int, _Handler] = {}
_lock = threading.RLock()
_cleaning = False
_pending: list[tuple[int, FrameType | None]] = []


def cleanup() -> None:
    """Mark this process's coverage data as closed cleanly. Safe to call any number of times."""
    global _cleaning
    with _lock:
        if _cleaning:
            return
        _cleaning = True
    try:
        from ferrocov import _core

        _core.mark_closed()
    except Exception:
        pass
    finally:
        _cleaning = False


def _signal_cleanup_handler(signum: int, frame: FrameType | None) -> None:
    if _cleaning:
        _pending.append((signum, frame))
        return
    cleanup()
    _chain(signum, frame)
    while _pending:
        pending_signum, pending_frame = _pending.pop(0)
        _chain(pending_signum, pending_frame)


def _chain(signum: int, frame: FrameType | None) -> None:
    previous = _previous_handlers.get(signum, signal.SIG_DFL)
    if previous == signal.SIG_IGN:
        return
    if callable(previous) and previous is not _signal_cleanup_handler:
        previous(signum, frame)
        return
    # The default action: end (or stop) the process exactly as the signal would have.
    signal.signal(signum, signal.SIG_DFL)
    os.kill(os.getpid(), signum)
    # If the default action does not end the process (SIGCHLD, SIGCONT...), listen again.
    signal.signal(signum, _signal_cleanup_handler)


def cleanup_on_signal(signum: int) -> None:
    """Mark data closed cleanly when ``signum`` arrives, then run the previous handler."""
    previous = signal.getsignal(signum)
    if previous is not _signal_cleanup_handler:
        _previous_handlers[signum] = previous
        signal.signal(signum, _signal_cleanup_handler)


def cleanup_on_sigterm() -> None:
    """``cleanup_on_signal(SIGTERM)``."""
    cleanup_on_signal(signal.SIGTERM)


__all__ = ["cleanup", "cleanup_on_signal", "cleanup_on_sigterm"]
