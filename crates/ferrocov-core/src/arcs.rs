//! The arcs a source file can take, found from its syntax tree with coverage.py's rules (7.18;
//! 7.16's on CPython 3.10, the newest coverage.py there; [`PythonVersion`] names each rule that
//! differs by version).
//!
//! An arc is a pair of line numbers `(from, to)`; a negative number is the entry to (as `from`)
//! or the exit from (as `to`) the code object whose first line it negates. coverage.py reports
//! as branches only the lines with more than one possible exit, so the rules here follow the
//! statements that choose: `if`, `while`, `for`, `match`, `try`/`except`, `with`, and the jumps
//! out of blocks (`break`, `continue`, `raise`, `return`).
//!
//! The tree is `ruff_python_parser`'s (pinned exactly: its crates are published as internal
//! 0.0.x versions). It parses every file of the standard libraries of 3.10 to 3.15 that CPython
//! compiles, 3.15's unary plus in literal patterns (`case +1:`) through [`parse`]; [`analyze`]
//! returns None for a source it does not parse, and the caller reports the file as one
//! that can't be parsed (coverage.py's `NotPython`, with [`parse_problem`]'s message). Line numbers are CPython's:
//! a node's line is the line its range starts on, except a decorated definition's own line (the
//! `def`/`class` keyword's) and the lines coverage.py takes from inside some nodes (an
//! assignment's value, a dict's first key, a list's first element).

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use ruff_python_ast::{self as ast, BoolOp, Expr, Number, Pattern, Stmt, UnaryOp};
use ruff_text_size::{Ranged, TextSize};

/// `(from, to)` line numbers; negative: a code object's entry or exit.
pub type Arc = (i32, i32);
/// Where an arc can start from, and why it would be missing if never taken (`""` when there is
/// nothing to say, as coverage.py has it). `{lineno}` in it stands for the line.
type Start = (i32, String);
type Exits = BTreeSet<Start>;
/// (cause, action) of an arc, either absent.
pub type Fragment = (Option<String>, Option<String>);

/// The interpreter the rules are for (they differ by version in how `with` is left).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct PythonVersion {
    pub major: u8,
    pub minor: u8,
    pub micro: u8,
}

impl PythonVersion {
    /// coverage.py 7.17 follows CPython 3.12.6+, where leaving a `with` jumps through the line of
    /// its context expression rather than the `with` line.
    fn with_exits_through_context(self) -> bool {
        (self.major, self.minor, self.micro) >= (3, 12, 6)
    }

    /// The newest coverage.py for 3.10 is 7.16, whose `with` fix-up differs for nested `with`s.
    fn old_with_fixup(self) -> bool {
        (self.major, self.minor) < (3, 11)
    }

    /// coverage.py 7.18 (3.11 on) says no "because" for an empty cause ("line 1 didn't exit
    /// the module"); 7.16 (the newest for 3.10) says "... because " with nothing after it.
    fn empty_cause_is_no_cause(self) -> bool {
        (self.major, self.minor) >= (3, 11)
    }

    /// coverage.py 7.18 (3.11 on): the exits of a `finally` clause that leave its `try`
    /// carry no cause (7.16, the newest for 3.10, keeps the cause of the clause's last
    /// condition).
    fn finally_exits_have_no_cause(self) -> bool {
        (self.major, self.minor) >= (3, 11)
    }
}

/// The possible arcs of a file (on first lines of statements, self-arcs dropped), and what is
/// needed to translate measured arcs the same way.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ArcAnalysis {
    pub possible: BTreeSet<Arc>,
    /// Arcs rewritten for `with` statements (None: dropped).
    pub fixers: BTreeMap<Arc, Option<Arc>>,
    /// 3.10's form of the `with` fix-ups: the arc back to the `with` line, mapped to the `with`
    /// line's onward arc and the arc that replaces both.
    pub old_fixers: BTreeMap<Arc, (Arc, Arc)>,
    pub fragments: BTreeMap<Arc, Vec<Fragment>>,
    pub multiline: BTreeMap<u32, u32>,
}

/// The file's arcs, from `source` (as coverage.py reads it: newlines normalized), the lines of
/// its code objects (`code_lines`: empty for a file with no code at all) and its multi-line
/// statements. None when the parser does not read the source.
pub fn analyze(
    source: &str,
    code_lines: &[u32],
    multiline: &BTreeMap<u32, u32>,
    version: PythonVersion,
) -> Option<ArcAnalysis> {
    let parsed = parse(source)?;
    let module = parsed.syntax();
    let mut finder = Finder::new(source, code_lines, multiline, version);
    finder.run(&module.body);
    Some(finder.into_analysis())
}

/// ruff's tree of `source`, or None where it reports an error. CPython 3.15 reads a unary plus
/// in a literal pattern (`case +1:`), which this parser reports as an error and nothing else:
/// such a plus is read as a space (the same lines and offsets, the same literal for the arcs);
/// any other error is one.
pub fn parse(source: &str) -> Option<ruff_python_parser::Parsed<ast::ModModule>> {
    use ruff_python_parser::ParseErrorType;

    let parsed = ruff_python_parser::parse_unchecked_source(source, ast::PySourceType::Python);
    if parsed.has_valid_syntax() {
        return Some(parsed);
    }
    let mut text = source.as_bytes().to_vec();
    for error in parsed.errors() {
        let at = usize::from(error.location.start());
        let unary_plus = matches!(&error.error, ParseErrorType::OtherError(message)
            if message.starts_with("Unary '+' is not allowed as a literal pattern"));
        match text.get_mut(at) {
            Some(byte) if unary_plus && *byte == b'+' => *byte = b' ',
            _ => return None,
        }
    }
    let text = String::from_utf8(text).ok()?;
    ruff_python_parser::parse_module(&text).ok()
}

/// What ruff's parser says of `source` where [`parse`] does not read it: its first error and
/// line, worded as coverage.py words a syntax error (`'message' at line N`). None when it reads
/// the source.
pub fn parse_problem(source: &str) -> Option<String> {
    if parse(source).is_some() {
        return None;
    }
    let parsed = ruff_python_parser::parse_unchecked_source(source, ast::PySourceType::Python);
    let error = parsed.errors().first()?;
    let at = usize::from(error.location.start()).min(source.len());
    let line = source.as_bytes()[..at]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1;
    Some(format!("'{}' at line {line}", error.error))
}

/// The irrefutable `case` clauses of every `match` in `source` (see [`irrefutable`]), with their
/// pattern's and body's lines, for the statement rules (a pattern is excluded with its body).
/// None when the parser does not read the source.
pub fn irrefutable_cases(source: &str) -> Option<Vec<crate::analysis::IrrefutableCase>> {
    use ruff_python_ast::statement_visitor::{walk_match_case, StatementVisitor};

    struct Cases {
        lines: Vec<TextSize>,
        found: Vec<crate::analysis::IrrefutableCase>,
    }
    impl Cases {
        fn line(&self, offset: TextSize) -> u32 {
            u32::try_from(self.lines.partition_point(|start| *start <= offset)).unwrap_or(u32::MAX)
        }
        /// The line of a range's last character (its end is exclusive).
        fn end_line(&self, range: ruff_text_size::TextRange) -> u32 {
            let end = range.end();
            let last = if end > range.start() {
                end - TextSize::new(1)
            } else {
                end
            };
            self.line(last)
        }
    }
    impl<'a> StatementVisitor<'a> for Cases {
        fn visit_match_case(&mut self, case: &'a ast::MatchCase) {
            if irrefutable(case) {
                if let (Some(first), Some(last)) = (case.body.first(), case.body.last()) {
                    let found = crate::analysis::IrrefutableCase {
                        pattern_line: self.line(case.pattern.start()),
                        pattern_end_line: self.end_line(case.pattern.range()),
                        body_line: self.line(first.start()),
                        body_end_line: self.end_line(last.range()),
                    };
                    self.found.push(found);
                }
            }
            walk_match_case(self, case);
        }
    }
    let parsed = parse(source)?;
    let mut lines = vec![TextSize::new(0)];
    for (offset, byte) in source.bytes().enumerate() {
        if byte == b'\n' {
            lines.push(TextSize::new(u32::try_from(offset + 1).unwrap_or(u32::MAX)));
        }
    }
    let mut cases = Cases {
        lines,
        found: Vec::new(),
    };
    cases.visit_body(&parsed.syntax().body);
    Some(cases.found)
}

/// Which jumps a block catches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Jump {
    Break,
    Continue,
    Raise,
    Return,
}

impl Jump {
    fn word(self) -> &'static str {
        match self {
            Jump::Break => "break",
            Jump::Continue => "continue",
            Jump::Raise => "raise",
            Jump::Return => "return",
        }
    }
}

/// An entry of the block stack.
enum Block {
    Loop { top: i32, breaks: Exits },
    Function { start: i32, name: String },
    Try { handler: Option<i32> },
}

/// A statement container met while looking for code objects, in the order CPython's
/// `ast.iter_child_nodes` gives them.
enum Node<'a> {
    Stmt(&'a Stmt),
    Handler(&'a ast::ExceptHandlerExceptHandler),
    Case(&'a ast::MatchCase),
    /// The `elif` clauses of an `if`, from the first one not yet visited (CPython nests them
    /// as `if` statements in `orelse`).
    Elif(&'a [ast::ElifElseClause]),
}

struct Finder<'a> {
    source: &'a str,
    line_starts: Vec<TextSize>,
    multiline: &'a BTreeMap<u32, u32>,
    version: PythonVersion,
    statements: HashSet<i32>,
    arcs: HashSet<Arc>,
    fragments: BTreeMap<Arc, Vec<Fragment>>,
    blocks: Vec<Block>,
    open_withs: HashSet<i32>,
    with_lines: BTreeSet<i32>,
    with_entries: HashSet<Arc>,
    with_returns: BTreeSet<Arc>,
}

const NEVER_TRUE: &str = "the condition on line {lineno} was never true";
const ALWAYS_TRUE: &str = "the condition on line {lineno} was always true";
const ALWAYS_MATCHED: &str = "the pattern on line {lineno} always matched";

impl<'a> Finder<'a> {
    fn new(
        source: &'a str,
        code_lines: &[u32],
        multiline: &'a BTreeMap<u32, u32>,
        version: PythonVersion,
    ) -> Self {
        let mut line_starts = vec![TextSize::new(0)];
        for (offset, byte) in source.bytes().enumerate() {
            if byte == b'\n' {
                line_starts.push(TextSize::new(u32::try_from(offset + 1).unwrap_or(u32::MAX)));
            }
        }
        let first = |line: u32| multiline.get(&line).copied().unwrap_or(line);
        Finder {
            source,
            line_starts,
            multiline,
            version,
            statements: code_lines
                .iter()
                .map(|&line| line_number(first(line)))
                .collect(),
            arcs: HashSet::new(),
            fragments: BTreeMap::new(),
            blocks: Vec::new(),
            open_withs: HashSet::new(),
            with_lines: BTreeSet::new(),
            with_entries: HashSet::new(),
            with_returns: BTreeSet::new(),
        }
    }

    // -- lines ---------------------------------------------------------------------------

    /// The 1-based line of a byte offset.
    fn line_at(&self, offset: TextSize) -> i32 {
        let index = self.line_starts.partition_point(|start| *start <= offset);
        i32::try_from(index).unwrap_or(i32::MAX)
    }

    /// `line` mapped to the first line of its statement.
    fn first(&self, line: i32) -> i32 {
        match u32::try_from(line) {
            Ok(raw) => line_number(self.multiline.get(&raw).copied().unwrap_or(raw)),
            Err(_) => line,
        }
    }

    /// The line of the `def`, `async` or `class` keyword of a definition: after its last
    /// decorator (ruff's range starts at the first decorator's `@`).
    fn keyword_line(&self, range_start: TextSize, decorators: &[ast::Decorator]) -> i32 {
        let Some(last) = decorators.last() else {
            return self.line_at(range_start);
        };
        let bytes = self.source.as_bytes();
        let mut offset = usize::from(last.range().end());
        while offset < bytes.len() {
            match bytes[offset] {
                b' ' | b'\t' | b'\x0c' | b'\r' | b'\n' | b'\\' | b')' => offset += 1,
                b'#' => {
                    while offset < bytes.len() && bytes[offset] != b'\n' {
                        offset += 1;
                    }
                }
                _ => break,
            }
        }
        self.line_at(TextSize::new(u32::try_from(offset).unwrap_or(u32::MAX)))
    }

    /// The line CPython gives a statement, as coverage.py reads it (`_node_line`).
    fn stmt_line(&self, stmt: &Stmt) -> i32 {
        match stmt {
            Stmt::FunctionDef(def) => match def.decorator_list.first() {
                Some(decorator) => self.expr_start(&decorator.expression),
                None => self.line_at(def.range.start()),
            },
            Stmt::ClassDef(def) => match def.decorator_list.first() {
                Some(decorator) => self.expr_start(&decorator.expression),
                None => self.line_at(def.range.start()),
            },
            Stmt::Assign(assign) => self.expr_line(&assign.value),
            _ => self.line_at(stmt.range().start()),
        }
    }

    fn expr_start(&self, expr: &Expr) -> i32 {
        self.line_at(expr.range().start())
    }

    /// An expression's line as coverage.py's `_node_line` reads it.
    fn expr_line(&self, expr: &Expr) -> i32 {
        match expr {
            Expr::Dict(dict) => match dict.items.first() {
                Some(item) => match &item.key {
                    Some(key) => self.expr_start(key),
                    None => self.expr_start(&item.value),
                },
                None => self.expr_start(expr),
            },
            Expr::List(list) => match list.elts.first() {
                Some(first) => self.expr_line(first),
                None => self.expr_start(expr),
            },
            _ => self.expr_start(expr),
        }
    }

    fn line(&self, stmt: &Stmt) -> i32 {
        self.first(self.stmt_line(stmt))
    }

    fn line_of_expr(&self, expr: &Expr) -> i32 {
        self.first(self.expr_line(expr))
    }

    // -- recording ---------------------------------------------------------------------------

    fn arc(&mut self, start: i32, end: i32, cause: Option<&str>, action: Option<String>) {
        self.arcs.insert((start, end));
        if self.open_withs.contains(&start) {
            self.with_entries.insert((start, end));
        }
        if cause.is_some() || action.is_some() {
            self.fragments
                .entry((start, end))
                .or_default()
                .push((cause.map(str::to_string), action));
        }
    }

    // -- code objects ------------------------------------------------------------------------

    fn run(&mut self, module: &'a [Stmt]) {
        // The module, then every definition, in the order of CPython's walk (a stack).
        let start = self.first(1);
        if module.is_empty() {
            self.arc(start, -start, None, None);
        } else {
            for (line, cause) in self.body(module, Exits::new()) {
                self.arc(
                    line,
                    -start,
                    Some(&cause),
                    Some("exit the module".to_string()),
                );
            }
        }
        // CPython's walk: children pushed in `ast.iter_child_nodes` order, the last popped first.
        let mut todo: Vec<Node<'a>> = module.iter().map(Node::Stmt).collect();
        while let Some(node) = todo.pop() {
            match node {
                Node::Stmt(stmt) => {
                    match stmt {
                        Stmt::FunctionDef(def) => {
                            let start = self.line(stmt);
                            self.blocks.push(Block::Function {
                                start,
                                name: def.name.id.to_string(),
                            });
                            let exits = self.body(&def.body, Exits::new());
                            self.jump(exits, Jump::Return);
                            self.blocks.pop();
                        }
                        Stmt::ClassDef(def) => {
                            let start = self.line(stmt);
                            for (line, cause) in self.body(&def.body, Exits::new()) {
                                self.arc(
                                    line,
                                    -start,
                                    Some(&cause),
                                    Some(format!("exit class '{}'", def.name.id)),
                                );
                            }
                        }
                        _ => {}
                    }
                    push_children(stmt, &mut todo);
                }
                Node::Handler(handler) => todo.extend(handler.body.iter().map(Node::Stmt)),
                Node::Case(case) => todo.extend(case.body.iter().map(Node::Stmt)),
                Node::Elif(clauses) => push_clauses(clauses, &mut todo),
            }
        }
    }

    /// Send break/continue/raise/return exits to the nearest block that takes them.
    fn jump(&mut self, exits: Exits, kind: Jump) {
        let mut index = self.blocks.len();
        while index > 0 {
            index -= 1;
            let mut arcs: Vec<(i32, i32, String, Option<String>)> = Vec::new();
            let taken = match &mut self.blocks[index] {
                Block::Loop { top, breaks } => match kind {
                    Jump::Break => {
                        breaks.extend(exits.iter().cloned());
                        true
                    }
                    Jump::Continue => {
                        arcs.extend(
                            exits
                                .iter()
                                .map(|(line, cause)| (*line, *top, cause.clone(), None)),
                        );
                        true
                    }
                    _ => false,
                },
                Block::Function { start, name } => match kind {
                    Jump::Raise | Jump::Return => {
                        let action = if kind == Jump::Raise {
                            format!("except from function '{name}'")
                        } else {
                            format!("return from function '{name}'")
                        };
                        arcs.extend(exits.iter().map(|(line, cause)| {
                            (*line, -*start, cause.clone(), Some(action.clone()))
                        }));
                        true
                    }
                    _ => false,
                },
                Block::Try { handler } => match kind {
                    Jump::Raise => {
                        if let Some(handler) = *handler {
                            arcs.extend(
                                exits
                                    .iter()
                                    .map(|(line, cause)| (*line, handler, cause.clone(), None)),
                            );
                        }
                        true
                    }
                    _ => false,
                },
            };
            for (start, end, cause, action) in arcs {
                self.arc(start, end, Some(&cause), action);
            }
            if taken {
                return;
            }
        }
    }

    // -- statements --------------------------------------------------------------------------

    /// Arcs through a suite entered from `entries`; returns the suite's exits.
    fn body(&mut self, nodes: &'a [Stmt], entries: Exits) -> Exits {
        let mut previous = entries;
        for node in nodes {
            let line = self.line(node);
            if !self.statements.contains(&line) {
                continue;
            }
            for (start, cause) in &previous {
                self.arc(*start, line, Some(cause), None);
            }
            previous = self.exits(node);
        }
        previous
    }

    fn exits(&mut self, node: &'a Stmt) -> Exits {
        match node {
            Stmt::Break(_) => self.leave(node, Jump::Break),
            Stmt::Continue(_) => self.leave(node, Jump::Continue),
            Stmt::Raise(_) => self.leave(node, Jump::Raise),
            Stmt::Return(_) => self.leave(node, Jump::Return),
            Stmt::FunctionDef(def) => self.definition(&def.decorator_list, def.range.start()),
            Stmt::ClassDef(def) => self.definition(&def.decorator_list, def.range.start()),
            Stmt::For(stmt) => self.for_(stmt),
            Stmt::If(stmt) => self.if_(&stmt.test, &stmt.body, &stmt.elif_else_clauses),
            Stmt::Match(stmt) => self.match_(node, stmt),
            Stmt::Try(stmt) => self.try_(node, stmt),
            Stmt::While(stmt) => self.while_(stmt),
            Stmt::With(stmt) => self.with(node, stmt),
            _ => Exits::from([(self.line(node), String::new())]),
        }
    }

    fn leave(&mut self, node: &Stmt, kind: Jump) -> Exits {
        let cause = format!("the {} on line {{lineno}} wasn't executed", kind.word());
        self.jump(Exits::from([(self.line(node), cause)]), kind);
        Exits::new()
    }

    fn definition(&mut self, decorators: &[ast::Decorator], range_start: TextSize) -> Exits {
        // Decorators run from the first to the `def`/`class` line; the body is its own code.
        let last = self.keyword_line(range_start, decorators);
        if !decorators.is_empty() {
            let mut previous: Option<i32> = None;
            for decorator in decorators {
                let line = self.line_of_expr(&decorator.expression);
                if let Some(before) = previous {
                    if line != before {
                        self.arc(before, line, None, None);
                    }
                }
                previous = Some(line);
            }
            if let Some(before) = previous {
                self.arc(before, last, None, None);
            }
        }
        Exits::from([(last, String::new())])
    }

    fn for_(&mut self, node: &'a ast::StmtFor) -> Exits {
        let top = self.line_of_expr(&node.iter);
        self.blocks.push(Block::Loop {
            top,
            breaks: Exits::new(),
        });
        let entry = Exits::from([(top, "the loop on line {lineno} never started".to_string())]);
        for (line, cause) in self.body(&node.body, entry) {
            self.arc(line, top, Some(&cause), None);
        }
        let mut exits = match self.blocks.pop() {
            Some(Block::Loop { breaks, .. }) => breaks,
            _ => Exits::new(),
        };
        let done = (top, "the loop on line {lineno} didn't complete".to_string());
        if node.orelse.is_empty() {
            exits.insert(done);
        } else {
            exits.extend(self.body(&node.orelse, Exits::from([done])));
        }
        exits
    }

    fn if_(
        &mut self,
        test: &'a Expr,
        body: &'a [Stmt],
        clauses: &'a [ast::ElifElseClause],
    ) -> Exits {
        let start = self.line_of_expr(test);
        let truth = constant_truth(test);
        let mut exits = Exits::new();
        if truth != Some(false) {
            exits.extend(self.body(body, Exits::from([(start, NEVER_TRUE.to_string())])));
        }
        if truth != Some(true) {
            exits.extend(self.orelse(clauses, Exits::from([(start, ALWAYS_TRUE.to_string())])));
        }
        exits
    }

    /// The `orelse` of an `if`: its `else` body, or the `if` statement an `elif` is in CPython's
    /// tree (a suite of one statement, on the `elif` line).
    fn orelse(&mut self, clauses: &'a [ast::ElifElseClause], entries: Exits) -> Exits {
        let Some(clause) = clauses.first() else {
            return entries;
        };
        let Some(test) = &clause.test else {
            return self.body(&clause.body, entries);
        };
        let line = self.first(self.line_at(clause.range.start()));
        if !self.statements.contains(&line) {
            return entries;
        }
        for (start, cause) in &entries {
            self.arc(*start, line, Some(cause), None);
        }
        self.if_(test, &clause.body, &clauses[1..])
    }

    fn match_(&mut self, node: &Stmt, stmt: &'a ast::StmtMatch) -> Exits {
        let mut previous = self.line(node);
        let mut exits = Exits::new();
        for case in &stmt.cases {
            let line = self.first(self.line_at(case.pattern.range().start()));
            self.arc(previous, line, Some(ALWAYS_MATCHED), None);
            exits.extend(self.body(
                &case.body,
                Exits::from([(
                    line,
                    "the pattern on line {lineno} never matched".to_string(),
                )]),
            ));
            previous = line;
        }
        if !stmt.cases.last().is_some_and(irrefutable) {
            exits.insert((previous, ALWAYS_MATCHED.to_string()));
        }
        exits
    }

    fn try_(&mut self, node: &Stmt, stmt: &'a ast::StmtTry) -> Exits {
        let handler = stmt
            .handlers
            .first()
            .map(|ast::ExceptHandler::ExceptHandler(h)| self.first(self.line_at(h.range.start())));
        self.blocks.push(Block::Try { handler });
        let mut exits = self.body(&stmt.body, Exits::from([(self.line(node), String::new())]));
        // The body is done: the block stays (without a handler) only for the `finally`.
        if stmt.finalbody.is_empty() {
            self.blocks.pop();
        } else if let Some(Block::Try { handler }) = self.blocks.last_mut() {
            *handler = None;
        }
        let mut handled = Exits::new();
        for ast::ExceptHandler::ExceptHandler(clause) in &stmt.handlers {
            let line = self.first(self.line_at(clause.range.start()));
            let caught = (
                line,
                "the exception caught by line {lineno} didn't happen".to_string(),
            );
            handled.extend(self.body(&clause.body, Exits::from([caught])));
        }
        if !stmt.orelse.is_empty() {
            exits = self.body(&stmt.orelse, exits);
        }
        exits.extend(handled);
        if !stmt.finalbody.is_empty() {
            self.blocks.pop();
            let final_exits = self.body(&stmt.finalbody, exits.clone());
            // The `finally` exits the statement only if something could reach it normally.
            if !exits.is_empty() {
                exits = if self.version.finally_exits_have_no_cause() {
                    // A pending exception or return can keep the `finally` from exiting even
                    // when its last condition was met (coverage.py 7.18).
                    final_exits
                        .into_iter()
                        .map(|(line, _)| (line, String::new()))
                        .collect()
                } else {
                    final_exits
                };
            }
        }
        exits
    }

    fn while_(&mut self, node: &'a ast::StmtWhile) -> Exits {
        let top = self.line_of_expr(&node.test);
        let constant = constant_truth(&node.test).is_some();
        self.blocks.push(Block::Loop {
            top,
            breaks: Exits::new(),
        });
        for (line, cause) in self.body(&node.body, Exits::from([(top, NEVER_TRUE.to_string())])) {
            self.arc(line, top, Some(&cause), None);
        }
        let mut exits = match self.blocks.pop() {
            Some(Block::Loop { breaks, .. }) => breaks,
            _ => Exits::new(),
        };
        let done = (top, ALWAYS_TRUE.to_string());
        if !node.orelse.is_empty() {
            exits.extend(self.body(&node.orelse, Exits::from([done])));
        } else if !constant {
            exits.insert(done);
        }
        exits
    }

    fn with(&mut self, node: &Stmt, stmt: &'a ast::StmtWith) -> Exits {
        let starts: Vec<i32> = if self.version.with_exits_through_context() {
            stmt.items
                .iter()
                .map(|item| self.line_of_expr(&item.context_expr))
                .collect()
        } else {
            vec![self.line(node)]
        };
        self.open_withs.extend(starts.iter().copied());
        self.with_lines.extend(starts.iter().copied());
        let Some(&start) = starts.last() else {
            return Exits::new();
        };
        let exits = self.body(&stmt.body, Exits::from([(start, String::new())]));
        self.open_withs.remove(&start);
        if exits.is_empty() {
            return exits;
        }
        for (line, _) in exits {
            self.arc(line, start, None, None);
            self.with_returns.insert((line, start));
        }
        Exits::from([(start, String::new())])
    }

    // -- the `with` fix-ups ------------------------------------------------------------------

    /// Where each `with` line goes on to, other than into its body.
    fn onward(&self) -> BTreeMap<i32, i32> {
        let mut onward = BTreeMap::new();
        for &line in &self.with_lines {
            let target = self
                .arcs
                .iter()
                .filter(|arc| arc.0 == line && !self.with_entries.contains(arc))
                .map(|arc| arc.1)
                .min();
            if let Some(target) = target {
                onward.insert(line, target);
            }
        }
        onward
    }

    fn old_with_fixers(&self, onward: &BTreeMap<i32, i32>) -> BTreeMap<Arc, (Arc, Arc)> {
        let mut fixers = BTreeMap::new();
        if !self.version.old_with_fixup() {
            return fixers;
        }
        for (&line, &target) in onward {
            for &(end, start) in &self.with_returns {
                if start == line {
                    fixers.insert((end, line), ((line, target), (end, target)));
                }
            }
        }
        fixers
    }

    /// Arcs to rewrite: leaving a `with` body jumps back to the `with` line before going on;
    /// reports show it as going straight on, and drop the `with` line's own onward arc (None).
    fn with_fixers(&self, onward: &BTreeMap<i32, i32>) -> BTreeMap<Arc, Option<Arc>> {
        let mut fixers = BTreeMap::new();
        if self.version.old_with_fixup() {
            return fixers;
        }
        let landing = |mut start: i32| -> i32 {
            let mut target = onward[&start];
            // Bounded: each step moves to another `with` line.
            for _ in 0..=onward.len() {
                match onward.get(&target) {
                    Some(&next) if self.with_returns.contains(&(start, target)) => {
                        start = target;
                        target = next;
                    }
                    _ => break,
                }
            }
            target
        };
        for &(end, start) in &self.with_returns {
            if onward.contains_key(&start) {
                fixers.insert((end, start), Some((end, landing(start))));
            }
        }
        for (&start, &target) in onward {
            if !self.with_returns.contains(&(start, start)) {
                fixers.insert((start, target), None);
            }
        }
        fixers
    }

    fn into_analysis(mut self) -> ArcAnalysis {
        if self.version.empty_cause_is_no_cause() {
            for fragments in self.fragments.values_mut() {
                for (cause, _) in fragments.iter_mut() {
                    if cause.as_deref() == Some("") {
                        *cause = None;
                    }
                }
            }
        }
        let onward = self.onward();
        let mut analysis = ArcAnalysis {
            possible: BTreeSet::new(),
            fixers: self.with_fixers(&onward),
            old_fixers: self.old_with_fixers(&onward),
            fragments: self.fragments,
            multiline: self.multiline.clone(),
        };
        let mut possible = BTreeSet::new();
        for (a, b) in analysis.fix(self.arcs.iter().copied()) {
            let (first_a, first_b) = (analysis.first_line(a), analysis.first_line(b));
            if first_a != first_b {
                possible.insert((first_a, first_b));
            }
        }
        analysis.possible = possible;
        analysis
    }
}

/// The children of a statement that are statement containers, in `ast.iter_child_nodes` order.
fn push_children<'a>(stmt: &'a Stmt, todo: &mut Vec<Node<'a>>) {
    match stmt {
        Stmt::FunctionDef(def) => todo.extend(def.body.iter().map(Node::Stmt)),
        Stmt::ClassDef(def) => todo.extend(def.body.iter().map(Node::Stmt)),
        Stmt::For(stmt) => todo.extend(stmt.body.iter().chain(stmt.orelse.iter()).map(Node::Stmt)),
        Stmt::While(stmt) => {
            todo.extend(stmt.body.iter().chain(stmt.orelse.iter()).map(Node::Stmt))
        }
        Stmt::If(stmt) => {
            todo.extend(stmt.body.iter().map(Node::Stmt));
            push_orelse(&stmt.elif_else_clauses, todo);
        }
        Stmt::With(stmt) => todo.extend(stmt.body.iter().map(Node::Stmt)),
        Stmt::Match(stmt) => todo.extend(stmt.cases.iter().map(Node::Case)),
        Stmt::Try(stmt) => {
            todo.extend(stmt.body.iter().map(Node::Stmt));
            todo.extend(
                stmt.handlers
                    .iter()
                    .map(|ast::ExceptHandler::ExceptHandler(h)| Node::Handler(h)),
            );
            todo.extend(
                stmt.orelse
                    .iter()
                    .chain(stmt.finalbody.iter())
                    .map(Node::Stmt),
            );
        }
        _ => {}
    }
}

fn push_orelse<'a>(clauses: &'a [ast::ElifElseClause], todo: &mut Vec<Node<'a>>) {
    match clauses.first() {
        None => {}
        Some(clause) if clause.test.is_none() => todo.extend(clause.body.iter().map(Node::Stmt)),
        Some(_) => todo.push(Node::Elif(clauses)),
    }
}

fn push_clauses<'a>(clauses: &'a [ast::ElifElseClause], todo: &mut Vec<Node<'a>>) {
    if let Some((clause, rest)) = clauses.split_first() {
        todo.extend(clause.body.iter().map(Node::Stmt));
        push_orelse(rest, todo);
    }
}

fn line_number(line: u32) -> i32 {
    i32::try_from(line).unwrap_or(i32::MAX)
}

/// The truth of a test the compiler folds (`True`, `0`, `not False`, `1 and 2`...), or None
/// when it is not a constant.
fn constant_truth(expr: &Expr) -> Option<bool> {
    match expr {
        Expr::BooleanLiteral(literal) => Some(literal.value),
        Expr::NoneLiteral(_) => Some(false),
        Expr::EllipsisLiteral(_) => Some(true),
        Expr::NumberLiteral(number) => Some(match &number.value {
            Number::Int(int) => *int != ast::Int::ZERO,
            Number::Float(value) => *value != 0.0,
            Number::Complex { real, imag } => *real != 0.0 || *imag != 0.0,
        }),
        Expr::StringLiteral(string) => Some(!string.value.is_empty()),
        Expr::BytesLiteral(bytes) => Some(!bytes.value.is_empty()),
        // `__debug__` is True unless the interpreter runs with -O, which reports never do.
        Expr::Name(name) => (name.id.as_str() == "__debug__").then_some(true),
        Expr::UnaryOp(unary) if unary.op == UnaryOp::Not => {
            constant_truth(&unary.operand).map(|inner| !inner)
        }
        Expr::BoolOp(boolop) => {
            let values: Option<Vec<bool>> = boolop.values.iter().map(constant_truth).collect();
            let values = values?;
            Some(if boolop.op == BoolOp::Or {
                values.iter().any(|v| *v)
            } else {
                values.iter().all(|v| *v)
            })
        }
        _ => None,
    }
}

/// Does this `case` always match (`case _:`, a bare capture, no guard)?
fn irrefutable(case: &ast::MatchCase) -> bool {
    if case.guard.is_some() {
        return false;
    }
    let mut pattern = &case.pattern;
    while let Pattern::MatchOr(or) = pattern {
        match or.patterns.last() {
            Some(last) => pattern = last,
            None => return false,
        }
    }
    while let Pattern::MatchAs(ast::PatternMatchAs {
        pattern: Some(inner),
        ..
    }) = pattern
    {
        pattern = inner;
    }
    matches!(
        pattern,
        Pattern::MatchAs(ast::PatternMatchAs { pattern: None, .. })
    )
}

impl ArcAnalysis {
    pub fn first_line(&self, line: i32) -> i32 {
        let map = |raw: i32| match u32::try_from(raw) {
            Ok(value) => line_number(self.multiline.get(&value).copied().unwrap_or(value)),
            Err(_) => raw,
        };
        if line < 0 {
            -map(-line)
        } else {
            map(line)
        }
    }

    fn fix(&self, arcs: impl Iterator<Item = Arc>) -> BTreeSet<Arc> {
        if !self.old_fixers.is_empty() {
            return self.old_fix(arcs);
        }
        arcs.filter_map(|arc| match self.fixers.get(&arc) {
            Some(new) => *new,
            None => Some(arc),
        })
        .collect()
    }

    fn old_fix(&self, arcs: impl Iterator<Item = Arc>) -> BTreeSet<Arc> {
        let arcs: BTreeSet<Arc> = arcs.collect();
        let mut remove = BTreeSet::new();
        let mut add = BTreeSet::new();
        for arc in &arcs {
            let Some(&(mut start_next, mut end_next)) = self.old_fixers.get(arc) else {
                continue;
            };
            remove.insert(*arc);
            // Bounded: a chain of fix-ups through nested `with` lines.
            for _ in 0..=self.old_fixers.len() {
                let Some(&(next_start, next_end)) = self.old_fixers.get(&start_next) else {
                    break;
                };
                remove.insert(start_next);
                start_next = next_start;
                end_next = next_end;
                remove.insert(end_next);
            }
            add.insert((arc.0, end_next.1));
            remove.insert(start_next);
        }
        arcs.union(&add)
            .filter(|arc| !remove.contains(arc))
            .copied()
            .collect()
    }

    /// Measured arcs as reports use them: `with` jumps fixed, on first lines.
    pub fn translate(&self, arcs: impl Iterator<Item = Arc>) -> BTreeSet<Arc> {
        self.fix(arcs)
            .into_iter()
            .map(|(a, b)| (self.first_line(a), self.first_line(b)))
            .collect()
    }

    /// coverage.py's executed arcs: translated; a line that jumps to itself (a loop on one
    /// line) counts as taking its only possible exit, if it has only one.
    pub fn executed(&self, measured: impl Iterator<Item = Arc>) -> BTreeSet<Arc> {
        let mut destinations: HashMap<i32, Vec<i32>> = HashMap::new();
        for &(a, b) in &self.possible {
            destinations.entry(a).or_default().push(b);
        }
        let mut result = BTreeSet::new();
        for (a, b) in self.translate(measured) {
            if a != b {
                result.insert((a, b));
            } else if let Some([only]) = destinations.get(&a).map(Vec::as_slice) {
                result.insert((a, *only));
            }
        }
        self.translate(result.into_iter())
    }

    /// The number of possible exits of each line, leaving out arcs from or to excluded lines.
    pub fn exit_counts(&self, excluded: &BTreeSet<u32>) -> BTreeMap<i32, u32> {
        let is_excluded =
            |line: i32| u32::try_from(line).is_ok_and(|line| excluded.contains(&line));
        let mut counts = BTreeMap::new();
        for &(a, b) in &self.possible {
            if is_excluded(a) || is_excluded(b) {
                continue;
            }
            *counts.entry(a).or_insert(0) += 1;
        }
        counts
    }

    /// What the arc does ("jump to line 7", "return from function 'f'"), as LCOV shows it.
    pub fn action(&self, start: i32, end: i32) -> String {
        let action = self
            .fragments
            .get(&(start, end))
            .and_then(|fragments| fragments.first())
            .and_then(|f| f.1.clone());
        format_lineno(
            &action.unwrap_or_else(|| default_action(end).to_string()),
            end,
        )
    }

    /// "line 5 didn't jump to line 7 because ...", as coverage.py's HTML report says it.
    pub fn description(&self, start: i32, end: i32) -> String {
        let none = vec![(None, None)];
        let fragments = self.fragments.get(&(start, end)).unwrap_or(&none);
        let parts: Vec<String> = fragments
            .iter()
            .map(|(cause, action)| {
                let action = action
                    .clone()
                    .unwrap_or_else(|| default_action(end).to_string());
                let mut text = format!("line {start} didn't {}", format_lineno(&action, end));
                if let Some(cause) = cause {
                    text.push_str(" because ");
                    text.push_str(&format_lineno(cause, start));
                }
                text
            })
            .collect();
        parts.join(" or ")
    }
}

fn default_action(end: i32) -> &'static str {
    if end < 0 {
        "jump to the function exit"
    } else {
        "jump to line {lineno}"
    }
}

fn format_lineno(template: &str, line: i32) -> String {
    template.replace("{lineno}", &line.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn arcs_of(source: &str, code_lines: &[u32]) -> BTreeSet<Arc> {
        let version = PythonVersion {
            major: 3,
            minor: 13,
            micro: 0,
        };
        analyze(source, code_lines, &BTreeMap::new(), version)
            .map(|a| a.possible)
            .unwrap_or_default()
    }

    #[test]
    fn an_if_has_two_ways_and_a_constant_one_has_one() {
        let source = "if x:\n    a = 1\nb = 2\nif True:\n    c = 3\n";
        assert_eq!(
            arcs_of(source, &[1, 2, 3, 4, 5]),
            BTreeSet::from([(1, 2), (1, 3), (2, 3), (3, 4), (4, 5), (5, -1)])
        );
    }

    #[test]
    fn a_unary_plus_in_a_literal_pattern_reads_as_the_literal() {
        let plus = "match x:\n    case +1 | [+2.5j] | {'a': +0.25 + 1.75j}:\n        y = 0\n    case _:\n        y = 1\n";
        let plain = plus
            .replace('+', " ")
            .replace("0.25   1.75j", "0.25 + 1.75j");
        let lines = [1, 2, 3, 4, 5];
        assert!(parse(plus).is_some());
        assert_eq!(arcs_of(plus, &lines), arcs_of(&plain, &lines));
        assert!(!arcs_of(plus, &lines).is_empty());
        assert_eq!(irrefutable_cases(plus).map(|c| c.len()), Some(1));
        // Any other error is still one.
        assert!(parse("match x:\n    case +1:\n        y = (\n").is_none());
        assert!(parse("x = +\n").is_none());
    }

    #[test]
    fn what_the_parser_does_not_read_is_named_with_its_line() {
        assert_eq!(parse_problem("x = 1\n"), None);
        let problem = parse_problem("x = 1\ny = (\nz = 3\n").expect("a problem");
        assert!(problem.ends_with("at line 3"), "{problem}");
        assert!(problem.starts_with('\''), "{problem}");
        // The unary plus it reads is no problem.
        assert_eq!(
            parse_problem("match x:\n    case +1:\n        y = 0\n"),
            None
        );
    }

    #[test]
    fn elif_chains_are_nested_ifs() {
        let source = "if a:\n    x = 1\nelif b:\n    x = 2\nelse:\n    x = 3\n";
        assert_eq!(
            arcs_of(source, &[1, 2, 3, 4, 6]),
            BTreeSet::from([(1, 2), (1, 3), (2, -1), (3, 4), (3, 6), (4, -1), (6, -1)])
        );
    }

    #[test]
    fn a_decorated_function_goes_through_its_decorators_to_its_def_line() {
        let source = "@d1\n@d2(\n  1)\ndef f():\n    return 1\n";
        let analysis = analyze(
            source,
            &[1, 2, 4, 5],
            &BTreeMap::from([(2, 2), (3, 2)]),
            PythonVersion {
                major: 3,
                minor: 12,
                micro: 0,
            },
        );
        let possible = analysis.map(|a| a.possible).unwrap_or_default();
        assert_eq!(possible, BTreeSet::from([(1, 2), (2, 4), (4, -1), (5, -1)]));
    }

    #[test]
    fn descriptions_say_why_a_branch_was_missed() {
        let source = "for i in x:\n    if i:\n        break\n";
        let analysis = analyze(
            source,
            &[1, 2, 3],
            &BTreeMap::new(),
            PythonVersion {
                major: 3,
                minor: 13,
                micro: 0,
            },
        );
        let Some(analysis) = analysis else {
            panic!("parsed")
        };
        assert_eq!(
            analysis.description(1, -1),
            "line 1 didn't exit the module because the loop on line 1 didn't complete"
        );
        assert_eq!(analysis.action(2, 3), "jump to line 3");
        assert_eq!(analysis.exit_counts(&BTreeSet::new()).get(&2), Some(&2));
    }

    #[test]
    fn a_source_the_parser_does_not_read_has_no_analysis() {
        assert!(analyze(
            "def (:\n",
            &[],
            &BTreeMap::new(),
            PythonVersion {
                major: 3,
                minor: 13,
                micro: 0
            }
        )
        .is_none());
    }
}
