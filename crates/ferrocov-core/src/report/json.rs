//! coverage.py's JSON report (format 3), written byte for byte as Python's `json.dump` would.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use super::{display_covered, FileResult, Numbers};

/// A JSON value with insertion-ordered objects, printed the way Python's json module prints.
#[derive(Debug, Clone)]
pub enum Value {
    Int(i64),
    Float(f64),
    Bool(bool),
    Str(String),
    List(Vec<Value>),
    Object(Vec<(String, Value)>),
}

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
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if (c as u32) < 0x20 || (c as u32) > 0x7e => {
                let mut buffer = [0u16; 2];
                for unit in c.encode_utf16(&mut buffer) {
                    let _ = write!(out, "\\u{unit:04x}");
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

impl Value {
    /// `json.dumps(value)` (indent None) or `json.dumps(value, indent=4)`.
    pub fn dump(&self, pretty: bool) -> String {
        let mut out = String::new();
        self.write(&mut out, pretty, 0);
        out
    }

    fn write(&self, out: &mut String, pretty: bool, depth: usize) {
        match self {
            Value::Int(i) => {
                let _ = write!(out, "{i}");
            }
            Value::Float(f) => out.push_str(&python_float(*f)),
            Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Value::Str(s) => python_string(s, out),
            Value::List(items) => {
                if items.is_empty() {
                    out.push_str("[]");
                    return;
                }
                out.push('[');
                for (index, item) in items.iter().enumerate() {
                    separator(out, pretty, depth + 1, index == 0);
                    item.write(out, pretty, depth + 1);
                }
                closing(out, pretty, depth);
                out.push(']');
            }
            Value::Object(entries) => {
                if entries.is_empty() {
                    out.push_str("{}");
                    return;
                }
                out.push('{');
                for (index, (key, value)) in entries.iter().enumerate() {
                    separator(out, pretty, depth + 1, index == 0);
                    python_string(key, out);
                    out.push_str(": ");
                    value.write(out, pretty, depth + 1);
                }
                closing(out, pretty, depth);
                out.push('}');
            }
        }
    }
}

fn separator(out: &mut String, pretty: bool, depth: usize, first: bool) {
    if pretty {
        if !first {
            out.push(',');
        }
        out.push('\n');
        out.push_str(&"    ".repeat(depth));
    } else if !first {
        out.push_str(", ");
    }
}

fn closing(out: &mut String, pretty: bool, depth: usize) {
    if pretty {
        out.push('\n');
        out.push_str(&"    ".repeat(depth));
    }
}

fn lines(set: &BTreeSet<u32>) -> Value {
    Value::List(set.iter().map(|&l| Value::Int(l as i64)).collect())
}

fn summary(numbers: &Numbers, precision: usize, branches: bool) -> Value {
    let pc = numbers.pc_covered();
    let pc_statements = numbers.pc_statements();
    let mut entries = vec![
        (
            "covered_lines".into(),
            Value::Int((numbers.n_statements - numbers.n_missing) as i64),
        ),
        (
            "num_statements".into(),
            Value::Int(numbers.n_statements as i64),
        ),
        ("percent_covered".into(), Value::Float(pc)),
        (
            "percent_covered_display".into(),
            Value::Str(display_covered(pc, precision)),
        ),
        ("missing_lines".into(), Value::Int(numbers.n_missing as i64)),
        (
            "excluded_lines".into(),
            Value::Int(numbers.n_excluded as i64),
        ),
        (
            "percent_statements_covered".into(),
            Value::Float(pc_statements),
        ),
        (
            "percent_statements_covered_display".into(),
            Value::Str(display_covered(pc_statements, precision)),
        ),
    ];
    if branches {
        let pc_branches = numbers.pc_branches();
        entries.extend([
            ("num_branches".into(), Value::Int(numbers.n_branches as i64)),
            (
                "num_partial_branches".into(),
                Value::Int(numbers.n_partial_branches as i64),
            ),
            (
                "covered_branches".into(),
                Value::Int(numbers.n_executed_branches() as i64),
            ),
            (
                "missing_branches".into(),
                Value::Int(numbers.n_missing_branches as i64),
            ),
            ("percent_branches_covered".into(), Value::Float(pc_branches)),
            (
                "percent_branches_covered_display".into(),
                Value::Str(display_covered(pc_branches, precision)),
            ),
        ]);
    }
    Value::Object(entries)
}

fn branch_arcs(arcs: &std::collections::BTreeMap<i32, Vec<i32>>) -> Value {
    Value::List(
        arcs.iter()
            .flat_map(|(&from, tos)| {
                tos.iter().map(move |&to| {
                    Value::List(vec![Value::Int(from as i64), Value::Int(to as i64)])
                })
            })
            .collect(),
    )
}

fn contexts_value(contexts: &[(u32, Vec<String>)]) -> Value {
    Value::Object(
        contexts
            .iter()
            .map(|(line, names)| {
                (
                    line.to_string(),
                    Value::List(names.iter().map(|n| Value::Str(n.clone())).collect()),
                )
            })
            .collect(),
    )
}

fn region_data(
    result: &FileResult,
    start_line: u32,
    precision: usize,
    contexts: Option<&[(u32, Vec<String>)]>,
) -> Value {
    let branches = result.branches.is_some();
    let mut entries = vec![
        ("executed_lines".into(), lines(&result.executed)),
        (
            "summary".into(),
            summary(&Numbers::of(result), precision, branches),
        ),
        ("missing_lines".into(), lines(&result.missing)),
        ("excluded_lines".into(), lines(&result.excluded)),
        ("start_line".into(), Value::Int(start_line as i64)),
    ];
    if let Some(contexts) = contexts {
        entries.push(("contexts".into(), contexts_value(contexts)));
    }
    if branches {
        entries.push((
            "executed_branches".into(),
            branch_arcs(&result.executed_branch_arcs()),
        ));
        entries.push((
            "missing_branches".into(),
            branch_arcs(&result.missing_branch_arcs()),
        ));
    }
    Value::Object(entries)
}

/// The per-region breakdown (`functions` or `classes`) of one file.
fn regions(
    file: &FileResult,
    kind: &str,
    precision: usize,
    contexts: Option<&[(u32, Vec<String>)]>,
) -> Value {
    let mut outside: BTreeSet<u32> = (1..=file.n_source_lines).collect();
    let mut of_kind: Vec<&super::Region> = file.regions.iter().filter(|r| r.kind == kind).collect();
    for region in &of_kind {
        for line in &region.lines {
            outside.remove(line);
        }
    }
    of_kind.sort_by_key(|r| r.start);
    let narrowed: Vec<(&super::Region, FileResult)> = of_kind
        .iter()
        .map(|r| (*r, file.narrow(&r.lines)))
        .collect();
    let with_statements: BTreeSet<&str> = narrowed
        .iter()
        .filter(|(_, n)| !n.statements.is_empty())
        .map(|(r, _)| r.name.as_str())
        .collect();
    let mut entries: Vec<(String, Value)> = Vec::new();
    for (region, result) in &narrowed {
        let mut name = region.name.clone();
        if entries.iter().any(|(n, _)| *n == name)
            || (with_statements.contains(name.as_str()) && result.statements.is_empty())
        {
            name = format!("{name}@{}", region.start);
        }
        let data = region_data(result, region.start, precision, contexts);
        if let Some(existing) = entries.iter_mut().find(|(n, _)| *n == name) {
            existing.1 = data;
        } else {
            entries.push((name, data));
        }
    }
    let start = outside.iter().next().copied().unwrap_or(1);
    let data = region_data(&file.narrow(&outside), start, precision, contexts);
    if let Some(existing) = entries.iter_mut().find(|(n, _)| n.is_empty()) {
        existing.1 = data;
    } else {
        entries.push((String::new(), data));
    }
    Value::Object(entries)
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
    let mut meta = vec![
        ("format".to_string(), Value::Int(3)),
        (
            "version".to_string(),
            Value::Str(options.version.to_string()),
        ),
        (
            "timestamp".to_string(),
            Value::Str(options.timestamp.to_string()),
        ),
        ("branch_coverage".to_string(), Value::Bool(branches)),
        (
            "show_contexts".to_string(),
            Value::Bool(options.contexts.is_some()),
        ),
    ];
    if let Some((processes, unclean)) = options.processes {
        meta.push((
            "ferrocov".to_string(),
            Value::Object(vec![
                ("processes".to_string(), Value::Int(processes as i64)),
                ("processes_unclean".to_string(), Value::Int(unclean as i64)),
            ]),
        ));
    }
    // Written file by file, each file's entry dropped once written: the document is never
    // held as a tree, only as its text.
    let pretty = options.pretty;
    let mut out = String::new();
    out.push('{');
    separator(&mut out, pretty, 1, true);
    python_string("meta", &mut out);
    out.push_str(": ");
    Value::Object(meta).write(&mut out, pretty, 1);
    separator(&mut out, pretty, 1, false);
    python_string("files", &mut out);
    out.push_str(": ");
    out.push('{');
    let mut total = Numbers::default();
    for (index, file) in files.iter().enumerate() {
        let numbers = Numbers::of(file);
        total.add(&numbers);
        let contexts = options
            .contexts
            .as_ref()
            .map(|all| all.get(index).map(Vec::as_slice).unwrap_or(&[]));
        let mut data = vec![
            ("executed_lines".into(), lines(&file.executed)),
            (
                "summary".into(),
                summary(&numbers, options.precision, branches),
            ),
            ("missing_lines".into(), lines(&file.missing)),
            ("excluded_lines".into(), lines(&file.excluded)),
        ];
        if let Some(contexts) = contexts {
            data.push(("contexts".into(), contexts_value(contexts)));
        }
        if branches {
            data.push((
                "executed_branches".into(),
                branch_arcs(&file.executed_branch_arcs()),
            ));
            data.push((
                "missing_branches".into(),
                branch_arcs(&file.missing_branch_arcs()),
            ));
        }
        data.push((
            "functions".into(),
            regions(file, "function", options.precision, contexts),
        ));
        data.push((
            "classes".into(),
            regions(file, "class", options.precision, contexts),
        ));
        separator(&mut out, pretty, 2, index == 0);
        python_string(&file.name, &mut out);
        out.push_str(": ");
        Value::Object(data).write(&mut out, pretty, 2);
        if out.len() >= 1 << 16 {
            sink(&out)?;
            out.clear();
        }
    }
    if !files.is_empty() {
        closing(&mut out, pretty, 1);
    }
    out.push('}');
    separator(&mut out, pretty, 1, false);
    python_string("totals", &mut out);
    out.push_str(": ");
    summary(&total, options.precision, branches).write(&mut out, pretty, 1);
    closing(&mut out, pretty, 0);
    out.push('}');
    sink(&out)?;
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
    fn dumps_like_python() {
        let value = Value::Object(vec![
            ("a".into(), Value::List(vec![Value::Int(1), Value::Int(2)])),
            ("é".into(), Value::Object(vec![])),
        ]);
        assert_eq!(value.dump(false), r#"{"a": [1, 2], "\u00e9": {}}"#);
        assert_eq!(
            value.dump(true),
            "{\n    \"a\": [\n        1,\n        2\n    ],\n    \"\\u00e9\": {}\n}"
        );
    }
}
