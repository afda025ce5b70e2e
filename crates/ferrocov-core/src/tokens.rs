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
//! A logical line that begins with backslash continuations is read two ways ([`TokenRule`]): as
//! CPython's compiler (and 3.12+'s `tokenize`) reads it, which the structure pass always uses,
//! and as 3.10/3.11's pure-Python `tokenize` reads it, which coverage.py's statement rules saw
//! there. Text it cannot read (a form feed, a carriage return or a NUL, which coverage.py's
//! reading of a file removes or CPython refuses; text it cannot close) makes it answer `None`.

use crate::analysis::{Token, TokenKind};

/// How a logical line that begins with backslash continuations is indented.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TokenRule {
    /// CPython's C tokenizer (the compiler's on every version; `tokenize`'s from 3.12): the
    /// column of the first backslash that is not in column 0, else the column the first token
    /// reaches through the continuations; a line with no token after them is blank.
    Compiler,
    /// 3.10/3.11's `tokenize.py`: the column of the first backslash, INDENT or DEDENT at once,
    /// the continued lines then read with no indentation (blank ones included).
    PythonModule,
}

impl TokenRule {
    pub fn for_version(major: u8, minor: u8) -> TokenRule {
        if (major, minor) < (3, 12) {
            TokenRule::PythonModule
        } else {
            TokenRule::Compiler
        }
    }
}

/// coverage.py's reading of a file on one Python version: its tokens and its code regions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rules {
    pub tokens: TokenRule,
    pub regions: RegionRule,
}

impl Rules {
    pub fn for_version(major: u8, minor: u8) -> Rules {
        Rules {
            tokens: TokenRule::for_version(major, minor),
            regions: RegionRule::for_version(major, minor),
        }
    }
}

struct Lexer {
    rule: TokenRule,
    /// A logical line began with a backslash continuation (the two rules may differ).
    continued_line_start: bool,
    chars: Vec<char>,
    at: usize,
    line: u32,
    tokens: Vec<Token>,
    /// What more the structure pass needs to know of each token.
    notes: Vec<Note>,
}

/// What a token is, beyond its kind, for [`structure`].
#[derive(Debug, Clone, PartialEq, Eq)]
enum Note {
    Plain,
    Name(String),
    /// A string literal; true if it could be a docstring (a plain `str`: no f, t or b prefix).
    Str(bool),
    Semicolon,
    At,
}

/// The tokens of `text` as `tokenize` reads them under `rule`, or None where it cannot read it.
pub fn tokenize(text: &str, rule: TokenRule) -> Option<Vec<Token>> {
    lex(text, rule).map(|lexer| lexer.tokens)
}

fn lex(text: &str, rule: TokenRule) -> Option<Lexer> {
    if text.contains('\r')
        || text.contains('\x0c')
        || text.contains('\0')
        || text.starts_with('\u{feff}')
    {
        return None;
    }
    let mut lexer = Lexer {
        rule,
        continued_line_start: false,
        chars: text.chars().collect(),
        at: 0,
        line: 1,
        tokens: Vec::new(),
        notes: Vec::new(),
    };
    lexer.run()?;
    Some(lexer)
}

fn is_name_start(c: char) -> bool {
    c == '_' || c.is_alphabetic() || (!c.is_ascii() && !c.is_whitespace())
}

fn is_name_char(c: char) -> bool {
    is_name_start(c) || c.is_ascii_digit() || (!c.is_ascii() && c.is_alphanumeric())
}

impl Lexer {
    fn peek(&self, offset: usize) -> Option<char> {
        self.chars.get(self.at + offset).copied()
    }

    fn push(&mut self, kind: TokenKind, non_blank: bool, start_line: u32) {
        self.push_note(kind, non_blank, start_line, Note::Plain);
    }

    fn push_note(&mut self, kind: TokenKind, non_blank: bool, start_line: u32, note: Note) {
        self.tokens.push(Token {
            kind,
            non_blank,
            start_line,
            end_line: self.line,
        });
        self.notes.push(note);
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
                // The compiler's rule: the first backslash's column (0 counts as none yet).
                let mut continued_at = 0;
                loop {
                    while let Some(c) = self.peek(0) {
                        match c {
                            ' ' => column += 1,
                            // To the next multiple of 8, as CPython's tokenizer counts (a file
                            // whose tabs and spaces disagree has not compiled).
                            '\t' => column = (column / 8 + 1) * 8,
                            _ => break,
                        }
                        self.at += 1;
                    }
                    if self.peek(0) == Some('\\') && self.peek(1) == Some('\n') {
                        self.continued_line_start = true;
                        if self.rule == TokenRule::Compiler {
                            if continued_at == 0 {
                                continued_at = column;
                            }
                            self.at += 2;
                            self.line += 1;
                            continue;
                        }
                    }
                    break;
                }
                if continued_at != 0 {
                    column = continued_at;
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
                        // (Under `tokenize.py`'s rule a continuation may stand here: the
                        // loop below reads it and the continued lines, blank or not.)
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
                    self.string()?;
                    self.push_note(TokenKind::Other, true, start, Note::Str(true));
                }
                _ if is_name_start(c) => {
                    in_logical = true;
                    let start_at = self.at;
                    while self.peek(0).is_some_and(is_name_char) {
                        self.at += 1;
                    }
                    // A string prefix directly followed by a quote.
                    if matches!(self.peek(0), Some('"' | '\'')) && self.at - start_at <= 2 {
                        let prefix: String = self.chars[start_at..self.at]
                            .iter()
                            .collect::<String>()
                            .to_ascii_lowercase();
                        let formatted = prefix.contains('f') || prefix.contains('t');
                        let known = matches!(
                            prefix.as_str(),
                            "r" | "u" | "b" | "f" | "t" | "br" | "rb" | "fr" | "rf" | "tr" | "rt"
                        );
                        if known {
                            let start = self.line;
                            if formatted {
                                self.formatted_string()?;
                            } else {
                                self.string()?;
                            }
                            let plain = !formatted && !prefix.contains('b');
                            self.push_note(TokenKind::Other, true, start, Note::Str(plain));
                            continue;
                        }
                    }
                    let name: String = self.chars[start_at..self.at].iter().collect();
                    self.push_note(TokenKind::Other, true, self.line, Note::Name(name));
                }
                _ if c.is_ascii_digit()
                    || (c == '.' && self.peek(1).is_some_and(|d| d.is_ascii_digit())) =>
                {
                    in_logical = true;
                    self.number();
                    self.push(TokenKind::Other, true, self.line);
                }
                _ if c.is_ascii_punctuation() => {
                    in_logical = true;
                    let single = self.operator();
                    let note = match c {
                        ';' if single => Note::Semicolon,
                        '@' if single => Note::At,
                        _ => Note::Plain,
                    };
                    self.push_note(TokenKind::Other, true, self.line, note);
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
        self.skip_to_line_end();
        self.push(TokenKind::Comment, true, self.line);
    }

    /// Past the rest of the line, up to (not over) its newline.
    fn skip_to_line_end(&mut self) {
        while self.peek(0).is_some_and(|c| c != '\n') {
            self.at += 1;
        }
    }

    fn number(&mut self) {
        while let Some(c) = self.peek(0) {
            if c.is_ascii_alphanumeric() || c == '_' || c == '.' {
                self.at += 1;
            } else if matches!(c, '+' | '-')
                && matches!(self.chars.get(self.at.wrapping_sub(1)), Some('e' | 'E'))
            {
                // An exponent's sign (hex digits never reach here with a sign after them
                // in valid code, except 0x1e+1, which CPython reads as 0x1e + 1).
                let hex = self
                    .chars
                    .get(self.at.saturating_sub(3)..self.at)
                    .is_some_and(|s| s.iter().any(|&c| c == 'x' || c == 'X'));
                if hex {
                    break;
                }
                self.at += 1;
            } else {
                break;
            }
        }
    }

    /// An operator; true if it is one character long.
    fn operator(&mut self) -> bool {
        const THREE: [&str; 5] = ["**=", "//=", ">>=", "<<=", "..."];
        const TWO: [&str; 19] = [
            "!=", "%=", "&=", "**", "*=", "+=", "-=", "->", "//", "/=", "<<", "<=", "==", ">=",
            ">>", "@=", "^=", "|=", ":=",
        ];
        let rest: String = self.chars[self.at..(self.at + 3).min(self.chars.len())]
            .iter()
            .collect();
        if THREE.iter().any(|op| rest.starts_with(op)) {
            self.at += 3;
            false
        } else if TWO.iter().any(|op| rest.starts_with(op)) {
            self.at += 2;
            false
        } else {
            self.at += 1;
            true
        }
    }

    /// At a quote inside a string: past it, and true if it closes the string (a triple-quoted
    /// string needs all three).
    fn closes(&mut self, quote: char, triple: bool) -> bool {
        if triple && !(self.peek(1) == Some(quote) && self.peek(2) == Some(quote)) {
            self.at += 1;
            return false;
        }
        self.at += if triple { 3 } else { 1 };
        true
    }

    /// A string from its opening quote (the prefix already read): to its closing quote.
    /// Raw or not, a backslash keeps the next character from ending it.
    fn string(&mut self) -> Option<()> {
        let quote = self.peek(0)?;
        let triple = self.peek(1) == Some(quote) && self.peek(2) == Some(quote);
        self.at += if triple { 3 } else { 1 };
        loop {
            let c = self.peek(0)?;
            match c {
                '\\' => {
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
                    if self.closes(quote, triple) {
                        return Some(());
                    }
                }
                _ => self.at += 1,
            }
        }
    }

    /// An f-string or t-string from its opening quote: literal text, and replacement fields
    /// holding expressions (with strings of their own, any quotes) and format specs.
    fn formatted_string(&mut self) -> Option<()> {
        let quote = self.peek(0)?;
        let triple = self.peek(1) == Some(quote) && self.peek(2) == Some(quote);
        self.at += if triple { 3 } else { 1 };
        self.formatted_literal(quote, triple, false)
    }

    /// Literal text of an f-string (or of a format spec, `in_spec`, which ends at its `}`).
    fn formatted_literal(&mut self, quote: char, triple: bool, in_spec: bool) -> Option<()> {
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
                        self.replacement_field(quote, triple)?;
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
                    if self.closes(quote, triple) {
                        return Some(());
                    }
                }
                _ if c == quote && in_spec && !triple => return None,
                _ => self.at += 1,
            }
        }
    }

    /// A replacement field after its `{`: an expression, then `=`, `!conversion`, `:spec`, up
    /// to its `}` (consumed).
    fn replacement_field(&mut self, quote: char, triple: bool) -> Option<()> {
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
                    self.formatted_literal(quote, triple, true)?;
                    // formatted_literal stops at the field's `}`.
                    self.at += 1;
                    return Some(());
                }
                '!' if depth == 0 && self.peek(1) != Some('=') => self.at += 1,
                '"' | '\'' => {
                    self.string()?;
                }
                // A comment (3.12+, in a field that spans lines): to the end of its line.
                '#' => self.skip_to_line_end(),
                _ if is_name_start(c) => {
                    let start_at = self.at;
                    while self.peek(0).is_some_and(is_name_char) {
                        self.at += 1;
                    }
                    if matches!(self.peek(0), Some('"' | '\'')) && self.at - start_at <= 2 {
                        let prefix: String = self.chars[start_at..self.at]
                            .iter()
                            .collect::<String>()
                            .to_ascii_lowercase();
                        if prefix.contains('f') || prefix.contains('t') {
                            self.formatted_string()?;
                        } else {
                            self.string()?;
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

    const EVERYWHERE: Rules = Rules {
        tokens: TokenRule::Compiler,
        regions: RegionRule::Everywhere,
    };

    fn with_regions(regions: RegionRule) -> Rules {
        Rules {
            tokens: TokenRule::Compiler,
            regions,
        }
    }

    fn kinds(text: &str) -> Vec<(TokenKind, u32, u32)> {
        tokenize(text, TokenRule::Compiler)
            .expect("tokens")
            .into_iter()
            .map(|t| (t.kind, t.start_line, t.end_line))
            .collect()
    }

    #[test]
    fn logical_lines_and_indentation() {
        let tokens = kinds("def f(a,\n      b):\n    return a\n\nx = 1\n");
        let newlines: Vec<u32> = tokens
            .iter()
            .filter(|t| t.0 == TokenKind::Newline)
            .map(|t| t.2)
            .collect();
        assert_eq!(newlines, vec![2, 3, 5]);
        assert_eq!(
            tokens.iter().filter(|t| t.0 == TokenKind::Indent).count(),
            1
        );
        assert_eq!(
            tokens.iter().filter(|t| t.0 == TokenKind::Dedent).count(),
            1
        );
    }

    #[test]
    fn strings_span_their_lines() {
        let tokens = kinds("x = '''a\nb\nc'''\ny = f\"{x['k']:>{w}}\" # c\n");
        assert!(tokens.contains(&(TokenKind::Other, 1, 3)));
        assert!(tokens.contains(&(TokenKind::Comment, 4, 4)));
        let tokens = kinds("s = f\"{'}'}\" + f'{a!r:{b}}' + rb'\\'' \n");
        assert_eq!(
            tokens.iter().filter(|t| t.0 == TokenKind::Newline).count(),
            1
        );
    }

    #[test]
    fn structure_reads_docstrings_definitions_and_regions() {
        let text = "\"\"\"Module.\n\"\"\"\nimport os\n\n@dec\n@other(1,\n       2)\ndef f(a):\n    (\"doc\"\n     \"more\")\n    def g(): return 1\n    return g\n\nclass C:\n    x = 1\n    def m(self): 'm doc'; return 2\n    class D:\n        def n(self):\n            pass\n";
        let (_, structure) = structure(text, EVERYWHERE).expect("structure");
        assert_eq!(structure.docstrings, vec![(1, 2), (9, 10), (16, 16)]);
        assert_eq!(
            structure.definitions,
            vec![
                (5, 8, 12),
                (11, 11, 11),
                (14, 14, 19),
                (16, 16, 16),
                (17, 17, 19),
                (18, 18, 19)
            ]
        );
        let regions: Vec<(&str, &str, u32, Vec<u32>)> = structure
            .regions
            .iter()
            .map(|(kind, name, line, lines)| (*kind, name.as_str(), *line, lines.clone()))
            .collect();
        assert_eq!(
            regions,
            vec![
                ("function", "f", 8, vec![9, 10, 12]),
                ("function", "f.g", 11, vec![11]),
                ("class", "C", 14, vec![16]),
                ("function", "C.m", 16, vec![16]),
                ("class", "C.D", 17, vec![19]),
                ("function", "C.D.n", 18, vec![19]),
            ]
        );
    }

    #[test]
    fn on_3_10_regions_are_found_in_bodies_only() {
        let text = "\
def f():
    if x:
        def in_if():
            pass
    elif y:
        def in_elif():
            def deeper():
                pass
    else:
        def in_else():
            pass
    try:
        def in_try():
            pass
    except E:
        def in_except():
            pass
    try:
        pass
    finally:
        def in_finally():
            pass
    for a in b:
        def in_for():
            pass
    else:
        def in_for_else():
            pass
    return 1
";
        let names = |rule| -> Vec<String> {
            structure(text, with_regions(rule))
                .expect("structure")
                .1
                .regions
                .into_iter()
                .map(|(_, name, _, _)| name)
                .collect()
        };
        assert_eq!(
            names(RegionRule::BodiesOnly),
            ["f", "f.in_if", "f.in_try", "f.in_for"]
        );
        assert_eq!(
            names(RegionRule::Everywhere),
            [
                "f",
                "f.in_if",
                "f.in_elif",
                "f.in_elif.deeper",
                "f.in_else",
                "f.in_try",
                "f.in_except",
                "f.in_finally",
                "f.in_for",
                "f.in_for_else"
            ]
        );
        // The function keeps the lines of what it hides (7.16 never looked inside).
        let f_lines = |rule| {
            structure(text, with_regions(rule))
                .expect("structure")
                .1
                .regions[0]
                .3
                .clone()
        };
        assert!(f_lines(RegionRule::BodiesOnly).contains(&7));
        assert!(!f_lines(RegionRule::Everywhere).contains(&7));
    }

    #[test]
    fn a_trys_handler_definitions_come_after_its_else_and_finally_ones() {
        // coverage.py walks a `try`'s body, `else`, `finally`, then its handlers.
        let text = "\
try:
    from fast import f
except ImportError:
    def f():
        try:
            pass
        except E:
            def inner_handler():
                pass
        else:
            def inner_else():
                pass
else:
    def g():
        pass
finally:
    def h():
        pass
def after():
    pass
";
        let names: Vec<String> = structure(text, EVERYWHERE)
            .expect("structure")
            .1
            .regions
            .into_iter()
            .map(|(_, name, _, _)| name)
            .collect();
        assert_eq!(
            names,
            ["g", "h", "f", "f.inner_else", "f.inner_handler", "after"]
        );
    }

    #[test]
    fn structure_reads_match_statements_and_says_so() {
        let (_, with_match) =
            structure("match x:\n    case 1:\n        pass\n", EVERYWHERE).expect("structure");
        assert!(with_match.has_match);
        let (_, names) = structure("match = 1\ncase = match\n", EVERYWHERE).expect("structure");
        assert!(!names.has_match);
    }

    #[test]
    fn tabs_indent_to_the_next_multiple_of_eight() {
        let tokens =
            tokenize("if x:\n\ty = 1\n        z = 2\n", TokenRule::Compiler).expect("tokens");
        let indents = tokens
            .iter()
            .filter(|t| t.kind == TokenKind::Indent)
            .count();
        // A tab and eight spaces are the same indentation: one INDENT, no error.
        assert_eq!(indents, 1);
        assert!(tokenize("if x:\n\ty = 1\n    z = 2\n", TokenRule::Compiler).is_none());
    }

    #[test]
    fn reads_comments_in_replacement_fields() {
        // 3.12+: a replacement field that spans lines may hold comments, quotes and braces in
        // them included; the f-string is one token over its lines.
        let text = "x = f'''{\n1  # one's {\n}'''\ny = t'{ # c\n2}'\nz = 3\n";
        let tokens = tokenize(text, TokenRule::Compiler).expect("read");
        let lines: Vec<(u32, u32)> = tokens
            .iter()
            .filter(|t| t.non_blank && t.kind == TokenKind::Other)
            .map(|t| (t.start_line, t.end_line))
            .collect();
        assert_eq!(
            lines,
            [
                (1, 1),
                (1, 1),
                (1, 3),
                (4, 4),
                (4, 4),
                (4, 5),
                (6, 6),
                (6, 6),
                (6, 6)
            ]
        );
    }

    /// (INDENT or DEDENT, line) of each, under a rule.
    fn indents(text: &str, rule: TokenRule) -> Vec<(TokenKind, u32)> {
        tokenize(text, rule)
            .expect("tokens")
            .into_iter()
            .filter(|t| matches!(t.kind, TokenKind::Indent | TokenKind::Dedent))
            .map(|t| (t.kind, t.start_line))
            .collect()
    }

    #[test]
    fn continuations_that_begin_a_line_read_as_each_tokenize_reads_them() {
        use TokenKind::{Dedent, Indent};
        // A backslash in column 0 inside a block: the compiler reads the next line's
        // indentation; 3.10/3.11's tokenize.py reads column 0 (a DEDENT), then INDENTs again.
        let text = "def f():\n    a = 1\n\\\n    b = 2\n    c = 3\nd = 4\n";
        assert_eq!(
            indents(text, TokenRule::Compiler),
            [(Indent, 2), (Dedent, 6)]
        );
        assert_eq!(
            indents(text, TokenRule::PythonModule),
            [(Indent, 2), (Dedent, 3), (Indent, 5), (Dedent, 6)]
        );
        // The structure is the compiler's either way; the tokens are the version's.
        let old = Rules::for_version(3, 11);
        let (tokens, structure_311) = structure(text, old).expect("structure");
        assert_eq!(
            tokens,
            tokenize(text, TokenRule::PythonModule).expect("tokens")
        );
        let (_, structure_312) = structure(text, Rules::for_version(3, 12)).expect("structure");
        assert_eq!(structure_311.definitions, vec![(1, 1, 5)]);
        assert_eq!(structure_311, structure_312);
        // The first backslash not in column 0 sets the indentation, the same for both.
        let text = "if x:\n    a = 1\n    \\\nb = 2\nc = 3\n";
        for rule in [TokenRule::Compiler, TokenRule::PythonModule] {
            assert_eq!(indents(text, rule), [(Indent, 2), (Dedent, 5)], "{rule:?}");
        }
        // Continued into a blank line: blank for the compiler; tokenize.py indents first.
        let text = "if x:\n    a = 1\n        \\\n\n    b = 2\n";
        assert_eq!(
            indents(text, TokenRule::Compiler),
            [(Indent, 2), (Dedent, 6)]
        );
        assert_eq!(
            indents(text, TokenRule::PythonModule),
            [(Indent, 2), (Indent, 3), (Dedent, 5), (Dedent, 6)]
        );
        // Lines and statements stay where they are.
        for rule in [TokenRule::Compiler, TokenRule::PythonModule] {
            let tokens = tokenize("\\\n\\\n  x = (1,\n2)\n", rule).expect("tokens");
            let code: Vec<u32> = tokens
                .iter()
                .filter(|t| t.non_blank)
                .map(|t| t.start_line)
                .collect();
            assert_eq!(code, [3, 3, 3, 3, 3, 4, 4], "{rule:?}");
        }
    }

    #[test]
    fn answers_none_for_what_cpython_refuses() {
        for rule in [TokenRule::Compiler, TokenRule::PythonModule] {
            assert!(tokenize("x = 'open\n", rule).is_none());
            assert!(tokenize("x = (1\n", rule).is_none());
            assert!(tokenize("x = 1 \\ y\n", rule).is_none());
        }
    }
}

/// What the statement rules and the function and class index need from a file's syntax tree,
/// read from its tokens: docstrings, definitions, and code regions.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Structure {
    /// (first line, last line) of each docstring (module, class, function).
    pub docstrings: Vec<(u32, u32)>,
    /// (first line, decorators included; `def`/`class` line; last line) of each definition.
    pub definitions: Vec<(u32, u32, u32)>,
    /// ("function" | "class", dotted name, `def`/`class` line, lines), as coverage.py's
    /// code regions: a function's lines are its body's less its nested functions', a class's
    /// are its methods' less its nested classes'.
    pub regions: Vec<(&'static str, String, u32, Vec<u32>)>,
    /// There is a `match` statement: its irrefutable cases come from the syntax tree
    /// ([`crate::arcs::irrefutable_cases`]).
    pub has_match: bool,
}

struct Definition {
    class: bool,
    name: String,
    line: u32,
    first_line: u32,
    body_first: u32,
    body_last: u32,
    children: Vec<usize>,
    /// Inside an `elif`, `else`, `except` or `finally` block of its parent (or of the module):
    /// coverage.py 7.16 looks for definitions in `body` fields only.
    outside_bodies: bool,
}

/// Which code regions [`structure`] finds: coverage.py's rule for a Python version.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RegionRule {
    /// Definitions in every block (coverage.py 7.17, 3.11 and later).
    Everywhere,
    /// Definitions in `body` blocks only, not in `elif`, `else`, `except`, `finally` or `case`
    /// blocks nor anything inside them (coverage.py 7.16, the newest for 3.10).
    BodiesOnly,
}

impl RegionRule {
    pub fn for_version(major: u8, minor: u8) -> RegionRule {
        if (major, minor) < (3, 11) {
            RegionRule::BodiesOnly
        } else {
            RegionRule::Everywhere
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Clause {
    Module,
    Definition(usize),
    Except,
    ElseOrFinally,
    /// An `elif` or `case` block (tracked for [`RegionRule::BodiesOnly`] only).
    Elif,
}

struct Open {
    clause: Clause,
    /// The depth (INDENTs) of the block's body.
    body_depth: usize,
    /// The body's first statement has been seen.
    started: bool,
}

/// Where a definition's place in coverage.py's order is.
#[derive(Clone, Copy)]
enum Place {
    /// In its parent definition's children (or the module's, `None`), as the text has it.
    Parent(Option<usize>),
    /// After the `else` and `finally` definitions of the `try` at this depth.
    Deferred(usize),
}

/// The definitions in the `except` clauses of an open `try`, and where they go when it ends.
struct Deferred {
    depth: usize,
    into: Place,
    definitions: Vec<usize>,
}

/// The depth of the `try` whose `except` clause a line in the current blocks is in (not through
/// a definition).
fn handler_try(opens: &[Open]) -> Option<usize> {
    opens
        .iter()
        .rev()
        .take_while(|o| !matches!(o.clause, Clause::Definition(_)))
        .find(|o| o.clause == Clause::Except)
        .and_then(|o| o.body_depth.checked_sub(1))
}

fn place(into: Place, k: usize, definitions: &mut [Definition], top: &mut Vec<usize>) {
    match into {
        Place::Parent(Some(p)) => definitions[p].children.push(k),
        Place::Parent(None) => top.push(k),
        // (Only `flush` moves deferred definitions.)
        Place::Deferred(_) => {}
    }
}

/// The innermost open `try` has ended: its handlers' definitions go where it is.
fn flush(
    deferred: &mut Vec<Deferred>,
    definitions: &mut [Definition],
    top: &mut Vec<usize>,
) -> Option<()> {
    let ended = deferred.pop()?;
    match ended.into {
        Place::Deferred(depth) => deferred
            .iter_mut()
            .rev()
            .find(|d| d.depth == depth)?
            .definitions
            .extend(ended.definitions),
        into => {
            for k in ended.definitions {
                place(into, k, definitions, top);
            }
        }
    }
    Some(())
}

/// The tokens of `text` as the version's `tokenize` reads them, and its structure (read from
/// the compiler's tokens); None where the tokenizer cannot read it.
pub fn structure(text: &str, rules: Rules) -> Option<(Vec<Token>, Structure)> {
    let rule = rules.regions;
    let lexer = lex(text, TokenRule::Compiler)?;
    let tokens = &lexer.tokens;
    let notes = &lexer.notes;
    let name_at = |i: usize| match notes.get(i) {
        Some(Note::Name(name)) => Some(name.as_str()),
        _ => None,
    };
    let mut out = Structure::default();
    let mut definitions: Vec<Definition> = Vec::new();
    let mut top: Vec<usize> = Vec::new();
    let mut opens = vec![Open {
        clause: Clause::Module,
        body_depth: 0,
        started: false,
    }];
    // coverage.py finds a `try`'s definitions in its body, `else`, `finally`, then its `except`
    // clauses: those in `except` clauses wait here, per open `try` (by depth), until it ends.
    let mut deferred: Vec<Deferred> = Vec::new();
    let mut decorators: Vec<u32> = Vec::new();
    let mut last_end = 0u32;
    let mut depth = 0usize;
    let mut start: Option<(usize, usize)> = None;
    // The end line of the statement in tokens[from..to]: its last token that is not a comment.
    let end_of = |from: usize, to: usize| {
        tokens[from..to]
            .iter()
            .rev()
            .find(|t| t.kind != TokenKind::Comment)
            .map(|t| t.end_line)
    };
    // A docstring: a statement of nothing but plain string literals (and parentheses).
    let docstring = |from: usize, to: usize| -> Option<(u32, u32)> {
        let mut strings = 0;
        let mut nesting: i64 = 0;
        for i in from..to {
            match (&tokens[i].kind, &notes[i]) {
                (TokenKind::Comment, _) => {}
                // The NL of a line break inside the parentheses.
                (TokenKind::Other, Note::Plain) if !tokens[i].non_blank => {}
                (TokenKind::Op('('), _) => nesting += 1,
                (TokenKind::Op(')'), _) => nesting -= 1,
                (_, Note::Str(true)) => strings += 1,
                _ => return None,
            }
        }
        (strings > 0 && nesting == 0).then(|| {
            (
                tokens[from].start_line,
                end_of(from, to).unwrap_or(tokens[from].start_line),
            )
        })
    };
    // The end of the first statement of tokens[from..to] (a `;` outside brackets, or `to`).
    let first_statement_end = |from: usize, to: usize| -> usize {
        let mut nesting: i64 = 0;
        for i in from..to {
            match (&tokens[i].kind, &notes[i]) {
                (TokenKind::Op('(' | '[' | '{'), _) => nesting += 1,
                (TokenKind::Op(')' | ']' | '}'), _) => nesting -= 1,
                (_, Note::Semicolon) if nesting == 0 => return i,
                _ => {}
            }
        }
        to
    };
    for (i, token) in tokens.iter().enumerate() {
        match token.kind {
            TokenKind::Indent => depth += 1,
            TokenKind::Dedent => depth = depth.checked_sub(1)?,
            TokenKind::Newline => {
                let Some((a, line_depth)) = start.take() else {
                    continue;
                };
                let b = i;
                let line_end = end_of(a, b)?;
                // Blocks this line is not in have ended with the line before.
                while opens.len() > 1
                    && opens
                        .last()
                        .is_some_and(|open| open.body_depth > line_depth)
                {
                    let open = opens.pop()?;
                    if let Clause::Definition(k) = open.clause {
                        definitions[k].body_last = last_end;
                    }
                }
                let innermost = opens.last_mut()?;
                // A decorated definition starts at its `def` or `class` line, not at its decorators.
                if !innermost.started && innermost.body_depth == line_depth && notes[a] != Note::At
                {
                    innermost.started = true;
                    let clause = innermost.clause;
                    let first_end = first_statement_end(a, b);
                    match clause {
                        Clause::Module => out.docstrings.extend(docstring(a, first_end)),
                        Clause::Definition(k) => {
                            definitions[k].body_first = tokens[a].start_line;
                            out.docstrings.extend(docstring(a, first_end));
                        }
                        _ => {}
                    }
                }
                let first = name_at(a);
                // A `try` this line is not a clause of has ended: its handlers' definitions
                // take their place.
                while let Some(last) = deferred.last() {
                    let ended = last.depth > line_depth
                        || (last.depth == line_depth
                            && !matches!(first, Some("except" | "else" | "finally")));
                    if !ended {
                        break;
                    }
                    flush(&mut deferred, &mut definitions, &mut top)?;
                }
                let last_is_colon = tokens[a..b]
                    .iter()
                    .rev()
                    .find(|t| t.kind != TokenKind::Comment)
                    .is_some_and(|t| t.kind == TokenKind::Op(':'));
                if first == Some("match") && last_is_colon {
                    out.has_match = true;
                }
                if notes[a] == Note::At {
                    decorators.push(tokens.get(a + 1)?.start_line);
                } else if matches!(first, Some("def" | "class"))
                    || (first == Some("async") && name_at(a + 1) == Some("def"))
                {
                    let keyword = if first == Some("async") { a + 1 } else { a };
                    let class = name_at(keyword) == Some("class");
                    let name = name_at(keyword + 1)?.to_string();
                    let line = tokens[a].start_line;
                    let first_line = decorators
                        .iter()
                        .copied()
                        .chain(std::iter::once(line))
                        .min()?;
                    decorators.clear();
                    // The header's colon: the first outside brackets.
                    let mut nesting: i64 = 0;
                    let mut colon = None;
                    for (j, t) in tokens.iter().enumerate().take(b).skip(keyword) {
                        match t.kind {
                            TokenKind::Op('(' | '[' | '{') => nesting += 1,
                            TokenKind::Op(')' | ']' | '}') => nesting -= 1,
                            TokenKind::Op(':') if nesting == 0 => {
                                colon = Some(j);
                                break;
                            }
                            _ => {}
                        }
                    }
                    let colon = colon?;
                    let k = definitions.len();
                    // Where it is: in a definition, and in which clause of a `try`.
                    let parent = opens.iter().rev().find_map(|open| match open.clause {
                        Clause::Definition(p) => Some(p),
                        _ => None,
                    });
                    let outside_bodies = opens
                        .iter()
                        .rev()
                        .take_while(|o| !matches!(o.clause, Clause::Definition(_)))
                        .any(|o| {
                            matches!(
                                o.clause,
                                Clause::Except | Clause::ElseOrFinally | Clause::Elif
                            )
                        });
                    definitions.push(Definition {
                        class,
                        name,
                        line,
                        first_line,
                        body_first: 0,
                        body_last: 0,
                        children: Vec::new(),
                        outside_bodies,
                    });
                    match handler_try(&opens) {
                        Some(depth) => deferred
                            .iter_mut()
                            .rev()
                            .find(|d| d.depth == depth)?
                            .definitions
                            .push(k),
                        None => place(Place::Parent(parent), k, &mut definitions, &mut top),
                    }
                    let body = (colon + 1..b).find(|&j| tokens[j].kind != TokenKind::Comment);
                    match body {
                        Some(j) => {
                            // The body on the header's line.
                            definitions[k].body_first = tokens[j].start_line;
                            definitions[k].body_last = line_end;
                            out.docstrings
                                .extend(docstring(j, first_statement_end(j, b)));
                        }
                        None => opens.push(Open {
                            clause: Clause::Definition(k),
                            body_depth: line_depth + 1,
                            started: false,
                        }),
                    }
                } else if last_is_colon
                    && tokens[a..b]
                        .iter()
                        .filter(|t| t.kind == TokenKind::Op(':'))
                        .count()
                        >= 1
                {
                    match first {
                        Some("try") => {
                            let into = match handler_try(&opens) {
                                Some(depth) => Place::Deferred(depth),
                                None => Place::Parent(opens.iter().rev().find_map(|open| {
                                    match open.clause {
                                        Clause::Definition(p) => Some(p),
                                        _ => None,
                                    }
                                })),
                            };
                            deferred.push(Deferred {
                                depth: line_depth,
                                into,
                                definitions: Vec::new(),
                            });
                        }
                        Some("except") => opens.push(Open {
                            clause: Clause::Except,
                            body_depth: line_depth + 1,
                            started: false,
                        }),
                        Some("else" | "finally") => opens.push(Open {
                            clause: Clause::ElseOrFinally,
                            body_depth: line_depth + 1,
                            started: false,
                        }),
                        Some("elif" | "case") if rule == RegionRule::BodiesOnly => {
                            opens.push(Open {
                                clause: Clause::Elif,
                                body_depth: line_depth + 1,
                                started: false,
                            })
                        }
                        _ => {}
                    }
                }
                last_end = line_end;
            }
            _ => {
                if start.is_none() && token.non_blank && token.kind != TokenKind::Comment {
                    start = Some((i, depth));
                }
            }
        }
    }
    while let Some(open) = opens.pop() {
        if let Clause::Definition(k) = open.clause {
            definitions[k].body_last = last_end;
        }
    }
    while !deferred.is_empty() {
        flush(&mut deferred, &mut definitions, &mut top)?;
    }
    for definition in &definitions {
        out.definitions
            .push((definition.first_line, definition.line, definition.body_last));
    }
    out.regions = regions(&definitions, &top, rule);
    if rules.tokens != TokenRule::Compiler && lexer.continued_line_start {
        return Some((lex(text, rules.tokens)?.tokens, out));
    }
    Some((lexer.tokens, out))
}

/// coverage.py's code regions over the definitions (see [`Structure::regions`]).
fn regions(
    definitions: &[Definition],
    top: &[usize],
    rule: RegionRule,
) -> Vec<(&'static str, String, u32, Vec<u32>)> {
    let seen = |k: &&usize| rule == RegionRule::Everywhere || !definitions[**k].outside_bodies;
    use std::collections::BTreeSet;
    let mut lines: Vec<BTreeSet<u32>> = vec![BTreeSet::new(); definitions.len()];
    let mut order: Vec<(usize, String)> = Vec::new();
    // (definition, is class) from the outermost inwards.
    fn visit(
        k: usize,
        scopes: &mut Vec<(usize, bool)>,
        definitions: &[Definition],
        lines: &mut Vec<BTreeSet<u32>>,
        order: &mut Vec<(usize, String)>,
        seen: &dyn Fn(&&usize) -> bool,
    ) {
        let definition = &definitions[k];
        if definition.class {
            scopes.push((k, true));
            order.push((
                k,
                scopes
                    .iter()
                    .map(|&(s, _)| definitions[s].name.as_str())
                    .collect::<Vec<_>>()
                    .join("."),
            ));
            for &child in definition.children.iter().filter(&seen) {
                visit(child, scopes, definitions, lines, order, seen);
            }
            scopes.pop();
            // A class's lines leave every enclosing class (coverage.py's rule; a function's leave
            // only the nearest enclosing function).
            let own = lines[k].clone();
            for &(outer, _) in scopes.iter().filter(|&&(_, class)| class) {
                lines[outer].retain(|line| !own.contains(line));
            }
        } else {
            let own: BTreeSet<u32> = (definition.body_first..=definition.body_last).collect();
            if let Some(&(last, true)) = scopes.last() {
                lines[last].extend(own.iter().copied());
            }
            if let Some(&(outer, _)) = scopes.iter().rev().find(|&&(_, class)| !class) {
                lines[outer].retain(|line| !own.contains(line));
            }
            lines[k] = own;
            scopes.push((k, false));
            order.push((
                k,
                scopes
                    .iter()
                    .map(|&(s, _)| definitions[s].name.as_str())
                    .collect::<Vec<_>>()
                    .join("."),
            ));
            for &child in definition.children.iter().filter(&seen) {
                visit(child, scopes, definitions, lines, order, seen);
            }
            scopes.pop();
        }
    }
    let mut scopes = Vec::new();
    for &k in top.iter().filter(&seen) {
        visit(k, &mut scopes, definitions, &mut lines, &mut order, &seen);
    }
    order
        .into_iter()
        .map(|(k, name)| {
            let kind = if definitions[k].class {
                "class"
            } else {
                "function"
            };
            (
                kind,
                name,
                definitions[k].line,
                lines[k].iter().copied().collect(),
            )
        })
        .collect()
}
