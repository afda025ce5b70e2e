"""Where ferrocov measures more than coverage.py's default core, on purpose (the README lists
each, with its reason): pinned here so that a total that moves on switching has a known cause.
Each test checks that coverage.py misses the lines (so the test shows a real difference) and
that ferrocov records them."""

from __future__ import annotations

from pathlib import Path

from conftest import coverage, ferrocov, read_lines


def both(tmp_path: Path, source: str) -> tuple[set[int], set[int]]:
    """Lines of prog.py recorded by ferrocov run and by coverage run (default core)."""
    results = []
    for tool, name in ((ferrocov, "ours"), (coverage, "theirs")):
        root = tmp_path / name
        root.mkdir()
        (root / "prog.py").write_text(source)
        result = tool("run", "prog.py", cwd=root)
        assert result.returncode == 0, result.stdout + result.stderr
        assert result.stdout == "done\n", result.stdout
        results.append(read_lines(root / ".coverage")[str(root / "prog.py")])
    return results[0], results[1]


AT_SHUTDOWN = '''
class Noisy:
    def __del__(self):
        finished = "at shutdown"
        len(finished)


keep = Noisy()
print("done")
'''


def test_code_run_at_interpreter_shutdown(tmp_path: Path) -> None:
    """Hits are on disk as they happen: a `__del__` run while the interpreter shuts down,
    after coverage.py has saved its data, is kept."""
    ours, theirs = both(tmp_path, AT_SHUTDOWN.lstrip())
    assert {3, 4} <= ours
    assert not {3, 4} & theirs
