//! `ferrocov._core`: the tracers, and bindings to the pure-Rust core.

mod bindings;
#[cfg(Py_3_12)]
mod branches;
mod dynamic;
mod endings;
#[cfg(Py_3_12)]
mod monitoring;
#[cfg(not(Py_3_12))]
mod probes;
mod recorder;
mod results;
mod settrace;
mod source;

use std::collections::HashMap;
use std::path::PathBuf;

use ferrocov_core::filter::{FileFilter, GlobSet};
use pyo3::exceptions::{PyRuntimeError, PyValueError};
use pyo3::prelude::*;

/// The name of the measurement core this build uses, as `ferrocov debug sys` shows it.
#[pyfunction]
#[pyo3(signature = (branch = false))]
fn core_name(branch: bool) -> &'static str {
    // 3.10/3.11 lines and arcs: probes, unless this process measures with the trace function (it
    // started measuring late, or runs a measured script as __main__: see _measure.start).
    #[cfg(not(Py_3_12))]
    if branch && !settrace::is_active() {
        return if probes::ACTIVE.load(std::sync::atomic::Ordering::Relaxed) {
            "probes-arcs: a call on each edge between lines (the arc coverage.py's C tracer records there, worked out from the bytecode) and before each line, put into code objects as exec runs them and jumped over after its first hit, plus calls at exception handlers (Rust); no trace function"
        } else {
            "probes-arcs: a call on each edge between lines and before each line, put into code objects as exec runs them and jumped over after its first hit (Rust), when measurement starts with the process; else ctrace-arcs (C-level trace function, arcs as coverage.py's C tracer records them)"
        };
    }
    #[cfg(not(Py_3_12))]
    if !branch && !settrace::is_active() {
        return if probes::ACTIVE.load(std::sync::atomic::Ordering::Relaxed) {
            "probes: a call before each line's first instruction, put into code objects as exec runs them and jumped over after its first hit (Rust); no trace function"
        } else {
            "probes: a call before each line's first instruction, put into code objects as exec runs them and jumped over after its first hit (Rust), when measurement starts with the process; else ctrace (C-level trace function)"
        };
    }
    if branch && cfg!(Py_3_14) {
        "sysmon-arcs: sys.monitoring LINE, PY_RETURN, BRANCH_LEFT/BRANCH_RIGHT events, DISABLE after the first hit (Rust callbacks), arcs as coverage.py's sysmon core records them"
    } else if branch && cfg!(Py_3_12) {
        "sysmon-arcs: sys.monitoring LINE, PY_RETURN, BRANCH events, DISABLE after the first hit (a branch: once it has gone both ways) (Rust callbacks), arcs as coverage.py's sysmon core records them"
    } else if branch {
        "ctrace-arcs: C-level trace function PyEval_SetTrace (Rust), arcs as coverage.py's C tracer records them"
    } else if cfg!(Py_3_12) {
        "sysmon: sys.monitoring LINE events, DISABLE after the first hit (Rust callbacks)"
    } else {
        "ctrace: C-level trace function PyEval_SetTrace (Rust), f_trace_lines off for unmeasured frames"
    }
}

/// Start measuring this process: every thread, now and later.
#[pyfunction(pass_module)]
#[pyo3(signature = (data_directory, source, source_packages, has_source, include, omit, excluded_directories, cwd, branch, test_function_contexts = false, static_context = String::new(), probes = false, main_script = String::new(), main_pending = false))]
#[allow(clippy::too_many_arguments)]
fn start(
    module: &Bound<'_, PyModule>,
    data_directory: PathBuf,
    source: Vec<String>,
    source_packages: Vec<String>,
    has_source: bool,
    include: Vec<String>,
    omit: Vec<String>,
    excluded_directories: Vec<String>,
    cwd: String,
    branch: bool,
    test_function_contexts: bool,
    static_context: String,
    probes: bool,
    main_script: String,
    main_pending: bool,
) -> PyResult<()> {
    dynamic::configure(test_function_contexts, &static_context);
    let filter = FileFilter {
        source,
        source_packages,
        has_source,
        include: GlobSet::new(&include, &cwd)
            .map_err(|e| PyValueError::new_err(format!("include: {e}")))?,
        omit: GlobSet::new(&omit, &cwd).map_err(|e| PyValueError::new_err(format!("omit: {e}")))?,
        excluded_directories,
    };
    {
        let mut guard = recorder::STATE
            .lock()
            .map_err(|_| PyRuntimeError::new_err("ferrocov state lock poisoned"))?;
        if guard.is_some() {
            return Err(PyRuntimeError::new_err(
                "ferrocov is already measuring this process",
            ));
        }
        *guard = Some(recorder::State {
            filter,
            data_directory,
            writer: None,
            decisions: HashMap::new(),
            context: String::new(),
            failed: false,
            branch,
            shared: Default::default(),
        });
    }
    recorder::GENERATION.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    recorder::extra_index();
    // Probes measure only code rewritten as it is exec'd: not a script the interpreter runs
    // itself as __main__, nor a module imported before now.
    // The main script is judged as the module `__main__` is (with a `source` package, by
    // its module name: `python -m ferrocov` or `-m pytest` run a module no package measures).
    let main_namespace = module
        .py()
        .import("sys")
        .and_then(|sys| sys.getattr("modules"))
        .and_then(|modules| modules.get_item("__main__"))
        .and_then(|main| main.getattr("__dict__"))
        .ok();
    let main_namespace = main_namespace
        .as_ref()
        .and_then(|n| n.cast::<pyo3::types::PyDict>().ok());
    let probes = probes
        && !test_function_contexts
        // Code imported before now never passes through exec: even at start-up (modules the
        // interpreter, a .pth file or ferrocov's own command line imported).
        && !measured_module_loaded(module.py())
        // A measured main script the interpreter runs itself: probes only if it has not
        // started yet (measurement began at interpreter start) and its code object can be
        // taken from the `exec` audit event (armed last: only when probes will be used).
        && (main_script.is_empty()
            || !recorder::would_measure(&main_script, main_namespace)
            || (main_pending && watch_main_script(&main_script)));
    let installed = install(module.py(), module, branch, probes);
    if installed.is_ok() {
        endings::install();
    } else {
        // Not measuring after all: leave no state behind that says otherwise.
        if let Ok(mut guard) = recorder::STATE.lock() {
            *guard = None;
        }
    }
    installed
}

/// Arm the probe core's catch of the main script (3.10/3.11; 3.12+ has no probes).
#[cfg(not(Py_3_12))]
fn watch_main_script(path: &str) -> bool {
    probes::watch_main_script(path)
}

#[cfg(Py_3_12)]
fn watch_main_script(_path: &str) -> bool {
    false
}

/// Has a module of a measured file been imported already? (Unsure: yes.)
fn measured_module_loaded(py: Python<'_>) -> bool {
    let modules = py
        .import("sys")
        .and_then(|sys| sys.getattr("modules"))
        .and_then(|modules| modules.call_method0("values"))
        .and_then(|values| py.get_type::<pyo3::types::PyList>().call1((values,)));
    let Ok(modules) = modules else { return true };
    let Ok(modules) = modules.cast_into::<pyo3::types::PyList>() else {
        return true;
    };
    modules.iter().any(|module| {
        // `__main__` is the main script, which the caller judges (`main_script`).
        let main = module
            .getattr("__name__")
            .ok()
            .and_then(|n| n.extract::<String>().ok())
            .is_some_and(|n| n == "__main__");
        if main {
            return false;
        }
        let file: Option<String> = module
            .getattr("__file__")
            .ok()
            .and_then(|f| f.extract().ok());
        let Some(file) = file else { return false };
        let namespace = module.getattr("__dict__").ok();
        let namespace = namespace
            .as_ref()
            .and_then(|n| n.cast::<pyo3::types::PyDict>().ok());
        recorder::would_measure(&file, namespace)
    })
}

/// Lines and branches: sys.monitoring on 3.12+ (branches: BRANCH_LEFT/BRANCH_RIGHT on 3.14+,
/// as coverage.py's default core there; BRANCH on 3.12 and 3.13, each branch firing until it
/// has gone both ways), the trace function before.
fn install(
    py: Python<'_>,
    module: &Bound<'_, PyModule>,
    branch: bool,
    use_probes: bool,
) -> PyResult<()> {
    #[cfg(not(Py_3_12))]
    if use_probes && probes::install(py, module, branch)? {
        return Ok(());
    }
    let _ = use_probes;
    let monitored = cfg!(Py_3_12);
    #[cfg(Py_3_12)]
    if monitored {
        return monitoring::install(py, module, branch).map(|_| ());
    }
    #[cfg(not(Py_3_12))]
    let _ = monitored;
    install_trace_function(py, module, branch)
}

/// The C trace function, in every thread (3.10–3.13).
#[cfg_attr(Py_3_14, allow(dead_code))]
fn install_trace_function(
    py: Python<'_>,
    module: &Bound<'_, PyModule>,
    branch: bool,
) -> PyResult<()> {
    settrace::configure(py, branch)?;
    settrace::create_hook(py)?;
    settrace::check_frame_layout(py)?;
    py.import("threading")?
        .call_method1("settrace", (module.getattr("_thread_bootstrap")?,))?;
    settrace::install_all_threads();
    Ok(())
}

/// Installed with `threading.settrace`: puts the C trace function in a new thread, and hands
/// it the call event this was called for (the thread's first frame: `run()` of a Thread
/// subclass may be measured code, whose entry arc would otherwise be lost).
#[pyfunction]
#[pyo3(signature = (*args))]
fn _thread_bootstrap(args: &Bound<'_, pyo3::types::PyTuple>) -> Option<()> {
    settrace::install_current_thread();
    if let (Ok(frame), Ok(event)) = (args.get_item(0), args.get_item(1)) {
        if event.eq("call").unwrap_or(false) {
            settrace::replay_call(&frame);
        }
    }
    None
}

/// Stop measuring: remove the tracer and mark the data file closed cleanly.
#[pyfunction]
fn stop(py: Python<'_>) -> PyResult<()> {
    #[cfg(not(Py_3_12))]
    probes::uninstall(py)?;
    if settrace::is_active() {
        py.import("threading")?
            .call_method1("settrace", (py.None(),))?;
        settrace::uninstall_all_threads();
    } else {
        #[cfg(Py_3_12)]
        monitoring::uninstall(py)?;
    }
    mark_closed(py);
    endings::unwatch();
    let mut guard = recorder::STATE
        .lock()
        .map_err(|_| PyRuntimeError::new_err("ferrocov state lock poisoned"))?;
    if let Some(state) = guard.take() {
        if let Some(mut writer) = state.writer {
            // Slots may still point into the mapping: keep it mapped for the process's life,
            // but let readers take the files from now on (mark_closed above has restored any
            // that were removed meanwhile).
            writer.release_files();
            std::mem::forget(writer);
        }
    }
    recorder::GENERATION.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    Ok(())
}

/// Ignore events while `paused` (pytest's `no_cover`); nothing is disabled meanwhile.
#[pyfunction]
fn set_paused(paused: bool) {
    recorder::PAUSED.store(paused, std::sync::atomic::Ordering::Relaxed);
}

/// Is this process measuring now?
#[pyfunction]
fn is_measuring() -> bool {
    recorder::STATE.lock().map(|g| g.is_some()).unwrap_or(false)
}

/// Mark this process's data as closed cleanly (at exit, or by `ferrocov.embed.cleanup()`).
#[pyfunction]
fn mark_closed(py: Python<'_>) {
    // A tool id the program freed stopped the recording: say so (once) as the process ends.
    #[cfg(Py_3_12)]
    monitoring::still_ours(py);
    let _ = py;
    if let Ok(mut guard) = recorder::STATE.lock() {
        if let Some(writer) = guard.as_mut().and_then(|s| s.writer.as_mut()) {
            writer.mark_closed();
            // A file removed while the process ran comes back from the mapping.
            writer.restore_removed();
        }
    }
}

/// `os._exit(status)` is about to end this process: mark its data as ended so (the report's
/// processes page tells it apart from a kill), unless it has already closed cleanly.
#[pyfunction]
fn mark_exit(status: &Bound<'_, PyAny>) {
    if let Ok(code) = status.extract::<i64>() {
        endings::mark_exit(code);
    }
}

/// Record hits in `context` from now on (`nodeid|setup`, `nodeid|run`, ... under pytest).
#[pyfunction]
fn set_context(py: Python<'_>, context: &str) -> PyResult<()> {
    if recorder::set_context(context) {
        // Lines disabled after their first hit must fire again for the new context.
        #[cfg(Py_3_12)]
        monitoring::restart(py)?;
        #[cfg(not(Py_3_12))]
        probes::rearm(py);
    }
    Ok(())
}

/// Run in the child right after `fork()`: switch to a data file of the child's own.
#[pyfunction]
fn after_fork_child(py: Python<'_>) -> PyResult<()> {
    recorder::after_fork_child();
    #[cfg(Py_3_12)]
    monitoring::restart(py)?;
    #[cfg(not(Py_3_12))]
    probes::rearm(py);
    Ok(())
}

/// `gil_used = true`: the recorder's per-code-object state (hit flags, arc tables, probe
/// registries) counts on the GIL to serialise the tracer callbacks. On a free-threaded
/// interpreter (3.14t) importing the module turns the GIL back on, with the interpreter's own
/// warning, rather than letting threads race on that state (docs/architecture.md, "Free
/// threading").
#[pymodule(gil_used = true)]
fn _core(module: &Bound<'_, PyModule>) -> PyResult<()> {
    module.add_function(wrap_pyfunction!(core_name, module)?)?;
    module.add_function(wrap_pyfunction!(start, module)?)?;
    module.add_function(wrap_pyfunction!(stop, module)?)?;
    module.add_function(wrap_pyfunction!(is_measuring, module)?)?;
    module.add_function(wrap_pyfunction!(set_paused, module)?)?;
    module.add_function(wrap_pyfunction!(mark_closed, module)?)?;
    module.add_function(wrap_pyfunction!(mark_exit, module)?)?;
    module.add_function(wrap_pyfunction!(after_fork_child, module)?)?;
    module.add_function(wrap_pyfunction!(set_context, module)?)?;
    #[cfg(Py_3_12)]
    {
        module.add_function(wrap_pyfunction!(monitoring::py_start, module)?)?;
        module.add("_py_start", module.getattr("py_start")?)?;
        module.add_function(wrap_pyfunction!(monitoring::line, module)?)?;
        module.add("_line", module.getattr("line")?)?;
        module.add_function(wrap_pyfunction!(monitoring::py_unwind, module)?)?;
        module.add("_py_unwind", module.getattr("py_unwind")?)?;
        module.add_function(wrap_pyfunction!(monitoring::py_yield, module)?)?;
        module.add("_py_yield", module.getattr("py_yield")?)?;
        module.add_function(wrap_pyfunction!(monitoring::py_resume, module)?)?;
        module.add("_py_resume", module.getattr("py_resume")?)?;
    }
    #[cfg(Py_3_12)]
    {
        module.add_function(wrap_pyfunction!(monitoring::line_arcs, module)?)?;
        module.add("_line_arcs", module.getattr("line_arcs")?)?;
        module.add_function(wrap_pyfunction!(monitoring::py_return, module)?)?;
        module.add("_py_return", module.getattr("py_return")?)?;
        module.add_function(wrap_pyfunction!(monitoring::branch, module)?)?;
        module.add("_branch", module.getattr("branch")?)?;
    }
    module.add_function(wrap_pyfunction!(_thread_bootstrap, module)?)?;
    #[cfg(not(Py_3_12))]
    {
        module.add_class::<probes::Probe>()?;
        module.add("_probe", Py::new(module.py(), probes::Probe)?)?;
        module.add_function(wrap_pyfunction!(probes::unprobed, module)?)?;
        module.add("_exec", wrap_pyfunction!(probes::exec_with_probes, module)?)?;
    }
    bindings::register(module)?;
    results::register(module)?;
    source::register(module)?;
    module.add("__version__", ferrocov_core::VERSION)?;
    Ok(())
}
