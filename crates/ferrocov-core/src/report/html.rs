//! The HTML report: coverage.py's file names and layout (`index.html`, `function_index.html`,
//! `class_index.html`, a page per file named by its flattened path, `status.json`), rendered
//! with MiniJinja templates, opened from disk with no server and no network. It adds what
//! coverage.py's lacks: the processes that were measured and how each ended. Pages whose
//! inputs did not change since the last run are not rendered or written again.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use minijinja::{context, Environment};
use serde::Serialize;

use super::{display_covered, highlight, FileResult, Numbers};
use crate::data::ProcessRecord;
use crate::error::{Error, Result};

const INDEX_TEMPLATE: &str = include_str!("html/index.html");
const FILE_TEMPLATE: &str = include_str!("html/file.html");
const PROCESSES_TEMPLATE: &str = include_str!("html/processes.html");
const LAYOUT_TEMPLATE: &str = include_str!("html/layout.html");
const STYLE: &str = include_str!("html/style.css");
const SCRIPT: &str = include_str!("html/ferrocov.js");
const FAVICON: &str = include_str!("html/favicon.svg");
const STATUS_FILE: &str = "status.json";
/// The `format` of our status file: coverage.py, finding another than its own, starts afresh.
const STATUS_FORMAT: &str = "ferrocov-html-2";

/// One file of the HTML report: its results, its page name and its source text.
pub struct HtmlFile<'a> {
    pub result: &'a FileResult,
    /// The page's file name inside the report directory.
    pub page: String,
    pub source: String,
    /// Contexts that ran each line, when `show_contexts` is on.
    pub contexts: BTreeMap<u32, Vec<String>>,
}

pub struct HtmlOptions<'a> {
    pub directory: PathBuf,
    pub title: &'a str,
    /// A stylesheet to copy into the report and link from every page.
    pub extra_css: Option<PathBuf>,
    pub skip_covered: bool,
    pub skip_empty: bool,
    pub show_contexts: bool,
    pub precision: usize,
    pub version: &'a str,
    pub timestamp: &'a str,
    pub processes: Option<(u64, u64)>,
    /// The measured processes, for the processes page (none: no page).
    pub process_records: &'a [ProcessRecord],
}

/// What a run of the HTML report did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct HtmlOutcome {
    pub pages_written: usize,
    pub pages_unchanged: usize,
}

/// One row of an index table: a file, or a function or class of a file.
#[derive(Serialize)]
struct Row<'a> {
    file: &'a str,
    page: &'a str,
    /// The function or class ("" for a file row, "(no function)" for a file's other code).
    region: String,
    /// The anchor of the region's first line on the file page.
    anchor: String,
    statements: usize,
    missing: usize,
    excluded: usize,
    branches: usize,
    partial: usize,
    missing_branches: usize,
    statements_cover: String,
    statements_percent: f64,
    branches_cover: String,
    branches_percent: f64,
    cover: String,
    percent: f64,
    covered: bool,
}

impl<'a> Row<'a> {
    fn new(
        file: &'a str,
        page: &'a str,
        region: String,
        anchor: String,
        numbers: &Numbers,
        precision: usize,
    ) -> Row<'a> {
        Row {
            file,
            page,
            region,
            anchor,
            statements: numbers.n_statements,
            missing: numbers.n_missing,
            excluded: numbers.n_excluded,
            branches: numbers.n_branches,
            partial: numbers.n_partial_branches,
            missing_branches: numbers.n_missing_branches,
            statements_cover: display_covered(numbers.pc_statements(), precision),
            statements_percent: numbers.pc_statements(),
            branches_cover: display_covered(numbers.pc_branches(), precision),
            branches_percent: numbers.pc_branches(),
            cover: display_covered(numbers.pc_covered(), precision),
            percent: numbers.pc_covered(),
            covered: numbers.n_missing == 0 && numbers.n_partial_branches == 0,
        }
    }
}

#[derive(Serialize)]
struct Totals {
    statements: usize,
    missing: usize,
    excluded: usize,
    branches: usize,
    partial: usize,
    missing_branches: usize,
    statements_cover: String,
    branches_cover: String,
    cover: String,
}

impl Totals {
    fn of(numbers: &Numbers, precision: usize) -> Totals {
        Totals {
            statements: numbers.n_statements,
            missing: numbers.n_missing,
            excluded: numbers.n_excluded,
            branches: numbers.n_branches,
            partial: numbers.n_partial_branches,
            missing_branches: numbers.n_missing_branches,
            statements_cover: display_covered(numbers.pc_statements(), precision),
            branches_cover: display_covered(numbers.pc_branches(), precision),
            cover: display_covered(numbers.pc_covered(), precision),
        }
    }
}

#[derive(Serialize)]
struct Line {
    number: u32,
    kind: &'static str,
    /// The line's highlighted source, escaped.
    html: String,
    contexts: Vec<String>,
    /// For a partly taken branch: "7 ↛ 9", and the sentences saying why, as a tooltip.
    annotation: String,
    title: String,
}

#[derive(Serialize)]
struct ProcessRow<'a> {
    pid: u32,
    parent_pid: u32,
    started: String,
    ended: String,
    /// "clean", "exec", "os-exit", "crashed" or "killed" (a CSS class).
    kind: String,
    clean: bool,
    files: Vec<(&'a str, Option<&'a str>)>,
}

/// FNV-1a, 64 bits: a fingerprint that stays the same across Rust versions and runs.
struct Fingerprint(u64);

impl Fingerprint {
    fn new() -> Fingerprint {
        Fingerprint(0xcbf29ce484222325)
    }

    fn add(&mut self, bytes: &[u8]) -> &mut Fingerprint {
        for &byte in bytes {
            self.0 ^= byte as u64;
            self.0 = self.0.wrapping_mul(0x100000001b3);
        }
        self.0 ^= 0xff;
        self.0 = self.0.wrapping_mul(0x100000001b3);
        self
    }

    fn add_lines(&mut self, lines: &BTreeSet<u32>) -> &mut Fingerprint {
        for line in lines {
            self.add(&line.to_le_bytes());
        }
        self.add(b"|")
    }

    fn hex(&self) -> String {
        format!("{:016x}", self.0)
    }
}

fn write(path: &Path, text: &str) -> Result<()> {
    std::fs::write(path, text).map_err(|e| Error::io(path, e))
}

#[derive(Serialize, serde::Deserialize, Default)]
struct Status {
    format: String,
    version: String,
    globals: String,
    files: BTreeMap<String, String>,
}

fn read_status(directory: &Path) -> Status {
    let Ok(text) = std::fs::read_to_string(directory.join(STATUS_FILE)) else {
        return Status::default();
    };
    serde_json::from_str::<Status>(&text)
        .ok()
        .filter(|status| status.format == STATUS_FORMAT)
        .unwrap_or_default()
}

fn escape_into(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            _ => out.push(c),
        }
    }
}

/// A line's tokens as HTML: `<span class="key">def</span>`, whitespace bare.
fn line_html(tokens: &[highlight::Token]) -> String {
    let mut out = String::new();
    for token in tokens {
        if token.class == "ws" {
            escape_into(&mut out, &token.text);
        } else {
            let _ = write!(out, "<span class=\"{}\">", token.class);
            escape_into(&mut out, &token.text);
            out.push_str("</span>");
        }
    }
    out
}

fn template_error(what: &str) -> impl Fn(minijinja::Error) -> Error + '_ {
    move |e| Error::Config(format!("rendering {what}: {e}"))
}

fn environment() -> Result<Environment<'static>> {
    let mut environment = Environment::new();
    for (name, text) in [
        ("layout.html", LAYOUT_TEMPLATE),
        ("index.html", INDEX_TEMPLATE),
        ("file.html", FILE_TEMPLATE),
        ("processes.html", PROCESSES_TEMPLATE),
    ] {
        environment
            .add_template(name, text)
            .map_err(|e| Error::Config(format!("{name} template: {e}")))?;
    }
    Ok(environment)
}

/// "2026-11-30 10:19:46 UTC" for microseconds since the epoch.
fn utc(microseconds: u64) -> String {
    let seconds = microseconds / 1_000_000;
    let (days, rest) = (seconds / 86_400, seconds % 86_400);
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z.rem_euclid(146_097);
    let year_of_era =
        (day_of_era - day_of_era / 1_460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_index = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_index + 2) / 5 + 1;
    let month = if month_index < 10 {
        month_index + 3
    } else {
        month_index - 9
    };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02}:{:02} UTC",
        rest / 3600,
        rest % 3600 / 60,
        rest % 60
    )
}

/// Write the report into `options.directory`. Returns what was written and the total.
pub fn render(files: &[HtmlFile<'_>], options: &HtmlOptions<'_>) -> Result<(HtmlOutcome, f64)> {
    let directory = &options.directory;
    std::fs::create_dir_all(directory).map_err(|e| Error::io(directory, e))?;
    let environment = environment()?;
    write(&directory.join("style.css"), STYLE)?;
    write(&directory.join("ferrocov.js"), SCRIPT)?;
    write(&directory.join("favicon.svg"), FAVICON)?;
    write(&directory.join(".gitignore"), "# Created by ferrocov.\n*\n")?;
    let extra_css = match &options.extra_css {
        Some(path) => {
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_else(|| "extra.css".into());
            let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
            write(&directory.join(&name), &text)?;
            Some(name)
        }
        None => None,
    };
    let has_branches = files.iter().any(|f| f.result.branches.is_some());
    let show_processes = !options.process_records.is_empty();

    // Which files get a page, in the index's order (for « prev / next »).
    let mut total = Numbers::default();
    let (mut skipped_covered, mut skipped_empty) = (0usize, 0usize);
    let mut shown: Vec<&HtmlFile<'_>> = Vec::new();
    for file in files {
        let numbers = Numbers::of(file.result);
        total.add(&numbers);
        if options.skip_covered && numbers.n_missing == 0 && numbers.n_partial_branches == 0 {
            skipped_covered += 1;
        } else if options.skip_empty && numbers.n_statements == 0 {
            skipped_empty += 1;
        } else {
            shown.push(file);
        }
    }
    shown.sort_by(|a, b| super::human_compare(&a.result.name, &b.result.name));

    let mut global = Fingerprint::new();
    global
        .add(options.version.as_bytes())
        .add(options.title.as_bytes())
        .add(extra_css.as_deref().unwrap_or("").as_bytes())
        .add(&[
            options.show_contexts as u8,
            options.precision as u8,
            show_processes as u8,
        ])
        .add(LAYOUT_TEMPLATE.as_bytes())
        .add(FILE_TEMPLATE.as_bytes());
    let old_status = read_status(directory);
    let global_same = old_status.globals == global.hex() && old_status.version == options.version;
    let mut new_status = Status {
        format: STATUS_FORMAT.into(),
        version: options.version.into(),
        globals: global.hex(),
        files: BTreeMap::new(),
    };

    let common = context! {
        title => options.title,
        extra_css => extra_css,
        version => options.version,
        timestamp => options.timestamp,
        branches => has_branches,
        show_processes => show_processes,
        precision => options.precision,
    };
    let mut outcome = HtmlOutcome::default();
    let mut file_rows = Vec::new();
    let mut function_rows = Vec::new();
    let mut class_rows = Vec::new();
    let file_template = environment
        .get_template("file.html")
        .map_err(|e| Error::Config(e.to_string()))?;
    let page = Page {
        directory,
        options,
        shown: &shown,
        common: &common,
        template: &file_template,
        global_same,
        old_status: &old_status,
    };
    // Pages are independent: rendered and written on several threads when there are many.
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(8);
    let rendered: Vec<Result<(String, bool)>> = if threads > 1 && shown.len() >= 64 {
        let chunk = shown.len().div_ceil(threads);
        std::thread::scope(|scope| {
            let handles: Vec<_> = shown
                .chunks(chunk)
                .enumerate()
                .map(|(index, files)| {
                    let page = &page;
                    scope.spawn(move || {
                        files
                            .iter()
                            .enumerate()
                            .map(|(k, file)| page.render(index * chunk + k, file))
                            .collect::<Vec<_>>()
                    })
                })
                .collect();
            handles
                .into_iter()
                .flat_map(|handle| {
                    handle.join().unwrap_or_else(|_| {
                        vec![Err(Error::Config("an HTML page's thread panicked".into()))]
                    })
                })
                .collect()
        })
    } else {
        shown
            .iter()
            .enumerate()
            .map(|(position, file)| page.render(position, file))
            .collect()
    };
    for (file, done) in shown.iter().zip(rendered) {
        let (fingerprint, written) = done?;
        new_status.files.insert(file.page.clone(), fingerprint);
        if written {
            outcome.pages_written += 1;
        } else {
            outcome.pages_unchanged += 1;
        }
        let result = file.result;
        let numbers = Numbers::of(result);
        file_rows.push(Row::new(
            &result.name,
            &file.page,
            String::new(),
            String::new(),
            &numbers,
            options.precision,
        ));
        region_rows(
            file,
            "function",
            "(no function)",
            options.precision,
            &mut function_rows,
        );
        region_rows(
            file,
            "class",
            "(no class)",
            options.precision,
            &mut class_rows,
        );
    }

    let index_template = environment
        .get_template("index.html")
        .map_err(|e| Error::Config(e.to_string()))?;
    for (page, kind, rows) in [
        ("index.html", "file", &file_rows),
        ("function_index.html", "function", &function_rows),
        ("class_index.html", "class", &class_rows),
    ] {
        let html = index_template
            .render(context! {
                ..common.clone(),
                ..context! {
                    page => page,
                    kind => kind,
                    rows => rows,
                    processes => options.processes,
                    skipped_covered => skipped_covered,
                    skipped_empty => skipped_empty,
                    total => Totals::of(&total, options.precision),
                }
            })
            .map_err(template_error(page))?;
        write(&directory.join(page), &html)?;
    }
    if show_processes {
        let pages: BTreeMap<&str, &str> = shown
            .iter()
            .map(|f| (f.result.path.as_str(), f.page.as_str()))
            .collect();
        let names: BTreeMap<&str, &str> = files
            .iter()
            .map(|f| (f.result.path.as_str(), f.result.name.as_str()))
            .collect();
        let rows: Vec<ProcessRow<'_>> = options
            .process_records
            .iter()
            .map(|record| ProcessRow {
                pid: record.pid,
                parent_pid: record.parent_pid,
                started: utc(record.started),
                ended: record.ending_in_words(),
                kind: record.ending_kind().replace("._", "-"),
                clean: record.ended == "clean",
                files: record
                    .files
                    .iter()
                    .map(|path| {
                        (
                            names.get(&**path).copied().unwrap_or(&**path),
                            pages.get(&**path).copied(),
                        )
                    })
                    .collect(),
            })
            .collect();
        let html = environment
            .get_template("processes.html")
            .and_then(|t| t.render(context! { ..common.clone(), ..context! { page => "processes.html", processes => rows, total => Totals::of(&total, options.precision) } }))
            .map_err(template_error("the processes page"))?;
        write(&directory.join("processes.html"), &html)?;
    }
    let status =
        serde_json::to_string_pretty(&new_status).map_err(|e| Error::Config(e.to_string()))?;
    write(&directory.join(STATUS_FILE), &status)?;
    let percent = if total.n_statements == 0 {
        100.0
    } else {
        total.pc_covered()
    };
    Ok((outcome, percent))
}

/// What every file page needs, shared by the threads that render them.
struct Page<'a> {
    directory: &'a Path,
    options: &'a HtmlOptions<'a>,
    shown: &'a [&'a HtmlFile<'a>],
    common: &'a minijinja::Value,
    template: &'a minijinja::Template<'a, 'a>,
    global_same: bool,
    old_status: &'a Status,
}

impl Page<'_> {
    /// Render and write one file's page unless the last run's is still right: (the page's
    /// fingerprint, whether it was written).
    fn render(&self, position: usize, file: &HtmlFile<'_>) -> Result<(String, bool)> {
        let page = self;
        let result = file.result;
        let numbers = Numbers::of(result);
        let missing_branches = result.missing_branch_arcs();
        let mut fingerprint = Fingerprint::new();
        fingerprint
            .add(result.name.as_bytes())
            .add(file.source.as_bytes())
            .add_lines(&result.statements)
            .add_lines(&result.missing)
            .add_lines(&result.excluded);
        for neighbour in [
            position.checked_sub(1).and_then(|p| page.shown.get(p)),
            page.shown.get(position + 1),
        ] {
            fingerprint.add(neighbour.map_or("", |n| n.page.as_str()).as_bytes());
        }
        for (line, exits) in &missing_branches {
            fingerprint.add(&line.to_le_bytes());
            for exit in exits {
                fingerprint.add(&exit.to_le_bytes());
            }
        }
        if page.options.show_contexts {
            for (line, names) in &file.contexts {
                fingerprint.add(&line.to_le_bytes());
                for name in names {
                    fingerprint.add(name.as_bytes());
                }
            }
        }
        let page_path = page.directory.join(&file.page);
        let unchanged = page.global_same
            && page.old_status.files.get(&file.page) == Some(&fingerprint.hex())
            && page_path.exists();
        if !unchanged {
            let highlighted = highlight::lines(&file.source);
            let lines: Vec<Line> = highlighted
                .iter()
                .enumerate()
                .map(|(index, tokens)| {
                    let number = index as u32 + 1;
                    let partial = missing_branches
                        .get(&(number as i32))
                        .filter(|_| !result.missing.contains(&number));
                    let kind = if result.excluded.contains(&number) {
                        "exc"
                    } else if result.missing.contains(&number) {
                        "mis"
                    } else if partial.is_some() {
                        "par"
                    } else if result.statements.contains(&number) {
                        "run"
                    } else {
                        "pln"
                    };
                    let contexts = if page.options.show_contexts {
                        file.contexts.get(&number).cloned().unwrap_or_default()
                    } else {
                        Vec::new()
                    };
                    let (annotation, title) = match (partial, &result.branches) {
                        (Some(exits), Some(facts)) => {
                            let targets: Vec<String> = exits
                                .iter()
                                .map(|&e| {
                                    if e < 0 {
                                        "exit".to_string()
                                    } else {
                                        e.to_string()
                                    }
                                })
                                .collect();
                            let reasons: Vec<String> = exits
                                .iter()
                                .map(|&e| facts.missing_description((number as i32, e)))
                                .collect();
                            (
                                format!("{number} \u{219b} {}", targets.join(", ")),
                                reasons.join("\n"),
                            )
                        }
                        _ => (String::new(), String::new()),
                    };
                    Line {
                        number,
                        kind,
                        html: line_html(tokens),
                        contexts,
                        annotation,
                        title,
                    }
                })
                .collect();
            let neighbour = |offset: isize| -> Option<(&str, &str)> {
                let index = position as isize + offset;
                (index >= 0)
                    .then(|| page.shown.get(index as usize))
                    .flatten()
                    .map(|n| (n.page.as_str(), n.result.name.as_str()))
            };
            let html = page
                .template
                .render(context! {
                    ..page.common.clone(),
                    ..context! {
                        lines => lines,
                        previous => neighbour(-1),
                        next => neighbour(1),
                        file => context! {
                            name => result.name,
                            cover => display_covered(numbers.pc_covered(), page.options.precision),
                            executed => numbers.n_statements - numbers.n_missing,
                            missing => numbers.n_missing,
                            excluded => numbers.n_excluded,
                            branches => result.branches.is_some(),
                            partial => numbers.n_partial_branches,
                        },
                    }
                })
                .map_err(template_error(&result.name))?;
            write(&page_path, &html)?;
        }
        Ok((fingerprint.hex(), !unchanged))
    }
}

/// The rows of a file's functions (or classes), and one for the code outside them all, as
/// coverage.py's function and class indexes list them.
fn region_rows<'a>(
    file: &'a HtmlFile<'a>,
    kind: &str,
    outside_name: &str,
    precision: usize,
    rows: &mut Vec<Row<'a>>,
) {
    let result = file.result;
    let mut outside: BTreeSet<u32> = (1..=result.n_source_lines.max(1)).collect();
    let mut regions: Vec<&super::Region> =
        result.regions.iter().filter(|r| r.kind == kind).collect();
    regions.sort_by_key(|r| r.start);
    for region in &regions {
        for line in &region.lines {
            outside.remove(line);
        }
    }
    let parts: Vec<&BTreeSet<u32>> = regions.iter().map(|r| &r.lines).collect();
    let narrowed = result.narrow_each(&parts);
    for (region, part) in regions.iter().zip(&narrowed) {
        let numbers = Numbers::of(part);
        rows.push(Row::new(
            &result.name,
            &file.page,
            region.name.clone(),
            format!("#t{}", region.start),
            &numbers,
            precision,
        ));
    }
    let numbers = Numbers::of(&result.narrow(&outside));
    rows.push(Row::new(
        &result.name,
        &file.page,
        outside_name.to_string(),
        String::new(),
        &numbers,
        precision,
    ));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn options(directory: &Path) -> HtmlOptions<'static> {
        HtmlOptions {
            directory: directory.to_path_buf(),
            title: "T",
            extra_css: None,
            skip_covered: false,
            skip_empty: false,
            show_contexts: false,
            precision: 0,
            version: "v",
            timestamp: "now",
            processes: None,
            process_records: &[],
        }
    }

    #[test]
    fn second_run_skips_unchanged_pages() {
        let dir = tempfile::tempdir().expect("tempdir");
        let result = FileResult {
            name: "a.py".into(),
            path: "/x/a.py".into(),
            statements: BTreeSet::from([1, 2]),
            missing: BTreeSet::from([2]),
            executed: BTreeSet::from([1]),
            n_source_lines: 2,
            ..FileResult::default()
        };
        let files = vec![HtmlFile {
            result: &result,
            page: "a_py.html".into(),
            source: "x = 1\ny = <2>\n".into(),
            contexts: BTreeMap::new(),
        }];
        let options = options(dir.path());
        let (first, percent) = render(&files, &options).expect("render");
        assert_eq!(
            first,
            HtmlOutcome {
                pages_written: 1,
                pages_unchanged: 0
            }
        );
        assert_eq!(percent, 50.0);
        let page = std::fs::read_to_string(dir.path().join("a_py.html")).expect("page");
        assert!(page.contains("<tr id=\"t2\" class=\"mis\">"), "{page}");
        assert!(
            page.contains("<span class=\"op\">&lt;</span><span class=\"num\">2</span>"),
            "source is highlighted and escaped"
        );
        for name in [
            "index.html",
            "function_index.html",
            "class_index.html",
            "status.json",
            "favicon.svg",
        ] {
            assert!(dir.path().join(name).exists(), "{name}");
        }
        let (second, _) = render(&files, &options).expect("render");
        assert_eq!(
            second,
            HtmlOutcome {
                pages_written: 0,
                pages_unchanged: 1
            }
        );
    }

    #[test]
    fn utc_dates() {
        assert_eq!(utc(0), "1970-01-01 00:00:00 UTC");
        assert_eq!(utc(1_796_037_586_000_000), "2026-11-30 11:19:46 UTC");
        assert_eq!(utc(951_782_400_000_000), "2000-02-29 00:00:00 UTC");
    }
}
