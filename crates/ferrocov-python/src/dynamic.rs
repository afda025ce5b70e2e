//! `[run] dynamic_context = test_function`: while a test function runs (a function whose name
//! starts with `test`, or `runTest`), hits are recorded in a context named after it
//! (`module.Class.test_x`, as coverage.py names it, after `[run] context` and a `|` when there is
//! one). The context starts at the call, when no test function is already running, and ends
//! when that call returns. The tracer cores tell this module about calls and returns.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Mutex;

use pyo3::prelude::*;

use crate::recorder;

/// Is `dynamic_context = test_function` on?
pub static ENABLED: AtomicBool = AtomicBool::new(false);
/// The frame of the running test function (its address), 0 when none runs.
static ACTIVE_FRAME: AtomicUsize = AtomicUsize::new(0);
/// The static context (`[run] context`), which the dynamic one follows.
static STATIC: Mutex<String> = Mutex::new(String::new());

pub fn configure(enabled: bool, static_context: &str) {
    ENABLED.store(enabled, Ordering::Relaxed);
    ACTIVE_FRAME.store(0, Ordering::Relaxed);
    if let Ok(mut guard) = STATIC.lock() {
        *guard = static_context.to_string();
    }
}

/// Is this the code of a test function, by its name? (The cheap check made at every call.)
pub fn is_test_name(code: &Bound<'_, PyAny>) -> bool {
    code.getattr("co_name")
        .and_then(|name| name.extract::<pyo3::pybacked::PyBackedStr>())
        .is_ok_and(|name| name.starts_with("test") || &*name == "runTest")
}

/// A call starts in `frame` (of code `code`): maybe a test function's context begins.
/// Returns whether the context switched.
pub fn on_call(py: Python<'_>, frame: &Bound<'_, PyAny>, code: &Bound<'_, PyAny>) -> bool {
    if ACTIVE_FRAME.load(Ordering::Relaxed) != 0 || !is_test_name(code) {
        return false;
    }
    // Loaded by `_measure.start` before measuring began: no import runs here, in the middle
    // of the program.
    let name: Option<String> = recorder::loaded_module(py, "ferrocov._contexts")
        .or_else(|_| py.import("ferrocov._contexts").map(|m| m.into_any()))
        .and_then(|module| module.call_method1("test_function_context", (frame,)))
        .and_then(|name| name.extract())
        .unwrap_or_else(|_| {
            let _ = PyErr::take(py);
            None
        });
    let Some(name) = name else { return false };
    ACTIVE_FRAME.store(frame.as_ptr() as usize, Ordering::Relaxed);
    let context = match STATIC.lock() {
        Ok(guard) if !guard.is_empty() => format!("{}|{name}", *guard),
        _ => name,
    };
    recorder::set_context(&context)
}

/// The frame at `frame` ends: if it is the running test function's, its context ends.
pub fn on_return(frame: usize) -> bool {
    if frame == 0 || ACTIVE_FRAME.load(Ordering::Relaxed) != frame {
        return false;
    }
    ACTIVE_FRAME.store(0, Ordering::Relaxed);
    let context = STATIC.lock().map(|guard| guard.clone()).unwrap_or_default();
    recorder::set_context(&context)
}

/// The frame the interpreter is running now (the one a sys.monitoring event is about), as an
/// address; 0 if there is none.
#[cfg(Py_3_12)]
pub fn current_frame() -> usize {
    // SAFETY: called with the GIL held from a monitoring callback; the result is a borrowed
    // reference, compared by address only.
    unsafe { pyo3::ffi::PyEval_GetFrame() as usize }
}
