"""The arcs a source file can take, found from its AST, with coverage.py's rules.

An arc is a pair of line numbers ``(from, to)``; a negative number is the entry to (as ``from``)
or exit from (as ``to``) the code object whose first line it negates. coverage.py (7.17)
reports as branches only the lines that have more than one possible exit, so the rules here
follow the statements that choose: ``if``, ``while``, ``for``, ``match``, ``try``/``except``,
``with``, and the jumps out of blocks (``break``, ``continue``, ``raise``, ``return``).

The walk is here, in Python, because it needs the interpreter's AST; what the reports make of
the arcs (exit counts, missing branches, totals) is computed in Rust.
"""

from __future__ import annotations

import ast
import sys
from typing import Callable, Iterable, Optional

#: (line, cause): where an arc can start from, and why it would be missing if never taken
#: ("" when there is nothing to say, as coverage.py has it).
Start = tuple[int, str]
Arc = tuple[int, int]

# coverage.py 7.17 follows CPython 3.12.6+, where leaving a `with` jumps through the line of
# its context expression rather than the `with` line.
_WITH_EXITS_THROUGH_CONTEXT = sys.version_info >= (3, 12, 6)

# The newest coverage.py for CPython 3.10 is 7.16, whose `with` fix-up differs for nested
# `with` statements; on 3.10 ferrocov gives the numbers of the coverage.py its users have.
_OLD_WITH_FIXUP = sys.version_info < (3, 11)

_CONTAINERS = (ast.stmt, ast.excepthandler, getattr(ast, "match_case", ast.stmt))


def constant_truth(node: ast.AST) -> Optional[bool]:
    """The truth of a test the compiler folds (``True``, ``0``, ``not False``, ``1 and 2``...),
    or None when it is not a constant."""
    if isinstance(node, ast.Constant):
        return bool(node.value)
    if isinstance(node, ast.Name):
        return {"True": True, "False": False, "None": False, "__debug__": __debug__}.get(node.id)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        inner = constant_truth(node.operand)
        return None if inner is None else not inner
    if isinstance(node, ast.BoolOp):
        values = [constant_truth(v) for v in node.values]
        if any(v is None for v in values):
            return None
        return any(values) if isinstance(node.op, ast.Or) else all(values)
    return None


def irrefutable(case: ast.AST) -> bool:
    """Does this `case` always match (`case _:`, a bare capture, no guard)?"""
    if getattr(case, "guard", None) is not None:
        return False
    pattern = case.pattern  # type: ignore[attr-defined]
    while isinstance(pattern, ast.MatchOr):
        pattern = pattern.patterns[-1]
    while isinstance(pattern, ast.MatchAs) and pattern.pattern is not None:
        pattern = pattern.pattern
    return isinstance(pattern, ast.MatchAs) and pattern.pattern is None


class _Block:
    """An entry of the block stack: which jumps it catches (True) or lets pass (False)."""

    def on_break(self, exits: set[Start], finder: _Finder) -> bool:
        return False

    def on_continue(self, exits: set[Start], finder: _Finder) -> bool:
        return False

    def on_raise(self, exits: set[Start], finder: _Finder) -> bool:
        return False

    def on_return(self, exits: set[Start], finder: _Finder) -> bool:
        return False


class _Loop(_Block):
    def __init__(self, top: int) -> None:
        self.top = top
        self.breaks: set[Start] = set()

    def on_break(self, exits: set[Start], finder: _Finder) -> bool:
        self.breaks |= exits
        return True

    def on_continue(self, exits: set[Start], finder: _Finder) -> bool:
        for line, cause in exits:
            finder.arc(line, self.top, cause)
        return True


class _Function(_Block):
    def __init__(self, start: int, name: str) -> None:
        self.start = start
        self.name = name

    def on_raise(self, exits: set[Start], finder: _Finder) -> bool:
        for line, cause in exits:
            finder.arc(line, -self.start, cause, f"except from function {self.name!r}")
        return True

    def on_return(self, exits: set[Start], finder: _Finder) -> bool:
        for line, cause in exits:
            finder.arc(line, -self.start, cause, f"return from function {self.name!r}")
        return True


class _Try(_Block):
    def __init__(self, handler: Optional[int]) -> None:
        self.handler = handler

    def on_raise(self, exits: set[Start], finder: _Finder) -> bool:
        if self.handler is not None:
            for line, cause in exits:
                finder.arc(line, self.handler, cause)
        return True


class _Finder:
    def __init__(self, statements: Iterable[int], multiline: dict[int, int]) -> None:
        self.multiline = multiline
        self.statements = {multiline.get(line, line) for line in statements}
        self.arcs: set[Arc] = set()
        self.fragments: dict[Arc, list[tuple[Optional[str], Optional[str]]]] = {}
        self.blocks: list[_Block] = []
        # For the `with` fix-ups: arcs into `with` bodies, and arcs from bodies back to them.
        self.open_withs: set[int] = set()
        self.with_lines: set[int] = set()
        self.with_entries: set[Arc] = set()
        self.with_returns: set[Arc] = set()

    # -- recording ----------------------------------------------------------------------

    def arc(self, start: int, end: int, cause: Optional[str] = None, action: Optional[str] = None) -> None:
        self.arcs.add((start, end))
        if start in self.open_withs:
            self.with_entries.add((start, end))
        if cause is not None or action is not None:
            self.fragments.setdefault((start, end), []).append((cause, action))

    def line(self, node: ast.AST) -> int:
        """The line the interpreter reports for the start of `node`."""
        line = _node_line(node)
        return self.multiline.get(line, line)

    # -- code objects -------------------------------------------------------------------

    def run(self, tree: ast.AST) -> None:
        todo = [tree]
        while todo:
            node = todo.pop()
            todo.extend(c for c in ast.iter_child_nodes(node) if isinstance(c, _CONTAINERS))
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                start = self.line(node)
                self.blocks.append(_Function(start, node.name))
                self.jump(self.body(node.body), "on_return")
                self.blocks.pop()
            elif isinstance(node, ast.ClassDef):
                start = self.line(node)
                for line, cause in self.body(node.body):
                    self.arc(line, -start, cause, f"exit class {node.name!r}")
            elif isinstance(node, ast.Module):
                start = self.line(node)
                if node.body:
                    for line, cause in self.body(node.body):
                        self.arc(line, -start, cause, "exit the module")
                else:
                    self.arc(start, -start)

    def jump(self, exits: set[Start], kind: str) -> None:
        """Send break/continue/raise/return exits (`kind` names the block method) to the
        nearest block that takes them."""
        for block in reversed(self.blocks):
            if getattr(block, kind)(exits, self):
                return

    # -- statements ---------------------------------------------------------------------

    def body(self, nodes: list[ast.stmt], entries: Optional[set[Start]] = None) -> set[Start]:
        """Arcs through a suite entered from `entries`; returns the suite's exits."""
        previous = set() if entries is None else entries
        for node in nodes:
            line = self.line(node)
            if line not in self.statements:
                continue
            for start, cause in previous:
                self.arc(start, line, cause)
            previous = self.exits(node)
        return previous

    def exits(self, node: ast.AST) -> set[Start]:
        handler = _HANDLERS.get(type(node).__name__)
        if handler is None:
            return {(self.line(node), "")}
        return handler(self, node)

    def _leave(self, node: ast.stmt, word: str) -> set[Start]:
        """`break`, `continue`, `raise`, `return`: jump to the nearest block that takes it."""
        self.jump({(self.line(node), f"the {word} on line {{lineno}} wasn't executed")}, f"on_{word}")
        return set()

    def _definition(self, node: ast.FunctionDef) -> set[Start]:
        # Decorators run from the first to the `def`/`class` line; the body is its own code.
        last = node.lineno
        if node.decorator_list:
            previous: Optional[int] = None
            for decorator in node.decorator_list:
                line = self.line(decorator)
                if previous is not None and line != previous:
                    self.arc(previous, line)
                previous = line
            assert previous is not None
            self.arc(previous, node.lineno)
        return {(last, "")}

    def _for(self, node: ast.For) -> set[Start]:
        top = self.line(node.iter)
        loop = _Loop(top)
        self.blocks.append(loop)
        for line, cause in self.body(node.body, {(top, "the loop on line {lineno} never started")}):
            self.arc(line, top, cause)
        self.blocks.pop()
        exits = loop.breaks
        done = (top, "the loop on line {lineno} didn't complete")
        if node.orelse:
            exits |= self.body(node.orelse, {done})
        else:
            exits.add(done)
        return exits

    def _if(self, node: ast.If) -> set[Start]:
        start = self.line(node.test)
        truth = constant_truth(node.test)
        exits: set[Start] = set()
        if truth is not False:
            exits |= self.body(node.body, {(start, "the condition on line {lineno} was never true")})
        if truth is not True:
            exits |= self.body(node.orelse, {(start, "the condition on line {lineno} was always true")})
        return exits

    def _match(self, node: ast.AST) -> set[Start]:
        previous = self.line(node)
        exits: set[Start] = set()
        cases = node.cases  # type: ignore[attr-defined]
        for case in cases:
            line = self.line(case.pattern)
            self.arc(previous, line, "the pattern on line {lineno} always matched")
            exits |= self.body(case.body, {(line, "the pattern on line {lineno} never matched")})
            previous = line
        if not irrefutable(cases[-1]):
            exits.add((previous, "the pattern on line {lineno} always matched"))
        return exits

    def _try(self, node: ast.Try) -> set[Start]:
        handler = self.line(node.handlers[0]) if node.handlers else None
        block = _Try(handler)
        self.blocks.append(block)
        exits = self.body(node.body, {(self.line(node), "")})
        # The body is done: the block stays (without a handler) only for the `finally`.
        if node.finalbody:
            block.handler = None
        else:
            self.blocks.pop()
        handled: set[Start] = set()
        for clause in node.handlers:
            caught = (self.line(clause), "the exception caught by line {lineno} didn't happen")
            handled |= self.body(clause.body, {caught})
        if node.orelse:
            exits = self.body(node.orelse, exits)
        exits = exits | handled
        if node.finalbody:
            self.blocks.pop()
            final_exits = self.body(node.finalbody, exits)
            # The `finally` exits the statement only if something could reach it normally.
            if exits:
                exits = final_exits
        return exits

    def _while(self, node: ast.While) -> set[Start]:
        top = self.line(node.test)
        constant = constant_truth(node.test) is not None
        loop = _Loop(top)
        self.blocks.append(loop)
        for line, cause in self.body(node.body, {(top, "the condition on line {lineno} was never true")}):
            self.arc(line, top, cause)
        self.blocks.pop()
        exits = set(loop.breaks)
        done = (top, "the condition on line {lineno} was always true")
        if node.orelse:
            exits |= self.body(node.orelse, {done})
        elif not constant:
            exits.add(done)
        return exits

    def _with(self, node: ast.With) -> set[Start]:
        if _WITH_EXITS_THROUGH_CONTEXT:
            starts = [self.line(item.context_expr) for item in node.items]
        else:
            starts = [self.line(node)]
        self.open_withs.update(starts)
        self.with_lines.update(starts)
        start = starts[-1]
        exits = self.body(node.body, {(start, "")})
        self.open_withs.discard(start)
        if not exits:
            return exits
        for line, _ in exits:
            self.arc(line, start)
            self.with_returns.add((line, start))
        return {(start, "")}

    # -- the `with` fix-ups ---------------------------------------------------------------

    def _onward(self) -> dict[int, int]:
        """Where each `with` line goes on to, other than into its body."""
        onward: dict[int, int] = {}
        for line in self.with_lines:
            targets = {b for a, b in self.arcs if a == line and (a, b) not in self.with_entries}
            if targets:
                onward[line] = min(targets)
        return onward

    def old_with_fixers(self) -> dict[Arc, tuple[Arc, Arc]]:
        """coverage.py 7.16's form: the arc back to the `with` line, mapped to the `with`
        line's onward arc and the arc that replaces both."""
        fixers: dict[Arc, tuple[Arc, Arc]] = {}
        if not _OLD_WITH_FIXUP:
            return fixers
        for line, target in self._onward().items():
            for end, start in self.with_returns:
                if start == line:
                    fixers[(end, line)] = ((line, target), (end, target))
        return fixers

    def with_fixers(self) -> dict[Arc, Optional[Arc]]:
        """Arcs to rewrite: leaving a `with` body jumps back to the `with` line before going
        on; reports show it as going straight on (the value), and drop the `with` line's own
        onward arc (None)."""
        onward = self._onward()

        def landing(start: int) -> int:
            target = onward[start]
            while (start, target) in self.with_returns and target in onward:
                start, target = target, onward[target]
            return target

        if _OLD_WITH_FIXUP:
            return {}
        fixers: dict[Arc, Optional[Arc]] = {}
        for end, start in self.with_returns:
            if start in onward:
                fixers[(end, start)] = (end, landing(start))
        for start, target in onward.items():
            if (start, start) not in self.with_returns:
                fixers[(start, target)] = None
        return fixers


def _node_line(node: ast.AST) -> int:
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return node.decorator_list[0].lineno if node.decorator_list else node.lineno
    if isinstance(node, ast.Assign):
        return _node_line(node.value)
    if isinstance(node, ast.Dict):
        if node.keys:
            first = node.keys[0]
            return first.lineno if first is not None else node.values[0].lineno
        return node.lineno
    if isinstance(node, ast.List):
        return _node_line(node.elts[0]) if node.elts else node.lineno
    if isinstance(node, ast.Module):
        return 1
    return node.lineno  # type: ignore[attr-defined,no-any-return]


_HANDLERS: dict[str, Callable[[_Finder, ast.AST], set[Start]]] = {
    "Break": lambda finder, node: finder._leave(node, "break"),  # type: ignore[arg-type]
    "Continue": lambda finder, node: finder._leave(node, "continue"),  # type: ignore[arg-type]
    "Raise": lambda finder, node: finder._leave(node, "raise"),  # type: ignore[arg-type]
    "Return": lambda finder, node: finder._leave(node, "return"),  # type: ignore[arg-type]
    "FunctionDef": _Finder._definition,  # type: ignore[dict-item]
    "AsyncFunctionDef": _Finder._definition,  # type: ignore[dict-item]
    "ClassDef": _Finder._definition,  # type: ignore[dict-item]
    "For": _Finder._for,  # type: ignore[dict-item]
    "AsyncFor": _Finder._for,  # type: ignore[dict-item]
    "If": _Finder._if,  # type: ignore[dict-item]
    "Match": _Finder._match,
    "Try": _Finder._try,  # type: ignore[dict-item]
    "TryStar": _Finder._try,  # type: ignore[dict-item]
    "While": _Finder._while,  # type: ignore[dict-item]
    "With": _Finder._with,  # type: ignore[dict-item]
    "AsyncWith": _Finder._with,  # type: ignore[dict-item]
}


class ArcAnalysis:
    """The possible arcs of a file (on first lines of statements, self-arcs dropped), and what
    is needed to translate measured arcs the same way."""

    def __init__(self, tree: ast.AST, raw_statements: Iterable[int], multiline: dict[int, int]) -> None:
        finder = _Finder(raw_statements, multiline)
        finder.run(tree)
        self.multiline = multiline
        self.fixers = finder.with_fixers()
        self.old_fixers = finder.old_with_fixers()
        self.fragments = finder.fragments
        possible: set[Arc] = set()
        for a, b in self._fix(finder.arcs):
            first_a, first_b = self.first_line(a), self.first_line(b)
            if first_a != first_b:
                possible.add((first_a, first_b))
        self.possible = possible

    def first_line(self, line: int) -> int:
        if line < 0:
            return -self.multiline.get(-line, -line)
        return self.multiline.get(line, line)

    def _fix(self, arcs: Iterable[Arc]) -> set[Arc]:
        if self.old_fixers:
            return self._old_fix(arcs)
        if not self.fixers:
            return set(arcs)
        fixed = set()
        for arc in arcs:
            new = self.fixers.get(arc, arc)
            if new is not None:
                fixed.add(new)
        return fixed

    def _old_fix(self, arcs: Iterable[Arc]) -> set[Arc]:
        arcs = set(arcs)
        remove: set[Arc] = set()
        add: set[Arc] = set()
        for arc in arcs:
            if arc not in self.old_fixers:
                continue
            remove.add(arc)
            start_next, end_next = self.old_fixers[arc]
            while start_next in self.old_fixers:
                remove.add(start_next)
                start_next, end_next = self.old_fixers[start_next]
                remove.add(end_next)
            add.add((arc[0], end_next[1]))
            remove.add(start_next)
        return (arcs | add) - remove

    def translate(self, arcs: Iterable[Arc]) -> set[Arc]:
        """Measured arcs as reports use them: `with` jumps fixed, on first lines."""
        return {(self.first_line(a), self.first_line(b)) for a, b in self._fix(arcs)}

    def executed(self, measured: Iterable[Arc]) -> set[Arc]:
        """coverage.py's executed arcs: translated; a line that jumps to itself (a loop on one
        line) counts as taking its only possible exit, if it has only one."""
        destinations: dict[int, set[int]] = {}
        for a, b in self.possible:
            destinations.setdefault(a, set()).add(b)
        single = {a: next(iter(bs)) for a, bs in destinations.items() if len(bs) == 1}
        result: set[Arc] = set()
        for a, b in self.translate(measured):
            if a != b:
                result.add((a, b))
            elif a in single:
                result.add((a, single[a]))
        return self.translate(result)

    def exit_counts(self, excluded: set[int]) -> dict[int, int]:
        counts: dict[int, int] = {}
        for a, b in self.possible:
            if a in excluded or b in excluded:
                continue
            counts[a] = counts.get(a, 0) + 1
        return counts

    def action(self, start: int, end: int) -> str:
        """What the arc does ("jump to line 7", "return from function 'f'"), as LCOV shows it."""
        action = self.fragments.get((start, end), [(None, None)])[0][1]
        if action is None:
            action = "jump to the function exit" if end < 0 else "jump to line {lineno}"
        return action.format(lineno=end)

    def description(self, start: int, end: int) -> str:
        """"line 5 didn't jump to line 7 because ...", as coverage.py's HTML report says it."""
        parts = []
        for cause, action in self.fragments.get((start, end), [(None, None)]):
            if action is None:
                action = "jump to the function exit" if end < 0 else "jump to line {lineno}"
            text = f"line {start} didn't {action.format(lineno=end)}"
            if cause is not None:
                text += f" because {cause.format(lineno=start)}"
            parts.append(text)
        return " or ".join(parts)
