//! Probes for CPython 3.10 and 3.11 bytecode: a code object is rewritten so that, before the
//! first instruction of each line (and before every jump or exception-handler target), a short
//! call records the line; measuring branches, the edges between lines get probes that record
//! their arc ([`crate::probe_arcs`]). The interpreter then runs at full speed (3.11:
//! specialised) with no trace function; once a probe has recorded its line or arc the
//! measurement core overwrites its first instruction with a jump over the rest, so a running
//! loop stops paying for it.
//!
//! This module is the pure part: decode the code, the location (3.10: line) table and the
//! exception table of the version's format, insert the probes, and encode them again with every
//! jump, handler and location moved to match. The binding makes the code object and patches
//! probes out.
//!
//! A probe is (3.11) `PUSH_NULL; LOAD_CONST <probe>; LOAD_CONST <arg>; PRECALL 1; CACHE; CALL
//! 1; CACHE x4; POP_TOP` or (3.10) `LOAD_CONST <probe>; LOAD_CONST <arg>; CALL_FUNCTION 1;
//! POP_TOP` (more `EXTENDED_ARG`s when the constant indexes need them): it leaves the stack as
//! it found it, so it can stand anywhere between two instructions. Its argument is what it
//! records, plus the distance in code units from the probe's first unit to its call, which the
//! binding needs to find the unit to overwrite.

use std::collections::BTreeSet;

/// CPython 3.11's opcode numbers (`opcode.opmap`; the binding checks them against the
/// interpreter's before it uses probes: [`op::NAMED`]).
pub mod op {
    pub const CACHE: u8 = 0;
    pub const COPY: u8 = 120;
    pub const RERAISE: u8 = 119;
    pub const RETURN_GENERATOR: u8 = 75;
    pub const RETURN_VALUE: u8 = 83;
    pub const LOAD_ASSERTION_ERROR: u8 = 74;
    pub const YIELD_VALUE: u8 = 86;
    pub const RAISE_VARARGS: u8 = 130;
    pub const MAKE_CELL: u8 = 135;
    pub const COPY_FREE_VARS: u8 = 149;
    pub const POP_TOP: u8 = 1;
    pub const PUSH_NULL: u8 = 2;
    pub const FOR_ITER: u8 = 93;
    pub const LOAD_CONST: u8 = 100;
    pub const JUMP_FORWARD: u8 = 110;
    pub const JUMP_IF_FALSE_OR_POP: u8 = 111;
    pub const JUMP_IF_TRUE_OR_POP: u8 = 112;
    pub const POP_JUMP_FORWARD_IF_FALSE: u8 = 114;
    pub const POP_JUMP_FORWARD_IF_TRUE: u8 = 115;
    pub const SEND: u8 = 123;
    pub const POP_JUMP_FORWARD_IF_NOT_NONE: u8 = 128;
    pub const POP_JUMP_FORWARD_IF_NONE: u8 = 129;
    pub const JUMP_BACKWARD_NO_INTERRUPT: u8 = 134;
    pub const JUMP_BACKWARD: u8 = 140;
    pub const EXTENDED_ARG: u8 = 144;
    pub const RESUME: u8 = 151;
    pub const PRECALL: u8 = 166;
    pub const CALL: u8 = 171;
    pub const POP_JUMP_BACKWARD_IF_NOT_NONE: u8 = 173;
    pub const POP_JUMP_BACKWARD_IF_NONE: u8 = 174;
    pub const POP_JUMP_BACKWARD_IF_FALSE: u8 = 175;
    pub const POP_JUMP_BACKWARD_IF_TRUE: u8 = 176;

    /// Each of the above (but `CACHE`) with its name in `opcode.opmap`.
    pub const NAMED: [(&str, u8); 31] = [
        ("COPY", COPY),
        ("LOAD_ASSERTION_ERROR", LOAD_ASSERTION_ERROR),
        ("RERAISE", RERAISE),
        ("RETURN_GENERATOR", RETURN_GENERATOR),
        ("RETURN_VALUE", RETURN_VALUE),
        ("YIELD_VALUE", YIELD_VALUE),
        ("RAISE_VARARGS", RAISE_VARARGS),
        ("MAKE_CELL", MAKE_CELL),
        ("COPY_FREE_VARS", COPY_FREE_VARS),
        ("POP_TOP", POP_TOP),
        ("PUSH_NULL", PUSH_NULL),
        ("FOR_ITER", FOR_ITER),
        ("LOAD_CONST", LOAD_CONST),
        ("JUMP_FORWARD", JUMP_FORWARD),
        ("JUMP_IF_FALSE_OR_POP", JUMP_IF_FALSE_OR_POP),
        ("JUMP_IF_TRUE_OR_POP", JUMP_IF_TRUE_OR_POP),
        ("POP_JUMP_FORWARD_IF_FALSE", POP_JUMP_FORWARD_IF_FALSE),
        ("POP_JUMP_FORWARD_IF_TRUE", POP_JUMP_FORWARD_IF_TRUE),
        ("SEND", SEND),
        ("POP_JUMP_FORWARD_IF_NOT_NONE", POP_JUMP_FORWARD_IF_NOT_NONE),
        ("POP_JUMP_FORWARD_IF_NONE", POP_JUMP_FORWARD_IF_NONE),
        ("JUMP_BACKWARD_NO_INTERRUPT", JUMP_BACKWARD_NO_INTERRUPT),
        ("JUMP_BACKWARD", JUMP_BACKWARD),
        ("EXTENDED_ARG", EXTENDED_ARG),
        ("RESUME", RESUME),
        ("PRECALL", PRECALL),
        ("CALL", CALL),
        (
            "POP_JUMP_BACKWARD_IF_NOT_NONE",
            POP_JUMP_BACKWARD_IF_NOT_NONE,
        ),
        ("POP_JUMP_BACKWARD_IF_NONE", POP_JUMP_BACKWARD_IF_NONE),
        ("POP_JUMP_BACKWARD_IF_FALSE", POP_JUMP_BACKWARD_IF_FALSE),
        ("POP_JUMP_BACKWARD_IF_TRUE", POP_JUMP_BACKWARD_IF_TRUE),
    ];
}

/// CPython 3.10's opcode numbers, where they differ (3.10 jumps: absolute ones in code units,
/// no inline caches, no exception table: `SETUP_*` jump to their handlers).
pub mod op310 {
    pub const LOAD_CONST: u8 = 100;
    pub const JUMP_FORWARD: u8 = 110;
    pub const JUMP_ABSOLUTE: u8 = 113;
    pub const CALL_FUNCTION: u8 = 131;
    pub const GEN_START: u8 = 129;
    pub const YIELD_FROM: u8 = 72;
    pub const POP_BLOCK: u8 = 87;
    pub const POP_EXCEPT: u8 = 89;
    pub const SETUP_FINALLY: u8 = 122;
    /// The instructions that push a block whose handler their argument gives: SETUP_FINALLY,
    /// SETUP_WITH, SETUP_ASYNC_WITH (not jumps: control goes on to the next instruction).
    pub const SETUP: [u8; 3] = [122, 143, 154];
    /// CPython's CO_MAXBLOCKS: a frame's block stack holds no more.
    pub const MAX_BLOCKS: usize = 20;
    /// Relative jumps: FOR_ITER, JUMP_FORWARD, SETUP_FINALLY, SETUP_WITH, SETUP_ASYNC_WITH.
    pub const RELATIVE: [u8; 5] = [93, 110, 122, 143, 154];
    /// Absolute jumps: JUMP_IF_FALSE_OR_POP, JUMP_IF_TRUE_OR_POP, JUMP_ABSOLUTE,
    /// POP_JUMP_IF_FALSE, POP_JUMP_IF_TRUE, JUMP_IF_NOT_EXC_MATCH.
    pub const ABSOLUTE: [u8; 6] = [111, 112, 113, 114, 115, 121];
}

/// The bytecode dialect: 3.10's or 3.11's.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Version {
    V310,
    V311,
}

impl Version {
    /// Where a jump at `next - 1` with `arg` lands (None: not a jump).
    fn target(self, opcode: u8, arg: u32, next: u32) -> Option<Option<u32>> {
        match self {
            Version::V311 => match jump_direction(opcode) {
                Some(true) => Some(next.checked_add(arg)),
                Some(false) => Some(next.checked_sub(arg)),
                None => None,
            },
            Version::V310 => {
                if op310::RELATIVE.contains(&opcode) {
                    Some(next.checked_add(arg))
                } else if op310::ABSOLUTE.contains(&opcode) {
                    Some(Some(arg))
                } else {
                    None
                }
            }
        }
    }

    /// The argument that makes a jump at `next - 1` land on `target`.
    fn jump_arg(self, opcode: u8, target: u32, next: u32) -> u32 {
        if self == Version::V310 && op310::ABSOLUTE.contains(&opcode) {
            target
        } else {
            target.abs_diff(next)
        }
    }

    /// Units from the probe's CALL to the first unit after the probe.
    pub fn after_call(self) -> u32 {
        match self {
            Version::V311 => 6,
            Version::V310 => 2,
        }
    }
}

/// Where a probe's `CALL` stands from its first unit, in the argument's upper half.
pub const DISTANCE_SHIFT: u32 = 32;

/// One code unit's source position, as `co_positions()` gives it (`None`: no position).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Position {
    pub line: Option<i32>,
    pub end_line: Option<i32>,
    pub column: Option<i32>,
    pub end_column: Option<i32>,
}

const NO_POSITION: Position = Position {
    line: None,
    end_line: None,
    column: None,
    end_column: None,
};

/// A jump that goes through a trampoline whose one probe records once: once it has, the
/// binding writes `direct` (the jump's original operation, with as many `EXTENDED_ARG`s as the
/// rewrite gave it, to where it went before) over the jump's units at `jump_start`, so the
/// trampoline is passed no more.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Heal {
    /// Where the trampoline's probe starts (code units).
    pub probe_start: u32,
    /// The jump's first unit (its first `EXTENDED_ARG`).
    pub jump_start: u32,
    /// Its units when it jumps straight to its landing.
    pub direct: Vec<u8>,
}

/// What the rewrite gives back.
#[derive(Debug)]
pub struct Instrumented {
    pub code: Vec<u8>,
    pub linetable: Vec<u8>,
    pub exceptiontable: Vec<u8>,
    /// Constants to append after the probe itself (which goes at index `n_consts`): the
    /// arguments, in order.
    pub arguments: Vec<i64>,
    /// How much deeper the value stack may now go.
    pub extra_stack: u32,
    /// How many probes were inserted.
    pub probes: usize,
    /// Where each probe starts in the new code (code units).
    pub starts: Vec<u32>,
    /// Arcs that could not be worked out (not recorded).
    pub unresolved: usize,
    /// Jumps that go through a one-probe trampoline, to rewrite once its probe has run.
    pub heals: Vec<Heal>,
    /// The value stack must be at least this deep (the exception catch-all: the raise's
    /// offset, the exception, then its probe's four).
    pub min_stack: u32,
}

fn read_varint(bytes: &[u8], at: &mut usize) -> Option<u32> {
    let mut byte = *bytes.get(*at)?;
    *at += 1;
    let mut value = u32::from(byte & 63);
    let mut shift = 0u32;
    while byte & 64 != 0 {
        byte = *bytes.get(*at)?;
        *at += 1;
        shift += 6;
        if shift > 30 {
            return None;
        }
        value |= u32::from(byte & 63) << shift;
    }
    Some(value)
}

fn read_svarint(bytes: &[u8], at: &mut usize) -> Option<i32> {
    let value = read_varint(bytes, at)?;
    let magnitude = (value >> 1) as i32;
    Some(if value & 1 != 0 {
        -magnitude
    } else {
        magnitude
    })
}

fn write_varint(out: &mut Vec<u8>, mut value: u32) {
    while value >= 64 {
        out.push(64 | (value & 63) as u8);
        value >>= 6;
    }
    out.push(value as u8);
}

fn write_svarint(out: &mut Vec<u8>, value: i32) {
    let encoded = if value < 0 {
        (value.unsigned_abs() << 1) | 1
    } else {
        (value as u32) << 1
    };
    write_varint(out, encoded);
}

/// Decode a 3.11 location table into one position per code unit.
pub fn decode_positions(table: &[u8], first_line: i32, units: usize) -> Option<Vec<Position>> {
    let mut out = Vec::with_capacity(units);
    let mut at = 0;
    let mut line = first_line;
    while at < table.len() {
        let first = table[at];
        at += 1;
        if first & 0x80 == 0 {
            return None;
        }
        let code = (first >> 3) & 15;
        let length = usize::from(first & 7) + 1;
        let position = match code {
            15 => NO_POSITION,
            14 => {
                line += read_svarint(table, &mut at)?;
                let end_line = line + read_varint(table, &mut at)? as i32;
                let column = read_varint(table, &mut at)? as i32 - 1;
                let end_column = read_varint(table, &mut at)? as i32 - 1;
                Position {
                    line: Some(line),
                    end_line: Some(end_line),
                    column: (column >= 0).then_some(column),
                    end_column: (end_column >= 0).then_some(end_column),
                }
            }
            13 => {
                line += read_svarint(table, &mut at)?;
                Position {
                    line: Some(line),
                    end_line: Some(line),
                    column: None,
                    end_column: None,
                }
            }
            10..=12 => {
                line += i32::from(code) - 10;
                let column = i32::from(*table.get(at)?);
                let end_column = i32::from(*table.get(at + 1)?);
                at += 2;
                Position {
                    line: Some(line),
                    end_line: Some(line),
                    column: Some(column),
                    end_column: Some(end_column),
                }
            }
            _ => {
                let second = i32::from(*table.get(at)?);
                at += 1;
                let column = (i32::from(code) << 3) | (second >> 4);
                Position {
                    line: Some(line),
                    end_line: Some(line),
                    column: Some(column),
                    end_column: Some(column + (second & 15)),
                }
            }
        };
        out.extend(std::iter::repeat_n(position, length));
    }
    if out.len() < units {
        return None;
    }
    out.truncate(units);
    Some(out)
}

/// Encode one position per code unit as a 3.11 location table (long and no-column forms only:
/// what the interpreter reads back is the same).
pub fn encode_positions(positions: &[Position], first_line: i32) -> Vec<u8> {
    let mut out = Vec::new();
    let mut line = first_line;
    let mut i = 0;
    while i < positions.len() {
        let position = positions[i];
        let mut length = 1;
        while length < 8 && i + length < positions.len() && positions[i + length] == position {
            length += 1;
        }
        let size = (length - 1) as u8;
        match position.line {
            None => out.push(0x80 | (15 << 3) | size),
            Some(start)
                if position.column.is_none()
                    && position.end_column.is_none()
                    && position.end_line == Some(start) =>
            {
                out.push(0x80 | (13 << 3) | size);
                write_svarint(&mut out, start - line);
                line = start;
            }
            Some(start) => {
                out.push(0x80 | (14 << 3) | size);
                write_svarint(&mut out, start - line);
                write_varint(
                    &mut out,
                    (position.end_line.unwrap_or(start) - start).max(0) as u32,
                );
                write_varint(&mut out, position.column.map_or(0, |c| c + 1) as u32);
                write_varint(&mut out, position.end_column.map_or(0, |c| c + 1) as u32);
                line = start;
            }
        }
        i += length;
    }
    out
}

/// One exception-table entry, in code units.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Handler {
    pub start: u32,
    pub end: u32,
    pub target: u32,
    pub depth_lasti: u32,
}

fn read_exception_varint(bytes: &[u8], at: &mut usize) -> Option<u32> {
    let mut byte = *bytes.get(*at)?;
    *at += 1;
    let mut value = u32::from(byte & 63);
    while byte & 64 != 0 {
        byte = *bytes.get(*at)?;
        *at += 1;
        value = value.checked_shl(6)? | u32::from(byte & 63);
    }
    Some(value)
}

fn write_exception_varint(out: &mut Vec<u8>, value: u32, start: bool) {
    let mut chunks = vec![(value & 63) as u8];
    let mut rest = value >> 6;
    while rest > 0 {
        chunks.push((rest & 63) as u8 | 64);
        rest >>= 6;
    }
    chunks.reverse();
    if start {
        chunks[0] |= 0x80;
    }
    out.extend(chunks);
}

pub fn decode_exception_table(table: &[u8]) -> Option<Vec<Handler>> {
    let mut out = Vec::new();
    let mut at = 0;
    while at < table.len() {
        if table[at] & 0x80 == 0 {
            return None;
        }
        let start = read_exception_varint(table, &mut at)?;
        let size = read_exception_varint(table, &mut at)?;
        let target = read_exception_varint(table, &mut at)?;
        let depth_lasti = read_exception_varint(table, &mut at)?;
        out.push(Handler {
            start,
            end: start.checked_add(size)?,
            target,
            depth_lasti,
        });
    }
    Some(out)
}

pub fn encode_exception_table(handlers: &[Handler]) -> Vec<u8> {
    let mut out = Vec::new();
    for handler in handlers {
        write_exception_varint(&mut out, handler.start, true);
        write_exception_varint(&mut out, handler.end - handler.start, false);
        write_exception_varint(&mut out, handler.target, false);
        write_exception_varint(&mut out, handler.depth_lasti, false);
    }
    out
}

/// Is this a relative jump, and which way?
fn jump_direction(opcode: u8) -> Option<bool> {
    use op::*;
    match opcode {
        FOR_ITER
        | JUMP_FORWARD
        | JUMP_IF_FALSE_OR_POP
        | JUMP_IF_TRUE_OR_POP
        | POP_JUMP_FORWARD_IF_FALSE
        | POP_JUMP_FORWARD_IF_TRUE
        | SEND
        | POP_JUMP_FORWARD_IF_NOT_NONE
        | POP_JUMP_FORWARD_IF_NONE => Some(true),
        JUMP_BACKWARD_NO_INTERRUPT
        | JUMP_BACKWARD
        | POP_JUMP_BACKWARD_IF_NOT_NONE
        | POP_JUMP_BACKWARD_IF_NONE
        | POP_JUMP_BACKWARD_IF_FALSE
        | POP_JUMP_BACKWARD_IF_TRUE => Some(false),
        _ => None,
    }
}

/// One instruction: its `EXTENDED_ARG` prefixes, the operation, its inline caches.
#[derive(Clone, Debug)]
struct Instruction {
    /// First unit (its first prefix), in the original code.
    start: u32,
    opcode: u8,
    arg: u32,
    prefixes: u32,
    caches: u32,
    /// The original unit a relative jump lands on.
    target: Option<u32>,
}

impl Instruction {
    /// Units between the first prefix and the operation.
    fn units(&self) -> u32 {
        self.prefixes + 1 + self.caches
    }
}

fn decode_instructions(code: &[u8], version: Version) -> Option<Vec<Instruction>> {
    if !code.len().is_multiple_of(2) {
        return None;
    }
    let units: Vec<(u8, u8)> = code
        .chunks_exact(2)
        .map(|pair| (pair[0], pair[1]))
        .collect();
    let mut out: Vec<Instruction> = Vec::new();
    let mut i = 0usize;
    while i < units.len() {
        let start = i;
        let mut arg = 0u32;
        while units[i].0 == op::EXTENDED_ARG {
            arg = (arg << 8) | u32::from(units[i].1);
            i += 1;
            if i >= units.len() {
                return None;
            }
        }
        let (opcode, low) = units[i];
        if opcode == op::CACHE && version == Version::V311 {
            // A cache unit belongs to the instruction before it.
            let last = out.last_mut()?;
            if start != i {
                return None;
            }
            last.caches += 1;
            i += 1;
            continue;
        }
        arg = (arg << 8) | u32::from(low);
        let prefixes = (i - start) as u32;
        let next = i as u32 + 1;
        let target = match version.target(opcode, arg, next) {
            Some(target) => Some(target?),
            None => None,
        };
        out.push(Instruction {
            start: start as u32,
            opcode,
            arg,
            prefixes,
            caches: 0,
            target,
        });
        i += 1;
    }
    Some(out)
}

fn prefixes_for(arg: u32) -> u32 {
    match arg {
        0..=0xff => 0,
        0x100..=0xffff => 1,
        0x1_0000..=0xff_ffff => 2,
        _ => 3,
    }
}

fn emit(out: &mut Vec<u8>, opcode: u8, arg: u32, prefixes: u32) {
    for k in (1..=prefixes).rev() {
        out.push(op::EXTENDED_ARG);
        out.push((arg >> (8 * k)) as u8);
    }
    out.push(opcode);
    out.push(arg as u8);
}

/// The probe's length in code units for a constant pair, and where its CALL stands.
#[cfg(test)]
fn probe_units(version: Version, probe_const: u32, arg_const: u32) -> (u32, u32) {
    probe_units_for(version, probe_const, arg_const, false)
}

fn probe_units_for(
    version: Version,
    probe_const: u32,
    arg_const: u32,
    exception: bool,
) -> (u32, u32) {
    let loads = (prefixes_for(probe_const) + 1)
        + (prefixes_for(arg_const) + 1)
        + u32::from(exception && version == Version::V311);
    match version {
        // PUSH_NULL, the loads, PRECALL and its cache.
        Version::V311 => {
            let before_call = 1 + loads + 2;
            (before_call + version.after_call(), before_call)
        }
        Version::V310 => (loads + version.after_call(), loads),
    }
}

/// A probe; `exception` (3.11): the exception on top of the stack is its second argument.
fn emit_probe_for(
    out: &mut Vec<u8>,
    version: Version,
    probe_const: u32,
    arg_const: u32,
    exception: bool,
) {
    match version {
        Version::V311 => {
            let args = 1 + u32::from(exception);
            emit(out, op::PUSH_NULL, 0, 0);
            emit(out, op::LOAD_CONST, probe_const, prefixes_for(probe_const));
            emit(out, op::LOAD_CONST, arg_const, prefixes_for(arg_const));
            if exception {
                emit(out, op::COPY, 4, 0);
            }
            emit(out, op::PRECALL, args, 0);
            out.extend([op::CACHE, 0]);
            emit(out, op::CALL, args, 0);
            out.extend([op::CACHE, 0].repeat(4));
        }
        Version::V310 => {
            emit(
                out,
                op310::LOAD_CONST,
                probe_const,
                prefixes_for(probe_const),
            );
            emit(out, op310::LOAD_CONST, arg_const, prefixes_for(arg_const));
            emit(out, op310::CALL_FUNCTION, 1, 0);
        }
    }
    emit(out, op::POP_TOP, 0, 0);
}

/// Decode a 3.10 line table (`co_linetable`: byte-offset and line deltas) into one position
/// per code unit.
pub fn decode_lines_310(table: &[u8], first_line: i32, units: usize) -> Option<Vec<Position>> {
    let mut out = Vec::with_capacity(units);
    let mut line = first_line;
    for pair in table.chunks_exact(2) {
        let length = usize::from(pair[0]);
        let delta = pair[1] as i8;
        let position = if delta == -128 {
            NO_POSITION
        } else {
            line += i32::from(delta);
            Position {
                line: Some(line),
                end_line: Some(line),
                column: None,
                end_column: None,
            }
        };
        if length % 2 != 0 {
            return None;
        }
        out.extend(std::iter::repeat_n(position, length / 2));
    }
    if out.len() < units {
        return None;
    }
    out.truncate(units);
    Some(out)
}

/// Encode one line per code unit as a 3.10 line table.
pub fn encode_lines_310(positions: &[Position], first_line: i32) -> Vec<u8> {
    let mut out = Vec::new();
    let mut line = first_line;
    let mut i = 0;
    while i < positions.len() {
        let current = positions[i].line;
        let mut length = 1;
        while i + length < positions.len() && positions[i + length].line == current {
            length += 1;
        }
        let mut bytes = length * 2;
        match current {
            None => {
                while bytes > 0 {
                    let chunk = bytes.min(254);
                    out.extend([chunk as u8, 0x80]);
                    bytes -= chunk;
                }
            }
            Some(target) => {
                let mut delta = target - line;
                while delta > 127 {
                    out.extend([0, 127]);
                    delta -= 127;
                }
                while delta < -127 {
                    out.extend([0, (-127i8) as u8]);
                    delta += 127;
                }
                let mut first = true;
                while bytes > 0 {
                    let chunk = bytes.min(254);
                    out.extend([chunk as u8, if first { delta as i8 as u8 } else { 0 }]);
                    first = false;
                    bytes -= chunk;
                }
                line = target;
            }
        }
        i += length;
    }
    out
}

/// What a probe records.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Record {
    /// A line ran.
    Line(i32),
    /// The arc `from -> to` was taken (branch measurement).
    Arc(i32, i32),
    /// An exception arrives at a handler whose first event is on this line (`-first_line`:
    /// leaves the frame; None: not known): record the arc from the line it was raised on.
    /// Called with the exception too; stays in place.
    Raise(Option<i32>),
    /// A re-raise is next (stays in place).
    Mark,
    /// Control comes from this line into code shared with other lines (stays in place).
    Source(i32),
    /// The arc from the line a [`Record::Source`] gave to this one (stays in place).
    FromSource(i32),
}

// A probe's argument: a line probe's is `line | distance << 32`; every other kind has one of
// these bits, a line (or two, for an arc) biased into 24 bits each below, and (arcs) the
// distance at bit 48. Line numbers past 2^23 get no probe.
const ARC_FLAG: i64 = 1 << 62;
const RAISE_FLAG: i64 = 1 << 61;
const MARK_FLAG: i64 = 1 << 60;
/// With RAISE_FLAG: the handler's first line is not known.
const RAISE_NO_LINE: i64 = 1 << 59;
const SOURCE_FLAG: i64 = 1 << 58;
const FROM_SOURCE_FLAG: i64 = 1 << 57;
const ARC_DISTANCE_SHIFT: u32 = 48;
const ARC_BIAS: i64 = 1 << 23;

impl Record {
    /// The probe argument: what to record, and the distance to the probe's `CALL`.
    fn argument(self, call_at: u32) -> Option<i64> {
        let biased = |v: i32| {
            let v = i64::from(v) + ARC_BIAS;
            (0..2 * ARC_BIAS).contains(&v).then_some(v)
        };
        match self {
            Record::Line(line) => {
                Some(i64::from(line.max(0)) | (i64::from(call_at) << DISTANCE_SHIFT))
            }
            Record::Arc(from, to) => Some(
                ARC_FLAG
                    | (i64::from(call_at) << ARC_DISTANCE_SHIFT)
                    | (biased(from)? << 24)
                    | biased(to)?,
            ),
            Record::Raise(to) => Some(RAISE_FLAG | to.and_then(biased).unwrap_or(RAISE_NO_LINE)),
            Record::Mark => Some(MARK_FLAG),
            Record::Source(line) => Some(SOURCE_FLAG | biased(line)?),
            Record::FromSource(line) => Some(FROM_SOURCE_FLAG | biased(line)?),
        }
    }

    /// Is the exception passed to this probe too?
    fn takes_exception(self) -> bool {
        matches!(self, Record::Raise(_))
    }

    /// Does this probe patch itself out after its first call?
    pub fn is_once(self) -> bool {
        matches!(self, Record::Line(_) | Record::Arc(..))
    }
}

/// Read a probe's argument: what it records, and (a probe that records once) the distance in
/// code units from its first unit to its `CALL`.
pub fn decode(argument: i64) -> (Record, usize) {
    let low = ((argument & 0xff_ffff) - ARC_BIAS) as i32;
    if argument & ARC_FLAG != 0 {
        let from = (((argument >> 24) & 0xff_ffff) - ARC_BIAS) as i32;
        let distance = (argument >> ARC_DISTANCE_SHIFT) & 0xff;
        (Record::Arc(from, low), distance as usize)
    } else if argument & RAISE_FLAG != 0 {
        let to = (argument & RAISE_NO_LINE == 0).then_some(low);
        (Record::Raise(to), 0)
    } else if argument & MARK_FLAG != 0 {
        (Record::Mark, 0)
    } else if argument & SOURCE_FLAG != 0 {
        (Record::Source(low), 0)
    } else if argument & FROM_SOURCE_FLAG != 0 {
        (Record::FromSource(low), 0)
    } else {
        let line = (argument & 0xffff_ffff) as i32;
        (Record::Line(line), (argument >> DISTANCE_SHIFT) as usize)
    }
}

/// 3.11's forward form of a backward conditional jump (a trampoline comes after the code).
fn forward_form(opcode: u8) -> u8 {
    use op::*;
    match opcode {
        POP_JUMP_BACKWARD_IF_NOT_NONE => POP_JUMP_FORWARD_IF_NOT_NONE,
        POP_JUMP_BACKWARD_IF_NONE => POP_JUMP_FORWARD_IF_NONE,
        POP_JUMP_BACKWARD_IF_FALSE => POP_JUMP_FORWARD_IF_FALSE,
        POP_JUMP_BACKWARD_IF_TRUE => POP_JUMP_FORWARD_IF_TRUE,
        other => other,
    }
}

/// Insert probes into a code object's code: line probes always, and (`arcs`) arc probes.
/// `None`: a code object this does not rewrite (no `RESUME`, a table it cannot read); it then
/// runs as it was, unmeasured by probes.
pub fn instrument(
    version: Version,
    code: &[u8],
    linetable: &[u8],
    exceptiontable: &[u8],
    first_line: i32,
    n_consts: u32,
    arcs: bool,
) -> Option<Instrumented> {
    let instructions = decode_instructions(code, version)?;
    let units = code.len() / 2;
    let (positions, handlers, first_traceable) = match version {
        Version::V311 => (
            decode_positions(linetable, first_line, units)?,
            decode_exception_table(exceptiontable)?,
            instructions.iter().position(|i| i.opcode == op::RESUME)? + 1,
        ),
        // 3.10 runs from the first instruction; a generator's GEN_START comes before.
        Version::V310 => (
            decode_lines_310(linetable, first_line, units)?,
            Vec::new(),
            usize::from(instructions.first()?.opcode == op310::GEN_START),
        ),
    };
    if first_traceable >= instructions.len() {
        return None;
    }

    let mut targets: BTreeSet<u32> = instructions.iter().filter_map(|i| i.target).collect();
    targets.extend(handlers.iter().map(|h| h.target));

    let n = instructions.len();
    let line_of = |i: &Instruction| positions[(i.start + i.prefixes) as usize].line;
    // 3.10 arcs: an exception that leaves the frame goes first to a catch-all after the code,
    // through a block set up as the frame starts, under every block of its own (none if that
    // would pass the interpreter's limit on nested blocks).
    let mut catch_all = false;
    let mut plan = if arcs {
        let mut steps = Vec::with_capacity(n);
        let mut setups = vec![None; n];
        for (index, instruction) in instructions.iter().enumerate() {
            let target = match instruction.target {
                Some(unit) => Some(instructions.binary_search_by_key(&unit, |i| i.start).ok()?),
                None => None,
            };
            // 3.10's SETUP_* name a handler; control goes on to the next instruction.
            let setup = version == Version::V310 && op310::SETUP.contains(&instruction.opcode);
            if setup {
                setups[index] = target;
            }
            steps.push(crate::probe_arcs::Step {
                start: instruction.start,
                op_unit: instruction.start + instruction.prefixes,
                opcode: instruction.opcode,
                arg: instruction.arg,
                target: if setup { None } else { target },
                line: line_of(instruction),
            });
        }
        let exceptions = match version {
            Version::V311 => crate::probe_arcs::Exceptions::from_table(&steps, &handlers),
            Version::V310 => {
                let (exceptions, depth) = blocks_310(&steps, &setups, first_traceable);
                catch_all = depth < op310::MAX_BLOCKS;
                exceptions
            }
        };
        let mut plan =
            crate::probe_arcs::plan_for(version, &steps, &exceptions, first_line, first_traceable);
        if version == Version::V310 && !catch_all {
            plan.unresolved += 1;
        }
        plan
    } else {
        crate::probe_arcs::Plan {
            before: vec![Vec::new(); n],
            fall: vec![Vec::new(); n],
            taken: vec![Vec::new(); n],
            unresolved: 0,
        }
    };

    // Line probes: before the first instruction of each line and each jump target.
    for (index, instruction) in instructions.iter().enumerate().skip(first_traceable) {
        if version == Version::V311 && instruction.opcode == op::RESUME {
            continue;
        }
        let Some(line) = line_of(instruction) else {
            continue;
        };
        let previous = index.checked_sub(1).and_then(|i| line_of(&instructions[i]));
        // The interpreter reports the first line a frame runs even when it is the line of the
        // RESUME before it (an empty module's line 0, a one-line function).
        if index == first_traceable
            || previous != Some(line)
            || targets.contains(&instruction.start)
        {
            plan.before[index].insert(0, Record::Line(line));
        }
    }

    // Each probe's constant: the argument holds the distance to its CALL, which depends on the
    // constant's index; reuse an argument already made when its index has as many prefixes as
    // a new one would.
    let probe_const = n_consts;
    let mut arguments: Vec<i64> = Vec::new();
    let mut argument_index: std::collections::HashMap<i64, u32> = std::collections::HashMap::new();
    let mut constant_for = |record: Record| -> Option<(u32, u32)> {
        let next = n_consts + 1 + arguments.len() as u32;
        let (length, call_at) =
            probe_units_for(version, probe_const, next, record.takes_exception());
        let value = record.argument(call_at)?;
        let constant = match argument_index.get(&value) {
            Some(&existing) if prefixes_for(existing) == prefixes_for(next) => existing,
            _ => {
                arguments.push(value);
                argument_index.entry(value).or_insert(next);
                next
            }
        };
        Some((constant, length))
    };
    let mut lay = |lists: &[Vec<Record>]| -> (Vec<Vec<(u32, Record)>>, Vec<u32>) {
        let mut consts = Vec::with_capacity(lists.len());
        let mut lengths = Vec::with_capacity(lists.len());
        for list in lists {
            let mut here = Vec::new();
            let mut length = 0;
            for &record in list {
                if let Some((constant, units)) = constant_for(record) {
                    here.push((constant, record));
                    length += units;
                }
            }
            consts.push(here);
            lengths.push(length);
        }
        (consts, lengths)
    };
    let (fall_consts, fall_len) = lay(&plan.fall);
    let (before_consts, before_len) = lay(&plan.before);
    let (taken_consts, taken_len) = lay(&plan.taken);
    // 3.11 arcs: after everything, where an exception leaving the frame goes first (every
    // range no handler covers is sent there): a probe, then the same exception raised again
    // from where it was raised.
    let (exit_consts, exit_len) = if arcs && (version == Version::V311 || catch_all) {
        let (consts, lengths) = lay(&[vec![Record::Raise(Some(-first_line))]]);
        (
            consts.into_iter().next().unwrap_or_default(),
            lengths[0] + 1,
        )
    } else {
        (Vec::new(), 0)
    };
    let has_taken = |index: usize| !taken_consts[index].is_empty();
    // A trampoline with one probe that records once: after it has, the jump itself is
    // rewritten to go straight to where it went (see [`Heal`]).
    let healable = |index: usize| {
        taken_consts[index].len() == 1 && taken_consts[index].iter().all(|(_, r)| r.is_once())
    };

    // Lay the code out again until every jump's argument fits its prefixes: each instruction
    // with its fall-through probes, then the probes on every path into it; after the code,
    // the trampolines (probes, then a jump back to where the jump went).
    let mut prefixes: Vec<u32> = instructions.iter().map(|i| i.prefixes).collect();
    let mut back_prefixes: Vec<u32> = vec![0; n];
    // 3.10's catch-all: the SETUP_FINALLY's prefixes, and where the catch-all starts.
    let mut setup_prefixes = 0u32;
    let mut catch_all_at: u32;
    let mut new_start: Vec<u32>;
    let mut entry: Vec<u32>;
    let mut new_op: Vec<u32>;
    let mut tramp: Vec<u32>;
    let mut code_end: u32;
    let mut total: u32;
    loop {
        new_start = Vec::with_capacity(n);
        entry = Vec::with_capacity(n);
        new_op = Vec::with_capacity(n);
        tramp = vec![0; n];
        let mut at = 0u32;
        for (index, instruction) in instructions.iter().enumerate() {
            new_start.push(at);
            if catch_all && index == first_traceable {
                at += setup_prefixes + 1;
            }
            at += fall_len[index];
            entry.push(at);
            at += before_len[index];
            new_op.push(at + prefixes[index]);
            at += prefixes[index] + 1 + instruction.caches;
        }
        code_end = at;
        for index in 0..n {
            if has_taken(index) {
                tramp[index] = at;
                at += taken_len[index] + back_prefixes[index] + 1;
            }
        }
        catch_all_at = at;
        total = at + exit_len;
        let map = |unit: u32| -> Option<u32> { map_unit(&instructions, &entry, unit, code_end) };
        let mut grew = false;
        if catch_all {
            let next = new_start[first_traceable] + setup_prefixes + 1;
            let needed = prefixes_for(catch_all_at.checked_sub(next)?);
            if needed > setup_prefixes {
                setup_prefixes = needed;
                grew = true;
            }
        }
        for (index, instruction) in instructions.iter().enumerate() {
            let Some(target) = instruction.target else {
                continue;
            };
            let landing = map(target)?;
            let jump_to = if has_taken(index) {
                tramp[index]
            } else {
                landing
            };
            let arg = version.jump_arg(instruction.opcode, jump_to, new_op[index] + 1);
            // A healable jump is later rewritten to go straight where it went: room for both.
            let direct = version.jump_arg(instruction.opcode, landing, new_op[index] + 1);
            let needed = if healable(index) {
                prefixes_for(arg).max(prefixes_for(direct))
            } else {
                prefixes_for(arg)
            };
            if needed > prefixes[index] {
                prefixes[index] = needed;
                grew = true;
            }
            if has_taken(index) {
                let back_at = tramp[index] + taken_len[index] + back_prefixes[index];
                let back = back_arg(version, back_at, landing)?;
                if prefixes_for(back) > back_prefixes[index] {
                    back_prefixes[index] = prefixes_for(back);
                    grew = true;
                }
            }
        }
        if !grew {
            break;
        }
    }
    let map = |unit: u32| -> Option<u32> { map_unit(&instructions, &entry, unit, code_end) };
    let map_boundary =
        |unit: u32| -> Option<u32> { map_unit(&instructions, &new_start, unit, code_end) };

    let mut out_code = Vec::with_capacity(total as usize * 2);
    let mut out_positions = Vec::with_capacity(total as usize);
    let mut starts: Vec<u32> = Vec::new();
    let mut heals: Vec<Heal> = Vec::new();
    let mut emit_probes = |out: &mut Vec<u8>,
                           positions: &mut Vec<Position>,
                           consts: &[(u32, Record)],
                           position: Position| {
        for &(constant, record) in consts {
            if record.is_once() {
                starts.push((out.len() / 2) as u32);
            }
            let before = out.len();
            emit_probe_for(
                out,
                version,
                probe_const,
                constant,
                record.takes_exception(),
            );
            positions.extend(std::iter::repeat_n(position, (out.len() - before) / 2));
        }
    };
    for (index, instruction) in instructions.iter().enumerate() {
        let op_position = positions[(instruction.start + instruction.prefixes) as usize];
        if catch_all && index == first_traceable {
            // No line: a trace function's first event in the frame (a debugger setting
            // f_lineno there) comes once the block stands, as every later one does.
            let next = (out_code.len() / 2) as u32 + setup_prefixes + 1;
            emit(
                &mut out_code,
                op310::SETUP_FINALLY,
                catch_all_at.checked_sub(next)?,
                setup_prefixes,
            );
            out_positions.extend(std::iter::repeat_n(
                NO_POSITION,
                setup_prefixes as usize + 1,
            ));
        }
        emit_probes(
            &mut out_code,
            &mut out_positions,
            &fall_consts[index],
            op_position,
        );
        emit_probes(
            &mut out_code,
            &mut out_positions,
            &before_consts[index],
            op_position,
        );
        let (opcode, arg) = match instruction.target {
            Some(target) if has_taken(index) => {
                if healable(index) {
                    let mut direct = Vec::new();
                    let landing = map(target)?;
                    emit(
                        &mut direct,
                        instruction.opcode,
                        version.jump_arg(instruction.opcode, landing, new_op[index] + 1),
                        prefixes[index],
                    );
                    heals.push(Heal {
                        probe_start: tramp[index],
                        jump_start: (out_code.len() / 2) as u32,
                        direct,
                    });
                }
                let opcode = match version {
                    Version::V311 => forward_form(instruction.opcode),
                    Version::V310 => instruction.opcode,
                };
                (
                    opcode,
                    version.jump_arg(opcode, tramp[index], new_op[index] + 1),
                )
            }
            Some(target) => (
                instruction.opcode,
                version.jump_arg(instruction.opcode, map(target)?, new_op[index] + 1),
            ),
            None => (instruction.opcode, instruction.arg),
        };
        emit(&mut out_code, opcode, arg, prefixes[index]);
        out_positions.extend(std::iter::repeat_n(
            op_position,
            prefixes[index] as usize + 1,
        ));
        for k in 0..instruction.caches {
            out_code.extend([op::CACHE, 0]);
            out_positions
                .push(positions[(instruction.start + instruction.prefixes + 1 + k) as usize]);
        }
    }
    if out_code.len() != code_end as usize * 2 {
        return None;
    }
    let mut new_handlers = Vec::with_capacity(handlers.len() + 4);
    for handler in &handlers {
        new_handlers.push(Handler {
            start: map_boundary(handler.start)?,
            end: map_boundary(handler.end)?,
            target: map(handler.target)?,
            depth_lasti: handler.depth_lasti,
        });
    }
    for (index, instruction) in instructions.iter().enumerate() {
        if !has_taken(index) {
            continue;
        }
        let op_position = positions[(instruction.start + instruction.prefixes) as usize];
        let begin = (out_code.len() / 2) as u32;
        emit_probes(
            &mut out_code,
            &mut out_positions,
            &taken_consts[index],
            op_position,
        );
        let back_at = begin + taken_len[index] + back_prefixes[index];
        let landing = map(instruction.target?)?;
        // A jump that went backwards checked for signals; one that went forwards did not.
        // (3.10's one jump back, JUMP_ABSOLUTE, always checks.)
        let back_op = match version {
            Version::V310 => op310::JUMP_ABSOLUTE,
            Version::V311 if jump_direction(instruction.opcode) == Some(false) => op::JUMP_BACKWARD,
            Version::V311 => op::JUMP_BACKWARD_NO_INTERRUPT,
        };
        emit(
            &mut out_code,
            back_op,
            back_arg(version, back_at, landing)?,
            back_prefixes[index],
        );
        out_positions.extend(std::iter::repeat_n(
            op_position,
            back_prefixes[index] as usize + 1,
        ));
        // The trampoline raises (a signal at the probe's call) where its jump would have.
        let unit = instruction.start + instruction.prefixes;
        if let Some(handler) = handlers.iter().find(|h| h.start <= unit && unit < h.end) {
            new_handlers.push(Handler {
                start: begin,
                end: (out_code.len() / 2) as u32,
                target: map(handler.target)?,
                depth_lasti: handler.depth_lasti,
            });
        }
    }
    if exit_len > 0 && version == Version::V310 {
        if (out_code.len() / 2) as u32 != catch_all_at {
            return None;
        }
        emit_probes(&mut out_code, &mut out_positions, &exit_consts, NO_POSITION);
        // RERAISE 1 sets the frame's last instruction back to where the exception was
        // raised (the handler's block kept it), so the frame's f_lineno is as it was.
        emit(&mut out_code, op::RERAISE, 1, 0);
        out_positions.push(NO_POSITION);
    } else if exit_len > 0 {
        let catch_all = (out_code.len() / 2) as u32;
        emit_probes(&mut out_code, &mut out_positions, &exit_consts, NO_POSITION);
        emit(&mut out_code, op::RERAISE, 1, 0);
        out_positions.push(NO_POSITION);
        new_handlers.sort_by_key(|h| h.start);
        let mut filled = Vec::with_capacity(new_handlers.len() * 2 + 1);
        let mut at = 0;
        for handler in new_handlers {
            if handler.start > at {
                filled.push(Handler {
                    start: at,
                    end: handler.start,
                    target: catch_all,
                    depth_lasti: 1,
                });
            }
            at = at.max(handler.end);
            filled.push(handler);
        }
        if at < catch_all {
            filled.push(Handler {
                start: at,
                end: catch_all,
                target: catch_all,
                depth_lasti: 1,
            });
        }
        new_handlers = filled;
    }
    if out_code.len() != total as usize * 2 {
        return None;
    }
    let probes = starts.len();
    Some(Instrumented {
        code: out_code,
        linetable: match version {
            Version::V311 => encode_positions(&out_positions, first_line),
            Version::V310 => encode_lines_310(&out_positions, first_line),
        },
        exceptiontable: encode_exception_table(&new_handlers),
        arguments,
        // NULL, the probe and its argument (3.10: no NULL).
        extra_stack: match (probes, version) {
            (0, _) => 0,
            // An exception probe also copies the exception.
            (_, Version::V311) if arcs => 4,
            (_, Version::V311) => 3,
            (_, Version::V310) => 2,
        },
        probes,
        starts,
        unresolved: plan.unresolved,
        // 3.11: the raise's offset, the exception, then its probe's four; 3.10: a handler's
        // six values, then its probe's two.
        min_stack: match (exit_len > 0, version) {
            (false, _) => 0,
            (true, Version::V311) => 6,
            (true, Version::V310) => 8,
        },
        heals,
    })
}

/// The argument of a trampoline's jump back from `back_at` to `landing`.
fn back_arg(version: Version, back_at: u32, landing: u32) -> Option<u32> {
    match version {
        Version::V311 => (back_at + 1).checked_sub(landing),
        Version::V310 => Some(landing),
    }
}

/// 3.10 has no exception table: an exception goes to the handler of the innermost block
/// `SETUP_*` pushed and `POP_BLOCK` has not popped (the block a handler runs in, popped by
/// `POP_EXCEPT`, catches nothing). The compiler keeps the block stack the same on every path
/// into an instruction, so it is read by walking the code once. Returns where each
/// instruction's exceptions go, and the deepest block stack.
fn blocks_310(
    steps: &[crate::probe_arcs::Step],
    setups: &[Option<usize>],
    entry: usize,
) -> (crate::probe_arcs::Exceptions, usize) {
    let n = steps.len();
    // A block: the handler it sends exceptions to (None: a handler's own block).
    type Blocks = Vec<Option<usize>>;
    let mut stacks: Vec<Option<Blocks>> = vec![None; n];
    let mut work: Vec<(usize, Blocks)> = vec![(entry, Vec::new())];
    let mut deepest = 0;
    let mut targets = Vec::new();
    while let Some((index, stack)) = work.pop() {
        if index >= n || stacks[index].is_some() {
            continue;
        }
        deepest = deepest.max(stack.len());
        let step = steps[index];
        let mut after = stack.clone();
        if let Some(handler) = setups[index] {
            if !targets.contains(&handler) {
                targets.push(handler);
            }
            // The handler runs with the block popped and a handler's block pushed.
            let mut at_handler = stack.clone();
            at_handler.push(None);
            work.push((handler, at_handler));
            after.push(Some(handler));
        } else if matches!(step.opcode, op310::POP_BLOCK | op310::POP_EXCEPT) {
            after.pop();
        }
        if let Some(target) = step.target {
            work.push((target, after.clone()));
        }
        if !crate::probe_arcs::ends_flow(Version::V310, step.opcode) {
            work.push((index + 1, after));
        }
        stacks[index] = Some(stack);
    }
    targets.sort_unstable();
    let handler = stacks
        .into_iter()
        .map(|stack| stack.map(|s| s.iter().rev().find_map(|b| *b)))
        .collect();
    (crate::probe_arcs::Exceptions { handler, targets }, deepest)
}

/// Where an original instruction boundary (or the end) now stands: at the start of the probe
/// before it, if it has one.
fn map_unit(instructions: &[Instruction], new_start: &[u32], unit: u32, total: u32) -> Option<u32> {
    match instructions.binary_search_by_key(&unit, |i| i.start) {
        Ok(index) => Some(new_start[index]),
        Err(index) if index == instructions.len() => {
            let last = instructions.last()?;
            (unit == last.start + last.units()).then_some(total)
        }
        Err(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 3.10 code from (opcode, argument, line) triples, and its line table.
    fn code_310(ops: &[(u8, u8, i32)]) -> (Vec<u8>, Vec<u8>) {
        let code = ops.iter().flat_map(|&(op, arg, _)| [op, arg]).collect();
        let positions: Vec<Position> = ops
            .iter()
            .map(|&(_, _, line)| Position {
                line: Some(line),
                end_line: Some(line),
                column: None,
                end_column: None,
            })
            .collect();
        (code, encode_lines_310(&positions, 1))
    }

    const POP_TOP_310: u8 = 1;
    const LOAD_FAST_310: u8 = 124;

    #[test]
    fn exceptions_310_follow_the_block_stack() {
        // def f(x):            line 1
        //     try:             line 2
        //         g(x)         line 3
        //     except:          line 4
        //         return x
        //     return x         line 6
        let ops = [
            (op310::SETUP_FINALLY, 3, 2), // to unit 4
            (LOAD_FAST_310, 0, 3),
            (op310::POP_BLOCK, 0, 3),
            (op310::JUMP_FORWARD, 2, 3), // to unit 6
            (POP_TOP_310, 0, 4),
            (op::RETURN_VALUE, 0, 4),
            (LOAD_FAST_310, 0, 6),
            (op::RETURN_VALUE, 0, 6),
        ];
        let (code, linetable) = code_310(&ops);
        let instructions = decode_instructions(&code, Version::V310).expect("decodes");
        let steps: Vec<crate::probe_arcs::Step> = instructions
            .iter()
            .enumerate()
            .map(|(index, i)| crate::probe_arcs::Step {
                start: i.start,
                op_unit: i.start,
                opcode: i.opcode,
                arg: i.arg,
                target: if index == 3 { Some(6) } else { None },
                line: Some(ops[index].2),
            })
            .collect();
        let mut setups = vec![None; steps.len()];
        setups[0] = Some(4);
        let (exceptions, deepest) = blocks_310(&steps, &setups, 0);
        assert_eq!(deepest, 1);
        assert_eq!(exceptions.targets, [4]);
        // Inside the try: its handler; before it, in the handler and after: out of the frame.
        assert_eq!(exceptions.handler[1], Some(Some(4)));
        assert_eq!(exceptions.handler[2], Some(Some(4)));
        for index in [0, 3, 4, 5, 6, 7] {
            assert_eq!(exceptions.handler[index], Some(None), "{index}");
        }

        // Instrumented for arcs: a catch-all block set up first, whose handler (after the code)
        // records and re-raises; its six values and the probe's two fit the stack.
        let out = instrument(Version::V310, &code, &linetable, &[], 1, 1, true).expect("rewrites");
        assert_eq!(out.unresolved, 0);
        assert_eq!(out.min_stack, 8);
        assert_eq!(out.code[0], op310::SETUP_FINALLY);
        let catch_all = 1 + usize::from(out.code[1]);
        assert_eq!(out.code[catch_all * 2], op310::LOAD_CONST);
        assert_eq!(
            out.code[catch_all * 2 + 1],
            1,
            "the probe function's constant"
        );
        assert_eq!(
            out.code[out.code.len() - 2..],
            [op::RERAISE, 1],
            "the catch-all ends the code"
        );
        let (raise, _) = decode(out.arguments[usize::from(out.code[catch_all * 2 + 3]) - 2]);
        assert_eq!(raise, Record::Raise(Some(-1)));
    }

    #[test]
    fn code_nested_as_deep_as_310_allows_gets_no_catch_all() {
        // Twenty blocks, one in another, each popped in turn.
        let mut ops = Vec::new();
        for depth in 0..op310::MAX_BLOCKS {
            // Each handler: the RETURN_VALUE at the end.
            let to = (2 * op310::MAX_BLOCKS - depth) as u8 + 1;
            let here = depth as u8 + 1;
            ops.push((op310::SETUP_FINALLY, to - here, 2));
        }
        ops.push((LOAD_FAST_310, 0, 3));
        for _ in 0..op310::MAX_BLOCKS {
            ops.push((op310::POP_BLOCK, 0, 3));
        }
        ops.push((op::RETURN_VALUE, 0, 3));
        ops.push((op::RETURN_VALUE, 0, 4));
        let (code, linetable) = code_310(&ops);
        let out = instrument(Version::V310, &code, &linetable, &[], 1, 1, true).expect("rewrites");
        assert_eq!(
            out.unresolved, 1,
            "exceptions leaving the frame go unrecorded"
        );
        assert_eq!(out.min_stack, 0);
        assert_ne!(out.code[out.code.len() - 2], op::RERAISE);
    }

    #[test]
    fn varints_round_trip() {
        for value in [0u32, 1, 63, 64, 4095, 4096, 1 << 20] {
            let mut out = Vec::new();
            write_varint(&mut out, value);
            assert_eq!(read_varint(&out, &mut 0), Some(value));
            let mut out = Vec::new();
            write_exception_varint(&mut out, value, true);
            assert_eq!(out[0] & 0x80, 0x80);
            assert_eq!(read_exception_varint(&out, &mut 0), Some(value));
        }
        for value in [0i32, 1, -1, 100, -100, 70000] {
            let mut out = Vec::new();
            write_svarint(&mut out, value);
            assert_eq!(read_svarint(&out, &mut 0), Some(value));
        }
    }

    #[test]
    fn probe_arguments_round_trip() {
        for record in [
            Record::Line(0),
            Record::Line(70_000),
            Record::Arc(-12, 40),
            Record::Arc(3, -1),
            Record::Raise(Some(-7)),
            Record::Raise(Some(9)),
            Record::Raise(None),
            Record::Mark,
            Record::Source(5),
            Record::FromSource(-2),
        ] {
            let argument = record.argument(23).expect("encodable");
            let distance = if record.is_once() { 23 } else { 0 };
            assert_eq!(decode(argument), (record, distance), "{record:?}");
        }
        assert_eq!(Record::Arc(1 << 24, 1).argument(0), None);
    }

    #[test]
    fn lines_310_round_trip() {
        let line = |l| Position {
            line: Some(l),
            end_line: Some(l),
            column: None,
            end_column: None,
        };
        let mut positions = vec![line(5), line(5), NO_POSITION, line(400), line(2)];
        positions.extend(std::iter::repeat_n(line(3), 300));
        let table = encode_lines_310(&positions, 1);
        assert_eq!(
            decode_lines_310(&table, 1, positions.len()),
            Some(positions)
        );
    }

    #[test]
    fn positions_round_trip() {
        let positions = vec![
            NO_POSITION,
            Position {
                line: Some(3),
                end_line: Some(3),
                column: Some(0),
                end_column: Some(5),
            },
            Position {
                line: Some(3),
                end_line: Some(3),
                column: Some(0),
                end_column: Some(5),
            },
            Position {
                line: Some(2),
                end_line: Some(4),
                column: Some(7),
                end_column: None,
            },
            Position {
                line: Some(9),
                end_line: Some(9),
                column: None,
                end_column: None,
            },
        ];
        let table = encode_positions(&positions, 1);
        assert_eq!(
            decode_positions(&table, 1, positions.len()),
            Some(positions)
        );
    }

    #[test]
    fn a_probe_leaves_jumps_landing_on_their_instruction() {
        // RESUME 0; LOAD_CONST 0 (line 1); POP_JUMP_FORWARD_IF_FALSE +1; NOP (line 2); NOP (line 3)
        let code = [
            op::RESUME,
            0,
            op::LOAD_CONST,
            0,
            op::POP_JUMP_FORWARD_IF_FALSE,
            1,
            9,
            0,
            9,
            0,
        ];
        let positions = vec![
            Position {
                line: Some(0),
                end_line: Some(0),
                column: None,
                end_column: None,
            },
            Position {
                line: Some(1),
                end_line: Some(1),
                column: None,
                end_column: None,
            },
            Position {
                line: Some(1),
                end_line: Some(1),
                column: None,
                end_column: None,
            },
            Position {
                line: Some(2),
                end_line: Some(2),
                column: None,
                end_column: None,
            },
            Position {
                line: Some(3),
                end_line: Some(3),
                column: None,
                end_column: None,
            },
        ];
        let table = encode_positions(&positions, 1);
        let out = instrument(Version::V311, &code, &table, &[], 1, 1, false).expect("instrumented");
        assert_eq!(out.probes, 3);
        let (length, call_at) = probe_units(Version::V311, 1, 2);
        assert_eq!(
            out.arguments,
            vec![
                1 | (i64::from(call_at) << 32),
                2 | (i64::from(call_at) << 32),
                3 | (i64::from(call_at) << 32)
            ]
        );
        // The jump now skips the probe of line 2 and lands on line 3's probe.
        let jump_at = 1 + length as usize + 1;
        assert_eq!(out.code[jump_at * 2], op::POP_JUMP_FORWARD_IF_FALSE);
        assert_eq!(out.code[jump_at * 2 + 1] as u32, length + 1);
        assert_eq!(out.code.len() / 2, 5 + 3 * length as usize);
    }
}
