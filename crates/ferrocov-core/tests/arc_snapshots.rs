//! Declarative tests of the analysis, in the spirit of coverage.py's `check_coverage`: the
//! snippet families in `tests/snippets/*.py` (written by `tests/snippets/make.py`, each snippet
//! with the lines CPython 3.11's line table gives for it), and for each family one snapshot of
//! every snippet's statements and excluded lines (coverage.py's default exclusion pattern),
//! possible arcs, exit counts and missed-branch sentences. The Python test
//! `tests/test_snippets.py` holds the snapshots equal to coverage.py's analysis.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::Path;

use ferrocov_core::analysis::{analyze_text, multiline_map};
use ferrocov_core::arcs::{self, PythonVersion};
use ferrocov_core::linematch::LineRegex;
use ferrocov_core::tokens;
use ferrocov_core::tokens::{Rules, TokenRule};

/// The snapshots hold CPython 3.11.7's rules (its line tables are in the snippet files).
const VERSION: PythonVersion = PythonVersion {
    major: 3,
    minor: 11,
    micro: 7,
};

struct Snippet {
    name: String,
    code_lines: Vec<u32>,
    source: String,
}

fn snippets(family: &str) -> Vec<Snippet> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/snippets")
        .join(format!("{family}.py"));
    let text =
        std::fs::read_to_string(&path).unwrap_or_else(|err| panic!("{}: {err}", path.display()));
    let mut out: Vec<Snippet> = Vec::new();
    for line in text.split_inclusive('\n') {
        if let Some(name) = line.strip_prefix("# === ") {
            out.push(Snippet {
                name: name.trim().to_string(),
                code_lines: Vec::new(),
                source: String::new(),
            });
        } else if let Some(lines) = line.strip_prefix("# code lines:") {
            let snippet = out
                .last_mut()
                .unwrap_or_else(|| panic!("{}: code lines before a snippet", path.display()));
            snippet.code_lines = lines
                .split_whitespace()
                .map(|n| n.parse().unwrap_or_else(|_| panic!("bad line number {n}")))
                .collect();
        } else if let Some(snippet) = out.last_mut() {
            snippet.source.push_str(line);
        }
    }
    out
}

/// coverage.py's default exclusion pattern.
const EXCLUDE: &str = r"#\s*(pragma|PRAGMA)[:\s]?\s*(no|NO)\s*(cover|COVER)";

fn numbers<'a>(lines: impl IntoIterator<Item = &'a u32>) -> String {
    lines
        .into_iter()
        .map(u32::to_string)
        .collect::<Vec<_>>()
        .join(" ")
}

fn render(family: &str) -> String {
    let exclude =
        LineRegex::new(EXCLUDE).expect("the default pattern is one the regex crate reads");
    let mut out = String::new();
    let all = snippets(family);
    assert!(!all.is_empty(), "no snippets in {family}");
    for snippet in all {
        let tokens = tokens::tokenize(&snippet.source, TokenRule::PythonModule)
            .unwrap_or_else(|| panic!("{}: the tokenizer declined it", snippet.name));
        let multiline = multiline_map(&tokens);
        let analysis = arcs::analyze(&snippet.source, &snippet.code_lines, &multiline, VERSION)
            .unwrap_or_else(|| panic!("{}: ruff's parser declined it", snippet.name));
        let _ = writeln!(out, "== {}", snippet.name);
        let regex_excluded = exclude
            .lines(&snippet.source)
            .unwrap_or_else(|| panic!("{}: not ASCII", snippet.name));
        let statements = analyze_text(
            &snippet.source,
            snippet.code_lines.clone(),
            regex_excluded,
            Rules::for_version(VERSION.major, VERSION.minor),
        )
        .unwrap_or_else(|| panic!("{}: the statement analysis declined it", snippet.name))
        .analysis;
        let arcs: Vec<String> = analysis
            .possible
            .iter()
            .map(|(a, b)| format!("{a}>{b}"))
            .collect();
        let _ = writeln!(out, "arcs: {}", arcs.join(" "));
        let counts = analysis.exit_counts(&BTreeSet::new());
        let exits: Vec<String> = counts
            .iter()
            .map(|(line, count)| format!("{line}:{count}"))
            .collect();
        let _ = writeln!(out, "exits: {}", exits.join(" "));
        let _ = writeln!(out, "statements: {}", numbers(&statements.statements));
        let _ = writeln!(out, "excluded: {}", numbers(&statements.excluded));
        for &(a, b) in &analysis.possible {
            if counts.get(&a).is_some_and(|count| *count > 1) {
                let _ = writeln!(
                    out,
                    "  {a}>{b}: {} | {}",
                    analysis.action(a, b),
                    analysis.description(a, b)
                );
            }
        }
    }
    out
}

macro_rules! family {
    ($test:ident, $family:literal) => {
        #[test]
        fn $test() {
            insta::assert_snapshot!($family, render($family));
        }
    };
}

family!(if_statements, "if");
family!(loops, "loops");
family!(try_statements, "try");
family!(with_statements, "with");
family!(definitions, "definitions");
family!(match_statements, "match");
family!(statements, "statements");
family!(exclusions, "exclusions");
