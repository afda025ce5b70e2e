"""gevent, eventlet and greenlet (`[run] concurrency`): lines and branches run in greenlets are
measured on every core, whatever the setting says — ferrocov's cores record by code object,
not by thread. Each library's program is run under coverage.py with its `concurrency` setting
(which coverage.py needs) and under ferrocov with and without it; the JSON reports are
compared file by file."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pytest

from conftest import coverage, ferrocov

WORK = '''\
def worker(n, log):
    total = 0
    for i in range(n):
        if i % 2:
            total += i
        else:
            total -= 1
        sleep(0)
    log.append(total)
    return total


def never():
    return "never"
'''

GEVENT = '''\
from gevent import monkey
monkey.patch_all()
import gevent
import work
work.sleep = gevent.sleep

def chatty(k):
    out = []
    for j in range(k):
        if j == 3:
            out.append("three")
        gevent.sleep(0)
    return out

def main():
    log = []
    jobs = [gevent.spawn(work.worker, n, log) for n in (3, 4, 5)] + [gevent.spawn(chatty, 5)]
    gevent.joinall(jobs)
    return sorted(log)  # AFTER-JOIN

print(main())
'''

EVENTLET = '''\
import eventlet
eventlet.monkey_patch()
import work
work.sleep = eventlet.sleep

def chatty(k):
    out = []
    for j in range(k):
        if j == 3:
            out.append("three")
        eventlet.sleep(0)
    return out

log = []
pool = eventlet.GreenPool()
for n in (3, 4, 5):
    pool.spawn(work.worker, n, log)
pool.spawn(chatty, 5)
pool.waitall()
print(sorted(log))
'''

GREENLET = '''\
import greenlet

def ping(n):
    got = []
    for i in range(n):
        if i % 2:
            got.append(other.switch(i))
        else:
            got.append(other.switch(-i))
    return got

def pong(value):
    while True:
        value = p.switch(value * 10)

other = greenlet.greenlet(pong)
p = greenlet.greenlet(ping)
print("result", p.switch(4))
'''

PROGRAMS = {"gevent": GEVENT, "eventlet": EVENTLET, "greenlet": GREENLET}
FIELDS = ("executed_lines", "missing_lines", "executed_branches", "missing_branches")


def measured(tool: str, root: Path, setting: str, **env: str) -> tuple[str, dict[str, dict[str, list[object]]]]:
    (root / ".coveragerc").write_text(f"[run]\nbranch = True\n{setting}\n")
    run = ferrocov if tool == "ferrocov" else coverage
    result = run("run", "prog.py", cwd=root, **env)
    assert result.returncode == 0, result.stderr
    # Honoured, so not refused: no warning about the setting.
    assert "concurrency" not in result.stderr, result.stderr
    report = run("json", "-o", "report.json", cwd=root)
    assert report.returncode == 0, report.stderr
    files = json.loads((root / "report.json").read_text())["files"]
    return result.stdout, {name: {field: data[field] for field in FIELDS} for name, data in files.items()}


# On 3.10/3.11 the trace function too: the core of a `python script.py` child and of code
# imported before measurement started.
CORES = ["default", "trace"] if sys.version_info < (3, 12) else ["default"]


@pytest.mark.parametrize("core", CORES)
@pytest.mark.parametrize("library", sorted(PROGRAMS))
def test_lines_run_in_greenlets_are_measured_as_coverage_py_measures_them(tmp_path: Path, library: str, core: str) -> None:
    # Not imported here: eventlet, once imported, warns in every process this one forks.
    if importlib.util.find_spec(library) is None:
        pytest.skip(f"{library} is not installed (scripts/install.sh --test installs it): NOT TESTED")
    env = {"FERROCOV_CORE": "trace"} if core == "trace" else {}
    roots = {}
    for name in ("theirs", "ours", "ours-unset"):
        root = roots[name] = tmp_path / name
        root.mkdir()
        (root / "work.py").write_text(WORK)
        (root / "prog.py").write_text(PROGRAMS[library])
    their_output, theirs = measured("coverage", roots["theirs"], f"concurrency = {library}")
    our_output, ours = measured("ferrocov", roots["ours"], f"concurrency = {library}", **env)
    unset_output, unset = measured("ferrocov", roots["ours-unset"], "", **env)
    assert our_output == their_output == unset_output
    uses_work = "import work" in PROGRAMS[library]
    assert set(ours) == set(theirs) == ({"prog.py", "work.py"} if uses_work else {"prog.py"})
    # The setting changes nothing for ferrocov: it measures greenlets either way.
    assert unset == ours
    if uses_work:
        assert ours["work.py"]["missing_lines"] == [14]  # never(), and only it
    else:
        assert ours["prog.py"]["missing_lines"] == []
    if library == "gevent":
        # The main greenlet's line after joinall ran (main() returned what the program
        # printed): ferrocov measures it; coverage.py's gevent tracer misses it on 3.10-3.13.
        after_join = PROGRAMS[library].splitlines().index("    return sorted(log)  # AFTER-JOIN") + 1
        assert after_join in ours["prog.py"]["executed_lines"]
        if after_join in theirs["prog.py"]["missing_lines"]:
            assert sys.version_info < (3, 14)
            for field in ("executed_lines", "missing_lines"):
                theirs["prog.py"][field] = sorted(set(theirs["prog.py"][field]) ^ {after_join})
    assert ours == theirs


@pytest.mark.parametrize("library", ["gevent", "eventlet", "greenlet"])
def test_a_greenlet_library_not_installed_is_refused_as_coverage_py_refuses_it(tmp_path: Path, library: str) -> None:
    # The library hidden from both tools: a None in sys.modules, set by a sitecustomize.
    hide = tmp_path / "hide"
    hide.mkdir()
    (hide / "sitecustomize.py").write_text(f"import sys\nsys.modules[{library!r}] = None\n")
    outcomes = []
    for tool in (coverage, ferrocov):
        root = tmp_path / tool.__name__
        root.mkdir()
        (root / "prog.py").write_text("print('ran')\n")
        (root / ".coveragerc").write_text(f"[run]\nconcurrency = {library}\n")
        result = tool("run", "prog.py", cwd=root, PYTHONPATH=str(hide))
        outcomes.append((result.returncode, result.stdout))
    expected = f"Couldn't trace with concurrency={library}, the module isn't installed.\n"
    assert outcomes[0] == outcomes[1] == (1, expected)
