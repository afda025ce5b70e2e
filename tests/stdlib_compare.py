"""Compare ferrocov's statement and arc analysis with coverage.py's over source files.

    python tests/stdlib_compare.py [--chunk I/N] [paths...]   (default: the whole standard library)
    python tests/stdlib_compare.py --write-oracle             coverage.py's results, as digests

Prints one line per differing file and a summary line: ``compared N files, D differ``.

coverage.py's parser is most of the cost of these comparisons (about 100 s of CPU per Python
version for the standard library). Its results for the standard library and the test
environment's packages can be stored as digests, in tests/oracle/, one file per interpreter
version and coverage.py version, each entry keyed by the source file's own hash: where the
file is the same and ferrocov's result hashes to coverage.py's stored digest, they agree; any
other file (a package updated, another interpreter build, a digest that does not match) is
compared with coverage.py run then and there, which is also what words the difference. Every
run recomputes a sample of the stored digests with coverage.py (test_stdlib_analysis).
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import platform
import sys
import sysconfig
import warnings
from pathlib import Path

ORACLE_DIR = Path(__file__).parent / "oracle"
ROOTS = {"stdlib": sysconfig.get_paths()["stdlib"], "purelib": sysconfig.get_paths()["purelib"]}


def stdlib_files() -> list[str]:
    root = sysconfig.get_paths()["stdlib"]
    found = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d not in ("site-packages", "__pycache__"))
        for filename in sorted(filenames):
            if filename.endswith(".py"):
                found.append(os.path.join(dirpath, filename))
    return found


def oracle_file() -> Path:
    import coverage

    name = f"{platform.python_implementation().lower()}-{platform.python_version()}-coverage-{coverage.__version__}.tsv"
    return ORACLE_DIR / name


def key(path: str) -> str | None:
    """The file's name in the oracle: relative to the standard library or the packages."""
    for label, root in sorted(ROOTS.items(), key=lambda item: -len(item[1])):
        if path.startswith(root + os.sep):
            return f"{label}/{os.path.relpath(path, root)}"
    return None


@functools.cache
def oracle() -> dict[str, tuple[str, str, str]]:
    """key -> (source hash, analysis digest, regions digest), coverage.py's, as stored."""
    stored = oracle_file()
    if not stored.exists():
        return {}
    entries = {}
    for line in stored.read_text().splitlines():
        name, source, analysis, regions = line.split("\t")
        entries[name] = (source, analysis, regions)
    return entries


def source_hash(path: str) -> str:
    try:
        with open(path, "rb") as file:
            return hashlib.sha256(file.read()).hexdigest()[:24]
    except OSError:
        return "unreadable"


def digest(value: object) -> str:
    return hashlib.sha256(json.dumps(value).encode()).hexdigest()[:24]


def canonical(result: tuple[object, ...] | str) -> object:
    """Statements, excluded lines, arcs, exit counts as sorted lists, or "error"."""
    if isinstance(result, str):
        return result
    statements, excluded, arcs, exits = result
    return [sorted(statements), sorted(excluded), sorted(map(list, arcs)), sorted(map(list, exits.items()))]  # type: ignore[call-overload, attr-defined]


def stored_agrees(path: str, column: int, value: object) -> bool:
    """The stored digest of coverage.py's result (column 1: analysis, 2: regions) for this very
    file is the digest of `value`."""
    name = key(path)
    entry = oracle().get(name) if name else None
    return entry is not None and entry[0] == source_hash(path) and entry[column] == digest(value)


def theirs(path: str) -> tuple[object, ...] | str:
    """coverage.py's statements, excluded lines, arcs and exit counts, or "error"."""
    from coverage.exceptions import NoSource, NotPython
    from coverage.parser import PythonParser

    from ferrocov.config import Config

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            parser = PythonParser(filename=path, exclude=Config().exclude_regex())
            parser.parse_source()
            return (parser.statements, parser.excluded, parser.arcs(), dict(parser.exit_counts()))
        except (NotPython, NoSource, UnicodeError, SyntaxError):
            return "error"


def ours(path: str) -> tuple[object, ...] | str:
    from ferrocov import _core
    from ferrocov.config import Config
    from ferrocov.exceptions import NoSource, NotPython

    regex = Config().exclude_regex()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            analysis = _core.analyze_file(path, regex, branch=True)
            assert analysis.arcs is not None
            return (
                analysis.statements,
                analysis.excluded,
                analysis.arcs.possible,
                analysis.arcs.exit_counts(analysis.excluded),
            )
        except (NotPython, NoSource, UnicodeError):
            return "error"


def compare(path: str) -> str | None:
    """None when both agree (including both refusing the file), else a description."""
    mine = ours(path)
    facts = canonical(mine)
    if stored_agrees(path, 1, facts):
        return None
    expected = theirs(path)
    if facts == canonical(expected):
        return None
    if isinstance(mine, str) or isinstance(expected, str):
        return f"{path}: ferrocov {'refused' if mine == 'error' else 'parsed'}, coverage.py {'refused' if expected == 'error' else 'parsed'}"
    parts = []
    labels = ("statements", "excluded", "arcs", "exit counts")
    for label, a, b in zip(labels, mine, expected):
        if isinstance(a, dict) and isinstance(b, dict):
            a, b = set(a.items()), set(b.items())
        assert isinstance(a, set) and isinstance(b, set)
        if a != b:
            parts.append(f"{label}: only ferrocov {sorted(a - b)[:10]}, only coverage.py {sorted(b - a)[:10]}")
    return f"{path}: " + "; ".join(parts)


def their_regions(path: str) -> object:
    """coverage.py's function and class regions, or "error"."""
    from coverage.regions import code_regions

    from ferrocov._source import NoSource, NotPython, read_source

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            text = read_source(path)
            return [[r.kind, r.name, r.start, sorted(r.lines)] for r in code_regions(text)]
        except (NotPython, NoSource, SyntaxError, ValueError):
            return "error"


def our_regions(path: str) -> object:
    from ferrocov import _core
    from ferrocov.exceptions import NoSource, NotPython

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            analysis = _core.analyze_file(path, "")
        except (NotPython, NoSource, SyntaxError, ValueError):
            return "error"
    return [[kind, name, start, list(lines)] for kind, name, start, lines in analysis.regions]


def package_files() -> list[str]:
    """Every `.py` file of the packages installed next to the tests."""
    import glob

    return sorted(glob.glob(os.path.join(ROOTS["purelib"], "**", "*.py"), recursive=True))


def oracle_files() -> list[str]:
    """What the oracle holds: the standard library, and the packages next to the tests but
    ferrocov (which changes with every commit)."""
    return stdlib_files() + [p for p in package_files() if "/ferrocov/" not in p]


def write_oracle() -> Path:
    lines = []
    for path in oracle_files():
        name = key(path)
        if name is None or "\t" in name or "\n" in name:
            continue
        lines.append(f"{name}\t{source_hash(path)}\t{digest(canonical(theirs(path)))}\t{digest(their_regions(path))}\n")
    target = oracle_file()
    target.parent.mkdir(exist_ok=True)
    target.write_text("".join(lines))
    return target


def main(argv: list[str]) -> int:
    if argv == ["--write-oracle"]:
        target = write_oracle()
        print(f"wrote {target} ({len(target.read_text().splitlines())} files)")
        return 0
    chunk = None
    if argv[:1] == ["--chunk"]:
        index, count = map(int, argv[1].split("/"))
        chunk = (index, count)
        argv = argv[2:]
    files = argv or stdlib_files()
    if chunk:
        files = files[chunk[0]::chunk[1]]
    differ = 0
    for path in files:
        problem = compare(path)
        if problem:
            differ += 1
            print(problem)
    print(f"compared {len(files)} files, {differ} differ")
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
