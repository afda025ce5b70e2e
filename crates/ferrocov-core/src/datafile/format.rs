//! The layout of a data file (`docs/data-file-format.md`, format version 3; version 2 is still
//! read): constants, and the
//! encodings of the values the tracer stores, each chosen so that a change of any single byte
//! is recognisable as damage.

use crate::checksum::{crc16, crc32};

/// The first eight bytes of every ferrocov data file.
pub const MAGIC: &[u8; 8] = b"FRCOVDAT";
/// The version of the layout described in `docs/data-file-format.md`, as the writer writes it.
pub const FORMAT_VERSION: u32 = 3;
/// The earlier layout the reader still reads: the same, less the process's identity in time
/// (a 64-byte header).
pub const FORMAT_VERSION_2: u32 = 2;
/// Size of the file header in bytes (format 3).
pub const HEADER_LEN: usize = 80;
/// Size of a format-2 header.
pub const HEADER_LEN_2: usize = 64;
/// The extension of ferrocov's per-process data files.
pub const EXTENSION: &str = "fcd";
/// The suffix of a segment that is still being created (never read, deleted once unlocked).
pub const CREATING_SUFFIX: &str = ".creating";
/// Tag of a published line record ("LIN2" little-endian).
pub const TAG_LINES: u32 = u32::from_le_bytes(*b"LIN2");
/// Tag of a published arc record ("ARC2" little-endian).
pub const TAG_ARCS: u32 = u32::from_le_bytes(*b"ARC2");
/// Size of a record header in bytes.
pub const RECORD_HEADER_LEN: usize = 32;

/// The header's state once the process has closed cleanly ("CLSD"); 0 while it runs.
pub const STATE_CLOSED: u32 = u32::from_le_bytes(*b"CLSD");

/// How a process ended, as the state field of its data file tells it.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub enum Ending {
    /// Still running, or ended without a word: SIGKILL, power loss, a signal nobody caught.
    #[default]
    Open,
    /// Closed cleanly ("CLSD"): normal exit, or `ferrocov.embed.cleanup()`.
    Closed,
    /// Ended by `os._exit(n)` ("EX", n's low byte, "!").
    Exit(u8),
    /// Ended by this signal ("SG", the signal number, "!"): a crash or a kill it could see.
    Signal(u8),
}

impl Ending {
    /// The state word that stands for this ending.
    pub fn state(self) -> u32 {
        match self {
            Ending::Open => 0,
            Ending::Closed => STATE_CLOSED,
            Ending::Exit(code) => u32::from_le_bytes([b'E', b'X', code, b'!']),
            Ending::Signal(signal) => u32::from_le_bytes([b'S', b'G', signal, b'!']),
        }
    }

    /// The ending a state word stands for; None for a word no writer stores (damage).
    pub fn from_state(state: u32) -> Option<Ending> {
        match state.to_le_bytes() {
            [0, 0, 0, 0] => Some(Ending::Open),
            [b'E', b'X', code, b'!'] => Some(Ending::Exit(code)),
            [b'S', b'G', signal, b'!'] if signal != 0 => Some(Ending::Signal(signal)),
            _ if state == STATE_CLOSED => Some(Ending::Closed),
            _ => None,
        }
    }
}
/// A line that ran, as stored in its 2-byte cell (0 until then).
pub const HIT: u16 = 0xA55A;
/// The largest line number a data file holds: line numbers and arcs are bounded by it, so that
/// a damaged or crafted number can never make a reader allocate for billions of lines.
pub const MAX_LINE: u32 = (1 << 23) - 1;

pub const OFFSET_VERSION: usize = 8;
pub const OFFSET_HEADER_LEN: usize = 12;
pub const OFFSET_PID: usize = 16;
pub const OFFSET_STATE: usize = 20;
pub const OFFSET_NONCE: usize = 24;
pub const OFFSET_SEGMENT: usize = 32;
pub const OFFSET_PARENT_PID: usize = 36;
pub const OFFSET_CAPACITY: usize = 40;
pub const OFFSET_FLAGS: usize = 48;
/// When the process started writing this file, in microseconds since the epoch (8 bytes, at
/// a 4-byte offset: read and written bytewise).
pub const OFFSET_STARTED: usize = 52;
pub const OFFSET_HEADER_CHECKSUM: usize = 60;
/// Format 3: the boot this process ran in (the first 8 bytes of the kernel's boot id; 0 when
/// not known) and when the process started within it (the kernel's start time of the process,
/// in clock ticks since boot; 0 when not known). Together with the pid they tell a live writer
/// from a process that reused its pid, without any descriptor the program could close.
pub const OFFSET_BOOT: usize = 64;
pub const OFFSET_PROCESS_START: usize = 72;
/// Where a record header keeps the checksum of its fixed fields and names.
pub const OFFSET_RECORD_CHECKSUM: usize = 24;

/// Header flag: the process measured branches (it writes arc records).
pub const FLAG_BRANCH: u32 = 1;

pub fn align8(n: usize) -> usize {
    (n + 7) & !7
}

/// The checksum of a header of `len` bytes ([`HEADER_LEN`], or [`HEADER_LEN_2`] for format 2):
/// every field but the magic (written last), the state (which changes at a clean close) and
/// the checksum itself.
pub fn header_checksum(header: &[u8], len: usize) -> u32 {
    let tail = header.get(HEADER_LEN_2..len).unwrap_or(&[]);
    crc32(&[
        &header[OFFSET_VERSION..OFFSET_STATE],
        &header[OFFSET_NONCE..OFFSET_HEADER_CHECKSUM],
        tail,
    ])
}

/// The checksum of a record: its fixed fields after the tag, and its names.
pub fn record_checksum(record: &[u8], names_end: usize) -> u32 {
    crc32(&[
        &record[4..OFFSET_RECORD_CHECKSUM],
        &record[OFFSET_RECORD_CHECKSUM + 4..names_end],
    ])
}

/// Can `line` be stored in an arc cell?
pub fn arc_end_fits(line: i32) -> bool {
    line.unsigned_abs() <= MAX_LINE
}

/// An arc as one 8-byte cell: `from` and `to` as 24-bit two's complement numbers, and a CRC-16
/// of those six bytes in the top two. An empty cell is 0, which no arc encodes to: even
/// (0, 0) (an empty module's line 0 to itself) has a non-zero check.
pub fn encode_arc(from: i32, to: i32) -> u64 {
    let data = (from as u32 as u64 & 0xFF_FFFF) | ((to as u32 as u64 & 0xFF_FFFF) << 24);
    let check = crc16(&data.to_le_bytes()[..6]) as u64;
    data | (check << 48)
}

/// The arc in a non-empty cell, or None when the cell is damaged.
pub fn decode_arc(cell: u64) -> Option<(i32, i32)> {
    let data = cell & 0xFFFF_FFFF_FFFF;
    if crc16(&data.to_le_bytes()[..6]) as u64 != cell >> 48 {
        return None;
    }
    let sign_extend = |value: u64| ((value as u32) << 8) as i32 >> 8;
    Some((sign_extend(data & 0xFF_FFFF), sign_extend(data >> 24)))
}

pub fn read_u32(bytes: &[u8], offset: usize) -> u32 {
    let mut buffer = [0u8; 4];
    if let Some(slice) = bytes.get(offset..offset.saturating_add(4)) {
        buffer.copy_from_slice(slice);
    }
    u32::from_le_bytes(buffer)
}

pub fn read_u64(bytes: &[u8], offset: usize) -> u64 {
    let mut buffer = [0u8; 8];
    if let Some(slice) = bytes.get(offset..offset.saturating_add(8)) {
        buffer.copy_from_slice(slice);
    }
    u64::from_le_bytes(buffer)
}

pub fn read_u16(bytes: &[u8], offset: usize) -> u16 {
    let mut buffer = [0u8; 2];
    if let Some(slice) = bytes.get(offset..offset.saturating_add(2)) {
        buffer.copy_from_slice(slice);
    }
    u16::from_le_bytes(buffer)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arcs_round_trip_at_the_limits() {
        let max = MAX_LINE as i32;
        for arc in [
            (-1, 1),
            (1, 2),
            (2, -1),
            (max, -max),
            (-max, max),
            (17, 17),
            (0, 5),
            (5, 0),
            (0, 0),
        ] {
            assert_eq!(decode_arc(encode_arc(arc.0, arc.1)), Some(arc), "{arc:?}");
            assert_ne!(encode_arc(arc.0, arc.1), 0);
        }
    }

    #[test]
    fn every_single_byte_change_of_a_cell_is_detected() {
        let mut cells = vec![0u64];
        cells.extend([(-1, 1), (1, 2), (120, -100), (3000, 3001)].map(|(a, b)| encode_arc(a, b)));
        for cell in cells {
            let bytes = cell.to_le_bytes();
            for position in 0..8 {
                for value in 0..=255u8 {
                    if value == bytes[position] {
                        continue;
                    }
                    let mut changed = bytes;
                    changed[position] = value;
                    let changed = u64::from_le_bytes(changed);
                    // Either it reads as damage, or (from an empty cell) it is still not an arc.
                    assert!(
                        changed != 0 && decode_arc(changed).is_none(),
                        "{cell:#x} -> {changed:#x}"
                    );
                }
            }
        }
    }
}
