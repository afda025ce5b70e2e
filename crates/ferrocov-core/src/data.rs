//! Measured data in memory: executed lines per file and per context, and what is known of the
//! processes that recorded them.

use std::collections::{BTreeMap, BTreeSet};

/// The default context: lines recorded while no context was set.
pub const DEFAULT_CONTEXT: &str = "";

/// An arc: a transition between two lines as coverage.py records it. A negative number is
/// the entry to (as `from`) or exit from (as `to`) the code object whose first line it negates.
pub type Arc = (i32, i32);

/// A measured file's name as the process records hold it: shared, not copied per process
/// (200 processes that each ran the same 200 files of a tree hold 200 names, not 40,000).
pub type FileName = std::sync::Arc<str>;

/// One measured process, as its data files tell it (the HTML report's processes page).
#[derive(Debug, Default, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ProcessRecord {
    pub pid: u32,
    pub parent_pid: u32,
    /// When it started writing, microseconds since the epoch.
    pub started: u64,
    /// "clean" (closed cleanly), "exec" (replaced by another program through exec),
    /// "exit:N" (`os._exit(N)`), "signal:N" (ended by signal N, which it saw: a crash, or a
    /// kill it could catch), or "unclean" (ended without a word: SIGKILL, or a signal someone
    /// else handled).
    pub ended: String,
    /// The measured files it ran code of.
    pub files: Vec<FileName>,
}

/// Signals that mean the process crashed (rather than was told to stop); the tracer's signal
/// handler chains to any handler already there for these.
pub const CRASH_SIGNALS: [i32; 5] = [
    libc::SIGSEGV,
    libc::SIGBUS,
    libc::SIGFPE,
    libc::SIGILL,
    libc::SIGABRT,
];

/// A signal's name ("SIGTERM"), or "signal N" for one this table lacks.
pub fn signal_name(signal: i32) -> String {
    let name = match signal {
        libc::SIGHUP => "SIGHUP",
        libc::SIGINT => "SIGINT",
        libc::SIGQUIT => "SIGQUIT",
        libc::SIGILL => "SIGILL",
        libc::SIGABRT => "SIGABRT",
        libc::SIGBUS => "SIGBUS",
        libc::SIGFPE => "SIGFPE",
        libc::SIGKILL => "SIGKILL",
        libc::SIGUSR1 => "SIGUSR1",
        libc::SIGSEGV => "SIGSEGV",
        libc::SIGUSR2 => "SIGUSR2",
        libc::SIGPIPE => "SIGPIPE",
        libc::SIGALRM => "SIGALRM",
        libc::SIGTERM => "SIGTERM",
        libc::SIGXCPU => "SIGXCPU",
        _ => return format!("signal {signal}"),
    };
    name.to_string()
}

/// [`ProcessRecord::ended`], read once.
enum Ended<'a> {
    Clean,
    Exec,
    Exit(&'a str),
    Crashed(i32),
    Killed(i32),
    /// Nothing said: SIGKILL or alike.
    Unsaid,
}

impl ProcessRecord {
    fn ended(&self) -> Ended<'_> {
        if let Some(code) = self.ended.strip_prefix("exit:") {
            return Ended::Exit(code);
        }
        if let Some(signal) = self
            .ended
            .strip_prefix("signal:")
            .and_then(|n| n.parse::<i32>().ok())
        {
            return if CRASH_SIGNALS.contains(&signal) {
                Ended::Crashed(signal)
            } else {
                Ended::Killed(signal)
            };
        }
        match self.ended.as_str() {
            "clean" => Ended::Clean,
            "exec" => Ended::Exec,
            _ => Ended::Unsaid,
        }
    }

    /// How it ended, in words: the processes page's "ended" column.
    pub fn ending_in_words(&self) -> String {
        match self.ended() {
            Ended::Clean => "exited cleanly".to_string(),
            Ended::Exec => "replaced by exec".to_string(),
            Ended::Exit(code) => format!("os._exit({code}), data kept"),
            Ended::Crashed(signal) => format!("crashed with {}, data kept", signal_name(signal)),
            Ended::Killed(signal) => format!("killed by {}, data kept", signal_name(signal)),
            Ended::Unsaid => {
                "killed without a chance to say so (SIGKILL or alike), data kept".to_string()
            }
        }
    }

    /// The kind of ending, for counts: "clean", "exec", "os._exit", "crashed" or "killed".
    pub fn ending_kind(&self) -> &'static str {
        match self.ended() {
            Ended::Clean => "clean",
            Ended::Exec => "exec",
            Ended::Exit(_) => "os._exit",
            Ended::Crashed(_) => "crashed",
            Ended::Killed(_) | Ended::Unsaid => "killed",
        }
    }
}

/// Executed lines (and, when measuring branches, arcs) per measured file and per context, the
/// unit that combine produces and reports consume.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct CoverageData {
    /// Every measured file (possibly with no lines run), with its lines per context.
    pub files: BTreeMap<String, BTreeMap<String, BTreeSet<u32>>>,
    /// Arcs run per file and per context (branch measurement only).
    pub arcs: BTreeMap<String, BTreeMap<String, BTreeSet<Arc>>>,
    /// Was this measured with branches (arcs)? coverage.py's `has_arcs`.
    pub has_arcs: bool,
    /// Number of measured processes whose data went into this, when known.
    pub processes: u64,
    /// How many of those ended without a clean close (killed, crashed, `os._exit`, exec).
    pub processes_unclean: u64,
    /// Each measured process, when known (ordered by start).
    pub process_records: Vec<ProcessRecord>,
}

impl CoverageData {
    /// How the processes that did not close cleanly ended, counted by kind: "2 os._exit, 1
    /// crashed, 1 killed" ("" when no process record says).
    pub fn unclean_summary(&self) -> String {
        let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
        for record in &self.process_records {
            let kind = record.ending_kind();
            if kind != "clean" {
                *counts.entry(kind).or_default() += 1;
            }
        }
        [
            ("os._exit", "os._exit"),
            ("crashed", "crashed"),
            ("killed", "killed"),
            ("exec", "replaced by exec"),
        ]
        .iter()
        .filter_map(|(kind, words)| counts.get(kind).map(|n| format!("{n} {words}")))
        .collect::<Vec<_>>()
        .join(", ")
    }

    /// Record lines run in the default context.
    pub fn add_lines<I: IntoIterator<Item = u32>>(&mut self, path: &str, lines: I) {
        self.add_context_lines(path, DEFAULT_CONTEXT, lines);
    }

    pub fn add_context_lines<I: IntoIterator<Item = u32>>(
        &mut self,
        path: &str,
        context: &str,
        lines: I,
    ) {
        let contexts = self.files.entry(path.to_string()).or_default();
        let mut lines = lines.into_iter().peekable();
        if lines.peek().is_some() || !contexts.contains_key(context) {
            contexts
                .entry(context.to_string())
                .or_default()
                .extend(lines);
        }
    }

    /// Record arcs run in `context`; their positive ends are executed lines too.
    pub fn add_context_arcs<I: IntoIterator<Item = Arc>>(
        &mut self,
        path: &str,
        context: &str,
        arcs: I,
    ) {
        let arcs: Vec<Arc> = arcs.into_iter().collect();
        self.has_arcs = true;
        let lines = arcs
            .iter()
            .flat_map(|&(a, b)| [a, b])
            .filter(|&l| l > 0)
            .map(|l| l as u32);
        self.add_context_lines(path, context, lines);
        if !arcs.is_empty() {
            self.arcs
                .entry(path.to_string())
                .or_default()
                .entry(context.to_string())
                .or_default()
                .extend(arcs);
        }
    }

    /// All arcs run in `path`, whatever the context.
    pub fn file_arcs(&self, path: &str) -> BTreeSet<Arc> {
        self.arcs
            .get(path)
            .map(|contexts| contexts.values().flatten().copied().collect())
            .unwrap_or_default()
    }

    /// Record a file as measured even though none of its lines ran.
    pub fn touch(&mut self, path: &str) {
        self.files.entry(path.to_string()).or_default();
    }

    /// All lines run in `path`, whatever the context.
    pub fn lines(&self, path: &str) -> Option<BTreeSet<u32>> {
        self.files
            .get(path)
            .map(|contexts| contexts.values().flatten().copied().collect())
    }

    /// Every context that recorded something, sorted.
    pub fn contexts(&self) -> BTreeSet<String> {
        self.files
            .values()
            .flat_map(|c| c.keys().cloned())
            .collect()
    }

    pub fn merge(&mut self, other: CoverageData) {
        for (path, contexts) in other.files {
            let mine = self.files.entry(path).or_default();
            for (context, lines) in contexts {
                mine.entry(context).or_default().extend(lines);
            }
        }
        for (path, contexts) in other.arcs {
            let mine = self.arcs.entry(path).or_default();
            for (context, arcs) in contexts {
                mine.entry(context).or_default().extend(arcs);
            }
        }
        self.has_arcs |= other.has_arcs;
        self.processes += other.processes;
        self.processes_unclean += other.processes_unclean;
        self.process_records.extend(other.process_records);
        self.process_records
            .sort_by_key(|record| (record.started, record.pid));
    }

    /// Rename files in the process records as `rename` renames them.
    pub fn rename_in_process_records(&mut self, rename: &mut dyn FnMut(&str) -> String) {
        for record in &mut self.process_records {
            for file in &mut record.files {
                *file = rename(file).into();
            }
            record.files.sort();
            record.files.dedup();
        }
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
        assert_eq!(
            data.contexts(),
            BTreeSet::from(["".to_string(), "t|run".to_string()])
        );
    }

    #[test]
    fn arcs_give_lines_and_merge() {
        let mut data = CoverageData::default();
        data.add_context_arcs("/a.py", "", [(-1, 1), (1, 2), (2, -1)]);
        let mut other = CoverageData::default();
        other.add_context_arcs("/a.py", "t", [(1, 3)]);
        data.merge(other);
        assert!(data.has_arcs);
        assert_eq!(data.lines("/a.py"), Some(BTreeSet::from([1, 2, 3])));
        assert_eq!(
            data.file_arcs("/a.py"),
            BTreeSet::from([(-1, 1), (1, 2), (1, 3), (2, -1)])
        );
    }
}
