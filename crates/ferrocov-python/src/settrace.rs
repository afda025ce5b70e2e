//! The measurement core for CPython 3.10 and 3.11: a C-level trace function.
//!
//! Frames of files that are not measured have their `f_trace_lines` switched off at their
//! call event, so the interpreter sends them no line events at all.

use std::ffi::c_int;

use pyo3::ffi;
use pyo3::prelude::*;

use crate::recorder;

extern "C" {
    // CPython 3.9-3.11 export this (Include/cpython/ceval.h): PyEval_SetTrace for any thread.
    fn _PyEval_SetTrace(tstate: *mut ffi::PyThreadState, func: Option<ffi::Py_tracefunc>, arg: *mut ffi::PyObject) -> c_int;
}

/// Byte offset of `f_trace_lines` in `PyFrameObject` for this interpreter version, checked
/// against the real attribute at start-up (see [`check_frame_layout`]).
#[cfg(Py_3_11)]
const F_TRACE_LINES_OFFSET: usize = 44;
#[cfg(not(Py_3_11))]
const F_TRACE_LINES_OFFSET: usize = 84;

static mut FRAME_LAYOUT_VERIFIED: bool = false;

/// Verify [`F_TRACE_LINES_OFFSET`] on a real frame; if it is wrong, fall back to setattr.
pub fn check_frame_layout(py: Python<'_>) -> PyResult<bool> {
    let sys = py.import("sys")?;
    let frame = sys.call_method1("_getframe", (0,))?;
    let pointer = frame.as_ptr() as *const u8;
    let original: bool = frame.getattr("f_trace_lines")?.extract()?;
    let mut verified = true;
    for value in [false, true, original] {
        frame.setattr("f_trace_lines", value)?;
        // SAFETY: the offset lies inside the PyFrameObject struct on 3.10 and 3.11 (its size
        // is larger than 88 bytes), and the frame is alive while we hold `frame`.
        let byte = unsafe { *pointer.add(F_TRACE_LINES_OFFSET) };
        verified &= byte == value as u8;
    }
    // SAFETY: written once at start, with the GIL held, before the tracer is installed.
    unsafe { FRAME_LAYOUT_VERIFIED = verified };
    Ok(verified)
}

#[inline(always)]
unsafe fn stop_line_events(frame: *mut ffi::PyFrameObject) {
    // SAFETY: written only before tracing starts; reads afterwards never race with writes.
    if unsafe { FRAME_LAYOUT_VERIFIED } {
        // SAFETY: the layout was verified at start-up; `frame` is the live frame being traced.
        unsafe { *(frame as *mut u8).add(F_TRACE_LINES_OFFSET) = 0 };
    } else {
        // SAFETY: GIL held by the interpreter calling us.
        unsafe {
            let name = c"f_trace_lines";
            if ffi::PyObject_SetAttrString(frame as *mut ffi::PyObject, name.as_ptr(), ffi::Py_False()) != 0 {
                ffi::PyErr_Clear();
            }
        }
    }
}

/// The trace function. Never raises: it always returns 0.
unsafe extern "C" fn trace(_obj: *mut ffi::PyObject, frame: *mut ffi::PyFrameObject, what: c_int, _arg: *mut ffi::PyObject) -> c_int {
    if (what != ffi::PyTrace_LINE && what != ffi::PyTrace_CALL) || recorder::PAUSED.load(std::sync::atomic::Ordering::Relaxed) {
        return 0;
    }
    // SAFETY: the interpreter calls us with the GIL held and a live frame.
    unsafe {
        let code = ffi::PyFrame_GetCode(frame) as *mut ffi::PyObject;
        let value = recorder::slot_for(Python::assume_attached(), code);
        ffi::Py_DECREF(code);
        if what == ffi::PyTrace_LINE {
            if value == recorder::not_measured() || recorder::record(value, ffi::PyFrame_GetLineNumber(frame)) {
                // Every line of this code has now been seen: this frame needs no more events.
                stop_line_events(frame);
            }
        } else if recorder::all_seen(value) {
            // Not measured, or nothing left to learn from it: no line events for this frame.
            stop_line_events(frame);
        }
    }
    0
}

/// Install the trace function in the calling thread.
pub fn install_current_thread() {
    // SAFETY: GIL held by the caller (a #[pyfunction]).
    unsafe { ffi::PyEval_SetTrace(Some(trace), std::ptr::null_mut()) };
}

/// Install the trace function in every thread of the interpreter that exists now.
pub fn install_all_threads() {
    // SAFETY: GIL held; the thread list does not change while we hold it.
    unsafe {
        let interpreter = ffi::PyInterpreterState_Get();
        let mut thread = ffi::PyInterpreterState_ThreadHead(interpreter);
        while !thread.is_null() {
            if _PyEval_SetTrace(thread, Some(trace), std::ptr::null_mut()) != 0 {
                ffi::PyErr_Clear();
            }
            thread = ffi::PyThreadState_Next(thread);
        }
    }
}

/// Remove the trace function from every thread.
pub fn uninstall_all_threads() {
    // SAFETY: as in install_all_threads.
    unsafe {
        let interpreter = ffi::PyInterpreterState_Get();
        let mut thread = ffi::PyInterpreterState_ThreadHead(interpreter);
        while !thread.is_null() {
            if _PyEval_SetTrace(thread, None, std::ptr::null_mut()) != 0 {
                ffi::PyErr_Clear();
            }
            thread = ffi::PyThreadState_Next(thread);
        }
    }
}
