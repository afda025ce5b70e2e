//! Syntax highlighting for the HTML report: Python source split into tokens per line, each with
//! the class coverage.py's HTML report gives it (`key` keyword, `nam` name, `num` number, `str`
//! string, `com` comment, `op` operator, `ws` whitespace, `txt` anything else). A highlighter,
//! not a parser: it never fails, whatever the text, and strings that span lines (triple-quoted,
//! or continued with a backslash) keep their class on every line.

/// One token of a line: its class and its text.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Token {
    pub class: &'static str,
    pub text: String,
}

const KEYWORDS: &[&str] = &[
    "False", "None", "True", "and", "as", "assert", "async", "await", "break", "class", "continue",
    "def", "del", "elif", "else", "except", "finally", "for", "from", "global", "if", "import",
    "in", "is", "lambda", "nonlocal", "not", "or", "pass", "raise", "return", "try", "while",
    "with", "yield",
];

/// Soft keywords: keywords only at the start of a statement (`match x:`, `case 1:`, `type X = ...`).
const SOFT_KEYWORDS: &[&str] = &["match", "case", "type"];

/// The string being continued from an earlier line: its closing quote.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Open {
    None,
    Triple(char),
    Single(char),
}

/// The tokens of each line of `source` (lines as `str::lines` splits them).
pub fn lines(source: &str) -> Vec<Vec<Token>> {
    let mut open = Open::None;
    source
        .lines()
        .map(|line| line_tokens(line, &mut open))
        .collect()
}

fn push(tokens: &mut Vec<Token>, class: &'static str, text: &str) {
    if text.is_empty() {
        return;
    }
    if let Some(last) = tokens.last_mut() {
        if last.class == class
            && (class == "ws" || class == "str" || class == "com" || class == "txt")
        {
            last.text.push_str(text);
            return;
        }
    }
    tokens.push(Token {
        class,
        text: text.to_string(),
    });
}

/// Where a string that starts at `start` (after its prefix) ends on this line, or None if it
/// goes on to the next line; `quote` is its quote character, `triple` whether it is tripled.
fn string_end(chars: &[char], start: usize, quote: char, triple: bool) -> Option<usize> {
    let mut index = start;
    while index < chars.len() {
        let c = chars[index];
        if c == '\\' {
            index += 2;
            continue;
        }
        if c == quote {
            if !triple {
                return Some(index + 1);
            }
            if index + 2 < chars.len() && chars[index + 1] == quote && chars[index + 2] == quote {
                return Some(index + 3);
            }
        }
        index += 1;
    }
    None
}

fn line_tokens(line: &str, open: &mut Open) -> Vec<Token> {
    let chars: Vec<char> = line.chars().collect();
    let text =
        |from: usize, to: usize| -> String { chars[from..to.min(chars.len())].iter().collect() };
    let mut tokens = Vec::new();
    let mut index = 0;
    // A string continued from the line before.
    match *open {
        Open::Triple(quote) | Open::Single(quote) => {
            let triple = matches!(*open, Open::Triple(_));
            match string_end(&chars, 0, quote, triple) {
                Some(end) => {
                    push(&mut tokens, "str", &text(0, end));
                    index = end;
                    *open = Open::None;
                }
                None => {
                    push(&mut tokens, "str", line);
                    if !triple && !line.ends_with('\\') {
                        *open = Open::None;
                    }
                    return tokens;
                }
            }
        }
        Open::None => {}
    }
    let mut statement_start = chars[..index].iter().all(|c| c.is_whitespace());
    while index < chars.len() {
        let c = chars[index];
        if c.is_whitespace() {
            let start = index;
            while index < chars.len() && chars[index].is_whitespace() {
                index += 1;
            }
            push(&mut tokens, "ws", &text(start, index));
            continue;
        }
        if c == '#' {
            push(&mut tokens, "com", &text(index, chars.len()));
            break;
        }
        // A string, with any prefix (r, b, f, u, t and their combinations).
        let mut prefix_end = index;
        while prefix_end < chars.len()
            && prefix_end - index < 2
            && "rRbBfFuUtT".contains(chars[prefix_end])
        {
            prefix_end += 1;
        }
        if prefix_end < chars.len() && (chars[prefix_end] == '"' || chars[prefix_end] == '\'') {
            let quote = chars[prefix_end];
            let triple = prefix_end + 2 < chars.len()
                && chars[prefix_end + 1] == quote
                && chars[prefix_end + 2] == quote;
            let body = prefix_end + if triple { 3 } else { 1 };
            match string_end(&chars, body, quote, triple) {
                Some(end) => {
                    push(&mut tokens, "str", &text(index, end));
                    index = end;
                }
                None => {
                    push(&mut tokens, "str", &text(index, chars.len()));
                    if triple {
                        *open = Open::Triple(quote);
                    } else if line.ends_with('\\') {
                        *open = Open::Single(quote);
                    }
                    return tokens;
                }
            }
            statement_start = false;
            continue;
        }
        if c.is_alphabetic() || c == '_' {
            let start = index;
            while index < chars.len() && (chars[index].is_alphanumeric() || chars[index] == '_') {
                index += 1;
            }
            let word = text(start, index);
            let rest_is_code = chars[index..]
                .iter()
                .find(|c| !c.is_whitespace())
                .is_some_and(|&c| {
                    c.is_alphanumeric()
                        || c == '_'
                        || c == '('
                        || c == '['
                        || c == '-'
                        || c == '{'
                        || c == '"'
                        || c == '\''
                });
            let class = if KEYWORDS.contains(&word.as_str())
                || (statement_start && SOFT_KEYWORDS.contains(&word.as_str()) && rest_is_code)
            {
                "key"
            } else {
                "nam"
            };
            push(&mut tokens, class, &word);
            statement_start = false;
            continue;
        }
        if c.is_ascii_digit()
            || (c == '.' && chars.get(index + 1).is_some_and(|d| d.is_ascii_digit()))
        {
            let start = index;
            index += 1;
            while index < chars.len() {
                let d = chars[index];
                let exponent_sign = (d == '+' || d == '-')
                    && matches!(chars[index - 1], 'e' | 'E')
                    && !text(start, index).starts_with("0x");
                if d.is_ascii_alphanumeric() || d == '_' || d == '.' || exponent_sign {
                    index += 1;
                } else {
                    break;
                }
            }
            push(&mut tokens, "num", &text(start, index));
            statement_start = false;
            continue;
        }
        if "+-*/%@&|^~<>=!:;,.()[]{}".contains(c) {
            let start = index;
            index += 1;
            // Operators of two or three characters stay one token.
            while index < chars.len()
                && index - start < 3
                && "=<>*/-!:".contains(chars[index])
                && !"()[]{},;".contains(c)
            {
                index += 1;
            }
            push(&mut tokens, "op", &text(start, index));
            statement_start = c == ';';
            continue;
        }
        push(&mut tokens, "txt", &text(index, index + 1));
        index += 1;
    }
    tokens
}

#[cfg(test)]
mod tests {
    use super::*;

    fn classes(source: &str) -> Vec<Vec<(&'static str, String)>> {
        lines(source)
            .into_iter()
            .map(|line| line.into_iter().map(|t| (t.class, t.text)).collect())
            .collect()
    }

    #[test]
    fn a_function() {
        let found = classes("def f(x):  # doc\n    return x + 1.5e-3\n");
        assert_eq!(
            found[0],
            vec![
                ("key", "def".into()),
                ("ws", " ".into()),
                ("nam", "f".into()),
                ("op", "(".into()),
                ("nam", "x".into()),
                ("op", ")".into()),
                ("op", ":".into()),
                ("ws", "  ".into()),
                ("com", "# doc".into())
            ]
        );
        assert_eq!(found[1][1], ("key", "return".into()));
        assert_eq!(found[1].last(), Some(&("num", "1.5e-3".into())));
    }

    #[test]
    fn strings_across_lines_and_prefixes() {
        let found =
            classes("x = '''one\ntwo # not a comment\nthree''' + rb'\\'' + f\"{y}\"\nz = 1\n");
        assert_eq!(found[1], vec![("str", "two # not a comment".into())]);
        assert_eq!(found[2][0], ("str", "three'''".into()));
        assert!(found[2].contains(&("str", "rb'\\''".into())));
        assert!(found[2].contains(&("str", "f\"{y}\"".into())));
        assert_eq!(found[3][0], ("nam", "z".into()));
    }

    #[test]
    fn soft_keywords_only_where_they_are_keywords() {
        assert_eq!(classes("match command:\n")[0][0].0, "key");
        assert_eq!(classes("match = 3\n")[0][0].0, "nam");
        assert_eq!(classes("type X = int\n")[0][0].0, "key");
        assert_eq!(classes("print(type(x))\n")[0][2].0, "nam");
    }

    #[test]
    fn never_fails_and_keeps_every_character() {
        for source in [
            "'unterminated\n",
            "\"\"\"\n",
            "x = \\\n  1\n",
            "é = 'ü' # ☃\n",
            "@decorator\n",
            "0x1F + 1_000 + .5j\n",
        ] {
            let rebuilt: String = lines(source)
                .iter()
                .map(|line| line.iter().map(|t| t.text.as_str()).collect::<String>() + "\n")
                .collect();
            assert_eq!(rebuilt, source, "{source:?}");
        }
    }
}
