//! Count the arc edges the probe planner cannot work out, over code objects dumped one per line
//! as `first_line code_hex linetable_hex exceptiontable_hex|- name` (a development aid: dump
//! the code objects of a tree of sources with the Python whose bytecode they are, then
//! `cargo run --example probe_stats FILE [3.10]`).
use ferrocov_core::probes::{instrument, Version};

fn hex(text: &str) -> Vec<u8> {
    if text == "-" {
        return Vec::new();
    }
    (0..text.len() / 2)
        .filter_map(|i| u8::from_str_radix(&text[2 * i..2 * i + 2], 16).ok())
        .collect()
}

fn main() {
    let Some(path) = std::env::args().nth(1) else {
        eprintln!("usage: probe_stats FILE");
        std::process::exit(2);
    };
    let version = match std::env::args().nth(2).as_deref() {
        Some("3.10") => Version::V310,
        _ => Version::V311,
    };
    let text = std::fs::read_to_string(&path).unwrap_or_default();
    let (mut codes, mut failed, mut unresolved, mut with_unresolved, mut probes) = (0, 0, 0, 0, 0);
    for line in text.lines() {
        let fields: Vec<&str> = line.splitn(5, ' ').collect();
        let [first, code, table, exceptions, name] = fields[..] else {
            continue;
        };
        let first: i32 = first.parse().unwrap_or(1);
        codes += 1;
        match instrument(
            version,
            &hex(code),
            &hex(table),
            &hex(exceptions),
            first,
            10,
            true,
        ) {
            None => {
                failed += 1;
                println!("not instrumented: {name}");
            }
            Some(out) => {
                probes += out.probes;
                if out.unresolved > 0 {
                    unresolved += out.unresolved;
                    with_unresolved += 1;
                    println!("unresolved {}: {name}", out.unresolved);
                }
            }
        }
    }
    println!("{codes} code objects, {failed} not instrumented, {probes} once-probes, {unresolved} unresolved edges in {with_unresolved} code objects");
}
