//! A file's analysis and its results, as typed Python objects that keep their contents in Rust:
//! the analysis is made once per file (by `source::analyze_file`) and its result once per
//! report, from the analysis and the measured data, without the
//! line numbers crossing into Python and back. The report functions read the results where
//! they are.

use std::collections::{BTreeMap, BTreeSet};

use ferrocov_core::arcs::ArcAnalysis;
use ferrocov_core::report::{Branches, FileResult, Region};
use pyo3::prelude::*;
use pyo3::types::PyType;

use crate::bindings::PyData;

/// A region as it crosses: (kind, dotted name, line of its `def`/`class`, its lines).
pub type RegionTuple = (String, String, u32, Vec<u32>);

/// What a source file says, before any data: its statements, excluded lines, multi-line
/// statements (each line of one mapped to its first line), function and class regions.
#[pyclass(frozen, name = "Analysis", module = "ferrocov._core")]
#[derive(Debug, Clone, Default)]
pub struct PyAnalysis {
    pub statements: BTreeSet<u32>,
    pub excluded: BTreeSet<u32>,
    pub multiline: BTreeMap<u32, u32>,
    pub regions: Vec<Region>,
    pub n_lines: u32,
    /// No code at all (only comments, blank lines): such a file has no arcs either.
    pub empty: bool,
}

pub fn regions_from(regions: Vec<RegionTuple>) -> Vec<Region> {
    regions
        .into_iter()
        .map(|(kind, name, start, lines)| Region {
            kind,
            name,
            start,
            lines: lines.into_iter().collect(),
        })
        .collect()
}

fn regions_to(regions: &[Region]) -> Vec<RegionTuple> {
    regions
        .iter()
        .map(|r| {
            (
                r.kind.clone(),
                r.name.clone(),
                r.start,
                r.lines.iter().copied().collect(),
            )
        })
        .collect()
}

impl PyAnalysis {
    pub fn from_core(
        result: ferrocov_core::analysis::FileAnalysis,
        regions: Vec<Region>,
        n_lines: u32,
        empty: bool,
    ) -> Self {
        PyAnalysis {
            statements: result.statements,
            excluded: result.excluded,
            multiline: result.multiline,
            regions,
            n_lines,
            empty,
        }
    }

    /// `line` as the data records it, on the first line of its statement.
    fn first_line(&self, line: u32) -> u32 {
        self.multiline.get(&line).copied().unwrap_or(line)
    }
}

#[pymethods]
impl PyAnalysis {
    #[new]
    #[pyo3(signature = (statements, excluded, multiline, regions, n_lines, empty = false))]
    fn new(
        statements: Vec<u32>,
        excluded: Vec<u32>,
        multiline: Vec<(u32, u32)>,
        regions: Vec<RegionTuple>,
        n_lines: u32,
        empty: bool,
    ) -> Self {
        PyAnalysis {
            statements: statements.into_iter().collect(),
            excluded: excluded.into_iter().collect(),
            multiline: multiline.into_iter().collect(),
            regions: regions_from(regions),
            n_lines,
            empty,
        }
    }

    #[getter]
    fn statements(&self) -> BTreeSet<u32> {
        self.statements.clone()
    }

    #[getter]
    fn excluded(&self) -> BTreeSet<u32> {
        self.excluded.clone()
    }

    #[getter]
    fn multiline(&self) -> BTreeMap<u32, u32> {
        self.multiline.clone()
    }

    #[getter]
    fn regions(&self) -> Vec<RegionTuple> {
        regions_to(&self.regions)
    }

    #[getter]
    fn n_lines(&self) -> u32 {
        self.n_lines
    }

    #[getter]
    fn empty(&self) -> bool {
        self.empty
    }

    /// Measured line numbers on the first lines of their statements.
    fn translate(&self, lines: Vec<u32>) -> BTreeSet<u32> {
        lines
            .into_iter()
            .map(|line| self.first_line(line))
            .collect()
    }

    /// For pickle (report workers send analyses to the reporting process).
    #[allow(clippy::type_complexity)]
    fn __reduce__<'py>(
        slf: &Bound<'py, Self>,
    ) -> (
        Bound<'py, PyType>,
        (
            Vec<u32>,
            Vec<u32>,
            Vec<(u32, u32)>,
            Vec<RegionTuple>,
            u32,
            bool,
        ),
    ) {
        let this = slf.get();
        (
            slf.get_type(),
            (
                this.statements.iter().copied().collect(),
                this.excluded.iter().copied().collect(),
                this.multiline.iter().map(|(a, b)| (*a, *b)).collect(),
                regions_to(&this.regions),
                this.n_lines,
                this.empty,
            ),
        )
    }

    fn __eq__(&self, other: &Self) -> bool {
        self.statements == other.statements
            && self.excluded == other.excluded
            && self.multiline == other.multiline
            && self.regions.len() == other.regions.len()
            && self.regions.iter().zip(&other.regions).all(|(a, b)| {
                a.kind == b.kind && a.name == b.name && a.start == b.start && a.lines == b.lines
            })
            && self.n_lines == other.n_lines
            && self.empty == other.empty
    }

    fn __repr__(&self) -> String {
        format!(
            "Analysis(statements={}, excluded={}, regions={}, n_lines={})",
            self.statements.len(),
            self.excluded.len(),
            self.regions.len(),
            self.n_lines
        )
    }
}

/// One file's results: what every report is made from.
#[pyclass(frozen, name = "FileResult", module = "ferrocov._core")]
pub struct PyFileResult {
    pub inner: FileResult,
}

#[pymethods]
impl PyFileResult {
    /// The results of `path` (shown as `name`) from its analysis and the lines `data` holds
    /// for it; with branch data, the branch facts from `arcs` (the core's arc analysis) and the
    /// `no_branch` lines.
    #[new]
    #[pyo3(signature = (analysis, data, path, name, arcs = None, no_branch = Vec::new()))]
    fn new(
        analysis: &PyAnalysis,
        data: &PyData,
        path: String,
        name: String,
        arcs: Option<&PyArcAnalysis>,
        no_branch: Vec<i32>,
    ) -> Self {
        let executed: BTreeSet<u32> = data
            .inner
            .lines(&path)
            .unwrap_or_default()
            .into_iter()
            .map(|line| analysis.first_line(line))
            .filter(|line| analysis.statements.contains(line))
            .collect();
        let missing = analysis.statements.difference(&executed).copied().collect();
        let branches =
            arcs.map(|arcs| branch_facts(&arcs.inner, data, &path, &analysis.excluded, no_branch));
        PyFileResult {
            inner: FileResult {
                name,
                path,
                statements: analysis.statements.clone(),
                missing,
                executed,
                n_excluded: analysis.excluded.len(),
                excluded: analysis.excluded.clone(),
                regions: analysis.regions.clone(),
                n_source_lines: analysis.n_lines,
                branches,
            },
        }
    }

    #[getter]
    fn path(&self) -> &str {
        &self.inner.path
    }

    #[getter]
    fn name(&self) -> &str {
        &self.inner.name
    }

    #[getter]
    fn statements(&self) -> Vec<u32> {
        self.inner.statements.iter().copied().collect()
    }

    #[getter]
    fn executed(&self) -> Vec<u32> {
        self.inner.executed.iter().copied().collect()
    }

    #[getter]
    fn missing(&self) -> Vec<u32> {
        self.inner.missing.iter().copied().collect()
    }

    #[getter]
    fn excluded(&self) -> Vec<u32> {
        self.inner.excluded.iter().copied().collect()
    }

    #[getter]
    fn regions(&self) -> Vec<RegionTuple> {
        regions_to(&self.inner.regions)
    }

    #[getter]
    fn n_lines(&self) -> u32 {
        self.inner.n_source_lines
    }

    /// Were branches measured (does the result hold branch facts)?
    /// coverage.py's `branch_stats`: per line with branches, (exits, exits taken).
    #[getter]
    fn branch_stats(&self) -> BTreeMap<i32, (u32, u32)> {
        self.inner.branch_stats()
    }

    #[getter]
    fn has_branches(&self) -> bool {
        self.inner.branches.is_some()
    }

    fn __repr__(&self) -> String {
        format!(
            "FileResult({:?}, statements={}, missing={}, excluded={})",
            self.inner.name,
            self.inner.statements.len(),
            self.inner.missing.len(),
            self.inner.excluded.len()
        )
    }
}

/// A file's branch facts: its possible arcs, the measured ones translated as reports use them,
/// exit counts, and what each arc from a branch line does and says when missed.
fn branch_facts(
    arcs: &ArcAnalysis,
    data: &PyData,
    path: &str,
    excluded: &BTreeSet<u32>,
    no_branch: Vec<i32>,
) -> Branches {
    let exit_counts = arcs.exit_counts(excluded);
    let descriptions = arcs
        .possible
        .iter()
        .filter(|(a, _)| exit_counts.get(a).is_some_and(|count| *count > 1))
        .map(|&(a, b)| ((a, b), (arcs.action(a, b), arcs.description(a, b))))
        .collect();
    Branches {
        possible: arcs.possible.clone(),
        executed: arcs.executed(data.inner.file_arcs(path).into_iter()),
        exit_counts,
        no_branch: no_branch.into_iter().collect(),
        descriptions,
    }
}

/// The arcs a file can take (the core's analysis over ruff's syntax tree), and how measured
/// arcs translate. Picklable, for the report workers.
#[pyclass(frozen, name = "ArcAnalysis", module = "ferrocov._core")]
pub struct PyArcAnalysis {
    pub inner: ArcAnalysis,
}

/// (possible, fixers, old fixers, fragments, multi-line map): an arc analysis's state for pickle.
type ArcState = (
    Vec<(i32, i32)>,
    Vec<((i32, i32), Option<(i32, i32)>)>,
    Vec<((i32, i32), ((i32, i32), (i32, i32)))>,
    Vec<((i32, i32), Vec<(Option<String>, Option<String>)>)>,
    Vec<(u32, u32)>,
);

#[pymethods]
impl PyArcAnalysis {
    #[new]
    fn new(state: ArcState) -> Self {
        let (possible, fixers, old_fixers, fragments, multiline) = state;
        PyArcAnalysis {
            inner: ArcAnalysis {
                possible: possible.into_iter().collect(),
                fixers: fixers.into_iter().collect(),
                old_fixers: old_fixers.into_iter().collect(),
                fragments: fragments.into_iter().collect(),
                multiline: multiline.into_iter().collect(),
            },
        }
    }

    fn __reduce__<'py>(slf: &Bound<'py, Self>) -> (Bound<'py, PyType>, (ArcState,)) {
        let inner = &slf.get().inner;
        let state = (
            inner.possible.iter().copied().collect(),
            inner.fixers.iter().map(|(k, v)| (*k, *v)).collect(),
            inner.old_fixers.iter().map(|(k, v)| (*k, *v)).collect(),
            inner
                .fragments
                .iter()
                .map(|(k, v)| (*k, v.clone()))
                .collect(),
            inner.multiline.iter().map(|(k, v)| (*k, *v)).collect(),
        );
        (slf.get_type(), (state,))
    }

    /// Every arc the code can take (on first lines, self-arcs dropped).
    #[getter]
    fn possible(&self) -> BTreeSet<(i32, i32)> {
        self.inner.possible.clone()
    }

    /// Measured arcs as reports use them.
    fn translate(&self, arcs: Vec<(i32, i32)>) -> BTreeSet<(i32, i32)> {
        self.inner.translate(arcs.into_iter())
    }

    /// coverage.py's executed arcs from the measured ones.
    fn executed(&self, measured: Vec<(i32, i32)>) -> BTreeSet<(i32, i32)> {
        self.inner.executed(measured.into_iter())
    }

    /// Possible exits per line, leaving out arcs from or to `excluded` lines.
    fn exit_counts(&self, excluded: BTreeSet<u32>) -> BTreeMap<i32, u32> {
        self.inner.exit_counts(&excluded)
    }

    fn action(&self, start: i32, end: i32) -> String {
        self.inner.action(start, end)
    }

    fn description(&self, start: i32, end: i32) -> String {
        self.inner.description(start, end)
    }

    fn __eq__(&self, other: &Self) -> bool {
        self.inner == other.inner
    }
}

/// The results the reports read, borrowed where they are.
pub fn borrowed<'a>(files: &'a [PyRef<'_, PyFileResult>]) -> Vec<&'a FileResult> {
    files.iter().map(|file| &file.inner).collect()
}

pub fn register(module: &Bound<'_, PyModule>) -> PyResult<()> {
    module.add_class::<PyAnalysis>()?;
    module.add_class::<PyFileResult>()?;
    module.add_class::<PyArcAnalysis>()?;
    Ok(())
}
