"""pytest-xdist workers that do not share the controller's environment or file system (remote
workers: ``--tx ssh=...``, ``--tx socket=...``, or any worker started without ferrocov's
environment variable).

A local worker inherits ``FERROCOV_RUN`` and writes into the run's data directory like any
child process. A remote worker cannot: it receives the run's settings in ``workerinput``,
measures into a directory of its own (its children too), and at the end sends its combined data
back in ``workeroutput``; the controller maps the worker's paths onto its own and merges it.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from typing import Any

from ferrocov import _core, _measure
from ferrocov._settings import ENV_VAR, Settings

SETTINGS_KEY = "ferrocov_settings"
ROOT_KEY = "ferrocov_rootdir"
DATA_KEY = "ferrocov_data"


def is_worker() -> bool:
    """Is this process an xdist worker? (Known before ``workerinput`` is.) xdist sets
    ``PYTEST_XDIST_WORKER`` in its workers, and processes they start inherit it; a worker is
    started by execnet, never as ``pytest ...``, which tells a pytest run started from inside a
    worker's test apart."""
    import sys

    from ferrocov._early import pytest_arguments

    if not os.environ.get("PYTEST_XDIST_WORKER"):
        return False
    return pytest_arguments(list(getattr(sys, "orig_argv", []))) is None


def configure_node(node: Any, settings: Settings, rootdir: str) -> None:
    """Controller side: hand the run's settings to a worker being started."""
    node.workerinput[SETTINGS_KEY] = settings.encode()
    node.workerinput[ROOT_KEY] = rootdir


def runs_elsewhere(workerinput: dict[str, Any], rootdir: str) -> bool:
    """Does this worker run in another directory than the controller's (its rsynced copies)?"""
    controller_root: str = workerinput.get(ROOT_KEY, "")
    if not controller_root:
        return False
    return os.path.realpath(controller_root) != os.path.realpath(rootdir)


def _moved(path: str, old_root: str, new_root: str) -> str:
    if old_root and (path == old_root or path.startswith(old_root.rstrip(os.sep) + os.sep)):
        return new_root + path[len(old_root) :]
    return path


class RemoteWorker:
    """Worker side: measure this worker on its own and ship the data back."""

    def __init__(self, workerinput: dict[str, Any], rootdir: str) -> None:
        settings = Settings.decode(workerinput[SETTINGS_KEY])
        controller_root: str = workerinput.get(ROOT_KEY, "")
        self.directory = tempfile.mkdtemp(prefix="ferrocov-worker-")
        settings.data_directory = os.path.join(self.directory, "data")
        # The worker's copies, and the controller's files too: a local worker in another
        # directory (``popen//chdir``) gets the controller's ``sys.path`` from xdist, and runs
        # some of the controller's files along with the copies rsynced into its directory.
        moved = [_moved(p, controller_root, rootdir) for p in settings.source]
        settings.source = list(dict.fromkeys([*moved, *settings.source]))
        settings.package_paths = [_moved(p, controller_root, rootdir) if p else p for p in settings.package_paths]
        settings.cwd = _moved(settings.cwd, controller_root, rootdir)
        self.settings = settings
        self.rootdir = rootdir
        self._previous_env = os.environ.get(ENV_VAR)

    def start(self) -> None:
        os.environ[ENV_VAR] = self.settings.encode()
        _measure.start(self.settings)

    def finish(self, workeroutput: dict[str, Any]) -> None:
        _measure.stop(self.settings)
        if self._previous_env is None:
            os.environ.pop(ENV_VAR, None)
        else:
            os.environ[ENV_VAR] = self._previous_env
        try:
            combined = _core.combine([self.settings.data_directory])
            data, warnings = combined.data, combined.warnings
            path = os.path.join(self.directory, "worker.coverage")
            data.write(path, "[]", "")
            with open(path, "rb") as f:
                workeroutput[DATA_KEY] = f.read()
            workeroutput[ROOT_KEY] = self.rootdir
            if warnings:
                workeroutput["ferrocov_warnings"] = list(warnings)
        finally:
            shutil.rmtree(self.directory, ignore_errors=True)


def receive(workeroutput: dict[str, Any], rootdir: str) -> tuple[Any, list[str]]:
    """Controller side: the data a remote worker sent, with its paths mapped onto ours."""
    blob = workeroutput.get(DATA_KEY)
    if not blob:
        return None, []
    directory = tempfile.mkdtemp(prefix="ferrocov-from-worker-")
    try:
        path = os.path.join(directory, "worker.coverage")
        with open(path, "wb") as f:
            f.write(blob)
        data = _core.Data.read(path)
    finally:
        shutil.rmtree(directory, ignore_errors=True)
    worker_root = workeroutput.get(ROOT_KEY, "")
    if worker_root and worker_root != rootdir:
        data.remap(lambda p: _moved(p, worker_root, rootdir))
    return data, list(workeroutput.get("ferrocov_warnings", []))
