//! A Python tokenizer for the statement rules: the tokens of `tokenize`, reduced to what
//! [`crate::analysis`] reads (kind, whether the text is more than white space, line span).
//!
//! It follows CPython's tokenizer where the rules can see a difference: logical lines (NEWLINE
//! only outside brackets, NL for blank and comment-only lines, backslash continuations),
//! INDENT and DEDENT, comments, strings of every prefix with triple quotes, and f-strings and
//! t-strings with nested replacement fields (3.12's rules, which accept all that earlier
//! versions do). An f-string is one token here; CPython 3.12+ splits it, but its brackets are
//! balanced and its colons nested, so the rules see the same thing.
//!
//! Anything it is not sure of (tabs or form feeds in indentation, carriage returns, text it
//! cannot close) makes it decline (`None`): the caller then asks Python's `tokenize`.

use crate::analysis::{Token, TokenKind};

struct Lexer<'a> {
    chars: Vec<char>,
    at: usize,
    line: u32,
    tokens: Vec<Token>,
    _text: &'a str,
}

/// The tokens of `text`, or None where this tokenizer defers to CPython's.
pub fn tokenize(text: &str) -> Option<Vec<Token>> {
    if text.contains('\r') || text.contains('\x0c') || text.contains('\0') || text.starts_with('\u{feff}') {
        return None;
    }
    let mut lexer = Lexer { chars: text.chars().collect(), at: 0, line: 1, tokens: Vec::new(), _text: text };
    lexer.run()?;
    Some(lexer.tokens)
}

fn is_name_start(c: char) -> bool {
    c == '_' || c.is_alphabetic() || (!c.is_ascii() && !c.is_whitespace())
}

fn is_name_char(c: char) -> bool {
    is_name_start(c) || c.is_ascii_digit() || (!c.is_ascii() && c.is_alphanumeric())
}

impl Lexer<'_> {
    fn peek(&self, offset: usize) -> Option<char> {
        self.chars.get(self.at + offset).copied()
    }

    fn push(&mut self, kind: TokenKind, non_blank: bool, start_line: u32) {
        self.tokens.push(Token { kind, non_blank, start_line, end_line: self.line });
    }

    fn run(&mut self) -> Option<()> {
        let mut indents: Vec<usize> = vec![0];
        let mut nesting: usize = 0;
        // At the start of a physical line that begins a logical line.
        let mut line_start = true;
        // The current logical line has a token already (so its end is a NEWLINE, not an NL).
        let mut in_logical = false;
        while self.at < self.chars.len() {
            if line_start && nesting == 0 {
                line_start = false;
                let mut column = 0;
                while let Some(c) = self.peek(0) {
                    match c {
                        ' ' => column += 1,
                        '\t' => return None,
                        _ => break,
                    }
                    self.at += 1;
                }
                match self.peek(0) {
                    // Blank or comment-only line: no INDENT/DEDENT, an NL at its end.
                    None => break,
                    Some('\n') => {
                        self.push(TokenKind::Other, false, self.line);
                        self.at += 1;
                        self.line += 1;
                        line_start = true;
                        continue;
                    }
                    Some('#') => {
                        self.comment();
                        if self.peek(0) == Some('\n') {
                            self.push(TokenKind::Other, false, self.line);
                            self.at += 1;
                            self.line += 1;
                        }
                        line_start = true;
                        continue;
                    }
                    // A continuation before any token of the line: left to CPython.
                    Some('\\') => return None,
                    _ => {
                        let current = *indents.last()?;
                        if column > current {
                            indents.push(column);
                            self.push(TokenKind::Indent, false, self.line);
                        } else {
                            while column < *indents.last()? {
                                indents.pop();
                                self.push(TokenKind::Dedent, false, self.line);
                            }
                            if column != *indents.last()? {
                                return None;
                            }
                        }
                    }
                }
            }
            let c = self.peek(0)?;
            match c {
                ' ' => self.at += 1,
                '\t' | '\x0c' => self.at += 1,
                '\n' => {
                    if nesting > 0 {
                        // Inside brackets: CPython emits an NL, the logical line goes on.
                        self.push(TokenKind::Other, false, self.line);
                    } else if in_logical {
                        self.push(TokenKind::Newline, false, self.line);
                        in_logical = false;
                        line_start = true;
                    } else {
                        self.push(TokenKind::Other, false, self.line);
                        line_start = true;
                    }
                    self.at += 1;
                    self.line += 1;
                }
                '#' => self.comment(),
                '\\' => {
                    if self.peek(1) != Some('\n') {
                        return None;
                    }
                    self.at += 2;
                    self.line += 1;
                }
                '(' | '[' | '{' => {
                    self.at += 1;
                    nesting += 1;
                    in_logical = true;
                    self.push(TokenKind::Op(c), true, self.line);
                }
                ')' | ']' | '}' => {
                    self.at += 1;
                    nesting = nesting.checked_sub(1)?;
                    in_logical = true;
                    self.push(TokenKind::Op(c), true, self.line);
                }
                ':' => {
                    in_logical = true;
                    if self.peek(1) == Some('=') {
                        self.at += 2;
                        self.push(TokenKind::Other, true, self.line);
                    } else {
                        self.at += 1;
                        self.push(TokenKind::Op(':'), true, self.line);
                    }
                }
                '"' | '\'' => {
                    in_logical = true;
                    let start = self.line;
                    self.string(false)?;
                    self.push(TokenKind::Other, true, start);
                }
                _ if is_name_start(c) => {
                    in_logical = true;
                    let start_at = self.at;
                    while self.peek(0).is_some_and(is_name_char) {
                        self.at += 1;
                    }
                    // A string prefix directly followed by a quote.
                    if matches!(self.peek(0), Some('"' | '\'')) && self.at - start_at <= 2 {
                        let prefix: String = self.chars[start_at..self.at].iter().collect::<String>().to_ascii_lowercase();
                        let formatted = prefix.contains('f') || prefix.contains('t');
                        let known = matches!(
                            prefix.as_str(),
                            "r" | "u" | "b" | "f" | "t" | "br" | "rb" | "fr" | "rf" | "tr" | "rt"
                        );
                        if known {
                            let start = self.line;
                            if formatted {
                                self.formatted_string(prefix.contains('r'))?;
                            } else {
                                self.string(prefix.contains('r'))?;
                            }
                            self.push(TokenKind::Other, true, start);
                            continue;
                        }
                    }
                    self.push(TokenKind::Other, true, self.line);
                }
                _ if c.is_ascii_digit() || (c == '.' && self.peek(1).is_some_and(|d| d.is_ascii_digit())) => {
                    in_logical = true;
                    self.number();
                    self.push(TokenKind::Other, true, self.line);
                }
                _ if c.is_ascii_punctuation() => {
                    in_logical = true;
                    self.operator();
                    self.push(TokenKind::Other, true, self.line);
                }
                _ => return None,
            }
        }
        if nesting != 0 {
            return None;
        }
        // The end: a NEWLINE for a last line without one, DEDENTs, the ENDMARKER.
        if in_logical {
            self.push(TokenKind::Newline, false, self.line);
            self.line += 1;
        }
        while indents.len() > 1 {
            indents.pop();
            self.push(TokenKind::Dedent, false, self.line);
        }
        self.push(TokenKind::Other, false, self.line);
        Some(())
    }

    fn comment(&mut self) {
        while self.peek(0).is_some_and(|c| c != '\n') {
            self.at += 1;
        }
        self.push(TokenKind::Comment, true, self.line);
    }

    fn number(&mut self) {
        while let Some(c) = self.peek(0) {
            if c.is_ascii_alphanumeric() || c == '_' || c == '.' {
                self.at += 1;
            } else if matches!(c, '+' | '-') && matches!(self.chars.get(self.at.wrapping_sub(1)), Some('e' | 'E')) {
                // An exponent's sign (hex digits never reach here with a sign after them
                // in valid code, except 0x1e+1, which CPython reads as 0x1e + 1).
                let hex = self.chars.get(self.at.saturating_sub(3)..self.at).is_some_and(|s| s.iter().any(|&c| c == 'x' || c == 'X'));
                if hex {
                    break;
                }
                self.at += 1;
            } else {
                break;
            }
        }
    }

    fn operator(&mut self) {
        const THREE: [&str; 5] = ["**=", "//=", ">>=", "<<=", "..."];
        const TWO: [&str; 19] =
            ["!=", "%=", "&=", "**", "*=", "+=", "-=", "->", "//", "/=", "<<", "<=", "==", ">=", ">>", "@=", "^=", "|=", ":="];
        let rest: String = self.chars[self.at..(self.at + 3).min(self.chars.len())].iter().collect();
        if THREE.iter().any(|op| rest.starts_with(op)) {
            self.at += 3;
        } else if TWO.iter().any(|op| rest.starts_with(op)) {
            self.at += 2;
        } else {
            self.at += 1;
        }
    }

    /// A string from its opening quote (the prefix already read): to its closing quote.
    fn string(&mut self, raw: bool) -> Option<()> {
        let quote = self.peek(0)?;
        let triple = self.peek(1) == Some(quote) && self.peek(2) == Some(quote);
        self.at += if triple { 3 } else { 1 };
        loop {
            let c = self.peek(0)?;
            match c {
                '\\' => {
                    // Escapes (and, in raw strings, the character kept after a backslash).
                    let _ = raw;
                    if self.peek(1) == Some('\n') {
                        self.line += 1;
                    }
                    self.at += 2;
                }
                '\n' => {
                    if !triple {
                        return None;
                    }
                    self.line += 1;
                    self.at += 1;
                }
                _ if c == quote => {
                    if !triple {
                        self.at += 1;
                        return Some(());
                    }
                    if self.peek(1) == Some(quote) && self.peek(2) == Some(quote) {
                        self.at += 3;
                        return Some(());
                    }
                    self.at += 1;
                }
                _ => self.at += 1,
            }
        }
    }

    /// An f-string or t-string from its opening quote: literal text, and replacement fields
    /// holding expressions (with strings of their own, any quotes) and format specs.
    fn formatted_string(&mut self, raw: bool) -> Option<()> {
        let quote = self.peek(0)?;
        let triple = self.peek(1) == Some(quote) && self.peek(2) == Some(quote);
        self.at += if triple { 3 } else { 1 };
        self.formatted_literal(quote, triple, raw, false)
    }

    /// Literal text of an f-string (or of a format spec, `in_spec`, which ends at its `}`).
    fn formatted_literal(&mut self, quote: char, triple: bool, raw: bool, in_spec: bool) -> Option<()> {
        loop {
            let c = self.peek(0)?;
            match c {
                '\\' => {
                    if self.peek(1) == Some('\n') {
                        self.line += 1;
                    }
                    // `\{` is not an escape of the brace: only skip what follows if not a brace.
                    if matches!(self.peek(1), Some('{' | '}')) {
                        self.at += 1;
                    } else {
                        self.at += 2;
                    }
                    let _ = raw;
                }
                '\n' => {
                    if !triple {
                        return None;
                    }
                    self.line += 1;
                    self.at += 1;
                }
                '{' => {
                    if !in_spec && self.peek(1) == Some('{') {
                        self.at += 2;
                    } else {
                        self.at += 1;
                        self.replacement_field(quote, triple, raw)?;
                    }
                }
                '}' => {
                    if in_spec {
                        return Some(());
                    }
                    if self.peek(1) == Some('}') {
                        self.at += 2;
                    } else {
                        return None;
                    }
                }
                _ if c == quote && !in_spec => {
                    if !triple {
                        self.at += 1;
                        return Some(());
                    }
                    if self.peek(1) == Some(quote) && self.peek(2) == Some(quote) {
                        self.at += 3;
                        return Some(());
                    }
                    self.at += 1;
                }
                _ if c == quote && in_spec && !triple => return None,
                _ => self.at += 1,
            }
        }
    }

    /// A replacement field after its `{`: an expression, then `=`, `!conversion`, `:spec`, up
    /// to its `}` (consumed).
    fn replacement_field(&mut self, quote: char, triple: bool, raw: bool) -> Option<()> {
        let mut depth: usize = 0;
        loop {
            let c = self.peek(0)?;
            match c {
                '\n' => {
                    self.line += 1;
                    self.at += 1;
                }
                '(' | '[' | '{' => {
                    depth += 1;
                    self.at += 1;
                }
                ')' | ']' => {
                    depth = depth.checked_sub(1)?;
                    self.at += 1;
                }
                '}' => {
                    if depth == 0 {
                        self.at += 1;
                        return Some(());
                    }
                    depth -= 1;
                    self.at += 1;
                }
                ':' if depth == 0 => {
                    self.at += 1;
                    self.formatted_literal(quote, triple, raw, true)?;
                    // formatted_literal stops at the field's `}`.
                    self.at += 1;
                    return Some(());
                }
                '!' if depth == 0 && self.peek(1) != Some('=') => self.at += 1,
                '"' | '\'' => {
                    self.string(false)?;
                }
                '#' => return None,
                _ if is_name_start(c) => {
                    let start_at = self.at;
                    while self.peek(0).is_some_and(is_name_char) {
                        self.at += 1;
                    }
                    if matches!(self.peek(0), Some('"' | '\'')) && self.at - start_at <= 2 {
                        let prefix: String = self.chars[start_at..self.at].iter().collect::<String>().to_ascii_lowercase();
                        if prefix.contains('f') || prefix.contains('t') {
                            self.formatted_string(prefix.contains('r'))?;
                        } else {
                            self.string(prefix.contains('r'))?;
                        }
                    }
                }
                _ => self.at += 1,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(text: &str) -> Vec<(TokenKind, u32, u32)> {
        tokenize(text).expect("tokens").into_iter().map(|t| (t.kind, t.start_line, t.end_line)).collect()
    }

    #[test]
    fn logical_lines_and_indentation() {
        let tokens = kinds("def f(a,\n      b):\n    return a\n\nx = 1\n");
        let newlines: Vec<u32> = tokens.iter().filter(|t| t.0 == TokenKind::Newline).map(|t| t.2).collect();
        assert_eq!(newlines, vec![2, 3, 5]);
        assert_eq!(tokens.iter().filter(|t| t.0 == TokenKind::Indent).count(), 1);
        assert_eq!(tokens.iter().filter(|t| t.0 == TokenKind::Dedent).count(), 1);
    }

    #[test]
    fn strings_span_their_lines() {
        let tokens = kinds("x = '''a\nb\nc'''\ny = f\"{x['k']:>{w}}\" # c\n");
        assert!(tokens.contains(&(TokenKind::Other, 1, 3)));
        assert!(tokens.contains(&(TokenKind::Comment, 4, 4)));
        let tokens = kinds("s = f\"{'}'}\" + f'{a!r:{b}}' + rb'\\'' \n");
        assert_eq!(tokens.iter().filter(|t| t.0 == TokenKind::Newline).count(), 1);
    }

    #[test]
    fn declines_what_it_does_not_know() {
        assert!(tokenize("if x:\n\ty = 1\n").is_none());
        assert!(tokenize("x = 'open\n").is_none());
        assert!(tokenize("x = (1\n").is_none());
    }
}
