"""Write the snippet families the core's arc-analysis snapshot tests read (``*.py`` here), each
snippet with the lines CPython's line table gives for it (``# code lines:``), which the core takes
from the interpreter in real use. Run with CPython 3.11 (the version the snapshots are for):

    python3.11 crates/ferrocov-core/tests/snippets/make.py

then ``INSTA_UPDATE=always cargo test -p ferrocov-core --test arc_snapshots`` and review the
snapshots' diff; ``tests/test_snippets.py`` checks them against coverage.py.
"""

from __future__ import annotations

import itertools
import sys
import textwrap
from pathlib import Path

HERE = Path(__file__).parent

CONDITIONS = ["x", "not x", "x and y", "x or y", "True", "False", "0", "1", "not False", "__debug__", "x is None", "(x\n        and y)"]


def indent(block: str, spaces: int = 4) -> str:
    return textwrap.indent(block, " " * spaces)


def family_if() -> list[str]:
    out = []
    for cond in CONDITIONS:
        out.append(f"if {cond}:\n    a = 1\nb = 2\n")
        out.append(f"if {cond}:\n    a = 1\nelse:\n    a = 2\nb = 3\n")
    for cond in CONDITIONS[:6]:
        out.append(f"if {cond}:\n    a = 1\nelif y:\n    a = 2\nb = 3\n")
        out.append(f"if {cond}:\n    a = 1\nelif y:\n    a = 2\nelse:\n    a = 3\nb = 4\n")
        out.append(f"def f(x, y):\n    if {cond}:\n        return 1\n    return 2\n")
        out.append(f"def f(x, y):\n    if {cond}:\n        return 1\n    else:\n        return 2\n")
        out.append(f"if x:\n    if {cond}:\n        a = 1\n    b = 2\nc = 3\n")
    out += [
        "if x: a = 1\nb = 2\n",
        "if x: a = 1\nelse: a = 2\n",
        "if x:\n    pass\nelif y:\n    pass\nelif z:\n    pass\nelse:\n    pass\n",
        "if x:\n    a = 1\n    if y:\n        b = 2\n    else:\n        b = 3\nelse:\n    a = 4\n",
        "a = 1 if x else 2\nb = 3\n",
        "if (x and\n        y):\n    a = 1\n",
        "if x:\n    # only a comment\n    pass\n",
        "if x:\n    a = 1\nelif True:\n    a = 2\nelse:\n    a = 3\n",
        "if False:\n    a = 1\nelif x:\n    a = 2\n",
        "if x:\n    raise ValueError\nb = 1\n",
    ]
    return out


def family_loops() -> list[str]:
    out = []
    bodies = ["a = 1", "break", "continue", "if y:\n    break", "if y:\n    continue", "if y:\n    break\na = 2", "pass"]
    for body in bodies:
        out.append(f"for i in x:\n{indent(body)}\nb = 2\n")
        out.append(f"for i in x:\n{indent(body)}\nelse:\n    c = 3\nb = 2\n")
        out.append(f"while x:\n{indent(body)}\nb = 2\n")
        out.append(f"while x:\n{indent(body)}\nelse:\n    c = 3\nb = 2\n")
        out.append(f"while True:\n{indent(body)}\nb = 2\n")
        out.append(f"def f(x, y):\n    for i in x:\n{indent(body, 8)}\n    return 2\n")
    out += [
        "for i in x: a = i\n",
        "while x: x -= 1\n",
        "for i in (\n        x):\n    a = i\n",
        "for i in x:\n    for j in y:\n        if j:\n            break\n    else:\n        continue\n    break\n",
        "while 1:\n    if x:\n        break\n",
        "while 0:\n    a = 1\nb = 2\n",
        "while not x:\n    x = 1\n",
        "for i in x:\n    try:\n        a = 1\n    except E:\n        continue\n    finally:\n        b = 2\n",
        "for i in x:\n    with y:\n        if i:\n            break\n",
        "def f(x):\n    while True:\n        if x:\n            return 1\n        x += 1\n",
        "async def f(x):\n    async for i in x:\n        if i:\n            break\n    return 1\n",
        "a = [i for i in x if i]\nb = 2\n",
        "a = {i: j for i, j in x}\n",
        "a = (i for i in x)\n",
    ]
    return out


def family_try() -> list[str]:
    out = []
    tails = ["", "else:\n    c = 3\n", "finally:\n    d = 4\n", "else:\n    c = 3\nfinally:\n    d = 4\n"]
    bodies = ["a = 1", "raise E", "if x:\n    raise E", "return 1"]
    handlers = ["except E:\n    b = 2\n", "except E:\n    b = 2\nexcept (F, G) as g:\n    b = 3\n", "except:\n    raise\n", ""]
    for body, handler, tail in itertools.product(bodies, handlers, tails):
        if not handler and not tail.startswith("finally"):
            continue  # `else` needs an `except`; a `try` needs one or a `finally`
        code = f"try:\n{indent(body)}\n{handler}{tail}e = 5\n"
        if "return" in body:
            code = "def f(x):\n" + indent(code)
        out.append(code)
    out += [
        "def f():\n    try:\n        return 1\n    finally:\n        a = 2\n",
        "def f():\n    try:\n        a = 1\n    finally:\n        return 2\n",
        "for i in x:\n    try:\n        break\n    finally:\n        a = 1\n",
        "try:\n    a = 1\nexcept* E:\n    b = 2\n",
        "try:\n    try:\n        a = 1\n    except E:\n        raise F\nexcept F:\n    b = 2\n",
        "def f():\n    try:\n        a = 1\n    except E:\n        return 2\n    else:\n        return 3\n",
    ]
    return out


def family_with() -> list[str]:
    out = []
    for body in ["a = 1", "return 1", "if x:\n    return 1\na = 2", "raise E", "pass"]:
        for head in ["with x:", "with x as y:", "with x, y:", "with (\n        x as a,\n        y as b,\n):"]:
            code = f"{head}\n{indent(body)}\nc = 3\n"
            if "return" in body:
                code = "def f(x, y):\n" + indent(code)
            out.append(code)
    out += [
        "with x:\n    with y:\n        a = 1\nb = 2\n",
        "with x:\n    with y:\n        a = 1\n",
        "def f():\n    with x:\n        with y:\n            return 1\n",
        "for i in x:\n    with y:\n        continue\n",
        "while x:\n    with y:\n        break\n",
        "async def f():\n    async with x:\n        a = 1\n    b = 2\n",
        "with x:\n    pass\n",
        "if x:\n    with y:\n        a = 1\nelse:\n    b = 2\n",
    ]
    return out


def family_definitions() -> list[str]:
    out = [
        "def f():\n    pass\n",
        "def f(): return 1\n",
        "def f():\n    '''Doc.'''\n",
        "def f():\n    '''Doc.'''\n    return 1\n",
        "@d\ndef f():\n    return 1\n",
        "@d1\n@d2(\n    1,\n)\ndef f():\n    return 1\n",
        "@d\nclass C:\n    pass\n",
        "class C:\n    a = 1\n    def m(self):\n        return 1\n",
        "class C:\n    '''Doc.'''\n",
        "class C(B, metaclass=M):\n    x: int\n",
        "def f():\n    def g():\n        return 1\n    return g\n",
        "def f():\n    class C:\n        pass\n    return C\n",
        "f = lambda x: x\n",
        "def f(x=(lambda: 1)):\n    return x\n",
        "async def f():\n    await x\n",
        "def f():\n    yield 1\n    yield 2\n",
        "def f():\n    yield from x\n",
        "def f():\n    return\n",
        "def f():\n    raise E\n",
        "def f(a,\n      b):\n    return a\n",
        "class C:\n    def m(self):\n        pass\n    @property\n    def p(self):\n        return 1\n",
        "def f():\n    ...\n",
        "def f():\n    global g\n    g = 1\n",
        "def f():\n    x = 1\n    def g():\n        nonlocal x\n        x = 2\n",
        "class C:\n    class D:\n        def m(self):\n            if x:\n                return 1\n            return 2\n",
        "def f(x):\n    return (\n        x\n        + 1\n    )\n",
        "def f(x):\n    assert x\n    del x\n",
        "def f():\n    if x:\n        pass\n",
        "@d\nasync def f():\n    return 1\n",
        "def f[T](x: T) -> T:\n    return x\n" if sys.version_info >= (3, 12) else "def f(x: 'T') -> 'T':\n    return x\n",
    ]
    for cond in CONDITIONS[:8]:
        out.append(f"def f(x, y):\n    if {cond}:\n        return 1\n")
        out.append(f"class C:\n    if {cond}:\n        a = 1\n")
    return out


def family_match() -> list[str]:
    out = []
    patterns = ["1", "'a' | 'b'", "[a, b]", "{'k': v}", "C(x=1)", "_", "x", "(1 | 2) as y", "1 if y"]
    for first, second in itertools.product(patterns, ["_", "2", "z", "[*rest]"]):
        if first in ("_", "x"):
            out.append(f"match v:\n    case {first}:\n        a = 1\nb = {second!r}\n")
            continue  # an irrefutable case must be the last
        guard = ""
        if first == "1 if y":
            first, guard = "1", " if y"
        out.append(f"match v:\n    case {first}{guard}:\n        a = 1\n    case {second}:\n        a = 2\nb = 3\n")
    out += [
        "match v:\n    case 1:\n        a = 1\n",
        "def f(v):\n    match v:\n        case 1:\n            return 1\n        case _:\n            return 2\n",
        "for i in x:\n    match i:\n        case 1:\n            break\n        case 2:\n            continue\n",
        "match v:\n    case (\n        1\n    ):\n        a = 1\n",
        "match (\n    v\n):\n    case _:\n        pass\n",
    ]
    return out


def family_statements() -> list[str]:
    out = [
        "a = 1\n",
        "a = 1\nb = 2\n",
        "a = (1,\n     2)\n",
        "a = [\n    1,\n    2,\n]\n",
        "a = {\n    'k': 1,\n}\n",
        "a = {\n    **b,\n}\n",
        "a = b = 1\n",
        "a: int = 1\n",
        "a += 1\n",
        "import os\nfrom os import path\n",
        "'''Module doc.'''\na = 1\n",
        "a = 1; b = 2\n",
        "a = 1 \\\n    + 2\n",
        "pass\n",
        "...\n",
        "print(\n    1,\n)\n",
        "x = f'''\n{a}\n'''\n",
        "assert x, 'message'\n",
        "del a\n",
        "raise SystemExit\n",
        "global g\ng = 1\n",
        "a = [\n    i\n    for i in x\n]\n",
        "a = [x,\n     y][0]\n",
        "x = (\n    a\n    if b\n    else c\n)\n",
        "if x:\n    a = 1\na = [\n    1]\n",
        "a = 1\n# comment\nb = 2\n",
        "a = 1\n\n\nb = 2\n",
        "x = 1  # pragma: no cover\n",
        "type X = int\n" if sys.version_info >= (3, 12) else "X = int\n",
        "a = b'' or 1\n",
    ]
    for value in ["1", "[]", "[1]", "{}", "{'a': 1}", "(1, 2)", "f(1)", "x.y", "x[0]", "-1"]:
        out.append(f"a = {value}\nif a:\n    b = 1\n")
    return out


def family_exclusions() -> list[str]:
    """coverage.py's statement rules where the exclusion pattern (its default) matches: a
    definition, a compound statement's header or a clause excludes its block; a multi-line
    statement goes whole; an irrefutable case whose body is excluded goes with it; docstrings."""
    return [
        "def f():  # pragma: no cover\n    a = 1\n    return a\nb = 2\n",
        "@dec  # pragma: no cover\ndef f():\n    pass\nb = 2\n",
        "@dec\ndef f():  # pragma: no cover\n    pass\nb = 2\n",
        "@dec(\n    1)  # pragma: no cover\ndef f():\n    pass\n",
        "class C:  # pragma: no cover\n    x = 1\n    def m(self):\n        pass\nb = 2\n",
        "class C:\n    def m(self):  # pragma: no cover\n        pass\n    x = 1\n",
        "if x:  # pragma: no cover\n    a = 1\nelse:\n    a = 2\n",
        "if x:\n    a = 1\nelse:  # pragma: no cover\n    a = 2\nb = 3\n",
        "if x:\n    a = 1\nelif y:  # pragma: no cover\n    a = 2\nb = 3\n",
        "a = (1,  # pragma: no cover\n     2)\nb = 3\n",
        "a = (1,\n     2)  # pragma: no cover\nb = 3\n",
        "try:\n    a = 1\nexcept E:  # pragma: no cover\n    a = 2\nb = 3\n",
        "try:\n    a = 1\nfinally:  # pragma: no cover\n    a = 2\n",
        "for i in x:  # pragma: no cover\n    a = i\nb = 1\n",
        "while x:\n    a = 1  # pragma: no cover\nb = 1\n",
        "with x:  # pragma: no cover\n    a = 1\nb = 2\n",
        "async def f():  # pragma: no cover\n    await x\n",
        "def f(): return 1  # pragma: no cover\nb = 2\n",
        "def f(\n    a,  # pragma: no cover\n):\n    return a\n",
        "x = 1  # PRAGMA: NO COVER\n",
        "x = 1  #pragma:no cover\n",
        "def f():\n    pass\n    # pragma: no cover\n",
        "if TYPE_CHECKING:  # pragma: no cover\n    import os\nx = 1\n",
        "assert x  # pragma: no cover\ny = 1\n",
        "'''Doc.'''  # pragma: no cover\nx = 1\n",
        "def f():\n    '''Doc.'''\n    return 1\n",
        "def f():\n    '''Doc\n    more.'''\n    return 1\n",
        "class C:\n    '''Doc.'''\n    x = 1\n",
        "def f():\n    ('''Doc.'''\n     '''More.''')\n    return 1\n",
        "def f():\n    '''Doc.'''\n",
        "match x:\n    case 1:\n        a = 1\n    case _:\n        a = 2  # pragma: no cover\nb = 3\n",
        "match x:\n    case [a,\n          b]:\n        c = 1\n    case other:\n        pass  # pragma: no cover\n",
        "match x:\n    case 1:  # pragma: no cover\n        a = 1\n    case _:\n        a = 2\n",
        "def f(x):\n    match x:\n        case _ if x:\n            return 1  # pragma: no cover\n    return 2\n",
    ]


FAMILIES = {
    "if": family_if,
    "loops": family_loops,
    "try": family_try,
    "with": family_with,
    "definitions": family_definitions,
    "match": family_match,
    "statements": family_statements,
    "exclusions": family_exclusions,
}


def code_lines(source: str) -> list[int]:
    code = compile(source, "<snippet>", "exec", dont_inherit=True)
    lines: set[int] = set()
    todo = [code]
    while todo:
        c = todo.pop()
        lines.update(line for _, _, line in c.co_lines() if line is not None and line > 0)
        todo.extend(k for k in c.co_consts if hasattr(k, "co_lines"))
    return sorted(lines)


def main() -> None:
    if sys.version_info[:2] != (3, 11):
        raise SystemExit("run with CPython 3.11: the snapshots hold its line tables")
    total = 0
    for name, make in FAMILIES.items():
        parts = []
        for index, source in enumerate(make()):
            lines = " ".join(map(str, code_lines(source)))
            parts.append(f"# === {name}-{index:03}\n# code lines: {lines}\n{source}")
        (HERE / f"{name}.py").write_text("".join(parts))
        total += len(parts)
        print(f"{name}: {len(parts)} snippets")
    print(f"{total} snippets")


if __name__ == "__main__":
    main()
