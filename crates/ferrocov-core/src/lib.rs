//! ferrocov's core: everything that does not need the Python interpreter.
//!
//! - [`datafile`]: the durable per-process data file (writer and reader).
//! - [`combine`]: merging data files into one [`data::CoverageData`].
//! - [`sqlite`]: coverage.py's `.coverage` SQLite format.
//! - [`filter`]: which files are measured.
//! - [`arcs`]: the arcs a file can take, from its syntax tree (ruff's parser), with coverage.py's rules.
//! - [`analysis`]: coverage.py's statement rules over facts from CPython's compiler.
//! - [`linematch`]: the lines an exclusion regex matches, without Python's `re` where that is safe.
//! - [`report`]: every report kind (text and markdown summary, HTML, Cobertura XML, JSON, LCOV)
//!   and the per-coverage.py-version rules they follow ([`report::ReportRules`]).
//! - [`stderr`]: a warning line that never fails the program.

pub mod analysis;
pub mod arcs;
pub mod checksum;
pub mod combine;
pub mod data;
pub mod datafile;
pub mod error;
pub mod filter;
pub mod linematch;
pub mod numbits;
pub mod probe_arcs;
pub mod probes;
pub mod report;
pub mod sqlite;
pub mod stderr;
pub mod tokens;

pub use error::{Error, Result};

/// ferrocov's version, written into data files it creates.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
