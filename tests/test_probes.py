"""The probe core of 3.10 and 3.11: code objects get a call before each line (and, measuring
branches, on each edge between lines), taken out after its first hit.

Its results are held to coverage.py's by every differential test (they run under it on 3.11);
these tests hold what is particular to it: when it is chosen, that probes really go away, come
back after fork, leave tracebacks and ``exec`` as they were.
"""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path

import pytest

from conftest import coverage, ferrocov, read_lines, run

pytestmark = pytest.mark.skipif(sys.version_info[:2] not in ((3, 10), (3, 11)), reason="the probe core is 3.10's and 3.11's")

#: In a measured program: how many of a function's probes are armed, and how many jumped over.
PROBES = textwrap.dedent(
    """\
    import dis, sys, ferrocov._core
    def probes(function):
        # adaptive=True: the code as it runs now (3.11's co_code is a copy made once).
        extra = {"adaptive": True} if sys.version_info >= (3, 11) else {}
        ops = list(dis.get_instructions(function, **extra))
        armed = jumped = 0
        for i, op in enumerate(ops):
            calls_probe = op.opname == "LOAD_CONST" and op.argval is ferrocov._core._probe
            if sys.version_info >= (3, 11):
                # PUSH_NULL, LOAD_CONST _probe...: the first unit becomes the jump.
                if calls_probe:
                    armed += ops[i - 1].opname == "PUSH_NULL"
                    jumped += ops[i - 1].opname == "JUMP_FORWARD"
            else:
                # LOAD_CONST _probe, LOAD_CONST line, CALL_FUNCTION: the first unit is the jump.
                armed += calls_probe
                jumped += op.opname == "JUMP_FORWARD" and ops[i + 2].opname == "CALL_FUNCTION"
        return armed, jumped
    """
)

MOD = textwrap.dedent(
    """\
    def work(n):
        total = 0
        for i in range(n):
            if i % 3:
                total += i
            else:
                total -= 1
        return total
    """
)


def _write(workdir: Path, name: str, text: str) -> None:
    (workdir / name).write_text(textwrap.dedent(text))


def test_the_probe_core_measures_ferrocov_run_and_takes_hit_probes_out(tmp_path: Path) -> None:
    (tmp_path / "mod.py").write_text(MOD)
    _write(
        tmp_path,
        "main.py",
        PROBES
        + textwrap.dedent(
            """\
        import mod
        print(ferrocov._core.core_name().split(":")[0])
        print(*probes(mod.work))
        mod.work(10)
        # Each line's probe, once hit, starts with a jump over the rest of it.
        print(*probes(mod.work))
        """
        ),
    )
    result = ferrocov("run", "--source=.", "main.py", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    core, before, after = result.stdout.splitlines()
    assert core == "probes"
    # Lines 2, 3 (twice: the loop's test is a jump target too), 4, 5, 7 and 8.
    assert before == "7 0" and after == "0 7", result.stdout
    theirs = coverage("run", "--source=.", "--data-file=.coverage.theirs", "main.py", cwd=tmp_path)
    assert theirs.returncode == 0, theirs.stderr
    # mod.py's lines (main.py looks at probes, which coverage.py's run has none of).
    mod = str(tmp_path / "mod.py")
    assert read_lines(tmp_path / ".coverage")[mod] == read_lines(tmp_path / ".coverage.theirs")[mod]


@pytest.mark.parametrize("how", ["FERROCOV_CORE=trace", "[run] core = ctrace", "COVERAGE_CORE=pytrace"])
def test_the_trace_function_can_be_chosen(tmp_path: Path, how: str) -> None:
    """For code that reads its own bytecode (dis, numba), which probes would show in it."""
    _write(tmp_path, "main.py", "import ferrocov._core\nprint(ferrocov._core.core_name().split(':')[0])\n")
    env = {}
    if how.startswith("["):
        (tmp_path / ".coveragerc").write_text("[run]\ncore = ctrace\n")
    else:
        name, value = how.split("=")
        env[name] = value
    result = ferrocov("run", "--source=.", "main.py", cwd=tmp_path, **env)
    assert result.stdout.strip() == "ctrace", result.stderr
    assert "ignored" not in result.stderr


@pytest.mark.parametrize("branch", [[], ["--branch"]])
def test_the_installed_command_measures_with_probes(tmp_path: Path, branch: list[str]) -> None:
    """``ferrocov run`` as a user types it (the command installed beside the interpreter),
    measuring everything it may (no --source): the command itself is no measured script, so
    the program gets probes (it had the trace function, 3x slower, before)."""
    command = Path(sys.executable).parent / "ferrocov"
    _write(tmp_path, "main.py", "import ferrocov._core\nprint(ferrocov._core.core_name(%s).split(':')[0])\n" % bool(branch))
    result = run([str(command), "run", *branch, "main.py"], cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["probes-arcs" if branch else "probes"]
    assert read_lines(tmp_path / ".coverage")[str(tmp_path / "main.py")] == {1, 2}


def test_a_run_measuring_a_source_package_gets_probes(tmp_path: Path) -> None:
    """``--source=pkg`` (a package, judged by module name) with ``python -m ferrocov``: the
    main module is ferrocov's own, no measured script (it took the trace function before)."""
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "__init__.py").write_text("")
    (tmp_path / "pkg" / "mod.py").write_text(MOD)
    _write(tmp_path, "main.py", "import ferrocov._core, pkg.mod\npkg.mod.work(4)\nprint(ferrocov._core.core_name(True).split(':')[0])\n")
    result = ferrocov("run", "--branch", "--source=pkg", "main.py", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["probes-arcs"]
    assert read_lines(tmp_path / ".coverage")[str(tmp_path / "pkg" / "mod.py")] == {1, 2, 3, 4, 5, 7, 8}


def test_a_measured_script_the_interpreter_runs_gets_probes(tmp_path: Path) -> None:
    """A child ``python script.py`` whose script is measured: its module code never passes
    through exec, but measurement starts before it runs, so the probe core takes the script's
    code object from the interpreter's ``exec`` audit event (it was measured by the trace
    function before, about 3x plain); a ``-c`` child gets probes too. A script that starts
    measuring itself, once its code runs, is measured by the trace function."""
    _write(
        tmp_path,
        "main.py",
        """\
        import subprocess, sys
        for args in (["child.py"], ["-c", "import child"], ["late.py"]):
            subprocess.run([sys.executable, *args], check=True)
        """,
    )
    _write(tmp_path, "child.py", "import ferrocov._core\nprint(ferrocov._core.core_name().split(':')[0])\n")
    _write(
        tmp_path,
        "late.py",
        """\
        import os, ferrocov, ferrocov._core
        os.environ.pop("FERROCOV_RUN", None)
        cov = ferrocov.Coverage(data_file="late.coverage", source=["."])
        cov.start()
        print(ferrocov._core.core_name().split(':')[0])
        cov.stop()
        cov.save()
        """,
    )
    result = ferrocov("run", "--source=.", "main.py", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["probes", "probes", "ctrace"]
    lines = read_lines(tmp_path / ".coverage")
    assert lines[str(tmp_path / "child.py")] == {1, 2}


#: A child script that shows what a program can see of how it was run.
SHOWS = """\
import sys

def work(n):
    total = 0
    for i in range(n):
        if i % 3:
            total += i
    return total

print("file", __file__, "spec", __spec__, "argv", sys.argv[1:], "back", sys._getframe().f_back)
print("name", __name__, "work", work(10), "trace", sys.gettrace())
how = sys.argv[1] if len(sys.argv) > 1 else ""
if how == "raise":
    raise ValueError("boom")
if how == "exit":
    sys.exit(7)
if how == "interrupt":
    raise KeyboardInterrupt
x = 41
"""

#: Runs the child script each way and prints what came out.
RUNS = """\
import subprocess, sys
for args, given in [([], ""), (["raise"], ""), (["exit"], ""), (["interrupt"], ""), (["-i"], "print(x + 1)\\n")]:
    command = [sys.executable, "-i", "shows.py"] if args == ["-i"] else [sys.executable, "shows.py", *args]
    done = subprocess.run(command, input=given, capture_output=True, text=True)
    print(args, done.returncode)
    print(done.stdout, end="")
    print(done.stderr, end="")
"""


def test_a_script_run_with_probes_behaves_as_without_measurement(tmp_path: Path) -> None:
    """What the script sees and what the interpreter does with its end are unchanged: its
    `__file__`, `__spec__`, `sys.argv`, no frame below its own, its traceback, `sys.exit`'s
    status, a `KeyboardInterrupt`'s death by SIGINT, `-i`'s prompt on the script's namespace.
    Its lines and branches are coverage.py's (coverage.py measuring the child with `patch =
    subprocess`)."""
    _write(tmp_path, "shows.py", SHOWS)
    _write(tmp_path, "runs.py", RUNS)
    plain = run([sys.executable, "runs.py"], cwd=tmp_path)
    assert plain.returncode == 0, plain.stderr
    assert "Traceback" in plain.stdout and "[] 0" in plain.stdout and "['exit'] 7" in plain.stdout
    ours = ferrocov("run", "--branch", "--source=.", "runs.py", cwd=tmp_path)
    assert ours.returncode == 0, ours.stderr
    assert ours.stdout == plain.stdout
    (tmp_path / ".coveragerc.theirs").write_text("[run]\nbranch = True\nsource = .\npatch = subprocess\n")
    theirs = coverage("run", "--rcfile=.coveragerc.theirs", "--data-file=theirs.coverage", "runs.py", cwd=tmp_path)
    assert theirs.returncode == 0, theirs.stderr
    assert coverage("combine", "--rcfile=.coveragerc.theirs", "--data-file=theirs.coverage", cwd=tmp_path).returncode == 0
    script = str(tmp_path / "shows.py")
    assert read_lines(tmp_path / ".coverage")[script] == read_lines(tmp_path / "theirs.coverage")[script]
    mine = ferrocov("report", "-m", "--include=shows.py", cwd=tmp_path)
    other = coverage("report", "-m", "--include=shows.py", "--data-file=theirs.coverage", cwd=tmp_path)
    assert mine.stdout == other.stdout


def test_probes_come_back_in_a_forked_child(tmp_path: Path) -> None:
    (tmp_path / "mod.py").write_text(MOD)
    _write(
        tmp_path,
        "main.py",
        PROBES
        + textwrap.dedent(
            """\
        import os, mod
        def calls():
            return probes(mod.work)[0]
        mod.work(10)
        before = calls()
        pid = os.fork()
        if pid == 0:
            armed = calls()
            mod.work(10)
            print(before, armed, calls(), flush=True)
            os._exit(0)
        os.waitpid(pid, 0)
        """
        ),
    )
    result = ferrocov("run", "--source=.", "main.py", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    # Hit in the parent: out. In the child: back for every line, out again once run there.
    assert result.stdout.split() == ["0", "7", "0"]


def test_tracebacks_and_exec_are_unchanged(tmp_path: Path) -> None:
    _write(
        tmp_path,
        "mod.py",
        """\
        def fails(values):
            total = (values[0]
                     + values[1]
                     / values[2])
            return total
        """,
    )
    _write(
        tmp_path,
        "main.py",
        """\
        import traceback, mod
        x = 1
        exec("y = x + 1")                   # no namespace: the caller's
        ns = {"x": 5}
        exec(compile("z = x * 2", "<s>", "exec"), ns)
        code = compile("import mod\\nw = mod.fails([1, 1, 1])", "mod2.py", "exec")
        exec(code, ns)
        exec(code, ns)                      # the same code object again
        print(ns["w"])
        print(y, ns["z"], exec("1") is None)
        def f():
            q = 3
            exec("print(q)")
        f()
        try:
            exec(compile("def g(): return x\\n", "<t>", "exec"), {"x": 1}, {}, closure=None)
        except TypeError as err:
            print("TypeError", err)
        try:
            mod.fails([1, 2, 0])
        except ZeroDivisionError as err:
            print(traceback.format_exc().split("\\n", 3)[3])
            # The frame the exception left stands where it was raised.
            print(err.__traceback__.tb_next.tb_frame.f_lineno)
        import pickle
        print(pickle.loads(pickle.dumps(exec)) is exec, exec.__module__, exec.__name__)
        """,
    )
    plain = run([sys.executable, "main.py"], cwd=tmp_path)
    assert plain.returncode == 0, plain.stderr
    assert "True builtins exec" in plain.stdout
    for branch in ([], ["--branch"]):
        ours = ferrocov("run", *branch, "--source=.", "main.py", cwd=tmp_path)
        assert ours.returncode == 0, ours.stderr
        assert ours.stdout == plain.stdout
    assert "line 3, in fails" in plain.stdout
    if sys.version_info >= (3, 11):
        assert "^^^^" in plain.stdout  # the columns too


@pytest.mark.parametrize("import_first", [False, True])
def test_an_api_start_takes_probes_only_when_no_measured_module_was_imported(tmp_path: Path, import_first: bool) -> None:
    """``Coverage().start()`` in a running program: probes if nothing measured has been
    imported yet (it will be rewritten as it is imported), else the trace function, which also
    measures functions of modules imported before; the lines are coverage.py's either way."""
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "__init__.py").write_text("")
    (tmp_path / "pkg" / "mod.py").write_text(MOD)
    _write(
        tmp_path,
        "main.py",
        f"""\
        import importlib, sys
        tool = importlib.import_module(sys.argv[1])
        if {import_first}:
            import pkg.mod
        cov = tool.Coverage(source=["pkg"], data_file=sys.argv[2])
        cov.start()
        import pkg.mod
        pkg.mod.work(10)
        if sys.argv[1] == "ferrocov":
            import ferrocov._core
            print(ferrocov._core.core_name().split(":")[0])
        cov.stop()
        cov.save()
        """,
    )
    ours = run([sys.executable, "main.py", "ferrocov", ".coverage.ours"], cwd=tmp_path)
    theirs = run([sys.executable, "main.py", "coverage", ".coverage.theirs"], cwd=tmp_path)
    assert ours.returncode == 0 and theirs.returncode == 0, (ours.stderr, theirs.stderr)
    assert ours.stdout.split() == ["ctrace" if import_first else "probes"]
    lines = read_lines(tmp_path / ".coverage.ours")
    assert lines == read_lines(tmp_path / ".coverage.theirs")
    assert lines[str(tmp_path / "pkg" / "mod.py")] >= {2, 3, 4, 5, 7, 8}


#: Exceptions every way they go: caught, re-raised, through finally and with, out of frames,
#: into closed generators, a bare raise, a condition that raises.
EXCEPTIONAL = textwrap.dedent(
    """\
    import contextlib

    def fails(x):
        if x > 2: raise ValueError(x)
        return x

    def caught(items):
        total = 0
        for item in items:
            try:
                total += fails(item)
            except ValueError:
                total -= 1
            finally:
                total *= 2
        return total

    def through_finally(x):
        try:
            try:
                return fails(x)
            finally:
                x += 1
        except ValueError:
            return -x

    def reraised(x):
        try:
            fails(x)
        except ValueError:
            try:
                raise
            except ValueError:
                return "again"
        return "no"

    def suppressed(x):
        with contextlib.suppress(ValueError):
            fails(x)
            return 1
        return 0

    def condition_raises(x):
        if fails(x):
            return 1

    def gen(n):
        try:
            for i in range(n):
                yield i
        finally:
            pass

    print(caught([1, 5, 2]), through_finally(1), through_finally(7), reraised(9), reraised(0))
    print(suppressed(1), suppressed(8))
    try:
        condition_raises(9)
    except ValueError:
        print("raised")
    g = gen(5)
    print(next(g), next(g))
    g.close()
    print(list(gen(2)))
    """
)


def test_branch_probes_record_coverage_pys_arcs_and_go_away(tmp_path: Path) -> None:
    """--branch on 3.10 and 3.11: arc probes, no trace function; every arc coverage.py's C
    tracer records (exceptions included), and the probes that record an arc once are jumped
    over."""
    (tmp_path / "mod.py").write_text(MOD)
    (tmp_path / "exc.py").write_text(EXCEPTIONAL)
    _write(
        tmp_path,
        "main.py",
        PROBES
        + textwrap.dedent(
            """\
        import ferrocov._core as core
        STAYING = (1 << 61) | (1 << 60) | (1 << 58) | (1 << 57)
        def once(function):
            extra = {"adaptive": True} if sys.version_info >= (3, 11) else {}
            ops = list(dis.get_instructions(function, **extra))
            armed = jumped = 0
            for i, op in enumerate(ops):
                if sys.version_info >= (3, 11):
                    # PUSH_NULL, LOAD_CONST _probe, LOAD_CONST argument...
                    if op.opname == "LOAD_CONST" and op.argval is core._probe:
                        if ops[i + 1].argval & STAYING:
                            continue
                        armed += ops[i - 1].opname == "PUSH_NULL"
                        jumped += ops[i - 1].opname == "JUMP_FORWARD"
                elif op.opname == "LOAD_CONST" and ops[i + 1].opname == "CALL_FUNCTION":
                    # LOAD_CONST _probe (its unit becomes the jump), LOAD_CONST argument.
                    if not isinstance(op.argval, int) or op.argval & STAYING:
                        continue
                    armed += ops[i - 1].opname == "LOAD_CONST" and ops[i - 1].argval is core._probe
                    jumped += ops[i - 1].opname == "JUMP_FORWARD"
            return armed, jumped
        print(core.core_name(True).split(":")[0])
        import mod, exc
        def for_iter_target(function):
            # Where the loop goes when it ends: a trampoline after the code until its probe
            # has run, then straight to the code after the loop again.
            extra = {"adaptive": True} if sys.version_info >= (3, 11) else {}
            ops = list(dis.get_instructions(function, **extra))
            end = max(op.offset for op in ops if op.opname == "RETURN_VALUE")
            return "after" if next(op for op in ops if op.opname == "FOR_ITER").argval > end else "direct"
        print(for_iter_target(mod.work))
        before = once(mod.work)
        mod.work(10)
        print(for_iter_target(mod.work))
        print(*before, *once(mod.work))
        """
        ),
    )
    result = ferrocov("run", "--branch", "--source=.", "main.py", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "probes-arcs", result.stdout
    # The trampoline's probe ran: the jump was sent straight to where it goes.
    assert lines[-3:-1] == ["after", "direct"], result.stdout
    armed, jumped, armed_after, jumped_after = map(int, lines[-1].split())
    assert armed > 7 and jumped == 0 and armed_after == 0 and jumped_after == armed, lines[1]
    theirs = coverage("run", "--branch", "--source=.", "--data-file=.coverage.theirs", "main.py", cwd=tmp_path)
    assert theirs.returncode == 0, theirs.stderr
    assert result.stdout.splitlines()[1:-3] == theirs.stdout.splitlines()[1:-3]
    from coverage import CoverageData

    arcs = []
    for name in (".coverage", ".coverage.theirs"):
        data = CoverageData(basename=str(tmp_path / name))
        data.read()
        arcs.append({Path(f).name: set(data.arcs(f) or ()) for f in data.measured_files() if not f.endswith("main.py")})
    assert arcs[0]["exc.py"], "nothing measured"
    assert arcs[0] == arcs[1]


@pytest.mark.skipif(sys.version_info[:2] != (3, 11), reason="branch probes are 3.11's")
def test_a_jump_rewritten_after_its_comparison_specialised_goes_the_right_way(tmp_path: Path) -> None:
    """3.11 fuses a comparison with the conditional jump after it, taking the jump's direction
    from when it specialised: a loop's jump back, rewritten from its trampoline only once the
    loop first repeats, must not be taken forwards (heapq's _siftup crashed so)."""
    _write(
        tmp_path,
        "loop.py",
        """\
        def count(n):
            i = 0
            while i < n:
                i += 1
            return i
        """,
    )
    _write(
        tmp_path,
        "main.py",
        """\
        import dis
        import loop
        # Never repeats: the comparison at the loop's end specialises, its jump still goes
        # to the trampoline.
        print(sum(loop.count(1) for _ in range(200)))
        print(loop.count(5), loop.count(1000))
        ops = [op.opname for op in dis.get_instructions(loop.count, adaptive=True)]
        print("POP_JUMP_BACKWARD_IF_TRUE" in ops)
        """,
    )
    for branch in (["--branch"], []):
        result = ferrocov("run", *branch, "--source=.", "main.py", cwd=tmp_path)
        assert result.returncode == 0, result.stderr
        assert result.stdout.split()[:3] == ["200", "5", "1000"], result.stdout
    # With --branch (the last run without), the jump went straight back after its probe ran.
    result = ferrocov("run", "--branch", "--source=.", "main.py", cwd=tmp_path)
    assert result.stdout.split()[3] == "True", result.stdout


def test_generators_closed_after_the_interpreter_quickened_them(tmp_path: Path) -> None:
    """A generator closed at a yield records no arc out of its frame, as the C tracer records
    none; one closed before it started records coverage.py's `-first -> -first` on 3.11 (3.10
    runs none of its instructions then: see test_real_code). Also once 3.11 has quickened the
    code (its RESUMEs become RESUME_QUICK after a few runs): graphlib's static_order recorded
    an exit from its `yield from` there."""
    _write(
        tmp_path,
        "gens.py",
        """\
        def pairs(groups):
            for group in groups:
                yield from group
            return None

        def plain(n):
            yield n
        """,
    )
    _write(
        tmp_path,
        "main.py",
        """\
        import gens
        for i in range(30):
            it = gens.pairs([(1, 2), (3, 4)])
            print(next(it), next(it), next(it), end=" ")
            it.close()
            gens.plain(i).close()
            p = gens.plain(i)
            next(p)
            del p
        print()
        """,
    )
    ours = ferrocov("run", "--branch", "--source=.", "main.py", cwd=tmp_path)
    theirs = coverage("run", "--branch", "--source=.", "--data-file=.coverage.theirs", "main.py", cwd=tmp_path)
    assert ours.returncode == 0 and theirs.returncode == 0, (ours.stderr, theirs.stderr)
    assert ours.stdout == theirs.stdout
    from coverage import CoverageData

    arcs = []
    for name in (".coverage", ".coverage.theirs"):
        data = CoverageData(basename=str(tmp_path / name))
        data.read()
        arcs.append(set(data.arcs(str(tmp_path / "gens.py")) or ()))
    if sys.version_info[:2] == (3, 10):
        arcs[1] -= {(-6, -6)}
    assert (3, -1) not in arcs[0] and (7, -6) not in arcs[0]
    assert arcs[0] == arcs[1]
