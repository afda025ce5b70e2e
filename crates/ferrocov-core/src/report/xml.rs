//! Cobertura XML, as coverage.py writes it (its minidom pretty-printing included), so that a
//! diff against coverage.py's file shows only the timestamp and the version.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::{human_compare, FileResult};

const DTD_URL: &str =
    "https://raw.githubusercontent.com/cobertura/web/master/htdocs/xml/coverage-04.dtd";

/// What the XML report needs besides the files.
pub struct XmlOptions<'a> {
    /// The `source` settings that exist as paths, made absolute.
    pub source_paths: Vec<String>,
    pub package_depth: usize,
    pub skip_empty: bool,
    pub version: &'a str,
    pub timestamp_ms: u128,
    /// ferrocov's extra fact, written as an XML comment: (processes, ended uncleanly).
    pub processes: Option<(u64, u64)>,
    /// Whose rules: coverage.py 7.18 keeps a class per file, in the order of the files'
    /// paths (two files with one relative name are two classes); 7.16 (3.10) kept one class
    /// per relative name, in that name's order.
    pub rules: super::ReportRules,
}

/// coverage.py's `rate()`: "0" and "1" only when exact, otherwise four significant digits.
pub fn rate(hit: usize, num: usize) -> String {
    if num == 0 || hit == num {
        "1".to_string()
    } else if hit == 0 {
        "0".to_string()
    } else {
        let fraction = (hit as f64 / num as f64).clamp(0.0001, 0.9999);
        format_g4(fraction)
    }
}

/// Python's `f"{x:.4g}"` for 0.0001 <= x < 1.
fn format_g4(x: f64) -> String {
    // Four significant digits: the exponent of x decides the decimals.
    let exponent = x.abs().log10().floor() as i32;
    let decimals = (3 - exponent).max(0) as usize;
    let mut text = format!("{x:.decimals$}");
    // Rounding can carry into a new digit (0.99995 -> 1.0000); re-format with one fewer.
    let digits = text
        .trim_start_matches("0.")
        .trim_start_matches('0')
        .trim_end_matches('0');
    if digits.len() > 4 && decimals > 0 {
        text = format!("{x:.prec$}", prec = decimals - 1);
    }
    if text.contains('.') {
        text = text.trim_end_matches('0').trim_end_matches('.').to_string();
    }
    text
}

fn escape_attribute(value: &str) -> String {
    value
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('"', "&quot;")
        .replace('>', "&gt;")
}

fn escape_text(value: &str) -> String {
    value
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

struct Package {
    classes: BTreeMap<String, String>,
    hits: usize,
    branches: usize,
    branch_hits: usize,
    lines: usize,
}

fn dirname(path: &str) -> &str {
    match path.rfind('/') {
        Some(index) => &path[..index],
        None => "",
    }
}

fn relpath(path: &str, start: &str) -> String {
    if start == "." || start.is_empty() {
        return path.to_string();
    }
    path.strip_prefix(&format!("{start}/"))
        .unwrap_or(path)
        .to_string()
}

/// The whole XML document.
pub fn render(files: &[&FileResult], options: &XmlOptions<'_>) -> String {
    let mut source_paths: Vec<String> = options.source_paths.clone();
    let mut packages: BTreeMap<String, Package> = BTreeMap::new();
    for file in files {
        if options.skip_empty && file.statements.is_empty() {
            continue;
        }
        let filename = file.path.replace('\\', "/");
        let mut relative = None;
        for source in &options.source_paths {
            let prefix = format!("{}/", source.replace('\\', "/"));
            if let Some(rest) = filename.strip_prefix(&prefix) {
                relative = Some(rest.to_string());
                break;
            }
        }
        let relative = match relative {
            Some(r) => r,
            None => {
                let r = file.name.replace('\\', "/");
                let root = file.path[..file.path.len().saturating_sub(r.len())]
                    .trim_end_matches(['/', '\\'])
                    .to_string();
                if !source_paths.contains(&root) {
                    source_paths.push(root);
                }
                r
            }
        };
        let directory = match dirname(&relative) {
            "" => ".".to_string(),
            d => d.to_string(),
        };
        let directory: String = directory
            .split('/')
            .take(options.package_depth)
            .collect::<Vec<_>>()
            .join("/");
        let package_name = directory.replace('/', ".");
        let package = packages.entry(package_name).or_insert_with(|| Package {
            classes: BTreeMap::new(),
            hits: 0,
            lines: 0,
            branches: 0,
            branch_hits: 0,
        });
        let class_lines = file.statements.len();
        let class_hits = class_lines - file.missing.len();
        let has_arcs = file.branches.is_some();
        let branch_stats = file.branch_stats();
        let missing_branch_arcs = file.missing_branch_arcs();
        let class_branches: usize = branch_stats.values().map(|&(t, _)| t as usize).sum();
        let class_branch_hits: usize = branch_stats.values().map(|&(_, k)| k as usize).sum();
        let class_branch_rate = if has_arcs {
            rate(class_branch_hits, class_branches)
        } else {
            "0".to_string()
        };
        let mut element = String::new();
        let _ = write!(
            element,
            "\t\t\t\t<class name=\"{}\" filename=\"{}\" complexity=\"0\" line-rate=\"{}\" branch-rate=\"{class_branch_rate}\">\n\t\t\t\t\t<methods/>\n",
            escape_attribute(&relpath(&relative, &directory)),
            escape_attribute(&relative),
            rate(class_hits, class_lines),
        );
        if file.statements.is_empty() {
            element.push_str("\t\t\t\t\t<lines/>\n");
        } else {
            element.push_str("\t\t\t\t\t<lines>\n");
            for line in &file.statements {
                let hits = u8::from(!file.missing.contains(line));
                let _ = write!(
                    element,
                    "\t\t\t\t\t\t<line number=\"{line}\" hits=\"{hits}\""
                );
                let key = *line as i32;
                if let Some(&(total, taken)) = branch_stats.get(&key) {
                    let percent = (100 * taken).checked_div(total).unwrap_or(0);
                    let _ = write!(
                        element,
                        " branch=\"true\" condition-coverage=\"{percent}% ({taken}/{total})\""
                    );
                }
                if let Some(exits) = missing_branch_arcs.get(&key) {
                    let names: Vec<String> = exits
                        .iter()
                        .map(|&b| {
                            if b < 0 {
                                "exit".to_string()
                            } else {
                                b.to_string()
                            }
                        })
                        .collect();
                    let _ = write!(element, " missing-branches=\"{}\"", names.join(","));
                }
                element.push_str("/>\n");
            }
            element.push_str("\t\t\t\t\t</lines>\n");
        }
        element.push_str("\t\t\t\t</class>\n");
        let key = match options.rules {
            super::ReportRules::Newest => filename,
            super::ReportRules::For310 => relative,
        };
        package.classes.insert(key, element);
        package.hits += class_hits;
        package.lines += class_lines;
        package.branches += class_branches;
        package.branch_hits += class_branch_hits;
    }

    let has_arcs = files.iter().any(|f| f.branches.is_some());
    let (mut lines_total, mut hits_total, mut branches_total, mut branch_hits_total) = (0, 0, 0, 0);
    let mut package_names: Vec<&String> = packages.keys().collect();
    package_names.sort_by(|a, b| human_compare(a, b));
    let mut body = String::new();
    for name in package_names {
        let package = &packages[name];
        let package_branch_rate = if has_arcs {
            rate(package.branch_hits, package.branches)
        } else {
            "0".to_string()
        };
        let _ = writeln!(
            body,
            "\t\t<package name=\"{}\" line-rate=\"{}\" branch-rate=\"{package_branch_rate}\" complexity=\"0\">",
            escape_attribute(name),
            rate(package.hits, package.lines)
        );
        let mut class_names: Vec<&String> = package.classes.keys().collect();
        class_names.sort_by(|a, b| human_compare(a, b));
        if class_names.is_empty() {
            body.push_str("\t\t\t<classes/>\n");
        } else {
            body.push_str("\t\t\t<classes>\n");
            for class in class_names {
                body.push_str(&package.classes[class]);
            }
            body.push_str("\t\t\t</classes>\n");
        }
        body.push_str("\t\t</package>\n");
        lines_total += package.lines;
        hits_total += package.hits;
        branches_total += package.branches;
        branch_hits_total += package.branch_hits;
    }
    // coverage.py sets these in a different order with and without branches.
    let branch_attributes = if has_arcs {
        format!(
            "branches-valid=\"{branches_total}\" branches-covered=\"{branch_hits_total}\" branch-rate=\"{}\" ",
            rate(branch_hits_total, branches_total)
        )
    } else {
        "branches-covered=\"0\" branches-valid=\"0\" branch-rate=\"0\" ".to_string()
    };

    let mut out = String::from("<?xml version=\"1.0\" ?>\n");
    let _ = writeln!(
        out,
        "<coverage version=\"{}\" timestamp=\"{}\" lines-valid=\"{lines_total}\" lines-covered=\"{hits_total}\" line-rate=\"{}\" {branch_attributes}complexity=\"0\">",
        escape_attribute(options.version),
        options.timestamp_ms,
        rate(hits_total, lines_total)
    );
    out.push_str("\t<!-- Generated by ferrocov, in coverage.py's format -->\n");
    let _ = writeln!(out, "\t<!-- Based on {DTD_URL} -->");
    if let Some((processes, unclean)) = options.processes {
        let noun = if processes == 1 {
            "process"
        } else {
            "processes"
        };
        let _ = writeln!(out, "\t<!-- ferrocov: {processes} {noun} measured, {unclean} ended without a clean close -->");
    }
    source_paths.sort_by(|a, b| human_compare(a, b));
    source_paths.dedup();
    if source_paths.is_empty() {
        out.push_str("\t<sources/>\n");
    } else {
        out.push_str("\t<sources>\n");
        for source in &source_paths {
            let _ = writeln!(out, "\t\t<source>{}</source>", escape_text(source));
        }
        out.push_str("\t</sources>\n");
    }
    if body.is_empty() {
        out.push_str("\t<packages/>\n");
    } else {
        out.push_str("\t<packages>\n");
        out.push_str(&body);
        out.push_str("\t</packages>\n");
    }
    out.push_str("</coverage>\n");
    out
}

/// The total percentage the XML report returns (coverage.py: 0 when there are no lines).
pub fn total_percent(files: &[&FileResult]) -> f64 {
    let lines: usize = files.iter().map(|f| f.statements.len()).sum();
    let hits: usize = files
        .iter()
        .map(|f| f.statements.len() - f.missing.len())
        .sum();
    let stats: Vec<(u32, u32)> = files
        .iter()
        .flat_map(|f| f.branch_stats().into_values())
        .collect();
    let branches: usize = stats.iter().map(|&(t, _)| t as usize).sum();
    let branch_hits: usize = stats.iter().map(|&(_, k)| k as usize).sum();
    let denominator = lines + branches;
    if denominator == 0 {
        0.0
    } else {
        100.0 * (hits + branch_hits) as f64 / denominator as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_match_python_g_format() {
        assert_eq!(rate(1, 3), "0.3333");
        assert_eq!(rate(2, 3), "0.6667");
        assert_eq!(rate(1, 2), "0.5");
        assert_eq!(rate(0, 3), "0");
        assert_eq!(rate(3, 3), "1");
        assert_eq!(rate(1, 100000), "0.0001");
        assert_eq!(rate(99999, 100000), "0.9999");
        assert_eq!(rate(1, 40), "0.025");
        assert_eq!(rate(7, 9), "0.7778");
    }
}
