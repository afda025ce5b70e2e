//! Measured data in memory: executed lines per file and per context, and what is known of the
//! processes that recorded them.

use std::collections::{BTreeMap, BTreeSet};

/// The default context: lines recorded while no context was set.
pub const DEFAULT_CONTEXT: &str = "";

/// Executed lines per measured file and per context, the unit that combine produces and
/// reports consume.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct CoverageData {
    /// Every measured file (possibly with no lines run), with its lines per context.
    pub files: BTreeMap<String, BTreeMap<String, BTreeSet<u32>>>,
    /// Number of measured processes whose data went into this, when known.
    pub processes: u64,
    /// How many of those ended without a clean close (killed, crashed, `os._exit`, exec).
    pub processes_unclean: u64,
}

impl CoverageData {
    /// Record lines run in the default context.
    pub fn add_lines<I: IntoIterator<Item = u32>>(&mut self, path: &str, lines: I) {
        self.add_context_lines(path, DEFAULT_CONTEXT, lines);
    }

    pub fn add_context_lines<I: IntoIterator<Item = u32>>(&mut self, path: &str, context: &str, lines: I) {
        let contexts = self.files.entry(path.to_string()).or_default();
        let mut lines = lines.into_iter().peekable();
        if lines.peek().is_some() || !contexts.contains_key(context) {
            contexts.entry(context.to_string()).or_default().extend(lines);
        }
    }

    /// Record a file as measured even though none of its lines ran.
    pub fn touch(&mut self, path: &str) {
        self.files.entry(path.to_string()).or_default();
    }

    /// All lines run in `path`, whatever the context.
    pub fn lines(&self, path: &str) -> Option<BTreeSet<u32>> {
        self.files.get(path).map(|contexts| contexts.values().flatten().copied().collect())
    }

    /// Every context that recorded something, sorted.
    pub fn contexts(&self) -> BTreeSet<String> {
        self.files.values().flat_map(|c| c.keys().cloned()).collect()
    }

    pub fn merge(&mut self, other: CoverageData) {
        for (path, contexts) in other.files {
            let mine = self.files.entry(path).or_default();
            for (context, lines) in contexts {
                mine.entry(context).or_default().extend(lines);
            }
        }
        self.processes += other.processes;
        self.processes_unclean += other.processes_unclean;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_the_union_of_contexts() {
        let mut data = CoverageData::default();
        data.add_lines("/a.py", [1, 2]);
        data.add_context_lines("/a.py", "t|run", [2, 3]);
        data.touch("/b.py");
        assert_eq!(data.lines("/a.py"), Some(BTreeSet::from([1, 2, 3])));
        assert_eq!(data.lines("/b.py"), Some(BTreeSet::new()));
        assert_eq!(data.contexts(), BTreeSet::from(["".to_string(), "t|run".to_string()]));
    }
}
