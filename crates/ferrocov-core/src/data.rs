//! Measured data in memory: executed lines per file, and what is known of the processes.

use std::collections::{BTreeMap, BTreeSet};

/// Executed lines per measured file, the unit that combine produces and reports consume.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct CoverageData {
    /// Every measured file, with the lines executed in it (possibly none).
    pub lines: BTreeMap<String, BTreeSet<u32>>,
    /// Number of measured processes whose data went into this, when known.
    pub processes: u64,
    /// How many of those ended without a clean close (killed, crashed, `os._exit`, exec).
    pub processes_unclean: u64,
}

impl CoverageData {
    pub fn add_lines<I: IntoIterator<Item = u32>>(&mut self, path: &str, lines: I) {
        self.lines.entry(path.to_string()).or_default().extend(lines);
    }

    /// Record a file as measured even though none of its lines ran.
    pub fn touch(&mut self, path: &str) {
        self.lines.entry(path.to_string()).or_default();
    }

    pub fn merge(&mut self, other: CoverageData) {
        for (path, lines) in other.lines {
            self.lines.entry(path).or_default().extend(lines);
        }
        self.processes += other.processes;
        self.processes_unclean += other.processes_unclean;
    }
}
