//! Bindings to the pure-Rust core: data, combine, analysis rules, the summary report.
//! Core errors become Python exceptions here, in one place.

use std::collections::BTreeSet;
use std::path::PathBuf;

use ferrocov_core::data::CoverageData;
use ferrocov_core::report::{self, Format, Options};
use ferrocov_core::{combine as core_combine, sqlite, Error};
use pyo3::exceptions::{PyOSError, PyValueError};
use pyo3::prelude::*;

use crate::results::{self, PyFileResult};

/// The one place where the core's errors become Python exceptions: `ferrocov.exceptions`'
/// classes (one base class, `FerrocovError`), or OSError for the operating system's errors.
pub fn to_py(error: Error) -> PyErr {
    let class = match &error {
        Error::Io { .. } => return PyOSError::new_err(error.to_string()),
        Error::Config(_) => "ConfigError",
        Error::NoData => "NoDataError",
        Error::Sqlite { .. } | Error::Data { .. } => "DataError",
    };
    exception(class, error.to_string())
}

/// An instance of `ferrocov.exceptions.<class>` carrying `message`.
fn exception(class: &str, message: String) -> PyErr {
    Python::attach(|py| {
        let found = py
            .import("ferrocov.exceptions")
            .and_then(|module| module.getattr(class));
        match found.and_then(|class| {
            class
                .cast_into::<pyo3::types::PyType>()
                .map_err(PyErr::from)
        }) {
            Ok(class) => PyErr::from_type(class, message),
            Err(_) => PyValueError::new_err(message),
        }
    })
}

/// Executed lines per measured file.
#[pyclass(name = "Data", module = "ferrocov._core")]
#[derive(Default)]
pub struct PyData {
    pub(crate) inner: CoverageData,
}

#[pymethods]
impl PyData {
    #[new]
    fn new() -> Self {
        PyData::default()
    }

    /// An independent copy.
    fn copy(&self) -> PyData {
        PyData {
            inner: self.inner.clone(),
        }
    }

    /// Every context that recorded something (coverage.py's `measured_contexts`).
    fn measured_contexts(&self) -> Vec<String> {
        let mut contexts = self.inner.contexts();
        for per_file in self.inner.arcs.values() {
            contexts.extend(per_file.keys().cloned());
        }
        contexts.into_iter().collect()
    }

    /// The same data, holding only what was recorded in the contexts named (every measured
    /// file stays measured): what coverage.py's report `contexts` setting selects.
    fn only_contexts(&self, names: Vec<String>) -> PyData {
        let keep: std::collections::BTreeSet<String> = names.into_iter().collect();
        let mut inner = self.inner.clone();
        for contexts in inner.files.values_mut() {
            contexts.retain(|name, _| keep.contains(name));
        }
        for contexts in inner.arcs.values_mut() {
            contexts.retain(|name, _| keep.contains(name));
        }
        PyData { inner }
    }

    /// Read a coverage.py data file.
    #[staticmethod]
    fn read(path: PathBuf) -> PyResult<PyData> {
        sqlite::read(&path)
            .map(|inner| PyData { inner })
            .map_err(to_py)
    }

    /// Write as a coverage.py data file (schema 7), replacing what is there.
    fn write(&self, path: PathBuf, sys_argv: &str, when: &str) -> PyResult<()> {
        sqlite::write(&path, &self.inner, &sqlite::Meta { sys_argv, when }).map_err(to_py)
    }

    fn measured_files(&self) -> Vec<String> {
        self.inner.files.keys().cloned().collect()
    }

    fn lines(&self, path: &str) -> Option<Vec<u32>> {
        self.inner.lines(path).map(|l| l.into_iter().collect())
    }

    /// Was this data measured with branches?
    fn has_arcs(&self) -> bool {
        self.inner.has_arcs
    }

    /// The arcs run in `path` (every context), sorted; None for a file not measured.
    fn arcs(&self, path: &str) -> Option<Vec<(i32, i32)>> {
        if !self.inner.files.contains_key(path) {
            return None;
        }
        Some(self.inner.file_arcs(path).into_iter().collect())
    }

    fn touch(&mut self, path: &str) {
        self.inner.touch(path);
    }

    /// Add executed lines of `path` in `context` (coverage.py's `add_lines`): refused on
    /// branch data, as coverage.py refuses it.
    fn add_lines(&mut self, path: &str, context: &str, lines: Vec<u32>) -> PyResult<()> {
        if self.inner.has_arcs {
            return Err(exception(
                "DataError",
                "Can't add line measurements to existing branch data".to_string(),
            ));
        }
        self.inner.add_context_lines(path, context, lines);
        Ok(())
    }

    /// Add executed arcs of `path` in `context` (coverage.py's `add_arcs`): refused on line
    /// data that has files, as coverage.py refuses it.
    fn add_arcs(&mut self, path: &str, context: &str, arcs: Vec<(i32, i32)>) -> PyResult<()> {
        if !self.inner.has_arcs && !self.inner.files.is_empty() {
            return Err(exception(
                "DataError",
                "Can't add branch measurements to existing line data".to_string(),
            ));
        }
        self.inner.has_arcs = true;
        self.inner.add_context_arcs(path, context, arcs);
        Ok(())
    }

    /// Forget these files entirely (coverage.py's `purge_files`).
    fn purge(&mut self, paths: Vec<String>) {
        for path in paths {
            self.inner.files.remove(&path);
            self.inner.arcs.remove(&path);
        }
    }

    /// Merge `other` in. Line data and branch data never mix (coverage.py's rule).
    fn update(&mut self, other: &PyData) -> PyResult<()> {
        let mine = self.inner.has_arcs || !self.inner.files.is_empty();
        if mine && !other.inner.files.is_empty() && self.inner.has_arcs != other.inner.has_arcs {
            let message = if self.inner.has_arcs {
                "Can't combine statement coverage data with branch data"
            } else {
                "Can't combine branch coverage data with statement data"
            };
            return Err(exception("DataError", message.to_string()));
        }
        self.inner.merge(other.inner.clone());
        Ok(())
    }

    /// Rename files with `rename(path) -> path` (used for `[paths]` remapping).
    fn remap(&mut self, rename: &Bound<'_, PyAny>) -> PyResult<()> {
        let mut renamed = CoverageData::default();
        let mut names: std::collections::HashMap<String, String> = std::collections::HashMap::new();
        for (path, contexts) in std::mem::take(&mut self.inner.files) {
            let new_path: String = rename.call1((path.as_str(),))?.extract()?;
            names.insert(path.clone(), new_path.clone());
            renamed.touch(&new_path);
            for (context, lines) in contexts {
                renamed.add_context_lines(&new_path, &context, lines);
            }
            if let Some(arcs) = self.inner.arcs.remove(&path) {
                for (context, arcs) in arcs {
                    renamed.add_context_arcs(&new_path, &context, arcs);
                }
            }
        }
        self.inner.files = renamed.files;
        self.inner.arcs = renamed.arcs;
        self.inner.rename_in_process_records(&mut |path| {
            names.get(path).cloned().unwrap_or_else(|| path.to_string())
        });
        Ok(())
    }

    /// For each line of `path`, the contexts that ran it, sorted: coverage.py's
    /// `contexts_by_lineno`, with lines in the order coverage.py meets them reading the data
    /// file ferrocov writes (context by context, each context's lines ascending).
    fn contexts_by_line(&self, path: &str) -> Vec<(u32, Vec<String>)> {
        let mut order: Vec<u32> = Vec::new();
        let mut by_line: std::collections::HashMap<u32, Vec<String>> =
            std::collections::HashMap::new();
        let mut add = |line: u32, context: &String| {
            let entry = by_line.entry(line).or_insert_with(|| {
                order.push(line);
                Vec::new()
            });
            if !entry.contains(context) {
                entry.push(context.clone());
            }
        };
        if self.inner.has_arcs {
            // coverage.py reads the arc table in its index order: context, then arc.
            for (context, arcs) in self.inner.arcs.get(path).into_iter().flatten() {
                for &(from, to) in arcs {
                    for line in [from, to] {
                        if line > 0 {
                            add(line as u32, context);
                        }
                    }
                }
            }
        } else if let Some(contexts) = self.inner.files.get(path) {
            for (context, lines) in contexts {
                for line in lines {
                    add(*line, context);
                }
            }
        }
        order
            .into_iter()
            .map(|line| {
                let mut names = by_line.remove(&line).unwrap_or_default();
                names.sort();
                (line, names)
            })
            .collect()
    }

    #[getter]
    fn processes(&self) -> u64 {
        self.inner.processes
    }

    #[getter]
    fn processes_unclean(&self) -> u64 {
        self.inner.processes_unclean
    }

    /// How those ended, counted by kind ("2 os._exit, 1 crashed, 1 killed"), or "".
    #[getter]
    fn unclean_summary(&self) -> String {
        self.inner.unclean_summary()
    }
}

/// What a combine produced: the data, the files it used (to delete once the data is saved),
/// the warnings (one per skipped or damaged file), and the files of live writers it left.
#[pyclass(name = "Combined", module = "ferrocov._core", frozen)]
pub struct PyCombined {
    data: Py<PyData>,
    #[pyo3(get)]
    consumed: Vec<String>,
    #[pyo3(get)]
    warnings: Vec<String>,
    #[pyo3(get)]
    live: Vec<String>,
}

#[pymethods]
impl PyCombined {
    #[getter]
    fn data(&self, py: Python<'_>) -> Py<PyData> {
        self.data.clone_ref(py)
    }
}

/// Combine data files and directories. Files of live processes are left alone, except those
/// of the processes in `wait_for`, waited for up to `wait_seconds`, and any other that ends
/// within `grace_seconds`.
#[pyfunction]
#[pyo3(signature = (inputs, wait_for = Vec::new(), wait_seconds = 0.0, grace_seconds = 0.0, read_live = false))]
fn combine(
    py: Python<'_>,
    inputs: Vec<PathBuf>,
    wait_for: Vec<u32>,
    wait_seconds: f64,
    grace_seconds: f64,
    read_live: bool,
) -> PyResult<PyCombined> {
    let seconds = |value: f64| std::time::Duration::from_secs_f64(value.clamp(0.0, 3600.0));
    let options = core_combine::Options {
        wait_for,
        wait_limit: seconds(wait_seconds),
        grace: seconds(grace_seconds),
        read_live,
    };
    let combined = py.detach(|| core_combine::combine_with(&inputs, &options));
    Ok(PyCombined {
        data: Py::new(
            py,
            PyData {
                inner: combined.data,
            },
        )?,
        consumed: strings(combined.consumed),
        warnings: combined.warnings,
        live: strings(combined.live),
    })
}

/// The files in `directory` whose writers are still alive.
#[pyfunction]
fn live_files(directory: PathBuf) -> Vec<String> {
    strings(core_combine::live_files(&directory))
}

/// Paths as str for Python: returning PathBuf would import pathlib (7 ms) in every `ferrocov run`.
fn strings(paths: Vec<PathBuf>) -> Vec<String> {
    paths
        .into_iter()
        .map(|p| p.to_string_lossy().into_owned())
        .collect()
}

/// The inputs combine reads by default for the data file `data_file`.
#[pyfunction]
fn default_combine_inputs(data_file: PathBuf) -> Vec<String> {
    strings(core_combine::default_inputs(&data_file))
}

/// Where a new run for `data_file` keeps its per-process files (see
/// `ferrocov_core::combine::new_run_directory`).
#[pyfunction]
fn new_run_directory(data_file: PathBuf, run_id: &str) -> String {
    core_combine::new_run_directory(&data_file, run_id)
        .to_string_lossy()
        .into_owned()
}

#[pyfunction]
fn format_lines(statements: BTreeSet<u32>, lines: BTreeSet<u32>) -> String {
    report::format_lines(&statements, &lines)
}

/// coverage.py's display of a percentage.
#[pyfunction]
fn display_covered(pc: f64, precision: usize) -> String {
    report::display_covered(pc, precision)
}

/// The summary report. Returns (text, total percentage, total statements).
#[pyfunction]
#[pyo3(signature = (files, show_missing=false, skip_covered=false, skip_empty=false, precision=0, sort=None, format="text"))]
fn summary(
    files: Vec<PyRef<'_, PyFileResult>>,
    show_missing: bool,
    skip_covered: bool,
    skip_empty: bool,
    precision: usize,
    sort: Option<String>,
    format: &str,
) -> PyResult<(String, f64, usize)> {
    let files = results::borrowed(&files);
    let format: Format = format.parse().map_err(to_py)?;
    let options = Options {
        show_missing,
        skip_covered,
        skip_empty,
        precision,
        sort,
        format,
    };
    let summary = report::summary(&files, &options).map_err(to_py)?;
    Ok((
        summary.text,
        summary.total.pc_covered(),
        summary.total.n_statements,
    ))
}

/// Cobertura XML. Returns (document, total percentage).
#[pyfunction]
#[pyo3(signature = (files, source_paths, package_depth, skip_empty, version, timestamp_ms, processes=None))]
#[allow(clippy::too_many_arguments)]
fn xml_report(
    py: Python<'_>,
    files: Vec<PyRef<'_, PyFileResult>>,
    source_paths: Vec<String>,
    package_depth: usize,
    skip_empty: bool,
    version: &str,
    timestamp_ms: u128,
    processes: Option<(u64, u64)>,
) -> (String, f64) {
    let files = results::borrowed(&files);
    let options = report::xml::XmlOptions {
        source_paths,
        package_depth,
        skip_empty,
        version,
        timestamp_ms,
        processes,
        rules: report_rules(py),
    };
    (
        report::xml::render(&files, &options),
        report::xml::total_percent(&files),
    )
}

/// coverage.py's JSON report. `contexts`, when given, holds each file's contexts by line.
/// Returns (document, total percentage); with `outfile`, the document is written there from
/// here, a file's entry at a time (never held whole, nor as a Python string), and "" is
/// returned for it.
#[pyfunction]
#[pyo3(signature = (files, version, timestamp, precision, pretty, processes=None, contexts=None, outfile=None))]
#[allow(clippy::too_many_arguments)]
fn json_report(
    py: Python<'_>,
    files: Vec<PyRef<'_, PyFileResult>>,
    version: &str,
    timestamp: &str,
    precision: usize,
    pretty: bool,
    processes: Option<(u64, u64)>,
    contexts: Option<Vec<report::json::LineContexts>>,
    outfile: Option<PathBuf>,
) -> PyResult<(String, f64)> {
    let files = results::borrowed(&files);
    let options = report::json::JsonOptions {
        version,
        timestamp,
        precision,
        pretty,
        processes,
        contexts,
        rules: report_rules(py),
    };
    let Some(path) = outfile else {
        return Ok(report::json::render(&files, &options));
    };
    let write = || -> std::io::Result<f64> {
        use std::io::Write as _;
        let mut writer = std::io::BufWriter::new(std::fs::File::create(&path)?);
        let total = report::json::render_into(&files, &options, &mut |text| {
            writer.write_all(text.as_bytes())
        })?;
        writer.flush()?;
        Ok(total)
    };
    let total = write()
        .map_err(|err| PyOSError::new_err(format!("Couldn't write '{}': {err}", path.display())))?;
    Ok((String::new(), total))
}

/// The HTML report. `pages` holds (page name, source text, contexts by line) per file.
/// Returns (pages written, pages unchanged, total percentage).
#[pyfunction]
#[pyo3(signature = (files, pages, directory, title, extra_css, skip_covered, skip_empty, show_contexts, precision, version, timestamp, processes=None, data=None))]
#[allow(clippy::too_many_arguments)]
fn html_report(
    py: Python<'_>,
    files: Vec<PyRef<'_, PyFileResult>>,
    pages: Vec<(String, std::collections::BTreeMap<u32, Vec<String>>)>,
    directory: PathBuf,
    title: &str,
    extra_css: Option<PathBuf>,
    skip_covered: bool,
    skip_empty: bool,
    show_contexts: bool,
    precision: usize,
    version: &str,
    timestamp: &str,
    processes: Option<(u64, u64)>,
    data: Option<PyRef<'_, PyData>>,
) -> PyResult<(usize, usize, f64)> {
    let results = results::borrowed(&files);
    let no_records = Vec::new();
    let process_records = data
        .as_ref()
        .map_or(&no_records, |data| &data.inner.process_records);
    // Each source is read here, not passed in (see `source::read_source`).
    let html_files = results
        .iter()
        .zip(pages)
        .map(|(&result, (page, contexts))| {
            Ok(report::html::HtmlFile {
                result,
                page,
                source: crate::source::read_source(py, &result.path)?,
                contexts,
            })
        })
        .collect::<PyResult<Vec<report::html::HtmlFile<'_>>>>()?;
    let options = report::html::HtmlOptions {
        directory,
        title,
        extra_css,
        skip_covered,
        skip_empty,
        show_contexts,
        precision,
        version,
        timestamp,
        processes,
        process_records,
    };
    let (outcome, percent) = report::html::render(&html_files, &options).map_err(to_py)?;
    Ok((outcome.pages_written, outcome.pages_unchanged, percent))
}

/// LCOV. `checksums` holds, per file path, each statement line's checksum
/// (`[lcov] line_checksums`). Returns (text, total percentage with branches).
#[pyfunction]
#[pyo3(signature = (files, skip_empty, checksums=None))]
fn lcov_report(
    py: Python<'_>,
    files: Vec<PyRef<'_, PyFileResult>>,
    skip_empty: bool,
    checksums: Option<report::lcov::LineChecksums>,
) -> (String, f64) {
    let files = results::borrowed(&files);
    (
        report::lcov::render(&files, skip_empty, checksums.as_ref(), report_rules(py)),
        report::lcov::total_percent(&files),
    )
}

/// The report rules of the newest coverage.py for the running interpreter.
fn report_rules(py: Python<'_>) -> report::ReportRules {
    let version = py.version_info();
    report::ReportRules::for_python(version.major, version.minor)
}

/// A set of coverage.py file patterns (`include`, `omit`).
#[pyclass(name = "GlobSet", module = "ferrocov._core")]
pub struct PyGlobSet {
    inner: ferrocov_core::filter::GlobSet,
}

#[pymethods]
impl PyGlobSet {
    #[new]
    fn new(patterns: Vec<String>, cwd: &str) -> PyResult<PyGlobSet> {
        ferrocov_core::filter::GlobSet::new(&patterns, cwd)
            .map(|inner| PyGlobSet { inner })
            .map_err(to_py)
    }

    fn matches(&self, path: &str) -> bool {
        self.inner.matches(path)
    }

    fn __bool__(&self) -> bool {
        !self.inner.is_empty()
    }
}

/// An exclusion regex compiled for the `regex` crate (see `ferrocov_core::linematch`).
#[pyclass(name = "LineRegex", module = "ferrocov._core", frozen)]
pub struct PyLineRegex {
    pub(crate) inner: ferrocov_core::linematch::LineRegex,
}

#[pymethods]
impl PyLineRegex {
    /// The 1-based lines the pattern's matches cover, or `None` when the text must be left to
    /// Python's `re` (non-ASCII text, or the control characters the engines class differently).
    fn lines(&self, py: Python<'_>, text: &str) -> Option<Vec<u32>> {
        py.detach(|| self.inner.lines(text))
    }
}

/// The pattern compiled for the `regex` crate, or `None` when only Python's `re` is sure to
/// read it as coverage.py does.
#[pyfunction]
fn line_regex(pattern: &str) -> Option<PyLineRegex> {
    ferrocov_core::linematch::LineRegex::new(pattern).map(|inner| PyLineRegex { inner })
}

/// The regex (Python-compatible syntax) for one coverage.py file pattern, unanchored.
#[pyfunction]
fn glob_regex(pattern: &str) -> PyResult<String> {
    ferrocov_core::filter::glob_to_regex(pattern).map_err(to_py)
}

/// The SQLite library `.coverage` files are written with, and its compile options.
#[pyfunction]
fn sqlite_info() -> (String, Vec<String>) {
    sqlite::library_info()
}

pub fn register(module: &Bound<'_, PyModule>) -> PyResult<()> {
    module.add_function(wrap_pyfunction!(sqlite_info, module)?)?;
    module.add_class::<PyData>()?;
    module.add_class::<PyGlobSet>()?;
    module.add_class::<PyLineRegex>()?;
    module.add_function(wrap_pyfunction!(line_regex, module)?)?;
    module.add_class::<PyCombined>()?;
    module.add_function(wrap_pyfunction!(combine, module)?)?;
    module.add_function(wrap_pyfunction!(glob_regex, module)?)?;
    module.add_function(wrap_pyfunction!(default_combine_inputs, module)?)?;
    module.add_function(wrap_pyfunction!(live_files, module)?)?;
    module.add_function(wrap_pyfunction!(new_run_directory, module)?)?;
    module.add_function(wrap_pyfunction!(display_covered, module)?)?;
    module.add_function(wrap_pyfunction!(format_lines, module)?)?;
    module.add_function(wrap_pyfunction!(summary, module)?)?;
    module.add_function(wrap_pyfunction!(xml_report, module)?)?;
    module.add_function(wrap_pyfunction!(json_report, module)?)?;
    module.add_function(wrap_pyfunction!(lcov_report, module)?)?;
    module.add_function(wrap_pyfunction!(html_report, module)?)?;
    let exceptions = module.py().import("ferrocov.exceptions")?;
    module.add("DataError", exceptions.getattr("DataError")?)?;
    module.add("NoDataError", exceptions.getattr("NoDataError")?)?;
    Ok(())
}
