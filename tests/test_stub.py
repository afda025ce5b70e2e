"""The type stub of the Rust module (python/ferrocov/_core.pyi) says what the module really
has: mypy's stubtest compares every name and signature with the built module; and the Python
modules type-check strictly against it."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from conftest import HERE, run


def test_the_stub_matches_the_extension_module(tmp_path: Path) -> None:
    allowlist = HERE / "data" / "stubtest-allowlist.txt"
    result = run(
        [sys.executable, "-m", "mypy.stubtest", "ferrocov._core", "--allowlist", str(allowlist), "--ignore-unused-allowlist"],
        cwd=tmp_path,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.skipif(sys.version_info[:2] != (3, 11), reason="typing is checked once, on CPython 3.11")
def test_the_python_package_is_strictly_typed(tmp_path: Path) -> None:
    """mypy --strict over ferrocov's Python modules (against the stub of the Rust module)."""
    package = HERE.parent / "python" / "ferrocov"
    result = run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental", "--cache-dir", str(tmp_path / "cache"), str(package)],
        cwd=tmp_path,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout + result.stderr
