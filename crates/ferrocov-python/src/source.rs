//! A source file's whole analysis in one call: the text read and decoded, the exclusion and
//! partial-branch patterns matched, the lines CPython puts code on (from the file's
//! `__pycache__` entry when it is valid, else compiled once), the statement rules and, with
//! branches, the possible arcs — the result one typed object ([`PyFileAnalysis`]).
//!
//! A source that is not plain UTF-8 is read by `ferrocov._source.read_source` (PEP 263
//! declarations, byte-order marks: Python's codecs), and a file that can't be read or compiled
//! raises `NoSource` or `NotPython` as coverage.py words them. What only CPython knows is asked
//! of it here, once per file: the code objects' lines, a valid `__pycache__` entry
//! (`ferrocov._cpython.cached_code`), a pattern only Python's `re` reads as coverage.py reads it
//! (`ferrocov._cpython.lines_matching`), a syntax error's wording. A file CPython compiles but
//! the token reader or ruff's parser does not read (syntax newer than the pinned parser) is
//! `NotPython` too, saying so.

use std::collections::HashMap;
use std::sync::Mutex;

use ferrocov_core::arcs::{self, PythonVersion};
use ferrocov_core::linematch::LineRegex;
use ferrocov_core::report::Region;
use ferrocov_core::tokens::Rules;
use pyo3::exceptions::PySyntaxError;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDict, PyFrozenSet, PyTuple, PyType};

use crate::results::{PyAnalysis, PyArcAnalysis};

/// A file's analysis: the source's facts (statements, exclusions, multi-line statements,
/// regions), and with branches its possible arcs and the lines matching the partial-branch
/// patterns (coverage.py's `no_branch` lines).
#[pyclass(frozen, name = "FileAnalysis", module = "ferrocov._core")]
pub struct PyFileAnalysis {
    facts: Py<PyAnalysis>,
    arcs: Option<Py<PyArcAnalysis>>,
    no_branch: Vec<u32>,
}

#[pymethods]
impl PyFileAnalysis {
    #[new]
    #[pyo3(signature = (facts, arcs = None, no_branch = Vec::new()))]
    fn new(facts: Py<PyAnalysis>, arcs: Option<Py<PyArcAnalysis>>, no_branch: Vec<u32>) -> Self {
        let mut no_branch = no_branch;
        no_branch.sort_unstable();
        no_branch.dedup();
        PyFileAnalysis {
            facts,
            arcs,
            no_branch,
        }
    }

    #[getter]
    fn facts(&self, py: Python<'_>) -> Py<PyAnalysis> {
        self.facts.clone_ref(py)
    }

    #[getter]
    fn arcs(&self, py: Python<'_>) -> Option<Py<PyArcAnalysis>> {
        self.arcs.as_ref().map(|arcs| arcs.clone_ref(py))
    }

    #[getter]
    fn no_branch<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyFrozenSet>> {
        PyFrozenSet::new(py, &self.no_branch)
    }

    #[getter]
    fn statements<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        self.facts.bind(py).getattr("statements")
    }

    #[getter]
    fn excluded<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        self.facts.bind(py).getattr("excluded")
    }

    #[getter]
    fn multiline<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        self.facts.bind(py).getattr("multiline")
    }

    #[getter]
    fn regions<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        self.facts.bind(py).getattr("regions")
    }

    #[getter]
    fn n_lines(&self) -> u32 {
        self.facts.get().n_lines
    }

    /// Measured line numbers on the first lines of their statements.
    fn translate<'py>(&self, py: Python<'py>, lines: Vec<u32>) -> PyResult<Bound<'py, PyAny>> {
        self.facts.bind(py).call_method1("translate", (lines,))
    }

    /// For pickle (report workers send analyses to the reporting process).
    #[allow(clippy::type_complexity)]
    fn __reduce__<'py>(
        slf: &Bound<'py, Self>,
    ) -> (
        Bound<'py, PyType>,
        (Py<PyAnalysis>, Option<Py<PyArcAnalysis>>, Vec<u32>),
    ) {
        let py = slf.py();
        let this = slf.get();
        (
            slf.get_type(),
            (
                this.facts.clone_ref(py),
                this.arcs.as_ref().map(|arcs| arcs.clone_ref(py)),
                this.no_branch.clone(),
            ),
        )
    }

    fn __repr__(&self) -> String {
        format!(
            "FileAnalysis({:?}, arcs={}, no_branch={:?})",
            self.facts.get().statements.len(),
            self.arcs.is_some(),
            self.no_branch
        )
    }
}

/// The text of a source file as coverage.py reads it (newlines normalized, form feeds made
/// spaces, ending with a newline) when it is plain UTF-8: no byte-order mark, no coding
/// declaration in its first two lines, every byte valid. `None` otherwise, or when it can't be
/// read: `ferrocov._source.read_source` words those.
fn plain_source(filename: &str) -> Option<String> {
    let data = std::fs::read(filename).ok()?;
    if data.starts_with(b"\xef\xbb\xbf") {
        return None;
    }
    let mut normal = Vec::with_capacity(data.len() + 1);
    let mut bytes = data.iter().copied().peekable();
    while let Some(byte) = bytes.next() {
        match byte {
            b'\r' => {
                if bytes.peek() == Some(&b'\n') {
                    bytes.next();
                }
                normal.push(b'\n');
            }
            0x0c => normal.push(b' '),
            other => normal.push(other),
        }
    }
    // A coding declaration (PEP 263: a comment with `coding:` or `coding=`) can only be on the
    // first two lines.
    let declares = |line: &[u8]| {
        let comment = line
            .iter()
            .position(|&b| !matches!(b, b' ' | b'\t' | 0x0c))
            .is_some_and(|at| line[at] == b'#');
        comment && line.windows(7).any(|w| w == b"coding:" || w == b"coding=")
    };
    if normal.split(|&b| b == b'\n').take(2).any(declares) {
        return None;
    }
    let mut text = String::from_utf8(normal).ok()?;
    if !text.is_empty() && !text.ends_with('\n') {
        text.push('\n');
    }
    Some(text)
}

/// The text of a source file as coverage.py reads it: in Rust when it is plain UTF-8, else by
/// `ferrocov._source.read_source` (which raises `NoSource` or `NotPython` naming the file).
pub(crate) fn read_source(py: Python<'_>, filename: &str) -> PyResult<String> {
    if let Some(text) = py.detach(|| plain_source(filename)) {
        return Ok(text);
    }
    py.import("ferrocov._source")?
        .call_method1("read_source", (filename,))?
        .extract()
}

/// `len(text.splitlines())`: Python splits lines at more than `\n`.
fn python_line_count(text: &str) -> u32 {
    let mut count = 0u32;
    let mut at_line_start = true;
    for c in text.chars() {
        match c {
            '\n' | '\r' | '\u{0b}' | '\u{0c}' | '\u{1c}' | '\u{1d}' | '\u{1e}' | '\u{85}'
            | '\u{2028}' | '\u{2029}' => {
                count += 1;
                at_line_start = true;
            }
            _ => at_line_start = false,
        }
    }
    // ("\r\n" never occurs: newlines are normalized before.)
    if !at_line_start {
        count += 1;
    }
    count
}

/// Each pattern compiled once for the `regex` crate (`None`: only Python's `re` reads it as
/// coverage.py does).
static REGEXES: Mutex<Option<HashMap<String, Option<LineRegex>>>> = Mutex::new(None);

/// The lines `pattern`'s matches cover in `text`: in Rust where it reads the pattern and the
/// text as `re` does, else by `ferrocov._cpython.lines_matching`.
fn lines_matching(py: Python<'_>, text: &str, pattern: &str) -> PyResult<Vec<u32>> {
    if pattern.is_empty() {
        return Ok(Vec::new());
    }
    let fast = {
        let mut guard = REGEXES
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let cache = guard.get_or_insert_with(HashMap::new);
        let regex = cache
            .entry(pattern.to_string())
            .or_insert_with(|| LineRegex::new(pattern));
        regex.as_ref().and_then(|regex| regex.lines(text))
    };
    match fast {
        Some(lines) => Ok(lines),
        None => py
            .import("ferrocov._cpython")?
            .call_method1("lines_matching", (text, pattern))?
            .extract(),
    }
}

/// What the file's `__pycache__` entry holds, through `ferrocov._cpython.cached_code` (the
/// import system's checks: magic number, the source's mtime and size, or its hash). Looked for
/// only when such a file exists, so the common case costs one `stat`.
fn cached_code<'py>(py: Python<'py>, filename: &str) -> PyResult<Option<Bound<'py, PyAny>>> {
    static CACHE_TAG: PyOnceLock<Option<String>> = PyOnceLock::new();
    let tag = CACHE_TAG.get_or_init(py, || {
        let sys = py.import("sys").ok()?;
        // A prefix or optimisation puts the file elsewhere: always ask the import system then.
        let prefix_set = !sys.getattr("pycache_prefix").ok()?.is_none();
        let optimize: i64 = sys
            .getattr("flags")
            .and_then(|f| f.getattr("optimize"))
            .and_then(|o| o.extract())
            .ok()?;
        if prefix_set || optimize != 0 {
            return None;
        }
        sys.getattr("implementation")
            .and_then(|i| i.getattr("cache_tag"))
            .and_then(|t| t.extract())
            .ok()
    });
    if let Some(tag) = tag {
        let path = std::path::Path::new(filename);
        let (Some(parent), Some(name)) = (path.parent(), path.file_name()) else {
            return Ok(None);
        };
        let name = name.to_string_lossy();
        let stem = match name.rfind('.') {
            Some(0) | None => &name[..],
            Some(dot) => &name[..dot],
        };
        let cached = parent.join("__pycache__").join(format!("{stem}.{tag}.pyc"));
        if !cached.exists() {
            return Ok(None);
        }
    }
    let code = py
        .import("ferrocov._cpython")?
        .call_method1("cached_code", (filename,))?;
    Ok((!code.is_none()).then_some(code))
}

/// Every line any of the file's code objects has instructions on (`__annotate__` functions
/// left out, as coverage.py leaves them), sorted.
fn code_lines(code: &Bound<'_, PyAny>) -> PyResult<Vec<u32>> {
    let code_type = code.get_type();
    let mut lines = Vec::new();
    let mut stack = vec![code.clone()];
    while let Some(current) = stack.pop() {
        for constant in current.getattr("co_consts")?.cast_into::<PyTuple>()?.iter() {
            if constant.get_type().is(&code_type) {
                stack.push(constant);
            }
        }
        if current.getattr("co_name")?.extract::<&str>()? == "__annotate__" {
            continue;
        }
        for entry in current.call_method0("co_lines")?.try_iter()? {
            let entry = entry?;
            let line = entry.cast::<PyTuple>()?.get_item(2)?;
            if !line.is_none() {
                let line: i64 = line.extract()?;
                if line > 0 {
                    lines.push(line as u32);
                }
            }
        }
    }
    lines.sort_unstable();
    lines.dedup();
    Ok(lines)
}

/// The statement analysis of `text` in Rust, the syntax facts read from its tokens
/// ([`ferrocov_core::tokens::structure`]): statements, excluded lines, multi-line map, code
/// regions, whether there is no code at all, with `rules` the version's. Only the code objects'
/// lines come from CPython (`code_lines`); `n_lines` is Python's count of the text's lines.
/// None where the token reader cannot read the text.
fn structure_analysis(
    text: &str,
    code_lines: Vec<u32>,
    regex_excluded: Vec<u32>,
    n_lines: u32,
    rules: Rules,
) -> Option<PyAnalysis> {
    let result = ferrocov_core::analysis::analyze_text(text, code_lines, regex_excluded, rules)?;
    let regions = result
        .regions
        .into_iter()
        .map(|(kind, name, start, lines)| Region {
            kind: kind.to_string(),
            name,
            start,
            lines: lines.into_iter().collect(),
        })
        .collect();
    Some(PyAnalysis::from_core(
        result.analysis,
        regions,
        n_lines,
        result.empty,
    ))
}

/// `NotPython` for a file CPython compiles and ferrocov's readers do not: `what` says which and
/// why, in coverage.py's words for a file it can't parse.
fn unreadable(py: Python<'_>, filename: &str, what: &str) -> PyResult<PyErr> {
    let class = py.import("ferrocov.exceptions")?.getattr("NotPython")?;
    let message = format!("Couldn't parse '{filename}' as Python source: {what}");
    Ok(PyErr::from_value(class.call1((message,))?))
}

/// The file's analysis in one call (see the module's doc). `branch`: the possible arcs and the
/// partial-branch lines too.
#[pyfunction]
#[pyo3(signature = (filename, exclude_regex, branch = false, partial_regex = ""))]
pub fn analyze_file(
    py: Python<'_>,
    filename: &str,
    exclude_regex: &str,
    branch: bool,
    partial_regex: &str,
) -> PyResult<PyFileAnalysis> {
    let text = read_source(py, filename)?;
    let regex_excluded = lines_matching(py, &text, exclude_regex)?;
    let code = match cached_code(py, filename)? {
        Some(code) => code,
        None => {
            let kwargs = PyDict::new(py);
            kwargs.set_item("dont_inherit", true)?;
            let compiled = py
                .import("builtins")?
                .getattr("compile")?
                .call((text.as_str(), filename, "exec"), Some(&kwargs));
            match compiled {
                Ok(code) => code,
                Err(err) if err.is_instance_of::<PySyntaxError>(py) => {
                    // Worded as coverage.py words it (`NotPython`).
                    let not_python = py
                        .import("ferrocov._cpython")?
                        .call_method1("not_python", (err.value(py), filename))?;
                    return Err(PyErr::from_value(not_python));
                }
                Err(err) => return Err(err),
            }
        }
    };
    let lines = code_lines(&code)?;
    let n_lines = python_line_count(&text);
    let info = py.version_info();
    let rules = Rules::for_version(info.major, info.minor);
    let Some(facts) =
        py.detach(|| structure_analysis(&text, lines.clone(), regex_excluded, n_lines, rules))
    else {
        let problem = py.detach(|| arcs::parse_problem(&text));
        let what = match problem {
            Some(problem) => format!("ferrocov's parser does not read it: {problem}"),
            None => "ferrocov's tokenizer does not read it".to_string(),
        };
        return Err(unreadable(py, filename, &what)?);
    };
    let mut arcs = None;
    let mut no_branch = Vec::new();
    if branch {
        let version = PythonVersion {
            major: info.major,
            minor: info.minor,
            micro: info.patch,
        };
        let code_lines = if facts.empty { Vec::new() } else { lines };
        let multiline = &facts.multiline;
        let Some(inner) = py.detach(|| arcs::analyze(&text, &code_lines, multiline, version))
        else {
            let problem = py.detach(|| arcs::parse_problem(&text)).unwrap_or_default();
            let what = format!("ferrocov's parser does not read it: {problem}");
            return Err(unreadable(py, filename, &what)?);
        };
        arcs = Some(Py::new(py, PyArcAnalysis { inner })?);
        no_branch = lines_matching(py, &text, partial_regex)?;
    }
    Ok(PyFileAnalysis {
        facts: Py::new(py, facts)?,
        arcs,
        no_branch,
    })
}

pub fn register(module: &Bound<'_, PyModule>) -> PyResult<()> {
    module.add_class::<PyFileAnalysis>()?;
    module.add_function(wrap_pyfunction!(analyze_file, module)?)?;
    Ok(())
}
