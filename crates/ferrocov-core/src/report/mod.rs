//! Reports: the summary (text, markdown, total), Cobertura XML, JSON and LCOV, each as
//! coverage.py writes it, from per-file results computed once.

/// Whose report rules to follow: the newest coverage.py for the Python the report is made on.
/// coverage.py 7.18 supports 3.11 on; 7.16 is the newest for 3.10, and its reports differ in a
/// few places (each use says where).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ReportRules {
    /// coverage.py 7.18 (CPython 3.11 and later).
    #[default]
    Newest,
    /// coverage.py 7.16 (CPython 3.10).
    For310,
}

impl ReportRules {
    /// The rules for a CPython version.
    pub fn for_python(major: u8, minor: u8) -> ReportRules {
        if (major, minor) < (3, 11) {
            ReportRules::For310
        } else {
            ReportRules::Newest
        }
    }
}

pub mod highlight;
pub mod html;
pub mod json;
pub mod lcov;
pub mod summary;
pub mod xml;

use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet};

use crate::data::Arc;

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
    /// Branch facts, when the data has arcs.
    pub branches: Option<Branches>,
}

/// What a file's branches are and which were taken, as coverage.py's `Analysis` holds them.
#[derive(Debug, Clone, Default)]
pub struct Branches {
    /// Every arc the code can take (on first lines, self-arcs dropped).
    pub possible: BTreeSet<Arc>,
    /// The arcs measured (translated the same way).
    pub executed: BTreeSet<Arc>,
    /// Number of possible exits per line, leaving out excluded lines.
    pub exit_counts: BTreeMap<i32, u32>,
    /// Lines matching the partial-branch patterns (`# pragma: no branch`).
    pub no_branch: BTreeSet<i32>,
    /// For arcs from branch lines: what the arc does ("jump to line 7"), and the sentence
    /// saying it was never taken ("line 5 didn't jump to line 7 because ...").
    pub descriptions: BTreeMap<Arc, (String, String)>,
}

impl Branches {
    /// What the arc does, as LCOV names a branch.
    pub fn action(&self, arc: Arc) -> String {
        match self.descriptions.get(&arc) {
            Some((action, _)) => action.clone(),
            None if arc.1 < 0 => "jump to the function exit".to_string(),
            None => format!("jump to line {}", arc.1),
        }
    }

    /// The sentence saying the arc was never taken.
    pub fn missing_description(&self, arc: Arc) -> String {
        match self.descriptions.get(&arc) {
            Some((_, text)) => text.clone(),
            None => format!("line {} didn't {}", arc.0, self.action(arc)),
        }
    }
}

impl FileResult {
    /// Possible arcs not taken (from lines that may branch, to lines not excluded).
    pub fn arcs_missing(&self) -> Vec<Arc> {
        let Some(b) = &self.branches else {
            return Vec::new();
        };
        b.possible
            .iter()
            .filter(|arc| !b.executed.contains(arc) && !b.no_branch.contains(&arc.0))
            .filter(|arc| arc.1 < 0 || !self.excluded.contains(&(arc.1 as u32)))
            .copied()
            .collect()
    }

    fn branch_lines(&self) -> BTreeSet<i32> {
        let Some(b) = &self.branches else {
            return BTreeSet::new();
        };
        b.exit_counts
            .iter()
            .filter(|(_, &count)| count > 1)
            .map(|(&line, _)| line)
            .collect()
    }

    /// For each line with more than one exit, the exits never taken.
    pub fn missing_branch_arcs(&self) -> BTreeMap<i32, Vec<i32>> {
        let branch_lines = self.branch_lines();
        let mut result: BTreeMap<i32, Vec<i32>> = BTreeMap::new();
        for (from, to) in self.arcs_missing() {
            if branch_lines.contains(&from) {
                result.entry(from).or_default().push(to);
            }
        }
        result
    }

    /// For each line with more than one exit, the possible exits taken.
    pub fn executed_branch_arcs(&self) -> BTreeMap<i32, Vec<i32>> {
        let Some(b) = &self.branches else {
            return BTreeMap::new();
        };
        let branch_lines = self.branch_lines();
        let mut result: BTreeMap<i32, Vec<i32>> = BTreeMap::new();
        for &(from, to) in &b.executed {
            if b.possible.contains(&(from, to)) && branch_lines.contains(&from) {
                result.entry(from).or_default().push(to);
            }
        }
        result
    }

    /// For each line with more than one exit: (exits, exits taken).
    pub fn branch_stats(&self) -> BTreeMap<i32, (u32, u32)> {
        let Some(b) = &self.branches else {
            return BTreeMap::new();
        };
        let missing = self.missing_branch_arcs();
        self.branch_lines()
            .into_iter()
            .map(|line| {
                let exits = b.exit_counts.get(&line).copied().unwrap_or(0);
                let not_taken = missing.get(&line).map_or(0, |v| v.len() as u32);
                (line, (exits, exits.saturating_sub(not_taken)))
            })
            .collect()
    }

    /// The same file narrowed to `lines` (a function or class), as coverage.py's
    /// `AnalysisNarrower` does it.
    pub fn narrow(&self, lines: &BTreeSet<u32>) -> FileResult {
        let keep =
            |set: &BTreeSet<u32>| -> BTreeSet<u32> { set.intersection(lines).copied().collect() };
        let inside = |line: i32| line > 0 && lines.contains(&(line as u32));
        let branches = self.branches.as_ref().map(|b| Branches {
            possible: b
                .possible
                .iter()
                .filter(|a| inside(a.0) || inside(a.1))
                .copied()
                .collect(),
            executed: b
                .executed
                .iter()
                .filter(|a| inside(a.0) || inside(a.1))
                .copied()
                .collect(),
            exit_counts: b
                .exit_counts
                .iter()
                .filter(|(&l, _)| inside(l))
                .map(|(&l, &c)| (l, c))
                .collect(),
            no_branch: b
                .no_branch
                .iter()
                .filter(|&&l| inside(l))
                .copied()
                .collect(),
            // What the arcs say is read from the whole file's results; no part shows it.
            descriptions: BTreeMap::new(),
        });
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
            branches,
        }
    }

    /// [`FileResult::narrow`] to each of `parts` at once: one pass over the file's lines and
    /// arcs, whatever the number of parts (a file of 11,000 functions narrowed one function
    /// at a time went over its 80,000 lines and arcs 11,000 times).
    pub fn narrow_each(&self, parts: &[&BTreeSet<u32>]) -> Vec<FileResult> {
        // Which parts each line is in (a method's lines are in its class too).
        let mut owners: BTreeMap<u32, Vec<usize>> = BTreeMap::new();
        for (index, lines) in parts.iter().enumerate() {
            for &line in lines.iter() {
                owners.entry(line).or_default().push(index);
            }
        }
        let none: Vec<usize> = Vec::new();
        let owners_of = |line: i32| -> &Vec<usize> {
            if line > 0 {
                owners.get(&(line as u32)).unwrap_or(&none)
            } else {
                &none
            }
        };
        let mut out: Vec<FileResult> = parts
            .iter()
            .map(|_| FileResult {
                name: self.name.clone(),
                path: self.path.clone(),
                statements: BTreeSet::new(),
                missing: BTreeSet::new(),
                executed: BTreeSet::new(),
                n_excluded: 0,
                excluded: BTreeSet::new(),
                regions: Vec::new(),
                n_source_lines: self.n_source_lines,
                branches: self.branches.as_ref().map(|_| Branches {
                    possible: BTreeSet::new(),
                    executed: BTreeSet::new(),
                    exit_counts: BTreeMap::new(),
                    no_branch: BTreeSet::new(),
                    descriptions: BTreeMap::new(),
                }),
            })
            .collect();
        type Field = fn(&mut FileResult) -> &mut BTreeSet<u32>;
        let lines: [(&BTreeSet<u32>, Field); 4] = [
            (&self.statements, |f| &mut f.statements),
            (&self.missing, |f| &mut f.missing),
            (&self.executed, |f| &mut f.executed),
            (&self.excluded, |f| &mut f.excluded),
        ];
        for (set, field) in lines {
            for &line in set {
                for &index in owners_of(line as i32) {
                    field(&mut out[index]).insert(line);
                }
            }
        }
        if let Some(branches) = &self.branches {
            let arc_owners = |arc: &Arc| -> Vec<usize> {
                let mut found = owners_of(arc.0).clone();
                for &index in owners_of(arc.1) {
                    if !found.contains(&index) {
                        found.push(index);
                    }
                }
                found
            };
            for arc in &branches.possible {
                for index in arc_owners(arc) {
                    if let Some(b) = out[index].branches.as_mut() {
                        b.possible.insert(*arc);
                    }
                }
            }
            for arc in &branches.executed {
                for index in arc_owners(arc) {
                    if let Some(b) = out[index].branches.as_mut() {
                        b.executed.insert(*arc);
                    }
                }
            }
            for (&line, &count) in &branches.exit_counts {
                for &index in owners_of(line) {
                    if let Some(b) = out[index].branches.as_mut() {
                        b.exit_counts.insert(line, count);
                    }
                }
            }
            for &line in &branches.no_branch {
                for &index in owners_of(line) {
                    if let Some(b) = out[index].branches.as_mut() {
                        b.no_branch.insert(line);
                    }
                }
            }
        }
        for part in &mut out {
            part.n_excluded = part.excluded.len();
        }
        out
    }

    /// "1-2, 5-11, 13-14", with never-taken branches ("7->9", "12->exit") when measured.
    pub fn missing_formatted(&self) -> String {
        if self.branches.is_none() {
            return format_lines(&self.statements, &self.missing);
        }
        format_lines_with_arcs(&self.statements, &self.missing, &self.missing_branch_arcs())
    }
}

/// Counts for one file or for the total.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Numbers {
    pub n_files: usize,
    pub n_statements: usize,
    pub n_excluded: usize,
    pub n_missing: usize,
    pub n_branches: usize,
    pub n_partial_branches: usize,
    pub n_missing_branches: usize,
}

impl Numbers {
    pub fn of(file: &FileResult) -> Numbers {
        let mut numbers = Numbers {
            n_files: 1,
            n_statements: file.statements.len(),
            n_excluded: file.n_excluded,
            n_missing: file.missing.len(),
            ..Numbers::default()
        };
        if let Some(b) = &file.branches {
            numbers.n_branches = b
                .exit_counts
                .values()
                .filter(|&&c| c > 1)
                .map(|&c| c as usize)
                .sum();
            for (line, exits) in file.missing_branch_arcs() {
                numbers.n_missing_branches += exits.len();
                if line < 0 || !file.missing.contains(&(line as u32)) {
                    numbers.n_partial_branches += exits.len();
                }
            }
        }
        numbers
    }

    pub fn add(&mut self, other: &Numbers) {
        self.n_files += other.n_files;
        self.n_statements += other.n_statements;
        self.n_excluded += other.n_excluded;
        self.n_missing += other.n_missing;
        self.n_branches += other.n_branches;
        self.n_partial_branches += other.n_partial_branches;
        self.n_missing_branches += other.n_missing_branches;
    }

    pub fn n_executed(&self) -> usize {
        self.n_statements - self.n_missing
    }

    pub fn n_executed_branches(&self) -> usize {
        self.n_branches - self.n_missing_branches
    }

    /// The percentage covered (statements and branches together), 100 when there is nothing.
    pub fn pc_covered(&self) -> f64 {
        percent(
            self.n_executed() + self.n_executed_branches(),
            self.n_statements + self.n_branches,
        )
    }

    pub fn pc_statements(&self) -> f64 {
        percent(self.n_executed(), self.n_statements)
    }

    pub fn pc_branches(&self) -> f64 {
        percent(self.n_executed_branches(), self.n_branches)
    }
}

fn percent(numerator: usize, denominator: usize) -> f64 {
    if denominator > 0 {
        100.0 * numerator as f64 / denominator as f64
    } else {
        100.0
    }
}

/// [`format_lines`], then each never-taken branch whose ends both ran: "7->9", "12->exit".
pub fn format_lines_with_arcs(
    statements: &BTreeSet<u32>,
    missing: &BTreeSet<u32>,
    arcs: &BTreeMap<i32, Vec<i32>>,
) -> String {
    let mut items: Vec<(i64, String)> = line_ranges(statements, missing)
        .into_iter()
        .map(|(a, b)| {
            (
                a as i64,
                if a == b {
                    a.to_string()
                } else {
                    format!("{a}-{b}")
                },
            )
        })
        .collect();
    let is_missing = |line: i32| line > 0 && missing.contains(&(line as u32));
    for (&line, exits) in arcs {
        let mut exits = exits.clone();
        exits.sort_unstable();
        for exit in exits {
            if !is_missing(line) && !is_missing(exit) {
                let destination = if exit > 0 {
                    exit.to_string()
                } else {
                    "exit".to_string()
                };
                items.push((line as i64, format!("{line}->{destination}")));
            }
        }
    }
    items.sort();
    items
        .into_iter()
        .map(|(_, text)| text)
        .collect::<Vec<_>>()
        .join(", ")
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
    line_ranges(statements, lines)
        .iter()
        .map(|&(a, b)| {
            if a == b {
                a.to_string()
            } else {
                format!("{a}-{b}")
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn line_ranges(statements: &BTreeSet<u32>, lines: &BTreeSet<u32>) -> Vec<(u32, u32)> {
    let mut pairs: Vec<(u32, u32)> = Vec::new();
    let mut start: Option<u32> = None;
    let mut end = 0;
    let mut remaining = lines.iter().peekable();
    for &statement in statements {
        let Some(&&next) = remaining.peek() else {
            break;
        };
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
    fn narrowing_many_parts_at_once_is_narrowing_each() {
        let statements: BTreeSet<u32> = (1..=40).filter(|l| l % 7 != 0).collect();
        let missing: BTreeSet<u32> = statements.iter().copied().filter(|l| l % 3 == 0).collect();
        let executed = statements.difference(&missing).copied().collect();
        let arcs: BTreeSet<Arc> = (1..40)
            .flat_map(|l| [(l, l + 1), (l, -1), (-l, l + 2)])
            .collect();
        let file = FileResult {
            name: "f.py".into(),
            path: "/f.py".into(),
            statements,
            missing,
            executed,
            excluded: BTreeSet::from([7, 14, 21]),
            n_excluded: 3,
            regions: Vec::new(),
            n_source_lines: 40,
            branches: Some(Branches {
                executed: arcs.iter().copied().filter(|a| a.0 % 2 == 0).collect(),
                possible: arcs,
                exit_counts: (1..40).map(|l| (l, 2)).collect(),
                no_branch: BTreeSet::from([5, 9]),
                descriptions: BTreeMap::new(),
            }),
        };
        let parts: Vec<BTreeSet<u32>> = vec![
            (1..=10).collect(),
            (5..=8).collect(),
            (11..=40).step_by(2).collect(),
            BTreeSet::new(),
        ];
        let refs: Vec<&BTreeSet<u32>> = parts.iter().collect();
        let each = file.narrow_each(&refs);
        for (part, narrowed) in parts.iter().zip(&each) {
            let one = file.narrow(part);
            assert_eq!(narrowed.statements, one.statements);
            assert_eq!(narrowed.missing, one.missing);
            assert_eq!(narrowed.executed, one.executed);
            assert_eq!(narrowed.excluded, one.excluded);
            assert_eq!(narrowed.n_excluded, one.n_excluded);
            let (a, b) = (
                narrowed.branches.as_ref().expect("branches"),
                one.branches.as_ref().expect("branches"),
            );
            assert_eq!(
                (&a.possible, &a.executed, &a.exit_counts, &a.no_branch),
                (&b.possible, &b.executed, &b.exit_counts, &b.no_branch)
            );
        }
    }

    #[test]
    fn human_sort() {
        assert_eq!(human_compare("a2.py", "a10.py"), Ordering::Less);
    }
}
