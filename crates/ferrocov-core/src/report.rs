//! The summary report (`report`, `--cov-report=term`), as coverage.py prints it: text,
//! markdown or the total alone, with coverage.py's rounding and Missing column.

use std::cmp::Ordering;
use std::collections::BTreeSet;
use std::fmt::Write as _;

use crate::error::{Error, Result};

/// What a file contributes to the report.
#[derive(Debug, Clone, Default)]
pub struct FileResult {
    /// The name shown: relative to the current directory when under it.
    pub name: String,
    pub statements: BTreeSet<u32>,
    pub missing: BTreeSet<u32>,
    pub n_excluded: usize,
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

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Format {
    #[default]
    Text,
    Markdown,
    Total,
}

impl std::str::FromStr for Format {
    type Err = Error;
    fn from_str(s: &str) -> Result<Format> {
        match s {
            "text" => Ok(Format::Text),
            "markdown" => Ok(Format::Markdown),
            "total" => Ok(Format::Total),
            other => Err(Error::Config(format!("Unknown report format choice: {other:?}"))),
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct Options {
    pub show_missing: bool,
    pub skip_covered: bool,
    pub skip_empty: bool,
    pub precision: usize,
    pub sort: Option<String>,
    pub format: Format,
}

/// The report text and the total percentage.
pub struct Summary {
    pub text: String,
    pub total: Numbers,
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

fn human_compare(a: &str, b: &str) -> Ordering {
    // Python splits on digit runs, so a string and a number never meet at the same position
    // unless one string starts with digits; numbers sort before text in that case.
    human_key(a).cmp(&human_key(b)).then_with(|| a.cmp(b))
}

type RowOrder = Box<dyn Fn(&Row, &Row) -> Ordering>;

struct Row {
    name: String,
    numbers: Numbers,
    cover: String,
    missing: String,
}

/// Produce the summary report for `files` (already filtered by include/omit).
pub fn summary(files: &[FileResult], options: &Options) -> Result<Summary> {
    let mut total = Numbers::default();
    let mut rows = Vec::new();
    let mut skipped = 0usize;
    let mut empty = 0usize;
    for file in files {
        let numbers = Numbers::of(file);
        total.add(&numbers);
        if options.skip_covered && numbers.n_missing == 0 {
            skipped += 1;
        } else if options.skip_empty && numbers.n_statements == 0 {
            empty += 1;
        } else {
            rows.push(Row {
                name: file.name.clone(),
                numbers,
                cover: display_covered(numbers.pc_covered(), options.precision),
                missing: format_lines(&file.statements, &file.missing),
            });
        }
    }
    if total.n_files == 0 && skipped == 0 {
        return Err(Error::NoData);
    }
    let total_cover = display_covered(total.pc_covered(), options.precision);
    if options.format == Format::Total {
        return Ok(Summary { text: format!("{total_cover}\n"), total });
    }

    let sort = options.sort.clone().unwrap_or_else(|| "name".to_string()).to_lowercase();
    let (reverse, key) = match sort.strip_prefix('-') {
        Some(rest) => (true, rest.to_string()),
        None => (false, sort.strip_prefix('+').unwrap_or(&sort).to_string()),
    };
    let compare: RowOrder = match key.as_str() {
        "name" => Box::new(|a: &Row, b: &Row| human_compare(&a.name, &b.name)),
        "stmts" => Box::new(|a: &Row, b: &Row| a.numbers.n_statements.cmp(&b.numbers.n_statements).then_with(|| a.name.cmp(&b.name))),
        "miss" => Box::new(|a: &Row, b: &Row| a.numbers.n_missing.cmp(&b.numbers.n_missing).then_with(|| a.name.cmp(&b.name))),
        "cover" => Box::new(|a: &Row, b: &Row| {
            a.numbers.pc_covered().partial_cmp(&b.numbers.pc_covered()).unwrap_or(Ordering::Equal).then_with(|| a.name.cmp(&b.name))
        }),
        _ => return Err(Error::Config(format!("Invalid sorting option: {:?}", options.sort.clone().unwrap_or_default()))),
    };
    rows.sort_by(|a, b| if reverse { compare(b, a) } else { compare(a, b) });

    let mut end_lines = Vec::new();
    if options.skip_covered && skipped > 0 {
        end_lines.push(format!("\n{} skipped due to complete coverage.", plural(skipped, "file")));
    }
    if options.skip_empty && empty > 0 {
        end_lines.push(format!("\n{} skipped.", plural(empty, "empty file")));
    }
    let text = match options.format {
        Format::Markdown => markdown(&rows, &total, &total_cover, options.show_missing, &end_lines),
        _ => text(&rows, &total, &total_cover, options.show_missing, &end_lines),
    };
    Ok(Summary { text, total })
}

fn plural(n: usize, thing: &str) -> String {
    if n == 1 { format!("{n} {thing}") } else { format!("{n} {thing}s") }
}

fn width(s: &str) -> usize {
    s.chars().count()
}

fn pad_left(s: &str, n: usize) -> String {
    format!("{}{s}", " ".repeat(n.saturating_sub(width(s))))
}

fn pad_right(s: &str, n: usize) -> String {
    format!("{s}{}", " ".repeat(n.saturating_sub(width(s))))
}

fn rjust(s: &str, n: usize, fill: char) -> String {
    let mut out: String = std::iter::repeat_n(fill, n.saturating_sub(width(s))).collect();
    out.push_str(s);
    out
}

fn push_line(out: &mut String, line: &str) {
    out.push_str(line.trim_end());
    out.push('\n');
}

fn text(rows: &[Row], total: &Numbers, total_cover: &str, show_missing: bool, end_lines: &[String]) -> String {
    let max_name = rows.iter().map(|r| width(&r.name)).chain([5]).max().unwrap_or(5) + 1;
    let mut max_n = (width(total_cover) + 2).max(width(" Cover")) + 1;
    max_n = rows.iter().map(|r| width(&r.cover) + 2).chain([max_n]).max().unwrap_or(max_n);
    let mut header = format!("{}{}{}{}", pad_right("Name", max_name), pad_left("Stmts", 7), pad_left("Miss", 7), pad_left("Cover", max_n));
    if show_missing {
        header.push_str(&pad_left("Missing", 10));
    }
    let rule = "-".repeat(width(&header));
    let mut out = String::new();
    push_line(&mut out, &header);
    push_line(&mut out, &rule);
    let row_line = |name: &str, stmts: usize, miss: usize, cover: &str, missing: Option<&str>| {
        let mut line = format!(
            "{}{}{}{}%",
            pad_right(name, max_name),
            pad_left(&stmts.to_string(), 7),
            pad_left(&miss.to_string(), 7),
            pad_left(cover, max_n - 1)
        );
        if let Some(missing) = missing {
            let _ = write!(line, "   {}", pad_right(missing, 9));
        }
        line
    };
    for row in rows {
        let line = row_line(&row.name, row.numbers.n_statements, row.numbers.n_missing, &row.cover, show_missing.then_some(row.missing.as_str()));
        push_line(&mut out, &line);
    }
    if !rows.is_empty() {
        push_line(&mut out, &rule);
    }
    let line = row_line("TOTAL", total.n_statements, total.n_missing, total_cover, show_missing.then_some(""));
    push_line(&mut out, &line);
    for end in end_lines {
        push_line(&mut out, end);
    }
    out
}

fn escape_markdown(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if c.is_ascii_punctuation() && !".,/-".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

fn markdown(rows: &[Row], total: &Numbers, total_cover: &str, show_missing: bool, end_lines: &[String]) -> String {
    let max_name = rows.iter().map(|r| width(&escape_markdown(&r.name))).max().unwrap_or(0).max(width("**TOTAL**")) + 1;
    let max_n = (width(total_cover) + 6).max(width(" Cover "));
    let mut header_items = vec![
        format!("| {}|", pad_right("Name", max_name)),
        format!("{} |", pad_left("Stmts", 9)),
        format!("{} |", pad_left("Miss", 9)),
        format!("{} |", pad_left("Cover", max_n)),
    ];
    if show_missing {
        header_items.push(format!("{} |", pad_left("Missing", 10)));
    }
    let header = header_items.concat();
    let mut rule_parts = vec![rjust("- |", width(&header_items[0]) - 1, '-')];
    for item in &header_items[1..] {
        rule_parts.push(rjust("-: |", width(item) - 1, '-'));
    }
    let rule = format!("|{}", rule_parts.join(" "));
    let mut out = String::new();
    push_line(&mut out, &header);
    push_line(&mut out, &rule);
    for row in rows {
        let mut line = format!(
            "| {}|{} |{} |{}% |",
            pad_right(&escape_markdown(&row.name), max_name),
            pad_left(&row.numbers.n_statements.to_string(), 9),
            pad_left(&row.numbers.n_missing.to_string(), 9),
            pad_left(&escape_markdown(&row.cover), max_n - 1)
        );
        if show_missing {
            let _ = write!(line, "{} |", pad_left(&escape_markdown(&row.missing), 10));
        }
        push_line(&mut out, &line);
    }
    let mut line = format!(
        "|{} |{} |{} |{} |",
        pad_right(" **TOTAL**", max_name),
        pad_left(&format!(" **{}**", total.n_statements), 9),
        pad_left(&format!(" **{}**", total.n_missing), 9),
        pad_left(&format!(" **{total_cover}%**"), max_n)
    );
    if show_missing {
        let _ = write!(line, "{} |", pad_left("", 10));
    }
    push_line(&mut out, &line);
    for end in end_lines {
        push_line(&mut out, end);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

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
