//! The writer: appends records to a process's data files and hands the tracer the cells it
//! stores hits into. Never shrinks a file, never unmaps while the process lives.
//!
//! What keeps it from hurting the program it runs in:
//! - every byte of a segment is reserved on disk (`posix_fallocate`) before it is mapped, so a
//!   full disk is an error here, never a SIGBUS when the tracer touches a page;
//! - segments start small and double, and a segment that would exceed the file-size limit
//!   (`RLIMIT_FSIZE`) is refused before anything is written;
//! - a segment is created under a hidden name with `O_EXCL | O_NOFOLLOW`, locked, set
//!   up, and only then renamed to its `.fcd` name: a reader never sees it half made, and the
//!   lock (a POSIX record lock) tells every reader that its writer is alive (so does the
//!   header, which names the process in time: see `datafile/mod.rs`);
//! - its descriptor is moved to a high number, out of the way of the program's own files, and
//!   closed only once proven to be that file still (device and inode): a program that closed
//!   it (`os.closerange`) and opened a file that took the number keeps its file;
//! - only the process that created the writer appends to it: a child forked without at-fork
//!   hooks (`fork()` through ctypes) gets an error here and switches to files of its own,
//!   instead of writing records over its parent's.

use std::fs::{File, OpenOptions};
use std::os::fd::AsRawFd;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU16, AtomicU32, AtomicU64, Ordering};

use memmap2::MmapMut;

use super::format::*;
use super::ProcessId;
use crate::error::{Error, Result};

/// The first segment's length: a small process's data fits, and a file-size limit of a few
/// hundred kilobytes still leaves room to grow.
const FIRST_SEGMENT_LEN: usize = 32 << 10;
const MAX_SEGMENT_LEN: usize = 64 << 20;

/// Where the tracer stores the hits of one code object: `n_lines` 2-byte cells, one per line
/// starting at `first_line`. The memory belongs to a mapping the writer never unmaps.
#[derive(Clone, Copy, Debug)]
pub struct HitSlot {
    cells: *mut u16,
    pub first_line: u32,
    pub n_lines: u32,
}

// SAFETY: a slot only points into a mapping that is never unmapped while slots are in use,
// and every store through it is an atomic store: handing a slot to another thread (kept in a
// table behind a lock) is sound.
unsafe impl Send for HitSlot {}
// SAFETY: as for HitSlot.
unsafe impl Send for ArcSlot {}
// SAFETY: every store through a shared slot is atomic (a hit is an idempotent 16-bit store, an
// arc one 64-bit store into a cell claimed with an atomic add: [`ArcSlot::append`]).
unsafe impl Sync for HitSlot {}
// SAFETY: as for HitSlot.
unsafe impl Sync for ArcSlot {}

impl HitSlot {
    /// A slot with no cells: every hit is ignored.
    pub fn empty() -> HitSlot {
        HitSlot {
            cells: std::ptr::null_mut(),
            first_line: 0,
            n_lines: 0,
        }
    }

    /// Record that line `first_line + index` ran (an index out of range is ignored).
    ///
    /// # Safety
    /// The slot must come from a live writer's [`Writer::register_lines`] (or be empty).
    #[inline(always)]
    pub unsafe fn hit(&self, index: u32) {
        if index < self.n_lines {
            // SAFETY: index < n_lines cells of a mapping that is never unmapped; the cells are
            // 2-aligned (records are 8-aligned in a page-aligned mapping).
            let cell = unsafe { &*(self.cells.add(index as usize) as *const AtomicU16) };
            cell.store(HIT, Ordering::Relaxed);
        }
    }
}

/// Where the tracer stores the arcs of one code object: `capacity` 8-byte cells, each 0 until
/// an arc is stored into it with one atomic 64-bit store ([`encode_arc`]). Same lifetime rule
/// as [`HitSlot`].
#[derive(Clone, Copy, Debug)]
pub struct ArcSlot {
    cells: *mut u64,
    pub capacity: u32,
}

impl ArcSlot {
    /// Publish `arc` in cell `index` (which must be below `capacity` and still empty). Arcs
    /// whose lines are beyond [`MAX_LINE`] are not stored.
    ///
    /// # Safety
    /// The slot must come from a live writer's [`Writer::register_arcs`].
    #[inline]
    pub unsafe fn store(&self, index: u32, arc: (i32, i32)) {
        if index >= self.capacity || !arc_end_fits(arc.0) || !arc_end_fits(arc.1) {
            return;
        }
        // SAFETY: the cell lies inside the record (index < capacity), is 8-aligned (records and
        // cell areas are 8-aligned in a page-aligned mapping) and the mapping outlives the slot.
        let cell = unsafe { &*(self.cells.add(index as usize) as *const AtomicU64) };
        cell.store(encode_arc(arc.0, arc.1), Ordering::Release);
    }

    /// Publish `arc` in the next free cell, claimed from `used` (the slot's count of cells in
    /// use, shared by every thread that stores into this slot) with one atomic add, so that
    /// threads storing at once never take the same cell: the free-threaded recorder's way to
    /// store (docs/architecture.md, "Free threading"). False when the slot is full (the caller
    /// then moves to a larger slot, under a lock) or the arc's lines can't be stored.
    ///
    /// # Safety
    /// As [`ArcSlot::store`]; `used` starts at the number of cells already stored and is
    /// changed only through this method while the slot is in use.
    #[inline]
    pub unsafe fn append(&self, used: &AtomicU32, arc: (i32, i32)) -> bool {
        if !arc_end_fits(arc.0) || !arc_end_fits(arc.1) {
            return false;
        }
        let index = used.fetch_add(1, Ordering::AcqRel);
        if index >= self.capacity {
            // Full: give the claim back so that the count stays at the capacity.
            used.fetch_sub(1, Ordering::AcqRel);
            return false;
        }
        // SAFETY: index < capacity, claimed by this thread alone; the caller's guarantee.
        unsafe { self.store(index, arc) };
        true
    }
}

struct Segment {
    map: MmapMut,
    cursor: usize,
    /// The open file, holding the writer's lock; None once released (after a fork, at stop).
    file: Option<File>,
    /// The file's device and inode: what proves a descriptor is still this file.
    identity: (u64, u64),
}

/// Appends records to a process's data files.
pub struct Writer {
    directory: PathBuf,
    stem: String,
    process: ProcessId,
    parent_pid: u32,
    flags: u32,
    /// When the writer was created (microseconds since the epoch), in every segment's header.
    started: u64,
    /// This process in time (format 3's header), when known.
    lifetime: Option<super::ProcessLifetime>,
    /// The process that created the writer: the only one that may append to it.
    owner: u32,
    segments: Vec<Segment>,
}

impl Writer {
    /// Create the first segment of a new process data file in `directory`.
    pub fn create(directory: &Path, process: ProcessId, parent_pid: u32) -> Result<Writer> {
        Writer::create_with_flags(directory, process, parent_pid, 0)
    }

    /// Like [`Writer::create`], with header flags ([`FLAG_BRANCH`]).
    pub fn create_with_flags(
        directory: &Path,
        process: ProcessId,
        parent_pid: u32,
        flags: u32,
    ) -> Result<Writer> {
        std::fs::create_dir_all(directory).map_err(|e| Error::io(directory, e))?;
        let host = hostname();
        let stem = format!("{host}.{}.{:016x}", process.pid, process.nonce);
        let mut writer = Writer {
            directory: directory.to_path_buf(),
            stem,
            process,
            parent_pid,
            flags,
            started: std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_micros() as u64)
                .unwrap_or(0),
            lifetime: super::own_lifetime(),
            owner: std::process::id(),
            segments: Vec::new(),
        };
        writer.add_segment(0)?;
        Ok(writer)
    }

    /// The path of the first segment.
    pub fn path(&self) -> PathBuf {
        self.segment_path(0)
    }

    fn segment_path(&self, index: usize) -> PathBuf {
        self.directory
            .join(format!("{}.{index}.{EXTENSION}", self.stem))
    }

    fn add_segment(&mut self, minimum: usize) -> Result<()> {
        let index = self.segments.len();
        let previous = self.segments.last().map_or(0, |s| s.map.len() * 2);
        let len = previous
            .clamp(FIRST_SEGMENT_LEN, MAX_SEGMENT_LEN)
            .max(align8(minimum + HEADER_LEN));
        let path = self.segment_path(index);
        check_file_size_limit(&path, len)?;
        let creating = self.directory.join(format!(
            ".{}.{index}.{EXTENSION}{CREATING_SUFFIX}",
            self.stem
        ));
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create_new(true)
            .custom_flags(libc::O_NOFOLLOW)
            .open(&creating)
            .map_err(|e| Error::io(&creating, e))?;
        let file = out_of_the_way(file);
        let identity = match file.metadata() {
            Ok(metadata) => {
                use std::os::unix::fs::MetadataExt;
                (metadata.dev(), metadata.ino())
            }
            Err(error) => {
                let _ = std::fs::remove_file(&creating);
                return Err(Error::io(&creating, error));
            }
        };
        let result = self.set_up(&file, &creating, &path, index, len);
        match result {
            Ok(map) => {
                self.segments.push(Segment {
                    map,
                    cursor: HEADER_LEN,
                    file: Some(file),
                    identity,
                });
                Ok(())
            }
            Err(error) => {
                let _ = std::fs::remove_file(&creating);
                Err(error)
            }
        }
    }

    /// Lock, reserve, map and fill in the header of a segment being created, then give it its
    /// real name.
    fn set_up(
        &self,
        file: &File,
        creating: &Path,
        path: &Path,
        index: usize,
        len: usize,
    ) -> Result<MmapMut> {
        // A filesystem without locks still records: readers then cannot tell live files.
        let _ = super::lock_for_writing(file);
        let fd = file.as_raw_fd();
        // SAFETY: fd is an open descriptor owned by `file`; posix_fallocate only reads its
        // integer arguments.
        let status = unsafe { libc::posix_fallocate(fd, 0, len as libc::off_t) };
        if status != 0 {
            return Err(Error::io(path, std::io::Error::from_raw_os_error(status)));
        }
        // SAFETY: the file was created by us just now (create_new), every byte of its `len` is
        // allocated on disk, and it is never truncated while mapped; other processes only read it.
        let mut map = unsafe { MmapMut::map_mut(file) }.map_err(|e| Error::io(path, e))?;
        if map.len() != len {
            return Err(Error::Data {
                path: path.to_path_buf(),
                message: format!("mapped {} bytes, expected {len}", map.len()),
            });
        }
        let header = &mut map[..HEADER_LEN];
        header[OFFSET_VERSION..OFFSET_VERSION + 4].copy_from_slice(&FORMAT_VERSION.to_le_bytes());
        header[OFFSET_HEADER_LEN..OFFSET_HEADER_LEN + 4]
            .copy_from_slice(&(HEADER_LEN as u32).to_le_bytes());
        header[OFFSET_PID..OFFSET_PID + 4].copy_from_slice(&self.process.pid.to_le_bytes());
        header[OFFSET_NONCE..OFFSET_NONCE + 8].copy_from_slice(&self.process.nonce.to_le_bytes());
        header[OFFSET_SEGMENT..OFFSET_SEGMENT + 4].copy_from_slice(&(index as u32).to_le_bytes());
        header[OFFSET_PARENT_PID..OFFSET_PARENT_PID + 4]
            .copy_from_slice(&self.parent_pid.to_le_bytes());
        header[OFFSET_CAPACITY..OFFSET_CAPACITY + 8].copy_from_slice(&(len as u64).to_le_bytes());
        header[OFFSET_FLAGS..OFFSET_FLAGS + 4].copy_from_slice(&self.flags.to_le_bytes());
        header[OFFSET_STARTED..OFFSET_STARTED + 8].copy_from_slice(&self.started.to_le_bytes());
        let lifetime = self.lifetime.unwrap_or_default();
        header[OFFSET_BOOT..OFFSET_BOOT + 8].copy_from_slice(&lifetime.boot.to_le_bytes());
        header[OFFSET_PROCESS_START..OFFSET_PROCESS_START + 8]
            .copy_from_slice(&lifetime.start.to_le_bytes());
        let checksum = header_checksum(header, HEADER_LEN);
        header[OFFSET_HEADER_CHECKSUM..OFFSET_HEADER_CHECKSUM + 4]
            .copy_from_slice(&checksum.to_le_bytes());
        std::sync::atomic::fence(Ordering::Release);
        header[..8].copy_from_slice(MAGIC);
        std::fs::rename(creating, path).map_err(|e| Error::io(path, e))?;
        Ok(map)
    }

    /// The descriptors the writer holds open (tests).
    #[cfg(test)]
    pub(crate) fn descriptors(&self) -> Vec<libc::c_int> {
        self.segments
            .iter()
            .filter_map(|s| s.file.as_ref().map(|f| f.as_raw_fd()))
            .collect()
    }

    /// Is this the process that created the writer? (A child forked without at-fork hooks
    /// shares its parent's mappings and must write none of them.)
    pub fn is_owner(&self) -> bool {
        std::process::id() == self.owner
    }

    fn allocate(&mut self, len: usize) -> Result<(usize, usize)> {
        if !self.is_owner() {
            return Err(Error::Data {
                path: self.path(),
                message: format!(
                    "written by process {}, not this one ({}): forked without at-fork hooks",
                    self.owner,
                    std::process::id()
                ),
            });
        }
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

    /// Append and publish a record: the header (`count` in the field after the first line),
    /// the path and context names, and `payload_len` zeroed bytes after them (8-aligned).
    /// Returns a pointer to the payload, inside a mapping that is never unmapped.
    fn append_record(
        &mut self,
        tag: u32,
        path: &str,
        context: &str,
        first_line: u32,
        count: u32,
        payload_len: usize,
    ) -> Result<*mut u8> {
        let (path_len, context_len) = (path.len(), context.len());
        let names_end = RECORD_HEADER_LEN + path_len + context_len;
        let payload_offset = align8(names_end);
        let record_len = align8(payload_offset + payload_len);
        if record_len > u32::MAX as usize {
            return Err(Error::Data {
                path: PathBuf::from(path),
                message: "record too large".to_string(),
            });
        }
        let (index, offset) = self.allocate(record_len)?;
        let map = &mut self.segments[index].map;
        let record = &mut map[offset..offset + record_len];
        record[4..8].copy_from_slice(&(record_len as u32).to_le_bytes());
        record[8..12].copy_from_slice(&first_line.to_le_bytes());
        record[12..16].copy_from_slice(&count.to_le_bytes());
        record[16..20].copy_from_slice(&(path_len as u32).to_le_bytes());
        record[20..24].copy_from_slice(&(context_len as u32).to_le_bytes());
        record[RECORD_HEADER_LEN..RECORD_HEADER_LEN + path_len].copy_from_slice(path.as_bytes());
        record[RECORD_HEADER_LEN + path_len..names_end].copy_from_slice(context.as_bytes());
        let checksum = record_checksum(record, names_end);
        record[OFFSET_RECORD_CHECKSUM..OFFSET_RECORD_CHECKSUM + 4]
            .copy_from_slice(&checksum.to_le_bytes());
        publish(record, tag);
        // SAFETY: `payload_offset + payload_len <= record_len`, inside the mapping, which lives
        // as long as the writer; the writer is leaked rather than dropped while slots are used.
        Ok(unsafe { map.as_mut_ptr().add(offset + payload_offset) })
    }

    /// Append a record for a code object of `path` spanning `n_lines` lines from `first_line`,
    /// run in `context` ("" for the default), and return the slot the tracer writes hits into.
    /// Code beyond [`MAX_LINE`] gets an empty slot (nothing recorded, nothing written).
    pub fn register_lines(
        &mut self,
        path: &str,
        context: &str,
        first_line: u32,
        n_lines: u32,
    ) -> Result<HitSlot> {
        if first_line
            .checked_add(n_lines)
            .is_none_or(|end| end > MAX_LINE + 1)
        {
            return Ok(HitSlot::empty());
        }
        let cells = self.append_record(
            TAG_LINES,
            path,
            context,
            first_line,
            n_lines,
            2 * n_lines as usize,
        )?;
        Ok(HitSlot {
            cells: cells as *mut u16,
            first_line,
            n_lines,
        })
    }

    /// Append an arc record for code of `path` run in `context`, with room for `capacity` arcs.
    pub fn register_arcs(
        &mut self,
        path: &str,
        context: &str,
        first_line: u32,
        capacity: u32,
    ) -> Result<ArcSlot> {
        let cells = self.append_record(
            TAG_ARCS,
            path,
            context,
            first_line.min(MAX_LINE),
            capacity,
            8 * capacity as usize,
        )?;
        Ok(ArcSlot {
            cells: cells as *mut u64,
            capacity,
        })
    }

    /// The state cell of the first segment, where a process that ends by `os._exit` or a
    /// signal says so (an [`Ending`] word, stored with one atomic operation: a signal handler
    /// can do it). The pointer stays valid while the mapping does: for the process's life once
    /// the writer is leaked, as the tracer leaks it.
    pub fn ending_cell(&mut self) -> Option<*const AtomicU32> {
        let segment = self.segments.first_mut()?;
        Some(state_cell(&mut segment.map) as *const AtomicU32)
    }

    /// Mark every segment as closed cleanly (only in the process that owns the writer: a
    /// child forked without at-fork hooks does not mark its parent's files).
    pub fn mark_closed(&mut self) {
        if !self.is_owner() {
            return;
        }
        for segment in &mut self.segments {
            state_cell(&mut segment.map).store(STATE_CLOSED, Ordering::Release);
        }
    }

    /// Close the files (and with them this process's hold on the lock) while keeping the
    /// mappings: after a fork (the parent still holds the lock on the same files) and when
    /// measurement stops (readers may take the files from now on). A descriptor that is no
    /// longer the segment's file (the program closed it, and maybe opened another file that
    /// took its number) is left as it is: never closed by ferrocov.
    pub fn release_files(&mut self) {
        for segment in &mut self.segments {
            if let Some(file) = segment.file.take() {
                if descriptor_is(file.as_raw_fd(), segment.identity) {
                    drop(file);
                } else {
                    // Not ours any more: forget the number without closing it.
                    let _ = std::os::fd::IntoRawFd::into_raw_fd(file);
                }
            }
        }
    }

    /// Put back, from the mappings, the segments whose files were removed while the process
    /// ran (a work tree cleaned under a running program, a temporary directory emptied).
    /// Returns the paths restored. Called as measuring ends, once the files are marked.
    pub fn restore_removed(&mut self) -> Vec<PathBuf> {
        let mut restored = Vec::new();
        if !self.is_owner() {
            return restored;
        }
        for index in 0..self.segments.len() {
            let path = self.segment_path(index);
            let present = std::fs::symlink_metadata(&path).is_ok_and(|metadata| {
                use std::os::unix::fs::MetadataExt;
                (metadata.dev(), metadata.ino()) == self.segments[index].identity
            });
            if present {
                continue;
            }
            if self.write_copy(index, &path).is_ok() {
                restored.push(path);
            }
        }
        restored
    }

    fn write_copy(&self, index: usize, path: &Path) -> std::io::Result<()> {
        use std::io::Write;
        std::fs::create_dir_all(&self.directory)?;
        let creating = self.directory.join(format!(
            ".{}.{index}.{EXTENSION}{CREATING_SUFFIX}",
            self.stem
        ));
        let _ = std::fs::remove_file(&creating);
        let mut file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .custom_flags(libc::O_NOFOLLOW)
            .open(&creating)?;
        let written = file
            .write_all(&self.segments[index].map[..])
            .and_then(|_| file.sync_all())
            .and_then(|_| std::fs::rename(&creating, path));
        if written.is_err() {
            let _ = std::fs::remove_file(&creating);
        }
        written
    }
}

/// The lowest descriptor number a writer's file is moved to, at most: programs open files at
/// the lowest free numbers, and daemons close ranges from 3 up; a high number stays out of
/// both ways (and below `select()`'s 1024 for programs that count on that).
const HIGH_DESCRIPTOR: libc::c_int = 700;

/// Move `file` to a high descriptor (close-on-exec as before), so that it never sits at a
/// number the program's next `open` would take. If that can't be had, keep it where it is.
fn out_of_the_way(file: File) -> File {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit writes one rlimit into the struct we own.
    let soft = if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) } == 0 {
        limit.rlim_cur
    } else {
        256
    };
    let soft = libc::c_int::try_from(soft).unwrap_or(libc::c_int::MAX);
    let target = HIGH_DESCRIPTOR.min(soft.saturating_mul(3) / 4);
    if target <= file.as_raw_fd() {
        return file;
    }
    // SAFETY: F_DUPFD_CLOEXEC makes a new descriptor for the same open file, numbered
    // `target` or above; `file` stays open and owned by its File.
    let high = unsafe { libc::fcntl(file.as_raw_fd(), libc::F_DUPFD_CLOEXEC, target) };
    if high < 0 {
        return file;
    }
    // SAFETY: `high` was just made by fcntl and nothing else owns it. The low descriptor is
    // closed when `file` drops, before any lock is taken (closing any descriptor of the file
    // would release the lock).
    let moved = unsafe { <File as std::os::fd::FromRawFd>::from_raw_fd(high) };
    drop(file);
    moved
}

/// Is descriptor `fd` open on the file with this (device, inode)?
fn descriptor_is(fd: libc::c_int, identity: (u64, u64)) -> bool {
    let mut stat = std::mem::MaybeUninit::<libc::stat>::zeroed();
    // SAFETY: fstat writes one stat struct into the buffer we own; a closed fd gives EBADF.
    if unsafe { libc::fstat(fd, stat.as_mut_ptr()) } != 0 {
        return false;
    }
    // SAFETY: fstat succeeded and filled it in.
    let stat = unsafe { stat.assume_init() };
    // (st_dev is an i32 on macOS, a u64 on Linux.)
    #[allow(clippy::unnecessary_cast)]
    let found = (stat.st_dev as u64, stat.st_ino as u64);
    found == identity
}

/// Refuse a segment that the process's file-size limit would cut short: writing past the
/// limit raises SIGXFSZ, and a mapping past the end of a file raises SIGBUS.
fn check_file_size_limit(path: &Path, len: usize) -> Result<()> {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit writes one rlimit into the struct we own.
    if unsafe { libc::getrlimit(libc::RLIMIT_FSIZE, &mut limit) } != 0 {
        return Ok(());
    }
    if limit.rlim_cur != libc::RLIM_INFINITY && (len as u64) > limit.rlim_cur {
        return Err(Error::Data {
            path: path.to_path_buf(),
            message: format!(
                "a {len}-byte segment would exceed the file size limit (RLIMIT_FSIZE) of {} bytes",
                limit.rlim_cur
            ),
        });
    }
    Ok(())
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
    let status =
        unsafe { libc::gethostname(buffer.as_mut_ptr() as *mut libc::c_char, buffer.len()) };
    if status != 0 {
        return "localhost".to_string();
    }
    let end = buffer.iter().position(|&b| b == 0).unwrap_or(buffer.len());
    let name: String = String::from_utf8_lossy(&buffer[..end])
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if name.is_empty() {
        "localhost".to_string()
    } else {
        name
    }
}
