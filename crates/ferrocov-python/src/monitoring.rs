//! The measurement core for CPython 3.12+: `sys.monitoring` with a tool id of its own.
//!
//! Only PY_START is enabled globally. A code object of a measured file gets LINE events
//! switched on locally at its first start; every other code object is never instrumented.
//! Both callbacks return DISABLE, so a line costs nothing once it has been recorded.

use std::sync::atomic::{AtomicI32, Ordering};

use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;

use crate::recorder;

static DISABLE: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
static SET_LOCAL_EVENTS: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
static TOOL_ID: AtomicI32 = AtomicI32::new(-1);
const EVENT_PY_START: i32 = 1;
const EVENT_LINE: i32 = 1 << 5;

fn disable(py: Python<'_>) -> Py<PyAny> {
    DISABLE
        .get_or_init(py, || {
            py.import("sys")
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
        Ok(py.import("sys")?.getattr("monitoring")?.getattr("set_local_events")?.unbind())
    })
}

/// PY_START: decide once per code object whether to turn LINE events on for it.
#[pyfunction]
pub fn py_start(py: Python<'_>, code: &Bound<'_, PyAny>, _offset: &Bound<'_, PyAny>) -> Py<PyAny> {
    if recorder::PAUSED.load(Ordering::Relaxed) {
        return py.None();
    }
    // SAFETY: `code` is a live code object passed by the interpreter; the GIL is held.
    let value = unsafe { recorder::slot_for(py, code.as_ptr()) };
    if value != recorder::not_measured() {
        let tool = TOOL_ID.load(Ordering::Relaxed);
        let result = set_local_events(py).and_then(|set| set.call1(py, (tool, code, EVENT_LINE)));
        if result.is_err() {
            let _ = PyErr::take(py);
        }
    }
    disable(py)
}

/// LINE: record the line, then never be called for it again.
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

/// The tool ids ferrocov may claim, in order: `sys.monitoring.COVERAGE_ID` (1), the id meant
/// for coverage tools, then the two ids CPython gives no role. Never the debugger's (0), the
/// profiler's (2) or the optimizer's (5): programs claim those.
const TOOL_IDS: [i32; 3] = [1, 4, 3];

/// Claim a free tool id and register the callbacks. Returns the id.
pub fn install(py: Python<'_>, module: &Bound<'_, PyModule>) -> PyResult<i32> {
    let monitoring = py.import("sys")?.getattr("monitoring")?;
    let mut chosen = None;
    for candidate in TOOL_IDS {
        if monitoring.call_method1("get_tool", (candidate,))?.is_none() {
            monitoring.call_method1("use_tool_id", (candidate, "ferrocov"))?;
            chosen = Some(candidate);
            break;
        }
    }
    let Some(tool) = chosen else {
        return Err(pyo3::exceptions::PyRuntimeError::new_err("sys.monitoring tool ids 1, 4 and 3 are all in use"));
    };
    TOOL_ID.store(tool, Ordering::Relaxed);
    monitoring.call_method1("register_callback", (tool, EVENT_PY_START, module.getattr("_py_start")?))?;
    monitoring.call_method1("register_callback", (tool, EVENT_LINE, module.getattr("_line")?))?;
    monitoring.call_method1("set_events", (tool, EVENT_PY_START))?;
    let _ = disable(py);
    Ok(tool)
}

/// Stop all events and release the tool id.
pub fn uninstall(py: Python<'_>) -> PyResult<()> {
    let tool = TOOL_ID.swap(-1, Ordering::Relaxed);
    if tool < 0 {
        return Ok(());
    }
    let monitoring = py.import("sys")?.getattr("monitoring")?;
    monitoring.call_method1("set_events", (tool, 0))?;
    monitoring.call_method1("register_callback", (tool, EVENT_PY_START, py.None()))?;
    monitoring.call_method1("register_callback", (tool, EVENT_LINE, py.None()))?;
    monitoring.call_method1("free_tool_id", (tool,))?;
    Ok(())
}

/// After a fork: lines the parent disabled must fire again for the child's own file.
pub fn restart(py: Python<'_>) -> PyResult<()> {
    if TOOL_ID.load(Ordering::Relaxed) >= 0 {
        py.import("sys")?.getattr("monitoring")?.call_method0("restart_events")?;
    }
    Ok(())
}
