//! The per-process data file: a memory-mapped, append-only file that holds hits the moment
//! they happen (DESIGN invariant 1). The format is documented in `docs/data-file-format.md`.
//!
//! One process writes one file at a time (a fork switches the child to a file of its own).
//! A file is a 64-byte header followed by records. A record is written in full and then
//! published by storing its tag last, so a reader sees either a complete record or a zero tag.
//! Hit bytes inside a published record are set by the tracer at any time afterwards.

#[cfg(test)]
use std::collections::BTreeSet;
use std::fs::OpenOptions;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};

use memmap2::MmapMut;

use crate::data::CoverageData;
use crate::error::{Error, Result};

/// The first eight bytes of every ferrocov data file.
pub const MAGIC: &[u8; 8] = b"FRCOVDAT";
/// The version of the layout described in `docs/data-file-format.md`.
pub const FORMAT_VERSION: u32 = 1;
/// Size of the file header in bytes.
pub const HEADER_LEN: usize = 64;
/// The extension of ferrocov's per-process data files.
pub const EXTENSION: &str = "fcd";
/// Tag of a published line record ("LIN1" little-endian).
pub const TAG_LINES: u32 = u32::from_le_bytes(*b"LIN1");
/// Tag of a published arc record ("ARC1" little-endian).
pub const TAG_ARCS: u32 = u32::from_le_bytes(*b"ARC1");
/// Size of a record header in bytes.
pub const RECORD_HEADER_LEN: usize = 24;

/// The header's state field: 0 while the process runs, this once it has closed cleanly.
const STATE_CLOSED: u32 = 1;

const OFFSET_VERSION: usize = 8;
const OFFSET_HEADER_LEN: usize = 12;
const OFFSET_PID: usize = 16;
const OFFSET_STATE: usize = 20;
const OFFSET_NONCE: usize = 24;
const OFFSET_SEGMENT: usize = 32;
const OFFSET_PARENT_PID: usize = 36;
const OFFSET_CAPACITY: usize = 40;
const OFFSET_FLAGS: usize = 48;

/// Header flag: the process measured branches (it writes arc records).
pub const FLAG_BRANCH: u32 = 1;

const FIRST_SEGMENT_LEN: usize = 1 << 20;
const MAX_SEGMENT_LEN: usize = 64 << 20;

fn align8(n: usize) -> usize {
    (n + 7) & !7
}

/// Where the tracer stores the hits of one code object: `n_lines` bytes, one per line
/// starting at `first_line`. The memory belongs to a mapping the writer never unmaps.
#[derive(Clone, Copy, Debug)]
pub struct HitSlot {
    pub hits: *mut u8,
    pub first_line: u32,
    pub n_lines: u32,
}

/// Where the tracer stores the arcs of one code object: `capacity` 8-byte cells, each 0 until
/// an arc is stored into it with one atomic 64-bit store (`from` in the low half, `to` in the
/// high half, both as i32). Same lifetime rule as [`HitSlot`].
#[derive(Clone, Copy, Debug)]
pub struct ArcSlot {
    pub cells: *mut u64,
    pub capacity: u32,
}

impl ArcSlot {
    /// Publish `arc` in cell `index` (which must be below `capacity` and still empty).
    ///
    /// # Safety
    /// The slot must come from a live writer's [`Writer::register_arcs`].
    #[inline]
    pub unsafe fn store(&self, index: u32, arc: (i32, i32)) {
        if index >= self.capacity {
            return;
        }
        let value = (arc.0 as u32 as u64) | ((arc.1 as u32 as u64) << 32);
        // SAFETY: the cell lies inside the record (index < capacity), is 8-aligned (records and
        // cell areas are 8-aligned in a page-aligned mapping) and the mapping outlives the slot.
        let cell = unsafe { &*(self.cells.add(index as usize) as *const std::sync::atomic::AtomicU64) };
        cell.store(value, Ordering::Release);
    }
}

struct Segment {
    map: MmapMut,
    cursor: usize,
}

/// Identity of one measured process, as written in each of its files' headers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ProcessId {
    pub pid: u32,
    pub nonce: u64,
}

/// Appends records to a process's data files. Never shrinks, never unmaps while alive.
pub struct Writer {
    directory: PathBuf,
    stem: String,
    process: ProcessId,
    parent_pid: u32,
    flags: u32,
    segments: Vec<Segment>,
}

impl Writer {
    /// Create the first segment of a new process data file in `directory`.
    pub fn create(directory: &Path, process: ProcessId, parent_pid: u32) -> Result<Writer> {
        Writer::create_with_flags(directory, process, parent_pid, 0)
    }

    /// Like [`Writer::create`], with header flags ([`FLAG_BRANCH`]).
    pub fn create_with_flags(directory: &Path, process: ProcessId, parent_pid: u32, flags: u32) -> Result<Writer> {
        std::fs::create_dir_all(directory).map_err(|e| Error::io(directory, e))?;
        let host = hostname();
        let stem = format!("{host}.{}.{:016x}", process.pid, process.nonce);
        let mut writer = Writer {
            directory: directory.to_path_buf(),
            stem,
            process,
            parent_pid,
            flags,
            segments: Vec::new(),
        };
        writer.add_segment(FIRST_SEGMENT_LEN)?;
        Ok(writer)
    }

    /// The path of the first segment.
    pub fn path(&self) -> PathBuf {
        self.segment_path(0)
    }

    fn segment_path(&self, index: usize) -> PathBuf {
        self.directory.join(format!("{}.{index}.{EXTENSION}", self.stem))
    }

    fn add_segment(&mut self, minimum: usize) -> Result<()> {
        let index = self.segments.len();
        let previous = self.segments.last().map_or(0, |s| s.map.len());
        let len = (previous * 2).clamp(FIRST_SEGMENT_LEN, MAX_SEGMENT_LEN).max(align8(minimum + HEADER_LEN));
        let path = self.segment_path(index);
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create_new(true)
            .open(&path)
            .map_err(|e| Error::io(&path, e))?;
        file.set_len(len as u64).map_err(|e| Error::io(&path, e))?;
        // SAFETY: the file was created by us just now (create_new), sized to `len`, and is
        // never truncated while mapped; other processes only read it.
        let mut map = unsafe { MmapMut::map_mut(&file) }.map_err(|e| Error::io(&path, e))?;
        map[OFFSET_VERSION..OFFSET_VERSION + 4].copy_from_slice(&FORMAT_VERSION.to_le_bytes());
        map[OFFSET_HEADER_LEN..OFFSET_HEADER_LEN + 4].copy_from_slice(&(HEADER_LEN as u32).to_le_bytes());
        map[OFFSET_PID..OFFSET_PID + 4].copy_from_slice(&self.process.pid.to_le_bytes());
        map[OFFSET_NONCE..OFFSET_NONCE + 8].copy_from_slice(&self.process.nonce.to_le_bytes());
        map[OFFSET_SEGMENT..OFFSET_SEGMENT + 4].copy_from_slice(&(index as u32).to_le_bytes());
        map[OFFSET_PARENT_PID..OFFSET_PARENT_PID + 4].copy_from_slice(&self.parent_pid.to_le_bytes());
        map[OFFSET_CAPACITY..OFFSET_CAPACITY + 8].copy_from_slice(&(len as u64).to_le_bytes());
        map[OFFSET_FLAGS..OFFSET_FLAGS + 4].copy_from_slice(&self.flags.to_le_bytes());
        std::sync::atomic::fence(Ordering::Release);
        // The magic is written last: a file with a zeroed magic was never started.
        map[..8].copy_from_slice(MAGIC);
        self.segments.push(Segment { map, cursor: HEADER_LEN });
        Ok(())
    }

    fn allocate(&mut self, len: usize) -> Result<(usize, usize)> {
        let needs_new = match self.segments.last() {
            Some(s) => s.cursor + len > s.map.len(),
            None => true,
        };
        if needs_new {
            self.add_segment(len)?;
        }
        let index = self.segments.len() - 1;
        let segment = &mut self.segments[index];
        let offset = segment.cursor;
        segment.cursor += len;
        Ok((index, offset))
    }

    /// Append and publish a record: the 24-byte header (`count` in the field after the first
    /// line), the path and context names, and `payload_len` zeroed bytes after them (8-aligned).
    /// Returns a pointer to the payload, inside a mapping that is never unmapped.
    fn append_record(&mut self, tag: u32, path: &str, context: &str, first_line: u32, count: u32, payload_len: usize) -> Result<*mut u8> {
        let (path_len, context_len) = (path.len(), context.len());
        let payload_offset = align8(RECORD_HEADER_LEN + path_len + context_len);
        let record_len = align8(payload_offset + payload_len);
        let (index, offset) = self.allocate(record_len)?;
        let map = &mut self.segments[index].map;
        let record = &mut map[offset..offset + record_len];
        record[4..8].copy_from_slice(&(record_len as u32).to_le_bytes());
        record[8..12].copy_from_slice(&first_line.to_le_bytes());
        record[12..16].copy_from_slice(&count.to_le_bytes());
        record[16..20].copy_from_slice(&(path_len as u32).to_le_bytes());
        record[20..24].copy_from_slice(&(context_len as u32).to_le_bytes());
        record[RECORD_HEADER_LEN..RECORD_HEADER_LEN + path_len].copy_from_slice(path.as_bytes());
        let context_start = RECORD_HEADER_LEN + path_len;
        record[context_start..context_start + context_len].copy_from_slice(context.as_bytes());
        publish(record, tag);
        // SAFETY: `payload_offset + payload_len <= record_len`, inside the mapping, which lives
        // as long as the writer; the writer is leaked rather than dropped while slots are used.
        Ok(unsafe { map.as_mut_ptr().add(offset + payload_offset) })
    }

    /// Append a record for a code object of `path` spanning `n_lines` lines from `first_line`,
    /// run in `context` ("" for the default), and return the slot the tracer writes hits into.
    pub fn register_lines(&mut self, path: &str, context: &str, first_line: u32, n_lines: u32) -> Result<HitSlot> {
        let hits = self.append_record(TAG_LINES, path, context, first_line, n_lines, n_lines as usize)?;
        Ok(HitSlot { hits, first_line, n_lines })
    }

    /// Append an arc record for code of `path` run in `context`, with room for `capacity` arcs.
    pub fn register_arcs(&mut self, path: &str, context: &str, first_line: u32, capacity: u32) -> Result<ArcSlot> {
        let cells = self.append_record(TAG_ARCS, path, context, first_line, capacity, 8 * capacity as usize)?;
        Ok(ArcSlot { cells: cells as *mut u64, capacity })
    }

    /// Mark every segment as closed cleanly.
    pub fn mark_closed(&mut self) {
        for segment in &mut self.segments {
            state_cell(&mut segment.map).store(STATE_CLOSED, Ordering::Release);
        }
    }
}

fn state_cell(map: &mut MmapMut) -> &AtomicU32 {
    let cell = &mut map[OFFSET_STATE..OFFSET_STATE + 4];
    // SAFETY: the offset is 4-aligned within a page-aligned mapping and the bytes live as long
    // as the borrow of `map`; AtomicU32 has the same layout as u32.
    unsafe { &*(cell.as_mut_ptr() as *const AtomicU32) }
}

fn publish(record: &mut [u8], tag: u32) {
    std::sync::atomic::fence(Ordering::Release);
    // SAFETY: records start 8-aligned inside a page-aligned mapping, so the tag is 4-aligned.
    let cell = unsafe { &*(record.as_mut_ptr() as *const AtomicU32) };
    cell.store(tag, Ordering::Release);
}

fn hostname() -> String {
    let mut buffer = [0u8; 256];
    // SAFETY: the buffer is valid for its whole length, and gethostname writes at most that.
    let status = unsafe { libc::gethostname(buffer.as_mut_ptr() as *mut libc::c_char, buffer.len()) };
    if status != 0 {
        return "localhost".to_string();
    }
    let end = buffer.iter().position(|&b| b == 0).unwrap_or(buffer.len());
    let name: String = String::from_utf8_lossy(&buffer[..end])
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || c == '-' { c } else { '_' })
        .collect();
    if name.is_empty() { "localhost".to_string() } else { name }
}

/// What one data file holds, as read back.
#[derive(Debug, Default)]
pub struct FileContents {
    pub process: Option<ProcessId>,
    pub parent_pid: u32,
    pub segment: u32,
    pub closed_cleanly: bool,
    /// The process measured branches.
    pub branch: bool,
    /// Executed lines per source path and context.
    pub data: CoverageData,
    /// A torn tail or other damage that was skipped: the rest of the file was still read.
    pub warning: Option<String>,
}

/// Why a data file could not be read at all.
#[derive(Debug, PartialEq, Eq)]
pub enum Unreadable {
    /// Zero-length, or the header was never completed: its writer died while starting.
    NeverStarted,
    /// Not a ferrocov data file, or a version this reader does not know.
    Foreign(String),
}

/// Parse a data file's bytes. Never panics on any input.
pub fn parse(bytes: &[u8]) -> std::result::Result<FileContents, Unreadable> {
    if bytes.len() < HEADER_LEN {
        if bytes.iter().all(|&b| b == 0) {
            return Err(Unreadable::NeverStarted);
        }
        return Err(Unreadable::Foreign(format!("too short for a header ({} bytes)", bytes.len())));
    }
    if &bytes[..8] != MAGIC {
        if bytes[..8].iter().all(|&b| b == 0) {
            return Err(Unreadable::NeverStarted);
        }
        return Err(Unreadable::Foreign("not a ferrocov data file (bad magic)".to_string()));
    }
    let version = read_u32(bytes, OFFSET_VERSION);
    if version != FORMAT_VERSION {
        return Err(Unreadable::Foreign(format!("data format version {version} is not supported")));
    }
    let header_len = read_u32(bytes, OFFSET_HEADER_LEN) as usize;
    if header_len < HEADER_LEN || header_len > bytes.len() || !header_len.is_multiple_of(8) {
        return Err(Unreadable::Foreign(format!("bad header length {header_len}")));
    }
    let mut contents = FileContents {
        process: Some(ProcessId { pid: read_u32(bytes, OFFSET_PID), nonce: read_u64(bytes, OFFSET_NONCE) }),
        parent_pid: read_u32(bytes, OFFSET_PARENT_PID),
        segment: read_u32(bytes, OFFSET_SEGMENT),
        closed_cleanly: read_u32(bytes, OFFSET_STATE) == STATE_CLOSED,
        branch: read_u32(bytes, OFFSET_FLAGS) & FLAG_BRANCH != 0,
        ..FileContents::default()
    };
    if contents.branch {
        contents.data.has_arcs = true;
    }
    let mut offset = header_len;
    while offset + RECORD_HEADER_LEN <= bytes.len() {
        let tag = read_u32(bytes, offset);
        if tag == 0 {
            break;
        }
        let record_len = read_u32(bytes, offset + 4) as usize;
        if record_len < RECORD_HEADER_LEN || !record_len.is_multiple_of(8) || offset + record_len > bytes.len() {
            contents.warning = Some(format!("damaged record at offset {offset} (length {record_len}); the rest was skipped"));
            break;
        }
        let record = &bytes[offset..offset + record_len];
        match tag {
            TAG_LINES => {
                if let Err(problem) = parse_lines_record(record, &mut contents.data) {
                    contents.warning = Some(format!("damaged record at offset {offset}: {problem}; the rest was skipped"));
                    break;
                }
            }
            TAG_ARCS => {
                if let Err(problem) = parse_arcs_record(record, &mut contents.data) {
                    contents.warning = Some(format!("damaged record at offset {offset}: {problem}; the rest was skipped"));
                    break;
                }
            }
            _ => {
                contents.warning = Some(format!("unknown record tag {tag:#x} at offset {offset}; the rest was skipped"));
                break;
            }
        }
        offset += record_len;
    }
    Ok(contents)
}

fn parse_lines_record(record: &[u8], data: &mut CoverageData) -> std::result::Result<(), String> {
    let first_line = read_u32(record, 8);
    let n_lines = read_u32(record, 12) as usize;
    let (path, context, hits_offset) = record_names(record)?;
    if hits_offset.checked_add(n_lines).is_none_or(|end| end > record.len()) {
        return Err("sizes exceed the record".to_string());
    }
    let hits = &record[hits_offset..hits_offset + n_lines];
    let lines = hits.iter().enumerate().filter(|(_, &hit)| hit != 0).map(|(index, _)| first_line + index as u32);
    data.add_context_lines(path, context, lines);
    Ok(())
}

/// The path and context of a record, and where its payload starts.
fn record_names(record: &[u8]) -> std::result::Result<(&str, &str, usize), String> {
    let path_len = read_u32(record, 16) as usize;
    let context_len = read_u32(record, 20) as usize;
    let names_end = RECORD_HEADER_LEN.checked_add(path_len).and_then(|n| n.checked_add(context_len));
    let Some(names_end) = names_end.filter(|&end| end <= record.len()) else {
        return Err("sizes exceed the record".to_string());
    };
    let path = std::str::from_utf8(&record[RECORD_HEADER_LEN..RECORD_HEADER_LEN + path_len])
        .map_err(|_| "path is not UTF-8".to_string())?;
    let context = std::str::from_utf8(&record[RECORD_HEADER_LEN + path_len..names_end])
        .map_err(|_| "context is not UTF-8".to_string())?;
    Ok((path, context, align8(names_end)))
}

fn parse_arcs_record(record: &[u8], data: &mut CoverageData) -> std::result::Result<(), String> {
    let capacity = read_u32(record, 12) as usize;
    let (path, context, cells_offset) = record_names(record)?;
    if capacity.checked_mul(8).and_then(|n| n.checked_add(cells_offset)).is_none_or(|end| end > record.len()) {
        return Err("sizes exceed the record".to_string());
    }
    let arcs = (0..capacity).filter_map(|index| {
        let value = read_u64(record, cells_offset + 8 * index);
        (value != 0).then_some((value as u32 as i32, (value >> 32) as u32 as i32))
    });
    data.add_context_arcs(path, context, arcs);
    Ok(())
}

fn read_u32(bytes: &[u8], offset: usize) -> u32 {
    let mut buffer = [0u8; 4];
    if let Some(slice) = bytes.get(offset..offset + 4) {
        buffer.copy_from_slice(slice);
    }
    u32::from_le_bytes(buffer)
}

fn read_u64(bytes: &[u8], offset: usize) -> u64 {
    let mut buffer = [0u8; 8];
    if let Some(slice) = bytes.get(offset..offset + 8) {
        buffer.copy_from_slice(slice);
    }
    u64::from_le_bytes(buffer)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write_sample(dir: &Path) -> PathBuf {
        let mut writer = Writer::create(dir, ProcessId { pid: 42, nonce: 7 }, 1).expect("create");
        let slot = writer.register_lines("/src/a.py", "", 3, 4).expect("register");
        let other = writer.register_lines("/src/a.py", "test|run", 3, 4).expect("register");
        // SAFETY: the slot covers 4 bytes inside the live mapping.
        unsafe { *other.hits.add(3) = 1 };
        // SAFETY: the slot covers 4 bytes inside the live mapping.
        unsafe {
            *slot.hits.add(0) = 1;
            *slot.hits.add(2) = 1;
        }
        let path = writer.path();
        std::mem::forget(writer);
        path
    }

    #[test]
    fn round_trip() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = write_sample(dir.path());
        let bytes = std::fs::read(path).expect("read");
        let contents = parse(&bytes).expect("parse");
        assert_eq!(contents.process, Some(ProcessId { pid: 42, nonce: 7 }));
        assert!(!contents.closed_cleanly);
        assert_eq!(contents.data.lines("/src/a.py"), Some(BTreeSet::from([3, 5, 6])));
        assert_eq!(contents.data.files["/src/a.py"]["test|run"], BTreeSet::from([6]));
        assert!(contents.warning.is_none());
    }

    #[test]
    fn every_truncation_parses_without_panic() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = write_sample(dir.path());
        let bytes = std::fs::read(path).expect("read");
        for len in 0..200 {
            let _ = parse(&bytes[..len]);
        }
        // Flipping any byte of the used part never panics either.
        for index in 0..200 {
            let mut damaged = bytes.clone();
            damaged[index] ^= 0xff;
            let _ = parse(&damaged);
        }
    }

    #[test]
    fn unpublished_record_is_not_read() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = write_sample(dir.path());
        let mut bytes = std::fs::read(path).expect("read");
        bytes[HEADER_LEN..HEADER_LEN + 4].copy_from_slice(&[0, 0, 0, 0]);
        let contents = parse(&bytes).expect("parse");
        assert!(contents.data.files.is_empty());
    }

    #[test]
    fn arcs_round_trip_and_survive_damage() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut writer = Writer::create_with_flags(dir.path(), ProcessId { pid: 5, nonce: 1 }, 1, FLAG_BRANCH).expect("create");
        let slot = writer.register_arcs("/src/b.py", "", 1, 4).expect("register");
        // SAFETY: the slot is live; indexes are below its capacity.
        unsafe {
            slot.store(0, (-1, 1));
            slot.store(1, (1, 2));
            slot.store(2, (2, -1));
            slot.store(9, (7, 7)); // beyond capacity: ignored
        }
        let path = writer.path();
        std::mem::forget(writer);
        let bytes = std::fs::read(path).expect("read");
        let contents = parse(&bytes).expect("parse");
        assert!(contents.branch && contents.data.has_arcs);
        assert_eq!(contents.data.file_arcs("/src/b.py"), BTreeSet::from([(-1, 1), (1, 2), (2, -1)]));
        assert_eq!(contents.data.lines("/src/b.py"), Some(BTreeSet::from([1, 2])));
        for len in 0..160 {
            let _ = parse(&bytes[..len]);
        }
        for index in 0..160 {
            let mut damaged = bytes.clone();
            damaged[index] ^= 0xff;
            let _ = parse(&damaged);
        }
    }

    #[test]
    fn foreign_and_empty_files() {
        assert_eq!(parse(b"").err(), Some(Unreadable::NeverStarted));
        assert!(matches!(parse(&[b'x'; 100]), Err(Unreadable::Foreign(_))));
    }
}
