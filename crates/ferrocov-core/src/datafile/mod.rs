//! The per-process data file: a memory-mapped, append-only file that holds hits the moment
//! they happen (DESIGN invariant 1). The format is documented in `docs/data-file-format.md`.
//!
//! One process writes one file at a time (a fork switches the child to a file of its own).
//! A file is a 64-byte header followed by records. A record is written in full and then
//! published by storing its tag last, so a reader sees either a complete record or a zero tag.
//! Hit cells inside a published record are set by the tracer at any time afterwards.
//!
//! Whether a file's writer is alive is decided twice over, so that nothing the program does to
//! its descriptors can make a reader take a live file ([`writer_alive`]):
//! - a writer holds a POSIX write lock (`fcntl`) on each of its files while its process lives
//!   and measures ([`lock_state`]). POSIX locks, unlike `flock`, belong to the process: a
//!   forked child does not inherit its parent's, exit and `exec` release them, and a mapping
//!   does not keep them alive. But closing *any* descriptor of the file releases them, and a
//!   daemon's `closerange` does;
//! - so the header also names the process in time (format 3: the kernel's boot id and the
//!   process's start time in it). A file whose state is still open and whose process is
//!   still there, started at that very time in this very boot, is live, lock or no lock;
//!   a pid reused by another process does not match.
//!
//! The writer keeps its descriptors out of the program's way: each is moved to a high number
//! (where the lowest-free-number rule of `open` does not reach) and closed only once proven
//! to still be its own file (same device and inode), so a program that closed it and opened
//! another file under that number never loses its file to ferrocov.

mod format;
mod reader;
mod writer;

use std::os::fd::AsRawFd;
use std::path::Path;

pub use format::{Ending, EXTENSION, FLAG_BRANCH, FORMAT_VERSION, HEADER_LEN, MAX_LINE};
pub use reader::{header_summary, parse, FileContents, HeaderSummary, Unreadable};
pub use writer::{ArcSlot, HitSlot, Writer};

/// Identity of one measured process, as written in each of its files' headers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ProcessId {
    pub pid: u32,
    pub nonce: u64,
}

/// When, in which boot of which kernel, a process started: with its pid, what tells it from
/// any other process that had or will have that pid (format 3's header).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ProcessLifetime {
    /// The first 8 bytes of the kernel's boot id (`/proc/sys/kernel/random/boot_id`).
    pub boot: u64,
    /// The process's start time, in clock ticks since boot (`/proc/PID/stat`, field 22).
    pub start: u64,
}

/// This machine's boot id (the first 8 bytes), or None where it is not known.
fn boot_id() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/sys/kernel/random/boot_id").ok()?;
    let hex: String = text
        .chars()
        .filter(|c| c.is_ascii_hexdigit())
        .take(16)
        .collect();
    u64::from_str_radix(&hex, 16).ok().filter(|&b| b != 0)
}

/// The start time of process `pid` in clock ticks since boot, or None where it is not known
/// (no such process, not Linux).
fn start_ticks(pid: &str) -> Option<u64> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name (field 2) is in parentheses and may hold spaces or parentheses itself.
    let after_name = &text[text.rfind(')')? + 1..];
    // Fields from 3 on; the start time is field 22.
    after_name
        .split_ascii_whitespace()
        .nth(22 - 3)?
        .parse()
        .ok()
        .filter(|&t| t != 0)
}

/// This process's lifetime, or None where it can't be told (then only the lock says whether
/// the writer lives).
pub fn own_lifetime() -> Option<ProcessLifetime> {
    Some(ProcessLifetime {
        boot: boot_id()?,
        start: start_ticks("self")?,
    })
}

/// Is the process `pid` that started at `lifetime` still running? None when that can't be
/// told here (another machine or boot, no `/proc`).
pub fn process_alive(pid: u32, lifetime: ProcessLifetime) -> Option<bool> {
    if boot_id()? != lifetime.boot {
        return None;
    }
    Some(start_ticks(&pid.to_string()) == Some(lifetime.start))
}

/// Does another process still write the file open as `handle`? Its lock says so, or (format 3)
/// its header says it is still open and names a process that is still running. A file this
/// very process writes never counts (it is taken only once measuring stops and marks it).
pub fn writer_alive(handle: &std::fs::File) -> bool {
    if lock_state(handle) == LockState::Live {
        return true;
    }
    let mut header = [0u8; HEADER_LEN];
    // SAFETY: pread writes at most `header.len()` bytes into the buffer we own.
    let read = unsafe {
        libc::pread(
            handle.as_raw_fd(),
            header.as_mut_ptr() as *mut libc::c_void,
            header.len(),
            0,
        )
    };
    let Ok(read) = usize::try_from(read) else {
        return false;
    };
    let Some(summary) = header_summary(&header[..read]) else {
        return false;
    };
    let (Some(lifetime), Ending::Open) = (summary.lifetime, summary.ending) else {
        return false;
    };
    if summary.pid == std::process::id() && own_lifetime() == Some(lifetime) {
        return false;
    }
    process_alive(summary.pid, lifetime) == Some(true)
}

/// Is a data file's writer still alive?
#[derive(Debug, PartialEq, Eq)]
pub enum LockState {
    /// No process holds it: it can be read and taken.
    Free,
    /// A live process still writes it: leave it.
    Live,
}

/// Whether another process writes the file open as `file` (it holds the file's lock). The
/// answer holds only for the moment; a file found free stays free, since no writer reopens one.
/// Locks of this very process never count (its own files are taken only once it stops).
pub fn lock_state(file: &std::fs::File) -> LockState {
    let mut query = whole_file_lock(libc::F_RDLCK);
    // SAFETY: the descriptor is open for the duration of the call; F_GETLK writes into `query`.
    let status = unsafe { libc::fcntl(file.as_raw_fd(), libc::F_GETLK, &mut query) };
    if status == 0 && query.l_type != libc::F_UNLCK as libc::c_short {
        return LockState::Live;
    }
    // Free, or a filesystem without locks: nothing can be known, so behave as before locks.
    LockState::Free
}

/// Take the writer's lock on a file open for writing: no other process holds one on a file
/// this process has just created.
pub(crate) fn lock_for_writing(file: &std::fs::File) -> std::io::Result<()> {
    let lock = whole_file_lock(libc::F_WRLCK);
    // SAFETY: the descriptor is open for the duration of the call; F_SETLK only reads `lock`.
    if unsafe { libc::fcntl(file.as_raw_fd(), libc::F_SETLK, &lock) } != 0 {
        return Err(std::io::Error::last_os_error());
    }
    Ok(())
}

fn whole_file_lock(kind: libc::c_int) -> libc::flock {
    // SAFETY: flock is a plain C struct for which all-zero bytes are a valid value.
    let mut lock: libc::flock = unsafe { std::mem::zeroed() };
    lock.l_type = kind as libc::c_short;
    lock.l_whence = libc::SEEK_SET as libc::c_short;
    lock.l_start = 0;
    lock.l_len = 0;
    lock
}

/// Is `name` a segment still being created (never read; deleted once its writer is gone)?
pub fn is_being_created(name: &str) -> bool {
    name.ends_with(format::CREATING_SUFFIX)
}

/// The pid in a data file's name (`<host>.<pid>.<nonce>.<segment>.fcd`), if it has one.
pub fn pid_from_name(path: &Path) -> Option<u32> {
    let name = path.file_name()?.to_str()?;
    let mut parts = name.rsplit('.');
    let (_, _, _, pid) = (parts.next()?, parts.next()?, parts.next()?, parts.next()?);
    pid.parse().ok()
}

#[cfg(test)]
pub(crate) mod tests;
