//! coverage.py's statement rules, applied to a source's syntax facts (read by
//! [`crate::tokens`], the irrefutable `case`s by ruff's parser: [`analyze_text`]) and the lines
//! CPython's line tables have code on.

use std::collections::{BTreeMap, BTreeSet};

/// The token kinds the rules care about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    Indent,
    Dedent,
    Newline,
    Comment,
    /// An operator token; `op` holds its first character when it is one of `:([{)]}`.
    Op(char),
    Other,
}

/// One token: its kind, whether its text is more than white space, and its line span.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Token {
    pub kind: TokenKind,
    pub non_blank: bool,
    pub start_line: u32,
    pub end_line: u32,
}

/// A function or class: first line (its first decorator's), its `def`/`class` line, last line.
#[derive(Debug, Clone, Copy)]
pub struct Definition {
    pub first_line: u32,
    pub line: u32,
    pub end_line: u32,
}

/// An irrefutable `case` clause (`case _:`): its pattern's lines and its body's lines.
#[derive(Debug, Clone, Copy)]
pub struct IrrefutableCase {
    pub pattern_line: u32,
    pub pattern_end_line: u32,
    pub body_line: u32,
    pub body_end_line: u32,
}

impl From<(u32, u32, u32)> for Definition {
    /// (first line, `def`/`class` line, last line), as the token reader gives them.
    fn from((first_line, line, end_line): (u32, u32, u32)) -> Self {
        Definition {
            first_line,
            line,
            end_line,
        }
    }
}

/// Everything the rules need to know about one source file.
#[derive(Debug, Clone, Default)]
pub struct SourceFacts {
    pub tokens: Vec<Token>,
    /// Line numbers reported by the line tables of every code object in the file.
    pub code_lines: Vec<u32>,
    /// Lines matched by the exclusion regexes (raw, before multi-line mapping).
    pub regex_excluded: Vec<u32>,
    /// Line spans of docstrings.
    pub docstrings: Vec<(u32, u32)>,
    pub definitions: Vec<Definition>,
    pub irrefutable_cases: Vec<IrrefutableCase>,
}

/// The result of analysing one file: its statements and excluded lines, normalized to the
/// first line of multi-line statements, and the map that normalizes executed lines.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FileAnalysis {
    pub statements: BTreeSet<u32>,
    pub excluded: BTreeSet<u32>,
    pub multiline: BTreeMap<u32, u32>,
}

impl FileAnalysis {
    pub fn first_line(&self, line: u32) -> u32 {
        self.multiline.get(&line).copied().unwrap_or(line)
    }

    /// Executed lines as reported: mapped to their statement's first line.
    pub fn translate_lines<'a, I: IntoIterator<Item = &'a u32>>(&self, lines: I) -> BTreeSet<u32> {
        lines.into_iter().map(|&l| self.first_line(l)).collect()
    }
}

/// Does a file with these tokens hold any code (a token that is neither white space nor a
/// comment)?
pub fn has_code(tokens: &[Token]) -> bool {
    tokens
        .iter()
        .any(|t| t.non_blank && t.kind != TokenKind::Comment)
}

/// Map each line of a multi-line statement to the statement's first line.
pub fn multiline_map(tokens: &[Token]) -> BTreeMap<u32, u32> {
    let mut map = BTreeMap::new();
    let mut first_line = 0u32;
    for token in tokens {
        if token.kind == TokenKind::Newline {
            if first_line != 0 && token.end_line != first_line {
                for line in first_line..=token.end_line {
                    map.insert(line, first_line);
                }
            }
            first_line = 0;
        }
        if token.non_blank && token.kind != TokenKind::Comment && first_line == 0 {
            first_line = token.start_line;
        }
    }
    map
}

/// Apply coverage.py's rules to a file's facts.
pub fn analyze(facts: &SourceFacts) -> FileAnalysis {
    let multiline = multiline_map(&facts.tokens);
    let first = |line: u32| multiline.get(&line).copied().unwrap_or(line);

    let mut excluded: BTreeSet<u32> = facts.regex_excluded.iter().copied().collect();
    let mut indent: i64 = 0;
    let mut exclude_indent: i64 = 0;
    let mut excluding = false;
    let mut first_line = 0u32;
    let mut nesting: i64 = 0;
    let mut empty = true;
    for token in &facts.tokens {
        match token.kind {
            TokenKind::Indent => indent += 1,
            TokenKind::Dedent => indent -= 1,
            TokenKind::Op(':') if nesting == 0 => {
                let should_exclude = first_line <= token.end_line
                    && excluded.range(first_line..=token.end_line).next().is_some();
                if !excluding && should_exclude {
                    excluded.insert(token.end_line);
                    exclude_indent = indent;
                    excluding = true;
                }
            }
            TokenKind::Op('(' | '[' | '{') => nesting += 1,
            TokenKind::Op(')' | ']' | '}') => nesting -= 1,
            TokenKind::Newline => first_line = 0,
            _ => {}
        }
        if token.non_blank && token.kind != TokenKind::Comment {
            empty = false;
            if first_line == 0 {
                first_line = token.start_line;
                if excluding && indent <= exclude_indent {
                    excluding = false;
                }
                if excluding {
                    excluded.insert(token.end_line);
                }
            }
        }
    }

    let raw_statements: BTreeSet<u32> = if empty {
        BTreeSet::new()
    } else {
        facts.code_lines.iter().copied().collect()
    };
    let mut excluded: BTreeSet<u32> = excluded.into_iter().map(first).collect();

    let mut docstrings = BTreeSet::new();
    for &(start, end) in &facts.docstrings {
        docstrings.extend(start..=end);
    }
    for definition in &facts.definitions {
        if excluded
            .range(definition.first_line..=definition.line)
            .next()
            .is_some()
        {
            excluded.extend(definition.first_line..=definition.end_line);
        }
    }
    for case in &facts.irrefutable_cases {
        let body: BTreeSet<u32> = raw_statements
            .range(case.body_line..=case.body_end_line)
            .copied()
            .collect();
        if !body.is_empty() && body.is_subset(&excluded) {
            excluded.extend(case.pattern_line..=case.pattern_end_line);
        }
    }

    let ignored = |line: &u32| excluded.contains(line) || docstrings.contains(line);
    let statements: BTreeSet<u32> = raw_statements
        .iter()
        .filter(|l| !ignored(l))
        .map(|&l| first(l))
        .filter(|l| !ignored(l))
        .collect();
    FileAnalysis {
        statements,
        excluded,
        multiline,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn token(kind: TokenKind, line: u32) -> Token {
        Token {
            kind,
            non_blank: !matches!(
                kind,
                TokenKind::Newline | TokenKind::Indent | TokenKind::Dedent
            ),
            start_line: line,
            end_line: line,
        }
    }

    #[test]
    fn multi_line_statement_maps_to_first_line() {
        // x = (\n 1)\n
        let tokens = vec![
            token(TokenKind::Other, 1),
            token(TokenKind::Op('='), 1),
            token(TokenKind::Op('('), 1),
            token(TokenKind::Other, 2),
            token(TokenKind::Op(')'), 2),
            token(TokenKind::Newline, 2),
        ];
        let facts = SourceFacts {
            tokens,
            code_lines: vec![1, 2],
            ..Default::default()
        };
        let analysis = analyze(&facts);
        assert_eq!(analysis.statements, BTreeSet::from([1]));
        assert_eq!(analysis.first_line(2), 1);
    }
}

/// A source's whole statement analysis from its text: the rules' result, the function and class
/// regions, and whether there is no code at all.
#[derive(Debug, Clone)]
pub struct TextAnalysis {
    pub analysis: FileAnalysis,
    pub regions: Vec<(&'static str, String, u32, Vec<u32>)>,
    pub empty: bool,
}

/// The statement analysis of `text` (as coverage.py reads it) with the lines CPython's line
/// tables have code on and the lines the exclusion patterns match. None where the token reader
/// defers to CPython's tokenizer or ruff's parser does not read a `match` statement.
pub fn analyze_text(
    text: &str,
    code_lines: Vec<u32>,
    regex_excluded: Vec<u32>,
    rules: crate::tokens::Rules,
) -> Option<TextAnalysis> {
    let (tokens, structure) = crate::tokens::structure(text, rules)?;
    let irrefutable_cases = if structure.has_match {
        crate::arcs::irrefutable_cases(text)?
    } else {
        Vec::new()
    };
    let empty = !has_code(&tokens);
    let facts = SourceFacts {
        tokens,
        code_lines,
        regex_excluded,
        docstrings: structure.docstrings,
        definitions: structure
            .definitions
            .into_iter()
            .map(Definition::from)
            .collect(),
        irrefutable_cases,
    };
    Some(TextAnalysis {
        analysis: analyze(&facts),
        regions: structure.regions,
        empty,
    })
}
