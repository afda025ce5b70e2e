"""Facts about a source file from CPython's own tokenizer, compiler and AST.

The rules that turn these facts into statements and exclusions are coverage.py's, and live in
Rust (``ferrocov_core::analysis``); this module only asks the interpreter.
"""

from __future__ import annotations

import ast
import io
from array import array
import os
import re
import sys
import token
import tokenize
import types

from ferrocov import _core
from ferrocov._arcs import ArcAnalysis, irrefutable


from ferrocov._source import NoSource, NotPython, read_source  # noqa: F401  (re-exported)


_KIND = {token.INDENT: 0, token.DEDENT: 1, token.NEWLINE: 2, tokenize.COMMENT: 3}
_OP_CHARS = set(":([{)]}")
_STATEMENT_CONTAINERS = (ast.stmt, ast.excepthandler, getattr(ast, "match_case", ast.stmt))


#: Tokenize in Python only (the differential test of the Rust tokenizer sets it).
_PYTHON_TOKENS = False
#: Find arcs from the interpreter's tree (``_arcs``) only (the differential test of the core's
#: arc analysis sets it).
_PYTHON_ARCS = False
#: Match exclusion patterns with ``re`` only (the differential test of the Rust matcher sets it).
_PYTHON_REGEX = False


def _tokens(text: str) -> list[tuple[int, str, bool, int, int]]:
    out = []
    for kind, ttext, (sline, _), (eline, _), _ in tokenize.generate_tokens(io.StringIO(text).readline):
        code = _KIND.get(kind)
        if code is None:
            code = 4 if kind == token.OP and ttext in _OP_CHARS else 5
        out.append((code, ttext if code == 4 else "", bool(ttext.strip()), sline, eline))
    return out


def _code_lines(code: types.CodeType) -> list[int]:
    """Every line any of the file's code objects has instructions on (``__annotate__`` functions
    left out, as coverage.py leaves them)."""
    lines: set[int | None] = set()
    stack = [code]
    code_type = types.CodeType
    while stack:
        current = stack.pop()
        stack.extend([c for c in current.co_consts if type(c) is code_type])
        if current.co_name == "__annotate__":
            continue
        lines.update({line for _, _, line in current.co_lines()})
    return sorted(line for line in lines if line)


def _cached_code(filename: str) -> types.CodeType | None:
    """The code object the interpreter compiled from this file when it was imported, read from
    its ``__pycache__`` file if that is valid for the file as it is now (the checks the import
    system makes: this interpreter's magic number, the source's mtime and size, or its hash);
    ``None`` otherwise. Unmarshalling it takes a tenth of compiling the source again."""
    import importlib.util
    import marshal

    try:
        cache = importlib.util.cache_from_source(filename)
        with open(cache, "rb") as f:
            header = f.read(16)
            if len(header) < 16 or header[:4] != importlib.util.MAGIC_NUMBER:
                return None
            flags = int.from_bytes(header[4:8], "little")
            if flags & ~0b11:
                return None
            if flags & 0b1:
                with open(filename, "rb") as source:
                    if header[8:16] != importlib.util.source_hash(source.read()):
                        return None
            else:
                stat = os.stat(filename)
                if int.from_bytes(header[8:12], "little") != int(stat.st_mtime) & 0xFFFFFFFF:
                    return None
                if int.from_bytes(header[12:16], "little") != stat.st_size & 0xFFFFFFFF:
                    return None
            code = marshal.loads(f.read())
    except (OSError, ValueError, EOFError, TypeError, NotImplementedError):
        return None
    return code if isinstance(code, types.CodeType) else None


#: Each exclusion pattern compiled for the Rust engine, or ``None`` where only ``re`` will do.
_LINE_REGEXES: dict[str, _core.LineRegex | None] = {}


def _lines_matching(text: str, regex: str) -> list[int]:
    """The lines coverage.py's ``lines_matching`` marks: every line from each match's start to
    its end. In Rust when the pattern and the text are ones it reads as ``re`` does."""
    if not regex:
        return []
    if regex not in _LINE_REGEXES:
        _LINE_REGEXES[regex] = _core.line_regex(regex)
    fast = _LINE_REGEXES[regex]
    if fast is not None and not _PYTHON_REGEX:
        lines = fast.lines(text)
        if lines is not None:
            return lines
    matches: set[int] = set()
    last_start = 0
    last_start_line = 0
    for match in re.finditer(regex, text, flags=re.MULTILINE):
        start, end = match.span()
        start_line = last_start_line + text.count("\n", last_start, start)
        end_line = last_start_line + text.count("\n", last_start, end)
        matches.update(range(start_line + 1, end_line + 2))
        last_start = start
        last_start_line = start_line
    return sorted(matches)


#: (kind, dotted name, def line, its lines, sorted): compact arrays, not sets, since a report
#: over a large tree holds many.
Region = tuple[str, str, int, "array[int]"]
_BODY_FIELDS = ("body", "orelse", "finalbody", "handlers", "cases")
#: coverage.py 7.16, the newest for CPython 3.10, looks for functions and classes only in `body`
#: fields (not in `else`, `elif`, `except`, `finally` or `case` blocks); 7.17 in all of them.
#: On 3.10 the regions are coverage.py 7.16's (the core's token reader follows the same rule
#: there: ``tokens::RegionRule``); this is for the files only the tree reads.
_REGIONS_IN_BODIES_ONLY = sys.version_info < (3, 11)


def code_regions(tree: ast.AST) -> list[Region]:
    """Functions and classes as (kind, dotted name, def line, lines), with coverage.py's rules:
    a function's lines are its body's lines minus those of the functions nested in it; a class's
    are its methods' lines minus those of every class nested in it at any depth (through methods
    too); a method's lines belong to its class as well."""
    regions: list[tuple[str, str, int, set[int]]] = []
    # (name, kind, lines) from the outermost enclosing definition inwards.
    Scope = tuple[str, str, set[int]]

    fields = ("body",) if _REGIONS_IN_BODIES_ONLY else _BODY_FIELDS

    def children(node: ast.AST, scopes: list[Scope]) -> None:
        for name in fields:
            for child in getattr(node, name, ()):
                visit(child, scopes)

    def visit(node: ast.AST, scopes: list[Scope]) -> None:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            lines = set(range(node.body[0].lineno, (node.body[-1].end_lineno or node.body[-1].lineno) + 1))
            if scopes and scopes[-1][1] == "class":
                scopes[-1][2].update(lines)
            for scope in reversed(scopes):
                if scope[1] == "function":
                    scope[2].difference_update(lines)
                    break
            inner = [*scopes, (node.name, "function", lines)]
            regions.append(("function", ".".join(s[0] for s in inner), node.lineno, lines))
            children(node, inner)
        elif isinstance(node, ast.ClassDef):
            methods: set[int] = set()
            inner = [*scopes, (node.name, "class", methods)]
            regions.append(("class", ".".join(s[0] for s in inner), node.lineno, methods))
            children(node, inner)
            # A class's lines leave every enclosing class, a function's only the nearest function.
            for scope in scopes:
                if scope[1] == "class":
                    scope[2].difference_update(methods)
        else:
            children(node, scopes)

    visit(tree, [])
    return [(kind, name, line, array("I", sorted(lines))) for kind, name, line, lines in regions]


#: A file's analysis (``facts``: statements, exclusions, multi-line statements, regions held in
#: Rust; with branches ``arcs`` and the partial-branch ``no_branch`` lines), made by
#: ``_core.analyze_file`` in one call, or by this module where only Python will do.
FileAnalysis = _core.FileAnalysis


def _not_python(err: SyntaxError, filename: str) -> NotPython:
    lineno = getattr(err, "lineno", None)
    if lineno is None and len(err.args) > 1:
        lineno = err.args[1][0]
    return NotPython(f"Couldn't parse '{filename}' as Python source: {err.args[0]!r} at line {lineno}")


def _compiled(source: str | ast.Module, filename: str) -> types.CodeType:
    try:
        return compile(source, filename, "exec", dont_inherit=True)
    except (IndentationError, SyntaxError) as err:
        raise _not_python(err, filename) from err


def _parsed(text: str, filename: str) -> ast.Module:
    try:
        return ast.parse(text)
    except (IndentationError, SyntaxError) as err:
        raise _not_python(err, filename) from err


def analyze_text(
    text: str,
    filename: str,
    exclude_regex: str,
    branch: bool = False,
    partial_regex: str = "",
    code: types.CodeType | None = None,
) -> FileAnalysis:
    """The file's statements, exclusions, regions (and possible arcs with ``branch``). ``code``
    is the file's compiled code when the caller has it (from ``__pycache__``), so that the text
    need not be compiled again."""
    regex_excluded = _lines_matching(text, exclude_regex)
    tree: ast.Module | None = None
    if _PYTHON_TOKENS or (branch and _PYTHON_ARCS):
        # The tree is needed; parsed once, and compiled from when there is no cached code.
        tree = _parsed(text, filename)
    code_lines = _code_lines(code or _compiled(tree if tree is not None else text, filename))
    n_lines = len(text.splitlines())
    facts: _core.Analysis | None = None
    if not _PYTHON_TOKENS:
        # The syntax facts from the tokens, in Rust; CPython's line table says which lines have code.
        facts = _core.analyze_structure(text, code_lines, regex_excluded, n_lines)
    if facts is None:
        if tree is None:
            tree = _parsed(text, filename)
        facts = _facts_from_tree(tree, text, filename, code_lines, regex_excluded, n_lines)
    if branch:
        # The arcs from the core's analysis over ruff's tree; from the interpreter's tree for
        # what that parser does not read (no file of the standard library).
        arcs: _core.ArcAnalysis | ArcAnalysis | None = None if _PYTHON_ARCS else _core.analyze_arcs(text, code_lines, facts)
        if arcs is None:
            if tree is None:
                tree = _parsed(text, filename)
            arcs = ArcAnalysis(tree, () if facts.empty else code_lines, facts.multiline)
        return FileAnalysis(facts, arcs, _lines_matching(text, partial_regex))
    return FileAnalysis(facts)


def _facts_from_tree(
    tree: ast.Module, text: str, filename: str, code_lines: list[int], regex_excluded: list[int], n_lines: int
) -> _core.Analysis:
    """The facts the token reader leaves to the syntax tree (or all of them, under
    ``_PYTHON_TOKENS``): docstrings, definitions and irrefutable cases from the tree, the
    tokens from the core's tokenizer or, where it declines, Python's."""
    docstrings: list[tuple[int, int]] = []
    definitions: list[tuple[int, int, int]] = []
    cases: list[tuple[int, int, int, int]] = []
    todo: list[ast.AST] = [tree]
    while todo:
        node = todo.pop()
        todo.extend(c for c in ast.iter_child_nodes(node) if isinstance(c, _STATEMENT_CONTAINERS))
        if isinstance(node, (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef, ast.Module)):
            body = node.body
            if body:
                first = body[0]
                if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) and isinstance(first.value.value, str):
                    docstrings.append((first.lineno, first.end_lineno or first.lineno))
        if isinstance(node, (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            first_line = min((d.lineno for d in node.decorator_list), default=node.lineno)
            definitions.append((first_line, node.lineno, node.end_lineno or node.lineno))
        if type(node).__name__ == "match_case" and irrefutable(node):
            body = node.body  # type: ignore[attr-defined]
            pattern = node.pattern  # type: ignore[attr-defined]
            cases.append((pattern.lineno, pattern.end_lineno, body[0].lineno, body[-1].end_lineno))
    regions = [(kind, name, line, list(lines)) for kind, name, line, lines in code_regions(tree)]
    # The tokens are read in Rust; a file that tokenizer leaves to CPython is read by tokenize.
    if not _PYTHON_TOKENS:
        facts = _core.analyze_source(text, code_lines, regex_excluded, docstrings, definitions, cases, regions, n_lines)
        if facts is not None:
            return facts
    try:
        tokens = _tokens(text)
    except tokenize.TokenError as err:
        raise NotPython(f"Couldn't parse '{filename}' as Python source: {err.args[0]!r} at line {err.args[1][0]}") from err
    return _core.analyze(tokens, code_lines, regex_excluded, docstrings, definitions, cases, regions, n_lines)


def analyze_file(filename: str, exclude_regex: str, branch: bool = False, partial_regex: str = "") -> FileAnalysis:
    """The file's analysis: in one call to the core (which raises ``NoSource`` or ``NotPython``
    for a file that can't be read, decoded or compiled), or here for a source the core's token
    reader or ruff's parser leaves to CPython's."""
    if not (_PYTHON_TOKENS or _PYTHON_ARCS or _PYTHON_REGEX):
        analysis = _core.analyze_file(filename, exclude_regex, branch, partial_regex)
        if analysis is not None:
            return analysis
    text = read_source(filename)
    return analyze_text(text, filename, exclude_regex, branch, partial_regex, _cached_code(filename))
