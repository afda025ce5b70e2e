"""The package a user installs: an sdist and a wheel, each built and installed into a fresh
virtualenv the way pip does it, must measure a child process (the start-up hook is in both),
and carry its license and metadata. Slow (a full build from the sdist): run on one Python."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tarfile
import time
import zipfile
from pathlib import Path

import pytest

from conftest import HERE, run

ROOT = HERE.parent
pytestmark = pytest.mark.skipif(
    sys.version_info[:2] != (3, 11) and not os.environ.get("FERROCOV_PACKAGING_TEST"),
    reason="builds from source: run once, on CPython 3.11 (FERROCOV_PACKAGING_TEST=1 elsewhere)",
)

MAIN = "import subprocess, sys\nsubprocess.run([sys.executable, 'child.py'], check=True)\n"
CHILD = "def f(x):\n    return x + 1\n\n\nf(1)\n"


def maturin() -> str:
    found = shutil.which("maturin", path=os.path.dirname(sys.executable))
    if found is None:
        pytest.fail("maturin must be installed in the test environment")
    return found


#: The repository's usual target directory, which scripts/install.sh has just built into: pip's
#: build of the sdist compiles only ferrocov's own crates and PyO3 (the dependencies are reused).
TARGET = str(ROOT / "target")


def build(tmp_path: Path, *args: str) -> Path:
    """maturin run in the repository."""
    out = tmp_path / "dist"
    env = {**os.environ, "CARGO_TARGET_DIR": TARGET}
    result = subprocess.run([maturin(), *args, "-o", str(out)], cwd=ROOT, capture_output=True, text=True, env=env, timeout=1200)
    assert result.returncode == 0, result.stdout + result.stderr
    return out


def touched(sdist: Path) -> Path:
    """The same sdist with every member's time made now. An sdist's files carry the times the
    archive gives them, which can be older than a build of other sources of the same crates in
    the shared target directory: cargo would take that build as up to date."""
    now = int(time.time())
    copy = sdist.with_name("touched-" + sdist.name)
    with tarfile.open(sdist) as source, tarfile.open(copy, "w:gz") as target:
        for member in source.getmembers():
            member.mtime = now
            target.addfile(member, source.extractfile(member) if member.isfile() else None)
    return copy


def fresh_venv_measures_a_child(tmp_path: Path, artifact: Path) -> None:
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = venv / "bin" / "python"
    # Without link-time optimisation, as scripts/install.sh builds for the tests (speed, not
    # behaviour), so that the compiled dependencies in the target directory are reused.
    env = {**os.environ, "CARGO_TARGET_DIR": TARGET, "CARGO_PROFILE_RELEASE_LTO": "false", "CARGO_PROFILE_RELEASE_CODEGEN_UNITS": "16"}
    # pip builds the sdist in isolation, with maturin from the index.
    install = subprocess.run(
        [str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check", str(artifact)],
        capture_output=True, text=True, env=env, timeout=1800,
    )
    assert install.returncode == 0, install.stdout + install.stderr
    work = tmp_path / "work"
    work.mkdir()
    (work / "main.py").write_text(MAIN)
    (work / "child.py").write_text(CHILD)
    result = run([str(python), "-m", "ferrocov", "run", "main.py"], cwd=work)
    assert result.returncode == 0, result.stderr
    report = run([str(python), "-m", "ferrocov", "report"], cwd=work)
    rows = {line.split()[0]: line.split()[1:] for line in report.stdout.splitlines() if line.endswith("%")}
    assert rows.get("child.py") == ["3", "0", "100%"], report.stdout


def test_the_sdist_has_what_a_build_needs_and_measures_children(tmp_path: Path) -> None:
    out = build(tmp_path, "sdist")
    (sdist,) = out.glob("ferrocov-*.tar.gz")
    with tarfile.open(sdist) as archive:
        names = {name.split("/", 1)[1] for name in archive.getnames() if "/" in name}
        pkg_info = archive.extractfile(next(n for n in archive.getnames() if n.endswith("/PKG-INFO")))
        assert pkg_info is not None
        metadata = pkg_info.read().decode()
    assert {"ferrocov.pth", "LICENSE", "README.md", "pyproject.toml", "Cargo.lock"} <= names
    assert "License-Expression: MIT" in metadata or "License: MIT" in metadata
    assert "Programming Language :: Python :: 3.15" in metadata
    assert "Project-URL: Source" in metadata
    assert "../shared" not in metadata
    fresh_venv_measures_a_child(tmp_path, touched(sdist))


def the_installed_wheel(tmp_path: Path) -> Path:
    """The wheel scripts/install.sh built and installed into the environment running these
    tests (it keeps it in ferrocov-wheel/), else one built now the same way."""
    kept = sorted((Path(sys.prefix) / "ferrocov-wheel").glob("ferrocov-*.whl"))
    if len(kept) == 1:
        return kept[0]
    (wheel,) = build(tmp_path, "build", "--release", "-i", sys.executable).glob("ferrocov-*.whl")
    return wheel


def test_the_wheel_carries_the_start_up_hook_and_license(tmp_path: Path) -> None:
    wheel = the_installed_wheel(tmp_path)
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
    assert "ferrocov.pth" in names
    assert any(name.endswith("licenses/LICENSE") or name.endswith("/LICENSE") for name in names), names
    assert "ferrocov/py.typed" in names
    fresh_venv_measures_a_child(tmp_path, wheel)
