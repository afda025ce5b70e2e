"""Run a program in this interpreter the way ``python prog.py`` or ``python -m mod`` would."""

from __future__ import annotations

import os
import sys
import types


def _print_user_traceback(error: BaseException, boundary: str) -> None:
    """Print the traceback as Python would, without ferrocov's own frames."""
    import traceback

    tb = error.__traceback__
    while tb is not None and os.path.dirname(os.path.abspath(tb.tb_frame.f_code.co_filename)) == boundary:
        tb = tb.tb_next
    traceback.print_exception(type(error), error, tb)


def run_path(path: str, args: list[str]) -> None:
    """Run a file as ``__main__``. Raises SystemExit with the status python would give."""
    full = os.path.abspath(path)
    with open(full, "rb") as f:
        source = f.read()
    sys.argv = [path, *args]
    sys.path[0] = os.path.dirname(full)
    module = types.ModuleType("__main__")
    module.__file__ = full
    module.__builtins__ = __builtins__  # type: ignore[attr-defined]
    module.__cached__ = None  # type: ignore[attr-defined]
    sys.modules["__main__"] = module
    try:
        code = compile(source, full, "exec", dont_inherit=True)
    except (SyntaxError, ValueError) as err:
        # coverage.py's one line, on standard output.
        print(f"Couldn't run '{full}' as Python code: {type(err).__name__}: {err}")
        raise SystemExit(1) from None
    _run(lambda: exec(code, module.__dict__))


def run_module(name: str, args: list[str]) -> None:
    """Run a module as ``__main__`` (``python -m``)."""
    sys.argv = [name, *args]
    sys.path[0] = os.getcwd()
    import importlib.util

    try:
        found = importlib.util.find_spec(name)
    except (ImportError, ValueError):
        found = None
    if found is None:
        # coverage.py's one line, on standard output.
        print(f"No module named {name!r}")
        raise SystemExit(1)
    import runpy

    _run(lambda: runpy.run_module(name, run_name="__main__", alter_sys=True))


def _run(call: object) -> None:
    boundary = os.path.dirname(os.path.abspath(__file__))
    try:
        call()  # type: ignore[operator]
    except SystemExit:
        raise
    except ImportError as err:
        if "No module named" in str(err) and err.__traceback__ is not None and err.__traceback__.tb_next is None:
            print(f"No module named {sys.argv[0]}", file=sys.stderr)
            raise SystemExit(1) from None
        _print_user_traceback(err, boundary)
        raise SystemExit(1) from None
    except BaseException as err:
        _print_user_traceback(err, boundary)
        if isinstance(err, KeyboardInterrupt):
            raise SystemExit(130) from None
        raise SystemExit(1) from None
