"""The type stub of the Rust module (python/ferrocov/_core.pyi) says what the module really
has: mypy's stubtest compares every name and signature with the built module."""

from __future__ import annotations

import sys
from pathlib import Path

from conftest import HERE, run


def test_the_stub_matches_the_extension_module(tmp_path: Path) -> None:
    allowlist = HERE / "data" / "stubtest-allowlist.txt"
    result = run(
        [sys.executable, "-m", "mypy.stubtest", "ferrocov._core", "--allowlist", str(allowlist), "--ignore-unused-allowlist"],
        cwd=tmp_path,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout + result.stderr
