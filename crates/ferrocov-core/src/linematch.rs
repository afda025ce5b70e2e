//! The lines an exclusion regex matches (coverage.py's `lines_matching`), found by the `regex`
//! crate where that is certain to find what Python's `re` finds.
//!
//! coverage.py runs its joined exclusion patterns (`# pragma: no cover` and the rest) over every
//! file with `re.finditer` in multi-line mode and marks every line from a match's start to its end.
//! Python's `re` tries each pattern at every character, which makes this a third of a line-mode
//! report; the `regex` crate scans the text once. The two engines agree on what a match is
//! (leftmost-first, the same greedy and lazy repetitions) for the syntax both accept, and on the
//! character classes for ASCII text, so a [`LineRegex`] is built only for a pattern inside a
//! conservative subset of that syntax ([`is_portable`]) and used only on ASCII text without the
//! four control characters Python counts as white space and `regex` does not (0x1C–0x1F).
//! Anything else is left to Python's `re` by the caller.
//!
//! Empty matches are the one thing the two iterate differently (Python reports an empty match
//! right after a non-empty one, `regex` skips it); such a match lies on the line the previous
//! match ended on, so the lines marked are the same.

use regex::Regex;

/// A compiled exclusion pattern, when it is [`is_portable`].
#[derive(Debug, Clone)]
pub struct LineRegex {
    regex: Regex,
}

impl LineRegex {
    /// `None` when the pattern is outside the portable subset or `regex` refuses it.
    pub fn new(pattern: &str) -> Option<LineRegex> {
        if !is_portable(pattern) {
            return None;
        }
        Regex::new(&format!("(?m){pattern}"))
            .ok()
            .map(|regex| LineRegex { regex })
    }

    /// The 1-based lines the matches cover, sorted; `None` when `text` is not one this engine
    /// reads as Python's `re` does (the caller then asks `re`).
    pub fn lines(&self, text: &str) -> Option<Vec<u32>> {
        if !text
            .bytes()
            .all(|b| b.is_ascii() && !(0x1C..=0x1F).contains(&b))
        {
            return None;
        }
        let bytes = text.as_bytes();
        let newlines =
            |from: usize, to: usize| bytes[from..to].iter().filter(|&&b| b == b'\n').count() as u32;
        let mut lines: Vec<u32> = Vec::new();
        let (mut last_start, mut last_start_line) = (0usize, 0u32);
        for found in self.regex.find_iter(text) {
            let start_line = last_start_line + newlines(last_start, found.start());
            let end_line = start_line + newlines(found.start(), found.end());
            lines.extend(start_line + 1..=end_line + 1);
            last_start = found.start();
            last_start_line = start_line;
        }
        lines.sort_unstable();
        lines.dedup();
        Some(lines)
    }
}

/// Whether a Python regex is inside the syntax `regex` reads the same way: literals, `.`, `^`,
/// `$`, `|`, groups (plain, `(?:`, `(?P<name>`, `(?ims)` and `(?ims:` flags), `* + ? {n} {n,}
/// {n,m}` with or without `?`, classes without nesting or set operations, and the escapes
/// `\s \S \d \D \w \W \b \B \n \t \r` and of punctuation. Look-arounds, back-references, `\A`,
/// `\Z`, verbose mode, possessive repetitions, non-ASCII characters: not portable.
pub fn is_portable(pattern: &str) -> bool {
    /// What the previous item was, for what may follow it.
    #[derive(PartialEq)]
    enum Last {
        /// Nothing repeatable: the start, `(`, `|`, `^`, `$`, `\b`, or a lazy repetition's `?`.
        Fixed,
        /// An atom that a repetition may follow.
        Atom,
        /// A repetition, which only a `?` (lazy) may follow.
        Repetition,
    }
    let chars: Vec<char> = pattern.chars().collect();
    let mut i = 0;
    let mut last = Last::Fixed;
    while i < chars.len() {
        let c = chars[i];
        if !c.is_ascii() || c.is_ascii_control() {
            return false;
        }
        let (next, len) = match c {
            '\\' => {
                let Some(&escaped) = chars.get(i + 1) else {
                    return false;
                };
                if !portable_escape(escaped) {
                    return false;
                }
                (
                    if matches!(escaped, 'b' | 'B') {
                        Last::Fixed
                    } else {
                        Last::Atom
                    },
                    2,
                )
            }
            '[' => {
                let Some(end) = class_end(&chars, i) else {
                    return false;
                };
                (Last::Atom, end + 1 - i)
            }
            '(' if chars.get(i + 1) == Some(&'?') => {
                let Some(skip) = group_prefix(&chars[i + 2..]) else {
                    return false;
                };
                (Last::Fixed, 2 + skip)
            }
            '?' if last == Last::Repetition => (Last::Fixed, 1),
            '*' | '+' | '?' if last == Last::Atom => (Last::Repetition, 1),
            '{' if last == Last::Atom => {
                let Some(len) = counted_repetition(&chars[i..]) else {
                    return false;
                };
                (Last::Repetition, len)
            }
            '*' | '+' | '?' | '{' | '}' | ']' => return false,
            '(' | '^' | '$' | '|' => (Last::Fixed, 1),
            _ => (Last::Atom, 1),
        };
        last = next;
        i += len;
    }
    true
}

fn portable_escape(c: char) -> bool {
    matches!(
        c,
        's' | 'S' | 'd' | 'D' | 'w' | 'W' | 'b' | 'B' | 'n' | 't' | 'r'
    ) || (c.is_ascii_punctuation() && !matches!(c, '<' | '>'))
        || c == ' '
}

/// The index of the `]` closing the class opened at `open`, if the class is portable: no
/// nested `[`, no `&&`, `--`, `~~` (set operations in `regex`), no `]` first (a literal in
/// Python), escapes as outside.
fn class_end(chars: &[char], open: usize) -> Option<usize> {
    let mut i = open + 1;
    if chars.get(i) == Some(&'^') {
        i += 1;
    }
    if chars.get(i) == Some(&']') {
        return None;
    }
    while i < chars.len() {
        let c = chars[i];
        if !c.is_ascii() || c.is_ascii_control() {
            return None;
        }
        match c {
            ']' => return Some(i),
            '[' => return None,
            '\\' => {
                let next = *chars.get(i + 1)?;
                if !portable_escape(next) || matches!(next, 'b' | 'B') {
                    return None;
                }
                i += 2;
                continue;
            }
            '&' | '-' | '~' if chars.get(i + 1) == Some(&c) => return None,
            _ => {}
        }
        i += 1;
    }
    None
}

/// How many characters after `(?` belong to the group's prefix: `:`, `P<name>`, or flags from
/// `ims` ending in `)` or `:`. `None` for anything else (look-arounds, comments, back-references,
/// conditionals, atomic groups, other flags).
fn group_prefix(rest: &[char]) -> Option<usize> {
    match rest.first()? {
        ':' => Some(1),
        'P' => {
            if rest.get(1) != Some(&'<') {
                return None;
            }
            let close = rest.iter().position(|&c| c == '>')?;
            let name = &rest[2..close];
            let valid = !name.is_empty()
                && !name[0].is_ascii_digit()
                && name.iter().all(|c| c.is_ascii_alphanumeric() || *c == '_');
            valid.then_some(close + 1)
        }
        _ => {
            let flags = rest
                .iter()
                .take_while(|c| matches!(c, 'i' | 'm' | 's'))
                .count();
            (flags > 0 && matches!(rest.get(flags), Some(')') | Some(':'))).then_some(flags + 1)
        }
    }
}

/// The length of `{n}`, `{n,}` or `{n,m}` at the start of `rest` (Python reads any other `{` as a
/// literal, `regex` as an error: not portable either way).
fn counted_repetition(rest: &[char]) -> Option<usize> {
    let close = rest.iter().position(|&c| c == '}')?;
    let inner: String = rest[1..close].iter().collect();
    let (low, high) = match inner.split_once(',') {
        Some((low, high)) => (low, Some(high)),
        None => (inner.as_str(), None),
    };
    let digits = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_digit()) && s.len() <= 4;
    let ok = digits(low) && high.is_none_or(|h| h.is_empty() || digits(h));
    ok.then_some(close + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    const DEFAULTS: [&str; 3] = [
        r"#\s*(pragma|PRAGMA)[:\s]?\s*(no|NO)\s*(cover|COVER)",
        r"^\s*(((async )?def .*?)?[\])]+(\s*->.*?)?:\s*)?\.\.\.\s*(#|$)",
        r"^\s*if (typing\.)?TYPE_CHECKING:",
    ];

    #[test]
    fn coverage_py_defaults_are_portable() {
        let joined = DEFAULTS
            .iter()
            .map(|p| format!("(?:{p})"))
            .collect::<Vec<_>>()
            .join("|");
        assert!(LineRegex::new(&joined).is_some());
        for pattern in DEFAULTS {
            assert!(is_portable(pattern), "{pattern}");
        }
    }

    #[test]
    fn what_regex_reads_differently_is_not_portable() {
        for pattern in [
            r"(?=x)",
            r"(?!x)",
            r"(?<=x)",
            r"(?<!x)",
            r"(\w)\1",
            r"(?P=n)",
            r"\Ax",
            r"x\Z",
            r"(?x) a b",
            r"a*+",
            r"a++",
            r"a?+",
            r"[[:alpha:]]",
            r"[a&&b]",
            r"[a--b]",
            r"[]a]",
            r"x{,3}",
            r"x{a}",
            r"(?#c)",
            r"(?>a)",
            r"\x41",
            r"\u0041",
            r"é",
            r"\1",
            r"(?(1)a|b)",
            r"*a",
            r"a{2}{3}",
        ] {
            assert!(!is_portable(pattern), "{pattern} should not be portable");
        }
    }

    #[test]
    fn lazy_and_counted_repetitions_are_portable() {
        for pattern in [
            r"a*?b",
            r"a+?",
            r"a??",
            r"a{2}",
            r"a{2,}",
            r"a{2,5}?",
            r"(?i)pragma",
            r"(?s:a.b)",
            r"(?P<x>a)",
            r"[^\]\s-]",
        ] {
            assert!(is_portable(pattern), "{pattern}");
        }
    }

    #[test]
    fn lines_are_those_python_marks() {
        let joined = DEFAULTS
            .iter()
            .map(|p| format!("(?:{p})"))
            .collect::<Vec<_>>()
            .join("|");
        let regex = LineRegex::new(&joined).expect("portable");
        let text =
            "import x\n\nif TYPE_CHECKING:\n    pass\ndef f(): ...\nx = 1  # pragma: no cover\n";
        // The blank line 2 is inside the match of `^\s*if TYPE_CHECKING:` (coverage.py marks it too).
        assert_eq!(regex.lines(text), Some(vec![2, 3, 5, 6]));
        assert_eq!(regex.lines("x = 'é'  # pragma: no cover\n"), None);
        assert_eq!(regex.lines("x = 1\x1c\n"), None);
    }
}
