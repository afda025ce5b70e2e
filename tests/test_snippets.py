"""The snippet families of the core's analysis snapshots (crates/ferrocov-core/tests/snippets,
367 snippets) against coverage.py: on every version, ferrocov's analysis of each snippet
(statements, excluded lines, arcs, exit counts, what a missed branch says) equals coverage.py's;
on 3.11, where the snippet files' line tables were taken, the snapshots themselves hold
coverage.py's statements, excluded lines, arcs and exit counts."""

from __future__ import annotations

import sys
import warnings
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SNIPPETS = ROOT / "crates" / "ferrocov-core" / "tests" / "snippets"
SNAPSHOTS = ROOT / "crates" / "ferrocov-core" / "tests" / "snapshots"
FAMILIES = sorted(p.stem for p in SNIPPETS.glob("*.py") if p.stem != "make")


def snippets(family: str) -> list[tuple[str, list[int], str]]:
    """(name, code lines as CPython 3.11 gives them, source) of each snippet of a family."""
    out: list[tuple[str, list[int], str]] = []
    for line in (SNIPPETS / f"{family}.py").read_text().splitlines(keepends=True):
        if line.startswith("# === "):
            out.append((line[6:].strip(), [], ""))
        elif line.startswith("# code lines:"):
            name, _, source = out[-1]
            out[-1] = (name, [int(n) for n in line.split(":", 1)[1].split()], source)
        else:
            name, lines, source = out[-1]
            out[-1] = (name, lines, source + line)
    return out


EXCLUDE = "#\\s*(pragma|PRAGMA)[:\\s]?\\s*(no|NO)\\s*(cover|COVER)"


def coverage_py(source: str, exclude: str | None = EXCLUDE) -> tuple[set[tuple[int, int]], dict[int, int], object]:
    from coverage.parser import PythonParser

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        parser = PythonParser(text=source, exclude=exclude)
        parser.parse_source()
        return set(parser.arcs()), dict(parser.exit_counts()), parser


def test_there_are_three_hundred_snippets() -> None:
    assert len(FAMILIES) == 8
    assert sum(len(snippets(family)) for family in FAMILIES) >= 300


@pytest.mark.parametrize("family", FAMILIES)
def test_each_snippet_is_analysed_as_coverage_py_does(family: str, tmp_path: Path) -> None:
    from ferrocov import _core

    problems = []
    for name, _, source in snippets(family):
        if "match" in source and sys.version_info < (3, 10):
            continue
        try:
            compile(source, name, "exec")
        except SyntaxError:
            continue  # syntax of a newer Python than this one (PEP 695 on 3.11...)
        path = tmp_path / f"{name}.py"
        path.write_text(source)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ours = _core.analyze_file(str(path), EXCLUDE, branch=True)
        assert isinstance(ours.arcs, _core.ArcAnalysis), f"{name}: not analysed by the core"
        arcs, exits, parser = coverage_py(source)
        if (ours.statements, ours.excluded) != (parser.statements, parser.excluded):
            problems.append(f"{name}: statements/excluded {sorted(ours.statements)}/{sorted(ours.excluded)}, coverage.py {sorted(parser.statements)}/{sorted(parser.excluded)}")
            continue
        if ours.arcs.possible != arcs:
            problems.append(f"{name}: arcs only ours {sorted(ours.arcs.possible - arcs)}, only coverage.py {sorted(arcs - ours.arcs.possible)}")
            continue
        if ours.arcs.exit_counts(ours.excluded) != exits:
            problems.append(f"{name}: exit counts {ours.arcs.exit_counts(ours.excluded)} / {exits}")
            continue
        for a, b in sorted(arcs):
            if exits.get(a, 0) > 1:
                mine = set(ours.arcs.description(a, b).split(" or "))
                theirs = set(parser.missing_arc_description(a, b).split(" or "))  # type: ignore[attr-defined]
                if mine != theirs or ours.arcs.action(a, b) != parser.arc_description(a, b):  # type: ignore[attr-defined]
                    problems.append(f"{name}: {a}->{b}: {mine} / {theirs}")
    assert not problems, "\n".join(problems)


@pytest.mark.skipif(sys.version_info[:2] != (3, 11), reason="the snippet files hold CPython 3.11's line tables")
@pytest.mark.parametrize("family", FAMILIES)
def test_the_snapshots_hold_coverage_py_s_arcs(family: str) -> None:
    """The snapshot files (what `cargo test` compares the core with) say what coverage.py says,
    and the line tables in the snippet files are this interpreter's."""
    sys.path.insert(0, str(SNIPPETS))
    try:
        import make
    finally:
        sys.path.remove(str(SNIPPETS))
    text = (SNAPSHOTS / f"arc_snapshots__{family}.snap").read_text()
    blocks = {block.split("\n", 1)[0]: block for block in text.split("\n== ")[1:]}
    for name, code_lines, source in snippets(family):
        assert code_lines == make.code_lines(source), name
        arcs, exits, _ = coverage_py(source, exclude=None)  # the snapshots exclude nothing
        lines = blocks[name].splitlines()
        assert lines[1] == "arcs: " + " ".join(f"{a}>{b}" for a, b in sorted(arcs)), name
        assert lines[2] == "exits: " + " ".join(f"{a}:{n}" for a, n in sorted(exits.items())), name
        _, _, parser = coverage_py(source)  # statements with coverage.py's default pattern
        # (The snapshot files keep no trailing blanks.)
        assert lines[3].rstrip() == ("statements: " + " ".join(map(str, sorted(parser.statements)))).rstrip(), name
        assert lines[4].rstrip() == ("excluded: " + " ".join(map(str, sorted(parser.excluded)))).rstrip(), name
