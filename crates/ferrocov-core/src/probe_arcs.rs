//! Where arc probes go (3.10 and 3.11): the arcs coverage.py's C tracer records, worked out
//! from the bytecode instead of watched for.
//!
//! A trace function sees a line event whenever the instruction about to run has a line and
//! that line differs from the previous instruction's (an instruction with no line counts as
//! different), or control jumped backwards (except back to a `SEND`); coverage.py's tracer
//! stores `previous event's line -> this event's line` for each, `-co_firstlineno -> line` for
//! a frame's first, and `previous -> -co_firstlineno` when a frame really returns or an
//! exception leaves it.
//!
//! Every instruction with a line is where the previous event left control (its line's event
//! fired when control entered the line), so an edge out of it — falling through, jumping,
//! returning, raising — has a fixed source line. Following the edge through instructions
//! without a line (they fire nothing but make the next line fire) until an event or a return
//! gives the arc the edge makes, the same on every run. So each such edge gets a probe that
//! records its arc once: on the fall-through edge between two instructions, on a jump's
//! taken edge (a trampoline), or before an instruction every path into which makes the same
//! arc (a return, a raise, an unconditional jump).
//!
//! An exception raised by any other instruction (a call, an attribute) is seen where it
//! arrives: a probe at each handler, and at a catch-all handler for those leaving the frame,
//! reads the line it was raised on from its traceback; these stay. A conditional jump with no
//! line that several lines lead to (`except*`'s bookkeeping) records through probes that stay
//! too. [`Plan::unresolved`] counts the edges whose arc still could not be worked out: there
//! the arc is not recorded.
//!
//! The two dialects differ in their jumps (3.10's `JUMP_ABSOLUTE` goes either way; 3.11's
//! `SEND` is the one backward target that fires no event) and in where exceptions go, which the
//! caller gives as [`Exceptions`]: 3.11's exception table, or 3.10's block stack, read from its
//! `SETUP_*` and `POP_BLOCK` instructions.

use crate::probes::{op, op310, Handler, Record, Version};

/// One instruction as the planner sees it.
#[derive(Clone, Copy, Debug)]
pub struct Step {
    /// First unit (its first `EXTENDED_ARG`).
    pub start: u32,
    /// The unit of the operation itself.
    pub op_unit: u32,
    pub opcode: u8,
    pub arg: u32,
    /// Index of the instruction a jump lands on.
    pub target: Option<usize>,
    pub line: Option<i32>,
}

/// Probes per original instruction, by placement.
#[derive(Debug, Default)]
pub struct Plan {
    /// On every path into the instruction.
    pub before: Vec<Vec<Record>>,
    /// On the fall-through from the instruction before it only.
    pub fall: Vec<Vec<Record>>,
    /// On the instruction's jump only (a trampoline at the end of the code).
    pub taken: Vec<Vec<Record>>,
    /// Edges whose arc could not be worked out.
    pub unresolved: usize,
}

/// Where a probe goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Place {
    Before(usize),
    Fall(usize),
    Taken(usize),
}

impl Plan {
    fn push(&mut self, place: Place, record: Record) {
        let list = match place {
            Place::Before(i) => &mut self.before[i],
            Place::Fall(i) => &mut self.fall[i],
            Place::Taken(i) => &mut self.taken[i],
        };
        if !list.contains(&record) {
            list.push(record);
        }
    }
}

fn is_unconditional_jump(version: Version, opcode: u8) -> bool {
    match version {
        Version::V311 => matches!(
            opcode,
            op::JUMP_FORWARD | op::JUMP_BACKWARD | op::JUMP_BACKWARD_NO_INTERRUPT
        ),
        Version::V310 => matches!(opcode, op310::JUMP_FORWARD | op310::JUMP_ABSOLUTE),
    }
}

fn is_raise(opcode: u8) -> bool {
    matches!(opcode, op::RAISE_VARARGS | op::RERAISE)
}

/// Does control never go on to the next instruction?
pub(crate) fn ends_flow(version: Version, opcode: u8) -> bool {
    is_unconditional_jump(version, opcode) || opcode == op::RETURN_VALUE || is_raise(opcode)
}

/// Does the frame suspend here?
fn is_yield(version: Version, opcode: u8) -> bool {
    opcode == op::YIELD_VALUE || (version == Version::V310 && opcode == op310::YIELD_FROM)
}

/// Where exceptions go: for each instruction, the instruction an exception raised there goes
/// to (`Some(None)`: out of the frame; `None`: not known), and every handler's first
/// instruction.
#[derive(Debug, Default)]
pub struct Exceptions {
    pub handler: Vec<Option<Option<usize>>>,
    pub targets: Vec<usize>,
}

impl Exceptions {
    /// 3.11: from the exception table.
    pub fn from_table(steps: &[Step], handlers: &[Handler]) -> Exceptions {
        let index_of = |unit: u32| steps.binary_search_by_key(&unit, |s| s.start).ok();
        let handler = steps
            .iter()
            .map(|step| {
                match handlers
                    .iter()
                    .find(|h| h.start <= step.op_unit && step.op_unit < h.end)
                {
                    None => Some(None),
                    Some(h) => index_of(h.target).map(Some),
                }
            })
            .collect();
        let mut targets = Vec::new();
        for h in handlers {
            if let Some(index) = index_of(h.target) {
                if !targets.contains(&index) {
                    targets.push(index);
                }
            }
        }
        Exceptions { handler, targets }
    }
}

struct Planner<'a> {
    steps: &'a [Step],
    exceptions: &'a Exceptions,
    first_line: i32,
    version: Version,
}

/// Where an edge leads, in arc terms.
enum Leads {
    /// To an event on this line (or a return/exit: `-first_line`).
    To(i32),
    /// Nowhere new: control stays on the same line.
    Nothing,
    /// To a conditional jump with no line: its two ways lead on.
    Split(usize),
    /// Cannot be worked out.
    Unknown,
}

impl Planner<'_> {
    /// The instruction an exception raised at `index` goes to (None: out of the frame).
    fn handler_of(&self, index: usize) -> Option<Option<usize>> {
        self.exceptions.handler.get(index).copied().flatten()
    }

    /// Follow control from `previous` to `current` (by a jump if `jumped`) until an event.
    fn follow(&self, previous: usize, current: usize, jumped: bool) -> Leads {
        let mut previous_line = self.steps[previous].line;
        let mut backward = jumped && self.steps[current].start < self.steps[previous].op_unit;
        let mut current = current;
        for _ in 0..self.steps.len() + 1 {
            let step = self.steps[current];
            if let Some(line) = step.line {
                // (3.11: a jump back to a SEND fires nothing.)
                let send = self.version == Version::V311 && step.opcode == op::SEND;
                let fires = previous_line != Some(line) || (backward && !send);
                return if fires {
                    Leads::To(line)
                } else {
                    Leads::Nothing
                };
            }
            // An instruction with no line: no event here, so the next line's event fires.
            previous_line = None;
            let next = if step.opcode == op::RETURN_VALUE {
                return Leads::To(-self.first_line);
            } else if is_raise(step.opcode) {
                match self.handler_of(current) {
                    None => return Leads::Unknown,
                    Some(None) => return Leads::To(-self.first_line),
                    Some(Some(handler)) => handler,
                }
            } else if is_unconditional_jump(self.version, step.opcode) {
                match step.target {
                    Some(target) => target,
                    None => return Leads::Unknown,
                }
            } else if step.target.is_some() {
                return Leads::Split(current);
            } else if is_yield(self.version, step.opcode) {
                return Leads::Unknown;
            } else {
                current + 1
            };
            if next >= self.steps.len() {
                return Leads::Unknown;
            }
            backward = self.steps[next].start < step.op_unit;
            current = next;
        }
        Leads::Unknown
    }
}

/// Plan the arc probes of one 3.11 code object. `entry`: the first instruction a new frame runs
/// (after its `RESUME`).
#[cfg(test)]
pub fn plan(steps: &[Step], handlers: &[Handler], first_line: i32, entry: usize) -> Plan {
    let exceptions = Exceptions::from_table(steps, handlers);
    plan_for(Version::V311, steps, &exceptions, first_line, entry)
}

/// Plan the arc probes of one code object. `entry`: the first instruction a new frame runs
/// (3.11: after its `RESUME`; 3.10: the first, or after a generator's `GEN_START`).
pub fn plan_for(
    version: Version,
    steps: &[Step],
    exceptions: &Exceptions,
    first_line: i32,
    entry: usize,
) -> Plan {
    let n = steps.len();
    let mut plan = Plan {
        before: vec![Vec::new(); n],
        fall: vec![Vec::new(); n],
        taken: vec![Vec::new(); n],
        unresolved: 0,
    };
    let planner = Planner {
        steps,
        exceptions,
        first_line,
        version,
    };
    // The conditional jumps with no line that edges lead to: the edges, and their lines.
    let mut splits: Vec<(usize, Vec<(Place, i32)>)> = Vec::new();
    let mut add = |plan: &mut Plan, place: Place, from: i32, leads: Leads| match leads {
        Leads::Split(at) => match splits.iter_mut().find(|(s, _)| *s == at) {
            Some((_, edges)) => edges.push((place, from)),
            None => splits.push((at, vec![(place, from)])),
        },
        Leads::To(to) => plan.push(place, Record::Arc(from, to)),
        Leads::Nothing => {}
        Leads::Unknown => plan.unresolved += 1,
    };
    // A new frame: `-first_line -> its first event` (the first line fires, whatever RESUME's).
    // (3.10's first instruction may be one: its fall-through place is passed on entry only.)
    if (entry > 0 || version == Version::V310) && entry < n {
        let leads = match steps[entry].line {
            Some(line) => Leads::To(line),
            None => planner.follow(entry.saturating_sub(1), entry, false),
        };
        add(&mut plan, Place::Fall(entry), -first_line, leads);
    }
    // Exceptions: at each handler, a probe that reads where the exception came from (it stays,
    // since that differs from one exception to the next) and records `that line -> the
    // handler's first event`.
    for &index in &exceptions.targets {
        let to = match steps[index].line {
            Some(line) => Some(line),
            None => match planner.follow(index, index, false) {
                Leads::To(line) => Some(line),
                _ => None,
            },
        };
        plan.before[index].insert(0, Record::Raise(to));
    }
    for (index, step) in steps.iter().enumerate().skip(entry) {
        // A re-raise whose arc a probe here records: the exception's traceback still points
        // where it first came from, so the probe it reaches next must not record from there.
        // (A bare `raise` re-raises with the traceback it had, too.)
        let reraise =
            step.opcode == op::RERAISE || (step.opcode == op::RAISE_VARARGS && step.arg == 0);
        let reached_by_flow = index > 0 && !ends_flow(version, steps[index - 1].opcode);
        if reraise && (step.line.is_some() || reached_by_flow) {
            plan.before[index].push(Record::Mark);
        }
        let Some(from) = step.line else { continue };
        if step.opcode == op::RETURN_VALUE {
            add(
                &mut plan,
                Place::Before(index),
                from,
                Leads::To(-first_line),
            );
            continue;
        }
        if is_raise(step.opcode) {
            let leads = match planner.handler_of(index) {
                None => Leads::Unknown,
                Some(None) => Leads::To(-first_line),
                Some(Some(handler)) => planner.follow(index, handler, true),
            };
            add(&mut plan, Place::Before(index), from, leads);
            continue;
        }
        if let Some(target) = step.target {
            let leads = planner.follow(index, target, true);
            if is_unconditional_jump(version, step.opcode) {
                add(&mut plan, Place::Before(index), from, leads);
                continue;
            }
            add(&mut plan, Place::Taken(index), from, leads);
        }
        if !ends_flow(version, step.opcode) && index + 1 < n {
            let leads = planner.follow(index, index + 1, false);
            add(&mut plan, Place::Fall(index + 1), from, leads);
        }
    }
    // A conditional jump with no line: each of its ways makes an arc from the line control came
    // from. Reached from one line only, that is fixed; from several, the edges that lead there
    // say which (probes that stay: the merged code is rare, `except*`'s).
    for (at, edges) in splits {
        let Some(target) = steps[at].target else {
            continue;
        };
        let mut froms: Vec<i32> = edges.iter().map(|&(_, from)| from).collect();
        froms.sort_unstable();
        froms.dedup();
        let single = froms.len() == 1;
        if !single {
            for &(place, from) in &edges {
                plan.push(place, Record::Source(from));
            }
        }
        for (leads, place) in [
            (planner.follow(at, target, true), Place::Taken(at)),
            (planner.follow(at, at + 1, false), Place::Fall(at + 1)),
        ] {
            if at + 1 >= n {
                continue;
            }
            match leads {
                Leads::To(to) if single => plan.push(place, Record::Arc(froms[0], to)),
                Leads::To(to) => plan.push(place, Record::FromSource(to)),
                Leads::Nothing => {}
                Leads::Split(_) | Leads::Unknown => plan.unresolved += 1,
            }
        }
    }
    plan
}

#[cfg(test)]
mod tests {
    use super::*;

    fn step(start: u32, opcode: u8, target: Option<usize>, line: Option<i32>) -> Step {
        Step {
            start,
            op_unit: start,
            opcode,
            arg: 0,
            target,
            line,
        }
    }

    const LOAD: u8 = 100;

    #[test]
    fn an_if_else_gets_one_probe_per_arc() {
        // def f(x):          line 1
        //     if x:          line 2
        //         return 3   line 3
        //     return 4       line 4
        let steps = [
            step(0, op::RESUME, None, Some(1)),
            step(1, LOAD, None, Some(2)),
            step(2, op::POP_JUMP_FORWARD_IF_FALSE, Some(5), Some(2)),
            step(3, LOAD, None, Some(3)),
            step(4, op::RETURN_VALUE, None, Some(3)),
            step(5, LOAD, None, Some(4)),
            step(6, op::RETURN_VALUE, None, Some(4)),
        ];
        let plan = plan(&steps, &[], 1, 1);
        assert_eq!(plan.unresolved, 0);
        assert_eq!(plan.fall[1], [Record::Arc(-1, 2)]);
        assert_eq!(plan.taken[2], [Record::Arc(2, 4)]);
        assert_eq!(plan.fall[3], [Record::Arc(2, 3)]);
        assert_eq!(plan.before[4], [Record::Arc(3, -1)]);
        assert_eq!(plan.before[6], [Record::Arc(4, -1)]);
        assert!(plan.fall[2].is_empty() && plan.fall[5].is_empty());
    }

    #[test]
    fn a_backward_jump_fires_on_its_own_line_and_lineless_code_is_followed() {
        // line 2: while x: x -= 1   (the body and the test on one line, a jump back)
        // then a jump with no line to line 3.
        let steps = [
            step(0, op::RESUME, None, Some(1)),
            step(1, LOAD, None, Some(2)),
            step(2, op::POP_JUMP_FORWARD_IF_FALSE, Some(5), Some(2)),
            step(3, LOAD, None, Some(2)),
            step(4, op::JUMP_BACKWARD, Some(1), Some(2)),
            step(5, op::JUMP_FORWARD, Some(6), None),
            step(6, LOAD, None, Some(3)),
            step(7, op::RETURN_VALUE, None, Some(3)),
        ];
        let plan = plan(&steps, &[], 1, 1);
        assert_eq!(plan.unresolved, 0);
        // Back to the start of its own line: an event, so a self-arc.
        assert_eq!(plan.before[4], [Record::Arc(2, 2)]);
        // Out of the loop through the jump that has no line.
        assert_eq!(plan.taken[2], [Record::Arc(2, 3)]);
        // Falling into the body stays on line 2: nothing to record.
        assert!(plan.fall[3].is_empty());
    }

    #[test]
    fn raises_go_to_their_handler_or_out_and_handlers_get_exception_probes() {
        let mut raise = step(1, op::RAISE_VARARGS, None, Some(2));
        raise.arg = 1;
        let steps = [
            step(0, op::RESUME, None, Some(1)),
            raise,
            step(2, 35, None, None), // PUSH_EXC_INFO, the handler
            step(3, LOAD, None, Some(4)),
            step(4, op::RERAISE, None, Some(4)),
        ];
        let handlers = [Handler {
            start: 1,
            end: 2,
            target: 2,
            depth_lasti: 0,
        }];
        let plan = plan(&steps, &handlers, 1, 1);
        assert_eq!(plan.before[1], [Record::Arc(2, 4)]);
        assert_eq!(plan.before[2], [Record::Raise(Some(4))]);
        // The re-raise leaves the frame: its arc here, and a mark for the catch-all.
        assert_eq!(plan.before[4], [Record::Mark, Record::Arc(4, -1)]);
    }

    #[test]
    fn lineless_code_shared_by_two_lines_records_through_staying_probes() {
        // Lines 2 and 3 both jump into code with no line that ends in a conditional jump
        // (as `except*` compiles), whose ways lead to lines 4 and 5.
        let steps = [
            step(0, op::RESUME, None, Some(1)),
            step(1, LOAD, None, Some(2)),
            step(2, op::POP_JUMP_FORWARD_IF_FALSE, Some(4), Some(2)),
            step(3, op::JUMP_FORWARD, Some(5), Some(3)),
            step(4, op::JUMP_FORWARD, Some(5), Some(2)),
            step(5, op::POP_JUMP_FORWARD_IF_TRUE, Some(7), None),
            step(6, LOAD, None, Some(4)),
            step(7, LOAD, None, Some(5)),
            step(8, op::RETURN_VALUE, None, Some(5)),
        ];
        let plan = plan(&steps, &[], 1, 1);
        assert_eq!(plan.unresolved, 0);
        assert!(plan.before[3].contains(&Record::Source(3)));
        assert!(plan.before[4].contains(&Record::Source(2)));
        assert_eq!(plan.taken[5], [Record::FromSource(5)]);
        assert_eq!(plan.fall[6], [Record::FromSource(4)]);
    }
}
