"""``[run] dynamic_context = test_function``: the context a test function's code records in.

The tracer cores call :func:`test_function_context` for each call of a function whose name
starts with ``test`` (or is ``runTest``) while no such context is active; the name it returns
is the function's qualified name, as coverage.py names it (``module.Class.test_method``,
``module.test_function``), and the context lasts until that call returns.
"""

from __future__ import annotations

from types import FrameType


def test_function_context(frame: FrameType) -> str | None:
    """The context for a call of a test function, or None if `frame` is not one."""
    code = frame.f_code
    name = code.co_name
    if not (name.startswith("test") or name == "runTest"):
        return None
    return qualified_name(frame)


def qualified_name(frame: FrameType) -> str | None:
    """`module.Class.method` for a method (found through its `self`), `module.function` for a
    function of a module's globals, None for anything else (a nested function, a lambda)."""
    code = frame.f_code
    name = code.co_name
    method = None
    if code.co_argcount and code.co_varnames and code.co_varnames[0] == "self":
        instance = frame.f_locals.get("self")
        method = getattr(instance, name, None)
    if method is None:
        function = frame.f_globals.get(name)
        if function is None:
            return None
        return f"{getattr(function, '__module__', '?')}.{name}"
    function = getattr(method, "__func__", None)
    if function is None:
        cls = type(frame.f_locals.get("self"))
        return f"{cls.__module__}.{cls.__name__}.{name}"
    return f"{function.__module__}.{function.__qualname__}"
