//! The measurement cores for CPython 3.12+: `sys.monitoring` with a tool id of its own.
//!
//! Only PY_START is enabled globally. A code object of a measured file gets its events
//! switched on locally at its first start; every other code object is never instrumented.
//! Every callback returns DISABLE, so an event costs nothing once it has been recorded.
//!
//! - Lines: LINE events; a line is recorded the first time it runs.
//! - Branches: LINE, PY_RETURN and branch events (BRANCH_LEFT/BRANCH_RIGHT on 3.14+, BRANCH on
//!   3.12 and 3.13), recording the arcs coverage.py's own sys.monitoring core records (its
//!   default on 3.14): a LINE event adds the self-arc (line, line) and, from the line this code
//!   object last reported, (last, line); a PY_RETURN adds (line, -co_firstlineno); a branch
//!   event adds the arc [`crate::branches`] resolves. The reports turn self-arcs into the one
//!   exit a line can take, as coverage.py's do. A branch that has gone both ways, and a line
//!   seen once, cost nothing more (on 3.12 and 3.13 a branch that has gone one way only keeps
//!   firing: their one BRANCH event can't be disabled for one way alone).

use std::collections::HashMap;
use std::sync::atomic::{AtomicI32, Ordering};
use std::sync::Arc;

use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;

use crate::recorder;

static DISABLE: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
static SET_LOCAL_EVENTS: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
static TOOL_ID: AtomicI32 = AtomicI32::new(-1);
/// The local events a measured code object gets.
static LOCAL_EVENTS: AtomicI32 = AtomicI32::new(EVENT_LINE);
/// The events ferrocov registered callbacks for (to unregister them).
static REGISTERED: AtomicI32 = AtomicI32::new(0);
/// This interpreter's PY_UNWIND event, when dynamic contexts use it (its number changed in 3.14).
static PY_UNWIND: AtomicI32 = AtomicI32::new(0);
const EVENT_PY_START: i32 = 1;
const EVENT_PY_RESUME: i32 = 1 << 1;
const EVENT_PY_RETURN: i32 = 1 << 2;
const EVENT_PY_YIELD: i32 = 1 << 3;
const EVENT_LINE: i32 = 1 << 5;
#[cfg(Py_3_14)]
const EVENT_BRANCH_LEFT: i32 = 1 << 8;
#[cfg(Py_3_14)]
const EVENT_BRANCH_RIGHT: i32 = 1 << 9;
/// 3.12 and 3.13: BRANCH, for both ways a branch goes.
#[cfg(not(Py_3_14))]
const EVENT_BRANCH: i32 = 1 << 8;
const ALL_EVENTS: [i32; 7] = [
    EVENT_PY_START,
    EVENT_PY_RESUME,
    EVENT_PY_RETURN,
    EVENT_PY_YIELD,
    EVENT_LINE,
    1 << 8,
    1 << 9,
];

/// The tool ids ferrocov may claim, in order: `sys.monitoring.COVERAGE_ID` (1), the id meant
/// for coverage tools, then the two ids CPython gives no role. Never the debugger's (0), the
/// profiler's (2) or the optimizer's (5): programs claim those.
const TOOL_IDS: [i32; 3] = [1, 4, 3];

fn disable(py: Python<'_>) -> Py<PyAny> {
    DISABLE
        .get_or_init(py, || {
            recorder::loaded_module(py, "sys")
                .and_then(|sys| sys.getattr("monitoring"))
                .and_then(|m| m.getattr("DISABLE"))
                .map(|d| d.unbind())
                .unwrap_or_else(|_| py.None())
        })
        .clone_ref(py)
}

/// `sys.monitoring.set_local_events`, looked up once.
fn set_local_events(py: Python<'_>) -> PyResult<&Py<PyAny>> {
    SET_LOCAL_EVENTS.get_or_try_init(py, || {
        Ok(recorder::loaded_module(py, "sys")?
            .getattr("monitoring")?
            .getattr("set_local_events")?
            .unbind())
    })
}

/// PY_START: decide once per code object whether to turn its events on. With
/// `dynamic_context = test_function`, a test function's start keeps firing (each call may begin
/// its context) and its returns are watched.
#[pyfunction]
pub fn py_start(py: Python<'_>, code: &Bound<'_, PyAny>, _offset: &Bound<'_, PyAny>) -> Py<PyAny> {
    if recorder::PAUSED.load(Ordering::Relaxed) {
        return py.None();
    }
    // SAFETY: `code` is a live code object passed by the interpreter; the GIL is held.
    let value = unsafe { recorder::slot_for(py, code.as_ptr()) };
    let measured = value != recorder::not_measured();
    let test_function =
        crate::dynamic::ENABLED.load(Ordering::Relaxed) && crate::dynamic::is_test_name(code);
    if measured || test_function {
        let tool = TOOL_ID.load(Ordering::Relaxed);
        let mut events = if measured {
            LOCAL_EVENTS.load(Ordering::Relaxed)
        } else {
            0
        };
        if test_function {
            // As a trace function sees them: a generator's yield ends the context (a return
            // event), its resumption may start it again (a call event).
            events |= EVENT_PY_RETURN | EVENT_PY_YIELD | EVENT_PY_RESUME;
        }
        let result = set_local_events(py).and_then(|set| set.call1(py, (tool, code, events)));
        if result.is_err() {
            let _ = PyErr::take(py);
        }
    }
    if test_function {
        context_frame_starts(py, code);
        return py.None();
    }
    disable(py)
}

/// A test function's frame starts or resumes: its context may begin.
fn context_frame_starts(py: Python<'_>, code: &Bound<'_, PyAny>) {
    let frame = crate::dynamic::current_frame();
    if frame != 0 {
        // SAFETY: the interpreter's current frame, alive while this callback runs.
        let frame = unsafe { Bound::from_borrowed_ptr(py, frame as *mut pyo3::ffi::PyObject) };
        if crate::dynamic::on_call(py, &frame, code) {
            let _ = restart(py);
        }
    }
}

/// PY_RESUME (dynamic contexts, test functions only): a generator test function resumes.
#[pyfunction]
pub fn py_resume(py: Python<'_>, code: &Bound<'_, PyAny>, _offset: &Bound<'_, PyAny>) -> Py<PyAny> {
    if crate::dynamic::ENABLED.load(Ordering::Relaxed) && crate::dynamic::is_test_name(code) {
        context_frame_starts(py, code);
        return py.None();
    }
    disable(py)
}

/// PY_YIELD (dynamic contexts, test functions only): its context ends at a yield.
#[pyfunction]
pub fn py_yield(
    py: Python<'_>,
    code: &Bound<'_, PyAny>,
    _offset: &Bound<'_, PyAny>,
    _value: &Bound<'_, PyAny>,
) -> Py<PyAny> {
    context_frame_ends(py);
    if crate::dynamic::is_test_name(code) {
        py.None()
    } else {
        disable(py)
    }
}

/// The context of a test function ends with its frame (dynamic contexts only).
fn context_frame_ends(py: Python<'_>) {
    if crate::dynamic::ENABLED.load(Ordering::Relaxed)
        && crate::dynamic::on_return(crate::dynamic::current_frame())
    {
        let _ = restart(py);
    }
}

/// PY_UNWIND (dynamic contexts only): a test function that raises ends its context too.
#[pyfunction]
pub fn py_unwind(
    py: Python<'_>,
    _code: &Bound<'_, PyAny>,
    _offset: &Bound<'_, PyAny>,
    _exception: &Bound<'_, PyAny>,
) -> Py<PyAny> {
    context_frame_ends(py);
    py.None()
}

/// LINE (line measurement): record the line, then never be called for it again.
#[pyfunction]
pub fn line(py: Python<'_>, code: &Bound<'_, PyAny>, line_number: i32) -> Py<PyAny> {
    if recorder::PAUSED.load(Ordering::Relaxed) {
        return py.None();
    }
    // SAFETY: `code` is a live code object passed by the interpreter; the GIL is held, and
    // slot_for() returns a non-null value.
    unsafe { recorder::record(recorder::slot_for(py, code.as_ptr()), line_number) };
    disable(py)
}

/// LINE (branch measurement): the line, its self-arc, and the arc from the line this code
/// object last reported.
#[pyfunction]
pub fn line_arcs(py: Python<'_>, code: &Bound<'_, PyAny>, line_number: i32) -> Py<PyAny> {
    if recorder::PAUSED.load(Ordering::Relaxed) {
        return py.None();
    }
    // SAFETY: `code` is a live code object passed by the interpreter, the GIL is held, and the
    // value comes from slot_for() in this generation.
    unsafe {
        let value = recorder::slot_for(py, code.as_ptr());
        recorder::record(value, line_number);
        recorder::record_arc(value, line_number, line_number);
        let last =
            recorder::arc_state_mut(value).and_then(|state| state.last_line.replace(line_number));
        // 3.12/3.13: a line an exception handler lands on was entered from the line the
        // exception came from (what coverage.py's C tracer records), which the last line
        // reported need not be: the lines in between may have stopped reporting (DISABLE).
        #[cfg(not(Py_3_14))]
        let last = match recorder::arc_state_mut(value) {
            Some(state) => exception_source(py, code, state).or(last),
            None => last,
        };
        if let Some(last) = last.filter(|&last| last != line_number) {
            recorder::record_arc(value, last, line_number);
        }
        #[cfg(not(Py_3_14))]
        {
            let watched = recorder::arc_state_mut(value)
                .filter(|state| !state.watches.is_empty())
                .and_then(|state| state.watches.remove(&line_number));
            for (from, to) in watched.unwrap_or_default() {
                recorder::record_arc(value, from, to);
            }
        }
    }
    disable(py)
}

/// If the running frame of `code` stands where an exception handler lands, the line of this
/// frame the handled exception came from (its traceback's entry for this frame).
#[cfg(not(Py_3_14))]
fn exception_source(
    py: Python<'_>,
    code: &Bound<'_, PyAny>,
    state: &mut recorder::ArcState,
) -> Option<i32> {
    if state.landings.is_none() {
        state.landings = Some(handler_landings(code).unwrap_or_default());
    }
    let landings = state.landings.as_ref()?;
    if landings.is_empty() {
        return None;
    }
    // SAFETY: the GIL is held; PyEval_GetFrame returns the borrowed frame the event is about
    // (callbacks run on top of it), PyFrame_GetLasti only reads it.
    let (frame, offset) = unsafe {
        let frame = pyo3::ffi::PyEval_GetFrame();
        if frame.is_null() {
            return None;
        }
        (frame, pyo3::ffi::PyFrame_GetLasti(frame))
    };
    let offset = usize::try_from(offset).ok()?;
    if !landings.contains(&offset) {
        return None;
    }
    // SAFETY: the GIL is held; PyErr_GetHandledException returns a new reference or null.
    let exception =
        unsafe { Bound::from_owned_ptr_or_opt(py, pyo3::ffi::PyErr_GetHandledException()) }?;
    let mut traceback = exception.getattr("__traceback__").ok()?;
    let mut line = None;
    while !traceback.is_none() {
        let here = traceback
            .getattr("tb_frame")
            .is_ok_and(|f| f.as_ptr() == frame as *mut pyo3::ffi::PyObject);
        if here {
            line = traceback.getattr("tb_lineno").ok()?.extract::<i32>().ok();
        }
        traceback = traceback.getattr("tb_next").ok()?;
    }
    if PyErr::occurred(py) {
        let _ = PyErr::take(py);
    }
    line
}

/// Where each exception handler of `code` lands: from each target of its exception table,
/// the first instruction that has a line (the ones before, PUSH_EXC_INFO and such, have none).
#[cfg(not(Py_3_14))]
fn handler_landings(code: &Bound<'_, PyAny>) -> Option<Vec<usize>> {
    let table: Vec<u8> = code.getattr("co_exceptiontable").ok()?.extract().ok()?;
    if table.is_empty() {
        return Some(Vec::new());
    }
    let handlers = ferrocov_core::probes::decode_exception_table(&table)?;
    let lines = crate::branches::byte_lines(code).ok()?;
    let mut landings: Vec<usize> = Vec::new();
    for handler in handlers {
        let mut at = handler.target as usize * 2;
        while at / 2 < lines.len() {
            if crate::branches::line_at(&lines, at).is_some() {
                landings.push(at);
                break;
            }
            at += 2;
        }
    }
    landings.sort_unstable();
    landings.dedup();
    Some(landings)
}

/// PY_RETURN (branch measurement): the arc out of the code object, from the returning line;
/// with dynamic contexts, a test function's context ends.
#[pyfunction]
pub fn py_return(
    py: Python<'_>,
    code: &Bound<'_, PyAny>,
    offset: usize,
    _value: &Bound<'_, PyAny>,
) -> Py<PyAny> {
    let keep_firing =
        crate::dynamic::ENABLED.load(Ordering::Relaxed) && crate::dynamic::is_test_name(code);
    if recorder::PAUSED.load(Ordering::Relaxed) {
        return py.None();
    }
    // SAFETY: as in line_arcs.
    unsafe {
        let value = recorder::slot_for(py, code.as_ptr());
        if let Some(state) = recorder::arc_state_mut(value) {
            let first_line = state.first_line;
            // This frame ends: the next line of this code object belongs to another frame.
            state.last_line = None;
            let line = match &state.trail {
                Some(trail) => trail.line(offset),
                None => crate::branches::byte_lines(code)
                    .ok()
                    .and_then(|lines| crate::branches::line_at(&lines, offset)),
            };
            if let Some(line) = line {
                recorder::record_arc(value, line, -first_line);
            }
        }
    }
    if keep_firing {
        context_frame_ends(py);
        return py.None();
    }
    disable(py)
}

/// BRANCH_LEFT / BRANCH_RIGHT (3.14+), BRANCH (3.12, 3.13) (branch measurement): the arc the
/// branch took. On 3.14 each way is disabled once taken. On 3.12 and 3.13 one BRANCH event
/// serves both ways, and DISABLE would silence the way not yet taken: a branch keeps firing
/// until it has gone two ways (almost every branch does, soon), then is disabled.
#[pyfunction]
pub fn branch(
    py: Python<'_>,
    code: &Bound<'_, PyAny>,
    offset: usize,
    destination: usize,
) -> Py<PyAny> {
    if recorder::PAUSED.load(Ordering::Relaxed) {
        return py.None();
    }
    #[cfg(not(Py_3_14))]
    let mut both_ways = true;
    // SAFETY: as in line_arcs.
    unsafe {
        let value = recorder::slot_for(py, code.as_ptr());
        // This way again (one lookup: this is what a branch going one way pays each time):
        // recorded already. Disabled if the arc the other way would record has been stored
        // meanwhile (a loop's test at its top and at its bottom leave by the same arc), else it
        // keeps firing.
        #[cfg(not(Py_3_14))]
        if let Some(state) = recorder::arc_state_mut(value) {
            if let Some(&(first, other)) = state.branch_first.get(&offset) {
                if first == destination {
                    let learnt = other.is_some_and(|(from, to)| state.has_arc(from, to));
                    return if learnt { disable(py) } else { py.None() };
                }
            }
        }
        let arc = match recorder::arc_state_mut(value) {
            Some(state) => {
                if state.trail.is_none() {
                    let multiline = multiline_map(py, &state.path);
                    state.trail = crate::branches::Trail::new(code, multiline)
                        .ok()
                        .map(Box::new);
                }
                let first_line = state.first_line;
                let arc = state
                    .trail
                    .as_ref()
                    .and_then(|trail| trail.arc(offset, destination, first_line));
                // An `except` clause's test is left to be disabled now (`both_ways` stays
                // true): coverage.py's analysis gives its line one way out only (into the
                // handler), so neither way is a branch any report counts, and the lines either
                // way leads to record themselves (their LINE events). Code that raises and
                // catches on every call would otherwise pay this event per exception.
                #[cfg(not(Py_3_14))]
                if !state.branch_first.contains_key(&offset)
                    && !state
                        .trail
                        .as_ref()
                        .is_some_and(|trail| trail.tests_an_exception(offset))
                {
                    // The first way this branch goes. If the other way would record nothing
                    // new (no arc, this very arc, or one already stored), there is nothing
                    // left to learn here: disable it now rather than at its second way.
                    let other = state.trail.as_ref().and_then(|trail| {
                        trail
                            .other_way(offset, destination)
                            .map(|way| trail.arc(offset, way, first_line))
                    });
                    both_ways = match other {
                        Some(None) => true,
                        Some(Some(other)) => Some(other) == arc || state.has_arc(other.0, other.1),
                        None => false,
                    };
                    if !both_ways && watch_other_way(py, code, state, offset, destination) {
                        both_ways = true;
                    }
                    if !both_ways {
                        state
                            .branch_first
                            .insert(offset, (destination, other.flatten()));
                    }
                }
                arc
            }
            None => None,
        };
        if PyErr::occurred(py) {
            let _ = PyErr::take(py);
        }
        if let Some((from, to)) = arc {
            recorder::record_arc(value, from, to);
        }
    }
    #[cfg(not(Py_3_14))]
    if !both_ways {
        return py.None();
    }
    disable(py)
}

/// 3.12 and 3.13: can the other way of the branch at `offset` (which went to `destination`)
/// be told by the LINE event of the line it leads to? Yes if that line has not run yet, is
/// entered from the branch's own line only (the control-flow graph says so), and this is not
/// a generator (whose resumption enters lines too). Then the arc is stored when that line first
/// runs, and the branch can be disabled now. A way that leaves the code object through a return
/// on the branch's own line is told by that return's PY_RETURN event likewise.
#[cfg(not(Py_3_14))]
fn watch_other_way(
    py: Python<'_>,
    code: &Bound<'_, PyAny>,
    state: &mut recorder::ArcState,
    offset: usize,
    destination: usize,
) -> bool {
    if state.generator_code.is_some() {
        return false;
    }
    let first_line = state.first_line;
    let Some(trail) = state.trail.as_mut() else {
        return false;
    };
    let Some(other) = trail.other_way(offset, destination) else {
        return false;
    };
    let Some(((from, to), at)) = trail.resolve_to(offset, other, first_line) else {
        return false;
    };
    if to == -first_line {
        // The way out of the code object (a loop that ends the function, an `if` whose other
        // way returns): the return it reaches records this very arc with its PY_RETURN event
        // the first time it runs, when it stands on the branch's own line.
        return trail.raw_line(at) == Some(from);
    }
    let Some(raw) = trail.raw_line(at) else {
        return false;
    };
    if to <= 0 || trail.statement_of(raw) != to {
        return false;
    }
    // The exception table read here, not through `dis` (an import in the middle of the run).
    let handlers = || -> Option<Vec<usize>> {
        let table: Vec<u8> = code.getattr("co_exceptiontable").ok()?.extract().ok()?;
        let entries = ferrocov_core::probes::decode_exception_table(&table)?;
        Some(entries.iter().map(|h| h.target as usize * 2).collect())
    };
    let entry = trail.only_entry(raw, handlers);
    if PyErr::occurred(py) {
        let _ = PyErr::take(py);
    }
    let Some(entry) = entry else { return false };
    if trail.statement_of(entry) != from || state.has_arc(raw, raw) {
        return false;
    }
    state.watches.entry(raw).or_default().push((from, to));
    true
}

/// A file's multi-line statements: each line of one, mapped to its first line.
type MultilineMap = Arc<HashMap<i32, i32>>;

/// Per file, its multi-line statements (computed once per process).
static MULTILINE: std::sync::Mutex<Option<HashMap<String, MultilineMap>>> =
    std::sync::Mutex::new(None);

fn multiline_map(py: Python<'_>, path: &str) -> MultilineMap {
    let mut guard = match MULTILINE.lock() {
        Ok(guard) => guard,
        Err(poisoned) => poisoned.into_inner(),
    };
    let cache = guard.get_or_insert_with(HashMap::new);
    if let Some(found) = cache.get(path) {
        return found.clone();
    }
    // The source as coverage.py reads it, its tokens as the compiler reads them (3.12+), the
    // statements that span lines; nothing when it can't be read or tokenized.
    let computed: HashMap<i32, i32> = match crate::source::read_source(py, path) {
        Ok(text) => py.detach(|| {
            ferrocov_core::tokens::tokenize(&text, ferrocov_core::tokens::TokenRule::Compiler)
                .map(|tokens| {
                    ferrocov_core::analysis::multiline_map(&tokens)
                        .into_iter()
                        .filter_map(|(line, first)| {
                            Some((i32::try_from(line).ok()?, i32::try_from(first).ok()?))
                        })
                        .collect()
                })
                .unwrap_or_default()
        }),
        Err(_) => HashMap::new(),
    };
    let computed = Arc::new(computed);
    cache.insert(path.to_string(), computed.clone());
    computed
}

/// Claim a free tool id and register the callbacks. Returns the id.
pub fn install(py: Python<'_>, module: &Bound<'_, PyModule>, branch: bool) -> PyResult<i32> {
    let monitoring = recorder::loaded_module(py, "sys")?.getattr("monitoring")?;
    let mut chosen = None;
    for candidate in TOOL_IDS {
        if monitoring.call_method1("get_tool", (candidate,))?.is_none() {
            monitoring.call_method1("use_tool_id", (candidate, "ferrocov"))?;
            chosen = Some(candidate);
            break;
        }
    }
    let Some(tool) = chosen else {
        return Err(pyo3::exceptions::PyRuntimeError::new_err(
            "sys.monitoring tool ids 1, 4 and 3 are all in use",
        ));
    };
    TOOL_ID.store(tool, Ordering::Relaxed);
    let mut callbacks = vec![(EVENT_PY_START, "_py_start")];
    if branch {
        crate::branches::configure(py)?;
        // 3.14: a branch's two ways are two events; 3.12 and 3.13: one BRANCH event (the bit
        // BRANCH_LEFT has on 3.14) for both.
        #[cfg(Py_3_14)]
        let branch_events = [EVENT_BRANCH_LEFT, EVENT_BRANCH_RIGHT];
        #[cfg(not(Py_3_14))]
        let branch_events = [EVENT_BRANCH];
        callbacks.extend([(EVENT_LINE, "_line_arcs"), (EVENT_PY_RETURN, "_py_return")]);
        let mut local = EVENT_LINE | EVENT_PY_RETURN;
        for event in branch_events {
            callbacks.push((event, "_branch"));
            local |= event;
        }
        LOCAL_EVENTS.store(local, Ordering::Relaxed);
    } else {
        callbacks.push((EVENT_LINE, "_line"));
        LOCAL_EVENTS.store(EVENT_LINE, Ordering::Relaxed);
    }
    let mut global_events = EVENT_PY_START;
    if crate::dynamic::ENABLED.load(Ordering::Relaxed) {
        // Test functions' returns and unwinds end their contexts.
        let unwind: i32 = monitoring
            .getattr("events")?
            .getattr("PY_UNWIND")?
            .extract()?;
        if !callbacks.iter().any(|(event, _)| *event == EVENT_PY_RETURN) {
            callbacks.push((EVENT_PY_RETURN, "_py_return"));
        }
        callbacks.push((unwind, "_py_unwind"));
        callbacks.push((EVENT_PY_YIELD, "_py_yield"));
        callbacks.push((EVENT_PY_RESUME, "_py_resume"));
        global_events |= unwind;
        PY_UNWIND.store(unwind, Ordering::Relaxed);
    }
    let mut registered = 0;
    for (event, name) in callbacks {
        monitoring.call_method1("register_callback", (tool, event, module.getattr(name)?))?;
        registered |= event;
    }
    REGISTERED.store(registered, Ordering::Relaxed);
    monitoring.call_method1("set_events", (tool, global_events))?;
    // Looked up now, not in the first callback.
    let _ = disable(py);
    let _ = set_local_events(py);
    TOOL_LOST_SAID.store(false, Ordering::Relaxed);
    Ok(tool)
}

/// Is the tool id still ferrocov's? The program may have freed it
/// (`sys.monitoring.free_tool_id`) or given it to another tool: measurement stopped there.
/// Says so once (what was recorded until then is in the data file and is kept).
pub fn still_ours(py: Python<'_>) -> bool {
    let tool = TOOL_ID.load(Ordering::Relaxed);
    if tool < 0 {
        return true;
    }
    let name = recorder::loaded_module(py, "sys")
        .and_then(|sys| sys.getattr("monitoring"))
        .and_then(|m| m.call_method1("get_tool", (tool,)))
        .and_then(|n| n.extract::<Option<String>>());
    let ours = match name {
        Ok(Some(name)) => name == "ferrocov",
        Ok(None) => false,
        Err(_) => {
            let _ = PyErr::take(py);
            true
        }
    };
    if !ours && !TOOL_LOST_SAID.swap(true, Ordering::Relaxed) {
        ferrocov_core::stderr::line(&format!(
            "sys.monitoring tool id {tool} was freed or taken over by the program: coverage was not recorded after that (what was recorded before is kept)"
        ));
    }
    ours
}

/// Said once: the tool id was lost.
static TOOL_LOST_SAID: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Stop all events and release the tool id (unless the program took it already).
pub fn uninstall(py: Python<'_>) -> PyResult<()> {
    if !still_ours(py) {
        TOOL_ID.store(-1, Ordering::Relaxed);
        REGISTERED.store(0, Ordering::Relaxed);
        PY_UNWIND.store(0, Ordering::Relaxed);
        return Ok(());
    }
    let tool = TOOL_ID.swap(-1, Ordering::Relaxed);
    if tool < 0 {
        return Ok(());
    }
    let monitoring = recorder::loaded_module(py, "sys")?.getattr("monitoring")?;
    monitoring.call_method1("set_events", (tool, 0))?;
    let registered = REGISTERED.swap(0, Ordering::Relaxed);
    let unwind = PY_UNWIND.swap(0, Ordering::Relaxed);
    for event in ALL_EVENTS
        .into_iter()
        .chain((unwind != 0).then_some(unwind))
    {
        if registered & event != 0 {
            monitoring.call_method1("register_callback", (tool, event, py.None()))?;
        }
    }
    monitoring.call_method1("free_tool_id", (tool,))?;
    Ok(())
}

/// After a fork: lines the parent disabled must fire again for the child's own file.
pub fn restart(py: Python<'_>) -> PyResult<()> {
    if TOOL_ID.load(Ordering::Relaxed) >= 0 && still_ours(py) {
        recorder::loaded_module(py, "sys")?
            .getattr("monitoring")?
            .call_method0("restart_events")?;
    }
    Ok(())
}
