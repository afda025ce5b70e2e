//! The measurement core for CPython 3.10 and 3.11, and for branch measurement on every
//! version: a C-level trace function.
//!
//! Frames of files that are not measured have their `f_trace_lines` switched off at their
//! call event, so the interpreter sends them no line events at all.
//!
//! Branch measurement records arcs the way coverage.py's C tracer does, so that the two agree
//! on every version: the entry to a code object is `-co_firstlineno -> line` (a generator
//! resuming enters from the line it paused on), each line event adds `previous -> line`, and a
//! real return (not a yield) adds `previous -> -co_firstlineno`. The previous line of each
//! running frame is kept on a per-thread stack.

use std::cell::RefCell;
use std::ffi::c_int;
use std::sync::atomic::{AtomicU8, Ordering};

use pyo3::ffi;
use pyo3::prelude::*;

use crate::recorder;

#[cfg(not(Py_3_12))]
extern "C" {
    // CPython 3.9-3.11 export this (Include/cpython/ceval.h): PyEval_SetTrace for any thread.
    fn _PyEval_SetTrace(
        tstate: *mut ffi::PyThreadState,
        func: Option<ffi::Py_tracefunc>,
        arg: *mut ffi::PyObject,
    ) -> c_int;
}

/// Opcodes the arc tracer looks at, from `dis.opmap` (0 when this version has none).
static OP_RESUME: AtomicU8 = AtomicU8::new(0);
static OP_YIELD_VALUE: AtomicU8 = AtomicU8::new(0);
static OP_YIELD_FROM: AtomicU8 = AtomicU8::new(0);

/// Branch measurement is on: [`install_all_threads`] installs the arc tracer.
static BRANCH: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Choose the line or the arc tracer, and learn the opcodes the arc tracer needs.
pub fn configure(py: Python<'_>, branch: bool) -> PyResult<()> {
    BRANCH.store(branch, Ordering::Relaxed);
    let opmap = py.import("opcode")?.getattr("opmap")?;
    let get = |name: &str| -> u8 {
        opmap
            .get_item(name)
            .and_then(|v| v.extract::<u8>())
            .unwrap_or(0)
    };
    OP_RESUME.store(get("RESUME"), Ordering::Relaxed);
    OP_YIELD_VALUE.store(get("YIELD_VALUE"), Ordering::Relaxed);
    OP_YIELD_FROM.store(get("YIELD_FROM"), Ordering::Relaxed);
    Ok(())
}

fn tracer() -> ffi::Py_tracefunc {
    if BRANCH.load(Ordering::Relaxed) {
        trace_arcs
    } else {
        trace
    }
}

/// One running frame of measured code: the line it last reported.
struct Running {
    frame: usize,
    last_line: i32,
}

thread_local! {
    static STACK: RefCell<Vec<Running>> = const { RefCell::new(Vec::new()) };
}

/// The frame's last instruction as a byte offset (negative before its first instruction).
///
/// # Safety
/// `frame` must be live and the GIL held.
pub(crate) unsafe fn last_instruction(frame: *mut ffi::PyFrameObject) -> i64 {
    #[cfg(Py_3_11)]
    {
        // SAFETY: as the caller guarantees.
        unsafe { ffi::PyFrame_GetLasti(frame) as i64 }
    }
    #[cfg(not(Py_3_11))]
    {
        // SAFETY: as the caller guarantees; a failed lookup leaves no exception behind.
        unsafe {
            let name = c"f_lasti";
            let value = ffi::PyObject_GetAttrString(frame as *mut ffi::PyObject, name.as_ptr());
            if value.is_null() {
                ffi::PyErr_Clear();
                return -1;
            }
            let lasti = ffi::PyLong_AsLong(value);
            ffi::Py_DECREF(value);
            if lasti == -1 {
                ffi::PyErr_Clear();
            }
            lasti as i64
        }
    }
}

/// Is this call event a real call, not a generator resuming? (coverage.py's rule.)
unsafe fn is_real_call(code: Option<&[u8]>, frame: *mut ffi::PyFrameObject) -> bool {
    let Some(code) = code else { return true };
    // SAFETY: as for last_instruction.
    let lasti = unsafe { last_instruction(frame) };
    let resume = OP_RESUME.load(Ordering::Relaxed);
    if resume != 0 {
        // The current instruction is RESUME; its argument is 0 at the start of the code.
        usize::try_from(lasti + 1)
            .ok()
            .and_then(|i| code.get(i))
            .is_none_or(|&arg| arg == 0)
    } else {
        lasti < 0
    }
}

/// Is this return event a real return, not a yield? (coverage.py's rule.)
unsafe fn is_real_return(code: Option<&[u8]>, frame: *mut ffi::PyFrameObject) -> bool {
    let Some(code) = code else { return true };
    // SAFETY: as for last_instruction.
    let lasti = unsafe { last_instruction(frame) };
    let Ok(lasti) = usize::try_from(lasti) else {
        return true;
    };
    let resume = OP_RESUME.load(Ordering::Relaxed);
    if resume != 0 {
        if lasti + 2 == code.len() {
            return true;
        }
        // A yield is followed by the RESUME it continues at; 3.13 reports the RESUME itself
        // as the last instruction (python/cpython#113728).
        code.get(lasti).is_none_or(|&op| op != resume)
            && code.get(lasti + 2).is_none_or(|&op| op != resume)
    } else {
        let is_yield = code
            .get(lasti)
            .is_some_and(|&op| op == OP_YIELD_VALUE.load(Ordering::Relaxed));
        let is_yield_from =
            lasti + 2 < code.len() && code[lasti + 2] == OP_YIELD_FROM.load(Ordering::Relaxed);
        !(is_yield || is_yield_from)
    }
}

/// The recorder's value for the code object `frame` runs.
///
/// # Safety
/// Called from a trace function: the GIL is held and `frame` is live.
#[inline(always)]
unsafe fn frame_value(frame: *mut ffi::PyFrameObject) -> *mut std::ffi::c_void {
    // SAFETY: as the caller guarantees; PyFrame_GetCode returns a new reference, released here.
    unsafe {
        let code = ffi::PyFrame_GetCode(frame) as *mut ffi::PyObject;
        let value = recorder::slot_for(Python::assume_attached(), code);
        ffi::Py_DECREF(code);
        value
    }
}

/// `dynamic_context = test_function`: a call may begin a test function's context, its return
/// ends it.
///
/// # Safety
/// Called from a trace function: the GIL is held and `frame` is live.
#[cold]
unsafe fn dynamic_event(frame: *mut ffi::PyFrameObject, what: c_int) {
    if what == ffi::PyTrace_CALL {
        // SAFETY: as the caller guarantees; PyFrame_GetCode returns a new reference.
        unsafe {
            let py = Python::assume_attached();
            let frame_object = Bound::from_borrowed_ptr(py, frame as *mut ffi::PyObject);
            let code = Bound::from_owned_ptr(py, ffi::PyFrame_GetCode(frame) as *mut ffi::PyObject);
            crate::dynamic::on_call(py, &frame_object, &code);
        }
    } else if what == ffi::PyTrace_RETURN {
        crate::dynamic::on_return(frame as usize);
    }
}

/// The arc tracer. Never raises: it always returns 0.
unsafe extern "C" fn trace_arcs(
    _obj: *mut ffi::PyObject,
    frame: *mut ffi::PyFrameObject,
    what: c_int,
    _arg: *mut ffi::PyObject,
) -> c_int {
    if crate::dynamic::ENABLED.load(Ordering::Relaxed) {
        // SAFETY: as this function's own caller guarantees.
        unsafe { dynamic_event(frame, what) };
    }
    if (what != ffi::PyTrace_LINE && what != ffi::PyTrace_CALL && what != ffi::PyTrace_RETURN)
        || recorder::PAUSED.load(Ordering::Relaxed)
    {
        return 0;
    }
    let key = frame as usize;
    if what == ffi::PyTrace_RETURN {
        let last_line = STACK.with(|stack| match stack.try_borrow_mut() {
            Ok(mut stack) if stack.last().is_some_and(|top| top.frame == key) => {
                stack.pop().map(|top| top.last_line)
            }
            _ => None,
        });
        let Some(last_line) = last_line else { return 0 };
        // SAFETY: the interpreter calls us with the GIL held and a live frame.
        unsafe {
            let value = frame_value(frame);
            if let Some(arcs) = recorder::arc_state(value) {
                let first_line = arcs.first_line;
                if is_real_return(arcs.generator_code.as_deref(), frame) {
                    recorder::record_arc(value, last_line, -first_line);
                }
            }
        }
        return 0;
    }
    // SAFETY: the interpreter calls us with the GIL held and a live frame.
    unsafe {
        let value = frame_value(frame);
        let Some(arcs) = recorder::arc_state(value) else {
            // Not measured: no line events for this frame.
            stop_line_events(frame);
            return 0;
        };
        if what == ffi::PyTrace_CALL {
            set_frame_trace(frame);
            let last_line = if is_real_call(arcs.generator_code.as_deref(), frame) {
                -arcs.first_line
            } else {
                ffi::PyFrame_GetLineNumber(frame)
            };
            STACK.with(|stack| {
                if let Ok(mut stack) = stack.try_borrow_mut() {
                    stack.push(Running {
                        frame: key,
                        last_line,
                    });
                }
            });
            return 0;
        }
        let line = ffi::PyFrame_GetLineNumber(frame);
        recorder::record(value, line);
        let from = STACK.with(|stack| {
            let Ok(mut stack) = stack.try_borrow_mut() else {
                return None;
            };
            match stack.last_mut() {
                Some(top) if top.frame == key => Some(std::mem::replace(&mut top.last_line, line)),
                _ => {
                    // A frame that was running before measurement started: no arc into it.
                    stack.push(Running {
                        frame: key,
                        last_line: line,
                    });
                    None
                }
            }
        });
        if let Some(from) = from {
            recorder::record_arc(value, from, line);
        }
    }
    0
}

/// Byte offset of `f_trace_lines` in `PyFrameObject` for this interpreter version, checked
/// against the real attribute at start-up (see [`check_frame_layout`]).
#[cfg(Py_3_11)]
const F_TRACE_LINES_OFFSET: usize = 44;
#[cfg(not(Py_3_11))]
const F_TRACE_LINES_OFFSET: usize = 84;

/// Byte offset of `f_trace` in `PyFrameObject`, checked the same way.
#[cfg(Py_3_11)]
const F_TRACE_OFFSET: usize = 32;
#[cfg(not(Py_3_11))]
const F_TRACE_OFFSET: usize = 72;

static mut FRAME_LAYOUT_VERIFIED: bool = false;
static mut F_TRACE_VERIFIED: bool = false;

/// Verify [`F_TRACE_LINES_OFFSET`] on a real frame; if it is wrong, fall back to setattr.
pub fn check_frame_layout(py: Python<'_>) -> PyResult<bool> {
    let sys = py.import("sys")?;
    let frame = sys.call_method1("_getframe", (0,))?;
    let pointer = frame.as_ptr() as *const u8;
    let original: bool = frame.getattr("f_trace_lines")?.extract()?;
    let mut verified = true;
    for value in [false, true, original] {
        frame.setattr("f_trace_lines", value)?;
        // SAFETY: the offset lies inside the PyFrameObject struct on every supported version
        // (at least 88 bytes on 3.10, 48 on 3.11+), and the frame is alive while we hold `frame`.
        let byte = unsafe { *pointer.add(F_TRACE_LINES_OFFSET) };
        verified &= byte == value as u8;
    }
    // SAFETY: written once at start, with the GIL held, before the tracer is installed.
    unsafe { FRAME_LAYOUT_VERIFIED = verified };
    let original = frame.getattr("f_trace")?;
    let marker = py.import("sys")?;
    frame.setattr("f_trace", &marker)?;
    // SAFETY: the offset lies inside the struct (see above); it holds an object pointer.
    let stored = unsafe { *(pointer.add(F_TRACE_OFFSET) as *const *mut ffi::PyObject) };
    frame.setattr("f_trace", original)?;
    // SAFETY: as above.
    unsafe { F_TRACE_VERIFIED = stored == marker.as_ptr() };
    Ok(verified)
}

/// Make `frame.f_trace` ferrocov's hook, as coverage.py's tracer does: if the program later
/// hands `sys.gettrace()`'s result back to `sys.settrace()`, the line events of frames already
/// running reach the hook, which records them and puts the C trace function back.
#[inline(always)]
unsafe fn set_frame_trace(frame: *mut ffi::PyFrameObject) {
    let hook = hook_pointer();
    if hook.is_null() {
        return;
    }
    // SAFETY: written only before tracing starts.
    if unsafe { F_TRACE_VERIFIED } {
        // SAFETY: the layout was verified at start-up; `frame` is live; the reference held by
        // the field is transferred exactly as `Py_XSETREF` does it.
        unsafe {
            let field = (frame as *mut u8).add(F_TRACE_OFFSET) as *mut *mut ffi::PyObject;
            let old = *field;
            if old != hook {
                ffi::Py_INCREF(hook);
                *field = hook;
                if !old.is_null() {
                    ffi::Py_DECREF(old);
                }
            }
        }
    } else {
        // SAFETY: GIL held by the interpreter calling us.
        unsafe {
            let name = c"f_trace";
            if ffi::PyObject_SetAttrString(frame as *mut ffi::PyObject, name.as_ptr(), hook) != 0 {
                ffi::PyErr_Clear();
            }
        }
    }
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
            if ffi::PyObject_SetAttrString(
                frame as *mut ffi::PyObject,
                name.as_ptr(),
                ffi::Py_False(),
            ) != 0
            {
                ffi::PyErr_Clear();
            }
        }
    }
}

/// The trace function. Never raises: it always returns 0.
unsafe extern "C" fn trace(
    _obj: *mut ffi::PyObject,
    frame: *mut ffi::PyFrameObject,
    what: c_int,
    _arg: *mut ffi::PyObject,
) -> c_int {
    if crate::dynamic::ENABLED.load(Ordering::Relaxed) {
        // SAFETY: as this function's own caller guarantees.
        unsafe { dynamic_event(frame, what) };
    }
    if (what != ffi::PyTrace_LINE && what != ffi::PyTrace_CALL)
        || recorder::PAUSED.load(std::sync::atomic::Ordering::Relaxed)
    {
        return 0;
    }
    // SAFETY: the interpreter calls us with the GIL held and a live frame.
    unsafe {
        let value = frame_value(frame);
        if what == ffi::PyTrace_LINE {
            if value == recorder::not_measured()
                || recorder::record(value, ffi::PyFrame_GetLineNumber(frame))
            {
                // Every line of this code has now been seen: this frame needs no more events.
                stop_line_events(frame);
            }
        } else if recorder::all_seen(value) {
            // Not measured, or nothing left to learn from it: no line events for this frame.
            stop_line_events(frame);
        } else {
            set_frame_trace(frame);
        }
    }
    0
}

/// The object `sys.gettrace()` returns while ferrocov traces. Code that saves the trace
/// function and restores it later (`test.support.no_tracing`, debuggers, profilers) hands it
/// back to `sys.settrace()`; called as a Python trace function, it forwards the event and puts
/// the C trace function back, so measurement survives the round trip (as with coverage.py).
#[pyclass(module = "ferrocov._core", name = "Tracer")]
pub struct TraceHook;

#[pymethods]
impl TraceHook {
    fn __call__(
        slf: &Bound<'_, Self>,
        frame: &Bound<'_, PyAny>,
        event: &str,
        arg: &Bound<'_, PyAny>,
    ) -> Py<PyAny> {
        if !ACTIVE.load(Ordering::Relaxed) {
            // Measurement has stopped: leave whatever tracer the program has alone.
            return slf.py().None();
        }
        let what = match event {
            "call" => ffi::PyTrace_CALL,
            "exception" => ffi::PyTrace_EXCEPTION,
            "line" => ffi::PyTrace_LINE,
            "return" => ffi::PyTrace_RETURN,
            _ => -1,
        };
        if what >= 0 && frame.is_instance_of::<pyo3::types::PyFrame>() {
            // SAFETY: GIL held; `frame` is a live frame object; the trace functions never raise.
            unsafe {
                tracer()(
                    slf.as_ptr(),
                    frame.as_ptr() as *mut ffi::PyFrameObject,
                    what,
                    arg.as_ptr(),
                )
            };
        }
        if what == ffi::PyTrace_CALL {
            // New trace functions take effect at call events: back to the C function.
            // SAFETY: GIL held; the hook object lives in HOOK for the process's life.
            unsafe { ffi::PyEval_SetTrace(Some(tracer()), hook_pointer()) };
        }
        slf.clone().into_any().unbind()
    }
}

static HOOK: pyo3::sync::PyOnceLock<Py<TraceHook>> = pyo3::sync::PyOnceLock::new();

/// The trace function is installed (between start and stop).
static ACTIVE: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Is the trace function the installed core?
pub fn is_active() -> bool {
    ACTIVE.load(Ordering::Relaxed)
}

/// Create the hook object (once, at start).
pub fn create_hook(py: Python<'_>) -> PyResult<()> {
    HOOK.get_or_try_init(py, || Py::new(py, TraceHook))?;
    Ok(())
}

fn hook_pointer() -> *mut ffi::PyObject {
    // SAFETY: only called with the GIL held (from the interpreter or our bindings).
    let py = unsafe { Python::assume_attached() };
    HOOK.get(py)
        .map_or(std::ptr::null_mut(), |hook| hook.as_ptr())
}

/// Install the trace function in the calling thread.
pub fn install_current_thread() {
    // SAFETY: GIL held by the caller (a #[pyfunction]).
    unsafe { ffi::PyEval_SetTrace(Some(tracer()), hook_pointer()) };
}

/// Give the trace function a call event it missed (delivered to a Python-level function that
/// installed it). `frame` must be a frame object; anything else is ignored.
pub fn replay_call(frame: &Bound<'_, PyAny>) {
    // SAFETY: PyFrame_Check only reads the object's type; the GIL is held by the caller.
    if unsafe { ffi::PyFrame_Check(frame.as_ptr()) } == 0 {
        return;
    }
    // SAFETY: a live frame object of this thread, the GIL held; the trace function never fails.
    unsafe {
        tracer()(
            hook_pointer(),
            frame.as_ptr() as *mut ffi::PyFrameObject,
            ffi::PyTrace_CALL,
            std::ptr::null_mut(),
        )
    };
}

/// Install the trace function in every thread of the interpreter that exists now.
#[cfg(Py_3_12)]
pub fn install_all_threads() {
    ACTIVE.store(true, Ordering::Relaxed);
    // SAFETY: GIL held by the caller.
    unsafe { ffi::PyEval_SetTraceAllThreads(Some(tracer()), hook_pointer()) };
}

/// Remove the trace function from every thread.
#[cfg(Py_3_12)]
pub fn uninstall_all_threads() {
    ACTIVE.store(false, Ordering::Relaxed);
    // SAFETY: GIL held by the caller.
    unsafe { ffi::PyEval_SetTraceAllThreads(None, std::ptr::null_mut()) };
    STACK.with(|stack| {
        if let Ok(mut stack) = stack.try_borrow_mut() {
            stack.clear();
        }
    });
}

/// Install the trace function in every thread of the interpreter that exists now.
#[cfg(not(Py_3_12))]
pub fn install_all_threads() {
    ACTIVE.store(true, Ordering::Relaxed);
    // SAFETY: GIL held; the thread list does not change while we hold it.
    unsafe {
        let interpreter = ffi::PyInterpreterState_Get();
        let mut thread = ffi::PyInterpreterState_ThreadHead(interpreter);
        while !thread.is_null() {
            if _PyEval_SetTrace(thread, Some(tracer()), hook_pointer()) != 0 {
                ffi::PyErr_Clear();
            }
            thread = ffi::PyThreadState_Next(thread);
        }
    }
}

/// Remove the trace function from every thread.
#[cfg(not(Py_3_12))]
pub fn uninstall_all_threads() {
    ACTIVE.store(false, Ordering::Relaxed);
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
