//! The summary report (`report`, `--cov-report=term`), as coverage.py prints it: text,
//! markdown or the total alone, with coverage.py's rounding and Missing column.

use std::cmp::Ordering;
use std::fmt::Write as _;

use super::{display_covered, human_compare, FileResult, Numbers};
use crate::error::{Error, Result};

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
            other => Err(Error::Config(format!(
                "Unknown report format choice: {}",
                python_repr(other)
            ))),
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

type RowOrder = Box<dyn Fn(&Row, &Row) -> Ordering>;

struct Row {
    name: String,
    numbers: Numbers,
    cover: String,
    missing: String,
}

/// Produce the summary report for `files` (already filtered by include/omit).
pub fn summary(files: &[&FileResult], options: &Options) -> Result<Summary> {
    let mut total = Numbers::default();
    let mut rows = Vec::new();
    let mut skipped = 0usize;
    let mut empty = 0usize;
    let branches = files.iter().any(|f| f.branches.is_some());
    for file in files {
        let numbers = Numbers::of(file);
        total.add(&numbers);
        if options.skip_covered && numbers.n_missing == 0 && numbers.n_partial_branches == 0 {
            skipped += 1;
        } else if options.skip_empty && numbers.n_statements == 0 {
            empty += 1;
        } else {
            rows.push(Row {
                name: file.name.clone(),
                numbers,
                cover: display_covered(numbers.pc_covered(), options.precision),
                missing: file.missing_formatted(),
            });
        }
    }
    if total.n_files == 0 && skipped == 0 {
        return Err(Error::NoData);
    }
    let total_cover = display_covered(total.pc_covered(), options.precision);
    if options.format == Format::Total {
        return Ok(Summary {
            text: format!("{total_cover}\n"),
            total,
        });
    }

    let sort = options
        .sort
        .clone()
        .unwrap_or_else(|| "name".to_string())
        .to_lowercase();
    let (reverse, key) = match sort.strip_prefix('-') {
        Some(rest) => (true, rest.to_string()),
        None => (false, sort.strip_prefix('+').unwrap_or(&sort).to_string()),
    };
    let compare: RowOrder = match key.as_str() {
        "name" => Box::new(|a: &Row, b: &Row| human_compare(&a.name, &b.name)),
        "stmts" => Box::new(|a: &Row, b: &Row| {
            a.numbers
                .n_statements
                .cmp(&b.numbers.n_statements)
                .then_with(|| a.name.cmp(&b.name))
        }),
        "miss" => Box::new(|a: &Row, b: &Row| {
            a.numbers
                .n_missing
                .cmp(&b.numbers.n_missing)
                .then_with(|| a.name.cmp(&b.name))
        }),
        "branch" if branches => Box::new(|a: &Row, b: &Row| {
            a.numbers
                .n_branches
                .cmp(&b.numbers.n_branches)
                .then_with(|| a.name.cmp(&b.name))
        }),
        "brpart" if branches => Box::new(|a: &Row, b: &Row| {
            a.numbers
                .n_partial_branches
                .cmp(&b.numbers.n_partial_branches)
                .then_with(|| a.name.cmp(&b.name))
        }),
        "cover" => Box::new(|a: &Row, b: &Row| {
            a.numbers
                .pc_covered()
                .partial_cmp(&b.numbers.pc_covered())
                .unwrap_or(Ordering::Equal)
                .then_with(|| a.name.cmp(&b.name))
        }),
        _ => {
            return Err(Error::Config(format!(
                "Invalid sorting option: {}",
                python_repr(options.sort.as_deref().unwrap_or_default())
            )))
        }
    };
    rows.sort_by(|a, b| {
        if reverse {
            compare(b, a)
        } else {
            compare(a, b)
        }
    });

    let mut end_lines = Vec::new();
    if options.skip_covered && skipped > 0 {
        end_lines.push(format!(
            "\n{} skipped due to complete coverage.",
            plural(skipped, "file")
        ));
    }
    if options.skip_empty && empty > 0 {
        end_lines.push(format!("\n{} skipped.", plural(empty, "empty file")));
    }
    let text = match options.format {
        Format::Markdown => markdown(
            &rows,
            &total,
            &total_cover,
            options.show_missing,
            branches,
            &end_lines,
        ),
        _ => text(
            &rows,
            &total,
            &total_cover,
            options.show_missing,
            branches,
            &end_lines,
        ),
    };
    Ok(Summary { text, total })
}

/// Python's `repr()` of a string, for messages worded as coverage.py words them.
fn python_repr(text: &str) -> String {
    let quote = if text.contains('\'') && !text.contains('"') {
        '"'
    } else {
        '\''
    };
    let mut out = String::from(quote);
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out.push(quote);
    out
}

fn plural(n: usize, thing: &str) -> String {
    if n == 1 {
        format!("{n} {thing}")
    } else {
        format!("{n} {thing}s")
    }
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

fn text(
    rows: &[Row],
    total: &Numbers,
    total_cover: &str,
    show_missing: bool,
    branches: bool,
    end_lines: &[String],
) -> String {
    let max_name = rows
        .iter()
        .map(|r| width(&r.name))
        .chain([5])
        .max()
        .unwrap_or(5)
        + 1;
    let mut max_n = (width(total_cover) + 2).max(width(" Cover")) + 1;
    max_n = rows
        .iter()
        .map(|r| width(&r.cover) + 2)
        .chain([max_n])
        .max()
        .unwrap_or(max_n);
    let branch_header = if branches {
        format!("{}{}", pad_left("Branch", 7), pad_left("BrPart", 7))
    } else {
        String::new()
    };
    let mut header = format!(
        "{}{}{}{branch_header}{}",
        pad_right("Name", max_name),
        pad_left("Stmts", 7),
        pad_left("Miss", 7),
        pad_left("Cover", max_n)
    );
    if show_missing {
        header.push_str(&pad_left("Missing", 10));
    }
    let rule = "-".repeat(width(&header));
    let mut out = String::new();
    push_line(&mut out, &header);
    push_line(&mut out, &rule);
    let row_line = |name: &str, numbers: &Numbers, cover: &str, missing: Option<&str>| {
        let branch_columns = if branches {
            format!(
                "{}{}",
                pad_left(&numbers.n_branches.to_string(), 7),
                pad_left(&numbers.n_partial_branches.to_string(), 7)
            )
        } else {
            String::new()
        };
        let mut line = format!(
            "{}{}{}{branch_columns}{}%",
            pad_right(name, max_name),
            pad_left(&numbers.n_statements.to_string(), 7),
            pad_left(&numbers.n_missing.to_string(), 7),
            pad_left(cover, max_n - 1)
        );
        if let Some(missing) = missing {
            let _ = write!(line, "   {}", pad_right(missing, 9));
        }
        line
    };
    for row in rows {
        let line = row_line(
            &row.name,
            &row.numbers,
            &row.cover,
            show_missing.then_some(row.missing.as_str()),
        );
        push_line(&mut out, &line);
    }
    if !rows.is_empty() {
        push_line(&mut out, &rule);
    }
    let line = row_line("TOTAL", total, total_cover, show_missing.then_some(""));
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

fn markdown(
    rows: &[Row],
    total: &Numbers,
    total_cover: &str,
    show_missing: bool,
    branches: bool,
    end_lines: &[String],
) -> String {
    let max_name = rows
        .iter()
        .map(|r| width(&escape_markdown(&r.name)))
        .max()
        .unwrap_or(0)
        .max(width("**TOTAL**"))
        + 1;
    let max_n = (width(total_cover) + 6).max(width(" Cover "));
    let mut header_items = vec![
        format!("| {}|", pad_right("Name", max_name)),
        format!("{} |", pad_left("Stmts", 9)),
        format!("{} |", pad_left("Miss", 9)),
    ];
    if branches {
        header_items.push(format!("{} |", pad_left("Branch", 9)));
        header_items.push(format!("{} |", pad_left("BrPart", 9)));
    }
    header_items.push(format!("{} |", pad_left("Cover", max_n)));
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
        let branch_columns = if branches {
            format!(
                "{} |{} |",
                pad_left(&row.numbers.n_branches.to_string(), 9),
                pad_left(&row.numbers.n_partial_branches.to_string(), 9)
            )
        } else {
            String::new()
        };
        let mut line = format!(
            "| {}|{} |{} |{branch_columns}{}% |",
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
    let branch_columns = if branches {
        format!(
            "{} |{} |",
            pad_left(&format!(" **{}**", total.n_branches), 9),
            pad_left(&format!(" **{}**", total.n_partial_branches), 9)
        )
    } else {
        String::new()
    };
    let mut line = format!(
        "|{} |{} |{} |{branch_columns}{} |",
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
