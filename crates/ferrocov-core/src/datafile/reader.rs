//! The reader: what a data file holds, whatever state its writer left it in. It never panics,
//! never allocates more than the file's own size justifies, and names every kind of damage
//! that changes what is read: a file cut short (shorter than its header's capacity), a damaged
//! header, record or cell (checksums and encodings catch any single changed byte), line
//! numbers beyond [`MAX_LINE`]. After a damaged record it looks for the next intact one, so
//! the rest of the file still counts.

use super::format::*;
use super::{ProcessId, ProcessLifetime};
use crate::data::CoverageData;

/// What one data file holds, as read back.
#[derive(Debug, Default)]
pub struct FileContents {
    pub process: Option<ProcessId>,
    /// When, in which boot, the process started (format 3; None for format 2 or not known).
    pub lifetime: Option<ProcessLifetime>,
    pub parent_pid: u32,
    pub segment: u32,
    /// How the process ended, as this file's state tells it. A process that ended by
    /// `os._exit` or a signal says so in its first segment only.
    pub ending: Ending,
    /// When the process started writing (microseconds since the epoch).
    pub started: u64,
    /// The process measured branches.
    pub branch: bool,
    /// Executed lines (and arcs) per source path and context.
    pub data: CoverageData,
    /// The damage found, one sentence each; what could be read was still read.
    pub damage: Vec<String>,
}

impl FileContents {
    /// Did the process close this file cleanly?
    pub fn closed_cleanly(&self) -> bool {
        self.ending == Ending::Closed
    }
}

/// Why a data file could not be read at all.
#[derive(Debug, PartialEq, Eq)]
pub enum Unreadable {
    /// Zero-length, or a header of zeros: its writer never started it.
    NeverStarted,
    /// Not a ferrocov data file, or a version this reader does not know.
    Foreign(String),
}

/// Parse a data file's bytes. Never panics on any input.
pub fn parse(bytes: &[u8]) -> Result<FileContents, Unreadable> {
    if bytes.len() < HEADER_LEN_2 {
        if bytes.iter().all(|&b| b == 0) {
            return Err(Unreadable::NeverStarted);
        }
        return Err(Unreadable::Foreign(format!(
            "too short for a header ({} bytes)",
            bytes.len()
        )));
    }
    if bytes[..HEADER_LEN_2].iter().all(|&b| b == 0) {
        return Err(Unreadable::NeverStarted);
    }
    let version = read_u32(bytes, OFFSET_VERSION);
    let checksum = read_u32(bytes, OFFSET_HEADER_CHECKSUM);
    let intact_as = |len: usize| bytes.len() >= len && checksum == header_checksum(bytes, len);
    // The layout: the one the version names; a damaged version is read as the layout whose
    // checksum holds, else as the writer's own.
    let header_len = match version {
        FORMAT_VERSION_2 => HEADER_LEN_2,
        FORMAT_VERSION => HEADER_LEN,
        _ if intact_as(HEADER_LEN_2) && !intact_as(HEADER_LEN) => HEADER_LEN_2,
        _ => HEADER_LEN,
    };
    if bytes.len() < header_len {
        return Err(Unreadable::Foreign(format!(
            "too short for a header ({} bytes)",
            bytes.len()
        )));
    }
    let header = &bytes[..header_len];
    let header_intact = intact_as(header_len);
    let known_version = version == FORMAT_VERSION || version == FORMAT_VERSION_2;
    let mut damage = Vec::new();
    if &header[..8] != MAGIC {
        if !(header_intact && known_version) {
            return Err(Unreadable::Foreign(
                "not a ferrocov data file (bad magic)".to_string(),
            ));
        }
        damage.push("its magic number is damaged".to_string());
    }
    if !known_version {
        if header_intact || version == 1 {
            return Err(Unreadable::Foreign(format!("data format version {version} is not supported (this ferrocov reads versions {FORMAT_VERSION_2} and {FORMAT_VERSION})")));
        }
        damage.push("its header is damaged (version)".to_string());
    }
    if !header_intact {
        damage.push("its header is damaged (checksum mismatch): process identity and length are not trusted".to_string());
    }
    let state = read_u32(header, OFFSET_STATE);
    let ending = Ending::from_state(state).unwrap_or_else(|| {
        damage.push(format!("its state field is damaged ({state:#x})"));
        Ending::Open
    });
    let mut limit = bytes.len();
    if header_intact {
        let capacity = read_u64(header, OFFSET_CAPACITY);
        if (bytes.len() as u64) < capacity {
            damage.push(format!(
                "it is truncated: {} of its {capacity} bytes are there",
                bytes.len()
            ));
        } else if (bytes.len() as u64) > capacity {
            damage.push(format!(
                "it is longer ({} bytes) than its header says ({capacity})",
                bytes.len()
            ));
            limit = capacity as usize;
        }
    }
    let lifetime = (header_len == HEADER_LEN)
        .then(|| ProcessLifetime {
            boot: read_u64(header, OFFSET_BOOT),
            start: read_u64(header, OFFSET_PROCESS_START),
        })
        .filter(|l| l.boot != 0 && l.start != 0);
    let mut contents = FileContents {
        process: Some(ProcessId {
            pid: read_u32(header, OFFSET_PID),
            nonce: read_u64(header, OFFSET_NONCE),
        }),
        lifetime,
        parent_pid: read_u32(header, OFFSET_PARENT_PID),
        segment: read_u32(header, OFFSET_SEGMENT),
        ending,
        started: read_u64(header, OFFSET_STARTED),
        branch: read_u32(header, OFFSET_FLAGS) & FLAG_BRANCH != 0,
        ..FileContents::default()
    };
    contents.data.has_arcs = contents.branch;
    read_records(&bytes[..limit], header_len, &mut contents.data, &mut damage);
    contents.damage = damage;
    Ok(contents)
}

/// What a reader needs of a file's header to tell whether its writer may still be alive,
/// without reading the records: the pid, the process's lifetime (format 3) and the state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HeaderSummary {
    pub pid: u32,
    pub lifetime: Option<ProcessLifetime>,
    pub ending: Ending,
}

/// The [`HeaderSummary`] of a file's first bytes, when its header is intact.
pub fn header_summary(bytes: &[u8]) -> Option<HeaderSummary> {
    if bytes.len() < HEADER_LEN_2 || &bytes[..8] != MAGIC {
        return None;
    }
    let len = match read_u32(bytes, OFFSET_VERSION) {
        FORMAT_VERSION_2 => HEADER_LEN_2,
        FORMAT_VERSION => HEADER_LEN,
        _ => return None,
    };
    if bytes.len() < len || read_u32(bytes, OFFSET_HEADER_CHECKSUM) != header_checksum(bytes, len) {
        return None;
    }
    let lifetime = (len == HEADER_LEN)
        .then(|| ProcessLifetime {
            boot: read_u64(bytes, OFFSET_BOOT),
            start: read_u64(bytes, OFFSET_PROCESS_START),
        })
        .filter(|l| l.boot != 0 && l.start != 0);
    Some(HeaderSummary {
        pid: read_u32(bytes, OFFSET_PID),
        lifetime,
        ending: Ending::from_state(read_u32(bytes, OFFSET_STATE))?,
    })
}

/// A record that checked out: where its payload starts and how long it is.
struct Record<'a> {
    tag: u32,
    bytes: &'a [u8],
    path: &'a str,
    context: &'a str,
    first_line: u32,
    count: usize,
    payload_offset: usize,
}

/// The record at `offset`, if its header, names and sizes are intact.
fn record_at(bytes: &[u8], offset: usize) -> Result<Record<'_>, String> {
    let tag = read_u32(bytes, offset);
    if tag != TAG_LINES && tag != TAG_ARCS {
        return Err(format!("unknown record tag {tag:#x}"));
    }
    let record_len = read_u32(bytes, offset + 4) as usize;
    if record_len < RECORD_HEADER_LEN
        || !record_len.is_multiple_of(8)
        || record_len > bytes.len() - offset
    {
        return Err(format!("bad record length {record_len}"));
    }
    let record = &bytes[offset..offset + record_len];
    let path_len = read_u32(record, 16) as usize;
    let context_len = read_u32(record, 20) as usize;
    let names_end = RECORD_HEADER_LEN
        .checked_add(path_len)
        .and_then(|n| n.checked_add(context_len));
    let Some(names_end) = names_end.filter(|&end| end <= record_len) else {
        return Err("its names exceed the record".to_string());
    };
    if read_u32(record, OFFSET_RECORD_CHECKSUM) != record_checksum(record, names_end) {
        return Err("checksum mismatch".to_string());
    }
    let path = std::str::from_utf8(&record[RECORD_HEADER_LEN..RECORD_HEADER_LEN + path_len])
        .map_err(|_| "path is not UTF-8".to_string())?;
    let context = std::str::from_utf8(&record[RECORD_HEADER_LEN + path_len..names_end])
        .map_err(|_| "context is not UTF-8".to_string())?;
    let first_line = read_u32(record, 8);
    let count = read_u32(record, 12) as usize;
    let payload_offset = align8(names_end);
    let cell_size = if tag == TAG_LINES { 2 } else { 8 };
    if count
        .checked_mul(cell_size)
        .and_then(|n| n.checked_add(payload_offset))
        .is_none_or(|end| end > record_len)
    {
        return Err("its cells exceed the record".to_string());
    }
    if tag == TAG_LINES && (first_line as u64 + count as u64) > MAX_LINE as u64 + 1 {
        return Err(format!(
            "absurd line numbers (from {first_line}, {count} lines)"
        ));
    }
    Ok(Record {
        tag,
        bytes: record,
        path,
        context,
        first_line,
        count,
        payload_offset,
    })
}

/// The next offset from `start` (8-aligned) where an intact record begins.
fn resync(bytes: &[u8], start: usize) -> Option<usize> {
    let mut offset = start;
    while offset + RECORD_HEADER_LEN <= bytes.len() {
        let tag = read_u32(bytes, offset);
        if (tag == TAG_LINES || tag == TAG_ARCS) && record_at(bytes, offset).is_ok() {
            return Some(offset);
        }
        offset += 8;
    }
    None
}

fn read_records(
    bytes: &[u8],
    header_len: usize,
    data: &mut CoverageData,
    damage: &mut Vec<String>,
) {
    let mut offset = header_len;
    while offset + RECORD_HEADER_LEN <= bytes.len() {
        if read_u32(bytes, offset) == 0 {
            // The end of what was published. A record being written when the process died may
            // follow (a torn tail, not damage); an intact record after it means damage.
            let next = bytes[offset..]
                .chunks(8)
                .position(|word| word.iter().any(|&b| b != 0));
            let Some(next) = next.and_then(|words| resync(bytes, offset + 8 * words)) else {
                return;
            };
            damage.push(format!(
                "records after an empty slot at offset {offset}: read from offset {next} on"
            ));
            offset = next;
            continue;
        }
        match record_at(bytes, offset) {
            Ok(record) => {
                read_payload(&record, offset, data, damage);
                offset += record.bytes.len();
            }
            Err(problem) => {
                match resync(bytes, offset + 8) {
                    Some(next) => {
                        damage.push(format!("damaged record at offset {offset} ({problem}); read on from offset {next}"));
                        offset = next;
                    }
                    None => {
                        damage.push(format!("damaged record at offset {offset} ({problem}); nothing readable after it"));
                        return;
                    }
                }
            }
        }
    }
}

fn read_payload(
    record: &Record<'_>,
    offset: usize,
    data: &mut CoverageData,
    damage: &mut Vec<String>,
) {
    let cells = &record.bytes[record.payload_offset..];
    let mut bad = 0usize;
    if record.tag == TAG_LINES {
        let mut lines = Vec::new();
        for index in 0..record.count {
            match read_u16(cells, 2 * index) {
                0 => {}
                HIT => lines.push(record.first_line + index as u32),
                _ => bad += 1,
            }
        }
        data.add_context_lines(record.path, record.context, lines);
    } else {
        let mut arcs = Vec::new();
        for index in 0..record.count {
            let cell = read_u64(cells, 8 * index);
            if cell == 0 {
                continue;
            }
            match decode_arc(cell) {
                Some(arc) => arcs.push(arc),
                None => bad += 1,
            }
        }
        data.add_context_arcs(record.path, record.context, arcs);
    }
    if bad > 0 {
        damage.push(format!(
            "{bad} damaged cell(s) in the record at offset {offset} ({}) were skipped",
            record.path
        ));
    }
}
