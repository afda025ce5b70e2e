"""Compare ferrocov's statement and arc analysis with coverage.py's over source files.

    python tests/stdlib_compare.py [--chunk I/N] [paths...]   (default: the whole standard library)

Prints one line per differing file and a summary line: ``compared N files, D differ``.
"""

from __future__ import annotations

import os
import sys
import sysconfig
import warnings


def stdlib_files() -> list[str]:
    root = sysconfig.get_paths()["stdlib"]
    found = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d not in ("site-packages", "__pycache__"))
        for filename in sorted(filenames):
            if filename.endswith(".py"):
                found.append(os.path.join(dirpath, filename))
    return found


def compare(path: str) -> str | None:
    """None when both agree (including both refusing the file), else a description."""
    from coverage.exceptions import NoSource, NotPython
    from coverage.parser import PythonParser

    from ferrocov import _facts
    from ferrocov.config import Config

    regex = Config().exclude_regex()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            parser = PythonParser(filename=path, exclude=regex)
            parser.parse_source()
            theirs: tuple[object, ...] | str = (
                parser.statements, parser.excluded, parser.arcs(), dict(parser.exit_counts())
            )
        except (NotPython, NoSource, UnicodeError, SyntaxError):
            theirs = "error"
        try:
            analysis = _facts.analyze_file(path, regex, branch=True)
            assert analysis.arcs is not None
            ours: tuple[object, ...] | str = (
                analysis.statements,
                analysis.excluded,
                analysis.arcs.possible,
                analysis.arcs.exit_counts(analysis.excluded),
            )
        except (_facts.NotPython, _facts.NoSource, UnicodeError):
            ours = "error"
    if ours == theirs:
        return None
    if isinstance(ours, str) or isinstance(theirs, str):
        return f"{path}: ferrocov {'refused' if ours == 'error' else 'parsed'}, coverage.py {'refused' if theirs == 'error' else 'parsed'}"
    parts = []
    labels = ("statements", "excluded", "arcs", "exit counts")
    for label, a, b in zip(labels, ours, theirs):
        if isinstance(a, dict) and isinstance(b, dict):
            a, b = set(a.items()), set(b.items())
        assert isinstance(a, set) and isinstance(b, set)
        if a != b:
            parts.append(f"{label}: only ferrocov {sorted(a - b)[:10]}, only coverage.py {sorted(b - a)[:10]}")
    return f"{path}: " + "; ".join(parts)


def main(argv: list[str]) -> int:
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
