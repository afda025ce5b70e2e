//! Reports: the summary (text, markdown, total), Cobertura XML, JSON and LCOV, each as
//! coverage.py writes it, from per-file results computed once.

pub mod html;
pub mod json;
pub mod lcov;
pub mod summary;
pub mod xml;

use std::cmp::Ordering;
use std::collections::BTreeSet;

pub use summary::{summary, Format, Options, Summary};

/// A function or class of a file, as coverage.py's region finder reports it: the lines of its
/// body that belong to it and not to a nested function or class.
#[derive(Debug, Clone, Default)]
pub struct Region {
    /// "function" or "class".
    pub kind: String,
    /// Dotted name, `Class.method`.
    pub name: String,
    /// The line of its `def` or `class`.
    pub start: u32,
    pub lines: BTreeSet<u32>,
}

/// What a file contributes to the report.
#[derive(Debug, Clone, Default)]
pub struct FileResult {
    /// The name shown: relative to the current directory when under it.
    pub name: String,
    /// The absolute path of the source file.
    pub path: String,
    pub statements: BTreeSet<u32>,
    pub missing: BTreeSet<u32>,
    pub executed: BTreeSet<u32>,
    pub excluded: BTreeSet<u32>,
    pub n_excluded: usize,
    /// Functions and classes, for the reports that break files down by them.
    pub regions: Vec<Region>,
    /// Number of lines of the source text.
    pub n_source_lines: u32,
}

/// Counts for one file or for the total.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Numbers {
    pub n_files: usize,
    pub n_statements: usize,
    pub n_excluded: usize,
    pub n_missing: usize,
}

impl Numbers {
    pub fn of(file: &FileResult) -> Numbers {
        Numbers { n_files: 1, n_statements: file.statements.len(), n_excluded: file.n_excluded, n_missing: file.missing.len() }
    }

    pub fn add(&mut self, other: &Numbers) {
        self.n_files += other.n_files;
        self.n_statements += other.n_statements;
        self.n_excluded += other.n_excluded;
        self.n_missing += other.n_missing;
    }

    /// The percentage covered, 100 for a file with no statements.
    pub fn pc_covered(&self) -> f64 {
        if self.n_statements == 0 {
            100.0
        } else {
            100.0 * (self.n_statements - self.n_missing) as f64 / self.n_statements as f64
        }
    }
}

/// coverage.py's display rule: never shows 0 or 100 unless the value is exactly that.
pub fn display_covered(pc: f64, precision: usize) -> String {
    let near0 = 1.0 / 10f64.powi(precision as i32);
    let shown = if 0.0 < pc && pc < near0 {
        near0
    } else if (100.0 - near0) < pc && pc < 100.0 {
        100.0 - near0
    } else {
        pc
    };
    format!("{shown:.precision$}")
}

/// "1-2, 5-11, 13-14": missing lines merged into ranges across lines that are not statements.
pub fn format_lines(statements: &BTreeSet<u32>, lines: &BTreeSet<u32>) -> String {
    let mut pairs: Vec<(u32, u32)> = Vec::new();
    let mut start: Option<u32> = None;
    let mut end = 0;
    let mut remaining = lines.iter().peekable();
    for &statement in statements {
        let Some(&&next) = remaining.peek() else { break };
        if statement == next {
            remaining.next();
            if start.is_none() {
                start = Some(statement);
            }
            end = statement;
        } else if let Some(s) = start.take() {
            pairs.push((s, end));
        }
    }
    if let Some(s) = start {
        pairs.push((s, end));
    }
    pairs
        .iter()
        .map(|&(a, b)| if a == b { a.to_string() } else { format!("{a}-{b}") })
        .collect::<Vec<_>>()
        .join(", ")
}

fn human_key(s: &str) -> Vec<HumanChunk> {
    let mut chunks = Vec::new();
    let mut current = String::new();
    let mut digits = false;
    for c in s.chars() {
        if c.is_ascii_digit() != digits && !current.is_empty() {
            chunks.push(HumanChunk::new(&current, digits));
            current.clear();
        }
        digits = c.is_ascii_digit();
        current.push(c);
    }
    if !current.is_empty() {
        chunks.push(HumanChunk::new(&current, digits));
    }
    chunks
}

#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
enum HumanChunk {
    Number(u128),
    Text(String),
}

impl HumanChunk {
    fn new(s: &str, digits: bool) -> HumanChunk {
        match (digits, s.parse::<u128>()) {
            (true, Ok(n)) => HumanChunk::Number(n),
            _ => HumanChunk::Text(s.to_string()),
        }
    }
}

pub fn human_compare(a: &str, b: &str) -> Ordering {
    // Python splits on digit runs, so a string and a number never meet at the same position
    // unless one string starts with digits; numbers sort before text in that case.
    human_key(a).cmp(&human_key(b)).then_with(|| a.cmp(b))
}


impl FileResult {
    /// The same result restricted to `lines` (a function, a class, or what lies outside them).
    pub fn narrow(&self, lines: &BTreeSet<u32>) -> FileResult {
        let keep = |set: &BTreeSet<u32>| set.intersection(lines).copied().collect::<BTreeSet<u32>>();
        let excluded = keep(&self.excluded);
        FileResult {
            name: self.name.clone(),
            path: self.path.clone(),
            statements: keep(&self.statements),
            missing: keep(&self.missing),
            executed: keep(&self.executed),
            n_excluded: excluded.len(),
            excluded,
            regions: Vec::new(),
            n_source_lines: self.n_source_lines,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cmp::Ordering;

    #[test]
    fn rounding_never_shows_0_or_100() {
        assert_eq!(display_covered(99.9, 0), "99");
        assert_eq!(display_covered(0.1, 0), "1");
        assert_eq!(display_covered(100.0, 0), "100");
        assert_eq!(display_covered(50.5, 0), "50");
        assert_eq!(display_covered(66.666, 2), "66.67");
    }

    #[test]
    fn missing_ranges_span_non_statements() {
        let statements = BTreeSet::from([1, 2, 3, 4, 5, 10, 11, 12, 13, 14]);
        let missing = BTreeSet::from([1, 2, 5, 10, 11, 13, 14]);
        assert_eq!(format_lines(&statements, &missing), "1-2, 5-11, 13-14");
    }

    #[test]
    fn human_sort() {
        assert_eq!(human_compare("a2.py", "a10.py"), Ordering::Less);
    }
}
