//! The line core for CPython 3.10 and 3.11: probes in the bytecode instead of a trace function.
//!
//! A trace function makes these versions take their slow path for every instruction of every
//! frame, measured or not (about 3x; 3.11 leaves its specialising interpreter). Here no trace function is set: each measured code object
//! is rewritten (by `ferrocov_core::probes`) as `exec` is about to run it, with a call before
//! each line's first instruction. The call records the line in the data file (the same slot
//! and the same mapping as every core: the hit is on disk when it happens) and then overwrites
//! the probe's first instruction with a jump over the rest of it, so the next pass costs one
//! jump.
//!
//! Probes come back (the jumps are undone) whenever every line must be seen again: after
//! `fork()` (the child's own data file), on a new context, on a new start.
//!
//! Code reaches the interpreter through `exec` when a module is imported (importlib, pytest's
//! assertion rewriter, runpy, `ferrocov run`): `builtins.exec` is wrapped while measuring. A
//! script the interpreter itself runs as `__main__` (`python script.py`) does not pass through
//! `exec`, but the interpreter raises the `exec` audit event for its code object first: when
//! measurement starts before the script does (at interpreter start, a measured child), an
//! audit hook ([`watch_main_script`]) runs the script's rewritten code in its place. Otherwise
//! (measurement started by the script itself) the caller chooses the trace function.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Mutex;

use ferrocov_core::probes::{self as rewrite, op, Record, Version};
use pyo3::exceptions::PyRuntimeError;
use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyTuple};

use crate::recorder;

/// Probes are in use in this process.
pub static ACTIVE: AtomicBool = AtomicBool::new(false);

/// Branch measurement: code gets arc probes too.
pub static ARCS: AtomicBool = AtomicBool::new(false);

#[cfg(Py_3_11)]
const VERSION: Version = Version::V311;
#[cfg(not(Py_3_11))]
const VERSION: Version = Version::V310;

/// 3.11: offset of `co_code_adaptive` in a code object (the code type's basic size), checked
/// once.
#[cfg_attr(not(Py_3_11), allow(dead_code))]
static CODE_OFFSET: AtomicUsize = AtomicUsize::new(0);

/// Every code object made here that has probes, and where its probes start (code units), with
/// each start's first unit as written.
struct Armed {
    code: Py<PyAny>,
    starts: Vec<(u32, [u8; 2])>,
    /// Jumps rewritten after their trampoline's probe ran: where, and their units as written.
    jumps: Vec<(u32, Vec<u8>)>,
}

static ARMED: Mutex<Vec<Armed>> = Mutex::new(Vec::new());

/// Per code object (by address, while `ARMED` holds it) and trampoline probe: the jump to
/// rewrite once the probe has run, and its direct units.
type Heals = std::collections::HashMap<(usize, u32), (u32, Vec<u8>)>;
static HEALS: Mutex<Option<Heals>> = Mutex::new(None);

/// The original `builtins.exec`, while the wrapper stands in for it.
static ORIGINAL_EXEC: Mutex<Option<Py<PyAny>>> = Mutex::new(None);

/// The main script's code object is still to come through the `exec` audit event: its
/// file name as the interpreter writes it (the command line's path joined to the directory).
static MAIN_SCRIPT: Mutex<Option<String>> = Mutex::new(None);
static MAIN_PENDING: AtomicBool = AtomicBool::new(false);
static AUDIT_HOOK_ADDED: AtomicBool = AtomicBool::new(false);

/// `PySys_AddAuditHook`'s hook type (Include/cpython/sysmodule.h), not in pyo3-ffi.
type AuditHook = unsafe extern "C" fn(
    *const std::ffi::c_char,
    *mut ffi::PyObject,
    *mut std::ffi::c_void,
) -> std::ffi::c_int;

extern "C" {
    fn PySys_AddAuditHook(hook: AuditHook, user_data: *mut std::ffi::c_void) -> std::ffi::c_int;
}

/// Measure the main script `path` (as the interpreter names its code object) with probes
/// although the interpreter runs it itself: an audit hook (added once per process; audit hooks
/// can't be removed, so it does nothing once the script has come) takes the `exec` event of
/// the script's code object, runs the rewritten code in the same namespace, and leaves the
/// original code nothing to do. False when the hook can't be added (the caller then measures
/// with the trace function).
pub fn watch_main_script(path: &str) -> bool {
    if let Ok(mut main) = MAIN_SCRIPT.lock() {
        *main = Some(path.to_string());
    } else {
        return false;
    }
    if !AUDIT_HOOK_ADDED.load(Ordering::Relaxed) {
        // SAFETY: the GIL is held (a #[pyfunction]'s caller); the hook is a plain function
        // that lives as long as the process.
        if unsafe { PySys_AddAuditHook(main_script_hook, std::ptr::null_mut()) } != 0 {
            return false;
        }
        AUDIT_HOOK_ADDED.store(true, Ordering::Relaxed);
    }
    MAIN_PENDING.store(true, Ordering::Relaxed);
    true
}

/// The audit hook: on the `exec` event of the main script's code object, run its rewritten
/// code. Every other event, and every event once the script came, costs one load.
unsafe extern "C" fn main_script_hook(
    event: *const std::ffi::c_char,
    args: *mut ffi::PyObject,
    _user_data: *mut std::ffi::c_void,
) -> std::ffi::c_int {
    if !MAIN_PENDING.load(Ordering::Relaxed) || event.is_null() {
        return 0;
    }
    // SAFETY: the interpreter passes the event's name as a NUL-terminated string.
    if unsafe { std::ffi::CStr::from_ptr(event) }.to_bytes() != b"exec" {
        return 0;
    }
    // SAFETY: audit hooks run with the GIL held (the interpreter raises events from its own
    // thread state).
    let py = unsafe { Python::assume_attached() };
    // SAFETY: `args` is the event's argument tuple, borrowed for the hook's call (or null).
    let Some(args) = (unsafe { Bound::from_borrowed_ptr_or_opt(py, args) }) else {
        return 0;
    };
    let code = match args.cast::<PyTuple>() {
        Ok(tuple) => tuple.get_item(0),
        Err(_) => return 0,
    };
    let Ok(code) = code else {
        let _ = PyErr::take(py);
        return 0;
    };
    if !code.is_instance_of::<pyo3::types::PyCode>() || !is_main_script(&code) {
        let _ = PyErr::take(py);
        return 0;
    }
    MAIN_PENDING.store(false, Ordering::Relaxed);
    if !ACTIVE.load(Ordering::Relaxed) {
        return 0;
    }
    run_main_script(py, &code)
}

/// Is `code` the main script's module code, named as [`watch_main_script`] was told?
fn is_main_script(code: &Bound<'_, PyAny>) -> bool {
    let name: Option<String> = code.getattr("co_name").ok().and_then(|n| n.extract().ok());
    if name.as_deref() != Some("<module>") {
        return false;
    }
    let Some(filename) = code
        .getattr("co_filename")
        .ok()
        .and_then(|f| f.extract::<String>().ok())
    else {
        return false;
    };
    let Some(expected) = MAIN_SCRIPT.lock().ok().and_then(|m| m.clone()) else {
        return false;
    };
    filename == expected
        || matches!(
            (std::fs::canonicalize(&filename), std::fs::canonicalize(&expected)),
            (Ok(a), Ok(b)) if a == b
        )
}

/// Run the main script's code rewritten with probes, in `__main__`'s namespace, from the audit
/// hook (a C function: no frame of ferrocov's stands between the interpreter and the script's,
/// so tracebacks, `sys._getframe` and the stack depth are the script's own). Then the original
/// code object, which the interpreter runs next, is made to return at once. An exception the
/// script raises (`SystemExit` included) is the hook's: the interpreter handles it as the
/// script's. When the script can't be rewritten, nothing is done: it runs as it is. (Whether
/// the script is measured was decided when it was watched.)
fn run_main_script(py: Python<'_>, code: &Bound<'_, PyAny>) -> std::ffi::c_int {
    let globals = recorder::loaded_module(py, "sys")
        .and_then(|sys| sys.getattr("modules"))
        .and_then(|modules| modules.get_item("__main__"))
        .and_then(|main| main.getattr("__dict__"))
        .and_then(|d| Ok(d.cast_into::<PyDict>()?));
    let Ok(globals) = globals else {
        let _ = PyErr::take(py);
        return 0;
    };
    let stack_size: i64 = code
        .getattr("co_stacksize")
        .and_then(|s| s.extract())
        .unwrap_or(0);
    if stack_size < 1 {
        let _ = PyErr::take(py);
        return 0;
    }
    let rewritten = match instrument(py, code) {
        Ok(rewritten) => rewritten,
        Err(_) => {
            let _ = PyErr::take(py);
            return 0;
        }
    };
    // SAFETY: the GIL is held; `rewritten` is a code object and `globals` a dict, both alive
    // for the call; a null result leaves the script's exception set, for the interpreter.
    let result =
        unsafe { ffi::PyEval_EvalCode(rewritten.as_ptr(), globals.as_ptr(), globals.as_ptr()) };
    // Ran (or raised): either way the original must not run it again.
    // SAFETY: `code` is a live code object the interpreter has not started (3.11: the code
    // offset was checked when probes were installed; 3.10: its co_code is the compiler's own
    // bytes object, which no other object shares); its first units after the frame set-up
    // become `LOAD_ASSERTION_ERROR; RETURN_VALUE` (nothing to raise, one value on a stack of
    // at least one).
    unsafe {
        let units = code_units(code.as_ptr());
        let at = match VERSION {
            Version::V311 => first_resume(units).map(|resume| resume + 1),
            Version::V310 => Some(0),
        };
        if let Some(at) = at.filter(|&at| at + 1 < units.len()) {
            units[at] = [op::LOAD_ASSERTION_ERROR, 0];
            units[at + 1] = [op::RETURN_VALUE, 0];
        }
    }
    if result.is_null() {
        note_unhandled_keyboard_interrupt();
        return -1;
    }
    // SAFETY: a new reference from PyEval_EvalCode.
    unsafe { ffi::Py_DECREF(result) };
    0
}

/// The interpreter exits as killed by SIGINT when the main script ends with an unhandled
/// `KeyboardInterrupt`: it notes that in `_Py_UnhandledKeyboardInterrupt` when the script's
/// code returns one, which the script's code run from the audit hook does not pass through.
/// Noted here too, if the interpreter exports the flag.
fn note_unhandled_keyboard_interrupt() {
    // SAFETY: the GIL is held; an exception is set (the script's).
    if unsafe { ffi::PyErr_ExceptionMatches(ffi::PyExc_KeyboardInterrupt) } == 0 {
        return;
    }
    // SAFETY: dlsym only looks the name up; the symbol, when there, is the interpreter's int.
    unsafe {
        let flag = libc::dlsym(
            libc::RTLD_DEFAULT,
            c"_Py_UnhandledKeyboardInterrupt".as_ptr(),
        );
        if !flag.is_null() {
            *(flag as *mut std::ffi::c_int) = 1;
        }
    }
}

/// The probe function object, put in every rewritten code object's constants.
static PROBE: Mutex<Option<Py<PyAny>>> = Mutex::new(None);

/// The code units of a live code object, as the interpreter runs them.
///
/// # Safety
/// `code` must be a live code object, the GIL held, and (3.11) `CODE_OFFSET` checked. The
/// slice must not outlive the code object.
#[cfg(Py_3_11)]
unsafe fn code_units<'a>(code: *mut ffi::PyObject) -> &'a mut [[u8; 2]] {
    // SAFETY: a code object's co_code_adaptive holds Py_SIZE(code) code units from the type's
    // basic size on (Objects/codeobject.c: the type is var-sized with 2-byte items).
    unsafe {
        let size = ffi::Py_SIZE(code) as usize;
        let base = (code as *mut u8).add(CODE_OFFSET.load(Ordering::Relaxed)) as *mut [u8; 2];
        std::slice::from_raw_parts_mut(base, size)
    }
}

/// 3.10 runs a code object's `co_code` bytes object itself: the units are its contents (made
/// here, by `replace`, and referenced by this code object only).
#[cfg(not(Py_3_11))]
unsafe fn code_units<'a>(code: *mut ffi::PyObject) -> &'a mut [[u8; 2]] {
    // SAFETY: the caller guarantees a live code object and the GIL; co_code is a bytes object
    // the code object keeps alive as long as itself (the reference taken here is dropped at
    // once, the code object's remains).
    unsafe {
        let bytes = ffi::PyObject_GetAttrString(code, c"co_code".as_ptr());
        if bytes.is_null() {
            ffi::PyErr_Clear();
            return &mut [];
        }
        let data = ffi::PyBytes_AsString(bytes);
        let size = ffi::PyBytes_Size(bytes);
        ffi::Py_DECREF(bytes);
        if data.is_null() || size < 0 {
            ffi::PyErr_Clear();
            return &mut [];
        }
        std::slice::from_raw_parts_mut(data as *mut [u8; 2], size as usize / 2)
    }
}

/// The unit the frame stands at (its last instruction).
///
/// # Safety
/// `frame` must be live and the GIL held.
unsafe fn frame_unit(frame: *mut ffi::PyFrameObject) -> Option<usize> {
    // SAFETY: as the caller guarantees.
    usize::try_from(unsafe { crate::settrace::last_instruction(frame) } / 2).ok()
}

/// Can probes be patched in this interpreter? The code type must be laid out as 3.11's is:
/// a fresh code object's units, read where this module will write them, are its `co_code`.
#[cfg(not(Py_3_11))]
fn check_layout(_py: Python<'_>) -> PyResult<bool> {
    Ok(true)
}

#[cfg(Py_3_11)]
fn check_layout(py: Python<'_>) -> PyResult<bool> {
    let code = py.eval(
        c"compile('x = 1\\nif x:\\n    y = [x]\\n', '<ferrocov>', 'exec')",
        None,
        None,
    )?;
    let expected: Vec<u8> = code.getattr("co_code")?.extract()?;
    // SAFETY: the code type object is static; we only read its sizes.
    let (basic, item) = unsafe {
        let tp = ffi::Py_TYPE(code.as_ptr());
        ((*tp).tp_basicsize, (*tp).tp_itemsize)
    };
    if item != 2 || basic <= 0 {
        return Ok(false);
    }
    // The opcode numbers the rewrite writes and reads are this interpreter's.
    let opmap = py.import("opcode")?.getattr("opmap")?;
    for (name, number) in op::NAMED {
        let found: Option<u8> = opmap.get_item(name).ok().and_then(|n| n.extract().ok());
        if found != Some(number) {
            return Ok(false);
        }
    }
    CODE_OFFSET.store(basic as usize, Ordering::Relaxed);
    // SAFETY: a live code object, the GIL held, the offset just set from its type.
    let units = unsafe { code_units(code.as_ptr()) };
    let found: Vec<u8> = units.iter().flatten().copied().collect();
    Ok(found == expected)
}

/// Rewrite `code` (and the code objects in its constants) with probes, if its file is
/// measured. Returns `code` itself when there is nothing to do.
fn instrument<'py>(py: Python<'py>, code: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
    let code_type = py.get_type::<pyo3::types::PyCode>();
    let consts = code.getattr("co_consts")?.cast_into::<PyTuple>()?;
    let mut new_consts: Vec<Bound<'py, PyAny>> = Vec::with_capacity(consts.len() + 8);
    let probe = PROBE
        .lock()
        .ok()
        .and_then(|p| p.as_ref().map(|p| p.clone_ref(py)))
        .ok_or_else(|| PyRuntimeError::new_err("ferrocov: no probe function"))?;
    if consts.iter().any(|c| c.is(probe.bind(py))) {
        // Rewritten already (the same code object run again).
        return Ok(code.clone());
    }
    let mut changed = false;
    for constant in consts.iter() {
        if constant.is_instance(&code_type)? {
            let rewritten = instrument(py, &constant)?;
            changed |= !rewritten.is(&constant);
            new_consts.push(rewritten);
        } else {
            new_consts.push(constant);
        }
    }
    let co_code: Vec<u8> = code.getattr("co_code")?.extract()?;
    let linetable: Vec<u8> = code.getattr("co_linetable")?.extract()?;
    let exceptiontable: Vec<u8> = match VERSION {
        Version::V311 => code.getattr("co_exceptiontable")?.extract()?,
        Version::V310 => Vec::new(),
    };
    let first_line: i32 = code.getattr("co_firstlineno")?.extract()?;
    let kwargs = PyDict::new(py);
    let rewritten = rewrite::instrument(
        VERSION,
        &co_code,
        &linetable,
        &exceptiontable,
        first_line,
        new_consts.len() as u32,
        ARCS.load(Ordering::Relaxed),
    )
    .filter(|out| out.probes > 0);
    let Some(out) = rewritten else {
        if !changed {
            return Ok(code.clone());
        }
        kwargs.set_item("co_consts", PyTuple::new(py, new_consts)?)?;
        let new_code = code.call_method("replace", (), Some(&kwargs))?;
        remember_original(&new_code, code);
        return Ok(new_code);
    };
    new_consts.push(probe.into_bound(py));
    for argument in &out.arguments {
        new_consts.push(argument.into_pyobject(py)?.into_any());
    }
    let stacksize: u32 = code.getattr("co_stacksize")?.extract()?;
    kwargs.set_item("co_code", PyBytes::new(py, &out.code))?;
    kwargs.set_item("co_linetable", PyBytes::new(py, &out.linetable))?;
    if VERSION == Version::V311 {
        kwargs.set_item("co_exceptiontable", PyBytes::new(py, &out.exceptiontable))?;
    }
    kwargs.set_item("co_consts", PyTuple::new(py, new_consts)?)?;
    kwargs.set_item(
        "co_stacksize",
        (stacksize + out.extra_stack).max(out.min_stack),
    )?;
    let new_code = code.call_method("replace", (), Some(&kwargs))?;
    remember_original(&new_code, code);
    if let Ok(mut armed) = ARMED.lock() {
        // Code objects made again and again (exec(compile(...)) in a loop) must not pile up
        // here: the registry lets go of those nobody else holds, whenever it has doubled.
        if armed.len() >= PRUNE_AT.load(Ordering::Relaxed) {
            forget_unused(py, &mut armed);
            PRUNE_AT.store((armed.len() * 2).max(1024), Ordering::Relaxed);
        }
        if !out.heals.is_empty() {
            if let Ok(mut heals) = HEALS.lock() {
                let heals = heals.get_or_insert_with(Default::default);
                for heal in &out.heals {
                    heals.insert(
                        (new_code.as_ptr() as usize, heal.probe_start),
                        (heal.jump_start, heal.direct.clone()),
                    );
                }
            }
        }
        armed.push(Armed {
            code: new_code.clone().unbind(),
            starts: out
                .starts
                .iter()
                .map(|&start| {
                    let at = start as usize * 2;
                    (start, [out.code[at], out.code[at + 1]])
                })
                .collect(),
            jumps: out
                .heals
                .iter()
                .map(|heal| {
                    let at = heal.jump_start as usize * 2;
                    (
                        heal.jump_start,
                        out.code[at..at + heal.direct.len()].to_vec(),
                    )
                })
                .collect(),
        });
    }
    Ok(new_code)
}

/// The size of [`ARMED`] at which it is next pruned of code objects nobody else holds.
static PRUNE_AT: AtomicUsize = AtomicUsize::new(1024);

/// Drop the registry's entries for code objects only it still holds (and their jumps: their
/// addresses may be new code objects' next), in one pass over each table.
fn forget_unused(py: Python<'_>, armed: &mut Vec<Armed>) {
    let mut gone: std::collections::HashSet<usize> = std::collections::HashSet::new();
    armed.retain(|entry| {
        let code = entry.code.bind(py);
        // SAFETY: reading the reference count of a live object with the GIL held.
        if unsafe { ffi::Py_REFCNT(code.as_ptr()) } > 1 {
            return true;
        }
        if !entry.jumps.is_empty() {
            gone.insert(code.as_ptr() as usize);
        }
        false
    });
    forget_jumps(&gone);
}

fn forget_jumps(gone: &std::collections::HashSet<usize>) {
    if gone.is_empty() {
        return;
    }
    if let Ok(mut heals) = HEALS.lock() {
        if let Some(heals) = heals.as_mut() {
            heals.retain(|&(address, _), _| !gone.contains(&address));
        }
    }
}

/// The code-object extra index where a rewritten code object keeps the code it was made
/// from (a strong reference, released with the code object).
static ORIGINAL_INDEX: std::sync::atomic::AtomicIsize = std::sync::atomic::AtomicIsize::new(-1);

unsafe extern "C" fn release_original(pointer: *mut std::ffi::c_void) {
    if !pointer.is_null() {
        // SAFETY: every value stored at ORIGINAL_INDEX is a strong reference taken in
        // remember_original; code objects are freed with the GIL held.
        unsafe { ffi::Py_DECREF(pointer as *mut ffi::PyObject) };
    }
}

fn original_index() -> isize {
    let index = ORIGINAL_INDEX.load(Ordering::Relaxed);
    if index >= 0 {
        return index;
    }
    // SAFETY: called with the GIL held; the free function matches the values we store.
    let index = unsafe { ffi::PyUnstable_Eval_RequestCodeExtraIndex(release_original) };
    ORIGINAL_INDEX.store(index, Ordering::Relaxed);
    index
}

/// Keep `original` with `rewritten`, for what must see code as it was written (marshal).
fn remember_original(rewritten: &Bound<'_, PyAny>, original: &Bound<'_, PyAny>) {
    let index = original_index();
    if index < 0 {
        return;
    }
    let pointer = original.clone().into_ptr();
    // SAFETY: a live code object made here, the GIL held; on failure the reference we took is
    // released again.
    unsafe {
        if ffi::PyUnstable_Code_SetExtra(
            rewritten.as_ptr(),
            index,
            pointer as *mut std::ffi::c_void,
        ) != 0
        {
            ffi::PyErr_Clear();
            ffi::Py_DECREF(pointer);
        }
    }
}

/// The code object `code` was made from, if probes were put into it here.
fn original_code<'py>(code: &Bound<'py, PyAny>) -> Option<Bound<'py, PyAny>> {
    let index = ORIGINAL_INDEX.load(Ordering::Relaxed);
    if index < 0 || !code.is_instance_of::<pyo3::types::PyCode>() {
        return None;
    }
    let mut value: *mut std::ffi::c_void = std::ptr::null_mut();
    // SAFETY: a live code object, the GIL held.
    unsafe {
        if ffi::PyUnstable_Code_GetExtra(code.as_ptr(), index, &mut value) != 0 {
            ffi::PyErr_Clear();
            return None;
        }
        (!value.is_null()).then(|| Bound::from_borrowed_ptr(code.py(), value as *mut ffi::PyObject))
    }
}

/// `value` with every code object that has probes replaced by the one it was made from, in
/// tuples, lists, sets and dicts too (what marshal can write): marshal refuses the probes.
#[pyfunction]
pub fn unprobed<'py>(value: Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
    unprobed_at(value, 0)
}

fn unprobed_at<'py>(value: Bound<'py, PyAny>, depth: usize) -> PyResult<Bound<'py, PyAny>> {
    use pyo3::types::{PyFrozenSet, PyList, PySet};
    let py = value.py();
    if depth > 200 {
        return Ok(value);
    }
    if let Some(original) = original_code(&value) {
        return Ok(original);
    }
    let map = |items: Vec<Bound<'py, PyAny>>| -> PyResult<(Vec<Bound<'py, PyAny>>, bool)> {
        let mut changed = false;
        let mut out = Vec::with_capacity(items.len());
        for item in items {
            let new = unprobed_at(item.clone(), depth + 1)?;
            changed |= !new.is(&item);
            out.push(new);
        }
        Ok((out, changed))
    };
    if let Ok(tuple) = value.cast_exact::<PyTuple>() {
        let (items, changed) = map(tuple.iter().collect())?;
        return if changed {
            Ok(PyTuple::new(py, items)?.into_any())
        } else {
            Ok(value)
        };
    }
    if let Ok(list) = value.cast_exact::<PyList>() {
        let (items, changed) = map(list.iter().collect())?;
        return if changed {
            Ok(PyList::new(py, items)?.into_any())
        } else {
            Ok(value)
        };
    }
    if let Ok(set) = value.cast_exact::<PyFrozenSet>() {
        let (items, changed) = map(set.iter().collect())?;
        return if changed {
            Ok(PyFrozenSet::new(py, &items)?.into_any())
        } else {
            Ok(value)
        };
    }
    if let Ok(set) = value.cast_exact::<PySet>() {
        let (items, changed) = map(set.iter().collect())?;
        return if changed {
            Ok(PySet::new(py, &items)?.into_any())
        } else {
            Ok(value)
        };
    }
    if let Ok(dict) = value.cast_exact::<PyDict>() {
        let mut changed = false;
        let out = PyDict::new(py);
        for (key, item) in dict.iter() {
            let new_key = unprobed_at(key.clone(), depth + 1)?;
            let new_item = unprobed_at(item.clone(), depth + 1)?;
            changed |= !new_key.is(&key) || !new_item.is(&item);
            out.set_item(new_key, new_item)?;
        }
        return if changed {
            Ok(out.into_any())
        } else {
            Ok(value)
        };
    }
    Ok(value)
}

std::thread_local! {
    /// The frame about to re-raise an exception whose arc a probe recorded (see [`Record::Mark`]).
    static RERAISING: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
    /// The frame that last passed a [`Record::Source`] probe, and its line.
    static SOURCE: std::cell::Cell<(usize, i32)> = const { std::cell::Cell::new((0, 0)) };
}

/// 3.11's quickened `RESUME` (`dis._all_opmap["RESUME_QUICK"]`, read at start; 0: none).
static RESUME_QUICK: std::sync::atomic::AtomicU8 = std::sync::atomic::AtomicU8::new(0);

/// Is this unit's operation a `RESUME`, as written or as the interpreter quickened it (a code
/// object's RESUMEs become RESUME_QUICK once it has run a few times)?
fn is_resume(opcode: u8) -> bool {
    opcode == op::RESUME || {
        let quick = RESUME_QUICK.load(Ordering::Relaxed);
        quick != 0 && opcode == quick
    }
}

/// Where a code object's first `RESUME` stands: after the instructions that set up a frame
/// (`COPY_FREE_VARS`, `MAKE_CELL`, `RETURN_GENERATOR`, `POP_TOP`), which have no caches.
fn first_resume(units: &[[u8; 2]]) -> Option<usize> {
    const SET_UP: [u8; 5] = [
        op::COPY_FREE_VARS,
        op::MAKE_CELL,
        op::RETURN_GENERATOR,
        op::POP_TOP,
        op::EXTENDED_ARG,
    ];
    let mut at = 0;
    while let Some(unit) = units.get(at) {
        if is_resume(unit[0]) {
            return Some(at);
        }
        if !SET_UP.contains(&unit[0]) {
            return None;
        }
        at += 1;
    }
    None
}

/// An exception probe: `exception` arrives at a handler (or leaves the frame) whose first line
/// is `to`; record the arc from the line it was raised on in this frame.
///
/// # Safety
/// The GIL is held; `frame` is the live frame that called the probe.
unsafe fn exception_arc(
    py: Python<'_>,
    frame: *mut ffi::PyFrameObject,
    to: i32,
    exception: &Bound<'_, PyAny>,
) {
    // The traceback's entry for this frame, read from its fields: this runs for every
    // exception a measured handler sees, where attribute lookups cost most of the time.
    // SAFETY: the GIL is held; PyException_GetTraceback returns a new reference (or null),
    // released right after its fields are read; a traceback object's layout is
    // PyTracebackObject (checked by type first).
    let (lasti, lineno) = unsafe {
        if ffi::PyExceptionInstance_Check(exception.as_ptr()) == 0 {
            return;
        }
        let traceback = ffi::PyException_GetTraceback(exception.as_ptr());
        if traceback.is_null() {
            return;
        }
        if ffi::PyTraceBack_Check(traceback) == 0 {
            ffi::Py_DECREF(traceback);
            return;
        }
        let entry = traceback as *mut ffi::PyTracebackObject;
        let found = ((*entry).tb_frame == frame).then(|| ((*entry).tb_lasti, (*entry).tb_lineno));
        ffi::Py_DECREF(traceback);
        match found {
            Some(found) => found,
            None => return,
        }
    };
    let lasti = i64::from(lasti);
    // SAFETY: as the caller guarantees; PyFrame_GetCode returns a new reference, released below.
    unsafe {
        let code = ffi::PyFrame_GetCode(frame) as *mut ffi::PyObject;
        // 3.11 works a traceback's line out when it is first asked for (-1 until then), by
        // walking the whole line table: the code object's own table of unit lines instead.
        let line = if lineno >= 0 {
            Some(lineno)
        } else {
            let code_object = Bound::from_borrowed_ptr(py, code);
            usize::try_from(lasti).ok().and_then(|offset| {
                recorder::line_of_offset(recorder::slot_for(py, code), &code_object, offset)
            })
        };
        let units = code_units(code);
        let raised_at = usize::try_from(lasti / 2).ok();
        let here = frame_unit(frame).unwrap_or(0);
        let resume = match VERSION {
            Version::V311 => first_resume(units),
            Version::V310 => None,
        };
        // Leaving the frame from a yield (a generator closed or thrown into) is no return.
        // (Only instruction units are read: cache units hold the interpreter's data.)
        let from_yield = raised_at.is_some_and(|at| match VERSION {
            Version::V311 => {
                units.get(at).is_some_and(|u| u[0] == op::YIELD_VALUE)
                    && units.get(at + 1).is_some_and(|u| is_resume(u[0]))
            }
            // A `yield from` waits at the instruction before its YIELD_FROM.
            Version::V310 => {
                units.get(at).is_some_and(|u| u[0] == op::YIELD_VALUE)
                    || units
                        .get(at + 1)
                        .is_some_and(|u| u[0] == rewrite::op310::YIELD_FROM)
            }
        });
        // No line event yet (raised before the frame's first line, or thrown into a
        // generator that never started), or thrown into a generator at a yield, which the C
        // tracer takes for a new call (the yield's argument is 0): the arc starts at
        // `-co_firstlineno`.
        let entering = match (raised_at, resume) {
            (None, _) => true,
            (Some(at), Some(resume)) => at <= resume,
            (Some(_), None) => false,
        };
        // (3.10's C tracer takes any resumed frame for a resumption.)
        let thrown_in = VERSION == Version::V311
            && from_yield
            && raised_at.is_some_and(|at| units.get(at).is_some_and(|u| u[1] == 0));
        let from = if entering || thrown_in {
            let code_object = Bound::from_borrowed_ptr(py, code);
            code_object
                .getattr("co_firstlineno")
                .and_then(|v| v.extract::<i32>())
                .ok()
                .map(|first| -first)
        } else {
            line
        };
        let Some(from) = from else {
            ffi::Py_DECREF(code);
            return;
        };
        let raised_at = raised_at.unwrap_or(0);
        // The handler's first line fires unless control stays on that line, going forwards.
        let fires = to < 0 || to != from || here < raised_at;
        if !(to < 0 && from_yield) && fires {
            let value = recorder::slot_for(py, code);
            recorder::record_arc(value, from, to);
        }
        ffi::Py_DECREF(code);
    }
}

/// The exception being handled (`sys.exc_info()[1]`), if any.
fn handled_exception(py: Python<'_>) -> Option<Bound<'_, PyAny>> {
    let mut kind = std::ptr::null_mut();
    let mut value = std::ptr::null_mut();
    let mut traceback = std::ptr::null_mut();
    // SAFETY: the GIL is held; PyErr_GetExcInfo gives three new references (or NULLs), each
    // owned by a Bound below or released.
    unsafe {
        ffi::PyErr_GetExcInfo(&mut kind, &mut value, &mut traceback);
        ffi::Py_XDECREF(kind);
        ffi::Py_XDECREF(traceback);
        Bound::from_owned_ptr_or_opt(py, value)
    }
}

/// A probe that stays in place (exceptions, re-raises, code several lines share).
fn staying_probe(py: Python<'_>, record: Record, exception: Option<Bound<'_, PyAny>>) {
    if !ACTIVE.load(Ordering::Relaxed) {
        return;
    }
    // SAFETY: the GIL is held; PyEval_GetFrame returns the borrowed frame that called us.
    let frame = unsafe { ffi::PyEval_GetFrame() };
    if frame.is_null() {
        return;
    }
    match record {
        Record::Mark => RERAISING.with(|r| r.set(frame as usize)),
        Record::Source(line) => SOURCE.with(|s| s.set((frame as usize, line))),
        Record::FromSource(to) => {
            let (source_frame, from) = SOURCE.with(|s| s.get());
            if source_frame == frame as usize {
                // SAFETY: the GIL is held; PyFrame_GetCode returns a new reference.
                unsafe {
                    let code = ffi::PyFrame_GetCode(frame) as *mut ffi::PyObject;
                    let value = recorder::slot_for(py, code);
                    recorder::record_arc(value, from, to);
                    ffi::Py_DECREF(code);
                }
            }
        }
        Record::Raise(to) => {
            if RERAISING.with(|r| r.replace(0)) == frame as usize {
                return;
            }
            // 3.10's probes are not passed the exception: it is the one being handled.
            let exception = exception.or_else(|| handled_exception(py));
            if let (Some(to), Some(exception)) = (to, exception) {
                // SAFETY: the GIL is held and frame is the live frame that called us.
                unsafe { exception_arc(py, frame, to, &exception) };
            }
        }
        Record::Line(_) | Record::Arc(..) => {}
    }
}

/// What a probe calls (`ferrocov._core._probe`, the one instance): an object, not a builtin
/// function, so that
/// - profilers see nothing: the interpreter reports a call from bytecode to `sys.setprofile`
///   and cProfile (`c_call`) only when it calls a builtin function; under `cProfile` a
///   measured program counts the calls it makes, not ferrocov's;
/// - a function shipped by value (cloudpickle, as joblib, dask and ray do) unpickles where
///   ferrocov is not installed: the probe in its constants pickles as `slice`, which a probe
///   left in the code then calls with its argument(s) and drops, with no effect.
#[pyclass(frozen, module = "ferrocov._core", name = "Probe")]
pub struct Probe;

#[pymethods]
impl Probe {
    #[pyo3(signature = (argument, exception = None))]
    fn __call__(&self, py: Python<'_>, argument: i64, exception: Option<Bound<'_, PyAny>>) {
        fire(py, argument, exception);
    }

    fn __reduce__<'py>(
        &self,
        py: Python<'py>,
    ) -> PyResult<(Bound<'py, PyAny>, (Bound<'py, PyAny>,))> {
        let builtins = recorder::loaded_module(py, "builtins")?;
        let any_slice = builtins.getattr("slice")?.call1((py.None(),))?;
        Ok((builtins.getattr("type")?, (any_slice,)))
    }

    fn __repr__(&self) -> &'static str {
        "<ferrocov probe>"
    }
}

/// A probe ran: record the line, then jump over this probe from now on.
fn fire(py: Python<'_>, argument: i64, exception: Option<Bound<'_, PyAny>>) {
    // While a no_cover test runs the probe stays, to record the line when it next runs.
    if recorder::PAUSED.load(Ordering::Relaxed) {
        return;
    }
    let (record, distance) = rewrite::decode(argument);
    if !record.is_once() {
        staying_probe(py, record, exception);
        return;
    }
    // After a stop the probe only takes itself out of the way.
    let active = ACTIVE.load(Ordering::Relaxed);
    // SAFETY: the GIL is held (we were called from Python); PyEval_GetFrame returns a borrowed
    // frame, the one whose CALL called us; PyFrame_GetCode returns a new reference, released
    // below.
    unsafe {
        let frame = ffi::PyEval_GetFrame();
        if frame.is_null() {
            return;
        }
        let code = ffi::PyFrame_GetCode(frame) as *mut ffi::PyObject;
        if active {
            let value = recorder::slot_for(py, code);
            match record {
                Record::Arc(from, to) => recorder::record_arc(value, from, to),
                Record::Line(line) => {
                    recorder::record(value, line);
                }
                _ => {}
            }
        }
        // The frame stands at the probe's CALL, or at its PRECALL when that was specialised
        // for a builtin (it then makes the call itself and skips the CALL).
        let Some(at) = frame_unit(frame) else {
            ffi::Py_DECREF(code);
            return;
        };
        let units = code_units(code);
        // 3.11's PRECALL, specialised for a builtin, makes the call itself and skips the CALL.
        let candidates: &[usize] = match VERSION {
            Version::V311 => &[at, at + 2],
            Version::V310 => &[at],
        };
        for &call in candidates {
            let Some(start) = call.checked_sub(distance) else {
                continue;
            };
            // Only ever over a probe this module wrote: its first unit, then POP_TOP after the
            // CALL (and its caches).
            let first_ok = units.get(start).is_some_and(|u| match VERSION {
                Version::V311 => u[0] == op::PUSH_NULL,
                Version::V310 => u[0] == op::EXTENDED_ARG || u[0] == rewrite::op310::LOAD_CONST,
            });
            let after = VERSION.after_call() as usize;
            let is_probe = first_ok
                && units
                    .get(call + after - 1)
                    .is_some_and(|u| u[0] == op::POP_TOP);
            if is_probe {
                units[start] = [op::JUMP_FORWARD, (distance + after - 1) as u8];
                heal(code, start, units);
                break;
            }
        }
        ffi::Py_DECREF(code);
    }
}

/// 3.11's `COMPARE_OP` family: the generic one, its adaptive form and the three forms that
/// also make the conditional jump after them (`[COMPARE_OP, ADAPTIVE, FLOAT_JUMP, INT_JUMP,
/// STR_JUMP]`, read from `dis` at start). A `*_JUMP` form takes the jump's direction from its
/// cache, written when it specialised: a jump rewritten here in the other direction would be
/// taken the wrong way, so the comparison before it is sent back to its adaptive form, which
/// specialises again on its next run. None: unknown, and jumps are not rewritten.
static COMPARE_OPS: Mutex<Option<[u8; 5]>> = Mutex::new(None);

fn read_compare_ops(py: Python<'_>) -> Option<[u8; 5]> {
    let opmap = py.import("dis").ok()?.getattr("_all_opmap").ok()?;
    let mut out = [0u8; 5];
    for (slot, name) in out.iter_mut().zip([
        "COMPARE_OP",
        "COMPARE_OP_ADAPTIVE",
        "COMPARE_OP_FLOAT_JUMP",
        "COMPARE_OP_INT_JUMP",
        "COMPARE_OP_STR_JUMP",
    ]) {
        *slot = opmap.get_item(name).ok()?.extract().ok()?;
    }
    Some(out)
}

/// Write a jump's units; if a comparison that may have fused with it stands right before it
/// (its two cache units between), send that comparison back to its adaptive form.
fn write_jump(units: &mut [[u8; 2]], start: usize, written: &[u8], compare_ops: Option<&[u8; 5]>) {
    let Some(jump) = units.get_mut(start..start + written.len() / 2) else {
        return;
    };
    for (unit, pair) in jump.iter_mut().zip(written.chunks_exact(2)) {
        *unit = [pair[0], pair[1]];
    }
    // A comparison fuses only with a jump that has no EXTENDED_ARG.
    let Some(compare_ops) = compare_ops else {
        return;
    };
    if written.len() != 2 || start < 3 {
        return;
    }
    if compare_ops[1..].contains(&units[start - 3][0]) {
        units[start - 3][0] = compare_ops[1];
        // Its counter: zero, to specialise on the next run.
        units[start - 2] = [0, 0];
    }
}

/// A trampoline's probe has run: send its jump straight where it goes.
fn heal(code: *mut ffi::PyObject, probe_start: usize, units: &mut [[u8; 2]]) {
    // 3.10 fuses no comparison with its jump.
    let compare_ops = COMPARE_OPS.lock().ok().and_then(|c| *c);
    if compare_ops.is_none() && VERSION == Version::V311 {
        return;
    }
    let Ok(heals) = HEALS.lock() else { return };
    let Some((jump_start, direct)) = heals
        .as_ref()
        .and_then(|h| h.get(&(code as usize, probe_start as u32)))
    else {
        return;
    };
    write_jump(units, *jump_start as usize, direct, compare_ops.as_ref());
}

/// Put every probe back: each line records again on its next run.
pub fn rearm(py: Python<'_>) {
    let compare_ops = COMPARE_OPS.lock().ok().and_then(|c| *c);
    let Ok(mut armed) = ARMED.lock() else { return };
    let mut gone: std::collections::HashSet<usize> = std::collections::HashSet::new();
    armed.retain(|entry| {
        let code = entry.code.bind(py);
        // The registry's reference is the last one: the code is gone for everyone else.
        // SAFETY: reading the reference count of a live object with the GIL held.
        if unsafe { ffi::Py_REFCNT(code.as_ptr()) } <= 1 {
            // Its address may be a new code object's next: forget its jumps (below).
            if !entry.jumps.is_empty() {
                gone.insert(code.as_ptr() as usize);
            }
            return false;
        }
        // SAFETY: a live code object this module made, the GIL held, the layout checked.
        let units = unsafe { code_units(code.as_ptr()) };
        if compare_ops.is_some() || VERSION == Version::V310 {
            for (start, written) in &entry.jumps {
                write_jump(units, *start as usize, written, compare_ops.as_ref());
            }
        }
        for &(start, first) in &entry.starts {
            if let Some(unit) = units.get_mut(start as usize) {
                if unit[0] == op::JUMP_FORWARD {
                    *unit = first;
                }
            }
        }
        true
    });
    forget_jumps(&gone);
}

/// `builtins.exec` while probes measure: measured code gets its probes, then runs as before.
#[pyfunction(name = "exec")]
#[pyo3(signature = (source, globals = None, locals = None, /, **kwargs))]
pub fn exec_with_probes<'py>(
    py: Python<'py>,
    source: Bound<'py, PyAny>,
    globals: Option<Bound<'py, PyAny>>,
    locals: Option<Bound<'py, PyAny>>,
    kwargs: Option<Bound<'py, PyDict>>,
) -> PyResult<Bound<'py, PyAny>> {
    let original = ORIGINAL_EXEC
        .lock()
        .ok()
        .and_then(|o| o.as_ref().map(|o| o.clone_ref(py)))
        .ok_or_else(|| PyRuntimeError::new_err("exec is not available"))?;
    let mut source = source;
    if ACTIVE.load(Ordering::Relaxed) && source.is_instance_of::<pyo3::types::PyCode>() {
        // Never let measurement change what exec does: on any failure, run the code as it is.
        let filename: String = source.getattr("co_filename")?.extract()?;
        let namespace = globals.as_ref().and_then(|g| g.cast::<PyDict>().ok());
        let rewritten = if recorder::would_measure(&filename, namespace) {
            instrument(py, &source)
        } else {
            Ok(source.clone())
        };
        match rewritten {
            Ok(rewritten) => source = rewritten,
            Err(err) => {
                if std::env::var_os("FERROCOV_DEBUG").is_some() {
                    return Err(err);
                }
            }
        }
    }
    let none = py.None().into_bound(py);
    let args = PyTuple::new(
        py,
        [
            source,
            globals.unwrap_or_else(|| none.clone()),
            locals.unwrap_or(none),
        ],
    )?;
    original.bind(py).call(args, kwargs.as_ref())
}

/// Start measuring with probes: wrap `builtins.exec`. False when this interpreter's code
/// objects are not laid out as expected (the caller then uses the trace function).
pub fn install(py: Python<'_>, module: &Bound<'_, PyModule>, branch: bool) -> PyResult<bool> {
    if !check_layout(py)? {
        return Ok(false);
    }
    ARCS.store(branch, Ordering::Relaxed);
    if VERSION == Version::V311 {
        let quick = py
            .import("dis")
            .and_then(|dis| dis.getattr("_all_opmap"))
            .and_then(|opmap| opmap.get_item("RESUME_QUICK"))
            .and_then(|op| op.extract::<u8>());
        if let Ok(quick) = quick {
            RESUME_QUICK.store(quick, Ordering::Relaxed);
        }
        if let Ok(mut compare_ops) = COMPARE_OPS.lock() {
            if compare_ops.is_none() {
                *compare_ops = read_compare_ops(py);
            }
        }
    }
    if let Ok(mut probe) = PROBE.lock() {
        if probe.is_none() {
            *probe = Some(module.getattr("_probe")?.unbind());
        }
    }
    // marshal refuses the probe in a code object's constants: marshal.dumps/dump get the
    // original code objects instead (ferrocov._measure wraps them; see `original_code`).
    let builtins = py.import("builtins")?;
    let wrapper = module.getattr("_exec")?;
    // Named as the function it stands in for: `pickle` saves it as `builtins.exec`.
    let _ = wrapper.setattr("__module__", "builtins");
    let current = builtins.getattr("exec")?;
    if let Ok(mut original) = ORIGINAL_EXEC.lock() {
        if !current.is(&wrapper) {
            *original = Some(current.unbind());
        }
    }
    builtins.setattr("exec", wrapper)?;
    rearm(py);
    ACTIVE.store(true, Ordering::Relaxed);
    Ok(true)
}

/// Stop: `builtins.exec` is the original again; probes left in code do nothing.
pub fn uninstall(py: Python<'_>) -> PyResult<()> {
    ACTIVE.store(false, Ordering::Relaxed);
    let original = ORIGINAL_EXEC
        .lock()
        .ok()
        .and_then(|o| o.as_ref().map(|o| o.clone_ref(py)));
    if let Some(original) = original {
        py.import("builtins")?.setattr("exec", original)?;
    }
    Ok(())
}
