//! coverage.py's LCOV report: `SF`, `DA`, `LF`/`LH`, `FN`/`FNDA`/`FNF`/`FNH`, `end_of_record`.

use std::fmt::Write as _;

use super::FileResult;

fn field(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { '?' } else { c })
        .collect()
}

/// Per file path, the checksum of each statement line (`[lcov] line_checksums`).
pub type LineChecksums = std::collections::HashMap<String, std::collections::BTreeMap<u32, String>>;

/// The total percentage an LCOV report stands for (statements and branches, as coverage.py's
/// `lcov --fail-under` compares), 0 when there are no statements.
pub fn total_percent(files: &[&FileResult]) -> f64 {
    let mut total = super::Numbers::default();
    for file in files {
        total.add(&super::Numbers::of(file));
    }
    if total.n_statements == 0 {
        0.0
    } else {
        total.pc_covered()
    }
}

/// The LCOV text for `files` (sorted by relative name, as coverage.py sorts them).
pub fn render(
    files: &[&FileResult],
    skip_empty: bool,
    checksums: Option<&LineChecksums>,
    rules: super::ReportRules,
) -> String {
    let mut sorted: Vec<&FileResult> = files.to_vec();
    sorted.sort_by(|a, b| a.name.cmp(&b.name));
    let mut out = String::new();
    for file in sorted {
        if file.statements.is_empty() && skip_empty {
            continue;
        }
        let _ = writeln!(out, "SF:{}", field(&file.name));
        let sums = checksums.and_then(|all| all.get(&file.path));
        for line in &file.statements {
            let _ = write!(out, "DA:{line},{}", u8::from(!file.missing.contains(line)));
            if let Some(sum) = sums.and_then(|sums| sums.get(line)) {
                let _ = write!(out, ",{sum}");
            }
            out.push('\n');
        }
        if !file.statements.is_empty() {
            let _ = writeln!(out, "LF:{}", file.statements.len());
            let _ = writeln!(out, "LH:{}", file.statements.len() - file.missing.len());
        }
        functions(file, &mut out, rules);
        if file.branches.is_some() {
            branches(file, &mut out);
        }
        out.push_str("end_of_record\n");
    }
    out
}

/// `FN`, `FNDA`, `FNF`, `FNH`. A function spans its body's lines (coverage.py 7.18: lcov 2.4
/// calls a file inconsistent when a hit signature line belongs to a function never hit); 7.16
/// (3.10) counted its `def` line in. A name taken already gets `@` and the line it starts at.
fn functions(file: &FileResult, out: &mut String, rules: super::ReportRules) {
    let mut found: Vec<(u32, u32, &super::Region)> = file
        .regions
        .iter()
        .filter(|r| r.kind == "function" && !r.lines.is_empty())
        .map(|r| {
            let low = r.lines.iter().next().copied().unwrap_or(r.start);
            let high = r.lines.iter().next_back().copied().unwrap_or(r.start);
            match rules {
                super::ReportRules::Newest => (low, high, r),
                super::ReportRules::For310 => (r.start.min(low), r.start.max(high), r),
            }
        })
        .collect();
    if found.is_empty() {
        return;
    }
    found.sort_by(|a, b| (a.0, a.1, &a.2.name).cmp(&(b.0, b.1, &b.2.name)));
    let (mut total, mut hit_count) = (0, 0);
    let mut names = std::collections::BTreeSet::new();
    let parts: Vec<&std::collections::BTreeSet<u32>> = found.iter().map(|f| &f.2.lines).collect();
    let all_narrowed = file.narrow_each(&parts);
    for ((first, last, region), narrowed) in found.into_iter().zip(all_narrowed) {
        if narrowed.statements.is_empty() {
            continue;
        }
        total += 1;
        let hit = u8::from(narrowed.statements.len() > narrowed.missing.len());
        hit_count += hit as usize;
        let mut name = field(&region.name);
        if names.contains(&name) {
            let at = match rules {
                super::ReportRules::Newest => region.start,
                super::ReportRules::For310 => first,
            };
            name = format!("{name}@{at}");
        } else {
            names.insert(name.clone());
        }
        let _ = writeln!(out, "FN:{first},{last},{name}");
        let _ = writeln!(out, "FNDA:{hit},{name}");
    }
    let _ = writeln!(out, "FNF:{total}");
    let _ = writeln!(out, "FNH:{hit_count}");
}

/// `BRDA` per branch (taken "1", not taken "0", or "-" when the line never went anywhere),
/// exits to the function's end after the others; then `BRF`/`BRH`.
fn branches(file: &FileResult, out: &mut String) {
    let Some(facts) = &file.branches else { return };
    let stats = file.branch_stats();
    let executed = file.executed_branch_arcs();
    let missing = file.missing_branch_arcs();
    for line in &file.statements {
        let key = *line as i32;
        let Some(&(_, taken)) = stats.get(&key) else {
            continue;
        };
        let mut destinations: Vec<(i32, &str)> = Vec::new();
        if taken == 0 {
            destinations.extend(missing.get(&key).into_iter().flatten().map(|&d| (d, "-")));
        } else {
            destinations.extend(executed.get(&key).into_iter().flatten().map(|&d| (d, "1")));
            destinations.extend(missing.get(&key).into_iter().flatten().map(|&d| (d, "0")));
        }
        destinations.sort_by(|a, b| (a.0 < 0, a.0, a.1).cmp(&(b.0 < 0, b.0, b.1)));
        for (destination, hit) in destinations {
            let _ = writeln!(
                out,
                "BRDA:{line},0,{},{hit}",
                field(&facts.action((key, destination)))
            );
        }
    }
    let total: u32 = stats.values().map(|&(t, _)| t).sum();
    let hit: u32 = stats.values().map(|&(_, k)| k).sum();
    if total > 0 {
        let _ = writeln!(out, "BRF:{total}");
        let _ = writeln!(out, "BRH:{hit}");
    }
}
