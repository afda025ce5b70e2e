//! coverage.py's JSON report (format 3), written byte for byte as Python's `json.dump` would.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use super::{display_covered, FileResult, Numbers};

fn python_float(x: f64) -> String {
    if x.is_finite() && x == x.trunc() && x.abs() < 1e16 {
        format!("{x:.1}")
    } else {
        // Rust's shortest round-trip digits are Python's repr digits.
        let text = format!("{x}");
        if text.contains('e') {
            text.replace("e-", "e-0").replace("e-00", "e-0")
        } else {
            text
        }
    }
}

fn python_string(s: &str, out: &mut String) {
    out.push('"');
    // Runs of printable ASCII other than the quote and the backslash are copied as they are.
    let plain = |b: u8| (0x20..=0x7e).contains(&b) && b != b'"' && b != b'\\';
    let mut rest = s;
    while !rest.is_empty() {
        let run = rest.bytes().position(|b| !plain(b)).unwrap_or(rest.len());
        out.push_str(&rest[..run]);
        rest = &rest[run..];
        let Some(c) = rest.chars().next() else {
            break;
        };
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c => {
                let mut buffer = [0u16; 2];
                for unit in c.encode_utf16(&mut buffer) {
                    let _ = write!(out, "\\u{unit:04x}");
                }
            }
        }
        rest = &rest[c.len_utf8()..];
    }
    out.push('"');
}

/// Writes JSON text as Python's `json.dump` does (`indent=4` when pretty, else `", "` and
/// `": "` separators, non-ASCII escaped), straight into a string: no tree of values is built.
struct Json<'o> {
    out: &'o mut String,
    pretty: bool,
    depth: usize,
    /// Nothing written yet in the innermost open object or list.
    first: bool,
}

impl<'o> Json<'o> {
    fn new(out: &'o mut String, pretty: bool) -> Self {
        Json {
            out,
            pretty,
            depth: 0,
            first: true,
        }
    }

    fn begin(&mut self, bracket: char) {
        self.out.push(bracket);
        self.depth += 1;
        self.first = true;
    }

    fn end(&mut self, bracket: char) {
        self.depth -= 1;
        if !self.first && self.pretty {
            self.out.push('\n');
            indent(self.out, self.depth);
        }
        self.out.push(bracket);
        self.first = false;
    }

    /// Before an item of a list, or a key of an object.
    fn item(&mut self) {
        if self.pretty {
            if !self.first {
                self.out.push(',');
            }
            self.out.push('\n');
            indent(self.out, self.depth);
        } else if !self.first {
            self.out.push_str(", ");
        }
        self.first = false;
    }

    fn key(&mut self, key: &str) {
        self.item();
        python_string(key, self.out);
        self.out.push_str(": ");
    }

    fn int(&mut self, value: i64) {
        let mut buffer = itoa::Buffer::new();
        self.out.push_str(buffer.format(value));
    }

    fn float(&mut self, value: f64) {
        self.out.push_str(&python_float(value));
    }

    fn string(&mut self, value: &str) {
        python_string(value, self.out);
    }

    fn boolean(&mut self, value: bool) {
        self.out.push_str(if value { "true" } else { "false" });
    }

    fn ints(&mut self, values: impl Iterator<Item = i64>) {
        self.begin('[');
        for value in values {
            self.item();
            self.int(value);
        }
        self.end(']');
    }

    fn lines(&mut self, set: &BTreeSet<u32>) {
        self.ints(set.iter().map(|&line| i64::from(line)));
    }
}

fn indent(out: &mut String, depth: usize) {
    for _ in 0..depth {
        out.push_str("    ");
    }
}

fn summary(json: &mut Json<'_>, numbers: &Numbers, precision: usize, branches: bool) {
    let pc = numbers.pc_covered();
    let pc_statements = numbers.pc_statements();
    json.begin('{');
    json.key("covered_lines");
    json.int((numbers.n_statements - numbers.n_missing) as i64);
    json.key("num_statements");
    json.int(numbers.n_statements as i64);
    json.key("percent_covered");
    json.float(pc);
    json.key("percent_covered_display");
    json.string(&display_covered(pc, precision));
    json.key("missing_lines");
    json.int(numbers.n_missing as i64);
    json.key("excluded_lines");
    json.int(numbers.n_excluded as i64);
    json.key("percent_statements_covered");
    json.float(pc_statements);
    json.key("percent_statements_covered_display");
    json.string(&display_covered(pc_statements, precision));
    if branches {
        let pc_branches = numbers.pc_branches();
        json.key("num_branches");
        json.int(numbers.n_branches as i64);
        json.key("num_partial_branches");
        json.int(numbers.n_partial_branches as i64);
        json.key("covered_branches");
        json.int(numbers.n_executed_branches() as i64);
        json.key("missing_branches");
        json.int(numbers.n_missing_branches as i64);
        json.key("percent_branches_covered");
        json.float(pc_branches);
        json.key("percent_branches_covered_display");
        json.string(&display_covered(pc_branches, precision));
    }
    json.end('}');
}

fn branch_arcs(json: &mut Json<'_>, arcs: &std::collections::BTreeMap<i32, Vec<i32>>) {
    json.begin('[');
    for (&from, tos) in arcs {
        for &to in tos {
            json.item();
            json.ints([i64::from(from), i64::from(to)].into_iter());
        }
    }
    json.end(']');
}

fn contexts_value(json: &mut Json<'_>, contexts: &[(u32, Vec<String>)]) {
    json.begin('{');
    for (line, names) in contexts {
        let mut buffer = itoa::Buffer::new();
        json.key(buffer.format(*line));
        json.begin('[');
        for name in names {
            json.item();
            json.string(name);
        }
        json.end(']');
    }
    json.end('}');
}

/// A file's own entry, or a function's or class's (with its `start_line`).
fn file_data(
    json: &mut Json<'_>,
    result: &FileResult,
    numbers: &Numbers,
    start_line: Option<u32>,
    precision: usize,
    contexts: Option<&[(u32, Vec<String>)]>,
) {
    let branches = result.branches.is_some();
    json.key("executed_lines");
    json.lines(&result.executed);
    json.key("summary");
    summary(json, numbers, precision, branches);
    json.key("missing_lines");
    json.lines(&result.missing);
    json.key("excluded_lines");
    json.lines(&result.excluded);
    if let Some(start_line) = start_line {
        json.key("start_line");
        json.int(i64::from(start_line));
    }
    if let Some(contexts) = contexts {
        json.key("contexts");
        contexts_value(json, contexts);
    }
    if branches {
        json.key("executed_branches");
        branch_arcs(json, &result.executed_branch_arcs());
        json.key("missing_branches");
        branch_arcs(json, &result.missing_branch_arcs());
    }
}

fn region_data(
    json: &mut Json<'_>,
    result: &FileResult,
    start_line: u32,
    precision: usize,
    contexts: Option<&[(u32, Vec<String>)]>,
    lines: Option<&BTreeSet<u32>>,
) {
    // A region's own contexts: those of its lines (coverage.py 7.18); `lines` None keeps the
    // whole file's (7.16).
    let own: Option<Vec<(u32, Vec<String>)>> = match (contexts, lines) {
        (Some(all), Some(lines)) => Some(
            all.iter()
                .filter(|(line, _)| lines.contains(line))
                .cloned()
                .collect(),
        ),
        _ => None,
    };
    let contexts = own.as_deref().or(contexts);
    json.begin('{');
    file_data(
        json,
        result,
        &Numbers::of(result),
        Some(start_line),
        precision,
        contexts,
    );
    json.end('}');
}

/// The per-region breakdown (`functions` or `classes`) of one file: each region under its name
/// (`name@line` where a name is taken, or where a region without statements shares a name with
/// one that has them; a later region of the same name replaces an earlier one's data, as a
/// Python dict does), then the lines outside every region under `""`.
fn regions(
    json: &mut Json<'_>,
    file: &FileResult,
    kind: &str,
    precision: usize,
    contexts: Option<&[(u32, Vec<String>)]>,
    rules: super::ReportRules,
) {
    let own_lines = rules == super::ReportRules::Newest;
    let mut outside: BTreeSet<u32> = (1..=file.n_source_lines).collect();
    let mut of_kind: Vec<&super::Region> = file.regions.iter().filter(|r| r.kind == kind).collect();
    for region in &of_kind {
        for line in &region.lines {
            outside.remove(line);
        }
    }
    of_kind.sort_by_key(|r| r.start);
    let parts: Vec<&BTreeSet<u32>> = of_kind.iter().map(|r| &r.lines).collect();
    let narrowed: Vec<(&super::Region, FileResult)> = of_kind
        .iter()
        .copied()
        .zip(file.narrow_each(&parts))
        .collect();
    let with_statements: BTreeSet<&str> = narrowed
        .iter()
        .filter(|(_, n)| !n.statements.is_empty())
        .map(|(r, _)| r.name.as_str())
        .collect();
    // The key each region's data goes under, and which region's data it ends up with.
    let mut keys: Vec<(String, usize)> = Vec::new();
    for (index, (region, result)) in narrowed.iter().enumerate() {
        let mut name = region.name.clone();
        if keys.iter().any(|(n, _)| *n == name)
            || (with_statements.contains(name.as_str()) && result.statements.is_empty())
        {
            name = format!("{name}@{}", region.start);
        }
        match keys.iter_mut().find(|(n, _)| *n == name) {
            Some(existing) => existing.1 = index,
            None => keys.push((name, index)),
        }
    }
    let outside_at = keys.iter().position(|(n, _)| n.is_empty());
    json.begin('{');
    for (position, (name, index)) in keys.iter().enumerate() {
        json.key(name);
        if Some(position) == outside_at {
            write_outside(json, file, &outside, precision, contexts, own_lines);
        } else {
            let (region, result) = &narrowed[*index];
            let lines = own_lines.then_some(&region.lines);
            region_data(json, result, region.start, precision, contexts, lines);
        }
    }
    if outside_at.is_none() {
        json.key("");
        write_outside(json, file, &outside, precision, contexts, own_lines);
    }
    json.end('}');
}

fn write_outside(
    json: &mut Json<'_>,
    file: &FileResult,
    outside: &BTreeSet<u32>,
    precision: usize,
    contexts: Option<&[(u32, Vec<String>)]>,
    own_lines: bool,
) {
    let start = outside.iter().next().copied().unwrap_or(1);
    let lines = own_lines.then_some(outside);
    region_data(
        json,
        &file.narrow(outside),
        start,
        precision,
        contexts,
        lines,
    );
}

/// What the JSON report needs besides the files.
pub struct JsonOptions<'a> {
    pub version: &'a str,
    pub timestamp: &'a str,
    pub precision: usize,
    pub pretty: bool,
    /// ferrocov's extra fact, a `ferrocov` entry in `meta`: (processes, ended uncleanly).
    pub processes: Option<(u64, u64)>,
    /// `--show-contexts`: per file (in `files` order), the contexts that ran each line.
    pub contexts: Option<Vec<LineContexts>>,
    /// Whose rules: with coverage.py 7.18's, a function's or class's `contexts` are those of
    /// its own lines (7.16, on 3.10, listed the whole file's under each).
    pub rules: super::ReportRules,
}

/// The contexts that ran each line of one file, in coverage.py's order.
pub type LineContexts = Vec<(u32, Vec<String>)>;

/// The whole JSON document and the total percentage coverage.py's reporter returns.
pub fn render(files: &[&FileResult], options: &JsonOptions<'_>) -> (String, f64) {
    let mut document = String::new();
    let percent = render_into(files, options, &mut |text| {
        document.push_str(text);
        Ok(())
    });
    // Appending to a String cannot fail.
    (document, percent.unwrap_or(0.0))
}

/// The JSON document handed to `sink` piece by piece (a file's entry at a time, in order), so
/// that a writer to a file never holds the whole document; returns the total percentage.
pub fn render_into(
    files: &[&FileResult],
    options: &JsonOptions<'_>,
    sink: &mut dyn FnMut(&str) -> std::io::Result<()>,
) -> std::io::Result<f64> {
    let branches = files.iter().any(|f| f.branches.is_some());
    let mut out = String::new();
    let mut json = Json::new(&mut out, options.pretty);
    json.begin('{');
    json.key("meta");
    json.begin('{');
    json.key("format");
    json.int(3);
    json.key("version");
    json.string(options.version);
    json.key("timestamp");
    json.string(options.timestamp);
    json.key("branch_coverage");
    json.boolean(branches);
    json.key("show_contexts");
    json.boolean(options.contexts.is_some());
    if let Some((processes, unclean)) = options.processes {
        json.key("ferrocov");
        json.begin('{');
        json.key("processes");
        json.int(processes as i64);
        json.key("processes_unclean");
        json.int(unclean as i64);
        json.end('}');
    }
    json.end('}');
    json.key("files");
    json.begin('{');
    // Written file by file, handed to the sink every 64 KiB: the document is never held whole.
    let mut total = Numbers::default();
    for (index, file) in files.iter().enumerate() {
        let numbers = Numbers::of(file);
        total.add(&numbers);
        let contexts = options
            .contexts
            .as_ref()
            .map(|all| all.get(index).map(Vec::as_slice).unwrap_or(&[]));
        json.key(&file.name);
        json.begin('{');
        file_data(&mut json, file, &numbers, None, options.precision, contexts);
        json.key("functions");
        regions(
            &mut json,
            file,
            "function",
            options.precision,
            contexts,
            options.rules,
        );
        json.key("classes");
        regions(
            &mut json,
            file,
            "class",
            options.precision,
            contexts,
            options.rules,
        );
        json.end('}');
        if json.out.len() >= 1 << 16 {
            sink(json.out)?;
            json.out.clear();
        }
    }
    json.end('}');
    json.key("totals");
    summary(&mut json, &total, options.precision, branches);
    json.end('}');
    sink(json.out)?;
    Ok(if total.n_statements == 0 {
        0.0
    } else {
        total.pc_covered()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floats_print_like_python() {
        assert_eq!(python_float(100.0), "100.0");
        assert_eq!(python_float(66.66666666666667), "66.66666666666667");
        assert_eq!(python_float(0.5), "0.5");
    }

    #[test]
    fn strings_escape_like_python() {
        let mut out = String::new();
        python_string("a\"b\\c\n\u{1}\u{7f}\u{e9}\u{1F600} end\t", &mut out);
        // json.dumps('a"b\\c\n\x01\x7f\u00e9\U0001F600 end\t')
        assert_eq!(out, r#""a\"b\\c\n\u0001\u007f\u00e9\ud83d\ude00 end\t""#);
    }

    #[test]
    fn dumps_like_python() {
        let write = |pretty: bool| {
            let mut out = String::new();
            let mut json = Json::new(&mut out, pretty);
            json.begin('{');
            json.key("a");
            json.ints([1, 2].into_iter());
            json.key("é");
            json.begin('{');
            json.end('}');
            json.key("b");
            json.begin('[');
            json.end(']');
            json.end('}');
            out
        };
        assert_eq!(write(false), r#"{"a": [1, 2], "\u00e9": {}, "b": []}"#);
        assert_eq!(
            write(true),
            "{\n    \"a\": [\n        1,\n        2\n    ],\n    \"\\u00e9\": {},\n    \"b\": []\n}"
        );
    }
}
