"""``ferrocov run`` waits for the program it runs in a forked child, as an init shim (tini,
dumb-init) waits for its child: every signal a process can catch that is sent to ``ferrocov
run`` goes on to the program, and ``ferrocov run`` ends as the program ended.

On Linux the signals are blocked before the fork (the child unblocks them at once) and taken
with ``sigwaitinfo``, which says who sent each: one sent by a process (``kill``, a CI runner's
timeout, a supervisor) is passed on; one the kernel sent because of the terminal (Ctrl-C,
Ctrl-\\\\, a resize, a hangup) reached the program already, as it is in the same foreground
process group, and is not sent twice. The synchronous signals of a fault (SIGSEGV, SIGBUS,
SIGILL, SIGFPE, SIGTRAP, SIGSYS) are this process's own business and keep their actions.
Signals stay blocked until the run's data is combined and saved, so a second SIGTERM can't cut
the save short; what arrives meanwhile is discarded (the program has ended).

Elsewhere (no ``sigwaitinfo``) a handler passes each signal on, and SIGINT is ignored here: the
terminal's Ctrl-C reaches the program itself.
"""

from __future__ import annotations

import os
import signal

_SYNCHRONOUS = {"SIGSEGV", "SIGBUS", "SIGILL", "SIGFPE", "SIGTRAP", "SIGSYS", "SIGEMT"}


def _forwardable() -> set[int]:
    uncatchable = {signal.SIGKILL, signal.SIGSTOP, signal.SIGCHLD}
    synchronous = {getattr(signal, name) for name in _SYNCHRONOUS if hasattr(signal, name)}
    return {int(s) for s in signal.valid_signals()} - uncatchable - synchronous


class Supervisor:
    """Block before the fork (:meth:`before_fork`), unblock in the child (:meth:`in_child`),
    wait forwarding signals (:meth:`wait`), and put everything back at the end (:meth:`done`)."""

    def __init__(self) -> None:
        self.signals = _forwardable()
        self.waits = hasattr(signal, "sigwaitinfo") and hasattr(signal, "pthread_sigmask")
        self._previous_mask: set[int] | None = None
        self._previous_handlers: dict[int, object] = {}

    def before_fork(self) -> None:
        if self.waits:
            self._previous_mask = signal.pthread_sigmask(signal.SIG_BLOCK, self.signals | {signal.SIGCHLD})

    def in_child(self) -> None:
        """First thing in the forked child: the program starts with the signal mask and
        actions this process had."""
        if self._previous_mask is not None:
            signal.pthread_sigmask(signal.SIG_SETMASK, self._previous_mask)

    def wait(self, pid: int) -> int:
        """Wait for the program to end, passing signals on; its wait status."""
        if self.waits:
            return self._wait_taking_signals(pid)
        return self._wait_with_handlers(pid)

    def _wait_taking_signals(self, pid: int) -> int:
        waited = self.signals | {signal.SIGCHLD}
        while True:
            done, status = os.waitpid(pid, os.WNOHANG)
            if done == pid:
                return status
            info = signal.sigwaitinfo(waited)
            if info.si_signo == signal.SIGCHLD:
                continue
            # si_code > 0: sent by the kernel (the terminal, for this whole process group);
            # <= 0: sent by a process (kill, sigqueue, tgkill), for this process alone.
            if info.si_code <= 0:
                _send(pid, info.si_signo)

    def _wait_with_handlers(self, pid: int) -> int:
        def forward(signum: int, frame: object) -> None:
            _send(pid, signum)

        for signum in self.signals:
            try:
                action = signal.SIG_IGN if signum == signal.SIGINT else forward
                self._previous_handlers[signum] = signal.signal(signum, action)
            except (OSError, ValueError):
                pass
        while True:
            try:
                _, status = os.waitpid(pid, 0)
                return status
            except InterruptedError:
                continue

    def done(self, ending_signal: int = 0) -> None:
        """The run is saved: put the signal actions and mask back. Signals that arrived since
        the program ended are discarded, but `ending_signal` (the one that ended the
        program, raised again next) is left to act."""
        for signum, handler in self._previous_handlers.items():
            try:
                signal.signal(signum, handler)  # type: ignore[arg-type]
            except (OSError, ValueError):
                pass
        self._previous_handlers = {}
        if self._previous_mask is None:
            return
        waited = self.signals | {signal.SIGCHLD}
        while signal.sigpending() & waited:
            try:
                signal.sigtimedwait(waited, 0)
            except OSError:
                break
        mask = set(self._previous_mask)
        if ending_signal:
            mask.discard(ending_signal)
        signal.pthread_sigmask(signal.SIG_SETMASK, mask)
        self._previous_mask = None


def _send(pid: int, signum: int) -> None:
    try:
        os.kill(pid, signum)
    except (ProcessLookupError, PermissionError):
        pass
