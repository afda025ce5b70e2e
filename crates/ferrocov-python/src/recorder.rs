//! The state every tracer core shares: which files are measured, the process's data file,
//! and the per-code-object slot cached in the code object's "extra" storage, so that a line
//! event costs a few loads and a store.

use std::collections::HashMap;
use std::ffi::c_void;
use std::path::PathBuf;
use std::sync::atomic::{AtomicIsize, AtomicU64, Ordering};
use std::sync::Mutex;

use ferrocov_core::datafile::{ArcSlot, HitSlot, ProcessId, Writer, FLAG_BRANCH};
use ferrocov_core::filter::{normalize, FileFilter};
use pyo3::ffi;
use pyo3::prelude::*;

/// What the tracer keeps per code object, in the code object's extra slot.
pub struct CodeSlot {
    /// The data-file generation `slot` belongs to; a fork starts a new generation.
    pub generation: u64,
    pub slot: HitSlot,
    /// Per line of the slot: 1 while that line is expected to fire a line event and has not.
    pub pending: Vec<u8>,
    /// How many lines are still pending. At 0 every line has been seen, and the trace-function
    /// core stops line events for frames of this code (the settrace equivalent of DISABLE).
    pub remaining: u32,
    /// Branch measurement only: the arcs of this code object.
    pub arcs: Option<Box<ArcState>>,
}

/// What the arc tracer keeps per code object.
pub struct ArcState {
    /// `co_firstlineno`: arcs into the code start at its negation, arcs out end there.
    pub first_line: i32,
    /// The bytecode of a generator or coroutine (to tell a yield from a return, a resumption
    /// from a call, as coverage.py's tracer does); None for plain functions.
    pub generator_code: Option<Vec<u8>>,
    /// Where this code object's arcs are stored: one store per file and context in a
    /// generation, shared by every code object of that file (arcs are the file's).
    store: std::sync::Arc<SharedArcs>,
    pub path: String,
    /// The sys.monitoring branch core (3.12+): the line this code object last reported,
    /// forgotten at a return (coverage.py's sysmon rule: per code object, not per frame).
    #[cfg(Py_3_12)]
    pub last_line: Option<i32>,
    /// The sys.monitoring branch core: what resolving its branch events needs, made the first
    /// time one fires.
    #[cfg(Py_3_12)]
    pub trail: Option<Box<crate::branches::Trail>>,
    /// 3.12 and 3.13, whose BRANCH event is one event for both ways a branch can go: the
    /// first destination each branch went to, until it has gone another way too, and the arc
    /// the other way would record (when known: once stored, by any branch, the other way has
    /// nothing left to teach).
    #[cfg(all(Py_3_12, not(Py_3_14)))]
    pub branch_first: HashMap<usize, (usize, Option<(i32, i32)>)>,
    /// 3.12 and 3.13: arcs to store when a line first runs, keyed by that line. A branch
    /// whose other way leads to a line that has not run yet, and that control can enter from
    /// its own line only, is disabled after its first way: the line's LINE event then says
    /// the other way was taken (a loop's exit, run once at the end of a long loop).
    #[cfg(all(Py_3_12, not(Py_3_14)))]
    pub watches: HashMap<i32, Vec<(i32, i32)>>,
    /// The line of each code unit (0: none), read from `co_lines()` the first time an
    /// exception's line must be worked out from its offset (3.11's tracebacks leave it for
    /// the reader; CPython's own lookup walks the whole line table each time).
    pub unit_lines: Option<Vec<i32>>,
    /// 3.12 and 3.13: where control lands in each exception handler (the first instruction
    /// with a line after the handler's target), worked out at the first LINE event; empty
    /// when the code has no handler. A LINE event there was entered by an exception.
    #[cfg(all(Py_3_12, not(Py_3_14)))]
    pub landings: Option<Vec<usize>>,
}

/// The arcs stored for one file in one context (in one generation): which are stored, and the
/// record they go into.
pub struct ArcStore {
    seen: std::collections::HashSet<u64, BuildArcHasher>,
    slot: ArcSlot,
    used: u32,
    context: String,
}

/// An [`ArcStore`] shared by the code objects of one file.
pub struct SharedArcs(std::cell::UnsafeCell<ArcStore>);

// SAFETY: a SharedArcs is only ever read or changed with the GIL held (by the tracer callbacks
// and the registration that makes it), which serializes every access, as for the CodeSlot
// values it hangs from.
unsafe impl Sync for SharedArcs {}
// SAFETY: as above: moving it between threads changes nothing while the GIL orders accesses.
unsafe impl Send for SharedArcs {}

impl SharedArcs {
    /// # Safety
    /// The GIL must be held, and no other reference to the store alive.
    #[allow(clippy::mut_from_ref)]
    unsafe fn get(&self) -> &mut ArcStore {
        // SAFETY: as the caller guarantees.
        unsafe { &mut *self.0.get() }
    }
}

/// What code objects of the same file share in one generation: line records by (path,
/// context, first line, lines), arc stores by (path, context). Code compiled again and again
/// (`exec(compile(...))` in a loop) then adds nothing to the data file or to memory.
#[derive(Default)]
pub struct Shared {
    generation: u64,
    lines: HashMap<(String, String, u32, u32), HitSlot>,
    arcs: HashMap<(String, String), std::sync::Arc<SharedArcs>>,
}

/// A multiplicative hasher for the packed arcs: they are small integers, and the default
/// SipHash costs more than the rest of the line event.
#[derive(Default, Clone, Copy)]
pub struct BuildArcHasher;

pub struct ArcHasher(u64);

impl std::hash::BuildHasher for BuildArcHasher {
    type Hasher = ArcHasher;
    fn build_hasher(&self) -> ArcHasher {
        ArcHasher(0)
    }
}

impl std::hash::Hasher for ArcHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0.rotate_left(8) ^ b as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        }
    }
    fn write_u64(&mut self, value: u64) {
        self.0 = (value ^ (value >> 29)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }
}

/// A module the interpreter has loaded already, from `sys.modules`: no import machinery runs,
/// so no import hook of the program's sees ferrocov (`sys` is always there). Everything the
/// tracers do while the program runs uses this, never an import.
pub fn loaded_module<'py>(py: Python<'py>, name: &str) -> PyResult<Bound<'py, PyAny>> {
    let key = pyo3::types::PyString::new(py, name);
    // SAFETY: the GIL is held; PyImport_GetModule returns a new reference or null.
    let module = unsafe { ffi::PyImport_GetModule(key.as_ptr()) };
    if module.is_null() {
        return Err(PyErr::take(py).unwrap_or_else(|| {
            pyo3::exceptions::PyKeyError::new_err(format!("module {name} is not loaded"))
        }));
    }
    // SAFETY: a new, non-null reference, now owned by the Bound.
    Ok(unsafe { Bound::from_owned_ptr(py, module) })
}

/// The value stored for code objects of files that are not measured (never freed).
static NOT_MEASURED_MARK: u8 = 0;

pub fn not_measured() -> *mut c_void {
    &NOT_MEASURED_MARK as *const u8 as *mut c_void
}

/// Bumped whenever the process switches data files (start, fork): slots of an older
/// generation are registered again before use.
pub static GENERATION: AtomicU64 = AtomicU64::new(1);

/// Set while a `no_cover` test runs: events are ignored (and not disabled) until resumed.
pub static PAUSED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

static EXTRA_INDEX: AtomicIsize = AtomicIsize::new(-1);

unsafe extern "C" fn free_slot(pointer: *mut c_void) {
    if !pointer.is_null() && pointer != not_measured() {
        // SAFETY: every other non-null value stored at our index came from Box::into_raw.
        drop(unsafe { Box::from_raw(pointer as *mut CodeSlot) });
    }
}

/// Reserve (once per process) the code-object extra index the tracer uses.
pub fn extra_index() -> isize {
    let index = EXTRA_INDEX.load(Ordering::Relaxed);
    if index >= 0 {
        return index;
    }
    // SAFETY: called with the GIL held; the free function matches the values we store.
    let index = unsafe { ffi::PyUnstable_Eval_RequestCodeExtraIndex(free_slot) };
    EXTRA_INDEX.store(index, Ordering::Relaxed);
    index
}

/// Read the cached value for `code`: null when not seen yet.
///
/// # Safety
/// `code` must be a live code object and the GIL must be held.
#[inline(always)]
pub unsafe fn cached(code: *mut ffi::PyObject) -> *mut c_void {
    let mut value: *mut c_void = std::ptr::null_mut();
    let index = EXTRA_INDEX.load(Ordering::Relaxed);
    // SAFETY: the caller guarantees a live code object and the GIL.
    if index < 0 || unsafe { ffi::PyUnstable_Code_GetExtra(code, index, &mut value) } != 0 {
        // SAFETY: GIL held; a failed lookup must not leave an exception behind.
        unsafe { ffi::PyErr_Clear() };
        return std::ptr::null_mut();
    }
    value
}

pub struct State {
    pub filter: FileFilter,
    pub data_directory: PathBuf,
    pub writer: Option<Writer>,
    pub decisions: HashMap<String, Option<String>>,
    /// The dynamic context hits are recorded in ("" by default; `nodeid|when` under pytest).
    pub context: String,
    pub failed: bool,
    /// Measure arcs (branch coverage) as well as lines.
    pub branch: bool,
    /// Records shared by the code objects of a file (this generation's).
    pub shared: Shared,
}

pub static STATE: Mutex<Option<State>> = Mutex::new(None);

pub fn random_nonce() -> u64 {
    let mut bytes = [0u8; 8];
    let ok = std::fs::File::open("/dev/urandom")
        .and_then(|mut f| std::io::Read::read_exact(&mut f, &mut bytes))
        .is_ok();
    if ok {
        return u64::from_le_bytes(bytes);
    }
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0);
    now ^ ((std::process::id() as u64) << 32)
}

fn parent_pid() -> u32 {
    // SAFETY: getppid has no preconditions and cannot fail.
    unsafe { libc::getppid() as u32 }
}

fn canonical_path(filename: &str) -> String {
    if filename.starts_with('/') {
        normalize(filename)
    } else if filename.starts_with('<') {
        filename.to_string()
    } else {
        match std::env::current_dir() {
            Ok(cwd) => normalize(&format!("{}/{filename}", cwd.display())),
            Err(_) => filename.to_string(),
        }
    }
}

/// The cold path: decide whether `code` is measured and, if so, give it a slot in the data
/// file. Stores the result in the code object's extra slot and returns it. Never raises.
///
/// # Safety
/// `code` must be a live code object and the GIL must be held.
pub unsafe fn register(py: Python<'_>, code: *mut ffi::PyObject) -> *mut c_void {
    // SAFETY: the caller guarantees `code` is a live object.
    let code_object = unsafe { Bound::from_borrowed_ptr(py, code) };
    let fresh = register_inner(&code_object).unwrap_or(None);
    if PyErr::occurred(py) {
        let _ = PyErr::take(py);
    }
    // SAFETY: the caller guarantees a live code object and the GIL.
    let old = unsafe { cached(code) };
    if !old.is_null() && old != not_measured() {
        // A slot from an older generation (before a fork or a restart): update it in place.
        // Replacing the value would make CPython free the old one on some versions.
        // SAFETY: non-sentinel values are live Box<CodeSlot>s owned by the code object.
        let slot = unsafe { &mut *(old as *mut CodeSlot) };
        match fresh {
            Some(new_slot) => {
                *slot = new_slot;
                return old;
            }
            None => {
                // Recording failed: keep the slot but point it at a dead generation's sink.
                slot.generation = GENERATION.load(Ordering::Relaxed);
                slot.slot = HitSlot::empty();
                slot.pending.clear();
                slot.remaining = 0;
                slot.arcs = None;
                return old;
            }
        }
    }
    let value = match fresh {
        Some(new_slot) => Box::into_raw(Box::new(new_slot)) as *mut c_void,
        None => not_measured(),
    };
    // SAFETY: live code object, GIL held; the slot was empty, so nothing is replaced.
    unsafe {
        if ffi::PyUnstable_Code_SetExtra(code, extra_index(), value) != 0 {
            ffi::PyErr_Clear();
            free_slot(value);
            return not_measured();
        }
    }
    value
}

/// The name of the module `code` runs in, as coverage.py names it: from the globals of the
/// frame running `code` (found on the current thread's stack), `__name__` unless it is
/// `__main__`, then `__spec__.name`, then the loader's name; else the file's base name.
fn module_name(code: &Bound<'_, PyAny>, filename: &str) -> Option<String> {
    let py = code.py();
    let mut dunder_name = None;
    // The running frame, asked of the interpreter itself: importing `sys` here would go
    // through the program's import hooks in the middle of its run.
    // SAFETY: the GIL is held; PyEval_GetFrame returns a borrowed reference (or null).
    let mut frame = unsafe {
        let current = ffi::PyEval_GetFrame();
        (!current.is_null()).then(|| Bound::from_borrowed_ptr(py, current as *mut ffi::PyObject))
    };
    let mut depth = 0;
    while let Some(current) = frame.filter(|f| !f.is_none()) {
        if depth > 100 {
            break;
        }
        depth += 1;
        let same = current
            .getattr("f_code")
            .map(|c| c.is(code))
            .unwrap_or(false);
        if !same {
            frame = current.getattr("f_back").ok();
            continue;
        }
        let globals = current.getattr("f_globals").ok()?;
        let globals = globals.cast::<pyo3::types::PyDict>().ok()?;
        match module_in_globals(globals) {
            Ok(name) => return Some(name),
            Err(name) => dunder_name = name,
        }
        break;
    }
    let base = filename.rsplit('/').next().unwrap_or(filename);
    for suffix in [".py", ".pyw", ".pyc"] {
        if let Some(stem) = base.strip_suffix(suffix) {
            if !stem.is_empty() {
                return Some(stem.to_string());
            }
        }
    }
    dunder_name
}

/// The module a namespace is: `Ok(name)` from `__name__` (unless `__main__`), `__spec__.name`
/// or the loader's name; else `Err` with `__name__` as it is.
fn module_in_globals(globals: &Bound<'_, pyo3::types::PyDict>) -> Result<String, Option<String>> {
    let named = |value: Option<Bound<'_, PyAny>>| -> Option<String> {
        value
            .and_then(|v| v.extract::<String>().ok())
            .filter(|name| name != "__main__")
    };
    let item = |key: &str| globals.get_item(key).ok().flatten();
    if let Some(name) = named(item("__name__")) {
        return Ok(name);
    }
    if let Some(name) = named(
        item("__spec__")
            .filter(|s| !s.is_none())
            .and_then(|s| s.getattr("name").ok()),
    ) {
        return Ok(name);
    }
    if let Some(loader) = item("__loader__").filter(|l| !l.is_none()) {
        for attribute in ["fullname", "name"] {
            if let Some(name) = named(loader.getattr(attribute).ok()) {
                return Ok(name);
            }
        }
    }
    Err(item("__name__").and_then(|v| v.extract::<String>().ok()))
}

/// Would code from `filename`, run in the namespace `globals` (None: not known yet), be
/// measured? Asked before the code runs (the probes core rewrites only what is measured);
/// nothing is recorded or remembered.
#[cfg_attr(Py_3_12, allow(dead_code))]
pub fn would_measure(filename: &str, globals: Option<&Bound<'_, pyo3::types::PyDict>>) -> bool {
    if filename.starts_with('<') {
        return false;
    }
    let path = canonical_path(filename);
    let needs_module = {
        let guard = match STATE.lock() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        };
        let Some(state) = guard.as_ref() else {
            return false;
        };
        if let Some(decision) = state.decisions.get(filename) {
            return decision.is_some();
        }
        state.filter.needs_module_name(&path)
    };
    let module = match (needs_module, globals) {
        (false, _) => None,
        // Not known before it runs: let the first probe decide.
        (true, None) => return true,
        (true, Some(globals)) => match module_in_globals(globals) {
            Ok(name) => Some(name),
            Err(_) => {
                let base = path.rsplit('/').next().unwrap_or(&path);
                base.strip_suffix(".py").map(str::to_string)
            }
        },
    };
    let guard = match STATE.lock() {
        Ok(guard) => guard,
        Err(poisoned) => poisoned.into_inner(),
    };
    guard
        .as_ref()
        .is_some_and(|state| state.filter.should_measure_module(&path, module.as_deref()))
}

fn register_inner(code: &Bound<'_, PyAny>) -> PyResult<Option<CodeSlot>> {
    // 3.14's deferred annotations: their code runs only when annotations are read, and its
    // lines are not statements for coverage.py, which never measures it either.
    if code.getattr("co_name")?.extract::<String>()? == "__annotate__" {
        return Ok(None);
    }
    let filename: String = code.getattr("co_filename")?.extract()?;
    // A file in a `source` package is measured if the module that runs it is in the package:
    // its name is found in Python objects, before the lock is taken (reading them could run
    // Python code, and another thread waiting for the lock would then hold the GIL forever).
    let module = {
        let guard = match STATE.lock() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        };
        let Some(state) = guard.as_ref() else {
            return Ok(None);
        };
        !state.decisions.contains_key(&filename)
            && state.filter.needs_module_name(&canonical_path(&filename))
    };
    let module = if module {
        module_name(code, &filename)
    } else {
        None
    };
    let mut guard = match STATE.lock() {
        Ok(guard) => guard,
        Err(poisoned) => poisoned.into_inner(),
    };
    let Some(state) = guard.as_mut() else {
        return Ok(None);
    };
    let decision = match state.decisions.get(&filename) {
        Some(decision) => decision.clone(),
        None => {
            let path = canonical_path(&filename);
            let decision = state
                .filter
                .should_measure_module(&path, module.as_deref())
                .then_some(path);
            state.decisions.insert(filename.clone(), decision.clone());
            decision
        }
    };
    let Some(path) = decision else {
        return Ok(None);
    };
    if state.failed {
        return Ok(None);
    }
    let (first_line, last_line, expected) = line_span(code)?;
    if state.writer.as_ref().is_some_and(|w| !w.is_owner()) {
        // A child forked without at-fork hooks (`fork()` through ctypes or C code): its
        // parent's files stay the parent's; it records into files of its own from now on.
        switch_after_fork(state);
    }
    if state.writer.is_none() {
        let process = ProcessId {
            pid: std::process::id(),
            nonce: random_nonce(),
        };
        let flags = if state.branch { FLAG_BRANCH } else { 0 };
        match Writer::create_with_flags(&state.data_directory, process, parent_pid(), flags) {
            Ok(mut writer) => {
                if let Some(cell) = writer.ending_cell() {
                    crate::endings::watch(cell);
                }
                state.writer = Some(writer);
            }
            Err(error) => {
                state.failed = true;
                ferrocov_core::stderr::line(&format!("can't record coverage data: {error}"));
                return Ok(None);
            }
        }
    }
    let generation = GENERATION.load(Ordering::Relaxed);
    if state.shared.generation != generation {
        state.shared = Shared {
            generation,
            ..Shared::default()
        };
    }
    let Some(writer) = state.writer.as_mut() else {
        return Ok(None);
    };
    let n_lines = last_line - first_line + 1;
    let line_key = (path.clone(), state.context.clone(), first_line, n_lines);
    let lines = match state.shared.lines.get(&line_key) {
        Some(slot) => Ok(*slot),
        None => writer
            .register_lines(&path, &state.context, first_line, n_lines)
            .inspect(|slot| {
                state.shared.lines.insert(line_key, *slot);
            }),
    };
    match lines {
        Ok(slot) => {
            let mut pending = vec![0u8; slot.n_lines as usize];
            for line in &expected {
                if let Some(flag) = pending.get_mut((line - first_line) as usize) {
                    *flag = 1;
                }
            }
            let remaining = pending.iter().filter(|&&f| f == 1).count() as u32;
            let arcs = if state.branch {
                let arc_key = (path.clone(), state.context.clone());
                let store = match state.shared.arcs.get(&arc_key) {
                    Some(store) => Ok(store.clone()),
                    None => {
                        let capacity = (2 * slot.n_lines).clamp(16, 4096);
                        writer
                            .register_arcs(&path, &state.context, first_line, capacity)
                            .map(|arc_slot| {
                                let store = std::sync::Arc::new(SharedArcs(
                                    std::cell::UnsafeCell::new(ArcStore {
                                        seen: Default::default(),
                                        slot: arc_slot,
                                        used: 0,
                                        context: state.context.clone(),
                                    }),
                                ));
                                state.shared.arcs.insert(arc_key, store.clone());
                                store
                            })
                    }
                };
                match store {
                    Ok(store) => Some(Box::new(ArcState {
                        first_line: code.getattr("co_firstlineno")?.extract()?,
                        generator_code: generator_code(code)?,
                        store,
                        path: path.clone(),
                        #[cfg(Py_3_12)]
                        last_line: None,
                        #[cfg(Py_3_12)]
                        trail: None,
                        #[cfg(all(Py_3_12, not(Py_3_14)))]
                        branch_first: HashMap::new(),
                        #[cfg(all(Py_3_12, not(Py_3_14)))]
                        watches: HashMap::new(),
                        #[cfg(all(Py_3_12, not(Py_3_14)))]
                        landings: None,
                        unit_lines: None,
                    })),
                    Err(error) => {
                        state.failed = true;
                        ferrocov_core::stderr::line(&format!(
                            "can't record coverage data: {error}"
                        ));
                        return Ok(None);
                    }
                }
            } else {
                None
            };
            Ok(Some(CodeSlot {
                generation: GENERATION.load(Ordering::Relaxed),
                slot,
                pending,
                remaining,
                arcs,
            }))
        }
        Err(error) => {
            state.failed = true;
            ferrocov_core::stderr::line(&format!("can't record coverage data: {error}"));
            Ok(None)
        }
    }
}

/// The bytecode of a generator, coroutine or async generator; None for other code.
fn generator_code(code: &Bound<'_, PyAny>) -> PyResult<Option<Vec<u8>>> {
    const GENERATOR_FLAGS: u32 = 0x20 | 0x80 | 0x100 | 0x200;
    let flags: u32 = code.getattr("co_flags")?.extract()?;
    if flags & GENERATOR_FLAGS == 0 {
        return Ok(None);
    }
    Ok(Some(code.getattr("co_code")?.extract()?))
}

/// Store the arc `from -> to` of the code object whose value is `value`, once per generation.
///
/// # Safety
/// `value` must come from [`slot_for`] in the current generation, and the GIL be held.
#[inline(always)]
pub unsafe fn record_arc(value: *mut c_void, from: i32, to: i32) {
    if value == not_measured() {
        return;
    }
    // SAFETY: every other value is a live Box<CodeSlot>; the GIL serializes access.
    let slot = unsafe { &mut *(value as *mut CodeSlot) };
    let Some(arcs) = slot.arcs.as_mut() else {
        return;
    };
    // SAFETY: the GIL is held (the caller's guarantee) and no other reference to the store is
    // alive during this call.
    let store = unsafe { arcs.store.get() };
    let key = (from as u32 as u64) | ((to as u32 as u64) << 32);
    if !store.seen.insert(key) {
        return;
    }
    if store.used == store.slot.capacity && !grow_arcs(store, &arcs.path, arcs.first_line) {
        return;
    }
    // SAFETY: used < capacity of a slot from a live writer.
    unsafe { store.slot.store(store.used, (from, to)) };
    store.used += 1;
}

impl ArcState {
    /// Has the arc `from -> to` been stored for this code object in this generation?
    #[cfg(all(Py_3_12, not(Py_3_14)))]
    pub fn has_arc(&self, from: i32, to: i32) -> bool {
        // SAFETY: the GIL is held by every caller (tracer callbacks); the reference lives for
        // this call only.
        let store = unsafe { self.store.get() };
        store
            .seen
            .contains(&((from as u32 as u64) | ((to as u32 as u64) << 32)))
    }
}

/// A file's arc record is full: continue in a new, larger one.
#[cold]
fn grow_arcs(store: &mut ArcStore, path: &str, first_line: i32) -> bool {
    let mut guard = match STATE.lock() {
        Ok(guard) => guard,
        Err(poisoned) => poisoned.into_inner(),
    };
    let Some(state) = guard.as_mut() else {
        return false;
    };
    if state.writer.as_ref().is_some_and(|w| !w.is_owner()) {
        // A child forked without at-fork hooks: it records into files of its own from the
        // next registration on (this arc is stored again when it next runs).
        switch_after_fork(state);
        return false;
    }
    let Some(writer) = state.writer.as_mut() else {
        return false;
    };
    let capacity = store.slot.capacity.saturating_mul(2).min(1 << 20);
    match writer.register_arcs(path, &store.context, first_line.max(0) as u32, capacity) {
        Ok(slot) => {
            store.slot = slot;
            store.used = 0;
            true
        }
        Err(error) => {
            state.failed = true;
            ferrocov_core::stderr::line(&format!("can't record coverage data: {error}"));
            false
        }
    }
}

/// The arc state of a measured code object in branch mode.
///
/// # Safety
/// As for [`record_arc`].
#[inline(always)]
pub unsafe fn arc_state<'a>(value: *mut c_void) -> Option<&'a ArcState> {
    if value == not_measured() {
        return None;
    }
    // SAFETY: every other value is a live Box<CodeSlot>.
    unsafe { (*(value as *const CodeSlot)).arcs.as_deref() }
}

/// The arc state of a measured code object in branch mode, to update.
///
/// # Safety
/// As for [`record_arc`]; no other reference to the state may be alive.
#[cfg(Py_3_12)]
#[inline(always)]
pub unsafe fn arc_state_mut<'a>(value: *mut c_void) -> Option<&'a mut ArcState> {
    if value == not_measured() {
        return None;
    }
    // SAFETY: every other value is a live Box<CodeSlot>; the GIL serializes access.
    unsafe { (*(value as *mut CodeSlot)).arcs.as_deref_mut() }
}

/// The line of the instruction at byte offset `offset` of `code` (whose value, from
/// [`slot_for`], is `value`): from the code object's own table of unit lines, made once.
///
/// # Safety
/// As for [`record_arc`]; `code` is the live code object `value` belongs to.
#[cfg_attr(Py_3_12, allow(dead_code))]
pub unsafe fn line_of_offset(
    value: *mut c_void,
    code: &Bound<'_, PyAny>,
    offset: usize,
) -> Option<i32> {
    if value == not_measured() {
        return None;
    }
    // SAFETY: every other value is a live Box<CodeSlot>; the GIL serializes access.
    let slot = unsafe { &mut *(value as *mut CodeSlot) };
    let arcs = slot.arcs.as_mut()?;
    if arcs.unit_lines.is_none() {
        let mut lines: Vec<i32> = Vec::new();
        for entry in code.call_method0("co_lines").ok()?.try_iter().ok()? {
            let (start, end, line): (usize, usize, Option<i32>) = entry.ok()?.extract().ok()?;
            if lines.len() < end / 2 {
                lines.resize(end / 2, 0);
            }
            if let Some(line) = line {
                for unit in lines.iter_mut().take(end / 2).skip(start / 2) {
                    *unit = line;
                }
            }
        }
        arcs.unit_lines = Some(lines);
    }
    arcs.unit_lines
        .as_ref()?
        .get(offset / 2)
        .copied()
        .filter(|&line| line > 0)
}

/// The span of line numbers a code object can report, and the lines expected to fire a line
/// event: every line of its line table, except the `def` line of a function when it only
/// belongs to the instructions before the body (RESUME and friends), which fire no event.
fn line_span(code: &Bound<'_, PyAny>) -> PyResult<(u32, u32, Vec<u32>)> {
    let first: u32 = code.getattr("co_firstlineno")?.extract()?;
    let is_module = code.getattr("co_name")?.extract::<String>()? == "<module>";
    let (mut low, mut high) = (first, first);
    let mut lines: Vec<u32> = Vec::new();
    let mut first_line_in_body = false;
    let mut prefix = true;
    let mut saw_zero = false;
    for entry in code.call_method0("co_lines")?.try_iter()? {
        let entry = entry?;
        let line = entry.get_item(2)?;
        if line.is_none() {
            continue;
        }
        let line: i64 = line.extract()?;
        if line == 0 {
            // Line 0 (an empty module's instructions): its line event is recorded, as
            // coverage.py records it; waited for only when the code has no other line.
            low = 0;
            saw_zero = true;
            continue;
        }
        if line < 0 {
            continue;
        }
        let line = line as u32;
        if line != first {
            prefix = false;
        } else if !prefix {
            first_line_in_body = true;
        }
        low = low.min(line);
        high = high.max(line);
        lines.push(line);
    }
    if lines.is_empty() && saw_zero {
        lines.push(0);
    }
    lines.sort_unstable();
    lines.dedup();
    if !is_module && !first_line_in_body && lines.len() > 1 {
        lines.retain(|&l| l != first);
    }
    Ok((low, high, lines))
}

/// The value for `code` in the current generation: the cached one, or a fresh registration.
/// Both cores call this on every event they handle.
///
/// # Safety
/// `code` must be a live code object and the GIL must be held.
#[inline(always)]
pub unsafe fn slot_for(py: Python<'_>, code: *mut ffi::PyObject) -> *mut c_void {
    // SAFETY: the caller's guarantees are exactly those of cached(), is_current() and register().
    unsafe {
        let value = cached(code);
        if !value.is_null() && is_current(value) {
            return value;
        }
        register(py, code)
    }
}

/// Record that `line` of the code object whose cached value is `value` ran.
///
/// # Safety
/// `value` must be a value returned by [`register`] or [`cached`], non-null, and the GIL held.
#[inline(always)]
pub unsafe fn record(value: *mut c_void, line: i32) -> bool {
    if value == not_measured() {
        return false;
    }
    // SAFETY: every other value is a live Box<CodeSlot> owned by the code object; the GIL
    // serializes access to it.
    let slot = unsafe { &mut *(value as *mut CodeSlot) };
    let offset = (line as i64) - (slot.slot.first_line as i64);
    if offset >= 0 && offset < slot.slot.n_lines as i64 {
        let offset = offset as usize;
        // SAFETY: the slot comes from the live writer of this generation (or is empty).
        unsafe { slot.slot.hit(offset as u32) };
        if let Some(flag) = slot.pending.get_mut(offset) {
            if *flag != 0 {
                *flag = 0;
                slot.remaining -= 1;
                return slot.remaining == 0;
            }
        }
    }
    false
}

/// Has every expected line of this code object been seen?
///
/// # Safety
/// `value` must be non-null and come from [`register`] or [`cached`].
#[inline(always)]
pub unsafe fn all_seen(value: *mut c_void) -> bool {
    if value == not_measured() {
        return true;
    }
    // SAFETY: every other value is a live Box<CodeSlot>.
    unsafe { (*(value as *const CodeSlot)).remaining == 0 }
}

/// Is the cached value for a code object from the current data file?
///
/// # Safety
/// `value` must be non-null and come from [`register`] or [`cached`].
#[inline(always)]
pub unsafe fn is_current(value: *mut c_void) -> bool {
    if value == not_measured() {
        return true;
    }
    // SAFETY: every other value is a live Box<CodeSlot>.
    let slot = unsafe { &*(value as *const CodeSlot) };
    slot.generation == GENERATION.load(Ordering::Relaxed)
}

/// Record from now on in `context`: every code object gets a fresh slot for it on its next
/// event (the generation changes), so each context has its own hits.
pub fn set_context(context: &str) -> bool {
    let mut guard = match STATE.lock() {
        Ok(guard) => guard,
        Err(poisoned) => poisoned.into_inner(),
    };
    let Some(state) = guard.as_mut() else {
        return false;
    };
    if state.context == context {
        return false;
    }
    state.context = context.to_string();
    GENERATION.fetch_add(1, Ordering::Relaxed);
    true
}

/// Switch to a new data file after a fork: the parent's mapping is left alone (leaked in the
/// child, never written again), and every slot is registered again on its next use.
pub fn after_fork_child() {
    let mut guard = match STATE.lock() {
        Ok(guard) => guard,
        // The parent may have held the lock in another thread at fork time.
        Err(poisoned) => poisoned.into_inner(),
    };
    if let Some(state) = guard.as_mut() {
        switch_after_fork(state);
    }
    GENERATION.fetch_add(1, Ordering::Relaxed);
}

fn switch_after_fork(state: &mut State) {
    crate::endings::unwatch();
    if let Some(mut writer) = state.writer.take() {
        // The parent's files stay the parent's: close our copies (only those still proven
        // to be them), keep the mappings.
        writer.release_files();
        std::mem::forget(writer);
    }
    state.failed = false;
    GENERATION.fetch_add(1, Ordering::Relaxed);
}
