//! The HTML report: an index page and a page per file, rendered with MiniJinja templates, that
//! open from disk with no server and no network. Pages whose inputs did not change since the
//! last run are not rendered or written again.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use minijinja::{context, Environment};
use serde::Serialize;

use super::{display_covered, FileResult, Numbers};
use crate::error::{Error, Result};

const INDEX_TEMPLATE: &str = include_str!("html/index.html");
const FILE_TEMPLATE: &str = include_str!("html/file.html");
const STYLE: &str = include_str!("html/style.css");
const SCRIPT: &str = include_str!("html/ferrocov.js");
const STATUS_FILE: &str = "ferrocov-status.json";

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
}

/// What a run of the HTML report did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct HtmlOutcome {
    pub pages_written: usize,
    pub pages_unchanged: usize,
}

#[derive(Serialize)]
struct IndexRow<'a> {
    name: &'a str,
    page: &'a str,
    statements: usize,
    missing: usize,
    excluded: usize,
    executed: usize,
    percent: f64,
    cover: String,
    branches: usize,
    partial: usize,
    /// "covered possible": statements and branches together, for the live total.
    ratio: String,
}

#[derive(Serialize)]
struct Line<'a> {
    number: u32,
    kind: &'static str,
    text: &'a str,
    contexts: &'a [String],
    /// For a partly taken branch: "7 ↛ 9", and the sentences saying why, as a tooltip.
    annotation: String,
    title: String,
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

fn read_status(directory: &Path) -> BTreeMap<String, String> {
    let Ok(text) = std::fs::read_to_string(directory.join(STATUS_FILE)) else { return BTreeMap::new() };
    serde_json::from_str(&text).unwrap_or_default()
}

/// Write the report into `options.directory`. Returns what was written and the total.
pub fn render(files: &[HtmlFile<'_>], options: &HtmlOptions<'_>) -> Result<(HtmlOutcome, f64)> {
    let directory = &options.directory;
    std::fs::create_dir_all(directory).map_err(|e| Error::io(directory, e))?;
    let mut environment = Environment::new();
    environment.add_template("index.html", INDEX_TEMPLATE).map_err(|e| Error::Config(format!("index template: {e}")))?;
    environment.add_template("file.html", FILE_TEMPLATE).map_err(|e| Error::Config(format!("file template: {e}")))?;

    write(&directory.join("style.css"), STYLE)?;
    write(&directory.join("ferrocov.js"), SCRIPT)?;
    write(&directory.join(".gitignore"), "# Created by ferrocov.\n*\n")?;
    let extra_css = match &options.extra_css {
        Some(path) => {
            let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "extra.css".into());
            let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
            write(&directory.join(&name), &text)?;
            Some(name)
        }
        None => None,
    };

    let mut global = Fingerprint::new();
    global
        .add(options.version.as_bytes())
        .add(options.title.as_bytes())
        .add(extra_css.as_deref().unwrap_or("").as_bytes())
        .add(&[options.show_contexts as u8, options.precision as u8])
        .add(FILE_TEMPLATE.as_bytes());
    let old_status = read_status(directory);
    let mut new_status = BTreeMap::new();
    new_status.insert("global".to_string(), global.hex());
    let global_same = old_status.get("global") == Some(&global.hex());

    let mut outcome = HtmlOutcome::default();
    let mut rows = Vec::new();
    let mut total = Numbers::default();
    let (mut skipped_covered, mut skipped_empty) = (0usize, 0usize);
    let file_template = environment.get_template("file.html").map_err(|e| Error::Config(e.to_string()))?;
    for file in files {
        let result = file.result;
        let numbers = Numbers::of(result);
        total.add(&numbers);
        if options.skip_covered && numbers.n_missing == 0 && numbers.n_partial_branches == 0 {
            skipped_covered += 1;
            continue;
        }
        if options.skip_empty && numbers.n_statements == 0 {
            skipped_empty += 1;
            continue;
        }
        let cover = display_covered(numbers.pc_covered(), options.precision);
        let mut fingerprint = Fingerprint::new();
        fingerprint
            .add(result.name.as_bytes())
            .add(file.source.as_bytes())
            .add_lines(&result.statements)
            .add_lines(&result.missing)
            .add_lines(&result.excluded);
        let missing_branches = result.missing_branch_arcs();
        for (line, exits) in &missing_branches {
            fingerprint.add(&line.to_le_bytes());
            for exit in exits {
                fingerprint.add(&exit.to_le_bytes());
            }
        }
        if options.show_contexts {
            for (line, names) in &file.contexts {
                fingerprint.add(&line.to_le_bytes());
                for name in names {
                    fingerprint.add(name.as_bytes());
                }
            }
        }
        let page_path = directory.join(&file.page);
        let unchanged = global_same && old_status.get(&file.page) == Some(&fingerprint.hex()) && page_path.exists();
        new_status.insert(file.page.clone(), fingerprint.hex());
        if unchanged {
            outcome.pages_unchanged += 1;
        } else {
            let lines: Vec<Line<'_>> = file
                .source
                .lines()
                .enumerate()
                .map(|(index, text)| {
                    let number = index as u32 + 1;
                    let partial = missing_branches.get(&(number as i32)).filter(|_| !result.missing.contains(&number));
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
                    let contexts = if options.show_contexts { file.contexts.get(&number).map(Vec::as_slice).unwrap_or(&[]) } else { &[] };
                    let (annotation, title) = match (partial, &result.branches) {
                        (Some(exits), Some(facts)) => {
                            let targets: Vec<String> =
                                exits.iter().map(|&e| if e < 0 { "exit".to_string() } else { e.to_string() }).collect();
                            let reasons: Vec<String> =
                                exits.iter().map(|&e| facts.missing_description((number as i32, e))).collect();
                            (format!("{number} \u{219b} {}", targets.join(", ")), reasons.join("\n"))
                        }
                        _ => (String::new(), String::new()),
                    };
                    Line { number, kind, text, contexts, annotation, title }
                })
                .collect();
            let html = file_template
                .render(context! {
                    title => options.title,
                    extra_css => extra_css,
                    version => options.version,
                    timestamp => options.timestamp,
                    lines => lines,
                    file => context! {
                        name => result.name,
                        cover => cover,
                        executed => numbers.n_statements - numbers.n_missing,
                        missing => numbers.n_missing,
                        excluded => numbers.n_excluded,
                        branches => result.branches.is_some(),
                        partial => numbers.n_partial_branches,
                    },
                })
                .map_err(|e| Error::Config(format!("rendering {}: {e}", result.name)))?;
            write(&page_path, &html)?;
            outcome.pages_written += 1;
        }
        rows.push(IndexRow {
            name: &result.name,
            page: &file.page,
            statements: numbers.n_statements,
            missing: numbers.n_missing,
            excluded: numbers.n_excluded,
            executed: numbers.n_statements - numbers.n_missing,
            percent: numbers.pc_covered(),
            cover,
            branches: numbers.n_branches,
            partial: numbers.n_partial_branches,
            ratio: format!(
                "{} {}",
                numbers.n_executed() + numbers.n_executed_branches(),
                numbers.n_statements + numbers.n_branches
            ),
        });
    }
    rows.sort_by(|a, b| super::human_compare(a.name, b.name));
    let index = environment
        .get_template("index.html")
        .and_then(|t| {
            t.render(context! {
                title => options.title,
                extra_css => extra_css,
                version => options.version,
                timestamp => options.timestamp,
                processes => options.processes,
                files => rows,
                branches => files.iter().any(|f| f.result.branches.is_some()),
                skipped_covered => skipped_covered,
                skipped_empty => skipped_empty,
                total => context! {
                    statements => total.n_statements,
                    missing => total.n_missing,
                    excluded => total.n_excluded,
                    branches => total.n_branches,
                    partial => total.n_partial_branches,
                    cover => display_covered(total.pc_covered(), options.precision),
                },
            })
        })
        .map_err(|e| Error::Config(format!("rendering the index: {e}")))?;
    write(&directory.join("index.html"), &index)?;
    let status = serde_json::to_string_pretty(&new_status).map_err(|e| Error::Config(e.to_string()))?;
    write(&directory.join(STATUS_FILE), &status)?;
    let percent = if total.n_statements == 0 { 100.0 } else { total.pc_covered() };
    Ok((outcome, percent))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn second_run_skips_unchanged_pages() {
        let dir = tempfile::tempdir().expect("tempdir");
        let result = FileResult {
            name: "a.py".into(),
            path: "/x/a.py".into(),
            statements: BTreeSet::from([1, 2]),
            missing: BTreeSet::from([2]),
            executed: BTreeSet::from([1]),
            ..FileResult::default()
        };
        let files = vec![HtmlFile { result: &result, page: "a_py.html".into(), source: "x = 1\ny = <2>\n".into(), contexts: BTreeMap::new() }];
        let options = HtmlOptions {
            directory: dir.path().to_path_buf(),
            title: "T",
            extra_css: None,
            skip_covered: false,
            skip_empty: false,
            show_contexts: false,
            precision: 0,
            version: "v",
            timestamp: "now",
            processes: None,
        };
        let (first, percent) = render(&files, &options).expect("render");
        assert_eq!(first, HtmlOutcome { pages_written: 1, pages_unchanged: 0 });
        assert_eq!(percent, 50.0);
        let page = std::fs::read_to_string(dir.path().join("a_py.html")).expect("page");
        assert!(page.contains("<tr id=\"t2\" class=\"mis\">"), "{page}");
        assert!(page.contains("y = &lt;2&gt;"), "source is escaped");
        let (second, _) = render(&files, &options).expect("render");
        assert_eq!(second, HtmlOutcome { pages_written: 0, pages_unchanged: 1 });
    }
}
