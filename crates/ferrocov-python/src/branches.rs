//! Branch events to arcs, for the sys.monitoring branch core (3.12+).
//!
//! A BRANCH_LEFT or BRANCH_RIGHT event (a BRANCH event before 3.14) gives the offsets of the branch instruction and of where
//! it went. The arc is (line of the branch, first line reached from the destination): follow
//! the instructions from the destination (through unconditional jumps) until one is on another
//! line (the arc), a return (the arc out of the code object), or another branch (none: that
//! branch fires its own events). Line numbers are mapped to the first line of their statement.
//! These are the arcs coverage.py's own sys.monitoring core records, so that both tools store
//! the same data and report the same branches.

// 3.14+ has one event per way of a branch: the helpers for 3.12/3.13's single BRANCH event go unused there.
#![cfg_attr(Py_3_14, allow(dead_code))]

use std::collections::HashMap;
use std::sync::atomic::{AtomicU16, Ordering};
use std::sync::Arc;

use pyo3::prelude::*;

const JUMP: u16 = 1;
const ALWAYS_JUMP: u16 = 2;
const BACKWARD: u16 = 4;
const RETURN: u16 = 8;
const NO_FALL_THROUGH: u16 = 16;
const CACHE: u16 = 32;
const EXTENDED_ARG: u16 = 64;
/// A conditional jump whose two ways are the next instruction and its forward target
/// (POP_JUMP_IF_*, FOR_ITER): the way not taken can be worked out from the one taken.
const TWO_WAYS: u16 = 128;
/// Control never goes on to the next instruction (a raise), for the control-flow graph only
/// (the trail of a branch follows coverage.py's resolver, which does not stop there).
const ENDS_FLOW: u16 = 256;
/// An `except` clause's test (CHECK_EXC_MATCH; CHECK_EG_MATCH for `except*`).
const EXCEPTION_MATCH: u16 = 512;
const COPY: u16 = 1024;

/// What each opcode of this interpreter is, as far as following a trail needs to know.
static OPCODES: [AtomicU16; 256] = [const { AtomicU16::new(0) }; 256];

/// Learn the opcodes from `opcode` (their numbers change between versions; `dis` would say the
/// same at five times the import cost, paid by every measured process).
pub fn configure(py: Python<'_>) -> PyResult<()> {
    let opcode = py.import("opcode")?;
    let opmap = opcode.getattr("opmap")?;
    let mark = |name: &str, flag: u16| -> PyResult<()> {
        if let Ok(op) = opmap.get_item(name).and_then(|v| v.extract::<u8>()) {
            OPCODES[op as usize].fetch_or(flag, Ordering::Relaxed);
        }
        Ok(())
    };
    for attribute in ["hasjrel", "hasjabs"] {
        for op in opcode.getattr(attribute)?.try_iter()? {
            // Pseudo-instructions (numbered from 256) never appear in bytecode.
            let Ok(op) = op?.extract::<u8>() else {
                continue;
            };
            OPCODES[op as usize].fetch_or(JUMP, Ordering::Relaxed);
            let name: String = opcode.getattr("opname")?.get_item(op)?.extract()?;
            if name.contains("JUMP_BACKWARD") {
                OPCODES[op as usize].fetch_or(BACKWARD, Ordering::Relaxed);
            }
        }
    }
    for name in [
        "JUMP_BACKWARD",
        "JUMP_BACKWARD_NO_INTERRUPT",
        "JUMP_FORWARD",
    ] {
        mark(name, ALWAYS_JUMP)?;
    }
    for name in ["RETURN_VALUE", "RETURN_CONST", "RETURN_GENERATOR"] {
        mark(name, RETURN)?;
    }
    mark("RERAISE", NO_FALL_THROUGH)?;
    for name in [
        "RAISE_VARARGS",
        "RERAISE",
        "RETURN_VALUE",
        "RETURN_CONST",
        "RETURN_GENERATOR",
        "JUMP_FORWARD",
        "JUMP_BACKWARD",
        "JUMP_BACKWARD_NO_INTERRUPT",
    ] {
        mark(name, ENDS_FLOW)?;
    }
    for name in [
        "POP_JUMP_IF_FALSE",
        "POP_JUMP_IF_TRUE",
        "POP_JUMP_IF_NONE",
        "POP_JUMP_IF_NOT_NONE",
        "FOR_ITER",
    ] {
        mark(name, TWO_WAYS)?;
    }
    mark("CACHE", CACHE)?;
    mark("CHECK_EXC_MATCH", EXCEPTION_MATCH)?;
    mark("CHECK_EG_MATCH", EXCEPTION_MATCH)?;
    mark("COPY", COPY)?;
    mark("EXTENDED_ARG", EXTENDED_ARG)?;
    Ok(())
}

fn is(op: u8, flag: u16) -> bool {
    OPCODES[op as usize].load(Ordering::Relaxed) & flag != 0
}

/// A code object's bytecode and line table, and its file's multi-line statements.
pub struct Trail {
    /// For each line, the one line control can enter it from (None: several, or from
    /// outside: the caller, an exception handler, an instruction without a line), made when
    /// first needed (3.12 and 3.13's watches).
    entries: Option<HashMap<i32, Option<i32>>>,
    code: Vec<u8>,
    /// The line of each 2-byte code unit (None where the line table has none).
    lines: Vec<Option<i32>>,
    multiline: Arc<HashMap<i32, i32>>,
}

/// The line of each 2-byte code unit of `code`, from `co_lines()` (later entries win, as in
/// coverage.py's `bytes_to_lines`).
pub fn byte_lines(code: &Bound<'_, PyAny>) -> PyResult<Vec<Option<i32>>> {
    let size: usize = code.getattr("co_code")?.len()?;
    let mut lines = vec![None; size / 2 + 1];
    for entry in code.call_method0("co_lines")?.try_iter()? {
        let (start, end, line): (usize, usize, Option<i32>) = entry?.extract()?;
        if let Some(line) = line {
            for unit in (start / 2)..(end / 2).min(lines.len()) {
                lines[unit] = Some(line);
            }
        }
    }
    Ok(lines)
}

/// The line of the instruction at byte `offset`.
pub fn line_at(lines: &[Option<i32>], offset: usize) -> Option<i32> {
    if !offset.is_multiple_of(2) {
        return None;
    }
    lines.get(offset / 2).copied().flatten()
}

impl Trail {
    pub fn new(code: &Bound<'_, PyAny>, multiline: Arc<HashMap<i32, i32>>) -> PyResult<Trail> {
        Ok(Trail {
            entries: None,
            code: code.getattr("co_code")?.extract()?,
            lines: byte_lines(code)?,
            multiline,
        })
    }

    /// Is the branch at `offset` an `except` clause's test of the exception (the jump after
    /// CHECK_EXC_MATCH, or after CHECK_EG_MATCH and COPY 1 for `except*`)?
    pub fn tests_an_exception(&self, offset: usize) -> bool {
        let code = &self.code;
        let mut back = offset;
        while back >= 2 && code.get(back - 2).is_some_and(|&op| is(op, EXTENDED_ARG)) {
            back -= 2;
        }
        let before =
            |at: usize| -> Option<u8> { at.checked_sub(2).and_then(|at| code.get(at).copied()) };
        match before(back) {
            Some(op) if is(op, EXCEPTION_MATCH) => true,
            Some(op) if is(op, COPY) && code.get(back - 1) == Some(&1) => {
                before(back - 2).is_some_and(|op| is(op, EXCEPTION_MATCH))
            }
            _ => false,
        }
    }

    /// The line of the instruction at `offset`, as the line table has it.
    pub fn line(&self, offset: usize) -> Option<i32> {
        line_at(&self.lines, offset)
    }

    fn statement_line(&self, offset: usize) -> Option<i32> {
        line_at(&self.lines, offset).map(|line| self.multiline.get(&line).copied().unwrap_or(line))
    }

    /// The arc a branch from `source` to `dest` took, or None (see the module's description).
    /// `first_line` is the code object's `co_firstlineno`.
    pub fn resolve(&self, source: usize, dest: usize, first_line: i32) -> Option<(i32, i32)> {
        self.resolve_to(source, dest, first_line)
            .map(|(arc, _)| arc)
    }

    /// As `resolve`, with the offset of the instruction that ends the arc: the first one on
    /// the arc's last line, or (for the arc out of the code object) the return.
    pub fn resolve_to(
        &self,
        source: usize,
        dest: usize,
        first_line: i32,
    ) -> Option<((i32, i32), usize)> {
        let from_line = self.statement_line(source)?;
        let code = &self.code;
        let mut offset = dest as i64;
        let mut extended: u32 = 0;
        let mut seen = std::collections::HashSet::new();
        while offset >= 0 && (offset as usize) + 1 < code.len() && seen.insert(offset) {
            let at = offset as usize;
            let op = code[at];
            if is(op, CACHE) {
                offset += 2;
                continue;
            }
            if is(op, EXTENDED_ARG) {
                extended = (extended | code[at + 1] as u32) << 8;
                offset += 2;
                continue;
            }
            if let Some(line) = self.statement_line(at) {
                if line != 0 && line != from_line {
                    return Some(((from_line, line), at));
                }
            }
            if is(op, JUMP) {
                if !is(op, ALWAYS_JUMP) {
                    // Another branch: it fires its own events.
                    return None;
                }
                let argument = (extended | code[at + 1] as u32) as i64;
                // Jump distances count from the end of the instruction's inline caches.
                let mut next = at + 2;
                while next + 1 < code.len() && is(code[next], CACHE) {
                    next += 2;
                }
                offset = if is(op, BACKWARD) {
                    next as i64 - 2 * argument
                } else {
                    next as i64 + 2 * argument
                };
                extended = 0;
                continue;
            }
            if is(op, RETURN) {
                return Some(((from_line, -first_line), at));
            }
            if is(op, NO_FALL_THROUGH) {
                return None;
            }
            extended = 0;
            offset += 2;
        }
        None
    }

    /// The arc a branch from `source` to `dest` records: the one it resolves to, else the
    /// lines as the line table has them.
    pub fn arc(&self, source: usize, dest: usize, first_line: i32) -> Option<(i32, i32)> {
        self.resolve(source, dest, first_line)
            .or_else(|| self.raw_arc(source, dest))
    }

    /// The other way the two-way branch at `source` can go, given the way it went (`dest`);
    /// None when this branch is not one whose ways are known (3.12 and 3.13's BRANCH event).
    pub fn other_way(&self, source: usize, dest: usize) -> Option<usize> {
        let code = &self.code;
        let op = *code.get(source)?;
        if !is(op, TWO_WAYS) || is(op, BACKWARD) {
            return None;
        }
        let mut argument = *code.get(source + 1)? as usize;
        let mut shift = 8;
        let mut back = source;
        while back >= 2 && is(code[back - 2], EXTENDED_ARG) {
            back -= 2;
            argument |= (code[back + 1] as usize) << shift;
            shift += 8;
        }
        let mut next = source + 2;
        while next + 1 < code.len() && is(code[next], CACHE) {
            next += 2;
        }
        let target = next + 2 * argument;
        if dest == next {
            Some(target)
        } else if dest >= target {
            // The target itself, or (FOR_ITER, exhausted) just past the instructions there
            // that end the loop.
            Some(next)
        } else {
            None
        }
    }

    /// The line the instruction at `at` is on, as the line table has it.
    pub fn raw_line(&self, at: usize) -> Option<i32> {
        line_at(&self.lines, at)
    }

    /// The line of a multi-line statement's first line.
    pub fn statement_of(&self, line: i32) -> i32 {
        self.multiline.get(&line).copied().unwrap_or(line)
    }

    /// The one line `line` can be entered from, if there is exactly one (see `entries`).
    /// `handlers` are the targets of the code object's exception table.
    pub fn only_entry(
        &mut self,
        line: i32,
        handlers: impl FnOnce() -> Option<Vec<usize>>,
    ) -> Option<i32> {
        if self.entries.is_none() {
            let computed = match handlers() {
                Some(handlers) => self.control_flow_entries(&handlers),
                None => HashMap::new(),
            };
            self.entries = Some(computed);
        }
        self.entries
            .as_ref()
            .and_then(|entries| entries.get(&line).copied().flatten())
    }

    /// For each line, the line control enters it from, from the control-flow graph of the
    /// bytecode: an edge between instructions on different lines enters the second line from
    /// the first. The first instruction, exception handlers, and edges from an instruction
    /// with no line enter from outside (None); so does more than one line.
    fn control_flow_entries(&self, handlers: &[usize]) -> HashMap<i32, Option<i32>> {
        let code = &self.code;
        let mut entries: HashMap<i32, Option<i32>> = HashMap::new();
        let enter =
            |entries: &mut HashMap<i32, Option<i32>>, to: Option<i32>, from: Option<i32>| {
                let Some(to) = to else { return };
                if Some(to) == from {
                    return;
                }
                let merged = match entries.get(&to) {
                    None => from,
                    Some(&existing) => existing.filter(|&line| Some(line) == from),
                };
                entries.insert(to, merged);
            };
        enter(&mut entries, self.raw_line(0), None);
        for &handler in handlers {
            enter(&mut entries, self.raw_line(handler), None);
        }
        let mut at = 0;
        let mut extended: usize = 0;
        while at + 1 < code.len() {
            let op = code[at];
            if is(op, CACHE) {
                at += 2;
                continue;
            }
            let line = self.raw_line(at);
            let mut next = at + 2;
            while next + 1 < code.len() && is(code[next], CACHE) {
                next += 2;
            }
            if is(op, EXTENDED_ARG) {
                extended = (extended | code[at + 1] as usize) << 8;
            } else {
                if is(op, JUMP) {
                    let argument = extended | code[at + 1] as usize;
                    let target = if is(op, BACKWARD) {
                        next.checked_sub(2 * argument)
                    } else {
                        Some(next + 2 * argument)
                    };
                    match target {
                        Some(target) if target < code.len() => {
                            enter(&mut entries, self.raw_line(target), line)
                        }
                        // A jump this reading can't place: trust no entry of this code.
                        _ => return HashMap::new(),
                    }
                }
                extended = 0;
            }
            if !is(op, ENDS_FLOW) && next + 1 < code.len() {
                enter(&mut entries, self.raw_line(next), line);
            }
            at = next;
        }
        entries
    }

    /// The lines of `source` and `dest` as the line table has them (no statement mapping):
    /// the arc coverage.py records for a branch it cannot resolve (an exception's jump).
    pub fn raw_arc(&self, source: usize, dest: usize) -> Option<(i32, i32)> {
        let from = line_at(&self.lines, source)?;
        let to = line_at(&self.lines, dest)?;
        (from != to).then_some((from, to))
    }
}
